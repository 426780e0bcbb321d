// One step of the reducer under construction (the next status and the
// effects so far), and the moves every rule shares: spawn (after the
// dependencies, if any), become RUNNING, back off, give up, stop.

import { retryDelay } from "../backoff.ts";
import { SIGNAL_NUMBERS } from "../signals.ts";
import type { ProcessStateName } from "../states.ts";
import type { Effect, LogLevel, Mood, ProcessStatus, ProgramRules, Step } from "./types.ts";

export const SECOND = 1000;
export const STOP_REPORT_INTERVAL = 2 * SECOND;
const SIGKILL = SIGNAL_NUMBERS.SIGKILL;

export class Transition {
  readonly effects: Effect[] = [];
  /** The pid of a process that just ended, which its state changes still name. */
  endedPid: number | undefined;

  constructor(
    public status: ProcessStatus,
    readonly rules: ProgramRules,
    readonly now: number,
    readonly mood: Mood,
  ) {}

  set(patch: Partial<ProcessStatus>): this {
    this.status = { ...this.status, ...patch };
    return this;
  }

  /** supervisord's change_state: entering BACKOFF counts a failure and sets the retry delay. */
  enter(to: ProcessStateName, expected?: boolean): this {
    const from = this.status.state;
    if (to === "BACKOFF") {
      const backoff = this.status.backoff + 1;
      const wait = retryDelay(this.rules.backoff, backoff, this.mood.random ?? 0.5);
      this.set({ backoff, delay: this.now + wait });
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

/**
 * supervisord's spawn(): → STARTING (`restart`: tend's own doing, not a
 * request). A program with dependencies waits
 * there (pid 0) until the runtime says they are met; otherwise it is
 * launched at once.
 */
export function spawn(t: Transition, restart = false): Transition {
  t.endedPid = undefined;
  if (restart) t.set({ restarts: t.status.restarts + 1 });
  t.set({
    laststart: t.now,
    spawnerr: "",
    pid: 0,
    ready: false,
    readyStreak: 0,
    failing: undefined,
    liveFailures: 0,
    checkMessage: "",
    liveMessage: "",
  });
  if (t.status.state !== "STARTING") t.enter("STARTING");
  if (!t.rules.dependencies) return launch(t);
  t.set({ waiting: { name: "", condition: "", since: t.now } });
  if (t.rules.dependsTimeout > 0)
    t.emit({ type: "wake", at: t.now + t.rules.dependsTimeout * SECOND });
  return t.emit({ type: "await-dependencies" });
}

/** The fork itself: the engine spawns the process. */
export function launch(t: Transition): Transition {
  return t.set({ laststart: t.now, waiting: undefined }).emit({ type: "spawn" });
}

export function becomeRunning(t: Transition, how: string): Transition {
  // supervisord forgets past failures on RUNNING; the exponential policy
  // only once RUNNING has lasted backoff_reset (counted at the next exit).
  const keep = t.rules.backoff.kind === "exponential";
  t.set({ delay: 0, backoff: keep ? t.status.backoff : 0, runningSince: t.now });
  t.set({ ready: true, readyStreak: Math.max(1, t.status.readyStreak) });
  return t.enter("RUNNING").log("info", `success: ${t.rules.name} entered RUNNING state, ${how}`);
}

/** BACKOFF after a failed start; FATAL once the retries are used up. */
export function backOff(t: Transition): Transition {
  t.enter("BACKOFF");
  if (t.status.backoff > t.rules.startretries) return giveUp(t, true);
  return t.emit({ type: "wake", at: t.status.delay });
}

export function giveUp(
  t: Transition,
  log: boolean,
  why = "too many start retries too quickly",
): Transition {
  t.set({ delay: 0, backoff: 0, waiting: undefined }).enter("FATAL");
  if (log) t.log("info", `gave up: ${t.rules.name} entered FATAL state, ${why}`);
  return t;
}

/** RUNNING / STARTING → STOPPING: stopsignal, then SIGKILL after stopwaitsecs. */
export function sendStopSignal(t: Transition): Transition {
  const { rules, now } = t;
  t.set({ killing: true, delay: now + rules.stopwaitsecs * SECOND, laststopreport: now }).enter(
    "STOPPING",
  );
  return t
    .emit({ type: "signal", signal: rules.stopsignal, group: rules.stopasgroup })
    .emit({ type: "wake", at: Math.min(t.status.delay, now + STOP_REPORT_INTERVAL) });
}

export function sigkill(t: Transition): Transition {
  const { rules, now } = t;
  t.log("warn", `killing '${rules.name}' (${t.status.pid}) with SIGKILL`);
  // If even SIGKILL does not end it, it is tried again after stopwaitsecs.
  t.set({ delay: now + rules.stopwaitsecs * SECOND });
  return t
    .emit({ type: "signal", signal: SIGKILL, group: rules.killasgroup || rules.stopasgroup })
    .emit({ type: "wake", at: Math.min(t.status.delay, now + STOP_REPORT_INTERVAL) });
}
