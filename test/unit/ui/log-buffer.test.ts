import { describe, expect, test } from "bun:test";
import { LogBuffer, MAX_OPEN_LINE, splitLines } from "../../../src/ui/log-buffer.ts";

/** The buffer's entries as text, an open line marked with a trailing "…". */
function lines(buffer: LogBuffer<string>): string[] {
  return buffer.entries.map((entry) => `${entry.plain}${entry.open ? "…" : ""}`);
}

describe("splitLines", () => {
  test("finished lines", () =>
    expect(splitLines("a\nb\n")).toEqual({ lines: ["a", "b"], open: false }));
  test("the last line unfinished", () =>
    expect(splitLines("a\nb")).toEqual({ lines: ["a", "b"], open: true }));
  test("an empty line is a line", () =>
    expect(splitLines("a\n\nb\n")).toEqual({ lines: ["a", "", "b"], open: false }));
  test("\\r\\n ends a line like \\n", () =>
    expect(splitLines("a\r\nb\r\n")).toEqual({ lines: ["a", "b"], open: false }));
  test("a \\r at the end of an unfinished line may be half of \\r\\n: kept", () =>
    expect(splitLines("a\r")).toEqual({ lines: ["a\r"], open: true }));
  test("nothing", () => expect(splitLines("")).toEqual({ lines: [], open: false }));
});

describe("LogBuffer", () => {
  test("pieces become lines; an unfinished one is continued by the next piece", () => {
    const buffer = new LogBuffer<string>(100);
    buffer.append("one\ntw");
    expect(lines(buffer)).toEqual(["one", "tw…"]);
    buffer.append("o\nthree\n");
    expect(lines(buffer)).toEqual(["one", "two", "three"]);
  });

  test("a line that never ends is cut at MAX_OPEN_LINE: each piece is read once, not the whole line again", () => {
    const buffer = new LogBuffer<string>(100);
    const piece = "#".repeat(1000);
    for (let i = 0; i < 40; i++) buffer.append(piece); // 40,000 characters, no newline
    const sizes = buffer.entries.map((entry) => entry.raw.length);
    expect(sizes.every((size) => size <= MAX_OPEN_LINE + piece.length)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(40_000);
    expect(buffer.entries.at(-1)?.open).toBe(true);
    expect(buffer.entries.slice(0, -1).every((entry) => !entry.open)).toBe(true);
  });

  test("an escape sequence split between pieces is read whole", () => {
    const buffer = new LogBuffer<string>(100);
    buffer.append("\x1b[3");
    buffer.append("1mred\n");
    expect(buffer.entries[0]?.segments).toEqual([{ text: "red", classes: ["fg-1"] }]);
  });

  test("a colour runs on into the next line", () => {
    const buffer = new LogBuffer<string>(100);
    buffer.append("\x1b[32ma\nb\n");
    expect(buffer.entries[1]?.segments).toEqual([{ text: "b", classes: ["fg-2"] }]);
  });

  test("a continued line on screen keeps its element and is returned to be redrawn", () => {
    const buffer = new LogBuffer<string>(100);
    buffer.append("a\nb");
    for (const entry of buffer.take().added) entry.node = `el:${entry.plain}`;
    const updated = buffer.append("c\nd\n");
    expect(updated?.plain).toBe("bc");
    expect(updated?.node).toBe("el:b");
    expect(buffer.shown).toBe(2);
    expect(buffer.held).toBe(1);
  });

  test("a continued line not on screen yet is no update", () => {
    const buffer = new LogBuffer<string>(100);
    buffer.append("a");
    expect(buffer.append("b\n")).toBeUndefined();
    expect(lines(buffer)).toEqual(["ab"]);
  });

  test("drawing past the cap removes the oldest lines on screen", () => {
    const buffer = new LogBuffer<string>(3);
    buffer.append("1\n2\n");
    for (const entry of buffer.take().added) entry.node = entry.plain;
    buffer.append("3\n4\n");
    expect(lines(buffer)).toEqual(["1", "2", "3", "4"]);
    const { added, removed } = buffer.take();
    expect(removed.map((entry) => entry.node)).toEqual(["1"]);
    expect(added.map((entry) => entry.plain)).toEqual(["3", "4"]);
    expect(lines(buffer)).toEqual(["2", "3", "4"]);
    expect(buffer.held).toBe(0);
  });

  test("more new lines than the cap at once: only the newest are drawn", () => {
    const buffer = new LogBuffer<string>(3);
    buffer.append("1\n");
    for (const entry of buffer.take().added) entry.node = entry.plain;
    buffer.append("2\n3\n4\n5\n6\n");
    const { added, removed } = buffer.take();
    expect(removed.map((entry) => entry.node)).toEqual(["1"]);
    expect(added.map((entry) => entry.plain)).toEqual([
      "2 lines dropped: more came than the view holds",
      "4",
      "5",
      "6",
    ]);
    expect(buffer.entries.filter((entry) => entry.kind === "line").length).toBe(3);
  });

  test("paused: the lines on screen stay; held ones beyond the cap are dropped and counted", () => {
    const buffer = new LogBuffer<string>(5);
    buffer.append("a\nb\n");
    for (const entry of buffer.take().added) entry.node = entry.plain;
    for (let i = 0; i < 20; i += 1) buffer.append(`line ${i}\n`);
    expect(buffer.entries.slice(0, 2).map((entry) => entry.node)).toEqual(["a", "b"]);
    expect(buffer.entries.length).toBe(7);
    expect(buffer.held).toBe(20);
    const { added, removed } = buffer.take();
    expect(added.map((entry) => entry.plain)).toEqual([
      "15 lines dropped: more came than the view holds",
      "line 15",
      "line 16",
      "line 17",
      "line 18",
      "line 19",
    ]);
    expect(removed.map((entry) => entry.node)).toEqual(["a", "b"]);
    expect(buffer.entries.length).toBe(6);
    expect(buffer.held).toBe(0);
  });

  test("skipped bytes end an unfinished line and leave a note", () => {
    const buffer = new LogBuffer<string>(100);
    buffer.append("half");
    buffer.append("new\n", 4096);
    expect(lines(buffer)).toEqual(["half", "4096 bytes skipped", "new"]);
    expect(buffer.entries.map((entry) => entry.kind)).toEqual(["line", "note", "line"]);
  });

  test("clear empties it and forgets the style", () => {
    const buffer = new LogBuffer<string>(100);
    buffer.append("\x1b[31mred\n");
    buffer.take();
    expect(buffer.clear().length).toBe(1);
    buffer.append("plain\n");
    expect(buffer.entries[0]?.segments).toEqual([{ text: "plain", classes: [] }]);
    expect(buffer.shown).toBe(0);
  });

  test("a long unfinished line grows in place", () => {
    const buffer = new LogBuffer<string>(100);
    for (let i = 0; i < 10; i += 1) buffer.append("x");
    expect(lines(buffer)).toEqual(["xxxxxxxxxx…"]);
  });
});
