// The dashboard's live process table: one feed shared by every open page.
// It watches tend only while a page is open (an idle tend with the UI on
// costs nothing), reads the table through the command layer after each
// change — changes that come together are read once — and sends each page
// the rows that differ. Every event has an id; a page that reconnects with
// the last id it saw gets the events it missed, replayed from a short
// journal, or a fresh snapshot when they are no longer all there.

import type {
  DashboardChange,
  DashboardProcess,
  DashboardSnapshot,
  DashboardTend,
} from "../protocol/dashboard.ts";

/** The table as the command layer has it, without the page's own settings. */
export interface FeedTable {
  readonly now: number;
  readonly tend: Omit<DashboardTend, "readonly">;
  readonly processes: readonly DashboardProcess[];
}

export interface FeedSource {
  read(): Promise<FeedTable>;
  /** Calls back after any change; returns the unsubscribe. */
  watch(changed: () => void): () => void;
}

export type FeedEvent =
  | { readonly id: string; readonly type: "snapshot"; readonly data: DashboardSnapshot }
  | { readonly id: string; readonly type: "change"; readonly data: DashboardChange };

/** How many change events a reconnecting page can catch up on. */
export const JOURNAL_EVENTS = 256;

type Send = (event: FeedEvent) => void;

export class DashboardFeed {
  private readonly pages = new Set<Send>();
  private unwatch: (() => void) | undefined;
  /** Names the run of watching the ids belong to: ids of an earlier run never resume. */
  private run = "";
  private runs = 0;
  private seq = 0;
  private readonly journal: FeedEvent[] = [];
  /** Each process's row as last sent, and tend's line. */
  private rows = new Map<string, string>();
  private tendLine = "";
  private reading: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly source: FeedSource,
    private readonly readonly: boolean,
  ) {}

  /** How many pages follow the feed. */
  get followers(): number {
    return this.pages.size;
  }

  /**
   * A page begins to follow: the changes since `lastId` when the journal
   * still has them all, else a snapshot; then each change. Returns the unsubscribe.
   */
  async follow(send: Send, lastId?: string): Promise<() => void> {
    const first = this.pages.size === 0;
    // Changes found while the snapshot is read reach this page too (twice is harmless).
    this.pages.add(send);
    const leave = () => this.leave(send);
    if (first) {
      this.run = `${Date.now().toString(36)}.${++this.runs}`;
      this.seq = 0;
      this.journal.length = 0;
      this.unwatch = this.source.watch(() => this.changed());
      const table = await this.source.read();
      this.remember(table);
      send(this.snapshotOf(table));
      return leave;
    }
    const missed = this.missedSince(lastId);
    if (missed !== undefined) {
      for (const event of missed) send(event);
      return leave;
    }
    send(this.snapshotOf(await this.source.read()));
    return leave;
  }

  private leave(send: Send): void {
    if (!this.pages.delete(send) || this.pages.size > 0) return;
    this.unwatch?.();
    this.unwatch = undefined;
    this.rows = new Map();
    this.tendLine = "";
  }

  /** The journal's events after `lastId`, or undefined when some are gone (or the id is of another run). */
  private missedSince(lastId: string | undefined): FeedEvent[] | undefined {
    if (lastId === undefined) return undefined;
    const dot = lastId.lastIndexOf("-");
    if (lastId.slice(0, dot) !== this.run) return undefined;
    const seen = Number(lastId.slice(dot + 1));
    if (!Number.isInteger(seen) || seen > this.seq) return undefined;
    const oldest = this.journal[0] === undefined ? this.seq + 1 : seqOf(this.journal[0].id);
    if (seen + 1 < oldest) return undefined;
    return this.journal.filter((event) => seqOf(event.id) > seen);
  }

  /** Changes that come together are read once, after the current step. */
  private changed(): void {
    if (this.reading !== undefined) {
      this.again = true;
      return;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        await Promise.resolve(); // let the step that told us finish
        if (this.pages.size === 0) break;
        this.publish(await this.source.read());
      } while (this.again);
    })()
      .catch(() => {})
      .finally(() => {
        this.reading = undefined;
      });
  }

  private publish(table: FeedTable): void {
    const tend = this.tendOf(table.tend);
    const tendLine = JSON.stringify(tend);
    const rows = new Map<string, string>();
    const processes: DashboardProcess[] = [];
    for (const row of table.processes) {
      const line = JSON.stringify(row);
      rows.set(row.namespec, line);
      if (this.rows.get(row.namespec) !== line) processes.push(row);
    }
    const removed = [...this.rows.keys()].filter((name) => !rows.has(name));
    const tendChanged = tendLine !== this.tendLine;
    this.rows = rows;
    this.tendLine = tendLine;
    if (processes.length === 0 && removed.length === 0 && !tendChanged) return;
    const data: DashboardChange = {
      now: table.now,
      ...(tendChanged ? { tend } : {}),
      processes,
      removed,
    };
    const event: FeedEvent = { id: `${this.run}-${++this.seq}`, type: "change", data };
    this.journal.push(event);
    if (this.journal.length > JOURNAL_EVENTS) this.journal.shift();
    for (const send of [...this.pages]) send(event);
  }

  private remember(table: FeedTable): void {
    this.rows = new Map(table.processes.map((row) => [row.namespec, JSON.stringify(row)]));
    this.tendLine = JSON.stringify(this.tendOf(table.tend));
  }

  private snapshotOf(table: FeedTable): FeedEvent {
    return {
      id: `${this.run}-${this.seq}`,
      type: "snapshot",
      data: { now: table.now, tend: this.tendOf(table.tend), processes: table.processes },
    };
  }

  private tendOf(tend: FeedTable["tend"]): DashboardTend {
    return { ...tend, readonly: this.readonly };
  }
}

function seqOf(id: string): number {
  return Number(id.slice(id.lastIndexOf("-") + 1));
}

/** An event as a server-sent event: its id, type and JSON on one data line. */
export function encodeEvent(event: { id?: string; type: string; data: unknown }): string {
  const id = event.id === undefined ? "" : `id: ${event.id}\n`;
  return `${id}event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}
