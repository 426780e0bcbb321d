// tend's own log (spawned, success, exited, gave up, ...) through pino: text
// in supervisord's layout by default, JSON lines with log_format=json, to
// [supervisord] logfile (stdout unless told otherwise) through the log hub,
// which rotates the file, keeps lines whole beside the programs' lines on a
// shared stdout, and flushes what is left whatever way tend exits.
//
// pino's light entry point (its "browser" build) is enough here: tend writes
// each line itself, so pino's Node entry, which loads worker-thread
// transports and streams, would cost an idle tend about 9 MiB for nothing
// (measured with VmRSS: 41 MiB against 32 MiB).

import type { LoggerOptions } from "pino";
import type { LogLevel as ConfigLevel } from "../config/converters.ts";
import { localClock } from "../os/time-zone.ts";

type Method = (message: string) => void;
export type TendLogger = Record<
  "critical" | "error" | "warn" | "info" | "debug" | "trace" | "blather",
  Method
>;

interface LogObject {
  readonly time: number;
  readonly level: number;
  readonly msg: string;
}

type CreatePino = (options: LoggerOptions<"critical" | "blather">) => TendLogger;

/** supervisord's level names in its log lines. */
const LABELS: Record<number, string> = {
  60: "CRIT",
  50: "ERRO",
  40: "WARN",
  30: "INFO",
  20: "DEBG",
  10: "TRAC",
  5: "BLAT",
};

export interface TendLogOptions {
  /** Where each finished line goes. */
  readonly write: (line: Uint8Array) => void;
  readonly loglevel: ConfigLevel;
  readonly format: "text" | "json";
}

/** `2026-11-21 15:00:00,123`: supervisord's time stamp, local time. */
function stamp(ms: number): string {
  const d = localClock(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())},${pad(d.getUTCMilliseconds(), 3)}`;
}

function formatText(entry: LogObject): string {
  return `${stamp(entry.time)} ${LABELS[entry.level] ?? entry.level} ${entry.msg}\n`;
}

function formatJson(entry: LogObject): string {
  return `${JSON.stringify({ time: entry.time, level: entry.level, msg: entry.msg })}\n`;
}

export function createTendLogger(options: TendLogOptions): TendLogger {
  const format = options.format === "json" ? formatJson : formatText;
  // Required here, not at the top: single-command mode never loads it.
  const createPino = require("pino/browser.js") as CreatePino;
  return createPino({
    level: options.loglevel === "warn" ? "warn" : options.loglevel,
    customLevels: { critical: 60, blather: 5 },
    browser: {
      asObject: true,
      write: (entry) => options.write(Buffer.from(format(entry as unknown as LogObject), "utf8")),
    },
  });
}
