// supervisorctl's output lines, byte for byte: namespecs, the status and
// avail tables, and the per-process result lines of start, stop, signal and
// clear (supervisorctl.py `_startresult`, `_signalresult`, `_clearresult`).

import { Faults } from "../protocol/faults.ts";
import { makeNamespec, splitNamespec } from "../protocol/namespec.ts";
import { isStruct, type XmlRpcValue } from "../protocol/xmlrpc.ts";

/** One result of startProcessGroup, stopAllProcesses... (or a fault made into one). */
export interface ProcessResult {
  readonly name: string;
  readonly group: string;
  readonly status: number;
  readonly description: string;
}

/** A result code supervisorctl has no line for: it raises, and the action ends in an error. */
export class UnknownResultCode extends Error {
  constructor(code: number, name: string) {
    super(`Unknown result code ${code} for ${name}`);
    this.name = "UnknownResultCode";
  }
}

/** Python's `%-Ns`: pads to N characters (code points, not UTF-16 units). */
export function padRight(text: string, width: number): string {
  const length = [...text].length;
  return length >= width ? text : text + " ".repeat(width - length);
}

/** Python's str.split() with no separator: runs of whitespace, no empty words. */
export function words(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== "");
}

// --- reading replies -------------------------------------------------------

export type Struct = Readonly<Record<string, XmlRpcValue>>;

export function structs(value: XmlRpcValue): Struct[] {
  return Array.isArray(value) ? value.filter(isStruct) : [];
}

export function str(value: XmlRpcValue | undefined): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "True" : "False";
  return String(value);
}

export function num(value: XmlRpcValue | undefined): number {
  return typeof value === "number" ? value : Number(value ?? 0);
}

/** The infos a namespec names: every process of the group for `group:*`, else the one process. */
export function infosNamed(infos: readonly Struct[], namespec: string): Struct[] {
  const { groupName, processName } = splitNamespec(namespec);
  return infos.filter(
    (info) =>
      str(info.group) === groupName &&
      (processName === undefined || str(info.name) === processName),
  );
}

/** The line for a name that matched no info: the group's for `group:*`, else the process's. */
export function noSuchNameLine(namespec: string): string {
  const { groupName, processName } = splitNamespec(namespec);
  return processName === undefined
    ? `${groupName}: ERROR (no such group)`
    : `${namespec}: ERROR (no such process)`;
}

export function asResult(value: Struct): ProcessResult {
  return {
    name: str(value.name),
    group: str(value.group),
    status: num(value.status),
    description: str(value.description),
  };
}

// --- tables ------------------------------------------------------------------

/** The status table: the name column is as wide as the longest namespec (at least 30) plus 3. */
export function statusLines(infos: readonly Struct[]): string[] {
  const namespecs = infos.map((info) => makeNamespec(str(info.group), str(info.name)));
  const width = Math.max(30, ...namespecs.map((name) => [...name].length)) + 3;
  return infos.map((info, i) => {
    const description = [str(info.description), readinessNote(info)].filter(Boolean).join(", ");
    return `${padRight(namespecs[i] ?? "", width)}${padRight(str(info.statename), 10)}${description}`;
  });
}

/**
 * tend's note after the description, for a process with a ready check
 * (from tend's `ready_check` and `ready_error` keys; supervisord has none):
 * `ready` or `not ready: REASON` while it runs.
 */
function readinessNote(info: Struct): string {
  const check = info.ready_check;
  if (typeof check !== "string" || check === "" || num(info.pid) === 0) return "";
  const state = str(info.statename);
  if (state !== "RUNNING" && state !== "STARTING") return "";
  if (info.ready === true) return "ready";
  return `not ready: ${str(info.ready_error) || "no answer yet"}`;
}

/** One line of `avail`: `%(name)-32s %(inuse)-9s %(autostart)-9s %(priority)s`. */
export function availLine(info: Struct): string {
  const name = makeNamespec(str(info.group), str(info.name));
  const inuse = info.inuse ? "in use" : "avail";
  const autostart = info.autostart ? "auto" : "manual";
  const priority = `${str(info.group_prio)}:${str(info.process_prio)}`;
  return `${padRight(name, 32)} ${padRight(inuse, 9)} ${padRight(autostart, 9)} ${priority}`;
}

/** `reread`'s lines, sorted by name (later kinds win for a name listed twice, as a dict update). */
export function changeLines(added: string[], changed: string[], removed: string[]): string[] {
  const kinds = new Map<string, string>();
  for (const [names, kind] of [
    [added, "available"],
    [changed, "changed"],
    [removed, "disappeared"],
  ] as const) {
    for (const name of names) kinds.set(name, kind);
  }
  if (kinds.size === 0) return ["No config updates to processes"];
  // Python sorts str by code point; localeCompare would not.
  return [...kinds.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => `${name}: ${kinds.get(name)}`);
}

// --- result lines --------------------------------------------------------------

const error = (result: ProcessResult, why: string) =>
  `${makeNamespec(result.group, result.name)}: ERROR (${why})`;

/** A line of `start`. */
export function startResultLine(result: ProcessResult): string {
  switch (result.status) {
    case Faults.BAD_NAME:
      return error(result, "no such process");
    case Faults.NO_FILE:
      return error(result, "no such file");
    case Faults.NOT_EXECUTABLE:
      return error(result, "file is not executable");
    case Faults.ALREADY_STARTED:
      return error(result, "already started");
    case Faults.SPAWN_ERROR:
      return error(result, "spawn error");
    case Faults.ABNORMAL_TERMINATION:
      return error(result, "abnormal termination");
    case Faults.SUCCESS:
      return `${makeNamespec(result.group, result.name)}: started`;
  }
  throw new UnknownResultCode(result.status, makeNamespec(result.group, result.name));
}

/** A line of `signal` (and of `stop`, with success "stopped"); FAILED prints the fault string itself. */
export function signalResultLine(result: ProcessResult, success = "signalled"): string {
  switch (result.status) {
    case Faults.BAD_NAME:
      return error(result, "no such process");
    case Faults.BAD_SIGNAL:
      return error(result, "bad signal name");
    case Faults.NOT_RUNNING:
      return error(result, "not running");
    case Faults.SUCCESS:
      return `${makeNamespec(result.group, result.name)}: ${success}`;
    case Faults.FAILED:
      return result.description;
  }
  throw new UnknownResultCode(result.status, makeNamespec(result.group, result.name));
}

/** A line of `clear`. */
export function clearResultLine(result: ProcessResult): string {
  switch (result.status) {
    case Faults.BAD_NAME:
      return error(result, "no such process");
    case Faults.FAILED:
      return error(result, "failed");
    case Faults.SUCCESS:
      return `${makeNamespec(result.group, result.name)}: cleared`;
  }
  throw new UnknownResultCode(result.status, makeNamespec(result.group, result.name));
}
