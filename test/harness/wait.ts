// Waiting is for a condition, with a deadline: never a bare sleep.

/** Polls `probe` until it returns something other than undefined/false; fails after `ms`. */
export async function waitFor<T>(
  probe: () => T | undefined | false,
  what: string,
  ms = 10_000,
  pollMs = 10,
): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(pollMs);
  }
}

/** Whether `condition` comes to hold within `ms` (for a test that asserts on the answer). */
export async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await Bun.sleep(10);
  }
  return true;
}

/** waitFor for async probes; a probe that throws counts as "not yet". */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  ms = 10_000,
  pollMs = 25,
): Promise<T> {
  const deadline = performance.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : "";
      throw new Error(`timed out after ${ms} ms waiting for ${what}${why}`);
    }
    await Bun.sleep(pollMs);
  }
}

/** `promise`, or a failure naming `what` once `ms` have passed. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
