// The line splitter: whatever the chunking, the blocks it delivers are the
// input exactly, each terminated block is whole lines, each piece has no
// newline; over-long lines come in MAX_LINE pieces; bytes pass untouched.

import { describe, expect, test } from "bun:test";
import { LineSplitter, MAX_LINE } from "../../../src/logging/lines.ts";

interface Block {
  readonly bytes: Buffer;
  readonly terminated: boolean;
}

/** Feeds `chunks` through one reused buffer (as a reader would) and collects the blocks. */
function split(chunks: readonly Uint8Array[]): Block[] {
  const splitter = new LineSplitter();
  const blocks: Block[] = [];
  const collect = (block: Uint8Array, terminated: boolean) =>
    blocks.push({ bytes: Buffer.from(block), terminated });
  const reused = Buffer.alloc(Math.max(1, ...chunks.map((c) => c.length)));
  for (const chunk of chunks) {
    reused.set(chunk);
    splitter.push(reused.subarray(0, chunk.length), collect);
    // A caller may overwrite its buffer once push() returns: anything the
    // splitter kept a view of instead of a copy would come out as "~".
    reused.fill(0x7e, 0, chunk.length);
  }
  splitter.end(collect);
  return blocks;
}

/** `input` cut at the given offsets. */
function cut(input: Buffer, offsets: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let from = 0;
  for (const at of [...offsets, input.length]) {
    chunks.push(input.subarray(from, at));
    from = at;
  }
  return chunks;
}

function checkShape(blocks: readonly Block[]): void {
  for (const { bytes, terminated } of blocks) {
    if (terminated) expect(bytes.at(-1)).toBe(10);
    else expect(bytes.includes(10)).toBe(false);
    expect(bytes.length).toBeGreaterThan(0);
  }
}

function checkSame(blocks: readonly Block[], input: Buffer): void {
  expect(Buffer.concat(blocks.map((b) => b.bytes)).equals(input)).toBe(true);
}

type Item = readonly [kind: "line" | "piece", length: number];

/** What was delivered, one item per line (with its newline) or per piece. */
function items(blocks: readonly Block[]): Item[] {
  const out: Item[] = [];
  for (const { bytes, terminated } of blocks) {
    if (!terminated) {
      out.push(["piece", bytes.length]);
      continue;
    }
    for (let from = 0; from < bytes.length; ) {
      const end = bytes.indexOf(10, from) + 1;
      out.push(["line", end - from]);
      from = end;
    }
  }
  return out;
}

/**
 * What any chunking must deliver: each line whole, except that a line of
 * more than MAX_LINE bytes (newline not counted) comes as MAX_LINE pieces
 * while more than MAX_LINE is left, then the rest with its newline; a last
 * line without newline is cut the same way and its rest is a piece too.
 */
function expectedItems(input: Buffer): Item[] {
  const out: Item[] = [];
  for (let from = 0; from < input.length; ) {
    const newline = input.indexOf(10, from);
    let left = (newline < 0 ? input.length : newline) - from;
    while (left > MAX_LINE) {
      out.push(["piece", MAX_LINE]);
      left -= MAX_LINE;
    }
    if (newline < 0) {
      out.push(["piece", left]);
      break;
    }
    out.push(["line", left + 1]);
    from = newline + 1;
  }
  return out;
}

/** A small deterministic generator, so a failing chunking can be replayed. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const SAMPLE = Buffer.concat([
  Buffer.from("one\ntwo\n\nthree "),
  Buffer.from([0xff, 0xfe, 0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x0a]),
  Buffer.from("last without newline"),
]);

/** Short enough to try all 2^12 ways of cutting it. */
const TINY = Buffer.from([
  0x61, 0x0a, 0x0a, 0xc3, 0x00, 0x0a, 0x1b, 0x5b, 0x6d, 0x0a, 0x62, 0x63, 0x64,
]);

const line = (length: number, fill: string) =>
  Buffer.concat([Buffer.alloc(length, fill), Buffer.from("\n")]);

/** Lines at and around MAX_LINE, between short ones, ending without a newline. */
const LONG = Buffer.concat([
  Buffer.from("short\n\n"),
  line(MAX_LINE - 1, "a"),
  line(MAX_LINE, "b"),
  line(MAX_LINE + 1, "c"),
  Buffer.from("x\n"),
  line(2 * MAX_LINE, "d"),
  line(2 * MAX_LINE + 1, "e"),
  Buffer.from("y\nz\n"),
  Buffer.alloc(MAX_LINE + 3, "f"),
]);

describe("LineSplitter: every chunking gives the same lines", () => {
  test("split at every offset: the blocks are the input exactly, in whole lines", () => {
    for (let at = 0; at <= SAMPLE.length; at++) {
      const blocks = split(cut(SAMPLE, [at]));
      checkShape(blocks);
      checkSame(blocks, SAMPLE);
      expect(items(blocks)).toEqual(expectedItems(SAMPLE));
      expect(blocks.at(-1)).toEqual({
        bytes: Buffer.from("last without newline"),
        terminated: false,
      });
    }
  });

  test("split at every pair of offsets", () => {
    for (let a = 0; a <= SAMPLE.length; a++) {
      for (let b = a; b <= SAMPLE.length; b++) {
        const blocks = split(cut(SAMPLE, [a, b]));
        checkShape(blocks);
        checkSame(blocks, SAMPLE);
        expect(items(blocks)).toEqual(expectedItems(SAMPLE));
      }
    }
  });

  test("every one of the 4096 chunkings of a 13-byte input, byte by byte included", () => {
    const expected = expectedItems(TINY);
    expect(expected).toEqual([
      ["line", 2],
      ["line", 1],
      ["line", 3],
      ["line", 4],
      ["piece", 3],
    ]);
    for (let mask = 0; mask < 1 << (TINY.length - 1); mask++) {
      const offsets: number[] = [];
      for (let bit = 0; bit < TINY.length - 1; bit++) if (mask & (1 << bit)) offsets.push(bit + 1);
      const blocks = split(cut(TINY, offsets));
      checkShape(blocks);
      checkSame(blocks, TINY);
      expect(items(blocks)).toEqual(expected);
    }
  });

  test("random chunkings of the sample, with empty chunks among them", () => {
    const random = prng(42);
    for (let round = 0; round < 300; round++) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < SAMPLE.length; ) {
        const size = Math.floor(random() * 9); // 0: an empty read
        chunks.push(SAMPLE.subarray(at, at + size));
        at += size;
      }
      const blocks = split(chunks);
      checkShape(blocks);
      checkSame(blocks, SAMPLE);
      expect(items(blocks)).toEqual(expectedItems(SAMPLE));
    }
  });

  test("lines around MAX_LINE, cut at MAX_LINE - 1, MAX_LINE, MAX_LINE + 1, 64 KiB and in one chunk", () => {
    const expected = expectedItems(LONG);
    // Worked out by hand from the rule: only lines over MAX_LINE are cut.
    expect(expected).toEqual([
      ["line", 6],
      ["line", 1],
      ["line", MAX_LINE],
      ["line", MAX_LINE + 1],
      ["piece", MAX_LINE],
      ["line", 2],
      ["line", 2],
      ["piece", MAX_LINE],
      ["line", MAX_LINE + 1],
      ["piece", MAX_LINE],
      ["piece", MAX_LINE],
      ["line", 2],
      ["line", 2],
      ["line", 2],
      ["piece", MAX_LINE],
      ["piece", 3],
    ]);
    for (const size of [MAX_LINE - 1, MAX_LINE, MAX_LINE + 1, 65536, LONG.length]) {
      const offsets: number[] = [];
      for (let at = size; at < LONG.length; at += size) offsets.push(at);
      const blocks = split(cut(LONG, offsets));
      checkShape(blocks);
      checkSame(blocks, LONG);
      expect(items(blocks)).toEqual(expected);
    }
  });

  test("lines around MAX_LINE, random chunkings", () => {
    const expected = expectedItems(LONG);
    const random = prng(7);
    for (let round = 0; round < 8; round++) {
      const offsets: number[] = [];
      // Sizes spread from 1 byte to 512 KiB, so cuts land everywhere.
      for (let at = 0; ; ) {
        at += 1 + Math.floor(2 ** (random() * 19));
        if (at >= LONG.length) break;
        offsets.push(at);
      }
      const blocks = split(cut(LONG, offsets));
      checkShape(blocks);
      checkSame(blocks, LONG);
      expect(items(blocks)).toEqual(expected);
    }
  });
});

describe("LineSplitter: blocks", () => {
  test("one chunk of whole lines is one block, delivered as it is", () => {
    expect(split([Buffer.from("a\nb\nc\n")])).toEqual([
      { bytes: Buffer.from("a\nb\nc\n"), terminated: true },
    ]);
  });

  test("a big chunk of lines none over MAX_LINE is still one block (one write downstream)", () => {
    const input = Buffer.concat([Buffer.from("a\n"), line(MAX_LINE, "m"), line(MAX_LINE - 1, "n")]);
    expect(split([input]).map((b) => [b.bytes.length, b.terminated])).toEqual([
      [input.length, true],
    ]);
  });

  test("a line finished by the next chunk comes joined in one block, then the lines after it", () => {
    expect(split([Buffer.from("a\nbe"), Buffer.from("gun\nc\nd")])).toEqual([
      { bytes: Buffer.from("a\n"), terminated: true },
      { bytes: Buffer.from("begun\n"), terminated: true },
      { bytes: Buffer.from("c\n"), terminated: true },
      { bytes: Buffer.from("d"), terminated: false },
    ]);
  });

  test("invalid UTF-8, NUL bytes and escape sequences pass through unchanged", () => {
    const input = Buffer.from([
      0xff, 0xc3, 0x28, 0x0a, 0x00, 0x00, 0x0a, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x72, 0x1b, 0x5b,
      0x30, 0x6d, 0x0a, 0xed, 0xa0, 0x80, 0x0d, 0x0a, 0x80,
    ]);
    expect(split([input])).toEqual([
      { bytes: input.subarray(0, 23), terminated: true },
      { bytes: Buffer.from([0x80]), terminated: false },
    ]);
    // Byte by byte: each line on its own, the same bytes.
    expect(
      split(
        cut(
          input,
          Array.from({ length: 23 }, (_, i) => i + 1),
        ),
      ),
    ).toEqual([
      { bytes: Buffer.from([0xff, 0xc3, 0x28, 0x0a]), terminated: true },
      { bytes: Buffer.from([0x00, 0x00, 0x0a]), terminated: true },
      { bytes: Buffer.from("\x1b[31mr\x1b[0m\n", "latin1"), terminated: true },
      { bytes: Buffer.from([0xed, 0xa0, 0x80, 0x0d, 0x0a]), terminated: true },
      { bytes: Buffer.from([0x80]), terminated: false },
    ]);
  });

  test("end() delivers the last line without newline, and nothing when there is none", () => {
    expect(split([Buffer.from("a\nrest")]).at(-1)).toEqual({
      bytes: Buffer.from("rest"),
      terminated: false,
    });
    expect(split([Buffer.from("a\n")])).toHaveLength(1);
    expect(split([Buffer.from("a\n"), Buffer.alloc(0)])).toHaveLength(1);
    expect(split([])).toEqual([]);
    // A second end() has nothing left to deliver.
    const splitter = new LineSplitter();
    const seen: string[] = [];
    const collect = (block: Uint8Array) => seen.push(Buffer.from(block).toString());
    splitter.push(Buffer.from("x"), collect);
    splitter.end(collect);
    splitter.end(collect);
    expect(seen).toEqual(["x"]);
  });
});

describe("LineSplitter: over-long lines", () => {
  test("a line of exactly MAX_LINE bytes is whole, however it is cut; one byte more is cut", () => {
    const exact = line(MAX_LINE, "x");
    for (const offsets of [[], [1], [MAX_LINE - 1], [MAX_LINE], [65536, 2 * 65536]]) {
      expect(split(cut(exact, offsets)).map((b) => [b.bytes.length, b.terminated])).toEqual([
        [MAX_LINE + 1, true],
      ]);
    }
    const over = line(MAX_LINE + 1, "x");
    for (const offsets of [[], [1], [MAX_LINE], [MAX_LINE + 1]]) {
      expect(split(cut(over, offsets)).map((b) => [b.bytes.length, b.terminated])).toEqual([
        [MAX_LINE, false],
        [2, true],
      ]);
    }
  });

  test("a 3 MiB + 5 byte line in 64 KiB chunks: MAX_LINE pieces, then the rest with its newline", () => {
    const input = Buffer.concat([line(3 * MAX_LINE + 5, "y"), Buffer.from("next\n")]);
    const offsets: number[] = [];
    for (let at = 65536; at < input.length; at += 65536) offsets.push(at);
    const blocks = split(cut(input, offsets));
    expect(blocks.map((b) => [b.bytes.length, b.terminated])).toEqual([
      [MAX_LINE, false],
      [MAX_LINE, false],
      [MAX_LINE, false],
      [6, true],
      [5, true],
    ]);
    checkSame(blocks, input);
  });

  test("the same 3 MiB + 5 byte line in one chunk", () => {
    const input = line(3 * MAX_LINE + 5, "y");
    const blocks = split([input]);
    expect(blocks.map((b) => [b.bytes.length, b.terminated])).toEqual([
      [MAX_LINE, false],
      [MAX_LINE, false],
      [MAX_LINE, false],
      [6, true],
    ]);
    checkSame(blocks, input);
  });

  test("an over-long line inside one big chunk, between ordinary lines", () => {
    const input = Buffer.concat([
      Buffer.from("before\n"),
      line(2 * MAX_LINE + 1, "z"),
      Buffer.from("after\n"),
    ]);
    const blocks = split([input]);
    checkShape(blocks);
    expect(blocks.map((b) => [b.bytes.length, b.terminated])).toEqual([
      [7, true],
      [MAX_LINE, false],
      [MAX_LINE, false],
      [8, true], // the over-long line's end and the next line, one block
    ]);
    checkSame(blocks, input);
  });

  test("a last line over MAX_LINE without newline: pieces, the rest at end()", () => {
    expect(
      split([Buffer.alloc(MAX_LINE + 10, "q")]).map((b) => [b.bytes.length, b.terminated]),
    ).toEqual([
      [MAX_LINE, false],
      [10, false],
    ]);
    // Exactly 2 × MAX_LINE: two full pieces, nothing after.
    expect(
      split([Buffer.alloc(2 * MAX_LINE, "q")]).map((b) => [b.bytes.length, b.terminated]),
    ).toEqual([
      [MAX_LINE, false],
      [MAX_LINE, false],
    ]);
  });
});
