// The lines a log view holds: text that arrives in pieces becomes lines (the
// last unfinished one continued by the next piece). The first `shown` are on
// screen, at most `cap` of them (the oldest go as new ones are drawn); the
// rest are held until the view draws them (at the next frame, or on resume
// after a pause), at most `cap` of those too (the oldest held are dropped and
// counted). A pause never takes away the lines being read. Pure: the view
// owns the elements and hangs them on the entries.

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

/** What drawing the held lines means for the screen. */
export interface Taken<N> {
  /** New entries to draw, oldest first. */
  readonly added: readonly LogEntry<N>[];
  /** Entries on screen that are gone now (the oldest beyond the cap). */
  readonly removed: readonly LogEntry<N>[];
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

/** The longest unfinished line the view keeps continuing; past it the line is cut. */
export const MAX_OPEN_LINE = 16 * 1024;

export class LogBuffer<N> {
  entries: LogEntry<N>[] = [];
  /** entries[0, shown) are on screen. */
  shown = 0;
  /** Held entries dropped since the last draw. */
  private dropped = 0;
  private end: SgrState = PLAIN;

  constructor(readonly cap: number) {}

  /** Lines that came and are not on screen (held, and dropped while held). */
  get held(): number {
    return this.entries.length - this.shown + this.dropped;
  }

  /** Empties the buffer; returns what was in it. */
  clear(): LogEntry<N>[] {
    const removed = this.entries;
    this.entries = [];
    this.shown = 0;
    this.dropped = 0;
    this.end = PLAIN;
    return removed;
  }

  /**
   * Adds text; `skipped` bytes were lost before it (they end an unfinished
   * line). Returns the entry that continues a line already on screen: it
   * kept its element, to be drawn again.
   */
  append(text: string, skipped = 0): LogEntry<N> | undefined {
    let prefix = "";
    let start = this.end;
    let reused: N | undefined;
    const last = this.entries[this.entries.length - 1];
    if (skipped > 0) {
      if (last !== undefined) last.open = false;
      this.entries.push(note(formatSkipped(skipped), this.end));
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
      this.entries.push({
        kind: "line",
        raw,
        segments,
        plain: plainText(segments),
        start,
        // A line that never ends (a progress bar) is cut every MAX_OPEN_LINE
        // characters, so each piece that continues it is not read again whole.
        open: open && i === lines.length - 1 && raw.length < MAX_OPEN_LINE,
      });
      start = end;
    }
    this.end = start;
    // An open line continued keeps its element (and its place on screen).
    const continued = this.entries[firstNew];
    if (reused !== undefined && continued !== undefined) {
      continued.node = reused;
      this.shown += 1;
    }
    this.dropHeld();
    return reused === undefined ? undefined : continued;
  }

  /**
   * The held entries, now on screen (after a note of the ones dropped while
   * held), and the oldest ones on screen that must go to keep `cap`.
   */
  take(): Taken<N> {
    let added = this.entries.slice(this.shown);
    // At most `cap` are held, so what goes is only ever what was on screen.
    const excess = Math.max(0, this.entries.length - this.cap);
    const removed = this.entries.splice(0, excess);
    if (this.dropped > 0) {
      // The note is not a line of the log: it does not count against the cap.
      const gap = note(formatDropped(this.dropped), this.end);
      this.entries.splice(this.entries.length - added.length, 0, gap);
      added = [gap, ...added];
      this.dropped = 0;
    }
    this.shown = this.entries.length;
    return { added, removed: removed.filter((entry) => entry.node !== undefined) };
  }

  /** Keeps at most `cap` held entries, dropping (and counting) the oldest. */
  private dropHeld(): void {
    const excess = this.entries.length - this.shown - this.cap;
    if (excess <= 0) return;
    this.entries.splice(this.shown, excess);
    this.dropped += excess;
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

/** `120 lines dropped: more came than the view holds (5000)`. */
function formatDropped(count: number): string {
  return `${count} line${count === 1 ? "" : "s"} dropped: more came than the view holds`;
}
