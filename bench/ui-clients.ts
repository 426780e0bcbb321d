// The bench's clients of the dashboard's streams (and of supervisord's tail
// stream): each follows one endless reply with Bun's fetch and reads all of
// it as it comes, as a page would. The log clients check every line as
// bench/gen-lines.c wrote it and add up what tend reports as skipped; the
// table client checks the snapshot and counts what follows.

import { wallNow } from "./harness.ts";

/** A client that follows one endless reply and reads everything as it comes. */
export abstract class Follower {
  private readonly aborter = new AbortController();
  bytes = 0;
  /** Why it stopped before it was closed, or what was wrong. */
  failure: string | undefined;
  private closing = false;
  readonly done: Promise<void>;

  constructor(
    readonly label: string,
    url: string,
    private readonly type: string,
  ) {
    this.done = this.follow(url).catch((error) => {
      if (!this.closing) this.failure ??= `${this.label}: ${(error as Error).message}`;
    });
  }

  close(): Promise<void> {
    this.closing = true;
    this.aborter.abort();
    return this.done;
  }

  protected abstract text(chunk: string): void;

  private async follow(url: string): Promise<void> {
    const response = await fetch(url, { signal: this.aborter.signal, keepalive: false });
    const type = response.headers.get("content-type") ?? "";
    if (response.status !== 200 || !type.startsWith(this.type))
      throw new Error(`HTTP ${response.status} (${type})`);
    if (!response.body) throw new Error("no body");
    const decoder = new TextDecoder();
    for await (const chunk of response.body) {
      this.bytes += chunk.length;
      this.text(decoder.decode(chunk, { stream: true }));
    }
    if (!this.closing) throw new Error("the server ended the stream");
  }
}

interface SseEvent {
  readonly id: string | undefined;
  readonly type: string;
  readonly data: string;
}

/** Splits a server-sent event stream into its events. */
abstract class SseFollower extends Follower {
  private pending = "";
  readonly counts = new Map<string, number>();

  constructor(label: string, url: string) {
    super(label, url, "text/event-stream");
  }

  protected text(chunk: string): void {
    this.pending += chunk;
    for (;;) {
      const end = this.pending.indexOf("\n\n");
      if (end < 0) return;
      const block = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 2);
      let id: string | undefined;
      let type = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "id") id = value;
        else if (field === "event") type = value;
        else if (field === "data") data.push(value);
      }
      if (data.length === 0) continue; // retry:, comments
      this.counts.set(type, (this.counts.get(type) ?? 0) + 1);
      this.event({ id, type, data: data.join("\n") });
    }
  }

  events(): number {
    let n = 0;
    for (const count of this.counts.values()) n += count;
    return n;
  }

  protected abstract event(event: SseEvent): void;
}

/** A page's process table: `/ui/events`. Checks the snapshot: every program there and RUNNING. */
export class TableFollower extends SseFollower {
  snapshot: { processes: number; running: number } | undefined;

  constructor(
    label: string,
    url: string,
    private readonly expected: number,
  ) {
    super(label, url);
  }

  protected event(event: SseEvent): void {
    if (event.type !== "snapshot") return;
    const data = JSON.parse(event.data) as { processes: { statename: string }[] };
    const running = data.processes.filter((p) => p.statename === "RUNNING").length;
    this.snapshot = { processes: data.processes.length, running };
    if (data.processes.length !== this.expected || running !== this.expected)
      this.failure ??= `${this.label}: snapshot of ${data.processes.length} processes, ${running} RUNNING, ${this.expected} expected`;
  }
}

/** What bench/gen-lines.c writes: 99 bytes and a newline. */
export const LINE_BYTES = 100;

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/** A line's text after its number and space depends only on (n % 16,384) % 52: see bench/gen-lines.c. */
const TAILS = Array.from({ length: 52 }, (_, k) => {
  let text = "";
  for (let col = 11; col < LINE_BYTES - 1; col++) text += LETTERS[(k + col) % 52];
  return text;
});

/**
 * Checks the lines of bursts as bench/gen-lines.c writes them: each burst
 * numbers its lines from 0 to `perBurst` - 1. After bytes were skipped it takes
 * up again at the next whole line.
 */
export class LineChecker {
  private carry = "";
  private resync = true;
  /** After a skip, text begins inside a line: that fragment is not checked. */
  private dropFragment = false;
  private expected = 0;
  lines = 0;
  /** Lines numbered perBurst - 1 seen: bursts whose end arrived. */
  ends = 0;
  /** When each end arrived (wall clock, ms, with sub-ms resolution). */
  readonly endTimes: number[] = [];
  bad = 0;
  readonly firstBad: string[] = [];

  constructor(private readonly perBurst: number) {}

  feed(text: string): void {
    const all = this.carry + text;
    let from = 0;
    for (;;) {
      const newline = all.indexOf("\n", from);
      if (newline < 0) break;
      this.line(all.slice(from, newline));
      from = newline + 1;
    }
    this.carry = all.slice(from);
  }

  /** Bytes were lost before the next text: what is pending is a fragment. */
  skip(): void {
    this.carry = "";
    this.resync = true;
    this.dropFragment = true;
  }

  private line(line: string): void {
    if (this.dropFragment) {
      this.dropFragment = false;
      return;
    }
    const n = Number(line.slice(0, 10));
    if (
      line.length !== LINE_BYTES - 1 ||
      line[10] !== " " ||
      !Number.isInteger(n) ||
      line.slice(11) !== TAILS[(n % 16_384) % 52] ||
      (!this.resync && n !== this.expected)
    ) {
      this.bad++;
      if (this.firstBad.length < 3)
        this.firstBad.push(
          `line ${this.lines} (expected n=${this.expected}): ${JSON.stringify(line.slice(0, 40))}`,
        );
      return;
    }
    this.resync = false;
    this.lines++;
    this.expected = n + 1;
    if (n === this.perBurst - 1) {
      this.ends++;
      this.endTimes.push(wallNow());
      this.expected = 0;
    }
  }
}

/** A dashboard log view: `/ui/log?name=chatty&stream=stdout`. */
export class LogViewFollower extends SseFollower {
  readonly lines: LineChecker;
  skipped = 0;
  tailSeen = false;

  constructor(label: string, url: string, perBurst: number) {
    super(label, url);
    this.lines = new LineChecker(perBurst);
  }

  protected event(event: SseEvent): void {
    if (event.type === "tail") {
      // The log before the bursts: empty here.
      const tail = JSON.parse(event.data) as { text: string };
      if (tail.text !== "")
        this.failure ??= `${this.label}: a tail of ${tail.text.length} characters before any burst`;
      this.tailSeen = true;
      return;
    }
    if (event.type !== "append") {
      this.failure ??= `${this.label}: unexpected event ${event.type}`;
      return;
    }
    const append = JSON.parse(event.data) as { text: string; skipped: number };
    if (append.skipped > 0) {
      this.skipped += append.skipped;
      this.lines.skip();
    }
    this.lines.feed(append.text);
  }
}

/** supervisord's tail -f stream: `/logtail/chatty`, plain text. */
export class LogTailFollower extends Follower {
  readonly lines: LineChecker;
  readonly skipped = 0;
  tailSeen = true;

  constructor(label: string, url: string, perBurst: number) {
    super(label, url, "text/plain");
    this.lines = new LineChecker(perBurst);
  }

  protected text(chunk: string): void {
    this.lines.feed(chunk);
  }
}

export type LogFollower = LogViewFollower | LogTailFollower;
