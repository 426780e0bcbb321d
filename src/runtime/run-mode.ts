// Run mode as one object: the engine with the config it runs, tend's own
// mood (core/supervisor.ts) and what its effects do — stop everything in
// order, kill what is left, apply a changed config, start over after
// `ctl reload`, exit. It is the command layer's Supervisor, so every
// transport (XML-RPC, JSON, SIGHUP) reaches the same operations. The OS is
// reached only through the engine's ports, so tests drive it with fakes.

import type { LoadResult } from "../config/load.ts";
import type { Config, GroupConfig } from "../config/model.ts";
import type {
  CommandProblem,
  ConfigChanges,
  Outcome,
  Supervisor,
  UpdateLine,
} from "../control/supervisor.ts";
import { remoteCommunicationEvent, supervisorStateEvent } from "../core/events.ts";
import { ExitCode } from "../core/exit-codes.ts";
import { describeExit, type LogLevel } from "../core/program.ts";
import { type SignalName, signalNumber } from "../core/signals.ts";
import type { SupervisorStateName } from "../core/states.ts";
import {
  criticalExitCode,
  INITIAL_SUPERVISOR,
  mayStart,
  reduceSupervisor,
  type SupervisorEffect,
  type SupervisorEvent,
  type SupervisorStatus,
} from "../core/supervisor.ts";
import type { LogReader } from "../logging/log-reader.ts";
import { findUser } from "../os/users.ts";
import { splitNamespec } from "../protocol/namespec.ts";
import { TendCounters } from "./counters.ts";
import { type ActiveGroup, Engine, type StateChange } from "./engine.ts";
import { EventListeners } from "./event-listeners.ts";
import { OutputTaps } from "./output-taps.ts";
import type { EnginePorts, LogPort } from "./ports.ts";
import { ConfigReadError, Reload } from "./reload.ts";
import { stopInOrder } from "./shutdown.ts";
import type { Slot } from "./slot.ts";

export interface RunModeOptions {
  /** The config file, read again by reread, update and reload. */
  readonly path: string;
  readonly config: Config;
  readonly ports: EnginePorts;
  readonly load: (path: string) => LoadResult;
  /** SIGUSR2: reopen every log file. */
  readonly reopenLogs: () => void;
  readonly mainLog: LogReader | undefined;
  /** tend's pid, as getPID reports it. */
  readonly pid: number;
}

export class RunMode implements Supervisor<Slot> {
  readonly engine: Engine;
  /** supervisord's events and listener pools. */
  readonly events: EventListeners;
  readonly pid: number;
  /** What /metrics reports of tend itself. */
  readonly counters = new TendCounters();
  private config: Config;
  private status: SupervisorStatus = INITIAL_SUPERVISOR;
  /** Told when tend's own state changes (running, restarting, shutting down). */
  private readonly stateListeners = new Set<() => void>();
  private readonly reload: Reload;
  private readonly log: (level: LogLevel, message: string) => void;
  private exit: (code: number) => void = () => {};
  /** tend's exit code, once everything is down after a shutdown. */
  readonly finished: Promise<number>;

  constructor(private readonly options: RunModeOptions) {
    this.pid = options.pid;
    this.config = options.config;
    this.log = options.ports.log;
    const settings = options.config.supervisord;
    const taps = new OutputTaps({
      events: () => this.events,
      debug: ["debug", "trace", "blather"].includes(settings.loglevel),
      stripAnsi: settings.strip_ansi,
      log: this.log,
      listenerOutput: (namespec, bytes) => {
        const slot = this.engine.slotNamed(namespec);
        if (slot) this.events.listenerOutput(slot, bytes);
      },
      awaitsLine: (namespec, pid) => {
        const slot = this.engine.slotNamed(namespec);
        return slot !== undefined && this.engine.checks.wantsOutput(slot, pid);
      },
      outputLine: (namespec, line, pid) => {
        const slot = this.engine.slotNamed(namespec);
        if (slot) this.engine.checks.outputLine(slot, line, pid);
      },
    });
    const logs: LogPort = {
      open: (process, opening) => {
        const opened = options.ports.logs.open(process, opening);
        taps.attach(process, opened, opening);
        return opened;
      },
      close: (opened) => options.ports.logs.close(opened),
    };
    this.engine = new Engine(options.config.groups, { ...options.ports, logs });
    this.events = new EventListeners({
      engine: this.engine,
      identifier: () => this.identification,
      timers: options.ports.timers,
      clock: options.ports.clock,
      log: this.log,
    });
    this.reload = new Reload(options.path, options.config, options.load, this.engine);
    this.finished = new Promise((resolve) => {
      this.exit = resolve;
    });
    this.engine.onStateChange((change) => this.watchCritical(change));
  }

  /**
   * Starts the autostart programs, in priority order, after the events of a
   * supervisord starting up (each group added, then RUNNING).
   */
  startPrograms(): void {
    this.events.start(this.engine.groups);
    this.events.notify(supervisorStateEvent("RUNNING"));
    this.engine.startAutostart();
  }

  /** A signal tend received. */
  signalled(signal: SignalName): void {
    const shutdownDelay = this.config.supervisord.shutdown_delay;
    this.handle({ type: "signal", signal, shutdownDelay });
  }

  /** Shutting down (or restarting): /readyz fails from the first TERM, through shutdown_delay. */
  get stopping(): boolean {
    return this.status.state !== "RUNNING";
  }

  /** Sends SIGKILL to every process that runs (the last-chance hook when tend itself dies). */
  killEverything(): void {
    for (const slot of this.engine.slots) this.engine.dispatch(slot, { type: "kill" });
  }

  handle(event: SupervisorEvent): void {
    const before = this.status.state;
    const step = reduceSupervisor(this.status, event);
    this.status = step.status;
    this.engine.shuttingDown = !mayStart(this.status);
    if (this.status.state !== before) for (const listener of this.stateListeners) listener();
    for (const effect of step.effects) this.apply(effect);
  }

  // --- Supervisor (the command layer's view) --------------------------------

  get identification(): string {
    return this.config.supervisord.identifier;
  }

  state(): SupervisorStateName {
    return this.status.state;
  }

  groups(): readonly ActiveGroup[] {
    return this.engine.groups;
  }

  group(name: string): ActiveGroup | undefined {
    return this.engine.group(name);
  }

  /** A start asked for (ctl start): its stopped dependencies start first. */
  start(slot: Slot): void {
    this.engine.startWithDependencies(slot);
  }

  stop(slot: Slot): string | undefined {
    return this.engine.stop(slot);
  }

  signal(slot: Slot, signal: number): string | undefined {
    return this.engine.signal(slot, signal);
  }

  commandProblem(slot: Slot): CommandProblem | undefined {
    return this.options.ports.processes.commandProblem(slot.config);
  }

  writeStdin(slot: Slot, bytes: Uint8Array): "ok" | "not-running" | "closed" | "full" {
    return this.engine.writeStdin(slot, bytes);
  }

  /** Any process changed (state, readiness, what it says), a group came or went, or tend's own state changed. */
  onChange(listener: () => void): () => void {
    const unsubscribe = [
      this.engine.onChange(listener),
      this.engine.onGroupChange(listener),
      () => this.stateListeners.delete(listener),
    ];
    this.stateListeners.add(listener);
    return () => {
      for (const each of unsubscribe) each();
    };
  }

  mainLog(): LogReader | undefined {
    return this.options.mainLog;
  }

  /** What /logtail follows: a process's log, "none" (no such stream), or undefined (no such process). */
  processLog(namespec: string, channel: "stdout" | "stderr"): LogReader | "none" | undefined {
    const { groupName, processName } = splitNamespec(namespec);
    const slot = this.engine.group(groupName)?.slots.find((s) => s.config.name === processName);
    if (!slot) return undefined;
    return channel === "stdout" ? slot.logs.stdout.reader : (slot.logs.stderr?.reader ?? "none");
  }

  userId(name: string): number | undefined {
    return findUser(name)?.uid;
  }

  shutdown(): void {
    this.handle({
      type: "shutdown",
      why: "shutdown requested over the control socket",
      code: ExitCode.OK,
    });
  }

  restart(): void {
    this.handle({ type: "restart" });
  }

  sendRemoteCommEvent(type: string, data: string): void {
    this.events.notify(remoteCommunicationEvent(type, data));
  }

  available(): readonly GroupConfig[] {
    return this.reload.available;
  }

  reread(): Outcome<ConfigChanges> {
    try {
      const diff = this.reload.reread().diff;
      this.counters.configRead(true);
      return { ok: true, value: diff };
    } catch (error) {
      if (!(error instanceof ConfigReadError)) throw error;
      this.counters.configRead(false);
      return { ok: false, message: error.message };
    }
  }

  addGroup(config: GroupConfig): boolean {
    return this.engine.addGroup(config);
  }

  removeGroup(name: string): boolean {
    return this.engine.removeGroup(name);
  }

  async update(names: readonly string[]): Promise<Outcome<readonly UpdateLine[]>> {
    try {
      const lines = await this.reload.update(names);
      this.counters.configRead(true);
      return { ok: true, value: lines };
    } catch (error) {
      if (!(error instanceof ConfigReadError)) throw error;
      this.counters.configRead(false);
      return { ok: false, message: error.message };
    }
  }

  // --- effects ----------------------------------------------------------------

  private apply(effect: SupervisorEffect): void {
    switch (effect.type) {
      case "log":
        this.log(effect.level, effect.message);
        return;
      case "stop-all":
        this.events.notify(supervisorStateEvent("STOPPING"));
        void stopInOrder(this.engine, this.options.ports.timers, (names) =>
          this.log("info", `waiting for ${names.join(", ")} to die`),
        ).then(() => this.handle({ type: "all-stopped" }));
        return;
      case "kill-all":
        this.killEverything();
        return;
      case "drain":
        this.options.ports.timers.set(
          () => this.handle({ type: "drain-over" }),
          effect.seconds * 1000,
        );
        return;
      case "apply-config":
        void this.applyConfigChanges();
        return;
      case "reopen-logs":
        this.options.reopenLogs();
        return;
      case "forward":
        this.counters.signalForwarded(effect.signal);
        this.engine.forward(signalNumber(effect.signal));
        return;
      case "start-over":
        this.startOver();
        return;
      case "exit":
        this.exit(effect.code);
        return;
    }
  }

  /** SIGHUP: read the config again and apply only what changed. */
  private async applyConfigChanges(): Promise<void> {
    const outcome = await this.update([]);
    if (!outcome.ok) {
      this.log(
        "error",
        `update: config not applied, everything runs as before:\n${outcome.message}`,
      );
      return;
    }
    if (outcome.value.length === 0) this.log("info", "update: no config changes");
    for (const line of outcome.value) this.log("info", `update: ${line.name}: ${line.message}`);
  }

  /** After `ctl reload` stopped everything: the config read again (a broken one keeps the old), all started. */
  private startOver(): void {
    try {
      this.config = this.reload.read();
      this.counters.configRead(true);
    } catch (error) {
      if (!(error instanceof ConfigReadError)) throw error;
      this.counters.configRead(false);
      this.log(
        "error",
        `reload: the config has errors, restarting with the old one:\n${error.message}`,
      );
    }
    this.events.reset();
    this.engine.resetGroups(this.config.groups);
    this.reload.available = this.config.groups;
    this.log("info", "restarted: starting the programs again");
    this.startPrograms();
  }

  /** A critical program that ended for good ends tend, with its exit code. */
  private watchCritical(change: StateChange): void {
    const { slot } = change;
    const code = criticalExitCode({
      critical: slot.config.critical,
      autorestart: slot.config.autorestart,
      to: change.to,
      expected: change.expected,
      lastExit: slot.lastExit,
    });
    if (code === undefined) return;
    const how = slot.lastExit ? describeExit(slot.lastExit).text : "never ran";
    this.handle({
      type: "shutdown",
      why: `critical program ${slot.config.name} entered ${change.to} (${how}): shutting down, exit code ${code}`,
      code,
    });
  }
}
