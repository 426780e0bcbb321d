// Size rotation as supervisord does it (RotatingFileHandler.doRollover:
// rotate once a write leaves the file at maxbytes or more), but at line ends
// only: real files in a scratch directory.

import { afterAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tailLog } from "../../../src/logging/log-reader.ts";
import { RotatingFile } from "../../../src/logging/rotating-file.ts";
import { FileSink } from "../../../src/logging/sinks.ts";

const dir = mkdtempSync(join(tmpdir(), "tend-rotate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 30-byte numbered lines: `line 000001 .................\n`. */
function line(i: number): string {
  return `${`line ${String(i).padStart(6, "0")} `.padEnd(29, ".")}\n`;
}

/** Lines from..to (inclusive), joined. */
function lines(from: number, to: number): string {
  let text = "";
  for (let i = from; i <= to; i++) text += line(i);
  return text;
}

function troubles(): { seen: (string | undefined)[]; report: (p: string | undefined) => void } {
  const seen: (string | undefined)[] = [];
  return { seen, report: (problem) => seen.push(problem) };
}

const read = (path: string) => readFileSync(path, "latin1");
/** The files in the scratch directory whose names start with `name`. */
const filesOf = (name: string) =>
  readdirSync(dir)
    .filter((f) => f === name || f.startsWith(`${name}.`))
    .sort();

describe("RotatingFile: rotation", () => {
  test("maxbytes=0 never rotates", () => {
    const path = join(dir, "never.log");
    const file = new RotatingFile(path, 0, 3, () => {});
    for (let i = 1; i <= 100; i++) file.write(Buffer.from(line(i)));
    file.close();
    expect(read(path)).toBe(lines(1, 100));
    expect(filesOf("never.log")).toEqual(["never.log"]);
  });

  test("maxbytes=100, backups=3, lines one at a time: 4 lines a file, the newest kept", () => {
    const path = join(dir, "single.log");
    const file = new RotatingFile(path, 100, 3, () => {});
    for (let i = 1; i <= 202; i++) file.write(Buffer.from(line(i)));
    file.close();
    // Line ends fall at 30, 60, 90, 120: 100 is reached within the 4th line,
    // so each full file is 120 bytes (maxbytes + less than a line).
    expect(filesOf("single.log")).toEqual([
      "single.log",
      "single.log.1",
      "single.log.2",
      "single.log.3",
    ]);
    expect(read(`${path}.3`)).toBe(lines(189, 192));
    expect(read(`${path}.2`)).toBe(lines(193, 196));
    expect(read(`${path}.1`)).toBe(lines(197, 200));
    expect(read(path)).toBe(lines(201, 202));
  });

  test("the same in blocks of 1 to 9 lines: each block is cut at the line end past maxbytes", () => {
    let seed = 3;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 10; round++) {
      const name = `blocks-${round}.log`;
      const path = join(dir, name);
      const file = new RotatingFile(path, 100, 3, () => {});
      for (let next = 1; next <= 202; ) {
        const last = Math.min(202, next + Math.floor(random() * 9));
        file.write(Buffer.from(lines(next, last)));
        next = last + 1;
      }
      file.close();
      // Whatever the blocks, the files are what one line at a time gives.
      expect(filesOf(name)).toEqual([name, `${name}.1`, `${name}.2`, `${name}.3`]);
      expect([`${path}.3`, `${path}.2`, `${path}.1`, path].map(read)).toEqual([
        lines(189, 192),
        lines(193, 196),
        lines(197, 200),
        lines(201, 202),
      ]);
    }
  });

  test("a file that reaches maxbytes exactly at a line end rotates then", () => {
    const path = join(dir, "exact.log");
    const file = new RotatingFile(path, 90, 1, () => {});
    file.write(Buffer.from(lines(1, 3)));
    expect(read(`${path}.1`)).toBe(lines(1, 3));
    expect(read(path)).toBe("");
    file.write(Buffer.from(lines(4, 7)));
    file.close();
    expect(read(`${path}.1`)).toBe(lines(4, 6)); // the older .1 is gone (backups=1)
    expect(read(path)).toBe(line(7));
  });

  test("a line longer than maxbytes is not cut: written whole, then the file rotates", () => {
    const path = join(dir, "long-line.log");
    const file = new RotatingFile(path, 100, 2, () => {});
    const long = `${"L".repeat(250)}\n`;
    file.write(Buffer.from(line(1) + long + line(2)));
    file.close();
    expect(read(`${path}.1`)).toBe(line(1) + long);
    expect(read(path)).toBe(line(2));
  });

  test("backups=0 empties the file instead of keeping .1", () => {
    const path = join(dir, "nobackup.log");
    const file = new RotatingFile(path, 60, 0, () => {});
    for (let i = 1; i <= 5; i++) file.write(Buffer.from(line(i)));
    file.close();
    expect(read(path)).toBe(line(5));
    expect(filesOf("nobackup.log")).toEqual(["nobackup.log"]);
  });

  test("an existing file's size counts: appending to 90 bytes rotates after the first line", () => {
    const path = join(dir, "existing.log");
    writeFileSync(path, `${"x".repeat(89)}\n`);
    const file = new RotatingFile(path, 100, 2, () => {});
    file.write(Buffer.from(line(1) + line(2)));
    file.close();
    expect(read(`${path}.1`)).toBe(`${"x".repeat(89)}\n${line(1)}`);
    expect(read(path)).toBe(line(2));
  });

  test("FileSink hands each block to the file as it is, pieces included", () => {
    const path = join(dir, "sink.log");
    const file = new RotatingFile(path, 0, 0, () => {});
    const sink = new FileSink(file);
    sink.deliver(Buffer.from("a\nb\n", "latin1"), true);
    sink.deliver(Buffer.from("piece\xff", "latin1"), false); // a file gets the bytes exactly
    sink.deliver(Buffer.from("\n", "latin1"), true);
    file.close();
    expect(read(path)).toBe("a\nb\npiece\xff\n");
  });
});

describe("RotatingFile: reading, reopening, trouble", () => {
  test("size() and read() reflect the current file; clear() empties it", () => {
    const path = join(dir, "reader.log");
    const file = new RotatingFile(path, 100, 1, () => {});
    expect(file.size()).toBe(0);
    file.write(Buffer.from(lines(1, 2)));
    expect(file.size()).toBe(60);
    expect(Buffer.from(file.read(30, 100)).toString("latin1")).toBe(line(2));
    expect(Buffer.from(file.read(0, 5)).toString("latin1")).toBe("line ");
    expect(file.read(60, 10)).toHaveLength(0);
    file.write(Buffer.from(lines(3, 5))); // rotates after line 4
    expect(file.size()).toBe(30);
    expect(Buffer.from(file.read(0, 100)).toString("latin1")).toBe(line(5));
    file.clear();
    expect(file.size()).toBe(0);
    file.write(Buffer.from(line(6)));
    expect(read(path)).toBe(line(6)); // written at the start, not after a hole
    file.close();
    expect(file.size()).toBe(0);
  });

  test("reopen() after the file was moved away writes to a fresh file at the path", () => {
    const path = join(dir, "moved.log");
    const file = new RotatingFile(path, 0, 0, () => {});
    file.write(Buffer.from(line(1)));
    renameSync(path, `${path}.old`);
    file.write(Buffer.from(line(2))); // still the moved file
    file.reopen();
    file.write(Buffer.from(line(3)));
    expect(file.size()).toBe(30);
    expect(Buffer.from(file.read(0, 100)).toString()).toBe(line(3));
    file.close();
    expect(read(`${path}.old`)).toBe(line(1) + line(2));
    expect(read(path)).toBe(line(3));
  });

  test("an unopenable path is reported once, and writing resumes when it becomes possible", async () => {
    const parent = join(dir, "later");
    const path = join(parent, "app.log");
    const { seen, report } = troubles();
    const file = new RotatingFile(path, 0, 0, report);
    for (let i = 0; i < 50; i++) file.write(Buffer.from(line(i)));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toStartWith(`cannot open log file ${path}: `);
    expect(seen[0]).toContain("ENOENT");
    expect(file.size()).toBe(0);
    expect(file.read(0, 100)).toHaveLength(0);
    expect(existsSync(parent)).toBe(false);
    file.reopen(); // an immediate retry, still failing: not reported again
    expect(seen).toHaveLength(1);
    mkdirSync(parent);
    file.write(Buffer.from(line(51))); // within a second of the last try: not yet
    expect(existsSync(path)).toBe(false);
    await Bun.sleep(1050);
    file.write(Buffer.from(line(52)));
    file.write(Buffer.from(line(53)));
    file.close();
    expect(seen).toEqual([seen[0], undefined]);
    expect(read(path)).toBe(line(52) + line(53)); // what came while failing is lost
  });

  test("reopen() retries at once, whatever the throttle", () => {
    const parent = join(dir, "reopened");
    const path = join(parent, "app.log");
    const { seen, report } = troubles();
    const file = new RotatingFile(path, 0, 0, report);
    mkdirSync(parent);
    file.reopen();
    file.write(Buffer.from(line(1)));
    file.close();
    expect(seen.length).toBe(2);
    expect(seen[1]).toBeUndefined();
    expect(read(path)).toBe(line(1));
  });

  // BUG (minor): tailLog passes `length` on unclamped when the log is
  // smaller (supervisord's tailFile reads "as many bytes as are available"),
  // and RotatingFile.read allocates a buffer of `length` bytes up front. A
  // large length from an RPC client throws a RangeError (here) or allocates
  // gigabytes for a 10-byte file. Expected: ["0123456789", 10, false].
  test("tailLog over a file with a huge length returns what there is", () => {
    const path = join(dir, "tail.log");
    const file = new RotatingFile(path, 0, 0, () => {});
    file.write(Buffer.from("0123456789"));
    const result = tailLog(file, 0, 2 ** 33);
    file.close();
    expect([Buffer.from(result.bytes).toString(), result.offset, result.overflow]).toEqual([
      "0123456789",
      10,
      false,
    ]);
  });
});
