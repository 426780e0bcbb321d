// tend's own action: `wait [NAME...] [--timeout S]` exits 0 once every
// named process (every autostart one when none are named) is ready, or done
// for a one-shot; 1 with the late ones and why when the time is up, or at
// once when one is FATAL; 4 for an unknown name. tend's server waits
// (tend.wait); against supervisord, which has no readiness, the client polls
// for RUNNING.

import { ProcessState } from "../../core/states.ts";
import { Faults, RemoteFault } from "../../protocol/faults.ts";
import { makeNamespec } from "../../protocol/namespec.ts";
import { isStruct } from "../../protocol/xmlrpc.ts";
import { type Action, type Controller, Exit, StatusExit } from "../controller.ts";
import { infosNamed, noSuchNameLine, num, type Struct, str, structs, words } from "../format.ts";
import { usageError } from "./processes.ts";

/** Long enough for a slow start, short enough that a script does not hang on a FATAL program. */
export const DEFAULT_WAIT_SECONDS = 60;
const POLL_MS = 200;

interface WaitArgs {
  readonly names: string[];
  readonly timeoutSeconds: number;
}

function parseWaitArgs(arg: string): WaitArgs | { error: string } {
  const names: string[] = [];
  let timeout: string | undefined;
  const args = words(arg);
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as string;
    if (word === "--timeout") {
      timeout = args[++i];
      if (timeout === undefined) return { error: `Error: ${word} requires a number of seconds` };
    } else if (word.startsWith("--timeout=")) timeout = word.slice("--timeout=".length);
    else if (word.startsWith("-")) return { error: `Error: bad argument ${word}` };
    else names.push(word);
  }
  if (timeout === undefined) return { names, timeoutSeconds: DEFAULT_WAIT_SECONDS };
  const seconds = Number(timeout);
  if (timeout.trim() === "" || !Number.isFinite(seconds) || seconds < 0) {
    return {
      error: `Error: bad timeout ${timeout}: expected a number of seconds, such as 30 or 0.5`,
    };
  }
  return { names, timeoutSeconds: seconds };
}

async function wait(ctl: Controller, arg: string): Promise<undefined> {
  const parsed = parseWaitArgs(arg);
  if ("error" in parsed) return usageError(ctl, parsed.error, Exit.INVALID_ARGS, waitAction);
  if (!(await ctl.upcheck())) return;
  const names = parsed.names.includes("all") ? [] : parsed.names;

  let waiting: string[];
  let hopeless = false;
  try {
    const reply = await ctl.server.call("tend.wait", names, parsed.timeoutSeconds);
    const result: Struct = isStruct(reply) ? reply : {};
    if (result.ready === true) return;
    const reasons = Array.isArray(result.reasons) ? result.reasons.map((r) => str(r)) : [];
    waiting = Array.isArray(result.waiting)
      ? result.waiting.map((name, i) => (reasons[i] ? `${str(name)} (${reasons[i]})` : str(name)))
      : [];
    hopeless = result.hopeless === true;
  } catch (error) {
    if (!(error instanceof RemoteFault)) throw error;
    if (error.code === Faults.BAD_NAME) {
      // The fault string is `BAD_NAME: <the name>`.
      unknownName(ctl, error.faultString.replace(/^BAD_NAME: ?/, ""));
      return;
    }
    if (error.code !== Faults.UNKNOWN_METHOD) throw error;
    const polled = await pollUntilRunning(ctl, names, parsed.timeoutSeconds);
    if (polled === undefined) return; // an unknown name, reported
    waiting = polled;
    if (waiting.length === 0) return;
  }
  // A FATAL program ends the wait before its time: it cannot get ready by itself.
  const when = hopeless ? "" : ` after ${parsed.timeoutSeconds}s`;
  ctl.output(`Error: not ready${when}: ${waiting.join(", ")}`);
  ctl.exitStatus = Exit.GENERIC;
}

function unknownName(ctl: Controller, name: string): void {
  ctl.output(noSuchNameLine(name));
  ctl.exitStatus = StatusExit.UNKNOWN;
}

/**
 * For a server without tend.wait (supervisord): getAllProcessInfo every
 * 200 ms (without names, of the autostart processes: getAllConfigInfo once). The namespecs still not running at the deadline; undefined after
 * reporting a name that matches nothing.
 */
async function pollUntilRunning(
  ctl: Controller,
  names: readonly string[],
  timeoutSeconds: number,
): Promise<string[] | undefined> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  // Without names, the processes that start on their own, as tend.wait takes them.
  const autostart =
    names.length === 0
      ? new Set(
          structs(await ctl.server.call("supervisor.getAllConfigInfo"))
            .filter((config) => config.autostart === true)
            .map((config) => makeNamespec(str(config.group), str(config.name))),
        )
      : undefined;
  for (;;) {
    const infos = structs(await ctl.server.call("supervisor.getAllProcessInfo"));
    const selected: Struct[] = [];
    for (const name of names) {
      const found = infosNamed(infos, name);
      if (found.length === 0) {
        unknownName(ctl, name);
        return undefined;
      }
      selected.push(...found);
    }
    const waiting = (autostart ? infos : selected)
      .filter((info) => num(info.state) !== ProcessState.RUNNING)
      .map((info) => makeNamespec(str(info.group), str(info.name)))
      .filter((namespec) => autostart?.has(namespec) ?? true);
    const unique = [...new Set(waiting)];
    if (unique.length === 0 || Date.now() >= deadline) return unique;
    await Bun.sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
}

export const waitAction: Action = {
  name: "wait",
  run: wait,
  completes: "processes",
  help: [
    "wait\t\t\tWait until every autostart process is ready (one-shots: done)",
    "wait <name> <name>\tWait until the named processes or groups (<gname>:*) are ready",
    `wait --timeout <secs>\tGive up after <secs> seconds (default ${DEFAULT_WAIT_SECONDS}; 0: check once)`,
    "\t\t\tExit 0 when ready, 1 on timeout or once one cannot be (FATAL),",
    "\t\t\t4 for an unknown name",
  ],
};
