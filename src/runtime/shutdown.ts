// Shutdown order (SPEC section 6): highest priority number first; every
// process whose group has the same priority stops together; the next lower
// priority begins only when all of those are down. BACKOFF gives up (FATAL).

import type { Engine, Slot } from "./engine.ts";

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

export async function stopInPriorityOrder(engine: Engine): Promise<void> {
  const priorities = new Map(engine.config.groups.map((group) => [group.name, group.priority]));
  const buckets = stopBuckets(engine.slots, (slot) => priorities.get(slot.config.group) ?? 999);
  for (const bucket of buckets) {
    for (const slot of bucket) engine.dispatch(slot, { type: "shutdown" });
    await allStopped(engine, bucket);
  }
  // A process may have been restarted by nothing, but be still exiting.
  await allStopped(engine, engine.slots);
}

function allStopped(engine: Engine, slots: readonly Slot[]): Promise<void> {
  const done = () => slots.every((slot) => engine.isStopped(slot));
  if (done()) return Promise.resolve();
  return new Promise((resolve) => {
    const unsubscribe = engine.onStateChange(() => {
      if (done()) {
        unsubscribe();
        resolve();
      }
    });
  });
}
