// Reading files a supervisor writes: its main log (tend and supervisord
// share the format `YYYY-MM-DD HH:MM:SS,mmm LEVEL message`), and plain
// line files the fixtures write.

import { readFileSync } from "node:fs";

export interface LogEntry {
  /** Wall-clock time the supervisor wrote, ms since the epoch (local time, ms resolution). */
  readonly time: number;
  readonly level: string;
  readonly message: string;
}

const LINE = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3}) (\w+) (.*)$/;

/** One log line, or undefined when it is not one. */
export function parseLogLine(line: string): LogEntry | undefined {
  const m = LINE.exec(line);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s, ms] = m.slice(1, 8).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return {
    time: new Date(y, mo - 1, d, h, mi, s, ms).getTime(),
    level: m[8] ?? "",
    message: m[9] ?? "",
  };
}

/** The epoch ms of a log line; throws when it is not one. */
export function timeOf(line: string): number {
  const entry = parseLogLine(line);
  if (!entry) throw new Error(`not a log line: ${line}`);
  return entry.time;
}

/**
 * The entries of a log given as lines. A line that does not start an entry
 * continues the one before (a message of several lines); one before any
 * entry is an error.
 */
export function parseLog(lines: readonly string[]): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const line of lines) {
    const entry = parseLogLine(line);
    if (entry) {
      entries.push(entry);
      continue;
    }
    const last = entries.pop();
    if (!last) throw new Error(`not a log line: ${JSON.stringify(line)}`);
    entries.push({ ...last, message: `${last.message}\n${line}` });
  }
  return entries;
}

/** The entries of the log at `path` (none while it does not exist); a line still being written waits. */
export function readLog(path: string): LogEntry[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  const complete = text.slice(0, text.lastIndexOf("\n") + 1);
  return parseLog(complete.split("\n").filter(Boolean));
}

/** The non-empty lines of a file; none while it does not exist. */
export function readLines(path: string): string[] {
  try {
    return readFileSync(path, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}
