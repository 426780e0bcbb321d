// The live state of tend and its processes, kept from ui/events: a snapshot
// replaces every row, a change merges rows and drops removed ones. Also the
// server's clock: each event's `now` against the page's, so uptimes and
// countdowns can tick on the page without asking again.

import type {
  DashboardChange,
  DashboardProcess,
  DashboardSnapshot,
  DashboardTend,
} from "../protocol/dashboard.ts";
import { openStream, parseEvent, type Stream } from "./stream.ts";

export interface FeedUpdate {
  /** A snapshot: every row may have changed. */
  readonly full: boolean;
  /** Namespecs of rows new or changed. */
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

export class Feed {
  tend: DashboardTend | undefined;
  /** The rows in the server's order (a new process goes at the end until the next snapshot). */
  readonly rows = new Map<string, DashboardProcess>();
  /** Server clock minus page clock, in ms, as of the last event. */
  private skew = 0;
  private stream: Stream | undefined;

  constructor(
    private readonly onUpdate: (update: FeedUpdate) => void,
    private readonly onConnection: (live: boolean) => void,
  ) {}

  start(): void {
    this.stream = openStream(
      "ui/events",
      {
        snapshot: (data) => {
          const snapshot = parseEvent<DashboardSnapshot>("snapshot", data);
          if (snapshot !== undefined) this.snapshot(snapshot);
        },
        change: (data) => {
          const change = parseEvent<DashboardChange>("change", data);
          if (change !== undefined) this.change(change);
        },
      },
      this.onConnection,
    );
  }

  stop(): void {
    this.stream?.close();
  }

  /** The server's clock now, by the page's clock and the last known skew. */
  now(): number {
    return Date.now() + this.skew;
  }

  private snapshot(snapshot: DashboardSnapshot): void {
    this.skew = snapshot.now - Date.now();
    this.tend = snapshot.tend;
    const removed = [...this.rows.keys()].filter(
      (name) => !snapshot.processes.some((row) => row.namespec === name),
    );
    this.rows.clear();
    for (const row of snapshot.processes) this.rows.set(row.namespec, row);
    this.onUpdate({ full: true, changed: [...this.rows.keys()], removed });
  }

  private change(change: DashboardChange): void {
    this.skew = change.now - Date.now();
    if (change.tend !== undefined) this.tend = change.tend;
    for (const name of change.removed) this.rows.delete(name);
    for (const row of change.processes) this.rows.set(row.namespec, row);
    this.onUpdate({
      full: false,
      changed: change.processes.map((row) => row.namespec),
      removed: change.removed,
    });
  }
}
