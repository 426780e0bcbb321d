// The engine: one slot per process of the running configuration, each driven
// by the pure reducer (core/program.ts). It carries out the reducer's effects
// through its ports (spawn, signal, timers, log) and feeds back what happens
// (spawned, exited, timer due, a signal that could not be sent). Everything
// else learns about processes from its state-change listeners.

import { sameRun } from "../config/compare.ts";
import type { GroupConfig, ProcessConfig } from "../config/model.ts";
import { type Effect, INITIAL_STATUS, type ProgramEvent, reduce } from "../core/program.ts";
import { signalName } from "../core/signals.ts";
import { type ProcessStateName, STOPPED_STATES } from "../core/states.ts";
import { makeNamespec } from "../protocol/namespec.ts";
import { CheckRunner } from "./checks.ts";
import { Dependencies } from "./dependencies.ts";
import type { EnginePorts, RunningProcess } from "./ports.ts";
import { rulesOf } from "./program-rules.ts";
import { rememberReadiness, type Slot, saysOtherwise } from "./slot.ts";

/**
 * What may wait in tend for a process that does not read its stdin: past it,
 * sendProcessStdin is FAILED, so a client cannot fill PID 1's memory (supervisord has no bound).
 */
export const MAX_STDIN_PENDING = 1024 * 1024;

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

export class Engine {
  /** Shutting down or restarting: nothing starts again (supervisord's mood < RUNNING). */
  shuttingDown = false;
  private readonly listeners = new Set<(change: StateChange) => void>();
  private readonly changeListeners = new Set<(slot: Slot) => void>();
  /** What each process's depends_on names, among the active groups. */
  readonly dependencies = new Dependencies(() => this.ordered);
  /** The ready and live checks of the running processes. */
  readonly checks: CheckRunner;
  /** Set while the waiting processes are looked at again; another change asks for one more pass. */
  private reevaluating = false;
  private reevaluateAgain = false;
  private readonly groupListeners = new Set<(change: GroupChange) => void>();
  /** Active groups by name; `groups` keeps them in start order. */
  private readonly active = new Map<string, ActiveGroup>();
  private ordered: ActiveGroup[] = [];
  private allSlots: Slot[] = [];
  private byNamespec = new Map<string, Slot>();
  /** Why the last stop signal could not be sent, for stop() to report. */
  private killFailure: string | undefined;

  constructor(
    groups: readonly GroupConfig[],
    private readonly ports: EnginePorts,
  ) {
    this.checks = new CheckRunner({
      probes: ports.probes,
      timers: ports.timers,
      clock: ports.clock,
      dispatch: (slot, event) => this.dispatch(slot, event),
      noted: (slot) => this.told(slot),
    });
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

  /** The active process of that namespec (`name` or `group:name`). */
  slotNamed(namespec: string): Slot | undefined {
    return this.byNamespec.get(namespec);
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
   * Gives an active group a new configuration (tend's finer-grained update). The slots
   * of unchanged processes run on, and so do the `stuck` ones (a stop that failed) with
   * their old settings; every other old process must be stopped already. New or
   * changed processes start as their autostart says.
   */
  replaceGroup(config: GroupConfig, stuck: readonly Slot[] = []): void {
    const old = this.active.get(config.name);
    if (!old) {
      this.addGroup(config);
      return;
    }
    const unchanged = old.slots.filter((slot) =>
      config.processes.some((process) => sameRun(process, slot.config)),
    );
    const kept = [...unchanged, ...stuck.filter((slot) => !unchanged.includes(slot))];
    for (const slot of old.slots) if (!kept.includes(slot)) this.retire(slot);
    const group = this.makeGroup(effectiveConfig(config, stuck), kept);
    this.active.set(config.name, group);
    this.reorder();
    // To whoever follows groups, a changed group leaves and comes back (as supervisorctl's update makes it).
    this.groupChanged({ kind: "removed", group: old });
    this.groupChanged({ kind: "added", group });
    for (const slot of group.slots) {
      if (!kept.includes(slot) && slot.config.autostart) this.start(slot);
    }
    // A kept process may wait for something else now.
    this.reevaluateWaiting(this.ports.clock.now());
  }

  onStateChange(listener: (change: StateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hears a process whose state or readiness changed, once its step is carried out. */
  onChange(listener: (slot: Slot) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Hears every group added or removed (not the ones the engine started with). */
  onGroupChange(listener: (change: GroupChange) => void): () => void {
    this.groupListeners.add(listener);
    return () => this.groupListeners.delete(listener);
  }

  private groupChanged(change: GroupChange): void {
    for (const listener of this.groupListeners) listener(change);
  }

  /** Resolves once `done()` holds: checked now and after every change of state or readiness. */
  until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const unsubscribe = this.onChange(() => {
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

  /**
   * A start asked for by name (ctl start): the stopped dependencies it
   * would wait for start first, deepest first, then the process itself.
   */
  startWithDependencies(slot: Slot): void {
    for (const dependency of this.dependencies.toStart(slot)) this.start(dependency);
    this.start(slot);
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
    const mood = {
      shuttingDown: this.shuttingDown,
      random: this.ports.random?.() ?? Math.random(),
    };
    const before = slot.status;
    const step = reduce(before, event, slot.rules, now, mood);
    slot.status = step.status;
    // Before the effects: one of them may dispatch again, and that step notes its own change.
    if (before.ready !== step.status.ready) rememberReadiness(slot, now);
    let changed = false;
    let awaits = false;
    for (const effect of step.effects) {
      if (effect.type === "state" || effect.type === "readiness") changed = true;
      if (effect.type === "await-dependencies") awaits = true;
      else this.apply(slot, effect, now);
    }
    if (awaits) this.evaluateDependencies(slot, now);
    if (!changed) {
      // Only what a person reads changed (why it is not ready, what it waits for).
      if (saysOtherwise(before, slot.status)) this.told(slot);
      return;
    }
    this.told(slot);
    this.reevaluateWaiting(now);
  }

  /** Tells whoever listens that a process changed (state, readiness, or what it says). */
  private told(slot: Slot): void {
    for (const listener of this.changeListeners) listener(slot);
  }

  /** Tells a waiting process where its dependencies stand. */
  private evaluateDependencies(slot: Slot, now: number): void {
    if (slot.status.state !== "STARTING" || !slot.status.waiting) return;
    this.dispatch(slot, { type: "dependencies", outcome: this.dependencies.outcome(slot) }, now);
  }

  /**
   * After any change, every waiting process looks at its dependencies
   * again, in start order (so priority orders the ones freed together).
   */
  private reevaluateWaiting(now: number): void {
    if (this.reevaluating) {
      this.reevaluateAgain = true;
      return;
    }
    this.reevaluating = true;
    try {
      do {
        this.reevaluateAgain = false;
        for (const slot of this.allSlots) this.evaluateDependencies(slot, now);
      } while (this.reevaluateAgain);
    } finally {
      this.reevaluating = false;
    }
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

  /** Writes to a running process's stdin; "full" while over MAX_STDIN_PENDING bytes wait unread. */
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
      const kept = reuse.find((slot) => sameRun(process, slot.config));
      if (!kept) return this.makeSlot(process, config.listener !== undefined);
      kept.config = process; // the same process, maybe with new checks, dependencies or policy
      kept.rules = rulesOf(process);
      this.checks.refresh(kept);
      if (kept.status.waiting) this.dispatch(kept, { type: "tick" }); // a new depends_timeout
      return kept;
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
      note: "",
      lastExit: undefined,
      child: undefined,
      timer: undefined,
      logs,
      stdin: undefined,
      checkResults: { ready: { success: 0, failure: 0 }, live: { success: 0, failure: 0 } },
      recentChecks: { ready: [], live: [] },
      readinessHistory: [],
    };
    return made;
  }

  /** A slot leaves the engine: no timer may fire for it, its log files close. */
  private retire(slot: Slot): void {
    this.clearTimer(slot);
    this.checks.forget(slot);
    this.ports.logs.close(slot.logs);
  }

  private reorder(): void {
    this.ordered = [...this.active.values()].sort(
      (a, b) => a.config.priority - b.config.priority || compare(a.config.name, b.config.name),
    );
    this.allSlots = this.ordered.flatMap((group) => group.slots);
    this.byNamespec = new Map(this.allSlots.map((slot) => [slot.namespec, slot]));
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
        this.checks.stateChanged(slot, effect.to);
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
    slot.note = "";
    this.dispatch(slot, { type: "spawned", pid: child.pid }, now);
    this.checks.spawned(slot, child);
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
