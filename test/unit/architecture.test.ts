// The layout is part of the design (docs/design.md): which folder of src/
// may import which, bun:ffi touched by exactly one module, and files small
// enough to read. These checks keep it that way.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const SRC = join(import.meta.dir, "../../src");

/**
 * The folders of src/ and the folders each may import (besides itself).
 * core/ is pure; os/ alone touches the kernel; protocol/ is what server and
 * client both speak; the client (ctl/) never reaches into the server
 * (control/); runtime/ wires everything; main.ts (the root) may import any.
 * ui/ is the dashboard's page, bundled for the browser: it knows the server
 * only through protocol/'s types.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  core: [],
  cli: ["core"],
  os: ["core"],
  protocol: ["core"],
  config: ["core", "os"],
  logging: ["core", "os", "config"],
  // ui/: the page, bundled into tend by a macro of control/ at build time.
  control: ["core", "protocol", "config", "logging", "ui"],
  ctl: ["core", "cli", "protocol", "config", "os"],
  runtime: ["core", "os", "protocol", "config", "logging", "control"],
  ui: ["protocol"],
};

const MAX_LINES = 500;

/** The files under `dir` whose names end with one of `extensions`. */
function sourceFiles(dir: string, extensions: readonly string[] = [".ts"]): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name), extensions)
      : extensions.some((extension) => entry.name.endsWith(extension))
        ? [join(dir, entry.name)]
        : [],
  );
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^\s*(?:import|export)[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1] ?? "");
}

/** Source text without its comments (they may name `process.py`). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** The top folder of src/ a file lives in ("" for src/ itself), or undefined outside src/. */
function folderOf(file: string): string | undefined {
  const path = relative(SRC, file);
  if (path.startsWith("..")) return undefined;
  const parts = path.split("/");
  return parts.length === 1 ? "" : parts[0];
}

/** Every import of a file in src/ that its folder may not make. */
function forbiddenImports(
  files: readonly string[],
  read: (file: string) => string[] = importsOf,
): string[] {
  return files.flatMap((file) => {
    const from = folderOf(file) ?? "";
    if (from === "") return [];
    const allowed = MAY_IMPORT[from];
    return read(file)
      .filter((spec) => spec.startsWith("."))
      .map((spec) => ({ spec, to: folderOf(resolve(dirname(file), spec)) }))
      .filter(({ to }) => to !== undefined && to !== from && !allowed?.includes(to))
      .map(
        ({ spec, to }) =>
          `${relative(SRC, file)} imports ${spec} (${from}/ may not import ${to || "src/"})`,
      );
  });
}

describe("architecture", () => {
  test("every folder of src/ is in the import table", () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(folders).toEqual(Object.keys(MAY_IMPORT).sort());
  });

  test("each folder imports only what the table allows", () => {
    expect(forbiddenImports(sourceFiles(SRC))).toEqual([]);
  });

  test("the check finds what the table forbids (a client file reaching into the server)", () => {
    const probe = join(SRC, "ctl", "probe.ts");
    const found = forbiddenImports([probe], () => [
      "./format.ts",
      "../protocol/faults.ts",
      "../control/commands/index.ts",
      "../runtime/run.ts",
    ]);
    expect(found).toEqual([
      "ctl/probe.ts imports ../control/commands/index.ts (ctl/ may not import control)",
      "ctl/probe.ts imports ../runtime/run.ts (ctl/ may not import runtime)",
    ]);
  });

  test("core/ imports no Node or Bun module (no fs, processes, timers or logger)", () => {
    const outside = sourceFiles(join(SRC, "core")).flatMap((file) =>
      importsOf(file)
        .filter((spec) => !spec.startsWith("."))
        .map((spec) => `${relative(SRC, file)} imports ${spec}`),
    );
    expect(outside).toEqual([]);
  });

  test("protocol/ imports nothing but protocol/ and core/ (no os, fs, Bun, control or ctl)", () => {
    const outside = sourceFiles(join(SRC, "protocol")).flatMap((file) =>
      importsOf(file)
        .filter((spec) => !/^\.\/[^/]+$/.test(spec) && !/^\.\.\/core\/[^/]+$/.test(spec))
        .map((spec) => `${relative(SRC, file)} imports ${spec}`),
    );
    const globals = sourceFiles(join(SRC, "protocol")).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/\b(Bun|process)\.\w+/g)].map(
        (m) => `${relative(SRC, file)} uses ${m[0]}`,
      ),
    );
    expect([...outside, ...globals]).toEqual([]);
  });

  test("ctl/ (the client) imports nothing from control/ (the server)", () => {
    const intoServer = sourceFiles(join(SRC, "ctl")).flatMap((file) =>
      importsOf(file)
        .filter((spec) => /(^|\/)control\//.test(spec))
        .map((spec) => `${relative(SRC, file)} imports ${spec}`),
    );
    expect(intoServer).toEqual([]);
  });

  test("ui/ (the page) takes only types from protocol/, and no Node or Bun module", () => {
    // A value import would bundle server code into the page; bundle.ts is the
    // macro that builds the page, run by Bun at build time, not part of it.
    const page = sourceFiles(join(SRC, "ui")).filter((file) => !file.endsWith("/bundle.ts"));
    const found = page.flatMap((file) => {
      const text = readFileSync(file, "utf8");
      const valueImports = [
        ...text.matchAll(/^\s*(import|export)(?!\s+type\b)[^;]*?from\s+"(\.\.\/[^"]+)"/gm),
      ].map((m) => `${relative(SRC, file)} imports values from ${m[2]}`);
      const modules = importsOf(file)
        .filter((spec) => !spec.startsWith("."))
        .map((spec) => `${relative(SRC, file)} imports ${spec}`);
      return [...valueImports, ...modules];
    });
    expect(page.length).toBeGreaterThan(0);
    expect(found).toEqual([]);
  });

  test("core/ and protocol/ use no Bun or process globals", () => {
    const globals = ["core", "protocol"].flatMap((folder) =>
      sourceFiles(join(SRC, folder)).flatMap((file) =>
        [...withoutComments(readFileSync(file, "utf8")).matchAll(/\b(Bun|process)\.\w+/g)].map(
          (m) => `${relative(SRC, file)} uses ${m[0]}`,
        ),
      ),
    );
    expect(globals).toEqual([]);
  });

  test("only os/libc.ts imports bun:ffi", () => {
    const users = sourceFiles(SRC).filter((file) => importsOf(file).includes("bun:ffi"));
    expect(users.map((file) => relative(SRC, file))).toEqual(["os/libc.ts"]);
  });

  test(`no file in src/ is longer than ${MAX_LINES} lines`, () => {
    // The page's style and markup too.
    const long = sourceFiles(SRC, [".ts", ".css", ".html"])
      .map((file) => ({
        file: relative(SRC, file),
        lines: readFileSync(file, "utf8").split("\n").length,
      }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
