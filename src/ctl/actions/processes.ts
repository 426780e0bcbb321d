// The actions on processes: status, pid, start, stop, restart, signal and
// clear, with supervisorctl's lines and exit statuses for every reply.

import { ProcessState, STOPPED_STATES } from "../../core/states.ts";
import { Faults, type RemoteFault } from "../../protocol/faults.ts";
import { makeNamespec, splitNamespec } from "../../protocol/namespec.ts";
import { isStruct, type XmlRpcValue } from "../../protocol/xmlrpc.ts";
import { type Action, type Controller, Exit, isFault, StatusExit } from "../controller.ts";
import {
  asResult,
  clearResultLine,
  infosNamed,
  noSuchNameLine,
  num,
  type ProcessResult,
  signalResultLine,
  startResultLine,
  statusLines,
  str,
  structs,
  words,
} from "../format.ts";

/** The codes of supervisord's STOPPED_STATES (STOPPED, EXITED, FATAL, UNKNOWN): `status` exits 3 for them. */
const STOPPED_STATE_CODES: readonly number[] = STOPPED_STATES.map((name) => ProcessState[name]);

/**
 * A fault raised for one name, made into a result line's input as
 * supervisorctl does. For `group:*` it has no process name and prints
 * Python's None (`clear g:*` says `g:None: ERROR (no such process)`).
 */
function faultResult(name: string, fault: RemoteFault): ProcessResult {
  const { groupName, processName } = splitNamespec(name);
  return {
    group: groupName,
    name: processName ?? "None",
    status: fault.code,
    description: fault.faultString,
  };
}

async function status(ctl: Controller, arg: string): Promise<undefined> {
  if (!(await ctl.upcheck())) {
    // supervisorctl exits 4 (LSB "status unknown") whatever stopped the
    // check, where other actions exit 4 or 7: matched, not smoothed over.
    ctl.exitStatus = StatusExit.UNKNOWN;
    return;
  }
  const all = structs(await ctl.server.call("supervisor.getAllProcessInfo"));
  const names = words(arg);
  let matching = all;
  if (names.length > 0 && !names.includes("all")) {
    matching = [];
    for (const name of names) {
      const found = infosNamed(all, name);
      if (found.length === 0) {
        ctl.output(noSuchNameLine(name));
        ctl.exitStatus = StatusExit.UNKNOWN;
      }
      matching.push(...found);
    }
  }
  for (const line of statusLines(matching)) ctl.output(line);
  if (matching.some((info) => STOPPED_STATE_CODES.includes(num(info.state)))) {
    ctl.exitStatus = StatusExit.NOT_RUNNING;
  }
}

async function pid(ctl: Controller, arg: string): Promise<undefined> {
  if (!(await ctl.upcheck())) return;
  const names = words(arg);
  if (names.length === 0) {
    ctl.output(str(await ctl.server.call("supervisor.getPID")));
    return;
  }
  if (names.includes("all")) {
    for (const info of structs(await ctl.server.call("supervisor.getAllProcessInfo"))) {
      ctl.output(str(info.pid));
    }
    return;
  }
  for (const name of names) {
    let info: XmlRpcValue;
    try {
      info = await ctl.server.call("supervisor.getProcessInfo", name);
    } catch (error) {
      ctl.exitStatus = Exit.GENERIC;
      if (!isFault(error, Faults.BAD_NAME)) throw error;
      ctl.output(`No such process ${name}`);
      continue;
    }
    const processPid = isStruct(info) ? num(info.pid) : 0;
    ctl.output(String(processPid));
    if (processPid === 0) ctl.exitStatus = Exit.NOT_RUNNING;
  }
}

/**
 * start, stop and signal share one shape: `all`, `group:*` or names, each
 * reply a line; they differ in the methods, the lines, the fault the exit
 * status ignores, and the status for an unknown group.
 */
interface Verb {
  readonly all: (ctl: Controller) => Promise<XmlRpcValue>;
  readonly group: (ctl: Controller, group: string) => Promise<XmlRpcValue>;
  readonly one: (ctl: Controller, name: string) => Promise<XmlRpcValue>;
  readonly line: (result: ProcessResult) => string;
  readonly success: string;
  readonly ignored: number | undefined;
  readonly unknownGroupExit: number;
}

async function applyVerb(ctl: Controller, verb: Verb, names: readonly string[]): Promise<void> {
  const report = (results: XmlRpcValue) => {
    for (const result of structs(results).map(asResult)) {
      ctl.output(verb.line(result));
      ctl.exitFromFault(result.status, verb.ignored);
    }
  };
  if (names.includes("all")) {
    report(await verb.all(ctl));
    return;
  }
  for (const name of names) {
    const { groupName, processName } = splitNamespec(name);
    if (processName === undefined) {
      try {
        report(await verb.group(ctl, groupName));
      } catch (error) {
        if (!isFault(error, Faults.BAD_NAME)) throw error;
        ctl.output(`${groupName}: ERROR (no such group)`);
        ctl.exitStatus = verb.unknownGroupExit;
      }
      continue;
    }
    try {
      await verb.one(ctl, name);
    } catch (error) {
      if (!isFault(error)) throw error;
      const result = faultResult(name, error);
      ctl.output(verb.line(result));
      ctl.exitFromFault(result.status, verb.ignored);
      continue;
    }
    ctl.output(`${makeNamespec(groupName, processName)}: ${verb.success}`);
  }
}

const START: Verb = {
  all: (ctl) => ctl.server.call("supervisor.startAllProcesses"),
  group: (ctl, group) => ctl.server.call("supervisor.startProcessGroup", group),
  one: (ctl, name) => ctl.server.call("supervisor.startProcess", name),
  line: startResultLine,
  success: "started",
  ignored: Faults.ALREADY_STARTED,
  unknownGroupExit: Exit.INVALID_ARGS,
};

const STOP: Verb = {
  all: (ctl) => ctl.server.call("supervisor.stopAllProcesses"),
  group: (ctl, group) => ctl.server.call("supervisor.stopProcessGroup", group),
  one: (ctl, name) => ctl.server.call("supervisor.stopProcess", name),
  line: (result) => signalResultLine(result, "stopped"),
  success: "stopped",
  ignored: Faults.NOT_RUNNING,
  unknownGroupExit: Exit.GENERIC,
};

function signalVerb(signal: string): Verb {
  return {
    all: (ctl) => ctl.server.call("supervisor.signalAllProcesses", signal),
    group: (ctl, group) => ctl.server.call("supervisor.signalProcessGroup", group, signal),
    one: (ctl, name) => ctl.server.call("supervisor.signalProcess", name, signal),
    line: (result) => signalResultLine(result),
    success: "signalled",
    ignored: undefined,
    unknownGroupExit: Exit.GENERIC,
  };
}

/** The usage error of an action: the message, then its help (undefined: an action's result). */
export function usageError(
  ctl: Controller,
  message: string,
  exit: number,
  help?: Action,
): undefined {
  ctl.output(message);
  ctl.exitStatus = exit;
  for (const line of help?.help ?? []) ctl.output(line);
  return undefined;
}

async function start(ctl: Controller, arg: string): Promise<undefined> {
  if (!(await ctl.upcheck())) return;
  const names = words(arg);
  if (names.length === 0) {
    usageError(ctl, "Error: start requires a process name", Exit.INVALID_ARGS, startAction);
    return;
  }
  await applyVerb(ctl, START, names);
}

async function stop(ctl: Controller, arg: string): Promise<undefined> {
  if (!(await ctl.upcheck())) return;
  const names = words(arg);
  if (names.length === 0) {
    usageError(ctl, "Error: stop requires a process name", Exit.GENERIC, stopAction);
    return;
  }
  await applyVerb(ctl, STOP, names);
}

async function signal(ctl: Controller, arg: string): Promise<undefined> {
  if (!(await ctl.upcheck())) return;
  const [signalName, ...names] = words(arg);
  if (signalName === undefined || names.length === 0) {
    usageError(
      ctl,
      "Error: signal requires a signal name and a process name",
      Exit.GENERIC,
      signalAction,
    );
    return;
  }
  await applyVerb(ctl, signalVerb(signalName), names);
}

/** stop then start, each with its own lines (restart does not reread the config). */
async function restart(ctl: Controller, arg: string): Promise<undefined> {
  if (!(await ctl.upcheck())) return;
  if (words(arg).length === 0) {
    usageError(ctl, "Error: restart requires a process name", Exit.GENERIC, restartAction);
    return;
  }
  await stop(ctl, arg);
  await start(ctl, arg);
}

async function clear(ctl: Controller, arg: string): Promise<undefined> {
  if (!(await ctl.upcheck())) return;
  const names = words(arg);
  if (names.length === 0) {
    usageError(ctl, "Error: clear requires a process name", Exit.GENERIC, clearAction);
    return;
  }
  if (names.includes("all")) {
    for (const result of structs(await ctl.server.call("supervisor.clearAllProcessLogs")).map(
      asResult,
    )) {
      ctl.output(clearResultLine(result));
      ctl.exitFromFault(result.status);
    }
    return;
  }
  for (const name of names) {
    try {
      await ctl.server.call("supervisor.clearProcessLogs", name);
    } catch (error) {
      if (!isFault(error)) throw error;
      const result = faultResult(name, error);
      ctl.output(clearResultLine(result));
      ctl.exitFromFault(result.status);
      continue;
    }
    const { groupName, processName } = splitNamespec(name);
    ctl.output(`${makeNamespec(groupName, processName ?? "None")}: cleared`);
  }
}

const statusAction: Action = {
  name: "status",
  run: status,
  completes: "processes",
  help: [
    "status <name>\t\tGet status for a single process",
    "status <gname>:*\tGet status for all processes in a group",
    "status <name> <name>\tGet status for multiple named processes",
    "status\t\t\tGet all process status info",
  ],
};

const pidAction: Action = {
  name: "pid",
  run: pid,
  completes: "processes",
  help: [
    "pid\t\t\tGet the PID of supervisord.",
    "pid <name>\t\tGet the PID of a single child process by name.",
    "pid all\t\t\tGet the PID of every child process, one per line.",
  ],
};

const startAction: Action = {
  name: "start",
  run: start,
  completes: "processes",
  help: [
    "start <name>\t\tStart a process",
    "start <gname>:*\t\tStart all processes in a group",
    "start <name> <name>\tStart multiple processes or groups",
    "start all\t\tStart all processes",
  ],
};

const stopAction: Action = {
  name: "stop",
  run: stop,
  completes: "processes",
  help: [
    "stop <name>\t\tStop a process",
    "stop <gname>:*\t\tStop all processes in a group",
    "stop <name> <name>\tStop multiple processes or groups",
    "stop all\t\tStop all processes",
  ],
};

const restartAction: Action = {
  name: "restart",
  run: restart,
  completes: "processes",
  help: [
    "restart <name>\t\tRestart a process",
    "restart <gname>:*\tRestart all processes in a group",
    "restart <name> <name>\tRestart multiple processes or groups",
    "restart all\t\tRestart all processes",
    "Note: restart does not reread config files. For that, see reread and update.",
  ],
};

const signalAction: Action = {
  name: "signal",
  run: signal,
  completes: "processes",
  help: [
    "signal <signal name> <name>\t\tSignal a process",
    "signal <signal name> <gname>:*\t\tSignal all processes in a group",
    "signal <signal name> <name> <name>\tSignal multiple processes or groups",
    "signal <signal name> all\t\tSignal all processes",
  ],
};

const clearAction: Action = {
  name: "clear",
  run: clear,
  completes: "processes",
  help: [
    "clear <name>\t\tClear a process' log files.",
    "clear <name> <name>\tClear multiple process' log files",
    "clear all\t\tClear all process' log files",
  ],
};

export const PROCESS_ACTIONS: readonly Action[] = [
  statusAction,
  pidAction,
  startAction,
  stopAction,
  restartAction,
  signalAction,
  clearAction,
];
