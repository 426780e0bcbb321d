// Rejected clients in tend's log without letting a client write it: the
// first rejection of a kind is logged in full, the next ones in the same
// interval only counted, and one summary line says how many there were
// ("control: 312 more unauthorized requests in the last 60 s"). A timer runs
// only while an interval is open, so a tend nobody pesters does nothing.
// What a client sent is escaped before it is logged (clientText).

/** How long after a logged rejection the next ones are only counted. */
export const SUMMARY_INTERVAL_MS = 60_000;

export interface ThrottleTimers {
  readonly now: () => number;
  readonly setTimeout: (run: () => void, ms: number) => unknown;
  readonly clearTimeout: (timer: unknown) => void;
}

const realTimers: ThrottleTimers = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};

export class Throttle {
  private timer: unknown;
  private open = false;
  private since = 0;
  private count = 0;

  constructor(
    private readonly emit: (message: string) => void,
    /** What the summary counts, in the plural: "unauthorized requests". */
    private readonly what: string,
    private readonly intervalMs = SUMMARY_INTERVAL_MS,
    private readonly timers: ThrottleTimers = realTimers,
  ) {}

  /** One rejection: `message` is logged if it is the first in an interval, else counted. */
  note(message: () => string): void {
    if (this.open) {
      this.count++;
      return;
    }
    this.emit(message());
    this.start();
  }

  /** Says what was counted and stops the timer (the listener closes). */
  close(): void {
    if (this.open) this.timers.clearTimeout(this.timer);
    this.open = false;
    this.summarise();
  }

  private start(): void {
    this.open = true;
    this.since = this.timers.now();
    this.timer = this.timers.setTimeout(() => this.elapsed(), this.intervalMs);
  }

  private elapsed(): void {
    this.open = false;
    // Another interval only while the rejections go on.
    if (this.summarise()) this.start();
  }

  private summarise(): boolean {
    if (this.count === 0) return false;
    const seconds = Math.max(1, Math.round((this.timers.now() - this.since) / 1000));
    this.emit(`control: ${this.count} more ${this.what} in the last ${seconds} s`);
    this.count = 0;
    return true;
  }
}

/** The most characters of a client's text that reach the log. */
export const CLIENT_TEXT_CHARS = 64;

/**
 * What a client sent, fit for one log line: quoted, JSON-style escapes for
 * quotes, backslashes and control characters, \uXXXX for anything outside
 * printable ASCII, cut at CLIENT_TEXT_CHARS characters (then "...").
 */
export function clientText(text: string): string {
  const cut = text.length > CLIENT_TEXT_CHARS;
  const escaped = JSON.stringify(text.slice(0, CLIENT_TEXT_CHARS)).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return cut ? `${escaped}...` : escaped;
}
