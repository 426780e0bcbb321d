// A driver for the process reducer in tests: events at given times (ms),
// a spawn answered at once with the next pid, as the engine does.

import { SUPERVISORD_BACKOFF } from "../../../src/core/backoff.ts";
import type { ExitStatus } from "../../../src/core/exit-codes.ts";
import {
  type Effect,
  INITIAL_STATUS,
  type Mood,
  type ProcessStatus,
  type ProgramEvent,
  type ProgramRules,
  reduce,
} from "../../../src/core/program.ts";

export const RULES: ProgramRules = {
  name: "web",
  startsecs: 1,
  startretries: 3,
  autorestart: "unexpected",
  exitcodes: [0],
  stopsignal: 15,
  stopwaitsecs: 10,
  stopasgroup: false,
  killasgroup: false,
  backoff: SUPERVISORD_BACKOFF,
  dependencies: false,
  dependsTimeout: 0,
};

export const exit = (code: number): ProgramEvent => ({
  type: "exited",
  status: { kind: "exited", code },
});
export const killedBy = (signal: number): ProgramEvent => ({
  type: "exited",
  status: { kind: "signaled", signal } satisfies ExitStatus,
});

/** Drives one process through events at given times (ms), like the engine. */
export class Sim {
  status: ProcessStatus = INITIAL_STATUS;
  effects: Effect[] = [];
  nextPid = 100;
  mood: Mood = { shuttingDown: false, random: 0.5 };
  constructor(readonly rules: ProgramRules = RULES) {}

  at(now: number, event: ProgramEvent): this {
    const step = reduce(this.status, event, this.rules, now, this.mood);
    this.status = step.status;
    this.effects.push(...step.effects);
    // The engine forks at once and reports back.
    if (step.effects.some((e) => e.type === "spawn"))
      this.at(now, { type: "spawned", pid: this.nextPid++ });
    return this;
  }

  get state() {
    return this.status.state;
  }
  get logs() {
    return this.effects.flatMap((e) => (e.type === "log" ? [e.message] : []));
  }
  get spawns() {
    return this.effects.filter((e) => e.type === "spawn").length;
  }
  get signals() {
    return this.effects.flatMap((e) => (e.type === "signal" ? [[e.signal, e.group]] : []));
  }
  get wakes() {
    return this.effects.flatMap((e) => (e.type === "wake" ? [e.at] : []));
  }
  clear(): this {
    this.effects = [];
    return this;
  }
}
