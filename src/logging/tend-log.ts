// tend's own log (spawned, success, exited, gave up, ...) through pino: text
// in supervisord's layout by default, pino's JSON with log_format=json, to
// [supervisord] logfile (stdout unless told otherwise). Writes are
// synchronous, so nothing is lost whatever way tend exits.

import { closeSync, openSync, writeSync } from "node:fs";
import pino from "pino";
import type { LogLevel as ConfigLevel } from "../config/converters.ts";

export type TendLogger = pino.Logger<"critical" | "blather">;

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
const PINO_LEVELS: Record<ConfigLevel, string> = {
  critical: "critical",
  error: "error",
  warn: "warn",
  info: "info",
  debug: "debug",
  trace: "trace",
  blather: "blather",
};

export interface TendLogOptions {
  readonly logfile: string;
  readonly loglevel: ConfigLevel;
  readonly format: "text" | "json";
}

/** `2026-11-21 15:00:00,123`: supervisord's time stamp, local time. */
function stamp(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
}

function openTarget(logfile: string): number {
  if (logfile === "/dev/stdout" || logfile === "AUTO" || logfile === "NONE") return 1;
  if (logfile === "/dev/stderr") return 2;
  const fd = /^\/dev\/fd\/(\d+)$/.exec(logfile);
  if (fd) return Number(fd[1]);
  return openSync(logfile, "a");
}

export function createTendLogger(options: TendLogOptions): {
  logger: TendLogger;
  close: () => void;
} {
  const fd = openTarget(options.logfile);
  const write =
    options.format === "json"
      ? (line: string) => writeQuietly(fd, line)
      : (line: string) => {
          const entry = JSON.parse(line) as { level: number; time: number; msg: string };
          writeQuietly(
            fd,
            `${stamp(entry.time)} ${LABELS[entry.level] ?? entry.level} ${entry.msg}\n`,
          );
        };
  const logger = pino(
    {
      level: PINO_LEVELS[options.loglevel],
      customLevels: { critical: 60, blather: 5 },
      base: null,
      formatters: { level: (_label, number) => ({ level: number }) },
    },
    { write },
  ) as TendLogger;
  return { logger, close: () => (fd > 2 ? closeSync(fd) : undefined) };
}

function writeQuietly(fd: number, text: string): void {
  try {
    writeSync(fd, text);
  } catch {
    // A log that cannot be written must not take tend down (issue 5 reports it once).
  }
}
