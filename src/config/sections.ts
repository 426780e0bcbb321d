// Reading one raw section through a key table: unknown keys (warned, with a
// guess), expansion of each value, conversion, defaults. Errors name the
// file, line, section and key, with the value received.

import type { Converter } from "./converters.ts";
import { type Expansions, expand } from "./expand.ts";
import { MAX_CONFIG_VALUE_BYTES } from "./limits.ts";
import { type Problems, quote } from "./problems.ts";
import type { RawEntry, RawScalar, RawSection, RawValue } from "./raw.ts";
import type { KeySpec } from "./schema.ts";
import { didYouMean } from "./suggest.ts";

export type KeyTable = Record<string, KeySpec<unknown>>;

/** Warns about every key of `section` that `tables` do not know. */
export function warnUnknownKeys(
  section: RawSection,
  known: readonly string[],
  problems: Problems,
): void {
  for (const [name, entry] of section.entries) {
    if (known.includes(name) || section.inherited?.has(name)) continue;
    problems.warn(
      { file: section.file, line: entry.line, section: section.name, key: name },
      () => `unknown key, ignored${didYouMean(name, known)}`,
    );
  }
}

/** Expands every string inside a raw value. */
function expandRaw(
  value: RawValue,
  expansions: Expansions,
): { ok: true; value: RawValue } | { ok: false; message: string } {
  const one = (item: RawScalar): { ok: true; value: RawScalar } | { ok: false; message: string } =>
    typeof item === "string" ? expand(item, expansions) : { ok: true, value: item };
  if (Array.isArray(value)) {
    const items: RawScalar[] = [];
    for (const item of value as RawScalar[]) {
      const done = one(item);
      if (!done.ok) return done;
      items.push(done.value);
    }
    return { ok: true, value: items };
  }
  if (typeof value === "object") {
    const map: Record<string, RawScalar> = {};
    for (const [k, item] of Object.entries(value as Record<string, RawScalar>)) {
      const done = one(item);
      if (!done.ok) return done;
      map[k] = done.value;
    }
    return { ok: true, value: map };
  }
  return one(value as RawScalar);
}

/** What the values read so far may still add up to (MAX_CONFIG_VALUE_BYTES while a config is built). */
let valueBytesLeft = Number.POSITIVE_INFINITY;

/** Runs `build` with every value it reads counted against `bytes`. */
export function withValueBudget<T>(bytes: number, build: () => T): T {
  const saved = valueBytesLeft;
  valueBytesLeft = bytes;
  try {
    return build();
  } finally {
    valueBytesLeft = saved;
  }
}

function sizeOf(value: RawValue): number {
  if (typeof value === "string") return value.length;
  if (Array.isArray(value))
    return value.reduce((sum: number, item) => sum + String(item).length, 0);
  if (typeof value === "object" && value !== null)
    return Object.entries(value).reduce((sum, [k, v]) => sum + k.length + String(v).length, 0);
  return 8;
}

export interface ReadOptions {
  readonly expansions: Expansions;
  /** Only these keys (the others are read elsewhere, e.g. per process). */
  readonly only?: (key: string) => boolean;
  /** Values already read, visible to defaults that depend on them. */
  readonly earlier?: Readonly<Record<string, unknown>>;
}

/**
 * Reads the keys of `table` from `section` (or only defaults when it is
 * absent). A key that fails is reported and left out of the result.
 */
export function readKeys(
  table: KeyTable,
  section: RawSection | undefined,
  where: { file: string; section: string },
  options: ReadOptions,
  problems: Problems,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...options.earlier };
  for (const [name, spec] of Object.entries(table)) {
    if (options.only && !options.only(name)) continue;
    const entry: RawEntry | undefined = section?.entries.get(name);
    const raw = entry
      ? entry.value
      : typeof spec.default === "function"
        ? spec.default(result)
        : spec.default;
    if (raw === undefined) {
      result[name] = undefined;
      continue;
    }
    const place = {
      file: entry?.origin ?? (entry ? (section?.file ?? where.file) : where.file),
      line: entry?.origin === undefined ? (entry?.line ?? section?.line) : undefined,
      section: where.section,
      key: name,
    };
    // Past the budget (already reported) nothing more is expanded: the config is in error.
    if (valueBytesLeft < 0) continue;
    let expanded = expandRaw(raw, options.expansions);
    // supervisord expands these twice (once on reading, once more after),
    // so a literal percent there is written %%%%.
    if (expanded.ok && spec.expandTwice) expanded = expandRaw(expanded.value, options.expansions);
    if (!expanded.ok) {
      problems.error(place, expanded.message);
      continue;
    }
    valueBytesLeft -= sizeOf(expanded.value);
    if (valueBytesLeft < 0) {
      const most = `${Math.round(MAX_CONFIG_VALUE_BYTES / 1024 / 1024)} MiB`;
      problems.error(
        place,
        `the config's values add up to more than ${most} once expanded here (every process counts); tend reads at most ${most}`,
      );
      continue;
    }
    const converted = (spec.convert as Converter<unknown>)(expanded.value);
    if (!converted.ok) {
      problems.error(place, `got ${quote(expanded.value)}; expected ${converted.expected}`);
      continue;
    }
    result[name] = converted.value;
  }
  return result;
}

/**
 * A whole section through its table: unknown keys warned, every key read
 * with `%(here)s` set to the directory of the section's file. `where` names
 * the section when it is absent (defaults only).
 */
export function readSection(
  table: KeyTable,
  section: RawSection | undefined,
  where: { file: string; section: string },
  expansions: Expansions,
  problems: Problems,
): Record<string, unknown> {
  if (section) warnUnknownKeys(section, Object.keys(table), problems);
  return readKeys(
    table,
    section,
    where,
    { expansions: { ...expansions, here: section?.here ?? "" } },
    problems,
  );
}
