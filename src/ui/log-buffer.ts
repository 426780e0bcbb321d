// The lines a log view holds: text that arrives in pieces becomes lines (the
// last unfinished one continued by the next piece), at most `cap` of them
// (the oldest dropped), of which the first `shown` are on screen and the
// rest held while the view is paused. Pure: the view owns the elements and
// hangs them on the entries.

import { PLAIN, parseAnsi, plainText, type Segment, type SgrState } from "./ansi.ts";
import { formatSkipped } from "./format.ts";

export interface LogEntry<N> {
  /** A line of the log, or a note of ours (`4096 bytes skipped`). */
  readonly kind: "line" | "note";
  /** The line as it came, escapes and all. */
  readonly raw: string;
  readonly segments: readonly Segment[];
  /** Its text without escapes, for the filter. */
  readonly plain: string;
  /** The style in force where it starts (a colour may run on from the line before). */
  readonly start: SgrState;
  /** No newline yet: the next piece continues it. */
  open: boolean;
  /** The view's element, once shown. */
  node?: N;
}

/** What an append did that the view must mirror. */
export interface AppendResult<N> {
  /** Entries gone (dropped as the oldest, or an open line about to be continued). */
  readonly removed: readonly LogEntry<N>[];
  /** An entry that continues a line already on screen: it kept its element, to be redrawn. */
  readonly updated?: LogEntry<N>;
}

/** Splits text into lines on `\n` (a `\r\n` counts as one); `open` when the last one has no newline. */
export function splitLines(text: string): { lines: string[]; open: boolean } {
  const lines = text.split("\n");
  const open = lines[lines.length - 1] !== "";
  if (!open) lines.pop();
  return {
    lines: lines.map((line, i) =>
      line.endsWith("\r") && (i < lines.length - 1 || !open) ? line.slice(0, -1) : line,
    ),
    open,
  };
}

export class LogBuffer<N> {
  entries: LogEntry<N>[] = [];
  /** entries[0, shown) are on screen. */
  shown = 0;
  private end: SgrState = PLAIN;

  constructor(readonly cap: number) {}

  /** Lines waiting for the view to resume. */
  get held(): number {
    return this.entries.length - this.shown;
  }

  /** Empties the buffer; returns what was in it. */
  clear(): LogEntry<N>[] {
    const removed = this.entries;
    this.entries = [];
    this.shown = 0;
    this.end = PLAIN;
    return removed;
  }

  /** Adds text; `skipped` bytes were lost before it (they end an unfinished line). */
  append(text: string, skipped = 0): AppendResult<N> {
    let prefix = "";
    let start = this.end;
    let reused: N | undefined;
    const last = this.entries[this.entries.length - 1];
    if (skipped > 0) {
      if (last !== undefined) last.open = false;
      this.push(note(formatSkipped(skipped), this.end));
    } else if (last?.open) {
      this.entries.pop();
      prefix = last.raw;
      start = last.start;
      reused = last.node;
      if (reused !== undefined) this.shown -= 1;
    }
    const firstNew = this.entries.length;
    const { lines, open } = splitLines(prefix + text);
    for (const [i, raw] of lines.entries()) {
      const { segments, end } = parseAnsi(raw, start);
      this.push({
        kind: "line",
        raw,
        segments,
        plain: plainText(segments),
        start,
        open: open && i === lines.length - 1,
      });
      start = end;
    }
    this.end = start;
    // An open line continued keeps its element (and its place on screen).
    let updated: LogEntry<N> | undefined;
    const continued = this.entries[firstNew];
    if (reused !== undefined && continued !== undefined) {
      continued.node = reused;
      this.shown += 1;
      updated = continued;
    }
    const removed = this.trim();
    // A continued line dropped at once as one of the oldest is only removed.
    if (updated === undefined || removed.includes(updated)) return { removed };
    return { removed, updated };
  }

  /** The entries not on screen yet, now counted as shown. */
  takeUnshown(): LogEntry<N>[] {
    const fresh = this.entries.slice(this.shown);
    this.shown = this.entries.length;
    return fresh;
  }

  private push(entry: LogEntry<N>): void {
    this.entries.push(entry);
  }

  /** Drops the oldest entries beyond the cap. */
  private trim(): LogEntry<N>[] {
    const excess = this.entries.length - this.cap;
    if (excess <= 0) return [];
    const removed = this.entries.splice(0, excess);
    this.shown = Math.max(0, this.shown - excess);
    return removed;
  }
}

function note(text: string, start: SgrState): LogEntry<never> {
  return {
    kind: "note",
    raw: text,
    segments: [{ text, classes: [] }],
    plain: text,
    start,
    open: false,
  };
}
