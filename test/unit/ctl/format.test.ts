// The small formatting rules behind supervisorctl's output: Python's
// padding and repr, cmd's columns, reread's order.

import { describe, expect, test } from "bun:test";
import { pyRepr } from "../../../src/core/python-repr.ts";
import { columnize } from "../../../src/ctl/actions/index.ts";
import { changeLines, padRight, statusLines } from "../../../src/ctl/format.ts";

describe("Python's formatting", () => {
  test("%-Ns pads by characters, not UTF-16 units", () => {
    expect(padRight("😀", 3)).toBe("😀  ");
    expect(padRight("long", 2)).toBe("long");
  });

  test.each([
    ["plain", "'plain'"],
    ["it's", `"it's"`],
    [`both ' and "`, `'both \\' and "'`],
    ["a\nb\tc\\", "'a\\nb\\tc\\\\'"],
    ["\x01", "'\\x01'"],
  ])("repr %p", (text, expected) => {
    expect(pyRepr(text)).toBe(expected);
  });

  test("status: the column is at least 30 + 3 wide, by characters", () => {
    const [line] = statusLines([{ name: "é", group: "é", statename: "RUNNING", description: "x" }]);
    expect(line).toBe(`é${" ".repeat(32)}RUNNING   x`);
  });
});

describe("cmd's columns", () => {
  test("the fewest rows that fit in the width, each column as wide as its longest word", () => {
    expect(columnize(["a", "bb", "ccc", "d"], 79)).toEqual(["a  bb  ccc  d"]);
    // Cells keep their padding, even the last of a row (hence "update " in `help`).
    expect(columnize(["aaaa", "b", "cc"], 8)).toEqual(["aaaa  cc", "b   "]);
  });

  test("one word; none; nothing fits", () => {
    expect(columnize(["only"], 79)).toEqual(["only"]);
    expect(columnize([], 79)).toEqual(["<empty>"]);
    expect(columnize(["aaaaaa", "bbbbbb"], 3)).toEqual(["aaaaaa", "bbbbbb"]);
  });
});

describe("reread's lines", () => {
  test("sorted by code point, as Python sorts str", () => {
    expect(changeLines(["b", "B"], ["a"], ["_x"])).toEqual([
      "B: available",
      "_x: disappeared",
      "a: changed",
      "b: available",
    ]);
  });
});
