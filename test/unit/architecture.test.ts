// The layout is part of the design: core/ is pure, and bun:ffi is
// touched by exactly one module. These checks keep it that way.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const SRC = join(import.meta.dir, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^\s*(?:import|export)[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1] ?? "");
}

describe("architecture", () => {
  test("core/ imports nothing but core/ (no fs, processes, timers or logger)", () => {
    const outside = sourceFiles(join(SRC, "core")).flatMap((file) =>
      importsOf(file)
        .filter((spec) => !/^\.\/[^/]+$/.test(spec))
        .map((spec) => `${relative(SRC, file)} imports ${spec}`),
    );
    expect(outside).toEqual([]);
  });

  test("only os/libc.ts imports bun:ffi", () => {
    const users = sourceFiles(SRC).filter((file) => importsOf(file).includes("bun:ffi"));
    expect(users.map((file) => relative(SRC, file))).toEqual(["os/libc.ts"]);
  });
});
