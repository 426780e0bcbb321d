// One process's lifecycle as supervisord runs it (supervisor/process.py),
// with tend's readiness, liveness, dependencies and exponential backoff, as a
// pure reducer: reduce(status, event, rules, now, mood) returns the next
// status and the effects for the engine to carry out (spawn, signal, wake me
// at, log, tell me about my dependencies). Time and chance are arguments, so
// every rule is testable without sleeping. The rules live in program/.

import { dependenciesChanged, liveResult, readyResult } from "./program/checks.ts";
import {
  exited,
  killFailed,
  killNow,
  spawned,
  spawnFailed,
  startRequested,
  stopRequested,
  tick,
} from "./program/lifecycle.ts";
import { Transition } from "./program/transition.ts";
import type { Mood, ProcessStatus, ProgramEvent, ProgramRules, Step } from "./program/types.ts";

export { describeExit } from "./exit-codes.ts";
export type {
  CheckRules,
  DependencyOutcome,
  Effect,
  LogLevel,
  Mood,
  ProcessStatus,
  ProgramEvent,
  ProgramRules,
  Step,
  Waiting,
} from "./program/types.ts";
export { INITIAL_STATUS } from "./program/types.ts";

const RUNNING_MOOD: Mood = { shuttingDown: false };

export function reduce(
  status: ProcessStatus,
  event: ProgramEvent,
  rules: ProgramRules,
  now: number,
  mood: Mood = RUNNING_MOOD,
): Step {
  const t = new Transition(status, rules, now, mood);
  // Once shutdown has begun nothing starts again: no requests, no retries,
  // no spawn of a process whose dependencies came up.
  if (
    mood.shuttingDown &&
    (event.type === "start" ||
      event.type === "dependencies" ||
      (event.type === "tick" && status.state === "BACKOFF"))
  ) {
    return t.done();
  }
  switch (event.type) {
    case "start":
      return startRequested(t);
    case "spawned":
      return spawned(t, event.pid);
    case "spawn-failed":
      return spawnFailed(t, event.message);
    case "exited":
      return exited(t, event.status);
    case "stop":
      return stopRequested(t, false);
    case "shutdown":
      return stopRequested(t, true);
    case "kill":
      return killNow(t);
    case "tick":
      return tick(t);
    case "kill-failed":
      return killFailed(t, event.message);
    case "dependencies":
      return dependenciesChanged(t, event.outcome);
    case "check":
      return event.check === "ready"
        ? readyResult(t, event.ok, event.message)
        : liveResult(t, event.ok, event.message);
  }
}
