// Small pure converters from a raw value (INI string, or YAML scalar, list or
// mapping) to a typed value, each with supervisord's accepted forms. A failure
// says what was expected; the caller adds where and what was received.

import { EVENT_TYPES, type EventTypeName, isEventTypeName } from "../core/events.ts";
import { parseSignal, SIGNAL_NUMBERS } from "../core/signals.ts";
import type { RawScalar, RawValue } from "./raw.ts";
import { splitCommand, splitKeyValuePairs } from "./shlex.ts";

export type Converted<T> = { ok: true; value: T } | { ok: false; expected: string };
export type Converter<T> = (raw: RawValue) => Converted<T>;

const ok = <T>(value: T): Converted<T> => ({ ok: true, value });
const fail = <T>(expected: string): Converted<T> => ({ ok: false, expected });

/** A scalar as text (YAML numbers and booleans as written). */
function text(raw: RawValue): string | undefined {
  if (typeof raw === "string") return raw;
  if (typeof raw === "number" || typeof raw === "boolean") return String(raw);
  return undefined;
}

export const string: Converter<string> = (raw) => {
  const value = text(raw);
  return value === undefined ? fail("a single value") : ok(value);
};

const TRUTHY = ["yes", "true", "on", "1"];
const FALSY = ["no", "false", "off", "0"];

export const boolean: Converter<boolean> = (raw) => {
  const value = text(raw)?.trim().toLowerCase() ?? "";
  if (TRUTHY.includes(value)) return ok(true);
  if (FALSY.includes(value)) return ok(false);
  return fail("true or false (also yes/no, on/off, 1/0)");
};

/** Python int(): optional sign, digits with single underscores, spaces around. */
function parseInteger(raw: RawValue): number | undefined {
  const value = text(raw)?.trim();
  if (value === undefined || !/^[+-]?\d+(_\d+)*$/.test(value)) return undefined;
  const n = Number(value.replaceAll("_", ""));
  return Number.isSafeInteger(n) ? n : undefined;
}

export function integer(min?: number, max?: number): Converter<number> {
  const range =
    min === undefined
      ? "an integer"
      : max === undefined
        ? `an integer >= ${min}`
        : `an integer from ${min} to ${max}`;
  return (raw) => {
    const n = parseInteger(raw);
    if (n === undefined || (min !== undefined && n < min) || (max !== undefined && n > max)) {
      return fail(range);
    }
    return ok(n);
  };
}

const SIZE_UNITS: Record<string, number> = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `50MB`, `10kb`, `1GB` or a byte count. */
export const byteSize: Converter<number> = (raw) => {
  const value = text(raw)?.trim().toLowerCase() ?? "";
  const unit = SIZE_UNITS[value.slice(-2)];
  const n = parseInteger(unit === undefined ? value : value.slice(0, -2));
  if (n === undefined || n < 0)
    return fail("a size in bytes, optionally with KB, MB or GB (such as 50MB)");
  return ok(n * (unit ?? 1));
};

/** An octal mode such as 022 or 0o755 (YAML numbers are read by their digits). */
export const octal: Converter<number> = (raw) => {
  const value = text(raw)?.trim().replace(/^0o/i, "") ?? "";
  if (!/^[0-7]+$/.test(value)) return fail("an octal number such as 022");
  return ok(Number.parseInt(value, 8));
};

const SIGNAL_ALIASES: Record<string, number> = { SIGIOT: 6, SIGPOLL: 29, SIGCLD: 17 };

/** TERM, SIGTERM, term or 15. */
export const signal: Converter<number> = (raw) => {
  const value = text(raw)?.trim() ?? "";
  const expected = "a signal name such as TERM or a number";
  if (/^\d+$/.test(value)) {
    const num = parseSignal(Number(value));
    return num === undefined
      ? fail("a signal number from 1 to 64, or a name such as TERM")
      : ok(num);
  }
  const upper = value.toUpperCase();
  const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
  const num = name in SIGNAL_NUMBERS ? parseSignal(name) : SIGNAL_ALIASES[name];
  return num === undefined ? fail(expected) : ok(num);
};

export type AutoRestart = "true" | "false" | "unexpected";

export const autorestart: Converter<AutoRestart> = (raw) => {
  const value = text(raw)?.trim().toLowerCase() ?? "";
  if (value === "unexpected") return ok("unexpected");
  const flag = boolean(value);
  if (flag.ok) return ok(flag.value ? "true" : "false");
  return fail("true, false or unexpected");
};

/** `0,2` or a YAML list or number: exit codes 0..255. */
export const exitcodes: Converter<number[]> = (raw) => {
  const list = text(raw) ?? "";
  const items: RawScalar[] = Array.isArray(raw)
    ? (raw as RawScalar[])
    : list.trim() === ""
      ? []
      : list.split(",");
  const codes: number[] = [];
  for (const item of items) {
    const n = parseInteger(item);
    if (n === undefined || n < 0 || n > 255)
      return fail("a list of exit codes from 0 to 255, such as 0,2");
    codes.push(n);
  }
  return ok(codes);
};

/** `KEY=val,KEY2="a,b"` (supervisord's parsing) or a YAML mapping. */
export const environment: Converter<Record<string, string>> = (raw) => {
  if (typeof raw === "object" && !Array.isArray(raw)) {
    return ok(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)])));
  }
  const value = text(raw);
  if (value === undefined) return fail("KEY=value pairs separated by commas, or a mapping");
  const pairs = splitKeyValuePairs(value);
  return pairs.ok
    ? ok(pairs.value)
    : fail(`KEY=value pairs separated by commas, but the value ${pairs.message}`);
};

/** A command line split like a shell (shlex.split), or a YAML list taken as argv. */
export const command: Converter<string[]> = (raw) => {
  if (Array.isArray(raw)) {
    const argv = (raw as RawScalar[]).map(String);
    return argv.length === 0 || argv[0] === "" ? fail("a non-empty command") : ok(argv);
  }
  const value = text(raw);
  if (value === undefined) return fail("a command line or a list of arguments");
  const argv = splitCommand(value);
  if (!argv.ok) return fail(`a command line with balanced quotes: it ${argv.message}`);
  return argv.value.length === 0 ? fail("a non-empty command") : ok(argv.value);
};

/** Program and group names: no spaces, colons or slashes (supervisord's rule). */
export const name: Converter<string> = (raw) => {
  const value = text(raw)?.trim() ?? "";
  if (value === "" || /[ :/]/.test(value)) return fail("a name without spaces, colons or slashes");
  return ok(value);
};

/** `a,b,c` or a YAML list. */
export const listOfNames: Converter<string[]> = (raw) => {
  const items = Array.isArray(raw)
    ? (raw as RawScalar[]).map(String)
    : (text(raw) ?? "").split(",").map((item) => item.trim());
  const names = items.filter((item) => item !== "");
  for (const item of names)
    if (!name(item).ok) return fail("a comma-separated list of program names");
  return ok(names);
};

/** An event listener's `events=`: event type names, comma-separated or a YAML list, any case. */
export const eventNames: Converter<EventTypeName[]> = (raw) => {
  const items = Array.isArray(raw)
    ? (raw as RawScalar[]).map(String)
    : (text(raw) ?? "").split(",").map((item) => item.trim());
  const names = [...new Set(items.filter((item) => item !== "").map((item) => item.toUpperCase()))];
  const unknown = names.find((item) => !isEventTypeName(item));
  if (unknown !== undefined)
    return fail(
      `event type names; ${JSON.stringify(unknown)} is not one (known: ${Object.keys(EVENT_TYPES).join(", ")})`,
    );
  return ok(names as EventTypeName[]);
};

/** Space-separated globs or a YAML list (`[include] files`). */
export const listOfGlobs: Converter<string[]> = (raw) => {
  if (Array.isArray(raw)) return ok((raw as RawScalar[]).map(String));
  const value = text(raw);
  if (value === undefined) return fail("space-separated file globs or a list");
  return ok(value.split(/\s+/).filter(Boolean));
};

/** A log file: AUTO (tend's stdout with a prefix), NONE, or a path. */
export type LogTarget = "AUTO" | "NONE" | "SYSLOG" | string;

export const logfile: Converter<LogTarget> = (raw) => {
  const value = text(raw)?.trim() ?? "";
  const lower = value.toLowerCase();
  if (lower === "auto") return ok("AUTO");
  if (lower === "none" || lower === "off" || lower === "") return ok("NONE");
  if (lower === "syslog") return ok("SYSLOG");
  return ok(value);
};

const LOG_LEVELS = ["critical", "error", "warn", "info", "debug", "trace", "blather"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const loglevel: Converter<LogLevel> = (raw) => {
  const value = text(raw)?.trim().toLowerCase() ?? "";
  return (LOG_LEVELS as readonly string[]).includes(value)
    ? ok(value as LogLevel)
    : fail(`one of ${LOG_LEVELS.join(", ")}`);
};

export function oneOf<T extends string>(...choices: T[]): Converter<T> {
  return (raw) => {
    const value = text(raw)?.trim().toLowerCase() ?? "";
    return (choices as string[]).includes(value)
      ? ok(value as T)
      : fail(`one of ${choices.join(", ")}`);
  };
}

/** `AUTO` (tend's own socket) or a URL. */
export const serverurl: Converter<string> = (raw) => {
  const value = text(raw)?.trim() ?? "";
  if (value.toUpperCase() === "AUTO") return ok("AUTO");
  return /^[a-z][a-z0-9+.-]*:\/\/./i.test(value)
    ? ok(value)
    : fail("AUTO or a URL such as unix:///run/tend.sock");
};

/** `[inet_http_server] port`: `host:port`, `:port` or `port`. */
export const inetAddress: Converter<{ host: string; port: number }> = (raw) => {
  const value = text(raw)?.trim() ?? "";
  const colon = value.lastIndexOf(":");
  const host = colon === -1 ? "" : value.slice(0, colon).toLowerCase();
  const port = parseInteger(colon === -1 ? value : value.slice(colon + 1));
  if (port === undefined || port < 1 || port > 65535)
    return fail("a port such as 9001 or 127.0.0.1:9001");
  return ok({ host: host === "*" ? "" : host, port });
};
