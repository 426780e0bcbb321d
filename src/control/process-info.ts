// getProcessInfo's struct and its `description` (supervisord's
// _interpretProcessInfo): the text `ctl status` shows after the state.

import { ProcessState } from "../core/states.ts";
import type { XmlRpcValue } from "../protocol/xmlrpc.ts";
import type { ControlledProcess } from "./supervisor.ts";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * The struct of getProcessInfo; times in whole seconds since the epoch, as
 * supervisord. tend adds `ready`, `restarts`, `ready_check` (the check as
 * written, "" for none) and `ready_error` (why it last failed) after
 * supervisord's keys; clients that do not know them ignore them.
 */
export function processInfo(
  process: ControlledProcess,
  nowMs: number,
): { [key: string]: XmlRpcValue } {
  const nowSeconds = Math.floor(nowMs / 1000);
  const status = process.status;
  const logfile = (value: string) => (value === "AUTO" || value === "NONE" ? "" : value);
  const info = {
    name: process.config.name,
    group: process.config.group,
    start: Math.floor(status.laststart / 1000),
    stop: Math.floor(status.laststop / 1000),
    now: nowSeconds,
    state: ProcessState[status.state],
    statename: status.state,
    spawnerr: status.spawnerr,
    exitstatus: status.exitstatus ?? 0,
    logfile: logfile(process.config.stdout_logfile),
    stdout_logfile: logfile(process.config.stdout_logfile),
    stderr_logfile: logfile(process.config.stderr_logfile),
    pid: status.pid,
  };
  return {
    ...info,
    description: describeProcess(info, tendDetails(process, nowMs)),
    ready: status.ready,
    restarts: status.restarts,
    ready_check: process.config.ready_check?.text ?? "",
    ready_error: status.ready ? "" : status.checkMessage,
  };
}

/** What tend adds to supervisord's descriptions. */
interface TendDetails {
  /** waiting for db (ready) */
  readonly waiting?: string | undefined;
  /** backoff=exponential: seconds until the next try. */
  readonly nextTry?: number | undefined;
  /** What the process said of itself (notify's STATUS=). */
  readonly note?: string | undefined;
}

function tendDetails(process: ControlledProcess, nowMs: number): TendDetails {
  const { status, config } = process;
  const waiting = status.waiting;
  return {
    waiting:
      waiting === undefined
        ? undefined
        : waiting.name === ""
          ? "waiting for its dependencies"
          : `waiting for ${waiting.name} (${waiting.condition})`,
    nextTry:
      config.backoff === "exponential" && status.state === "BACKOFF"
        ? Math.max(0, Math.ceil((status.delay - nowMs) / 1000))
        : undefined,
    note: process.note || undefined,
  };
}

/** What status shows after the state: pid and uptime, the spawn error, or when it stopped. */
export function describeProcess(
  info: {
    readonly name: string;
    readonly statename: string;
    readonly start: number;
    readonly stop: number;
    readonly now: number;
    readonly pid: number;
    readonly spawnerr: string;
  },
  details: TendDetails = {},
): string {
  const note = details.note === undefined ? "" : `, ${details.note}`;
  switch (info.statename) {
    case "RUNNING":
      return `pid ${info.pid}, uptime ${formatUptime(Math.max(0, info.now - info.start))}${note}`;
    case "STARTING":
      if (details.waiting !== undefined) return details.waiting;
      return details.note ?? "";
    case "BACKOFF":
      if (details.nextTry !== undefined)
        return `backoff, next try in ${details.nextTry} s: ${info.spawnerr || "it failed"}`;
      return info.spawnerr || `unknown error (try "tail ${info.name}")`;
    case "FATAL":
      return info.spawnerr || `unknown error (try "tail ${info.name}")`;
    case "STOPPED":
    case "EXITED":
      return info.start ? formatStopTime(info.stop) : "Not started";
    default:
      return "";
  }
}

/** Python's str(timedelta) for whole seconds: `0:00:05`, `1 day, 2:03:04`, `3 days, 0:00:00`. */
export function formatUptime(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const rest = seconds % 86400;
  const clock = `${Math.floor(rest / 3600)}:${pad(Math.floor(rest / 60) % 60)}:${pad(rest % 60)}`;
  return days === 0 ? clock : `${days} day${days === 1 ? "" : "s"}, ${clock}`;
}

/** strftime('%b %d %I:%M %p') in local time, as supervisord shows a stop time. */
export function formatStopTime(seconds: number): string {
  const at = new Date(seconds * 1000);
  const hour12 = at.getHours() % 12 === 0 ? 12 : at.getHours() % 12;
  const meridiem = at.getHours() < 12 ? "AM" : "PM";
  return `${MONTHS[at.getMonth()]} ${pad(at.getDate())} ${pad(hour12)}:${pad(at.getMinutes())} ${meridiem}`;
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}
