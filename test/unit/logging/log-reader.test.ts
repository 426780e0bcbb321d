// readLog / tailLog follow supervisord's readFile / tailFile (options.py)
// over any log: the values below are what those functions return for a
// 10-byte file "0123456789". The ring keeps the last bytes of a stream.

import { describe, expect, test } from "bun:test";
import {
  LogReadError,
  type LogReader,
  RingLog,
  readLog,
  tailLog,
} from "../../../src/logging/log-reader.ts";

/** A log that keeps everything, as a file does. */
function fileLike(text: string): LogReader {
  let bytes = Buffer.from(text);
  return {
    size: () => bytes.length,
    read: (position, length) => bytes.subarray(position, position + length),
    clear: () => {
      bytes = Buffer.alloc(0);
    },
  };
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();

describe("readLog (supervisord's readFile)", () => {
  const cases: [offset: number, length: number, expected: string][] = [
    [0, 0, "0123456789"],
    [0, 4, "0123"],
    [3, 4, "3456"],
    [8, 10, "89"],
    [10, 0, ""],
    [12, 3, ""],
    [-4, 0, "6789"],
    [-20, 0, "0123456789"],
  ];
  for (const [offset, length, expected] of cases) {
    test(`offset ${offset}, length ${length} → ${JSON.stringify(expected)}`, () => {
      expect(text(readLog(fileLike("0123456789"), offset, length))).toBe(expected);
    });
  }

  test("a negative offset with a length, or a negative length: BAD_ARGUMENTS", () => {
    expect(() => readLog(fileLike("0123456789"), -4, 2)).toThrow(LogReadError);
    expect(() => readLog(fileLike("0123456789"), 0, -2)).toThrow("BAD_ARGUMENTS");
  });
});

describe("tailLog (supervisord's tailFile)", () => {
  const cases: [offset: number, length: number, bytes: string, next: number, overflow: boolean][] =
    [
      [0, 1600, "0123456789", 10, false],
      [0, 4, "6789", 10, true],
      [6, 4, "6789", 10, false],
      [8, 4, "6789", 10, false],
      [10, 4, "", 10, false],
      [15, 4, "", 10, false],
      [2, 0, "", 10, true],
    ];
  for (const [offset, length, bytes, next, overflow] of cases) {
    test(`offset ${offset}, length ${length} → [${JSON.stringify(bytes)}, ${next}, ${overflow}]`, () => {
      const result = tailLog(fileLike("0123456789"), offset, length);
      expect([text(result.bytes), result.offset, result.overflow]).toEqual([bytes, next, overflow]);
    });
  }

  test("an empty log", () => {
    const result = tailLog(fileLike(""), 0, 100);
    expect([text(result.bytes), result.offset, result.overflow]).toEqual(["", 0, false]);
  });
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

  test("a write larger than the ring keeps its end", () => {
    const ring = new RingLog(4);
    ring.write(Buffer.from("x"));
    ring.write(Buffer.from("0123456789"));
    expect(ring.size()).toBe(11);
    expect(text(ring.read(0, 11))).toBe("6789");
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

  test("tail over a ring reports overflow like a file", () => {
    const ring = new RingLog(64);
    ring.write(Buffer.from("0123456789"));
    const result = tailLog(ring, 0, 4);
    expect([text(result.bytes), result.offset, result.overflow]).toEqual(["6789", 10, true]);
  });

  test("clear() starts over; capacity 0 keeps nothing", () => {
    const ring = new RingLog(8);
    ring.write(Buffer.from("abc"));
    ring.clear();
    expect(ring.size()).toBe(0);
    ring.write(Buffer.from("de"));
    expect(text(readLog(ring, 0, 0))).toBe("de");
    const none = new RingLog(0);
    none.write(Buffer.from("abc"));
    expect(text(readLog(none, 0, 0))).toBe("");
  });
});
