// The shapes a line takes: `name | line`, raw, JSON (with the exact bytes of
// a line that is not UTF-8), ANSI stripped; one write per block.

import { describe, expect, test } from "bun:test";
import {
  JsonSink,
  jsonLine,
  PrefixSink,
  prefixLines,
  RawSink,
  stripAnsi,
} from "../../../src/logging/sinks.ts";

/** A shared output that records each write as a copy. */
function recorder(): { writes: Buffer[]; write: (bytes: Uint8Array) => void } {
  const writes: Buffer[] = [];
  return { writes, write: (bytes) => writes.push(Buffer.from(bytes)) };
}

const b = (text: string) => Buffer.from(text, "latin1");

describe("prefixLines", () => {
  const prefix = b("web | ");
  const cases: [block: string, terminated: boolean, expected: string][] = [
    ["hello\n", true, "web | hello\n"],
    ["a\nb\n\nc\n", true, "web | a\nweb | b\nweb | \nweb | c\n"],
    ["no newline", false, "web | no newline\n"],
  ];
  for (const [block, terminated, expected] of cases) {
    test(JSON.stringify(block), () => {
      const out = Buffer.alloc(100);
      const length = prefixLines(b(block), terminated, prefix, out);
      expect(out.subarray(0, length).toString("latin1")).toBe(expected);
    });
  }

  test("-1 when the output buffer is too small", () => {
    expect(prefixLines(b("a\nb\n"), true, prefix, Buffer.alloc(10))).toBe(-1);
  });
});

describe("sinks", () => {
  test("PrefixSink: one write per block, every line prefixed", () => {
    const output = recorder();
    const sink = new PrefixSink(output, b("a  | "));
    sink.deliver(b("1\n2\n"), true);
    sink.deliver(b("piece"), false);
    expect(output.writes.map((w) => w.toString("latin1"))).toEqual([
      "a  | 1\na  | 2\n",
      "a  | piece\n",
    ]);
  });

  test("PrefixSink: 10,000 one-byte lines (the worst case for its buffer)", () => {
    const output = recorder();
    new PrefixSink(output, b("p | ")).deliver(b("x\n".repeat(10_000)), true);
    expect(output.writes).toHaveLength(1);
    expect(output.writes[0]?.toString("latin1")).toBe("p | x\n".repeat(10_000));
  });

  test("RawSink: the block as it is; a piece gets its newline in a second write", () => {
    const output = recorder();
    const sink = new RawSink(output);
    sink.deliver(b("a\nb\n"), true);
    sink.deliver(b("tail"), false);
    expect(output.writes.map((w) => w.toString("latin1"))).toEqual(["a\nb\n", "tail", "\n"]);
  });

  test("JsonSink: one object a line, escapes round-trip, invalid UTF-8 kept in line_base64", () => {
    const output = recorder();
    const sink = new JsonSink(output, "web", "stderr", () => 1234);
    const odd = Buffer.concat([
      b('quote " back \\ nul \0 esc \x1b[1m tab \t '),
      Buffer.from("é✓", "utf8"),
    ]);
    const invalid = Buffer.from([0x61, 0xff, 0xc3, 0x28, 0x00]);
    sink.deliver(Buffer.concat([odd, b("\n"), invalid, b("\n")]), true);
    expect(output.writes).toHaveLength(1);
    const lines = (output.writes[0] as Buffer).toString("utf8").split("\n");
    expect(lines.at(-1)).toBe("");
    const [first, second] = lines.slice(0, 2).map((line) => JSON.parse(line));
    expect(first).toEqual({
      time: 1234,
      program: "web",
      stream: "stderr",
      line: odd.toString("utf8"),
    });
    expect(second.line_base64).toBeDefined();
    expect(Buffer.from(second.line_base64, "base64").equals(invalid)).toBe(true);
  });

  test("jsonLine: a valid line has no line_base64", () => {
    expect(jsonLine(5, "a", "stdout", b("hi"))).toBe(
      '{"time":5,"program":"a","stream":"stdout","line":"hi"}\n',
    );
  });
});

describe("stripAnsi (supervisord's stripEscapes)", () => {
  const cases: [input: string, expected: string][] = [
    ["plain\n", "plain\n"],
    ["\x1b[31mred\x1b[0m\n", "red\n"],
    ["a\x1b[2Jb\x1b[1;1Hc\n", "abc\n"],
    ["esc \x1b alone\n", "esc \x1b alone\n"],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => {
      expect(Buffer.from(stripAnsi(b(input))).toString("latin1")).toBe(expected);
    });
  }
});
