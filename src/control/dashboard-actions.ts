// The dashboard's buttons, carried out by the command layer exactly as
// supervisorctl would call it: start and stop wait for the outcome (so a
// failure comes back as supervisord's fault string), restart is a stop then
// a start, a group is `group:*`, everything is `all`.

import type { ActionName, ActionReply, ActionRequest } from "../protocol/dashboard.ts";
import { faultFrom, faultName } from "../protocol/faults.ts";
import type { XmlRpcValue } from "../protocol/xmlrpc.ts";
import type { Call } from "./http-server.ts";

const ACTIONS: readonly ActionName[] = ["start", "stop", "restart", "signal"];

/** The body of POST /ui/action, checked; a string says what is wrong with it. */
export function parseAction(body: string): ActionRequest | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    return (error as Error).message;
  }
  if (typeof parsed !== "object" || parsed === null) return "expected a JSON object";
  const { action, target, signal } = parsed as Record<string, unknown>;
  if (typeof action !== "string" || !ACTIONS.includes(action as ActionName))
    return `action must be one of ${ACTIONS.join(", ")}`;
  if (typeof target !== "string" || target === "") return "target must be a name, group:* or all";
  if (action === "signal" && typeof signal !== "string" && typeof signal !== "number")
    return "signal needs a signal (a name or a number)";
  return action === "signal"
    ? { action: "signal", target, signal: String(signal) }
    : { action: action as ActionName, target };
}

type Scope = { kind: "all" } | { kind: "group"; name: string } | { kind: "process"; name: string };

function scopeOf(target: string): Scope {
  if (target === "all") return { kind: "all" };
  if (target.endsWith(":*")) return { kind: "group", name: target.slice(0, -2) };
  return { kind: "process", name: target };
}

/** The command layer's methods for an action on a scope, with their parameters. */
function callsFor(request: ActionRequest, scope: Scope): [string, XmlRpcValue[]][] {
  const { action } = request;
  if (action === "signal") {
    const signal = request.signal ?? "";
    if (scope.kind === "all") return [["supervisor.signalAllProcesses", [signal]]];
    if (scope.kind === "group") return [["supervisor.signalProcessGroup", [scope.name, signal]]];
    return [["supervisor.signalProcess", [scope.name, signal]]];
  }
  const one = (verb: "start" | "stop"): [string, XmlRpcValue[]] => {
    if (scope.kind === "all") return [`supervisor.${verb}AllProcesses`, [true]];
    if (scope.kind === "group") return [`supervisor.${verb}ProcessGroup`, [scope.name, true]];
    return [`supervisor.${verb}Process`, [scope.name, true]];
  };
  if (action === "restart") return [one("stop"), one("start")];
  return [one(action)];
}

/** Runs an action; what failed, per process or as a whole, comes back as supervisord's fault strings. */
export async function runAction(
  request: ActionRequest,
  call: Call,
  signal: AbortSignal,
): Promise<ActionReply> {
  const scope = scopeOf(request.target);
  const calls = callsFor(request, scope);
  const results: ActionReply["results"][number][] = [];
  for (const [index, [method, params]] of calls.entries()) {
    const restartsStop = request.action === "restart" && index === 0;
    try {
      // A restart's stop is seen through even when the page goes away
      // meanwhile (its wait ends at stopwaitsecs and a SIGKILL), so the start follows.
      const value = await call(method, params, restartsStop ? {} : { signal });
      if (Array.isArray(value)) results.push(...value.flatMap((entry) => outcomeOf(entry)));
    } catch (error) {
      const fault = faultFrom(error);
      // A restart of a process that is not running just starts it, as supervisorctl's.
      if (restartsStop && fault.fault === "NOT_RUNNING") continue;
      if (scope.kind === "process") {
        results.push({ namespec: scope.name, ok: false, message: fault.message });
        break;
      }
      return { ok: false, results, fault: fault.message };
    }
  }
  if (scope.kind === "process" && results.length === 0)
    results.push({ namespec: scope.name, ok: true, message: "" });
  // A restart's stop reports every process; the start's answer is the one that counts.
  const last = new Map(results.map((result) => [result.namespec, result]));
  const merged = [...last.values()];
  return { ok: merged.every((result) => result.ok), results: merged };
}

/** One entry of a group's or all's answer ({name, group, status, description}). */
function outcomeOf(entry: XmlRpcValue): ActionReply["results"] {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return [];
  const { name, group, status, description } = entry as Record<string, XmlRpcValue>;
  const namespec = group === name || group === undefined ? String(name) : `${group}:${name}`;
  const code = typeof status === "number" ? status : 0;
  const ok = faultName(code) === "SUCCESS";
  // A failure's description is already the fault's string (`NOT_RUNNING: w2`).
  return [{ namespec, ok, message: String(description ?? "") }];
}
