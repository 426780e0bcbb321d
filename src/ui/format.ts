// How the page words times and counts: uptimes, backoff countdowns, local
// clock times, and a row's description made live (the server's text is "as
// of the event"; the parts that age are recomputed on the page's clock). Pure.

/** `0:00:05`, `12:03:04`, `1d 02:03:04`; a negative duration (clock skew) counts as 0. */
export function formatUptime(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86400);
  const hours = Math.floor(total / 3600) % 24;
  const clock = `${pad(Math.floor(total / 60) % 60)}:${pad(total % 60)}`;
  return days === 0 ? `${hours}:${clock}` : `${days}d ${pad(hours)}:${clock}`;
}

/** `next try in 3 s`, `next try in 2 min 5 s`, `next try now` once it is due. */
export function formatCountdown(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds <= 0) return "next try now";
  if (seconds < 60) return `next try in ${seconds} s`;
  const rest = seconds % 60;
  return `next try in ${Math.floor(seconds / 60)} min${rest === 0 ? "" : ` ${rest} s`}`;
}

/** A moment in local time: `14:03:05` on the day of `today`, `2024-01-02 14:03:05` otherwise. */
export function formatClock(at: number, today: number): string {
  const when = new Date(at);
  const clock = `${pad(when.getHours())}:${pad(when.getMinutes())}:${pad(when.getSeconds())}`;
  const day = new Date(today);
  const sameDay =
    when.getFullYear() === day.getFullYear() &&
    when.getMonth() === day.getMonth() &&
    when.getDate() === day.getDate();
  return sameDay
    ? clock
    : `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ${clock}`;
}

/** `1 new line`, `12 new lines`. */
export function formatHeld(count: number): string {
  return `${count} new line${count === 1 ? "" : "s"}`;
}

/** `1 byte skipped`, `4096 bytes skipped`. */
export function formatSkipped(bytes: number): string {
  return `${bytes} byte${bytes === 1 ? "" : "s"} skipped`;
}

/** What of a row the description column needs. */
export interface DescribedRow {
  readonly statename: string;
  readonly description: string;
  readonly readiness: string;
  readonly nextTry: number;
}

// The parts of tend ctl status's description that age: RUNNING's `pid N,
// uptime 1 day, 2:03:04` (the pid and uptime have their own columns) and the
// exponential backoff's `backoff, next try in N s: ` (counted down here).
const RUNNING_PREFIX = /^pid \d+, uptime (?:\d+ days?, )?\d+:\d\d:\d\d(?:, )?/;
const BACKOFF_PREFIX = /^backoff, next try in \d+ s: /;

/**
 * The description column at `now` (server time): the server's description
 * without what ages, why it is not ready when that is news, and in BACKOFF
 * the countdown to the next try.
 */
export function liveDescription(row: DescribedRow, now: number): string {
  let text = row.description;
  if (row.statename === "RUNNING") text = text.replace(RUNNING_PREFIX, "");
  const parts: string[] = [];
  if (row.statename === "BACKOFF") {
    text = text.replace(BACKOFF_PREFIX, "");
    if (row.nextTry > 0) parts.push(formatCountdown(row.nextTry - now));
  }
  if (text !== "") parts.push(text);
  const waits = row.statename === "RUNNING" || row.statename === "STARTING";
  if (waits && row.readiness !== "" && !text.includes(row.readiness)) parts.push(row.readiness);
  return parts.join("; ");
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}
