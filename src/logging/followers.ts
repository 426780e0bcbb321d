// Who follows a log as it grows: the dashboard's open log views and
// /logtail streams. A log's reader tells them of each write, of a clear, of
// a rotation (with how much the file held when it was set aside, so a view
// can say what it did not get to show) and of its end (its process left
// tend), so a view sends new lines as they arrive instead of looking for
// them on a timer; with nobody following, a write costs one check of an empty set.

import type { LogReader } from "./log-reader.ts";

export type LogChange =
  | { readonly kind: "written" }
  | { readonly kind: "cleared" }
  /** The file was set aside at `size` bytes; the log goes on in a new one from 0. */
  | { readonly kind: "rotated"; readonly size: number }
  /** Nothing more will be written to this reader. */
  | { readonly kind: "ended" };

export type Follower = (change: LogChange) => void;

const WRITTEN: LogChange = { kind: "written" };

export class Followers {
  private readonly listeners = new Set<Follower>();
  /** Counts clears and rotations: a position in the log means something only within one epoch. */
  epoch = 0;

  /** Returns the unfollow. */
  add(listener: Follower): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }

  tell(change: LogChange = WRITTEN): void {
    if (change.kind === "cleared" || change.kind === "rotated") this.epoch++;
    if (this.listeners.size === 0) return;
    for (const listener of [...this.listeners]) listener(change);
  }
}

/**
 * Resolves once `log` holds other than `seen` bytes, or has changed in any
 * other way (cleared, rotated, ended), or `gone` aborts: at once when the
 * size already differs.
 */
export function nextWrite(log: LogReader, seen: number, gone: AbortSignal): Promise<LogChange> {
  return new Promise((resolve) => {
    if (gone.aborted || log.size() !== seen) {
      resolve(WRITTEN);
      return;
    }
    const done = (change: LogChange) => {
      unfollow();
      gone.removeEventListener("abort", aborted);
      resolve(change);
    };
    const aborted = () => done(WRITTEN);
    gone.addEventListener("abort", aborted, { once: true });
    const unfollow = log.followers.add(done);
  });
}
