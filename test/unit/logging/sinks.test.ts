// The shapes a line takes: `name | line`, raw, JSON (with the exact bytes of
// a line that is not UTF-8), ANSI stripped; one write per block.

import { describe, expect, test } from "bun:test";
import {
  DISCARD,
  JsonSink,
  jsonLine,
  PrefixSink,
  prefixLines,
  RawSink,
  stripAnsi,
} from "../../../src/logging/sinks.ts";

/** A shared output that records each write as a copy (the sinks reuse their buffer). */
function recorder(): { writes: Buffer[]; write: (bytes: Uint8Array) => void } {
  const writes: Buffer[] = [];
  return { writes, write: (bytes) => writes.push(Buffer.from(bytes)) };
}

const b = (text: string) => Buffer.from(text, "latin1");
const latin1 = (writes: readonly Buffer[]) => writes.map((w) => w.toString("latin1"));

describe("prefixLines", () => {
  const prefix = b("web | ");
  const cases: [block: string, terminated: boolean, expected: string][] = [
    ["hello\n", true, "web | hello\n"],
    ["a\nb\n\nc\n", true, "web | a\nweb | b\nweb | \nweb | c\n"],
    ["\n", true, "web | \n"],
    ["no newline", false, "web | no newline\n"], // a piece gets its newline
    ["\xff\x00\x1b[1m\r\n", true, "web | \xff\x00\x1b[1m\r\n"], // bytes as they are
  ];
  for (const [block, terminated, expected] of cases) {
    test(`${JSON.stringify(block)}, terminated: ${terminated}`, () => {
      const out = Buffer.alloc(100, "#");
      const length = prefixLines(b(block), terminated, prefix, out);
      expect(out.subarray(0, length).toString("latin1")).toBe(expected);
      expect(length).toBe(expected.length);
    });
  }

  test("a block that is a view into a bigger buffer: only its bytes", () => {
    const big = b("xx\nab\ncd\nyy\n");
    const length = prefixLines(big.subarray(3, 9), true, b("> "), Buffer.alloc(100));
    expect(length).toBe(10);
  });

  test("an empty prefix copies the block", () => {
    const out = Buffer.alloc(20);
    const length = prefixLines(b("a\nb\n"), true, new Uint8Array(0), out);
    expect(out.subarray(0, length).toString("latin1")).toBe("a\nb\n");
  });

  test("-1 when the output buffer is too small", () => {
    // "web | a\nweb | b\n" is 16 bytes.
    expect(prefixLines(b("a\nb\n"), true, prefix, Buffer.alloc(17))).toBe(16);
    expect(prefixLines(b("a\nb\n"), true, prefix, Buffer.alloc(10))).toBe(-1);
    expect(prefixLines(b("a\nb\n"), true, prefix, Buffer.alloc(0))).toBe(-1);
    expect(prefixLines(b("piece"), false, prefix, Buffer.alloc(11))).toBe(-1);
  });
});

describe("PrefixSink", () => {
  test("one write per block, every line prefixed", () => {
    const output = recorder();
    const sink = new PrefixSink(output, b("a  | "));
    sink.deliver(b("1\n2\n"), true);
    sink.deliver(b("piece"), false);
    sink.deliver(b("\n"), true);
    expect(latin1(output.writes)).toEqual(["a  | 1\na  | 2\n", "a  | piece\n", "a  | \n"]);
  });

  test('"a\\n" × 10,000 in one block (forces its buffer to grow)', () => {
    const output = recorder();
    new PrefixSink(output, b("p | ")).deliver(b("a\n".repeat(10_000)), true);
    expect(output.writes).toHaveLength(1);
    expect(output.writes[0]?.toString("latin1")).toBe("p | a\n".repeat(10_000));
  });

  test("the worst case, every byte a newline, with a long prefix; then ordinary blocks", () => {
    const output = recorder();
    const prefix = `${"long-program-name".padEnd(30)} | `;
    const sink = new PrefixSink(output, b(prefix));
    sink.deliver(b("\n".repeat(70_000)), true);
    sink.deliver(b("after\n"), true);
    expect(output.writes).toHaveLength(2);
    expect(output.writes[0]?.toString("latin1")).toBe(`${prefix}\n`.repeat(70_000));
    expect(output.writes[1]?.toString("latin1")).toBe(`${prefix}after\n`);
  });

  test("two sinks (sharing one scratch buffer) interleaved keep their own prefixes", () => {
    const output = recorder();
    const web = new PrefixSink(output, b("web | "));
    const db = new PrefixSink(output, b("db  | "));
    for (let i = 0; i < 3; i++) {
      web.deliver(b(`w${i}\n`), true);
      db.deliver(b(`d${i}\nd${i}'\n`), true);
    }
    expect(latin1(output.writes)).toEqual([
      "web | w0\n",
      "db  | d0\ndb  | d0'\n",
      "web | w1\n",
      "db  | d1\ndb  | d1'\n",
      "web | w2\n",
      "db  | d2\ndb  | d2'\n",
    ]);
  });
});

describe("RawSink and DISCARD", () => {
  test("RawSink: the block as it is; a piece gets its newline in a second write", () => {
    const output = recorder();
    const sink = new RawSink(output);
    sink.deliver(b("a\nb\n"), true);
    sink.deliver(b("tail"), false);
    sink.deliver(b("\xff\x00\x1b[0m\n"), true);
    expect(latin1(output.writes)).toEqual(["a\nb\n", "tail", "\n", "\xff\x00\x1b[0m\n"]);
  });

  test("DISCARD takes anything and does nothing", () => {
    expect(DISCARD.deliver(b("a\n"), true)).toBeUndefined();
    expect(DISCARD.deliver(b("piece"), false)).toBeUndefined();
  });
});

describe("JsonSink / jsonLine", () => {
  /** Delivers one block and parses the one write it makes, line by line. */
  function deliverJson(block: Uint8Array, terminated: boolean): Record<string, unknown>[] {
    const output = recorder();
    let clock = 1000;
    new JsonSink(output, 'web "1"', "stderr", () => clock++).deliver(block, terminated);
    expect(output.writes).toHaveLength(1);
    const text = (output.writes[0] as Buffer).toString("utf8");
    expect(text.endsWith("\n")).toBe(true);
    return text
      .slice(0, -1)
      .split("\n")
      .map((line) => JSON.parse(line));
  }

  test("a valid line: exactly time, program, stream, line; no line_base64", () => {
    expect(jsonLine(5, "a", "stdout", b("hi"))).toBe(
      '{"time":5,"program":"a","stream":"stdout","line":"hi"}\n',
    );
  });

  test("one object per line, one write per block, one time per block", () => {
    expect(deliverJson(b("one\n\nthree\n"), true)).toEqual([
      { time: 1000, program: 'web "1"', stream: "stderr", line: "one" },
      { time: 1000, program: 'web "1"', stream: "stderr", line: "" },
      { time: 1000, program: 'web "1"', stream: "stderr", line: "three" },
    ]);
  });

  test("a piece (no newline) is one object", () => {
    expect(deliverJson(b("piece"), false)).toEqual([
      { time: 1000, program: 'web "1"', stream: "stderr", line: "piece" },
    ]);
  });

  const roundTrips: [name: string, line: string][] = [
    ["NUL", "a\0b\0"],
    ["ESC and a colour", "\x1b[31mred\x1b[0m \x1b]0;title\x07"],
    ["quotes and backslashes", `say "hi" \\ c:\\path\\ \\" \\\\`],
    ["controls", "\t\r\b\f\v\x01\x1f\x7f"],
    ["JSON-looking text", '{"line":"x"},\\u0041'],
    ["accents, CJK, emoji", "é ü ß 日本語 ✓ 😀 👍🏽"],
    ["line and paragraph separators", "a\u2028b\u2029c"],
    ["a noncharacter and a BOM inside", "x\uffffy\ufeffz"],
    ["the last code point", "\u{10ffff}"],
  ];
  for (const [name, line] of roundTrips) {
    test(`round-trips through JSON.parse: ${name}`, () => {
      const [parsed] = deliverJson(Buffer.from(`${line}\n`, "utf8"), true);
      expect(parsed).toEqual({ time: 1000, program: 'web "1"', stream: "stderr", line });
      expect(parsed).not.toHaveProperty("line_base64");
    });
  }

  // The `line` shown is WHATWG's lenient decoding: U+FFFD per bad sequence.
  const invalid: [name: string, bytes: number[], shown: string][] = [
    ["a lone 0xff", [0xff], "\ufffd"],
    ["a truncated sequence", [0x61, 0xe2, 0x82], "a\ufffd"],
    ["a continuation byte alone", [0x80, 0x62], "\ufffdb"],
    ["an overlong NUL", [0xc0, 0x80], "\ufffd\ufffd"],
    ["an encoded surrogate", [0xed, 0xa0, 0x80], "\ufffd\ufffd\ufffd"],
    ["beyond U+10FFFF", [0xf4, 0x90, 0x80, 0x80], "\ufffd\ufffd\ufffd\ufffd"],
    [
      "valid text around a bad byte, NUL, ESC",
      [0x6f, 0x6b, 0xfe, 0x00, 0x1b, 0xc3, 0xa9],
      "ok\ufffd\0\x1bé",
    ],
  ];
  for (const [name, bytes, shown] of invalid) {
    test(`not UTF-8, kept exactly in line_base64: ${name}`, () => {
      const line = Buffer.from(bytes);
      const [parsed] = deliverJson(Buffer.concat([line, b("\n")]), true);
      expect(parsed?.line).toBe(shown);
      expect(Buffer.from(parsed?.line_base64 as string, "base64").equals(line)).toBe(true);
    });
  }

  test("valid and invalid lines in one block: line_base64 only on the invalid one", () => {
    const bad = Buffer.from([0x61, 0xff, 0xc3, 0x28, 0x00]);
    const parsed = deliverJson(Buffer.concat([b("good\n"), bad, b("\nalso good\n")]), true);
    expect(parsed.map((p) => "line_base64" in p)).toEqual([false, true, false]);
    expect(Buffer.from(parsed[1]?.line_base64 as string, "base64").equals(bad)).toBe(true);
  });

  // BUG: the strict decoder drops a leading U+FEFF (TextDecoder's BOM
  // handling), so a line that starts with EF BB BF is shown without it and,
  // being valid UTF-8, gets no line_base64: those three bytes are lost.
  // (Remove .failing once fixed, e.g. with { fatal: true, ignoreBOM: true }.)
  test("a line starting with a byte order mark keeps it", () => {
    const [parsed] = deliverJson(Buffer.from("\ufeffhello\n", "utf8"), true);
    expect(parsed?.line).toBe("\ufeffhello");
  });
});

describe("stripAnsi (supervisord's stripEscapes)", () => {
  // Expected values: supervisord 4.2.5's stripEscapes on the same bytes.
  const cases: [input: string, expected: string][] = [
    ["plain\n", "plain\n"],
    ["\x1b[31mred\x1b[0m\n", "red\n"],
    ["a\x1b[2Jb\x1b[1;1Hc\n", "abc\n"],
    ["x\x1b[38;5;196mY\x1b[m\n", "xY\n"],
    ["a\x1b[?25lb\x1b[?25hc\n", "abc\n"],
    ["esc \x1b alone\n", "esc \x1b alone\n"], // ESC without [ stays
    ["\x1b\x1b[mz", "\x1bz"],
    ["[m\x1b[\x1bm\n", "[m\n"], // skips to the first final byte, ESC included
    ["\x1b[", ""], // unfinished at the end: dropped
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => {
      expect(Buffer.from(stripAnsi(b(input))).toString("latin1")).toBe(expected);
    });
  }

  test("a block without ESC is returned as it is", () => {
    const block = b("nothing to strip\n");
    expect(stripAnsi(block)).toBe(block);
  });

  // BUG: the hub strips a block and hands it on with the same `terminated`
  // flag. A sequence not finished before the newline (here "\x1b[1" then
  // "\n") swallows the newline, so a terminated block no longer ends in one:
  // PrefixSink / RawSink then write "web | a" with no newline and the next
  // line on the shared stdout, from any program, is glued to it. supervisord
  // drops the newline too, but it has no whole-line guarantee to keep.
  test("a terminated block stays terminated: stripping never removes its last newline", () => {
    const stripped = stripAnsi(b("ok\na\x1b[1\n"));
    expect(Buffer.from(stripped).toString("latin1").endsWith("\n")).toBe(true);
  });
});
