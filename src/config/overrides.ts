// Settings given outside the config files: a supervisord command-line option
// (`-e debug`), or a TEND_<KEY> variable of tend's environment
// (`TEND_LOGLEVEL=debug`), so an image sets policy in its config and a pod
// overrides it without editing files. Precedence: command line, then
// environment, then the files. Pure: the environment is an argument.

import { dirname } from "../core/paths.ts";
import type { RawSection } from "./raw.ts";
import { HEALTH_KEYS, type KeySpec, SUPERVISORD_KEYS } from "./schema.ts";

/** A setting given outside the files. */
export interface Override {
  /** The section it sets, as INI names it; `supervisord` when not given. */
  readonly section?: string;
  readonly key: string;
  readonly value: string;
  /** Where it came from, for its errors and for `tend check`: `command line -e`, `environment TEND_LOGLEVEL`. */
  readonly origin: string;
}

/**
 * The sections whose settings TEND_ variables override, each key K read from
 * `${prefix}${K in upper case}`. Adding a section is one line here.
 * TEND_HEALTH_PORT alone makes a [health] section, so it turns the listener on.
 */
export const ENVIRONMENT_SECTIONS: readonly {
  readonly section: string;
  readonly prefix: string;
  readonly keys: Readonly<Record<string, KeySpec<unknown>>>;
}[] = [
  { section: "supervisord", prefix: "TEND_", keys: SUPERVISORD_KEYS },
  { section: "health", prefix: "TEND_HEALTH_", keys: HEALTH_KEYS },
];

/** The variable that overrides a key: `TEND_LOGLEVEL`. */
export function variableOf(prefix: string, key: string): string {
  return `${prefix}${key.toUpperCase()}`;
}

/**
 * The overrides tend's environment gives, in the order of the key tables.
 * Only TEND_<KEY> for a key of an overridable section counts; any other
 * TEND_ variable (TEND_SOCKET, TEND_CONFIG, ...) is left alone. An empty
 * variable counts as unset, as `${X}` of an unset X gives in compose files.
 */
export function environmentOverrides(
  env: Readonly<Record<string, string | undefined>>,
): Override[] {
  const overrides: Override[] = [];
  for (const { section, prefix, keys } of ENVIRONMENT_SECTIONS) {
    for (const key of Object.keys(keys)) {
      const name = variableOf(prefix, key);
      const value = env[name];
      if (value === undefined || value === "") continue;
      overrides.push({ section, key, value, origin: `environment ${name}` });
    }
  }
  return overrides;
}

/** The key tables of the sections an override may set. */
const TABLES: Readonly<Record<string, Readonly<Record<string, KeySpec<unknown>>>>> = {
  supervisord: SUPERVISORD_KEYS,
  ...Object.fromEntries(ENVIRONMENT_SECTIONS.map(({ section, keys }) => [section, keys])),
};

/** The override that decides each setting: the last one given for it. */
export function winningOverrides(overrides: readonly Override[]): Override[] {
  const last = new Map<string, Override>();
  for (const override of overrides)
    last.set(`${override.section ?? "supervisord"}\u0000${override.key}`, override);
  return [...last.values()];
}

/**
 * The sections with the overrides in place of the files' values, later
 * overrides winning over earlier ones. A section no file has is made, in
 * the main file.
 */
export function applyOverrides(
  sections: readonly RawSection[],
  overrides: readonly Override[],
  mainFile: string,
): readonly RawSection[] {
  let result = [...sections];
  for (const override of winningOverrides(overrides)) {
    const name = override.section ?? "supervisord";
    const index = result.findIndex((section) => section.name === name);
    const base: RawSection = result[index] ?? {
      name,
      file: mainFile,
      line: undefined,
      here: dirname(mainFile),
      entries: new Map(),
    };
    const entries = new Map(base.entries);
    // Taken as given: a literal percent stays one (the files' values are %-expanded).
    const percent = TABLES[name]?.[override.key]?.expandTwice ? "%%%%" : "%%";
    entries.set(override.key, {
      value: override.value.replaceAll("%", percent),
      line: undefined,
      origin: override.origin,
    });
    const merged = { ...base, entries };
    result = index < 0 ? [merged, ...result] : result.map((s, i) => (i === index ? merged : s));
  }
  return result;
}
