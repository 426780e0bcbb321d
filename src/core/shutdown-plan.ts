// How long a shutdown may take at worst, pure: the steps of stopLevels
// (a process stops only after everything that depends on it has stopped,
// then by descending priority, equal priorities together), each step as
// long as its slowest process may take: its stopwaitsecs, then SIGKILL.
// The steps run one after another, after shutdown_delay (the programs keep
// running that long after the signal), so the worst case is the delay plus
// the steps' sum. Used by
// `tend check` to compare a config with docker stop's grace period.

import { type StopNode, stopLevels } from "./dependencies.ts";

export interface TimedStopNode<T> extends StopNode<T> {
  /** Seconds from its stop signal to SIGKILL. */
  readonly stopwaitsecs: number;
}

export interface ShutdownStep<T> {
  /** Stopped together, in the order given. */
  readonly items: readonly T[];
  readonly priority: number;
  /** At worst: the largest stopwaitsecs of the step. */
  readonly seconds: number;
  /** The dependents of its items, stopped in earlier steps: what it waits for besides priority. */
  readonly after: readonly T[];
}

export interface ShutdownPlan<T> {
  /** First to last. */
  readonly steps: readonly ShutdownStep<T>[];
  /** shutdown_delay: seconds the programs keep running before the first step. */
  readonly delay: number;
  /** At worst: the delay and the sum of the steps. */
  readonly seconds: number;
}

export function worstCaseShutdown<T>(
  nodes: readonly TimedStopNode<T>[],
  delay = 0,
): ShutdownPlan<T> {
  const byItem = new Map(nodes.map((node) => [node.item, node]));
  const steps = stopLevels(nodes).map((items): ShutdownStep<T> => {
    const members = items.map((item) => byItem.get(item) as TimedStopNode<T>);
    const after = new Set(members.flatMap((node) => node.dependents));
    for (const item of items) after.delete(item);
    return {
      items,
      priority: members[0]?.priority ?? 0,
      seconds: Math.max(0, ...members.map((node) => node.stopwaitsecs)),
      after: [...after],
    };
  });
  return { steps, delay, seconds: steps.reduce((sum, step) => sum + step.seconds, delay) };
}
