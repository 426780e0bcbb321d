// Whether a process counts as ready for `tend ctl wait` (and the health
// endpoints): RUNNING and ready, or done (EXITED with an expected code and
// not to be restarted). A one-shot — a program others wait for with `:done`
// or `:exited` — counts only once done: while it runs, it is not. One that cannot get ready by
// itself (FATAL, or ended for good with an unexpected code) is hopeless: a
// wait for it answers at once. The reason is what a user reads when it is late.

import { resolveTarget } from "../config/dependencies.ts";
import type { ControlledProcess } from "./supervisor.ts";

export interface Readiness {
  readonly ready: boolean;
  /** It will not get ready unless someone starts it again. */
  readonly hopeless: boolean;
  /** Why it is not ready, short: `not ready: connection refused`, `FATAL: Exited too quickly`. */
  readonly reason: string;
}

/**
 * How a one-shot is waited for: `done` (ended with an expected code) when
 * anyone waits with `:done`, `exited` (ended at all) when all wait with `:exited`.
 */
export type OneShot = "done" | "exited";

/**
 * The one-shots among `processes`: those a process waits for with `:done`
 * or `:exited` (targets resolved as depends_on resolves them).
 */
export function oneShotsAmong<P extends ControlledProcess>(
  processes: readonly P[],
): Map<P, OneShot> {
  const groups = membersByGroup(processes);
  const oneShots = new Map<P, OneShot>();
  for (const process of processes)
    for (const { target, condition } of process.config.depends_on)
      if (condition === "done" || condition === "exited")
        for (const found of resolveTarget(target, groups, (p) => p.config))
          if (oneShots.get(found) !== "done") oneShots.set(found, condition);
  return oneShots;
}

/** The processes by group, as depends_on targets are resolved among them. */
export function membersByGroup<P extends ControlledProcess>(
  processes: readonly P[],
): { name: string; members: P[] }[] {
  const byGroup = new Map<string, P[]>();
  for (const process of processes) {
    const members = byGroup.get(process.config.group);
    if (members) members.push(process);
    else byGroup.set(process.config.group, [process]);
  }
  return [...byGroup].map(([name, members]) => ({ name, members }));
}

export function readinessOf(process: ControlledProcess, oneShot?: OneShot): Readiness {
  const { status, config } = process;
  const late = (reason: string, hopeless = false): Readiness => ({
    ready: false,
    hopeless,
    reason,
  });
  switch (status.state) {
    case "RUNNING":
      if (oneShot !== undefined) return late("running, not done yet");
      if (status.ready) return { ready: true, hopeless: false, reason: "" };
      return late(`not ready: ${status.checkMessage || "its check has not passed"}`);
    case "STARTING":
      if (status.waiting) {
        const { name, condition } = status.waiting;
        return late(
          name === "" ? "waiting for its dependencies" : `waiting for ${name} (${condition})`,
        );
      }
      if (config.ready_check)
        return late(`starting, not ready: ${status.checkMessage || "no answer yet"}`);
      return late("starting");
    case "EXITED": {
      const expected =
        status.exitstatus !== undefined && config.exitcodes.includes(status.exitstatus);
      const restarts =
        config.autorestart === "true" || (config.autorestart === "unexpected" && !expected);
      // Waited for with `:exited` alone, any end for good is what was waited for.
      if ((expected || oneShot === "exited") && !restarts)
        return { ready: true, hopeless: false, reason: "" };
      return late(`exited with status ${status.exitstatus ?? 0}`, !restarts);
    }
    case "FATAL":
      return late(`FATAL: ${status.spawnerr || "it gave up"}`, true);
    case "BACKOFF":
      return late(`BACKOFF: ${status.spawnerr || "it failed to start"}`);
    case "STOPPED":
      return late(status.laststart === 0 ? "not started" : "stopped");
    default:
      return late(status.state.toLowerCase());
  }
}
