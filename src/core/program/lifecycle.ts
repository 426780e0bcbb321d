// supervisord's lifecycle rules (supervisor/process.py): start, spawned,
// spawn error, exit, stop, kill and the timer, each a function of the step
// under construction. tend's additions (a ready check that ends STARTING, a
// failing start or liveness stop, the exponential backoff) are marked.

import { describeExit, type ExitStatus } from "../exit-codes.ts";
import {
  backOff,
  becomeRunning,
  giveUp,
  SECOND,
  STOP_REPORT_INTERVAL,
  sendStopSignal,
  sigkill,
  spawn,
  type Transition,
} from "./transition.ts";
import type { Step } from "./types.ts";

export function startRequested(t: Transition): Step {
  // STOPPED / EXITED / FATAL → STARTING; anything else is already started
  // (the control layer answers ALREADY_STARTED before asking).
  const state = t.status.state;
  if (state !== "STOPPED" && state !== "EXITED" && state !== "FATAL" && state !== "UNKNOWN")
    return t.done();
  // A start after FATAL begins a fresh count of retries (give_up reset it).
  return spawn(t.set({ backoff: 0, delay: 0 })).done();
}

export function spawned(t: Transition, pid: number): Step {
  if (t.status.state !== "STARTING") return t.done();
  const { rules } = t;
  t.set({ pid }).log("info", `spawned: '${rules.name}' with pid ${pid}`);
  // With a ready check, startsecs is the deadline for readiness (0: none).
  if (rules.readiness) {
    if (rules.startsecs === 0) return t.done();
    return t.emit({ type: "wake", at: t.status.laststart + rules.startsecs * SECOND }).done();
  }
  // STARTING → RUNNING once it has stayed up startsecs (startsecs=0: at once).
  if (rules.startsecs === 0) return stayedUp(t).done();
  return t.emit({ type: "wake", at: t.status.laststart + rules.startsecs * SECOND }).done();
}

function stayedUp(t: Transition): Transition {
  return becomeRunning(
    t,
    `process has stayed up for > than ${t.rules.startsecs} seconds (startsecs)`,
  );
}

export function spawnFailed(t: Transition, message: string): Step {
  if (t.status.state !== "STARTING") return t.done();
  // A spawn error (command not found, ...) counts against startretries.
  t.set({ spawnerr: message, pid: 0 }).log("info", `spawnerr: ${message}`);
  return backOff(t).done();
}

export function exited(t: Transition, status: ExitStatus): Step {
  const { rules, now, mood } = t;
  const { es, text } = describeExit(status);
  const expected = rules.exitcodes.includes(es);
  const tooQuickly = now - t.status.laststart < rules.startsecs * SECOND;
  const failing = t.status.failing;
  t.endedPid = t.status.pid;
  t.set({ pid: 0, laststop: now, ready: false, failing: undefined });

  // A shutdown that came while it was being stopped for a failed check: a stop like any other.
  if (t.status.killing && failing !== undefined && mood.shuttingDown) {
    t.set({ killing: false, delay: 0, exitstatus: es }).enter("STOPPED");
    return t.log(expected ? "info" : "warn", `stopped: ${rules.name} (${text})`).done();
  }
  if (t.status.killing && failing === "not-ready") {
    // tend's: not ready by its deadline, stopped, → BACKOFF as a failed start.
    t.set({ killing: false, exitstatus: undefined });
    t.set({
      spawnerr: `not ready after ${rules.startsecs} s: ${t.status.checkMessage || "no answer"}`,
    });
    return backOff(t).done();
  }
  if (t.status.killing && failing === "not-live") {
    // tend's: failed its liveness check and was stopped: an unexpected end,
    // started again unless autorestart=false (Kubernetes' restartPolicy: Never).
    const reason = `liveness check failed: ${t.status.liveMessage}`;
    t.set({ killing: false, delay: 0, exitstatus: es, spawnerr: reason });
    // as for any exit from RUNNING: a run longer than backoff_reset starts the count afresh
    if (
      rules.backoff.kind === "supervisord" ||
      now - t.status.runningSince >= rules.backoff.reset * SECOND
    )
      t.set({ backoff: 0 });
    t.enter("EXITED", false);
    if (rules.autorestart !== "false") restartOrBackOff(t);
    return t.done();
  }
  if (t.status.killing) {
    // STOPPING → STOPPED: the answer to a stop, never restarted.
    t.set({ killing: false, delay: 0, exitstatus: es }).enter("STOPPED");
    return t.log(expected ? "info" : "warn", `stopped: ${rules.name} (${text})`).done();
  }
  if (t.status.state === "STARTING" && (tooQuickly || rules.readiness !== undefined)) {
    // STARTING → BACKOFF: died before startsecs, even with an expected code
    // (and, with a ready check, before it was ever ready).
    t.set({ exitstatus: undefined, spawnerr: "Exited too quickly (process log may have details)" });
    t.log("warn", `exited: ${rules.name} (${text}; not expected)`);
    return backOff(t).done();
  }
  // RUNNING → EXITED (a STARTING whose startsecs passed unnoticed counts as RUNNING).
  t.set({ delay: 0, exitstatus: es });
  if (
    rules.backoff.kind === "supervisord" ||
    now - t.status.runningSince >= rules.backoff.reset * SECOND
  )
    t.set({ backoff: 0 });
  if (t.status.state === "STARTING") t.enter("RUNNING");
  if (expected) t.enter("EXITED", true).log("info", `exited: ${rules.name} (${text}; expected)`);
  else {
    t.set({ spawnerr: `Bad exit code ${es}` }).enter("EXITED", false);
    t.log("warn", `exited: ${rules.name} (${text}; not expected)`);
  }
  // EXITED → STARTING at once, per autorestart (never once shutdown has begun).
  const restart =
    !mood.shuttingDown &&
    (rules.autorestart === "true" || (rules.autorestart === "unexpected" && !expected));
  if (restart) restartOrBackOff(t);
  return t.done();
}

/**
 * EXITED → STARTING at once (supervisord), or, with backoff=exponential and
 * an exit sooner than backoff_reset after RUNNING began, → BACKOFF: a
 * program that crashes after startsecs does not restart in a tight loop.
 */
function restartOrBackOff(t: Transition): Transition {
  const { rules, now, mood } = t;
  if (mood.shuttingDown) return t;
  const early =
    rules.backoff.kind === "exponential" &&
    now - t.status.runningSince < rules.backoff.reset * SECOND;
  if (!early) return spawn(t, true);
  return backOff(t);
}

export function stopRequested(t: Transition, shutdown: boolean): Step {
  switch (t.status.state) {
    case "BACKOFF":
      // BACKOFF → STOPPED at once, without waiting through the retries;
      // at shutdown supervisord gives up instead (BACKOFF → FATAL).
      if (shutdown) return giveUp(t, false).done();
      return t.set({ delay: 0 }).enter("STOPPED").done();
    case "STARTING":
      // Waiting for its dependencies: nothing runs, so it stops at once
      // (and now is when it stopped, as its description says).
      if (t.status.waiting)
        return t.set({ waiting: undefined, delay: 0, laststop: t.now }).enter("STOPPED").done();
      return sendStopSignal(t.set({ failing: undefined })).done();
    case "RUNNING":
      return sendStopSignal(t.set({ failing: undefined })).done();
    case "STOPPING":
      // Being stopped for a failed check: a requested stop makes it end STOPPED, not retried.
      if (t.status.failing !== undefined) return t.set({ failing: undefined }).done();
      return t.done();
    default:
      return t.done();
  }
}

export function killNow(t: Transition): Step {
  if (
    t.status.pid === 0 ||
    (t.status.state !== "STOPPING" && t.status.state !== "RUNNING" && t.status.state !== "STARTING")
  ) {
    return t.done();
  }
  if (t.status.state !== "STOPPING")
    t.set({ killing: true, laststopreport: t.now }).enter("STOPPING");
  return sigkill(t).done();
}

/**
 * STOPPING → UNKNOWN: a stop whose signal could not be sent (supervisord's
 * kill() on an unexpected error). The process is no longer being stopped;
 * whoever asked for the stop hears that it failed.
 */
export function killFailed(t: Transition, message: string): Step {
  if (t.status.state !== "STOPPING") return t.done();
  t.log("critical", `unknown problem killing ${t.rules.name} (${t.status.pid}): ${message}`);
  return t.set({ killing: false, delay: 0, failing: undefined }).enter("UNKNOWN").done();
}

export function tick(t: Transition): Step {
  const { rules, now, mood } = t;
  const s = t.status;
  switch (s.state) {
    case "BACKOFF":
      // BACKOFF → STARTING once the retry's wait has passed.
      if (s.backoff <= rules.startretries && now >= s.delay) return spawn(t, true).done();
      return t.done();
    case "STARTING":
      if (s.waiting) return dependencyDeadline(t);
      if (s.pid === 0 || now - s.laststart < rules.startsecs * SECOND) return t.done();
      if (!rules.readiness) return stayedUp(t).done();
      // startsecs=0 with a ready check: no deadline (a stale wake, e.g. depends_timeout's, does nothing)
      if (rules.startsecs === 0) return t.done();
      // tend's: not ready by startsecs is a failed start; it is stopped first.
      t.log(
        "warn",
        `not ready: ${rules.name} is not ready after ${rules.startsecs} s (${s.checkMessage || "no answer yet"}); stopping it`,
      );
      return sendStopSignal(t.set({ failing: "not-ready" })).done();
    case "STOPPING":
      if (now >= s.delay) return sigkill(t).done();
      // An administrative stop reports progress per process every 2 s; at
      // shutdown the supervisor reports all the unstopped ones together.
      // At shutdown the supervisor reports them together; the time moves on all the same,
      // or the next wake would be in the past (a busy loop until stopwaitsecs).
      if (now - s.laststopreport >= STOP_REPORT_INTERVAL) {
        t.set({ laststopreport: now });
        if (!mood.shuttingDown) t.log("info", `waiting for ${rules.name} to stop`);
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

/** A wait for dependencies past depends_timeout: FATAL. */
function dependencyDeadline(t: Transition): Step {
  const { rules, now } = t;
  const waiting = t.status.waiting;
  if (!waiting || rules.dependsTimeout === 0) return t.done();
  const due = waiting.since + rules.dependsTimeout * SECOND;
  // Early (a depends_timeout made longer by an update, or set where there was none): wait on.
  if (now < due) return t.emit({ type: "wake", at: due }).done();
  const what = waiting.name === "" ? "its dependencies" : `dependency ${waiting.name}`;
  const message = `${what} not ${waiting.condition || "met"} after ${rules.dependsTimeout} s`;
  t.set({ spawnerr: message });
  return giveUp(t, true, message).done();
}
