// The writer for descriptors tend does not own the pace of, on a real pipe:
// it never blocks, queues what does not fit (copies, whatever the caller does
// with its buffer afterwards), delivers it in order once the reader reads,
// and reports a vanished reader once.

import { describe, expect, test } from "bun:test";
import { closeSync } from "node:fs";
import { FdWriter, fileIdentity } from "../../../src/os/fd-writer.ts";
import { makePipe } from "../../../src/os/libc.ts";

/** Numbered 10-byte records `000000001\n`..., written through one reused buffer. */
function writeNumbered(writer: FdWriter, from: number, count: number, scratch: Buffer): number {
  let length = 0;
  for (let i = 0; i < count; i++)
    length += scratch.write(`${String(from + i).padStart(9, "0")}\n`, length);
  writer.write(scratch.subarray(0, length));
  scratch.fill(0x21); // the caller reuses its buffer at once
  return from + count;
}

/** Reads `bytes` bytes. (Not to end of file: the FileSink the writer used keeps a duplicate of the write end open.) */
async function readBytes(fd: number, bytes: number): Promise<string> {
  let text = "";
  const reader = Bun.file(fd).stream().getReader();
  while (text.length < bytes) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString("latin1");
  }
  reader.releaseLock();
  return text;
}

describe("FdWriter on a pipe", () => {
  test("a full pipe: writes return at once, the rest is queued, and arrives in order", async () => {
    const [readEnd, writeEnd] = makePipe();
    const writer = new FdWriter(writeEnd, () => {});
    const scratch = Buffer.alloc(100_000);
    let next = 1;
    // 40 × 100 KB = 4 MB: far more than a pipe holds, with nobody reading yet.
    for (let i = 0; i < 40; i++) next = writeNumbered(writer, next, 10_000, scratch);
    expect(writer.pending).toBeGreaterThan(3_000_000);
    const reading = readBytes(readEnd, 4_000_000);
    await writer.whenWritable();
    expect(writer.pending).toBe(0);
    const records = (await reading).split("\n").filter(Boolean);
    expect(records).toHaveLength(400_000);
    expect(records.every((record, i) => Number(record) === i + 1)).toBe(true);
    closeSync(writeEnd);
    closeSync(readEnd);
  });

  test("a reader that went away: EPIPE reported once, nothing thrown, later writes dropped", () => {
    const [readEnd, writeEnd] = makePipe();
    closeSync(readEnd);
    const failures: string[] = [];
    const writer = new FdWriter(writeEnd, (error) => failures.push(error.code));
    for (let i = 0; i < 5; i++) writer.write(Buffer.from("line\n"));
    expect(failures).toEqual(["EPIPE"]);
    expect(writer.pending).toBe(0);
    closeSync(writeEnd);
  });

  test("fileIdentity tells pipes apart", () => {
    const [r1, w1] = makePipe();
    const [r2, w2] = makePipe();
    expect(fileIdentity(w1)?.key).toBe(fileIdentity(r1)?.key);
    expect(fileIdentity(w1)?.key).not.toBe(fileIdentity(w2)?.key);
    expect(fileIdentity(w1)?.regular).toBe(false);
    for (const fd of [r1, w1, r2, w2]) closeSync(fd);
  });
});
