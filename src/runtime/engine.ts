// The engine: one slot per process of the running configuration, each driven
// by the pure reducer (core/program.ts). It carries out the reducer's effects
// through its ports (spawn, signal, timers, log) and feeds back what happens
// (spawned, exited, timer due, a signal that could not be sent). Everything
// else learns about processes from its state-change listeners.

import { sameProcess } from "../config/compare.ts";
import type { GroupConfig, ProcessConfig } from "../config/model.ts";
import type { ExitStatus } from "../core/exit-codes.ts";
import {
  type Effect,
  INITIAL_STATUS,
  type ProcessStatus,
  type ProgramEvent,
  type ProgramRules,
  reduce,
} from "../core/program.ts";
import { signalName } from "../core/signals.ts";
import { type ProcessStateName, STOPPED_STATES } from "../core/states.ts";
import type { ProcessLogs } from "../logging/routing.ts";
import { makeNamespec } from "../protocol/namespec.ts";
import type { EnginePorts, RunningProcess, StdinPipe, TimerHandle } from "./ports.ts";

/**
 * What may wait in tend for a process that does not read its stdin: past
 * it, sendProcessStdin is refused (FAILED) instead of buffered, so a client
 * cannot fill PID 1's memory through a program that never reads.
 * supervisord buffers without a bound.
 */
export const MAX_STDIN_PENDING = 1024 * 1024;

export interface Slot {
  /** `name`, or `group:name` when they differ (supervisord's namespec). */
  readonly namespec: string;
  readonly config: ProcessConfig;
  readonly rules: ProgramRules;
  status: ProcessStatus;
  /** How the last run ended, once one has. */
  lastExit: ExitStatus | undefined;
  child: RunningProcess | undefined;
  timer: TimerHandle | undefined;
  /** Where its output goes and what tail reads, across restarts. */
  readonly logs: ProcessLogs;
  /** The running process's stdin (sendProcessStdin); undefined when none runs. */
  stdin: StdinPipe | undefined;
}

/** A group of the running configuration with its processes' slots. */
export interface ActiveGroup {
  /** What runs: the config read, but for processes kept with their old settings. */
  readonly config: GroupConfig;
  /** In start order (ascending priority). */
  readonly slots: readonly Slot[];
}

export interface StateChange {
  readonly slot: Slot;
  readonly from: ProcessStateName;
  readonly to: ProcessStateName;
  readonly expected: boolean | undefined;
  /** The pid at the change (for an exit, the pid that ended). */
  readonly pid: number;
  /** Consecutive failed starts at the change. */
  readonly tries: number;
}

/** A group became active or left. */
export interface GroupChange {
  readonly kind: "added" | "removed";
  readonly group: ActiveGroup;
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
  /** Shutting down or restarting: nothing starts again (supervisord's mood < RUNNING). */
  shuttingDown = false;
  private readonly listeners = new Set<(change: StateChange) => void>();
  private readonly groupListeners = new Set<(change: GroupChange) => void>();
  /** Active groups by name; `groups` keeps them in start order. */
  private readonly active = new Map<string, ActiveGroup>();
  private ordered: ActiveGroup[] = [];
  private allSlots: Slot[] = [];
  /** Why the last stop signal could not be sent, for stop() to report. */
  private killFailure: string | undefined;

  constructor(
    groups: readonly GroupConfig[],
    private readonly ports: EnginePorts,
  ) {
    for (const group of groups) this.active.set(group.name, this.makeGroup(group, []));
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
    this.groupChanged({ kind: "added", group });
    for (const slot of group.slots) if (slot.config.autostart) this.start(slot);
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
    this.groupChanged({ kind: "removed", group });
    return true;
  }

  /** Removes every group (all must be stopped) and makes `groups` the active ones, not started. */
  resetGroups(groups: readonly GroupConfig[]): void {
    for (const slot of this.allSlots) this.retire(slot);
    this.active.clear();
    for (const group of groups) this.active.set(group.name, this.makeGroup(group, []));
    this.reorder();
  }

  /**
   * Gives an active group a new configuration. The slots of processes whose
   * settings did not change run on untouched, and so do the `stuck` ones (a
   * stop that failed) with their old settings; every other old process must
   * be stopped already. New or changed processes start as their autostart
   * says. tend's finer-grained update.
   */
  replaceGroup(config: GroupConfig, stuck: readonly Slot[] = []): void {
    const old = this.active.get(config.name);
    if (!old) {
      this.addGroup(config);
      return;
    }
    const unchanged = old.slots.filter((slot) =>
      config.processes.some((process) => sameProcess(process, slot.config)),
    );
    const kept = [...unchanged, ...stuck.filter((slot) => !unchanged.includes(slot))];
    for (const slot of old.slots) if (!kept.includes(slot)) this.retire(slot);
    const group = this.makeGroup(effectiveConfig(config, stuck), kept);
    this.active.set(config.name, group);
    this.reorder();
    // To whoever follows groups, a changed group leaves and comes back (as
    // supervisorctl's update makes it), with the processes that were kept.
    this.groupChanged({ kind: "removed", group: old });
    this.groupChanged({ kind: "added", group });
    for (const slot of group.slots) {
      if (!kept.includes(slot) && slot.config.autostart) this.start(slot);
    }
  }

  onStateChange(listener: (change: StateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hears every group added or removed (not the ones the engine started with). */
  onGroupChange(listener: (change: GroupChange) => void): () => void {
    this.groupListeners.add(listener);
    return () => this.groupListeners.delete(listener);
  }

  private groupChanged(change: GroupChange): void {
    for (const listener of this.groupListeners) listener(change);
  }

  /** Resolves once `done()` holds: checked now and after every change of state. */
  until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const unsubscribe = this.onStateChange(() => {
        if (!done()) return;
        unsubscribe();
        resolve();
      });
    });
  }

  /** Starts every autostart process, in priority order, without waiting between them. */
  startAutostart(): void {
    for (const slot of this.slots) if (slot.config.autostart) this.start(slot);
  }

  start(slot: Slot): void {
    this.dispatch(slot, { type: "start" });
  }

  /** Asks a process to stop; the reason when its stop signal could not be sent. */
  stop(slot: Slot): string | undefined {
    this.killFailure = undefined;
    this.dispatch(slot, { type: "stop" });
    const failure = this.killFailure;
    this.killFailure = undefined;
    return failure;
  }

  dispatch(slot: Slot, event: ProgramEvent, now = this.ports.clock.now()): void {
    const step = reduce(slot.status, event, slot.rules, now, { shuttingDown: this.shuttingDown });
    slot.status = step.status;
    for (const effect of step.effects) this.apply(slot, effect, now);
  }

  /**
   * Sends a signal to a running process (signalProcess, forwarded signals).
   * The reason when it could not be sent; a process already gone is no error.
   */
  signal(slot: Slot, signal: number): string | undefined {
    const pid = slot.status.pid;
    if (pid === 0)
      return `attempted to send signal ${signal} to ${slot.config.name} but it wasn't running`;
    try {
      this.ports.processes.signal(pid, signal, false);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /** Sends `signal` to every process that runs (forwarded signals). */
  forward(signal: number): void {
    for (const slot of this.slots) {
      if (!slot.child || slot.status.pid === 0) continue;
      const problem = this.signal(slot, signal);
      if (problem !== undefined) {
        const name = signalName(signal);
        this.ports.log(
          "critical",
          `unknown problem sending ${name} to ${slot.config.name} (${slot.status.pid}): ${problem}`,
        );
      }
    }
  }

  /**
   * Writes to a running process's stdin; "full" while more than
   * MAX_STDIN_PENDING bytes wait for a process that does not read them.
   */
  writeStdin(slot: Slot, bytes: Uint8Array): "ok" | "not-running" | "closed" | "full" {
    const stdin = slot.stdin;
    if (slot.status.pid === 0 || slot.status.killing || !stdin) return "not-running";
    if (stdin.broken) return "closed";
    if (stdin.pending > MAX_STDIN_PENDING) return "full";
    stdin.write(bytes);
    return stdin.broken ? "closed" : "ok";
  }

  isStopped(slot: Slot): boolean {
    return STOPPED_STATES.includes(slot.status.state) && slot.child === undefined;
  }

  private makeGroup(config: GroupConfig, reuse: readonly Slot[]): ActiveGroup {
    const slots = config.processes.map((process) => {
      const kept = reuse.find((slot) => sameProcess(process, slot.config));
      return kept ?? this.makeSlot(process, config.listener !== undefined);
    });
    return { config, slots };
  }

  private makeSlot(process: ProcessConfig, listener: boolean): Slot {
    const namespec = makeNamespec(process.group, process.name);
    let made: Slot | undefined;
    const logs = this.ports.logs.open(process, {
      namespec,
      listener,
      pid: () => made?.status.pid ?? 0,
    });
    made = {
      namespec,
      config: process,
      rules: rulesOf(process),
      status: INITIAL_STATUS,
      lastExit: undefined,
      child: undefined,
      timer: undefined,
      logs,
      stdin: undefined,
    };
    return made;
  }

  /** A slot leaves the engine: no timer may fire for it, its log files close. */
  private retire(slot: Slot): void {
    this.clearTimer(slot);
    this.ports.logs.close(slot.logs);
  }

  private reorder(): void {
    this.ordered = [...this.active.values()].sort(
      (a, b) => a.config.priority - b.config.priority || compare(a.config.name, b.config.name),
    );
    this.allSlots = this.ordered.flatMap((group) => group.slots);
  }

  private apply(slot: Slot, effect: Effect, now: number): void {
    switch (effect.type) {
      case "spawn":
        this.spawn(slot, now);
        return;
      case "signal":
        this.stopSignal(slot, effect.signal, effect.group);
        return;
      case "wake":
        this.wake(slot, effect.at);
        return;
      case "log":
        this.ports.log(effect.level, effect.message);
        return;
      case "state":
        // A wake-up asked for in the state left behind means nothing now
        // (a wake the new state needs comes after this effect).
        this.clearTimer(slot);
        for (const listener of this.listeners) {
          const { from, to, expected, pid, tries } = effect;
          listener({ slot, from, to, expected, pid, tries });
        }
        return;
    }
  }

  private clearTimer(slot: Slot): void {
    if (slot.timer !== undefined) this.ports.timers.clear(slot.timer);
    slot.timer = undefined;
  }

  private wake(slot: Slot, at: number): void {
    const { timers, clock } = this.ports;
    this.clearTimer(slot);
    // A timer may fire a hair early by the clock; it stands for `at`.
    slot.timer = timers.set(
      () => {
        slot.timer = undefined;
        this.dispatch(slot, { type: "tick" }, Math.max(clock.now(), at));
      },
      Math.max(0, at - clock.now()),
    );
  }

  /** The stop signal or SIGKILL the reducer asked for; a failure goes back to it. */
  private stopSignal(slot: Slot, signal: number, group: boolean): void {
    const pid = slot.status.pid;
    if (pid === 0) return;
    try {
      this.ports.processes.signal(pid, signal, group);
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      this.killFailure = message;
      this.dispatch(slot, { type: "kill-failed", message });
    }
  }

  private spawn(slot: Slot, now: number): void {
    let child: RunningProcess;
    try {
      child = this.ports.processes.spawn(slot.config, slot.logs, slot.namespec);
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      this.dispatch(slot, { type: "spawn-failed", message }, now);
      return;
    }
    slot.child = child;
    slot.stdin = child.stdin;
    this.dispatch(slot, { type: "spawned", pid: child.pid }, now);
    child.exited.then((status) => {
      if (slot.stdin === child.stdin) slot.stdin = undefined;
      if (slot.child !== child) return;
      slot.child = undefined;
      slot.lastExit = status;
      this.dispatch(slot, { type: "exited", status });
    });
  }
}

/** The group as it runs: the processes that could not be stopped keep their old settings. */
function effectiveConfig(config: GroupConfig, stuck: readonly Slot[]): GroupConfig {
  if (stuck.length === 0) return config;
  const stuckByName = new Map(stuck.map((slot) => [slot.config.name, slot.config]));
  const processes = config.processes.map((process) => stuckByName.get(process.name) ?? process);
  for (const slot of stuck) {
    if (!config.processes.some((process) => process.name === slot.config.name))
      processes.push(slot.config);
  }
  return { ...config, processes };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
