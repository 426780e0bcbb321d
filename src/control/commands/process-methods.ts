// The methods on processes, as rpcinterface.py has them: start, stop and
// signal (one, a group, all), getProcessInfo(s), sendProcessStdin. With
// wait=true, start and stop await the state change; nothing polls.

import { parseSignal } from "../../core/signals.ts";
import {
  type ProcessStateName,
  RUNNING_STATES,
  SIGNALLABLE_STATES,
  STOPPED_STATES,
} from "../../core/states.ts";
import { RpcFault } from "../../protocol/faults.ts";
import type { XmlRpcValue } from "../../protocol/xmlrpc.ts";
import type { ControlledProcess } from "../supervisor.ts";
import type { CallContext, MethodTable, Result } from "./registry.ts";
import { type Rules, type StatusStruct, str } from "./rules.ts";

export function defineProcessMethods(table: MethodTable, rules: Rules): void {
  const actions = new ProcessActions(rules);
  const all = () => rules.allProcesses();
  const group = (name: XmlRpcValue | undefined) => rules.groupNamed(str(name)).slots;
  table.define("supervisor.startProcess", {
    signature: ["boolean", "string", "boolean"],
    optional: 1,
    help: "Starts a process (or `group:*`); with wait, returns once it is RUNNING.",
    run: ([name, wait], context) =>
      rules.running(() => actions.start(str(name), wait !== false, context)),
  });
  table.define("supervisor.startProcessGroup", {
    signature: ["array", "string", "boolean"],
    optional: 1,
    help: "Starts every process of a group that is not running; a status struct per process.",
    run: ([name, wait], context) =>
      rules.running(() => actions.startAll(group(name), wait !== false, context)),
  });
  table.define("supervisor.startAllProcesses", {
    signature: ["array", "boolean"],
    optional: 1,
    help: "Starts every process that is not running, in priority order.",
    run: ([wait], context) => rules.running(() => actions.startAll(all(), wait !== false, context)),
  });
  table.define("supervisor.stopProcess", {
    signature: ["boolean", "string", "boolean"],
    optional: 1,
    help: "Stops a process (or `group:*`); with wait, returns once it is stopped.",
    run: ([name, wait], context) =>
      rules.running(() => actions.stop(str(name), wait !== false, context)),
  });
  table.define("supervisor.stopProcessGroup", {
    signature: ["array", "string", "boolean"],
    optional: 1,
    help: "Stops every running process of a group; a status struct per process.",
    run: ([name, wait], context) =>
      rules.running(() => actions.stopAll(group(name), wait !== false, context)),
  });
  table.define("supervisor.stopAllProcesses", {
    signature: ["array", "boolean"],
    optional: 1,
    help: "Stops every running process (all asked at once; supervisord does not order them).",
    run: ([wait], context) => rules.running(() => actions.stopAll(all(), wait !== false, context)),
  });
  table.define("supervisor.signalProcess", {
    signature: ["boolean", "string", "string"],
    help: "Sends a signal (name such as HUP, or number) to a process (or `group:*`).",
    run: ([name, signal]) => rules.running(() => actions.signal(str(name), signal)),
  });
  table.define("supervisor.signalProcessGroup", {
    signature: ["array", "string", "string"],
    help: "Sends a signal to every process of a group that can take one.",
    run: ([name, signal]) => rules.running(() => actions.signalAll(group(name), signal)),
  });
  table.define("supervisor.signalAllProcesses", {
    signature: ["array", "string"],
    help: "Sends a signal to every process that can take one.",
    run: ([signal]) => rules.running(() => actions.signalAll(all(), signal)),
  });
  table.define("supervisor.getProcessInfo", {
    signature: ["struct", "string"],
    help: "The state of a process.",
    run: ([name]) => rules.running(() => rules.info(rules.processNamed(str(name)))),
  });
  table.define("supervisor.getAllProcessInfo", {
    signature: ["array"],
    help: "The state of every process, by group then process name.",
    run: () => rules.running(() => rules.lexicalProcesses().map((process) => rules.info(process))),
  });
  table.define("supervisor.sendProcessStdin", {
    signature: ["boolean", "string", "string"],
    help: "Writes characters to a running process's stdin.",
    run: ([name, chars]) => rules.running(() => actions.sendStdin(str(name), chars)),
  });
}

class ProcessActions {
  constructor(private readonly rules: Rules) {}

  /**
   * `startedAlong`: the process was not running when a start of several
   * began, and may since have been started as a dependency of another one
   * of them; it is then awaited as if this call had started it.
   */
  start(name: string, wait: boolean, context: CallContext, startedAlong = false): Result {
    const { group, process } = this.rules.lookup(name);
    if (!process) return this.startAll(group.slots, wait, context);
    const supervisor = this.rules.supervisor;
    const state = process.status.state;
    if (startedAlong && RUNNING_STATES.includes(state)) return this.started(process, wait, context);
    const problem = supervisor.commandProblem(process);
    if (problem)
      throw new RpcFault(
        problem.kind === "not-found" ? "NO_FILE" : "NOT_EXECUTABLE",
        problem.message,
      );
    if (RUNNING_STATES.includes(state)) throw new RpcFault("ALREADY_STARTED", name);
    if (state === "UNKNOWN") throw new RpcFault("FAILED", `${name} is in an unknown process state`);
    supervisor.start(process);
    return this.started(process, wait, context);
  }

  /** The answer to a start of `process`: at once, or once it is RUNNING. */
  private started(process: ControlledProcess, wait: boolean, context: CallContext): Result {
    const name = process.namespec;
    if (process.status.spawnerr !== "") throw new RpcFault("SPAWN_ERROR", name);
    if (!wait || process.status.state === "RUNNING") return true;
    return this.rules.until<XmlRpcValue>(() => {
      if (process.status.spawnerr !== "") throw new RpcFault("SPAWN_ERROR", name);
      const now = process.status.state;
      if (now === "RUNNING") return true;
      if (now !== "STARTING") throw new RpcFault("ABNORMAL_TERMINATION", name);
      return undefined;
    }, context);
  }

  stop(name: string, wait: boolean, context: CallContext): Result {
    const { group, process } = this.rules.lookup(name);
    if (!process) return this.stopAll(group.slots, wait, context);
    if (!RUNNING_STATES.includes(process.status.state)) throw new RpcFault("NOT_RUNNING", name);
    const failure = this.rules.supervisor.stop(process);
    if (failure !== undefined) throw new RpcFault("FAILED", failure);
    if (!wait || isStopped(process.status.state)) return true;
    return this.rules.until<XmlRpcValue>(
      () => (isStopped(process.status.state) ? true : undefined),
      context,
    );
  }

  signal(name: string, signal: XmlRpcValue | undefined): Result {
    const { group, process } = this.rules.lookup(name);
    if (!process) return this.signalAll(group.slots, signal);
    const number = signalNumberOf(signal);
    if (number === undefined) throw new RpcFault("BAD_SIGNAL", String(signal));
    if (!SIGNALLABLE_STATES.includes(process.status.state)) throw new RpcFault("NOT_RUNNING", name);
    const problem = this.rules.supervisor.signal(process, number);
    if (problem !== undefined) throw new RpcFault("FAILED", problem);
    return true;
  }

  startAll(
    processes: readonly ControlledProcess[],
    wait: boolean,
    context: CallContext,
  ): Promise<StatusStruct[]> {
    return this.rules.forEach(
      processes.filter((process) => !RUNNING_STATES.includes(process.status.state)),
      // A start may start others of the list first, as its dependencies.
      (process) => this.start(process.namespec, wait, context, true),
    );
  }

  stopAll(
    processes: readonly ControlledProcess[],
    wait: boolean,
    context: CallContext,
  ): Promise<StatusStruct[]> {
    return this.rules.forEach(
      processes.filter((process) => RUNNING_STATES.includes(process.status.state)),
      (process) => this.stop(process.namespec, wait, context),
    );
  }

  signalAll(
    processes: readonly ControlledProcess[],
    signal: XmlRpcValue | undefined,
  ): Promise<StatusStruct[]> {
    return this.rules.forEach(
      processes.filter((process) => SIGNALLABLE_STATES.includes(process.status.state)),
      (process) => this.signal(process.namespec, signal),
    );
  }

  sendStdin(name: string, chars: XmlRpcValue | undefined): true {
    if (typeof chars !== "string" && !(chars instanceof Uint8Array))
      throw new RpcFault("INCORRECT_PARAMETERS", String(chars));
    const process = this.rules.processNamed(name);
    const bytes = typeof chars === "string" ? new TextEncoder().encode(chars) : chars;
    const outcome = this.rules.supervisor.writeStdin(process, bytes);
    if (outcome === "not-running") throw new RpcFault("NOT_RUNNING", name);
    if (outcome === "closed") throw new RpcFault("NO_FILE", name);
    if (outcome === "full")
      throw new RpcFault("FAILED", `${name}: its stdin is full (it is not reading what was sent)`);
    return true;
  }
}

function isStopped(state: ProcessStateName): boolean {
  return STOPPED_STATES.includes(state);
}

/** supervisord's signal_number: a number, or a name with or without SIG, any case. */
export function signalNumberOf(value: XmlRpcValue | undefined): number | undefined {
  if (typeof value === "number") return parseSignal(value);
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (/^-?\d+$/.test(text)) return parseSignal(Number(text));
  const upper = text.toUpperCase();
  return parseSignal(upper.startsWith("SIG") ? upper : `SIG${upper}`);
}
