// Rejections in tend's log: the first logged, the next ones in the same
// interval counted and summed up in one line; no timer while nothing is
// rejected. A client's text is escaped and cut before it is logged.

import { describe, expect, test } from "bun:test";
import { CLIENT_TEXT_CHARS, clientText, Throttle } from "../../../src/control/throttle.ts";

/** Timers driven by hand. */
class Clock {
  now = 0;
  private due: { at: number; run: () => void; id: number } | undefined;
  private ids = 0;
  readonly timers = {
    now: () => this.now,
    setTimeout: (run: () => void, ms: number) => {
      if (this.due) throw new Error("two timers at once");
      this.due = { at: this.now + ms, run, id: ++this.ids };
      return this.ids;
    },
    clearTimeout: (id: unknown) => {
      if (this.due?.id === id) this.due = undefined;
    },
  };
  get pending(): boolean {
    return this.due !== undefined;
  }
  /** Moves time on by `ms`, running each timer at its time. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (let due = this.due; due && due.at <= end; due = this.due) {
      this.now = due.at;
      this.due = undefined;
      due.run();
    }
    this.now = end;
  }
}

function throttle() {
  const clock = new Clock();
  const lines: string[] = [];
  const t = new Throttle((line) => lines.push(line), "unauthorized requests", 60_000, clock.timers);
  return { t, clock, lines };
}

describe("Throttle", () => {
  test("nothing rejected: nothing logged, no timer", () => {
    const { clock, lines } = throttle();
    expect(clock.pending).toBe(false);
    expect(lines).toEqual([]);
  });

  test("the first is logged in full, the rest of the interval counted, then one summary", () => {
    const { t, clock, lines } = throttle();
    t.note(() => "first");
    for (let i = 0; i < 312; i++) {
      clock.advance(100);
      t.note(() => "never built");
    }
    expect(lines).toEqual(["first"]);
    clock.advance(60_000 - 31_200);
    expect(lines).toEqual(["first", "control: 312 more unauthorized requests in the last 60 s"]);
    // Still being counted: another interval is open.
    expect(clock.pending).toBe(true);
    t.note(() => "counted");
    clock.advance(60_000);
    expect(lines.at(-1)).toBe("control: 1 more unauthorized requests in the last 60 s");
    // A quiet interval ends it: no summary, no timer, and the next is logged in full.
    clock.advance(60_000);
    expect(lines).toHaveLength(3);
    expect(clock.pending).toBe(false);
    t.note(() => "again");
    expect(lines.at(-1)).toBe("again");
  });

  test("a lone rejection: one line, and the timer stops after its interval", () => {
    const { t, clock, lines } = throttle();
    t.note(() => "only");
    clock.advance(60_000);
    expect(lines).toEqual(["only"]);
    expect(clock.pending).toBe(false);
  });

  test("close says what was counted so far and stops the timer", () => {
    const { t, clock, lines } = throttle();
    t.note(() => "first");
    clock.advance(12_000);
    t.note(() => "x");
    t.note(() => "x");
    t.close();
    expect(lines).toEqual(["first", "control: 2 more unauthorized requests in the last 12 s"]);
    expect(clock.pending).toBe(false);
  });
});

describe("clientText", () => {
  test.each([
    ["alice", '"alice"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ["line\nforged", '"line\\nforged"'],
    ["nul\0", '"nul\\u0000"'],
    ["\x1b[31mred", '"\\u001b[31mred"'],
    ["del\x7f", '"del\\u007f"'],
    ["é", '"\\u00e9"'],
    ["\u2028", '"\\u2028"'],
    ["\u202e", '"\\u202e"'],
  ])("%p is %s", (text, expected) => {
    expect(clientText(text)).toBe(expected);
  });

  test("long text is cut, and says so", () => {
    const long = clientText("x".repeat(10_000));
    expect(long).toBe(`"${"x".repeat(CLIENT_TEXT_CHARS)}"...`);
  });

  test("only printable ASCII comes out", () => {
    const every = String.fromCharCode(...Array.from({ length: 0x3000 }, (_, i) => i));
    for (let i = 0; i < every.length; i += CLIENT_TEXT_CHARS)
      expect(clientText(every.slice(i, i + CLIENT_TEXT_CHARS))).toMatch(/^[\x20-\x7e]*$/);
  });
});
