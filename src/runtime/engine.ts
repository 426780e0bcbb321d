// The engine: one slot per process of the config, each driven by the pure
// reducer (core/program.ts). It carries out the reducer's effects through
// os/ (spawn, signal, timers, log) and feeds back what happens (spawned,
// exited, timer due). Everything else learns about processes from its
// state-change listeners.

import { sameProcess } from "../config/compare.ts";
import type { Config, GroupConfig, ProcessConfig } from "../config/model.ts";
import type { ExitStatus } from "../core/exit-codes.ts";
import {
  type Effect,
  INITIAL_STATUS,
  type ProcessStatus,
  type ProgramEvent,
  type ProgramRules,
  reduce,
} from "../core/program.ts";
import { type SignalName, signalName } from "../core/signals.ts";
import { type ProcessStateName, STOPPED_STATES } from "../core/states.ts";
import type { LogHub, ProcessLogs, SpawnPipes } from "../logging/hub.ts";
import type { TendLogger } from "../logging/tend-log.ts";
import { resolveCommand } from "../os/command.ts";
import { FdWriter } from "../os/fd-writer.ts";
import { closeQuietly } from "../os/fs.ts";
import { makePipe } from "../os/libc.ts";
import { sendSignal } from "../os/signals.ts";
import {
  type Credentials,
  SpawnError,
  type SpawnedChild,
  type SpawnRequest,
  spawnChild,
} from "../os/spawn.ts";
import { findUser, groupsOf } from "../os/users.ts";
import { makeNamespec } from "../protocol/namespec.ts";

export interface Slot {
  /** `name`, or `group:name` when they differ (supervisord's namespec). */
  readonly namespec: string;
  readonly config: ProcessConfig;
  readonly rules: ProgramRules;
  status: ProcessStatus;
  /** How the last run ended, once one has. */
  lastExit: ExitStatus | undefined;
  child: SpawnedChild | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Where its output goes and what tail reads, across restarts. */
  readonly logs: ProcessLogs;
  /** tend's end of the running process's stdin pipe (sendProcessStdin). */
  stdin: FdWriter | undefined;
}

/** A group of the running configuration with its processes' slots. */
export interface ActiveGroup {
  readonly config: GroupConfig;
  /** In start order (ascending priority). */
  readonly slots: readonly Slot[];
}

export interface StateChange {
  readonly slot: Slot;
  readonly from: ProcessStateName;
  readonly to: ProcessStateName;
  readonly expected: boolean | undefined;
}

export interface EngineOptions {
  readonly logger: TendLogger;
  readonly logs: LogHub;
  /** SUPERVISOR_SERVER_URL for the programs. */
  readonly serverUrl: string;
  readonly now?: () => number;
}

function rulesOf(process: ProcessConfig): ProgramRules {
  return {
    name: process.name,
    startsecs: process.startsecs,
    startretries: process.startretries,
    autorestart: process.autorestart,
    exitcodes: process.exitcodes,
    stopsignal: process.stopsignal,
    stopwaitsecs: process.stopwaitsecs,
    stopasgroup: process.stopasgroup,
    killasgroup: process.killasgroup,
  };
}

export class Engine {
  shuttingDown = false;
  private readonly listeners = new Set<(change: StateChange) => void>();
  private readonly now: () => number;
  /** Active groups by name; `groups` keeps them in start order. */
  private readonly active = new Map<string, ActiveGroup>();
  private ordered: ActiveGroup[] = [];
  private allSlots: Slot[] = [];

  constructor(
    /** The configuration tend runs with; its groups are the ones it started with. */
    readonly config: Config,
    private readonly options: EngineOptions,
  ) {
    this.now = options.now ?? Date.now;
    for (const group of config.groups) this.active.set(group.name, this.makeGroup(group, []));
    this.reorder();
  }

  /** Every process's slot, in start order: groups by priority, then their processes by priority. */
  get slots(): readonly Slot[] {
    return this.allSlots;
  }

  /** The active groups in start order. */
  get groups(): readonly ActiveGroup[] {
    return this.ordered;
  }

  group(name: string): ActiveGroup | undefined {
    return this.active.get(name);
  }

  /**
   * Makes `config` an active group (supervisord's add_process_group): its
   * processes start as their autostart says. False when a group of that
   * name is active already.
   */
  addGroup(config: GroupConfig): boolean {
    if (this.active.has(config.name)) return false;
    const group = this.makeGroup(config, []);
    this.active.set(config.name, group);
    this.reorder();
    for (const slot of group.slots)
      if (slot.config.autostart) this.dispatch(slot, { type: "start" });
    return true;
  }

  /** Removes a group whose processes are all stopped; false when one still runs. */
  removeGroup(name: string): boolean {
    const group = this.active.get(name);
    if (!group) return false;
    if (!group.slots.every((slot) => this.isStopped(slot))) return false;
    for (const slot of group.slots) this.retire(slot);
    this.active.delete(name);
    this.reorder();
    return true;
  }

  /**
   * Gives an active group a new configuration, keeping the slots of the
   * processes whose configuration did not change (they run on untouched).
   * Every other old process must be stopped; new or changed processes start
   * as their autostart says. tend's finer-grained update.
   */
  replaceGroup(config: GroupConfig): void {
    const old = this.active.get(config.name);
    if (!old) {
      this.addGroup(config);
      return;
    }
    const kept = old.slots.filter((slot) =>
      config.processes.some((process) => sameProcess(process, slot.config)),
    );
    for (const slot of old.slots) if (!kept.includes(slot)) this.retire(slot);
    const group = this.makeGroup(config, kept);
    this.active.set(config.name, group);
    this.reorder();
    for (const slot of group.slots) {
      if (!kept.includes(slot) && slot.config.autostart) this.dispatch(slot, { type: "start" });
    }
  }

  private makeGroup(config: GroupConfig, reuse: readonly Slot[]): ActiveGroup {
    const slots = config.processes.map((process) => {
      const kept = reuse.find((slot) => sameProcess(process, slot.config));
      return kept ?? this.makeSlot(process);
    });
    return { config, slots };
  }

  private makeSlot(process: ProcessConfig): Slot {
    const namespec = makeNamespec(process.group, process.name);
    return {
      namespec,
      config: process,
      rules: rulesOf(process),
      status: INITIAL_STATUS,
      lastExit: undefined,
      child: undefined,
      timer: undefined,
      logs: this.options.logs.processLogs(process, namespec),
      stdin: undefined,
    };
  }

  /** A slot leaves the engine: no timer may fire for it any more. */
  private retire(slot: Slot): void {
    if (slot.timer !== undefined) clearTimeout(slot.timer);
    slot.timer = undefined;
  }

  private reorder(): void {
    this.ordered = [...this.active.values()].sort(
      (a, b) => a.config.priority - b.config.priority || compare(a.config.name, b.config.name),
    );
    this.allSlots = this.ordered.flatMap((group) => group.slots);
  }

  onStateChange(listener: (change: StateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts every autostart process, in priority order, without waiting between them. */
  startAutostart(): void {
    for (const slot of this.slots)
      if (slot.config.autostart) this.dispatch(slot, { type: "start" });
  }

  dispatch(slot: Slot, event: ProgramEvent, now = this.now()): void {
    const step = reduce(slot.status, event, slot.rules, now, { shuttingDown: this.shuttingDown });
    slot.status = step.status;
    for (const effect of step.effects) this.apply(slot, effect, now);
  }

  /** Sends `name` to every process that runs (SPEC section 4: forwarded signals). */
  forward(name: SignalName): void {
    for (const slot of this.slots) {
      if (slot.child && slot.status.pid !== 0) this.signal(slot, name, false);
    }
  }

  isStopped(slot: Slot): boolean {
    return STOPPED_STATES.includes(slot.status.state) && slot.child === undefined;
  }

  private apply(slot: Slot, effect: Effect, now: number): void {
    switch (effect.type) {
      case "spawn":
        this.spawn(slot, now);
        return;
      case "signal":
        this.signal(slot, effect.signal, effect.group);
        return;
      case "wake":
        this.wake(slot, effect.at);
        return;
      case "log":
        this.options.logger[effect.level](effect.message);
        return;
      case "state":
        for (const listener of this.listeners) {
          listener({ slot, from: effect.from, to: effect.to, expected: effect.expected });
        }
        return;
    }
  }

  private wake(slot: Slot, at: number): void {
    if (slot.timer !== undefined) clearTimeout(slot.timer);
    // A timer may fire a hair early by the clock; it stands for `at`.
    slot.timer = setTimeout(
      () => {
        slot.timer = undefined;
        this.dispatch(slot, { type: "tick" }, Math.max(this.now(), at));
      },
      Math.max(0, at - this.now()),
    );
  }

  private signal(slot: Slot, signal: SignalName | number, group: boolean): void {
    const pid = slot.status.pid;
    if (pid === 0) return;
    const name = typeof signal === "number" ? signalName(signal) : signal;
    try {
      sendSignal(pid, signal, group);
    } catch (error) {
      this.options.logger.critical(
        `unknown problem sending ${name} to ${slot.config.name} (${pid}): ${(error as Error).message}`,
      );
    }
  }

  private spawn(slot: Slot, now: number): void {
    const prepared = this.prepare(slot.config);
    if (typeof prepared === "string") {
      this.dispatch(slot, { type: "spawn-failed", message: prepared }, now);
      return;
    }
    let child: SpawnedChild;
    let pipes: SpawnPipes | undefined;
    let stdin: [number, number] | undefined;
    try {
      pipes = this.options.logs.pipes(slot.namespec, slot.logs);
      // A pipe, as supervisord gives: sendProcessStdin and `ctl fg` write to it.
      stdin = makePipe();
      child = spawnChild({ ...prepared, stdio: [stdin[0], pipes.stdout, pipes.stderr] });
    } catch (error) {
      pipes?.abandoned();
      if (stdin) closeQuietly(...stdin);
      const message =
        error instanceof SpawnError
          ? error.message
          : `unknown error during spawn for '${slot.config.name}': ${(error as Error).message ?? String(error)}`;
      this.dispatch(slot, { type: "spawn-failed", message }, now);
      return;
    }
    pipes.started();
    closeQuietly(stdin[0]);
    const stdinWriter = new FdWriter(stdin[1], () => {});
    slot.stdin = stdinWriter;
    slot.child = child;
    this.dispatch(slot, { type: "spawned", pid: child.pid }, now);
    child.exited.then((status) => {
      closeQuietly(stdinWriter.fd);
      if (slot.stdin === stdinWriter) slot.stdin = undefined;
      if (slot.child !== child) return;
      slot.child = undefined;
      slot.lastExit = status;
      this.dispatch(slot, { type: "exited", status });
    });
  }

  /** Everything a spawn needs, or the spawn error in supervisord's words. */
  private prepare(process: ProcessConfig): SpawnRequest | string {
    const env: Record<string, string | undefined> = {
      ...globalThis.process.env,
      SUPERVISOR_ENABLED: "1",
      SUPERVISOR_PROCESS_NAME: process.name,
      SUPERVISOR_GROUP_NAME: process.group,
      SUPERVISOR_SERVER_URL:
        process.serverurl === "AUTO" ? this.options.serverUrl : process.serverurl,
      ...process.environment,
    };
    const [program = "", ...args] = process.command;
    const resolved = resolveCommand(program, env.PATH);
    if (!resolved.ok) return resolved.message;
    let credentials: Credentials | undefined;
    if (process.user !== undefined) {
      const user = findUser(process.user);
      if (!user) return `user '${process.user}' does not exist`;
      const uid = globalThis.process.getuid?.() ?? 0;
      if (uid !== 0 && uid !== user.uid)
        return `can't run as user '${process.user}': tend is not running as root`;
      if (uid === 0) credentials = { uid: user.uid, gid: user.gid, groups: groupsOf(user) };
    }
    return {
      argv: [resolved.filename, ...args],
      argv0: program,
      newSession: true,
      env,
      cwd: process.directory,
      umask: process.umask,
      credentials,
    };
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
