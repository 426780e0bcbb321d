// A log view's stream over a real tail ring: the last lines at once, from a
// line's start; new bytes as they are written (woken by the write, with no
// timer); a cleared log; what a slow page missed counted as skipped; a
// reconnecting page going on from its last id; bytes that are not UTF-8
// arriving as U+FFFD, a character cut between two writes arriving whole.

import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { logResponse, TAIL_BYTES } from "../../../src/control/dashboard-streams.ts";
import { RingLog } from "../../../src/logging/log-reader.ts";
import { RotatingFile } from "../../../src/logging/rotating-file.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

interface Event {
  readonly id: string;
  readonly type: string;
  readonly data: { text?: string; partial?: boolean; skipped?: number };
}

/** Reads a stream's events one at a time. */
function eventsOf(response: Response) {
  const reader = response.body?.getReader();
  if (!reader) throw new Error("no body");
  const decoder = new TextDecoder();
  let buffered = "";
  return async (): Promise<Event> => {
    while (!buffered.includes("\n\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the stream ended");
      buffered += decoder.decode(value, { stream: true });
    }
    const end = buffered.indexOf("\n\n");
    const block = buffered.slice(0, end);
    buffered = buffered.slice(end + 2);
    const field = (name: string) =>
      block
        .split("\n")
        .find((line) => line.startsWith(`${name}: `))
        ?.slice(name.length + 2) ?? "";
    return { id: field("id"), type: field("event"), data: JSON.parse(field("data")) };
  };
}

/** The log position an event's id ends with (the id also names the run and the log). */
const positionOf = (event: Event) => Number(event.id.slice(event.id.lastIndexOf("-") + 1));

/** Whether a promise is still pending after the event loop had a turn. */
async function pending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  return !settled;
}

describe("a log view's stream", () => {
  test("opens with the last lines, then each write as it comes, ids ending with the log's size", async () => {
    const log = new RingLog(1024 * 1024);
    log.write(bytes("one\ntwo\n"));
    const next = eventsOf(logResponse(log, new AbortController().signal, undefined));
    const tail = await next();
    expect(tail).toMatchObject({ type: "tail", data: { text: "one\ntwo\n", partial: false } });
    expect(positionOf(tail)).toBe(8);
    const coming = next();
    expect(await pending(coming)).toBe(true); // nothing new: it waits, it does not end
    log.write(bytes("three\n"));
    const three = await coming;
    expect(three).toMatchObject({ type: "append", data: { text: "three\n", skipped: 0 } });
    expect(positionOf(three)).toBe(14);
    expect(three.id.slice(0, three.id.lastIndexOf("-"))).toBe(
      tail.id.slice(0, tail.id.lastIndexOf("-")),
    );
  });

  test("a long log opens with its last 64 KiB, from the start of a line", async () => {
    const log = new RingLog(1024 * 1024);
    const line = `${"x".repeat(99)}\n`;
    for (let i = 0; i < 2000; i++) log.write(bytes(line));
    const next = eventsOf(logResponse(log, new AbortController().signal, undefined));
    const tail = await next();
    expect(tail.type).toBe("tail");
    expect(tail.data.partial).toBe(true);
    expect(tail.data.text?.length).toBeLessThanOrEqual(TAIL_BYTES);
    expect(tail.data.text?.length).toBeGreaterThan(TAIL_BYTES - 100);
    expect(tail.data.text?.startsWith("x")).toBe(true);
    expect(tail.data.text?.split("\n").every((l) => l === "" || l === "x".repeat(99))).toBe(true);
  });

  test("a cleared log: the page is told, then gets what comes after", async () => {
    const log = new RingLog(4096);
    log.write(bytes("old\n"));
    const next = eventsOf(logResponse(log, new AbortController().signal, undefined));
    await next();
    const coming = next();
    log.clear();
    expect((await coming).type).toBe("cleared");
    log.write(bytes("new\n"));
    expect(await next()).toMatchObject({ type: "append", data: { text: "new\n", skipped: 0 } });
  });

  test("what the ring lost before a slow page read it is counted as skipped, never sent twice", async () => {
    const log = new RingLog(100);
    const next = eventsOf(logResponse(log, new AbortController().signal, undefined));
    await next();
    // 300 bytes while the page reads nothing: the ring keeps the last 100.
    for (let i = 0; i < 30; i++) log.write(bytes(`${String(i).padStart(9, "0")}\n`));
    const event = await next();
    expect(event.data.skipped).toBe(200);
    expect(event.data.text).toBe(
      Array.from({ length: 10 }, (_, i) => `${String(20 + i).padStart(9, "0")}\n`).join(""),
    );
    expect(positionOf(event)).toBe(300);
  });

  test("a reconnecting page goes on from its last id: no tail again, nothing lost, nothing twice", async () => {
    const log = new RingLog(4096);
    log.write(bytes("a\nb\n"));
    const gone = new AbortController();
    const first = eventsOf(logResponse(log, gone.signal, undefined));
    const tail = await first();
    gone.abort();
    log.write(bytes("c\n"));
    const again = eventsOf(logResponse(log, new AbortController().signal, tail.id));
    const resumed = await again();
    expect(resumed).toMatchObject({ type: "append", data: { text: "c\n", skipped: 0 } });
    expect(positionOf(resumed)).toBe(6);
    // The same id given to another log's view: that log from its tail, not from position 4.
    const other = new RingLog(4096);
    other.write(bytes("x\ny\nz\n"));
    const elsewhere = eventsOf(logResponse(other, new AbortController().signal, tail.id));
    expect(await elsewhere()).toMatchObject({ type: "tail", data: { text: "x\ny\nz\n" } });
  });

  test("bytes that are not UTF-8 become U+FFFD; a character cut between writes arrives whole", async () => {
    const log = new RingLog(4096);
    const next = eventsOf(logResponse(log, new AbortController().signal, undefined));
    await next();
    log.write(new Uint8Array([0x62, 0x61, 0x64, 0xff, 0xfe, 0x0a]));
    expect((await next()).data.text).toBe("bad\uFFFD\uFFFD\n");
    const euro = bytes("€\n"); // e2 82 ac 0a
    log.write(euro.subarray(0, 2));
    const first = await next();
    log.write(euro.subarray(2));
    const second = await next();
    expect(`${first.data.text}${second.data.text}`).toBe("€\n");
  });

  test("a clear between two reads still reaches the page as cleared", async () => {
    const log = new RingLog(4096);
    log.write(bytes("old\n"));
    const next = eventsOf(logResponse(log, new AbortController().signal, undefined));
    await next();
    log.clear(); // nobody is waiting for the next event now
    log.write(bytes("new\n"));
    expect((await next()).type).toBe("cleared");
    expect(await next()).toMatchObject({ type: "append", data: { text: "new\n", skipped: 0 } });
  });

  test("a rotation: what the set-aside file held past the page's position is skipped, said so; the new file follows", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tend-log-view-"));
    try {
      const file = new RotatingFile(join(dir, "app.log"), 100, 1, () => {});
      const line = (i: number) => bytes(`${String(i).padStart(9, "0")}\n`);
      const next = eventsOf(logResponse(file, new AbortController().signal, undefined));
      const tail = await next();
      for (let i = 0; i < 4; i++) file.write(line(i));
      const first = await next(); // the page reads 40 bytes
      expect(first.data).toEqual({
        text: "000000000\n000000001\n000000002\n000000003\n",
        skipped: 0,
      });
      // 6 more lines reach 100 bytes: the file is set aside; 2 more go to the new one.
      for (let i = 4; i < 12; i++) file.write(line(i));
      const after = await next();
      expect(after.data).toEqual({ text: "000000010\n000000011\n", skipped: 60 });
      // The id of before the rotation does not resume in the new file, though it is long enough now.
      for (let i = 12; i < 16; i++) file.write(line(i));
      const again = eventsOf(logResponse(file, new AbortController().signal, first.id));
      expect((await again()).type).toBe("tail");
      expect(tail.id).not.toBe(first.id);
      file.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a log that ends (its process left tend) ends the stream", async () => {
    const log = new RingLog(4096);
    const response = logResponse(log, new AbortController().signal, undefined);
    const next = eventsOf(response);
    await next();
    log.followers.tell({ kind: "ended" });
    await expect(next()).rejects.toThrow("the stream ended");
    expect(log.followers.size).toBe(0);
  });

  test("a page that goes away stops following", async () => {
    const log = new RingLog(4096);
    const gone = new AbortController();
    const next = eventsOf(logResponse(log, gone.signal, undefined));
    await next();
    const coming = next().catch(() => undefined);
    await pending(coming);
    expect(log.followers.size).toBe(1);
    gone.abort();
    await coming;
    expect(log.followers.size).toBe(0);
  });
});
