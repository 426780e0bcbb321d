// tend's rules beyond supervisord's, for one process: what a ready or live
// check's result does (Kubernetes' meanings, kept apart: readiness never
// stops anything; liveness restarts), and where its dependencies stand.

import { becomeRunning, giveUp, launch, sendStopSignal, type Transition } from "./transition.ts";
import type { DependencyOutcome, Step } from "./types.ts";

export function readyResult(t: Transition, ok: boolean, message: string): Step {
  const { rules } = t;
  const readiness = rules.readiness;
  const s = t.status;
  if (s.pid === 0) return t.done();
  if (!readiness) {
    // Its ready check was taken away by an update: RUNNING is ready.
    if (s.state === "RUNNING" && !s.ready)
      t.set({ ready: true }).emit({ type: "readiness", ready: true });
    return t.done();
  }
  const streak = ok ? Math.max(0, s.readyStreak) + 1 : Math.min(0, s.readyStreak) - 1;
  t.set({ readyStreak: streak, checkMessage: ok ? "" : message });
  if (s.state === "STARTING") {
    // STARTING → RUNNING at once, ready, when the check first passes (enough times).
    if (ok && streak >= readiness.successThreshold)
      becomeRunning(t, `ready (${readiness.description})`);
    return t.done();
  }
  if (s.state !== "RUNNING") return t.done();
  if (ok && !s.ready && streak >= readiness.successThreshold) {
    t.set({ ready: true }).log(
      "info",
      `ready: ${rules.name} is ready again (${readiness.description})`,
    );
    t.emit({ type: "readiness", ready: true });
  } else if (!ok && s.ready && -streak >= readiness.failureThreshold) {
    // Not ready any more; it keeps running (readiness never restarts).
    t.set({ ready: false }).log("warn", `not ready: ${rules.name}: ${message}`);
    t.emit({ type: "readiness", ready: false });
  }
  return t.done();
}

export function liveResult(t: Transition, ok: boolean, message: string): Step {
  const { rules } = t;
  const liveness = rules.liveness;
  const s = t.status;
  if (!liveness || s.state !== "RUNNING" || s.pid === 0) return t.done();
  if (ok) return t.set({ liveFailures: 0, liveMessage: "" }).done();
  const failures = s.liveFailures + 1;
  t.set({ liveFailures: failures, liveMessage: message });
  if (failures < liveness.failureThreshold) return t.done();
  // RUNNING → STOPPING, then started again through the restart policy.
  t.log(
    "warn",
    `unhealthy: ${rules.name} failed its liveness check ${failures} times in a row (${liveness.description}: ${message}); restarting it`,
  );
  return sendStopSignal(t.set({ failing: "not-live", liveFailures: 0 })).done();
}

/** A waiting program: met → spawned; still waiting → what for; failed → FATAL. */
export function dependenciesChanged(t: Transition, outcome: DependencyOutcome): Step {
  const waiting = t.status.waiting;
  if (t.status.state !== "STARTING" || !waiting) return t.done();
  switch (outcome.kind) {
    case "met":
      return launch(t).done();
    case "waiting":
      return t
        .set({ waiting: { ...waiting, name: outcome.name, condition: outcome.condition } })
        .done();
    case "failed": {
      const why = `dependency ${outcome.name} failed`;
      t.set({ spawnerr: why });
      return giveUp(t, true, why).done();
    }
  }
}
