// Shutdown order: a process stops only after every process that depends on
// it has stopped; beyond that, highest group priority first, every process
// whose group has the same priority stopping together; the next level
// begins only when all of the last are down. BACKOFF gives up (FATAL).

import type { Engine } from "./engine.ts";
import type { TimerHandle, Timers } from "./ports.ts";

/** How often the names of the processes not yet down are reported (supervisord: 3 s). */
const REPORT_INTERVAL_MS = 3000;

/**
 * Stops everything, dependents first, then by priority. `report` hears the names of the
 * processes not yet down, at once and every 3 s, as supervisord's
 * `waiting for a, b to die`.
 */
export async function stopInOrder(
  engine: Engine,
  timers: Timers,
  report: (names: string[]) => void,
): Promise<void> {
  const priorities = new Map(
    engine.groups.map((group) => [group.config.name, group.config.priority]),
  );
  const buckets = engine.dependencies.stopOrder(
    engine.slots,
    (slot) => priorities.get(slot.config.group) ?? 999,
  );
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
