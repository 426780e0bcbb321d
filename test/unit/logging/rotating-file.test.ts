// Size rotation as supervisord does it, at line ends only: real files in a
// scratch directory.

import { afterAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RotatingFile } from "../../../src/logging/rotating-file.ts";

const dir = mkdtempSync(join(tmpdir(), "tend-rotate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 30-byte numbered lines: `line 000001 ...\n`. */
function line(i: number): string {
  return `${`line ${String(i).padStart(6, "0")} `.padEnd(29, ".")}\n`;
}

function troubles(): { seen: (string | undefined)[]; report: (p: string | undefined) => void } {
  const seen: (string | undefined)[] = [];
  return { seen, report: (problem) => seen.push(problem) };
}

describe("RotatingFile", () => {
  test("maxbytes=0 never rotates", () => {
    const path = join(dir, "never.log");
    const file = new RotatingFile(path, 0, 3, () => {});
    for (let i = 1; i <= 100; i++) file.write(Buffer.from(line(i)));
    file.close();
    expect(readFileSync(path, "utf8")).toBe(
      Array.from({ length: 100 }, (_, i) => line(i + 1)).join(""),
    );
    expect(existsSync(`${path}.1`)).toBe(false);
  });

  test("maxbytes=100, backups=3: whole lines, at most one line over, the newest lines kept", () => {
    const path = join(dir, "rotated.log");
    const file = new RotatingFile(path, 100, 3, () => {});
    // Blocks of 7 lines (210 bytes), each cut at line ends by the file.
    for (let start = 1; start <= 70; start += 7) {
      file.write(Buffer.from(Array.from({ length: 7 }, (_, k) => line(start + k)).join("")));
    }
    file.close();
    expect(existsSync(`${path}.4`)).toBe(false);
    const kept = [`${path}.3`, `${path}.2`, `${path}.1`, path].map((p) => readFileSync(p, "utf8"));
    for (const text of kept.slice(0, 3)) {
      expect(text.length).toBe(120); // 100 reached within the 4th line: 4 × 30
      expect(text.endsWith("\n")).toBe(true);
    }
    const all = kept.join("");
    const numbers = all
      .split("\n")
      .filter(Boolean)
      .map((l) => Number(l.slice(5, 11)));
    expect(numbers.at(-1)).toBe(70);
    expect(numbers).toEqual(numbers.map((_, k) => (numbers[0] as number) + k));
  });

  test("backups=0 empties the file instead of keeping .1", () => {
    const path = join(dir, "nobackup.log");
    const file = new RotatingFile(path, 60, 0, () => {});
    for (let i = 1; i <= 5; i++) file.write(Buffer.from(line(i)));
    file.close();
    expect(readFileSync(path, "utf8")).toBe(line(5));
    expect(existsSync(`${path}.1`)).toBe(false);
  });

  test("an existing file's size counts: appending to 90 bytes rotates after the first line", () => {
    const path = join(dir, "existing.log");
    writeFileSync(path, `${"x".repeat(89)}\n`);
    const file = new RotatingFile(path, 100, 2, () => {});
    file.write(Buffer.from(line(1) + line(2)));
    file.close();
    expect(readFileSync(`${path}.1`, "utf8")).toBe(`${"x".repeat(89)}\n${line(1)}`);
    expect(readFileSync(path, "utf8")).toBe(line(2));
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
    expect(readFileSync(`${path}.old`, "utf8")).toBe(line(1) + line(2));
  });

  test("an unopenable path is reported once, and writing resumes when it becomes possible", async () => {
    const parent = join(dir, "later");
    const path = join(parent, "app.log");
    const { seen, report } = troubles();
    const file = new RotatingFile(path, 0, 0, report);
    for (let i = 0; i < 50; i++) file.write(Buffer.from(line(i)));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain(`cannot open log file ${path}`);
    mkdirSync(parent);
    await Bun.sleep(1050); // retries are throttled to one a second
    file.write(Buffer.from(line(99)));
    file.close();
    expect(seen).toEqual([seen[0], undefined]);
    expect(readFileSync(path, "utf8")).toBe(line(99));
  });
});
