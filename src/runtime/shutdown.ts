// Shutdown order: highest priority number first; every
// process whose group has the same priority stops together; the next lower
// priority begins only when all of those are down. BACKOFF gives up (FATAL).

import type { Engine, Slot } from "./engine.ts";
import type { TimerHandle, Timers } from "./ports.ts";

/** Slots grouped by their group's priority, highest first. */
export function stopBuckets(
  slots: readonly Slot[],
  groupPriority: (slot: Slot) => number,
): Slot[][] {
  const byPriority = new Map<number, Slot[]>();
  for (const slot of slots) {
    const priority = groupPriority(slot);
    byPriority.set(priority, [...(byPriority.get(priority) ?? []), slot]);
  }
  return [...byPriority.entries()].sort(([a], [b]) => b - a).map(([, bucket]) => bucket);
}

/** How often the names of the processes not yet down are reported (supervisord: 3 s). */
const REPORT_INTERVAL_MS = 3000;

/**
 * Stops everything in priority order. `report` hears the names of the
 * processes not yet down, at once and every 3 s, as supervisord's
 * `waiting for a, b to die`.
 */
export async function stopInPriorityOrder(
  engine: Engine,
  timers: Timers,
  report: (names: string[]) => void,
): Promise<void> {
  const priorities = new Map(
    engine.groups.map((group) => [group.config.name, group.config.priority]),
  );
  const buckets = stopBuckets(engine.slots, (slot) => priorities.get(slot.config.group) ?? 999);
  const reportUnstopped = () => {
    const names = engine.slots
      .filter((slot) => !engine.isStopped(slot))
      .map((slot) => slot.config.name);
    if (names.length > 0) report(names);
  };
  let reporter: TimerHandle | undefined;
  const reportEvery = () => {
    reportUnstopped();
    reporter = timers.set(reportEvery, REPORT_INTERVAL_MS);
  };
  try {
    for (const [index, bucket] of buckets.entries()) {
      for (const slot of bucket) engine.dispatch(slot, { type: "shutdown" });
      if (index === 0) reportEvery();
      await engine.until(() => bucket.every((slot) => engine.isStopped(slot)));
    }
    // Every process is down or on its way; wait for the last exits.
    await engine.until(() => engine.slots.every((slot) => engine.isStopped(slot)));
  } finally {
    if (reporter !== undefined) timers.clear(reporter);
  }
}
