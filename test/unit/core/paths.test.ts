// tend's POSIX path arithmetic gives what node:path's posix functions give.

import { describe, expect, test } from "bun:test";
import { posix } from "node:path";
import { dirname, isAbsolute, join, normalize, resolveFrom } from "../../../src/core/paths.ts";

const STEPS = [
  "",
  "/",
  "//",
  ".",
  "..",
  "a",
  "b.c",
  "...",
  ".hidden",
  "a/",
  "/a",
  "./",
  "../",
  "x//y",
];

/** Every path of up to three steps from STEPS, joined with and without slashes. */
function corpus(): string[] {
  const paths = new Set<string>(STEPS);
  for (const a of STEPS)
    for (const b of STEPS) {
      paths.add(a + b);
      paths.add(`${a}/${b}`);
      for (const c of ["", "..", "/c", "c/", "."]) paths.add(`${a}/${b}${c}`);
    }
  return [...paths];
}

const PATHS = corpus();

describe("like node:path (posix)", () => {
  test(`normalize, dirname, isAbsolute on ${PATHS.length} paths`, () => {
    for (const path of PATHS) {
      expect({ path, normal: normalize(path) }).toEqual({ path, normal: posix.normalize(path) });
      expect({ path, dir: dirname(path) }).toEqual({ path, dir: posix.dirname(path) });
      expect(isAbsolute(path)).toBe(posix.isAbsolute(path));
    }
  });

  test("join of two and three parts", () => {
    for (const a of PATHS.slice(0, 80))
      for (const b of PATHS.slice(0, 80)) {
        expect({ a, b, joined: join(a, b) }).toEqual({ a, b, joined: posix.join(a, b) });
        expect(join(a, b, "c")).toBe(posix.join(a, b, "c"));
      }
    expect(join()).toBe(posix.join());
    expect(join("", "")).toBe(posix.join("", ""));
  });

  test("resolve from a working directory", () => {
    const cwd = "/work/dir";
    for (const a of PATHS.slice(0, 80))
      for (const b of PATHS.slice(0, 40)) {
        const expected = posix.resolve(cwd, a, b);
        expect({ a, b, resolved: resolveFrom(cwd, a, b) }).toEqual({ a, b, resolved: expected });
      }
    expect(resolveFrom(cwd)).toBe(cwd);
    expect(resolveFrom("/", "..", "x")).toBe("/x");
  });
});
