// readLog / tailLog follow supervisord's readFile / tailFile (options.py)
// over any log. The tables hold what those Python functions return for files
// of 0, 1 and 10 bytes ("", "0", "0123456789"); each is checked over a log
// that keeps everything (as a file does) and over a ring big enough to.

import { describe, expect, test } from "bun:test";
import { Followers } from "../../../src/logging/followers.ts";
import {
  LogReadError,
  type LogReader,
  RingLog,
  readLog,
  tailLog,
} from "../../../src/logging/log-reader.ts";

/** A log that keeps everything, as a file does: reads past the end come back short. */
class MemoryLog implements LogReader {
  readonly followers = new Followers();
  constructor(private bytes: Uint8Array) {}
  size(): number {
    return this.bytes.length;
  }
  read(position: number, length: number): Uint8Array {
    return this.bytes.slice(position, position + length);
  }
  clear(): void {
    this.bytes = new Uint8Array(0);
  }
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");
const CONTENT = "0123456789";

/** The two kinds of log, holding the first `size` bytes of CONTENT. */
const LOGS: [name: string, make: (size: number) => LogReader][] = [
  ["file", (size) => new MemoryLog(Buffer.from(CONTENT.slice(0, size)))],
  [
    "ring",
    (size) => {
      const ring = new RingLog(16);
      ring.write(Buffer.from("junk before clear"));
      ring.clear();
      // In two writes, so the second starts where the first ended.
      ring.write(Buffer.from(CONTENT.slice(0, Math.min(size, 3))));
      ring.write(Buffer.from(CONTENT.slice(3, size)));
      return ring;
    },
  ],
];

// supervisord's readFile(filename, offset, length), by file size.
const BAD = "BAD_ARGUMENTS";
const READS: [size: number, offset: number, length: number, expected: string][] = [
  // Empty file: nothing anywhere, but bad arguments are still bad.
  [0, 0, 0, ""],
  [0, 0, 4, ""],
  [0, 3, 4, ""],
  [0, -4, 0, ""],
  [0, -4, 2, BAD],
  [0, 0, -2, BAD],
  // One byte.
  [1, 0, 0, "0"],
  [1, 0, 4, "0"],
  [1, 1, 0, ""],
  [1, 3, 4, ""],
  [1, -1, 0, "0"],
  [1, -20, 0, "0"],
  [1, -4, 2, BAD],
  [1, 5, -1, BAD],
  // Ten bytes.
  [10, 0, 0, "0123456789"], // length 0: everything from offset
  [10, 1, 0, "123456789"],
  [10, 0, 4, "0123"],
  [10, 3, 4, "3456"],
  [10, 8, 10, "89"], // as much as there is
  [10, 9, 1, "9"],
  [10, 10, 0, ""], // at the end
  [10, 10, 5, ""],
  [10, 12, 3, ""], // beyond the end
  [10, -1, 0, "9"], // negative offset: the last |offset| bytes
  [10, -4, 0, "6789"],
  [10, -10, 0, "0123456789"],
  [10, -20, 0, "0123456789"],
  [10, -4, 2, BAD], // negative offset needs length 0
  [10, -4, -2, BAD],
  [10, 0, -2, BAD], // negative length
  [10, 5, -1, BAD],
];

// supervisord's tailFile(filename, offset, length) → [bytes, offset, overflow].
const TAILS: [
  size: number,
  offset: number,
  length: number,
  bytes: string,
  next: number,
  overflow: boolean,
][] = [
  [0, 0, 1600, "", 0, false],
  [0, 0, 0, "", 0, false],
  [0, 10, 4, "", 0, false],
  [0, -3, 2, "", 0, true], // size 0 > -1: "grew" past offset + length
  [0, 0, -5, "", 0, true],
  [0, -20, 100, "", 0, false],
  [1, 0, 1600, "0", 1, false],
  [1, 0, 0, "", 1, true],
  [1, 2, 0, "", 1, false],
  [1, 6, 4, "", 1, false],
  [1, -3, 2, "0", 1, true],
  [1, 0, -5, "", 1, true],
  [1, -20, 100, "0", 1, false],
  [10, 0, 1600, "0123456789", 10, false],
  [10, 0, 10, "0123456789", 10, false],
  [10, 0, 9, "123456789", 10, true], // grew past 0 + 9: the last 9 bytes
  [10, 0, 4, "6789", 10, true],
  [10, 3, 6, "456789", 10, true],
  [10, 4, 6, "456789", 10, false],
  [10, 6, 4, "6789", 10, false],
  [10, 8, 4, "6789", 10, false], // up to `length` bytes ending at the end
  [10, 9, 1, "9", 10, false],
  [10, 10, 4, "", 10, false], // nothing new
  [10, 10, 0, "", 10, false],
  [10, 11, 0, "", 10, false],
  [10, 15, 4, "", 10, false], // past the end (the log was cleared): offset = size
  [10, 2, 0, "", 10, true], // length 0: nothing, but overflow
  [10, 0, 0, "", 10, true],
  [10, -3, 2, "89", 10, true],
  [10, 0, -5, "", 10, true],
  [10, -5, -5, "", 10, true],
  [10, -20, 100, "0123456789", 10, false],
];

for (const [name, make] of LOGS) {
  describe(`readLog (supervisord's readFile) over a ${name}`, () => {
    for (const size of [0, 1, 10]) {
      test(`size ${size}`, () => {
        const rows = READS.filter((row) => row[0] === size);
        const got = rows.map(([, offset, length]) => {
          try {
            return [offset, length, text(readLog(make(size), offset, length))];
          } catch (error) {
            expect(error).toBeInstanceOf(LogReadError);
            return [offset, length, (error as LogReadError).fault];
          }
        });
        expect(got).toEqual(rows.map(([, offset, length, expected]) => [offset, length, expected]));
      });
    }
  });

  describe(`tailLog (supervisord's tailFile) over a ${name}`, () => {
    for (const size of [0, 1, 10]) {
      test(`size ${size}`, () => {
        const rows = TAILS.filter((row) => row[0] === size);
        const got = rows.map(([, offset, length]) => {
          const result = tailLog(make(size), offset, length);
          return [offset, length, text(result.bytes), result.offset, result.overflow];
        });
        expect(got).toEqual(rows.map(([, ...rest]) => rest));
      });
    }
  });
}

describe("readLog / tailLog", () => {
  test("the refusal is a LogReadError whose fault and message are BAD_ARGUMENTS", () => {
    const log = new MemoryLog(Buffer.from(CONTENT));
    expect(() => readLog(log, -4, 2)).toThrow(LogReadError);
    expect(() => readLog(log, 0, -2)).toThrow("BAD_ARGUMENTS");
  });

  test("a tail loop: each call passes the offset the last one returned", () => {
    // supervisord's values for the same sequence on a file. Without overflow
    // the answer is still the last `length` bytes, some already seen.
    const ring = new RingLog(1024);
    const step = (offset: number, length: number) => {
      const result = tailLog(ring, offset, length);
      return [text(result.bytes), result.offset, result.overflow] as const;
    };
    ring.write(Buffer.from("a".repeat(50)));
    expect(step(0, 10)).toEqual(["aaaaaaaaaa", 50, true]);
    ring.write(Buffer.from("bbbbb"));
    expect(step(50, 10)).toEqual(["aaaaabbbbb", 55, false]);
    ring.write(Buffer.from("c".repeat(20)));
    expect(step(55, 10)).toEqual(["cccccccccc", 75, true]);
    expect(step(75, 10)).toEqual(["", 75, false]);
    ring.clear();
    ring.write(Buffer.from("new\n"));
    // The caller's offset is past the end of a cleared log: nothing, offset = size.
    expect(step(75, 10)).toEqual(["", 4, false]);
    expect(step(4, 10)).toEqual(["", 4, false]);
    expect(step(0, 10)).toEqual(["new\n", 4, false]);
  });
});

describe("readLog / tailLog with at most `most` bytes (tend's cap on a reply)", () => {
  const log = new MemoryLog(Buffer.from(CONTENT));
  test.each([
    // offset, length, most: what comes back
    [0, 0, 4, "0123"], // everything from 0: its first 4 bytes
    [0, 100, 4, "0123"],
    [4, 0, 4, "4567"], // reading on from where the last read ended
    [8, 0, 4, "89"],
    [2, 3, 4, "234"], // within the cap: as asked
    [-8, 0, 4, "6789"], // the last 8: their last 4 (the end of the log)
    [-2, 0, 4, "89"],
    [0, 0, 0, ""],
  ])("readLog(%d, %d) with most %d is %p", (offset, length, most, expected) => {
    expect(text(readLog(log, offset, length, most))).toBe(expected);
  });

  test.each([
    // offset, length, most: bytes, next offset, overflow
    [0, 100, 4, "6789", 10, true],
    [8, 100, 4, "6789", 10, false],
    [0, 100, 0, "", 10, true],
    [10, 100, 4, "", 10, false],
  ])(
    "tailLog(%d, %d) with most %d is [%p, %d, %p]",
    (offset, length, most, bytes, next, overflow) => {
      const result = tailLog(log, offset, length, most);
      expect([text(result.bytes), result.offset, result.overflow]).toEqual([bytes, next, overflow]);
    },
  );
});

describe("RingLog", () => {
  test("keeps the last `capacity` bytes; size counts everything written", () => {
    const ring = new RingLog(8);
    ring.write(Buffer.from("abcdef"));
    ring.write(Buffer.from("ghij"));
    expect(ring.size()).toBe(10);
    expect(text(readLog(ring, 0, 0))).toBe("cdefghij");
    expect(text(readLog(ring, -3, 0))).toBe("hij");
    expect(text(ring.read(1, 4))).toBe("cde"); // byte 1 is no longer kept
  });

  test("a range partly older than what is kept: only the kept part", () => {
    const ring = new RingLog(7);
    ring.write(Buffer.from(CONTENT)); // keeps "3456789"
    const cases: [position: number, length: number, expected: string][] = [
      [0, 10, "3456789"],
      [0, 3, ""], // all of it gone
      [0, 5, "34"],
      [2, 2, "3"],
      [3, 2, "34"],
      [8, 5, "89"],
      [10, 5, ""],
    ];
    expect(cases.map(([position, length]) => text(ring.read(position, length)))).toEqual(
      cases.map((c) => c[2]),
    );
    expect(text(readLog(ring, 1, 4))).toBe("34");
    expect(text(readLog(ring, -8, 0))).toBe("3456789");
    const tail = tailLog(ring, 0, 1600);
    expect([text(tail.bytes), tail.offset, tail.overflow]).toEqual(["3456789", 10, false]);
  });

  test("a write of exactly the capacity, and one larger, keep their end", () => {
    const ring = new RingLog(4);
    ring.write(Buffer.from("abcd"));
    expect(text(ring.read(0, 4))).toBe("abcd");
    ring.write(Buffer.from("x"));
    ring.write(Buffer.from("0123456789"));
    expect(ring.size()).toBe(15);
    expect(text(ring.read(0, 15))).toBe("6789");
    ring.write(Buffer.from("ABCD")); // exactly the capacity again, from a wrapped position
    expect(text(ring.read(0, 19))).toBe("ABCD");
    ring.write(new Uint8Array(0));
    expect([ring.size(), text(ring.read(0, 19))]).toEqual([19, "ABCD"]);
  });

  test("wraps around many times and still reads in order", () => {
    const ring = new RingLog(7);
    let all = "";
    for (let i = 0; i < 100; i++) {
      const piece = `${i};`;
      ring.write(Buffer.from(piece));
      all += piece;
      expect(text(readLog(ring, -7, 0))).toBe(all.slice(-7));
    }
  });

  test("random writes and reads agree with a plain string of everything written", () => {
    let seed = 1;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n);
    };
    for (const capacity of [1, 5, 64]) {
      const ring = new RingLog(capacity);
      let all = "";
      for (let step = 0; step < 300; step++) {
        const piece = String.fromCharCode(
          ...Array.from({ length: random(2 * capacity + 2) }, () => 97 + random(26)),
        );
        ring.write(Buffer.from(piece));
        all += piece;
        const position = random(all.length + 3);
        const length = random(2 * capacity + 3);
        const kept = Math.max(0, all.length - capacity);
        const expected = all.slice(Math.max(position, kept), Math.max(kept, position + length));
        expect([capacity, step, text(ring.read(position, length))]).toEqual([
          capacity,
          step,
          expected,
        ]);
        expect(ring.size()).toBe(all.length);
      }
    }
  });

  test("tail over a ring reports overflow like a file", () => {
    const ring = new RingLog(64);
    ring.write(Buffer.from(CONTENT));
    const result = tailLog(ring, 0, 4);
    expect([text(result.bytes), result.offset, result.overflow]).toEqual(["6789", 10, true]);
  });

  test("clear() resets the size to 0 and starts over", () => {
    const ring = new RingLog(8);
    ring.write(Buffer.from("abcdefghijk"));
    ring.clear();
    expect(ring.size()).toBe(0);
    expect(text(readLog(ring, 0, 0))).toBe("");
    ring.write(Buffer.from("de"));
    expect(ring.size()).toBe(2);
    expect(text(readLog(ring, 0, 0))).toBe("de");
  });

  test("capacity 0 keeps nothing", () => {
    const none = new RingLog(0);
    none.write(Buffer.from("abc"));
    none.write(Buffer.from("def\n"));
    expect(text(none.read(0, 100))).toBe("");
    expect(text(readLog(none, 0, 0))).toBe("");
    expect(text(readLog(none, -3, 0))).toBe("");
    expect(text(tailLog(none, 0, 100).bytes)).toBe("");
  });
});
