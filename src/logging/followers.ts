// Who follows a log as it grows: the dashboard's open log views. A log's
// reader tells them after each write (and when it is cleared), so a view
// sends new lines as they arrive instead of looking for them on a timer;
// with nobody following, a write costs one check of an empty set.

import type { LogReader } from "./log-reader.ts";

export type Follower = (cleared: boolean) => void;

export class Followers {
  private readonly listeners = new Set<Follower>();

  /** Returns the unfollow. */
  add(listener: Follower): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }

  /** New bytes are in the log; `cleared` when it was emptied on request (not rotated). */
  tell(cleared = false): void {
    if (this.listeners.size === 0) return;
    for (const listener of [...this.listeners]) listener(cleared);
  }
}

/**
 * Resolves once `log` holds other than `seen` bytes (false), is cleared
 * (true), or `gone` aborts (false): at once when one of them holds already.
 * A reader without followers is looked at again every `pollMs`.
 */
export function nextWrite(
  log: LogReader,
  seen: number,
  gone: AbortSignal,
  pollMs = 100,
): Promise<boolean> {
  return new Promise((resolve) => {
    if (gone.aborted || log.size() !== seen) {
      resolve(false);
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    let unfollow = () => {};
    const done = (cleared: boolean) => {
      unfollow();
      if (timer !== undefined) clearTimeout(timer);
      gone.removeEventListener("abort", aborted);
      resolve(cleared);
    };
    const aborted = () => done(false);
    gone.addEventListener("abort", aborted, { once: true });
    const followers = log.followers;
    if (followers) unfollow = followers.add((cleared) => done(cleared));
    else {
      const look = () => (log.size() !== seen ? done(false) : (timer = setTimeout(look, pollMs)));
      timer = setTimeout(look, pollMs);
    }
  });
}
