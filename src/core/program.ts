// One process's lifecycle as supervisord runs it (supervisor/process.py),
// as a pure reducer: reduce(status, event, rules, now) returns the next
// status and the effects for the engine to carry out (spawn, signal, wake me
// at, log). Time is an argument, so every rule is testable without sleeping.

import type { ExitStatus } from "./exit-codes.ts";
import { SIGNAL_NUMBERS, signalName } from "./signals.ts";
import type { ProcessStateName } from "./states.ts";

/** The settings of a program that its lifecycle depends on. */
export interface ProgramRules {
  readonly name: string;
  readonly startsecs: number;
  readonly startretries: number;
  readonly autorestart: "true" | "false" | "unexpected";
  readonly exitcodes: readonly number[];
  readonly stopsignal: number;
  readonly stopwaitsecs: number;
  readonly stopasgroup: boolean;
  readonly killasgroup: boolean;
}

export interface ProcessStatus {
  readonly state: ProcessStateName;
  /** 0 when no process runs. */
  readonly pid: number;
  /** When the last start began (ms); 0 when never started. */
  readonly laststart: number;
  /** When the process last ended (ms); 0 when never. */
  readonly laststop: number;
  /** Consecutive fast failures; the n-th retry waits n seconds. */
  readonly backoff: number;
  /** The deadline of the current wait (BACKOFF retry, STOPPING kill), ms. */
  readonly delay: number;
  readonly spawnerr: string;
  /** The last exit status as supervisord reports it: the code, or -1 for a signal. */
  readonly exitstatus: number | undefined;
  /** A stop was requested: the coming exit is the answer to it. */
  readonly killing: boolean;
  readonly laststopreport: number;
}

export const INITIAL_STATUS: ProcessStatus = {
  state: "STOPPED",
  pid: 0,
  laststart: 0,
  laststop: 0,
  backoff: 0,
  delay: 0,
  spawnerr: "",
  exitstatus: undefined,
  killing: false,
  laststopreport: 0,
};

export type ProgramEvent =
  /** A request to start (autostart, ctl start): STOPPED, EXITED or FATAL only. */
  | { readonly type: "start" }
  | { readonly type: "spawned"; readonly pid: number }
  | { readonly type: "spawn-failed"; readonly message: string }
  | { readonly type: "exited"; readonly status: ExitStatus }
  /** An administrative stop (ctl stop). */
  | { readonly type: "stop" }
  /** A stop for shutdown: as stop, but BACKOFF gives up to FATAL (supervisord's stop_all). */
  | { readonly type: "shutdown" }
  /** SIGKILL now, without waiting for stopwaitsecs (a second TERM at shutdown). */
  | { readonly type: "kill" }
  /** Time passed: a wake-up the reducer asked for came due. */
  | { readonly type: "tick" }
  /** The stop signal or SIGKILL could not be sent (not ESRCH: the process is beyond reach). */
  | { readonly type: "kill-failed"; readonly message: string };

export type LogLevel = "debug" | "info" | "warn" | "error" | "critical";

export type Effect =
  | { readonly type: "spawn" }
  | { readonly type: "signal"; readonly signal: number; readonly group: boolean }
  /** Deliver a tick at this time (ms). */
  | { readonly type: "wake"; readonly at: number }
  | { readonly type: "log"; readonly level: LogLevel; readonly message: string }
  | {
      readonly type: "state";
      readonly from: ProcessStateName;
      readonly to: ProcessStateName;
      readonly expected?: boolean;
      /** The process's pid at the change (an exit's is the pid that ended). */
      readonly pid: number;
      /** Consecutive failed starts at the change (supervisord's `tries`). */
      readonly tries: number;
    };

export interface Step {
  readonly status: ProcessStatus;
  readonly effects: readonly Effect[];
}

const SECOND = 1000;
const STOP_REPORT_INTERVAL = 2 * SECOND;
const SIGKILL = SIGNAL_NUMBERS.SIGKILL;

/** supervisord's decode_wait_status: the exit status and its description. */
export function describeExit(status: ExitStatus): { es: number; text: string } {
  if (status.kind === "exited") return { es: status.code, text: `exit status ${status.code}` };
  return { es: -1, text: `terminated by ${signalName(status.signal)}` };
}

class Transition {
  readonly effects: Effect[] = [];
  /** The pid of a process that just ended, which its state changes still name. */
  endedPid: number | undefined;
  constructor(public status: ProcessStatus) {}

  set(patch: Partial<ProcessStatus>): this {
    this.status = { ...this.status, ...patch };
    return this;
  }

  /** supervisord's change_state: entering BACKOFF counts a failure and sets the retry delay. */
  enter(to: ProcessStateName, now: number, expected?: boolean): this {
    const from = this.status.state;
    if (to === "BACKOFF") {
      const backoff = this.status.backoff + 1;
      this.set({ backoff, delay: now + backoff * SECOND });
    }
    this.set({ state: to });
    const facts = { from, to, pid: this.endedPid ?? this.status.pid, tries: this.status.backoff };
    this.effects.push(
      expected === undefined ? { type: "state", ...facts } : { type: "state", ...facts, expected },
    );
    return this;
  }

  emit(effect: Effect): this {
    this.effects.push(effect);
    return this;
  }

  log(level: LogLevel, message: string): this {
    return this.emit({ type: "log", level, message });
  }

  done(): Step {
    return { status: this.status, effects: this.effects };
  }
}

/** What the whole supervisor is doing, as far as one process is concerned. */
export interface Mood {
  /** Shutting down: nothing starts again (supervisord's mood < RUNNING). */
  readonly shuttingDown: boolean;
}

const RUNNING_MOOD: Mood = { shuttingDown: false };

export function reduce(
  status: ProcessStatus,
  event: ProgramEvent,
  rules: ProgramRules,
  now: number,
  mood: Mood = RUNNING_MOOD,
): Step {
  const t = new Transition(status);
  // Once shutdown has begun nothing starts again: no requests, no retries.
  if (
    mood.shuttingDown &&
    (event.type === "start" || (event.type === "tick" && status.state === "BACKOFF"))
  ) {
    return t.done();
  }
  switch (event.type) {
    case "start":
      return startRequested(t, rules, now);
    case "spawned":
      return spawned(t, event.pid, rules, now);
    case "spawn-failed":
      return spawnFailed(t, event.message, rules, now);
    case "exited":
      return exited(t, event.status, rules, now, mood);
    case "stop":
      return stopRequested(t, rules, now, false);
    case "shutdown":
      return stopRequested(t, rules, now, true);
    case "kill":
      return killNow(t, rules, now);
    case "tick":
      return tick(t, rules, now, mood);
    case "kill-failed":
      return killFailed(t, event.message, rules, now);
  }
}

/** supervisord's spawn(): → STARTING, then the engine forks. */
function spawn(t: Transition, now: number): Transition {
  t.endedPid = undefined;
  return t
    .set({ laststart: now, spawnerr: "", pid: 0 })
    .enter("STARTING", now)
    .emit({ type: "spawn" });
}

function startRequested(t: Transition, _rules: ProgramRules, now: number): Step {
  // STOPPED / EXITED / FATAL → STARTING; anything else is already started
  // (the control layer answers ALREADY_STARTED before asking).
  const state = t.status.state;
  if (state !== "STOPPED" && state !== "EXITED" && state !== "FATAL" && state !== "UNKNOWN")
    return t.done();
  // A start after FATAL begins a fresh count of retries (give_up reset it).
  return spawn(t.set({ backoff: 0, delay: 0 }), now).done();
}

function spawned(t: Transition, pid: number, rules: ProgramRules, now: number): Step {
  if (t.status.state !== "STARTING") return t.done();
  t.set({ pid }).log("info", `spawned: '${rules.name}' with pid ${pid}`);
  // STARTING → RUNNING once it has stayed up startsecs (startsecs=0: at once).
  if (rules.startsecs === 0) return becomeRunning(t, rules, now).done();
  return t.emit({ type: "wake", at: t.status.laststart + rules.startsecs * SECOND }).done();
}

function becomeRunning(t: Transition, rules: ProgramRules, now: number): Transition {
  return t
    .set({ delay: 0, backoff: 0 })
    .enter("RUNNING", now)
    .log(
      "info",
      `success: ${rules.name} entered RUNNING state, process has stayed up for > than ${rules.startsecs} seconds (startsecs)`,
    );
}

/** BACKOFF after a failed start; FATAL once the retries are used up. */
function backOff(t: Transition, rules: ProgramRules, now: number): Transition {
  t.enter("BACKOFF", now);
  if (t.status.backoff > rules.startretries) return giveUp(t, rules, now, true);
  return t.emit({ type: "wake", at: t.status.delay });
}

function giveUp(t: Transition, rules: ProgramRules, now: number, log: boolean): Transition {
  t.set({ delay: 0, backoff: 0 }).enter("FATAL", now);
  if (log)
    t.log("info", `gave up: ${rules.name} entered FATAL state, too many start retries too quickly`);
  return t;
}

function spawnFailed(t: Transition, message: string, rules: ProgramRules, now: number): Step {
  if (t.status.state !== "STARTING") return t.done();
  // A spawn error (command not found, ...) counts against startretries.
  t.set({ spawnerr: message, pid: 0 }).log("info", `spawnerr: ${message}`);
  return backOff(t, rules, now).done();
}

function exited(
  t: Transition,
  status: ExitStatus,
  rules: ProgramRules,
  now: number,
  mood: Mood,
): Step {
  const { es, text } = describeExit(status);
  const expected = rules.exitcodes.includes(es);
  const tooQuickly = now - t.status.laststart < rules.startsecs * SECOND;
  t.endedPid = t.status.pid;
  t.set({ pid: 0, laststop: now });

  if (t.status.killing) {
    // STOPPING → STOPPED: the answer to a stop, never restarted.
    t.set({ killing: false, delay: 0, exitstatus: es }).enter("STOPPED", now);
    return t.log(expected ? "info" : "warn", `stopped: ${rules.name} (${text})`).done();
  }
  if (t.status.state === "STARTING" && tooQuickly) {
    // STARTING → BACKOFF: died before startsecs, even with an expected code.
    t.set({ exitstatus: undefined, spawnerr: "Exited too quickly (process log may have details)" });
    t.log("warn", `exited: ${rules.name} (${text}; not expected)`);
    return backOff(t, rules, now).done();
  }
  // RUNNING → EXITED (a STARTING whose startsecs passed unnoticed counts as RUNNING).
  t.set({ delay: 0, backoff: 0, exitstatus: es });
  if (t.status.state === "STARTING") t.enter("RUNNING", now);
  if (expected)
    t.enter("EXITED", now, true).log("info", `exited: ${rules.name} (${text}; expected)`);
  else {
    t.set({ spawnerr: `Bad exit code ${es}` }).enter("EXITED", now, false);
    t.log("warn", `exited: ${rules.name} (${text}; not expected)`);
  }
  // EXITED → STARTING at once, per autorestart (never once shutdown has begun).
  const restart =
    !mood.shuttingDown &&
    (rules.autorestart === "true" || (rules.autorestart === "unexpected" && !expected));
  if (restart) spawn(t, now);
  return t.done();
}

function stopRequested(t: Transition, rules: ProgramRules, now: number, shutdown: boolean): Step {
  switch (t.status.state) {
    case "BACKOFF":
      // BACKOFF → STOPPED at once, without waiting through the retries;
      // at shutdown supervisord gives up instead (BACKOFF → FATAL).
      if (shutdown) return giveUp(t, rules, now, false).done();
      return t.set({ delay: 0 }).enter("STOPPED", now).done();
    case "RUNNING":
    case "STARTING":
      return sendStopSignal(t, rules, now).done();
    default:
      return t.done();
  }
}

/** RUNNING / STARTING → STOPPING: stopsignal, then SIGKILL after stopwaitsecs. */
function sendStopSignal(t: Transition, rules: ProgramRules, now: number): Transition {
  t.set({ killing: true, delay: now + rules.stopwaitsecs * SECOND, laststopreport: now }).enter(
    "STOPPING",
    now,
  );
  return t
    .emit({ type: "signal", signal: rules.stopsignal, group: rules.stopasgroup })
    .emit({ type: "wake", at: Math.min(t.status.delay, now + STOP_REPORT_INTERVAL) });
}

function killNow(t: Transition, rules: ProgramRules, now: number): Step {
  if (
    t.status.pid === 0 ||
    (t.status.state !== "STOPPING" && t.status.state !== "RUNNING" && t.status.state !== "STARTING")
  ) {
    return t.done();
  }
  if (t.status.state !== "STOPPING")
    t.set({ killing: true, laststopreport: now }).enter("STOPPING", now);
  return sigkill(t, rules, now).done();
}

function sigkill(t: Transition, rules: ProgramRules, now: number): Transition {
  t.log("warn", `killing '${rules.name}' (${t.status.pid}) with SIGKILL`);
  // If even SIGKILL does not end it, it is tried again after stopwaitsecs.
  t.set({ delay: now + rules.stopwaitsecs * SECOND });
  return t
    .emit({ type: "signal", signal: SIGKILL, group: rules.killasgroup || rules.stopasgroup })
    .emit({ type: "wake", at: Math.min(t.status.delay, now + STOP_REPORT_INTERVAL) });
}

/**
 * STOPPING → UNKNOWN: a stop whose signal could not be sent (supervisord's
 * kill() on an unexpected error). The process is no longer being stopped;
 * whoever asked for the stop hears that it failed.
 */
function killFailed(t: Transition, message: string, rules: ProgramRules, now: number): Step {
  if (t.status.state !== "STOPPING") return t.done();
  t.log("critical", `unknown problem killing ${rules.name} (${t.status.pid}): ${message}`);
  return t.set({ killing: false, delay: 0 }).enter("UNKNOWN", now).done();
}

function tick(t: Transition, rules: ProgramRules, now: number, mood: Mood): Step {
  const s = t.status;
  switch (s.state) {
    case "BACKOFF":
      // BACKOFF → STARTING once the n-th retry's n seconds have passed.
      if (s.backoff <= rules.startretries && now >= s.delay) return spawn(t, now).done();
      return t.done();
    case "STARTING":
      if (s.pid !== 0 && now - s.laststart >= rules.startsecs * SECOND)
        return becomeRunning(t, rules, now).done();
      return t.done();
    case "STOPPING":
      if (now >= s.delay) return sigkill(t, rules, now).done();
      // An administrative stop reports progress per process every 2 s; at
      // shutdown the supervisor reports all the unstopped ones together.
      if (!mood.shuttingDown && now - s.laststopreport >= STOP_REPORT_INTERVAL) {
        t.set({ laststopreport: now }).log("info", `waiting for ${rules.name} to stop`);
      }
      return t
        .emit({
          type: "wake",
          at: Math.min(s.delay, t.status.laststopreport + STOP_REPORT_INTERVAL),
        })
        .done();
    default:
      return t.done();
  }
}
