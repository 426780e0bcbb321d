// Who follows a log as it grows: the dashboard's open log views. A log's
// reader tells them after each write (and when it is cleared), so a view
// sends new lines as they arrive instead of looking for them on a timer;
// with nobody following, a write costs one check of an empty set.

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
