// The engine: one slot per process of the config, each driven by the pure
// reducer (core/program.ts). It carries out the reducer's effects through
// os/ (spawn, signal, timers, log) and feeds back what happens (spawned,
// exited, timer due). Everything else learns about processes from its
// state-change listeners.

import type { Config, ProcessConfig } from "../config/model.ts";
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
import { sendSignal } from "../os/signals.ts";
import {
  type Credentials,
  SpawnError,
  type SpawnedChild,
  type SpawnRequest,
  spawnChild,
} from "../os/spawn.ts";
import { findUser, groupsOf } from "../os/users.ts";

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

export function namespecOf(process: ProcessConfig): string {
  return process.group === process.name ? process.name : `${process.group}:${process.name}`;
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
  /** In start order: groups by priority, then their processes by priority. */
  readonly slots: Slot[];
  shuttingDown = false;
  private readonly listeners = new Set<(change: StateChange) => void>();
  private readonly now: () => number;

  constructor(
    readonly config: Config,
    private readonly options: EngineOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.slots = config.groups.flatMap((group) =>
      group.processes.map((process) => {
        const namespec = namespecOf(process);
        return {
          namespec,
          config: process,
          rules: rulesOf(process),
          status: INITIAL_STATUS,
          lastExit: undefined,
          child: undefined,
          timer: undefined,
          logs: options.logs.processLogs(process, namespec),
        };
      }),
    );
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
    try {
      pipes = this.options.logs.pipes(slot.namespec, slot.logs);
      child = spawnChild({ ...prepared, stdio: ["ignore", pipes.stdout, pipes.stderr] });
    } catch (error) {
      pipes?.abandoned();
      const message =
        error instanceof SpawnError
          ? error.message
          : `unknown error during spawn for '${slot.config.name}': ${(error as Error).message ?? String(error)}`;
      this.dispatch(slot, { type: "spawn-failed", message }, now);
      return;
    }
    pipes.started();
    slot.child = child;
    this.dispatch(slot, { type: "spawned", pid: child.pid }, now);
    child.exited.then((status) => {
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
