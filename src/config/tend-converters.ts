// Converters of tend's own program keys (readiness and liveness checks,
// dependencies, the restart policy), in the style of converters.ts: a raw
// value in, a typed value or what was expected out.

import { CONDITIONS, type Condition, type DependencySpec } from "../core/dependencies.ts";
import { type CheckSpec, POLLED_KINDS, parseCheck } from "./check-spec.ts";
import type { Converter } from "./converters.ts";
import type { RawScalar, RawValue } from "./raw.ts";

const ok = <T>(value: T) => ({ ok: true as const, value });
const fail = (expected: string) => ({ ok: false as const, expected });

function text(raw: RawValue): string | undefined {
  if (typeof raw === "string") return raw;
  if (typeof raw === "number" || typeof raw === "boolean") return String(raw);
  return undefined;
}

/** The longest duration: timers past 2^31 ms (24.8 days) would fire at once. */
export const MAX_SECONDS = 24 * 24 * 60 * 60;

/** A duration in seconds, decimals allowed, at least `min`, at most MAX_SECONDS. */
export function seconds(min = 0, exclusive = false): Converter<number> {
  return (raw) => {
    const value = text(raw)?.trim() ?? "";
    const n = Number(value);
    if (value === "" || !/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n))
      return fail(`a number of seconds such as 1 or 0.5`);
    if (exclusive ? n <= min : n < min)
      return fail(`a number of seconds ${exclusive ? ">" : ">="} ${min}`);
    if (n > MAX_SECONDS) return fail(`at most ${MAX_SECONDS} seconds (24 days)`);
    return ok(n);
  };
}

/** A plain number in a range (a multiplier, a fraction). */
export function number(min: number, max: number): Converter<number> {
  return (raw) => {
    const value = text(raw)?.trim() ?? "";
    const n = Number(value);
    if (value === "" || !/^\d+(\.\d+)?$/.test(value) || n < min || n > max)
      return fail(`a number from ${min} to ${max}`);
    return ok(n);
  };
}

/** `startretries`: a count, or `unlimited` (with backoff=exponential: never FATAL). */
export const startretries: Converter<number> = (raw) => {
  const value = text(raw)?.trim().toLowerCase() ?? "";
  if (value === "unlimited") return ok(Number.POSITIVE_INFINITY);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    return fail("an integer >= 0, or unlimited");
  return ok(Number(value));
};

export const readyCheck: Converter<CheckSpec | undefined> = (raw) => {
  const value = text(raw);
  if (value === undefined) return fail("a check such as http://127.0.0.1:8080/health");
  if (value.trim() === "") return ok(undefined);
  const parsed = parseCheck(value);
  return parsed.ok ? ok(parsed.value) : fail(parsed.expected);
};

export const liveCheck: Converter<CheckSpec | undefined> = (raw) => {
  const parsed = readyCheck(raw);
  if (!parsed.ok || parsed.value === undefined) return parsed;
  if (!POLLED_KINDS.includes(parsed.value.kind))
    return fail(
      "a check tend can poll: http(s)://..., tcp:..., unix:/..., file:/... or a command (fd:, notify and log: only tell readiness)",
    );
  return parsed;
};

/**
 * `depends_on=db, cache:ready, migrate:done` (YAML: a list, or a mapping of
 * name to condition). A trailing `:started`, `:ready`, `:done` or `:exited`
 * is the condition (started when none is given).
 */
export const dependencies: Converter<DependencySpec[]> = (raw) => {
  const expected =
    "names of programs, group:process or groups, each optionally followed by :started, :ready, :done or :exited";
  let items: [string, string | undefined][];
  if (Array.isArray(raw)) items = (raw as RawScalar[]).map((item) => [String(item), undefined]);
  else if (raw !== null && typeof raw === "object")
    items = Object.entries(raw as Record<string, RawScalar>).map(([k, v]) => [k, String(v)]);
  else {
    const value = text(raw);
    if (value === undefined) return fail(expected);
    items = value.split(",").map((item) => [item, undefined]);
  }
  const result: DependencySpec[] = [];
  for (const [item, given] of items) {
    const word = item.trim();
    if (word === "") continue;
    const parts = word.split(":");
    const last = (parts.at(-1) ?? "").toLowerCase();
    let condition: string = given?.trim().toLowerCase() ?? "started";
    let target = word;
    if (
      given === undefined &&
      parts.length > 1 &&
      (CONDITIONS as readonly string[]).includes(last)
    ) {
      condition = last;
      target = parts.slice(0, -1).join(":");
    }
    if (!(CONDITIONS as readonly string[]).includes(condition))
      return fail(`${expected}; got the condition ${JSON.stringify(condition)}`);
    if (target === "" || /[\s/]/.test(target) || target.split(":").length > 2)
      return fail(`${expected}; got ${JSON.stringify(word)}`);
    result.push({ target, condition: condition as Condition });
  }
  return ok(result);
};
