// What the fuzzers share: their options (--seed N, --seconds S, --replay
// DIR), seeded randomness (mulberry32) and a promise with a deadline.

/** The value after `--name` on the command line. */
export const option = (name: string): string | undefined => {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : process.argv[at + 1];
};

export interface Random {
  /** In [0, 1). */
  random(): number;
  /** In [0, n). */
  int(n: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  bytes(n: number): Buffer;
}

/** mulberry32: small, seeded, good enough to pick cases. */
export function seeded(seed: number): Random {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(random() * n);
  return {
    random,
    int,
    chance: (p) => random() < p,
    pick: <T>(items: readonly T[]) => items[int(items.length)] as T,
    bytes: (n) => Buffer.from(Array.from({ length: n }, () => int(256))),
  };
}

/** The promise's value, or undefined once `ms` have passed or it failed. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([promise.catch(() => undefined), Bun.sleep(ms).then(() => undefined)]);
}
