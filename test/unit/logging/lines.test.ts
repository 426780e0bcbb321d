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
    reused.fill(0x7e); // a caller may overwrite its buffer once push() returns
  }
  splitter.end(collect);
  return blocks;
}

function checkShape(blocks: readonly Block[]): void {
  for (const { bytes, terminated } of blocks) {
    if (terminated) expect(bytes.at(-1)).toBe(10);
    else expect(bytes.includes(10)).toBe(false);
    expect(bytes.length).toBeGreaterThan(0);
  }
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

describe("LineSplitter", () => {
  test("split at every offset: the blocks are the input exactly, in whole lines", () => {
    for (let cut = 0; cut <= SAMPLE.length; cut++) {
      const blocks = split([SAMPLE.subarray(0, cut), SAMPLE.subarray(cut)]);
      checkShape(blocks);
      expect(Buffer.concat(blocks.map((b) => b.bytes)).equals(SAMPLE)).toBe(true);
      expect(blocks.at(-1)).toEqual({
        bytes: Buffer.from("last without newline"),
        terminated: false,
      });
    }
  });

  test("random chunkings, byte by byte included", () => {
    const random = prng(42);
    for (let round = 0; round < 200; round++) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < SAMPLE.length; ) {
        const size = 1 + Math.floor(random() * 8);
        chunks.push(SAMPLE.subarray(at, at + size));
        at += size;
      }
      const blocks = split(chunks);
      checkShape(blocks);
      expect(Buffer.concat(blocks.map((b) => b.bytes)).equals(SAMPLE)).toBe(true);
    }
  });

  test("one chunk of whole lines is one block, delivered as it is", () => {
    expect(split([Buffer.from("a\nb\nc\n")])).toEqual([
      { bytes: Buffer.from("a\nb\nc\n"), terminated: true },
    ]);
  });

  test("nothing pending at the end: end() delivers nothing", () => {
    expect(split([Buffer.from("a\n")])).toHaveLength(1);
    expect(split([])).toEqual([]);
  });

  test("a line of exactly MAX_LINE bytes is whole; one byte more is cut", () => {
    const exact = Buffer.concat([Buffer.alloc(MAX_LINE, "x"), Buffer.from("\n")]);
    expect(split([exact]).map((b) => [b.bytes.length, b.terminated])).toEqual([
      [MAX_LINE + 1, true],
    ]);
    const over = Buffer.concat([Buffer.alloc(MAX_LINE + 1, "x"), Buffer.from("\n")]);
    expect(split([over]).map((b) => [b.bytes.length, b.terminated])).toEqual([
      [MAX_LINE, false],
      [2, true],
    ]);
  });

  test("a 3 MiB + 5 byte line in 64 KiB chunks: MAX_LINE pieces, then the rest with its newline", () => {
    const line = Buffer.concat([Buffer.alloc(3 * MAX_LINE + 5, "y"), Buffer.from("\nnext\n")]);
    const chunks: Buffer[] = [];
    for (let at = 0; at < line.length; at += 65536) chunks.push(line.subarray(at, at + 65536));
    const blocks = split(chunks);
    expect(blocks.map((b) => [b.bytes.length, b.terminated])).toEqual([
      [MAX_LINE, false],
      [MAX_LINE, false],
      [MAX_LINE, false],
      [6, true],
      [5, true],
    ]);
    expect(Buffer.concat(blocks.map((b) => b.bytes)).equals(line)).toBe(true);
  });

  test("an over-long line inside one big chunk, between ordinary lines", () => {
    const input = Buffer.concat([
      Buffer.from("before\n"),
      Buffer.alloc(2 * MAX_LINE + 1, "z"),
      Buffer.from("\nafter\n"),
    ]);
    const blocks = split([input]);
    checkShape(blocks);
    expect(blocks.map((b) => [b.bytes.length, b.terminated])).toEqual([
      [7, true],
      [MAX_LINE, false],
      [MAX_LINE, false],
      [8, true], // the over-long line's end and the next line, one block
    ]);
    expect(Buffer.concat(blocks.map((b) => b.bytes)).equals(input)).toBe(true);
  });

  test("a last line over MAX_LINE without newline: pieces, the rest at end()", () => {
    const input = Buffer.alloc(MAX_LINE + 10, "q");
    expect(split([input]).map((b) => [b.bytes.length, b.terminated])).toEqual([
      [MAX_LINE, false],
      [10, false],
    ]);
  });
});
