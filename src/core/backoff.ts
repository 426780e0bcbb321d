// How long a program waits before its next try after failing: supervisord's
// linear rule (the n-th retry after n seconds), or tend's exponential one
// (initial × multiplier^(n-1), at most max, spread by ± jitter). Pure: the
// random number is an argument.

export type BackoffPolicy =
  | { readonly kind: "supervisord" }
  | {
      readonly kind: "exponential";
      /** Seconds before the first retry. */
      readonly initial: number;
      readonly multiplier: number;
      /** Seconds, the longest wait. */
      readonly max: number;
      /** A fraction: the wait is spread by up to ± this much of itself. */
      readonly jitter: number;
      /** Seconds of RUNNING after which the count of failures starts again. */
      readonly reset: number;
    };

export const SUPERVISORD_BACKOFF: BackoffPolicy = { kind: "supervisord" };

/** The wait before the n-th consecutive retry (n ≥ 1), in ms; `random` in [0, 1). */
export function retryDelay(policy: BackoffPolicy, n: number, random: number): number {
  if (policy.kind === "supervisord") return n * 1000;
  const base = Math.min(policy.initial * policy.multiplier ** Math.max(0, n - 1), policy.max);
  const spread = base * policy.jitter * (2 * random - 1);
  return Math.max(0, Math.round((base + spread) * 1000));
}
