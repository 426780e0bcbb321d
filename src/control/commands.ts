// The command layer: supervisord's RPC interface (API 3.0, supervisor/
// rpcinterface.py and the system namespace of xmlrpc.py) over a Supervisor,
// with its fault rules, plus tend's own `tend.*` methods. Every transport
// (XML-RPC, the JSON endpoint, SIGHUP) goes through `call`. A method that
// waits (start/stop with wait=true) awaits state changes; nothing polls.

import { sameGroup, sameProcess } from "../config/compare.ts";
import type { GroupConfig, ProcessConfig } from "../config/model.ts";
import { parseSignal } from "../core/signals.ts";
import {
  type ProcessStateName,
  RUNNING_STATES,
  SIGNALLABLE_STATES,
  STOPPED_STATES,
  SupervisorState,
} from "../core/states.ts";
import { LogReadError, type LogReader, readLog, tailLog } from "../logging/log-reader.ts";
import { findUser } from "../os/users.ts";
import { type FaultName, Faults, faultFrom, RpcFault } from "../protocol/faults.ts";
import { splitNamespec } from "../protocol/namespec.ts";
import { API_VERSION, SUPERVISOR_VERSION } from "../protocol/versions.ts";
import { isStruct, type XmlRpcValue } from "../protocol/xmlrpc.ts";
import { processInfo } from "./process-info.ts";
import type { ControlledGroup, ControlledProcess, Supervisor } from "./supervisor.ts";

type Params = readonly XmlRpcValue[];
type Result = XmlRpcValue | Promise<XmlRpcValue>;

interface Method {
  /** XML-RPC type names, for system.methodSignature: [return, ...params]. */
  readonly signature: readonly string[];
  /** How many of the parameters may be left out (trailing ones with defaults). */
  readonly optional?: number;
  readonly help: string;
  readonly run: (params: Params) => Result;
}

/** One line of `tend.update`'s reply, printed by the client as `name: message`. */
export interface UpdateLine {
  readonly [key: string]: string;
  readonly name: string;
  readonly message: string;
}

export interface CommandOptions {
  /** tend's own version (tend.getVersion). */
  readonly tendVersion: string;
  readonly now?: () => number;
}

export class CommandLayer {
  private readonly methods = new Map<string, Method>();
  /**
   * The group configs of the last (re)read config file — supervisord's
   * process_group_configs: what addProcessGroup can add and avail lists.
   */
  private available: readonly GroupConfig[];
  private readonly now: () => number;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly options: CommandOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.available = supervisor.groups().map((group) => group.config);
    this.defineSupervisorMethods();
    this.defineSystemMethods();
    this.defineTendMethods();
  }

  /** Runs a method; a fault is thrown as RpcFault. */
  async call(method: string, params: Params): Promise<XmlRpcValue> {
    return this.invoke(method, params);
  }

  /** Synchronous lookup and argument check; the method itself may return a promise. */
  private invoke(name: string, params: Params): Result {
    // supervisord's traverse(): exactly `namespace.method`, nothing private.
    const parts = name.split(".");
    if (parts.length !== 2 || (parts[1] ?? "").startsWith("_"))
      throw new RpcFault("UNKNOWN_METHOD");
    const method = this.methods.get(name);
    if (!method) throw new RpcFault("UNKNOWN_METHOD");
    const declared = method.signature.length - 1;
    if (params.length > declared || params.length < declared - (method.optional ?? 0))
      throw new RpcFault("INCORRECT_PARAMETERS");
    return method.run(params);
  }

  private define(name: string, method: Method, ...aliases: string[]): void {
    this.methods.set(name, method);
    for (const alias of aliases) this.methods.set(alias, method);
  }

  // --- supervisor.* -------------------------------------------------------

  private defineSupervisorMethods(): void {
    const s = this.supervisor;
    this.define(
      "supervisor.getAPIVersion",
      {
        signature: ["string"],
        help: "The version of the RPC API (3.0, as supervisord 4).",
        run: () => this.running(() => API_VERSION),
      },
      "supervisor.getVersion",
    );
    this.define("supervisor.getSupervisorVersion", {
      signature: ["string"],
      help: "The supervisord version whose behaviour tend follows (tend.getVersion gives tend's own).",
      run: () => this.running(() => SUPERVISOR_VERSION),
    });
    this.define("supervisor.getIdentification", {
      signature: ["string"],
      help: "The identifier of this tend ([supervisord] identifier).",
      run: () => this.running(() => s.identification),
    });
    this.define("supervisor.getState", {
      signature: ["struct"],
      help: "tend's state as {statecode, statename}.",
      run: () =>
        this.running(() => {
          const statename = s.state();
          return { statecode: SupervisorState[statename], statename };
        }),
    });
    this.define("supervisor.getPID", {
      signature: ["int"],
      help: "tend's process id (1 as a container's init).",
      run: () => this.running(() => s.pid),
    });
    this.define(
      "supervisor.readLog",
      {
        signature: ["string", "int", "int"],
        help: "Reads `length` bytes of tend's own log from `offset` (negative: the last bytes).",
        run: ([offset, length]) =>
          this.running(() => readText(this.mainLog(), int(offset), int(length))),
      },
      "supervisor.readMainLog",
    );
    this.define("supervisor.clearLog", {
      signature: ["boolean"],
      help: "Empties tend's own log.",
      run: () =>
        this.running(() => {
          clearQuietly(this.mainLog(), "FAILED");
          return true;
        }),
    });
    this.define("supervisor.shutdown", {
      signature: ["boolean"],
      help: "Stops every program, then tend.",
      run: () =>
        this.running(() => {
          s.shutdown();
          return true;
        }),
    });
    this.define("supervisor.restart", {
      signature: ["boolean"],
      help: "Stops every program, reads the config again and starts over.",
      run: () =>
        this.running(() => {
          s.restart();
          return true;
        }),
    });
    this.define("supervisor.reloadConfig", {
      signature: ["array"],
      help: "Reads the config again and reports [[added, changed, removed]] group names; applies nothing.",
      run: () =>
        this.running(() => {
          const diff = this.reread();
          return [[diff.added.map(nameOf), diff.changed.map(nameOf), diff.removed.map(nameOf)]];
        }),
    });
    this.define("supervisor.addProcessGroup", {
      signature: ["boolean", "string"],
      help: "Activates a group of the last read config.",
      run: ([name]) =>
        this.running(() => {
          const config = this.available.find((group) => group.name === str(name));
          if (!config) throw new RpcFault("BAD_NAME", str(name));
          if (!s.addGroup(config)) throw new RpcFault("ALREADY_ADDED", str(name));
          return true;
        }),
    });
    this.define("supervisor.removeProcessGroup", {
      signature: ["boolean", "string"],
      help: "Removes an active group whose processes are all stopped.",
      run: ([name]) =>
        this.running(() => {
          if (!s.group(str(name))) throw new RpcFault("BAD_NAME", str(name));
          if (!s.removeGroup(str(name))) throw new RpcFault("STILL_RUNNING", str(name));
          return true;
        }),
    });
    this.define("supervisor.startProcess", {
      signature: ["boolean", "string", "boolean"],
      optional: 1,
      help: "Starts a process (or `group:*`); with wait, returns once it is RUNNING.",
      run: ([name, wait]) => this.running(() => this.startProcess(str(name), wait !== false)),
    });
    this.define("supervisor.startProcessGroup", {
      signature: ["array", "string", "boolean"],
      optional: 1,
      help: "Starts every process of a group that is not running; a status struct per process.",
      run: ([name, wait]) =>
        this.running(() => this.startAll(this.groupNamed(str(name)).slots, wait !== false)),
    });
    this.define("supervisor.startAllProcesses", {
      signature: ["array", "boolean"],
      optional: 1,
      help: "Starts every process that is not running, in priority order.",
      run: ([wait]) => this.running(() => this.startAll(this.allProcesses(), wait !== false)),
    });
    this.define("supervisor.stopProcess", {
      signature: ["boolean", "string", "boolean"],
      optional: 1,
      help: "Stops a process (or `group:*`); with wait, returns once it is stopped.",
      run: ([name, wait]) => this.running(() => this.stopProcess(str(name), wait !== false)),
    });
    this.define("supervisor.stopProcessGroup", {
      signature: ["array", "string", "boolean"],
      optional: 1,
      help: "Stops every running process of a group; a status struct per process.",
      run: ([name, wait]) =>
        this.running(() => this.stopAll(this.groupNamed(str(name)).slots, wait !== false)),
    });
    this.define("supervisor.stopAllProcesses", {
      signature: ["array", "boolean"],
      optional: 1,
      help: "Stops every running process (all asked at once; supervisord does not order them).",
      run: ([wait]) => this.running(() => this.stopAll(this.allProcesses(), wait !== false)),
    });
    this.define("supervisor.signalProcess", {
      signature: ["boolean", "string", "string"],
      help: "Sends a signal (name such as HUP, or number) to a process (or `group:*`).",
      run: ([name, signal]) => this.running(() => this.signalProcess(str(name), signal)),
    });
    this.define("supervisor.signalProcessGroup", {
      signature: ["array", "string", "string"],
      help: "Sends a signal to every process of a group that can take one.",
      run: ([name, signal]) =>
        this.running(() => this.signalAll(this.groupNamed(str(name)).slots, signal)),
    });
    this.define("supervisor.signalAllProcesses", {
      signature: ["array", "string"],
      help: "Sends a signal to every process that can take one.",
      run: ([signal]) => this.running(() => this.signalAll(this.allProcesses(), signal)),
    });
    this.define("supervisor.getAllConfigInfo", {
      signature: ["array"],
      help: "The settings of every process of the last read config, active or not.",
      run: () => this.running(() => this.allConfigInfo()),
    });
    this.define("supervisor.getProcessInfo", {
      signature: ["struct", "string"],
      help: "The state of a process.",
      run: ([name]) => this.running(() => this.info(this.processNamed(str(name)))),
    });
    this.define("supervisor.getAllProcessInfo", {
      signature: ["array"],
      help: "The state of every process, by group then process name.",
      run: () => this.running(() => this.lexicalProcesses().map((process) => this.info(process))),
    });
    for (const channel of ["stdout", "stderr"] as const) {
      const Channel = channel === "stdout" ? "Stdout" : "Stderr";
      this.define(
        `supervisor.readProcess${Channel}Log`,
        {
          signature: ["string", "string", "int", "int"],
          help: `Reads \`length\` bytes of a process's ${channel} log from \`offset\` (negative: the last bytes).`,
          run: ([name, offset, length]) =>
            this.running(() => {
              const log = this.channelLog(this.processNamed(str(name)), channel);
              if (!log) throw new RpcFault("NO_FILE");
              return readText(log, int(offset), int(length));
            }),
        },
        ...(channel === "stdout" ? ["supervisor.readProcessLog"] : []),
      );
      this.define(
        `supervisor.tailProcess${Channel}Log`,
        {
          signature: ["array", "string", "int", "int"],
          help: `Tails a process's ${channel} log: [bytes, next offset, overflow].`,
          run: ([name, offset, length]) =>
            this.running(() => {
              const log = this.channelLog(this.processNamed(str(name)), channel);
              if (!log) return ["", 0, false];
              const tail = guardRead(() => tailLog(log, int(offset), int(length)));
              return [decode(tail.bytes), tail.offset, tail.overflow];
            }),
        },
        ...(channel === "stdout" ? ["supervisor.tailProcessLog"] : []),
      );
    }
    this.define(
      "supervisor.clearProcessLogs",
      {
        signature: ["boolean", "string"],
        help: "Empties a process's stdout and stderr logs.",
        run: ([name]) => this.running(() => this.clearLogs(str(name))),
      },
      "supervisor.clearProcessLog",
    );
    this.define("supervisor.clearAllProcessLogs", {
      signature: ["array"],
      help: "Empties every process's logs; a status struct per process.",
      run: () =>
        this.running(() =>
          this.allProcesses().map((process) =>
            this.outcome(process, () => this.clearLogs(process.namespec)),
          ),
        ),
    });
    this.define("supervisor.sendProcessStdin", {
      signature: ["boolean", "string", "string"],
      help: "Writes characters to a running process's stdin.",
      run: ([name, chars]) =>
        this.running(() => {
          if (typeof chars !== "string" && !(chars instanceof Uint8Array))
            throw new RpcFault("INCORRECT_PARAMETERS", String(chars));
          const process = this.processNamed(str(name));
          const bytes = typeof chars === "string" ? new TextEncoder().encode(chars) : chars;
          const outcome = s.writeStdin(process, bytes);
          if (outcome === "not-running") throw new RpcFault("NOT_RUNNING", str(name));
          if (outcome === "closed") throw new RpcFault("NO_FILE", str(name));
          return true;
        }),
    });
    this.define("supervisor.sendRemoteCommEvent", {
      signature: ["boolean", "string", "string"],
      help: "Accepted for compatibility; tend has no event listeners to tell.",
      run: () => true,
    });
  }

  // --- system.* -----------------------------------------------------------

  private defineSystemMethods(): void {
    this.define("system.listMethods", {
      signature: ["array"],
      help: "The names of every method, sorted.",
      run: () => [...this.methods.keys()].sort(),
    });
    this.define("system.methodHelp", {
      signature: ["string", "string"],
      help: "The documentation of a method.",
      run: ([name]) => {
        const method = this.methods.get(str(name));
        if (!method) throw new RpcFault("SIGNATURE_UNSUPPORTED");
        return method.help;
      },
    });
    this.define("system.methodSignature", {
      signature: ["array", "string"],
      help: "A method's signature: [return type, parameter types...].",
      run: ([name]) => {
        const method = this.methods.get(str(name));
        if (!method) throw new RpcFault("SIGNATURE_UNSUPPORTED");
        return [...method.signature];
      },
    });
    this.define("system.multicall", {
      signature: ["array", "array"],
      help: "Runs calls ({methodName, params}) in order; each result is the value or a fault struct.",
      run: ([calls]) => this.multicall(calls),
    });
  }

  /** supervisord's multicall: in order, each waiting for the one before; a value or {faultCode, faultString}. */
  private async multicall(calls: XmlRpcValue | undefined): Promise<XmlRpcValue> {
    if (!Array.isArray(calls)) throw new RpcFault("INCORRECT_PARAMETERS");
    const results: XmlRpcValue[] = [];
    for (const call of calls) {
      try {
        if (!isStruct(call) || typeof call.methodName !== "string")
          throw new RpcFault("INCORRECT_PARAMETERS", "No methodName");
        if (call.methodName === "system.multicall")
          throw new RpcFault("INCORRECT_PARAMETERS", "Recursive system.multicall forbidden");
        const params = call.params ?? [];
        results.push(await this.invoke(call.methodName, Array.isArray(params) ? params : [params]));
      } catch (error) {
        const fault = faultFrom(error);
        results.push({ faultCode: fault.code, faultString: fault.message });
      }
    }
    return results;
  }

  // --- tend.* -------------------------------------------------------------

  private defineTendMethods(): void {
    this.define("tend.getVersion", {
      signature: ["string"],
      help: "tend's own version.",
      run: () => this.options.tendVersion,
    });
    this.define("tend.update", {
      signature: ["array", "array"],
      help: "Reads the config again and applies it, restarting only processes whose settings changed; [{name, message}] lines.",
      run: ([names]) =>
        this.running(() => {
          const wanted = Array.isArray(names) ? names.map(str) : [];
          // supervisorctl's `update all` means every group.
          return this.update(wanted.includes("all") ? [] : wanted);
        }),
    });
    this.define("tend.wait", {
      signature: ["struct", "array", "double"],
      help: "Waits until the named processes (all when none are named) are ready, or the timeout (seconds) passes: {ready, waiting}.",
      run: ([names, timeout]) =>
        this.running(() => this.waitReady(Array.isArray(names) ? names.map(str) : [], timeout)),
    });
  }

  /**
   * Reread and apply (`tend ctl update`, SIGHUP): removed groups stop and go,
   * added ones come, and in a changed group only the processes whose
   * settings changed are stopped and started again.
   */
  async update(names: readonly string[]): Promise<UpdateLine[]> {
    const s = this.supervisor;
    const diff = this.reread();
    const wanted = (group: GroupConfig) => names.length === 0 || names.includes(group.name);
    const lines: UpdateLine[] = [];
    for (const name of names) {
      const known = [...diff.added, ...diff.changed, ...diff.removed, ...this.available].some(
        (group) => group.name === name,
      );
      if (!known && !s.group(name))
        lines.push({ name: "ERROR", message: `no such group: ${name}` });
    }
    for (const config of diff.removed.filter(wanted)) {
      const group = s.group(config.name);
      if (!group) continue;
      const results = await this.stopAll(group.slots, true);
      lines.push({ name: config.name, message: "stopped" });
      if (results.some((result) => result.status === Faults.FAILED)) {
        lines.push({ name: config.name, message: "has problems; not removing" });
        continue;
      }
      s.removeGroup(config.name);
      lines.push({ name: config.name, message: "removed process group" });
    }
    for (const config of diff.changed.filter(wanted)) {
      const group = s.group(config.name);
      if (!group) continue;
      const outdated = group.slots.filter(
        (slot) => !config.processes.some((process) => sameProcess(process, slot.config)),
      );
      await this.stopAll(outdated, true);
      lines.push({ name: config.name, message: "stopped" });
      s.replaceGroup(config);
      lines.push({ name: config.name, message: "updated process group" });
    }
    for (const config of diff.added.filter(wanted)) {
      s.addGroup(config);
      lines.push({ name: config.name, message: "added process group" });
    }
    return lines;
  }

  private reread(): { added: GroupConfig[]; changed: GroupConfig[]; removed: GroupConfig[] } {
    const result = this.supervisor.reread();
    if (!result.ok) throw new RpcFault("CANT_REREAD", result.message);
    this.available = result.groups;
    const active = this.supervisor.groups().map((group) => group.config);
    const activeByName = new Map(active.map((group) => [group.name, group]));
    const readByName = new Map(result.groups.map((group) => [group.name, group]));
    return {
      added: result.groups.filter((group) => !activeByName.has(group.name)),
      changed: result.groups.filter((group) => {
        const current = activeByName.get(group.name);
        return current !== undefined && !sameGroup(current, group);
      }),
      removed: active.filter((group) => !readByName.has(group.name)),
    };
  }

  private async waitReady(
    names: readonly string[],
    timeout: XmlRpcValue | undefined,
  ): Promise<XmlRpcValue> {
    const processes =
      names.length === 0 ? this.allProcesses() : names.flatMap((name) => this.resolve(name));
    const waiting = () =>
      processes.filter((process) => process.status.state !== "RUNNING").map((p) => p.namespec);
    const seconds = typeof timeout === "number" && timeout >= 0 ? timeout : 0;
    const ready = await this.until(
      () => (waiting().length === 0 ? true : undefined),
      seconds > 0 ? seconds * 1000 : undefined,
    );
    return { ready: ready === true, waiting: waiting() };
  }

  // --- the rules ------------------------------------------------------------

  /** supervisord's _update(): its methods refuse while tend restarts or shuts down. */
  private running<T>(run: () => T): T {
    if (SupervisorState[this.supervisor.state()] < SupervisorState.RUNNING)
      throw new RpcFault("SHUTDOWN_STATE");
    return run();
  }

  private groupNamed(name: string): ControlledGroup {
    const group = this.supervisor.group(name);
    if (!group) throw new RpcFault("BAD_NAME", name);
    return group;
  }

  /** A namespec (`name`, `group:name`): its process; `group:*` is a BAD_NAME here. */
  private processNamed(name: string): ControlledProcess {
    const { process } = this.lookup(name);
    if (!process) throw new RpcFault("BAD_NAME", name);
    return process;
  }

  /** supervisord's _getGroupAndProcess. */
  private lookup(name: string): { group: ControlledGroup; process: ControlledProcess | undefined } {
    const { groupName, processName } = splitNamespec(name);
    const group = this.supervisor.group(groupName);
    if (!group) throw new RpcFault("BAD_NAME", name);
    if (processName === undefined) return { group, process: undefined };
    const process = group.slots.find((slot) => slot.config.name === processName);
    if (!process) throw new RpcFault("BAD_NAME", name);
    return { group, process };
  }

  /** A name for tend.wait: a process, or every process of `group:*`. */
  private resolve(name: string): ControlledProcess[] {
    const { group, process } = this.lookup(name);
    return process ? [process] : [...group.slots];
  }

  private allProcesses(): ControlledProcess[] {
    return this.supervisor.groups().flatMap((group) => group.slots);
  }

  /** getAllProcessInfo's order: groups by name, then processes by name. */
  private lexicalProcesses(): ControlledProcess[] {
    return [...this.supervisor.groups()]
      .sort((a, b) => compare(a.config.name, b.config.name))
      .flatMap((group) => [...group.slots].sort((a, b) => compare(a.config.name, b.config.name)));
  }

  private startProcess(name: string, wait: boolean): Result {
    const { group, process } = this.lookup(name);
    if (!process) return this.startAll(group.slots, wait);
    const problem = this.supervisor.commandProblem(process);
    if (problem) throw new RpcFault(problem.fault, problem.message);
    const state = process.status.state;
    if (RUNNING_STATES.includes(state)) throw new RpcFault("ALREADY_STARTED", name);
    if (state === "UNKNOWN") throw new RpcFault("FAILED", `${name} is in an unknown process state`);
    this.supervisor.start(process);
    if (process.status.spawnerr !== "") throw new RpcFault("SPAWN_ERROR", name);
    if (!wait || process.status.state === "RUNNING") return true;
    return this.until<XmlRpcValue>(() => {
      if (process.status.spawnerr !== "") throw new RpcFault("SPAWN_ERROR", name);
      const now = process.status.state;
      if (now === "RUNNING") return true;
      if (now !== "STARTING") throw new RpcFault("ABNORMAL_TERMINATION", name);
      return undefined;
    });
  }

  private stopProcess(name: string, wait: boolean): Result {
    const { group, process } = this.lookup(name);
    if (!process) return this.stopAll(group.slots, wait);
    if (!RUNNING_STATES.includes(process.status.state)) throw new RpcFault("NOT_RUNNING", name);
    this.supervisor.stop(process);
    if (!wait || isStopped(process.status.state)) return true;
    return this.until<XmlRpcValue>(() => (isStopped(process.status.state) ? true : undefined));
  }

  private signalProcess(name: string, signal: XmlRpcValue | undefined): Result {
    const { group, process } = this.lookup(name);
    if (!process) return this.signalAll(group.slots, signal);
    const number = signalNumberOf(signal);
    if (number === undefined) throw new RpcFault("BAD_SIGNAL", String(signal));
    if (!SIGNALLABLE_STATES.includes(process.status.state)) throw new RpcFault("NOT_RUNNING", name);
    const problem = this.supervisor.signal(process, number);
    if (problem !== undefined) throw new RpcFault("FAILED", problem);
    return true;
  }

  /** make_allfunc: every process the predicate picks is asked at once, then all are awaited. */
  private async startAll(
    processes: readonly ControlledProcess[],
    wait: boolean,
  ): Promise<XmlRpcValue[]> {
    return this.forEach(
      processes.filter((process) => !RUNNING_STATES.includes(process.status.state)),
      (process) => this.startProcess(process.namespec, wait),
    );
  }

  private async stopAll(
    processes: readonly ControlledProcess[],
    wait: boolean,
  ): Promise<StatusStruct[]> {
    return this.forEach(
      processes.filter((process) => RUNNING_STATES.includes(process.status.state)),
      (process) => this.stopProcess(process.namespec, wait),
    );
  }

  private signalAll(processes: readonly ControlledProcess[], signal: XmlRpcValue | undefined) {
    return this.forEach(
      processes.filter((process) => SIGNALLABLE_STATES.includes(process.status.state)),
      (process) => this.signalProcess(process.namespec, signal),
    );
  }

  /**
   * Runs `action` on each process now; immediate outcomes come first, in
   * order, then the awaited ones as they finish (supervisord's order).
   */
  private async forEach(
    processes: readonly ControlledProcess[],
    action: (process: ControlledProcess) => Result,
  ): Promise<StatusStruct[]> {
    const results: StatusStruct[] = [];
    const pending: Promise<void>[] = [];
    for (const process of processes) {
      let outcome: Result;
      try {
        outcome = action(process);
      } catch (error) {
        results.push(statusOf(process, faultFrom(error)));
        continue;
      }
      if (outcome instanceof Promise) {
        pending.push(
          outcome.then(
            () => void results.push(statusOf(process)),
            (error: unknown) => void results.push(statusOf(process, faultFrom(error))),
          ),
        );
      } else results.push(statusOf(process));
    }
    await Promise.all(pending);
    return results;
  }

  private outcome(process: ControlledProcess, action: () => unknown): StatusStruct {
    try {
      action();
      return statusOf(process);
    } catch (error) {
      return statusOf(process, faultFrom(error));
    }
  }

  /**
   * Resolves when `check` returns true (checked now and after every state
   * change), rejects when it throws; with `ms`, resolves undefined at the
   * deadline.
   */
  private until<T = true | undefined>(check: () => true | undefined, ms?: number): Promise<T> {
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let unsubscribe: () => void = () => {};
      const finish = (settle: () => void) => {
        unsubscribe();
        if (timer !== undefined) clearTimeout(timer);
        settle();
      };
      const evaluate = (): boolean => {
        try {
          if (check() === true) {
            finish(() => resolve(true as T));
            return true;
          }
        } catch (error) {
          finish(() => reject(error));
          return true;
        }
        return false;
      };
      if (evaluate()) return;
      unsubscribe = this.supervisor.onChange(() => void evaluate());
      if (ms !== undefined) timer = setTimeout(() => finish(() => resolve(undefined as T)), ms);
    });
  }

  private clearLogs(name: string): true {
    const process = this.processNamed(name);
    try {
      process.logs.stdout.reader.clear();
      process.logs.stderr?.reader.clear();
    } catch {
      throw new RpcFault("FAILED", name);
    }
    return true;
  }

  private channelLog(
    process: ControlledProcess,
    channel: "stdout" | "stderr",
  ): LogReader | undefined {
    if (channel === "stdout") return process.logs.stdout.reader;
    return process.logs.stderr?.reader;
  }

  private mainLog(): LogReader {
    const log = this.supervisor.mainLog();
    if (!log) throw new RpcFault("NO_FILE");
    return log;
  }

  private info(process: ControlledProcess): { [key: string]: XmlRpcValue } {
    return processInfo(process, Math.floor(this.now() / 1000));
  }

  private allConfigInfo(): XmlRpcValue[] {
    const active = new Set(this.supervisor.groups().map((group) => group.config.name));
    return this.available
      .flatMap((group) =>
        group.processes.map((process) => configInfo(group, process, active.has(group.name))),
      )
      .sort((a, b) => compare(String(a.name), String(b.name)));
  }
}

interface StatusStruct {
  readonly [key: string]: XmlRpcValue;
  readonly name: string;
  readonly group: string;
  readonly status: number;
  readonly description: string;
}

function statusOf(process: ControlledProcess, fault?: RpcFault): StatusStruct {
  return {
    name: process.config.name,
    group: process.config.group,
    status: fault ? fault.code : Faults.SUCCESS,
    description: fault ? fault.message : "OK",
  };
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

function nameOf(group: GroupConfig): string {
  return group.name;
}

function str(value: XmlRpcValue | undefined): string {
  return typeof value === "string" ? value : String(value ?? "");
}

/** Python's int(): XML-RPC clients send numbers, sometimes as strings. */
function int(value: XmlRpcValue | undefined): number {
  const number = typeof value === "string" ? Number(value.trim()) : value;
  if (typeof number !== "number" || !Number.isFinite(number))
    throw new RpcFault("INCORRECT_PARAMETERS");
  return Math.trunc(number);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function guardRead<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof LogReadError) throw new RpcFault(error.fault as FaultName);
    throw new RpcFault("FAILED", (error as Error).message);
  }
}

function readText(log: LogReader, offset: number, length: number): string {
  return decode(guardRead(() => readLog(log, offset, length)));
}

function clearQuietly(log: LogReader, fault: FaultName): void {
  try {
    log.clear();
  } catch {
    throw new RpcFault(fault);
  }
}

/** Log bytes as the text XML-RPC carries (invalid UTF-8 becomes U+FFFD). */
function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** getAllConfigInfo's struct for one process (supervisord writes 'auto'/'none' for unset values). */
function configInfo(
  group: GroupConfig,
  process: ProcessConfig,
  inuse: boolean,
): { [key: string]: XmlRpcValue } {
  const logfile = (value: string) =>
    value === "AUTO" ? "auto" : value === "NONE" ? "none" : value;
  return {
    autostart: process.autostart,
    directory: process.directory ?? "none",
    uid: process.user === undefined ? "none" : (findUser(process.user)?.uid ?? process.user),
    command: process.command.join(" "),
    exitcodes: [...process.exitcodes],
    group: group.name,
    group_prio: group.priority,
    inuse,
    killasgroup: process.killasgroup,
    name: process.name,
    process_prio: process.priority,
    redirect_stderr: process.redirect_stderr,
    startretries: process.startretries,
    startsecs: process.startsecs,
    stdout_capture_maxbytes: process.stdout_capture_maxbytes,
    stdout_events_enabled: process.stdout_events_enabled,
    stdout_logfile: logfile(process.stdout_logfile),
    stdout_logfile_backups: process.stdout_logfile_backups,
    stdout_logfile_maxbytes: process.stdout_logfile_maxbytes,
    stdout_syslog: process.stdout_syslog,
    stopsignal: process.stopsignal,
    stopwaitsecs: process.stopwaitsecs,
    stderr_capture_maxbytes: process.stderr_capture_maxbytes,
    stderr_events_enabled: process.stderr_events_enabled,
    stderr_logfile: logfile(process.stderr_logfile),
    stderr_logfile_backups: process.stderr_logfile_backups,
    stderr_logfile_maxbytes: process.stderr_logfile_maxbytes,
    stderr_syslog: process.stderr_syslog,
    serverurl: logfile(process.serverurl),
  };
}
