// Waiting inside a method (start/stop with wait=true, tend.wait): a check
// evaluated now and after every change of state the supervisor reports,
// never on a timer of its own; given up when the client goes away, so an
// abandoned call leaves no listener behind.

import type { CallContext } from "./registry.ts";

export interface Until {
  /** Calls `listener` after any change of state; returns the unsubscribe. */
  readonly onChange: (listener: () => void) => () => void;
  /** Milliseconds until the wait gives up and resolves `undefined`. */
  readonly ms?: number | undefined;
  readonly context: CallContext;
}

/**
 * Resolves `true` when `check` returns true, rejects when it throws; with
 * `ms`, resolves undefined at the deadline; also resolves undefined once the
 * client is gone (nobody hears the answer).
 */
export function until<T = true | undefined>(
  check: () => true | undefined,
  { onChange, ms, context }: Until,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let unsubscribe: () => void = () => {};
    const gone = context.signal;
    const abandon = () => finish(() => resolve(undefined as T));
    const finish = (settle: () => void) => {
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
      gone?.removeEventListener("abort", abandon);
      settle();
    };
    const evaluate = (): boolean => {
      try {
        if (check() === true) {
          finish(() => resolve(true as T));
          return true;
        }
      } catch (error) {
        finish(() => reject(error));
        return true;
      }
      return false;
    };
    if (evaluate()) return;
    if (gone?.aborted) {
      resolve(undefined as T);
      return;
    }
    unsubscribe = onChange(() => void evaluate());
    gone?.addEventListener("abort", abandon, { once: true });
    if (ms !== undefined) timer = setTimeout(() => finish(() => resolve(undefined as T)), ms);
  });
}
