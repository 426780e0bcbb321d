// [include] globs match as supervisord's do (Python's glob.glob without
// recursive=True): checked against Python itself when it is installed, and
// against fixed answers everywhere.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { spawnSync } from "bun";
import { fnmatch, fnmatchTokens, type GlobIo, glob, realGlobIo } from "../../../src/config/glob.ts";
import { loadConfig } from "../../../src/config/load.ts";

const root = realpathSync(mkdtempSync(join(tmpdir(), "tend-glob-")));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TREE = [
  "g/x.conf",
  "g/a/x.conf",
  "g/a/b/x.conf",
  "g/c/x.conf",
  "g/.hidden/x.conf",
  "g/.dot.conf",
  "g/y.ini",
  "g/[weird]-name.conf",
  "g/d-e/x.conf",
];
for (const path of TREE) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), `[program:p${path.replace(/\W/g, "_")}]\ncommand=/bin/cat\n`);
}
symlinkSync(join(root, "g/a"), join(root, "g/linked"));
symlinkSync(join(root, "nowhere"), join(root, "g/dangling.conf"));

const PATTERNS = [
  "g/**/x.conf",
  "g/*/x.conf",
  "g/**",
  "g/*",
  "g/*/",
  "g/.*",
  "g/*.conf",
  "g/?.conf",
  "g/[xy].*",
  "g/[!x].*",
  "g/[a-c]/x.conf",
  "g/[c-a]/x.conf",
  "g/[[]*",
  "g/[]",
  "g/*/*/x.conf",
  "g/**/**/x.conf",
  "g//*.conf",
  "g/x.conf",
  "g/nosuch.conf",
  "g/dangling.conf",
  "g/d[-]e/*",
  "*/a/*",
];

/** Python's own answers, one process for every pattern; undefined without python3. */
function pythonGlob(patterns: readonly string[]): string[][] | undefined {
  const python = ["/usr/bin/python3", "python3"].find(
    (p) => spawnSync([p, "-c", "import glob"]).exitCode === 0,
  );
  if (python === undefined) return undefined;
  const script =
    "import glob, json, sys; print(json.dumps([sorted(glob.glob(p)) for p in json.load(sys.stdin)]))";
  const result = spawnSync([python, "-c", script], {
    cwd: root,
    stdin: new TextEncoder().encode(JSON.stringify(patterns.map((p) => join(root, p)))),
  });
  return JSON.parse(result.stdout.toString());
}

describe("glob", () => {
  const python = pythonGlob(PATTERNS);

  test.skipIf(python === undefined).each(PATTERNS.map((p, i) => [p, i]))(
    "%p matches what Python's glob.glob matches",
    (pattern, index) => {
      const ours = glob(join(root, pattern as string));
      expect(ours).toEqual({ ok: true, paths: python?.[index as number] as string[] });
    },
  );

  test("** is one path segment, as * is: no recursion", () => {
    const paths = (pattern: string) => {
      const result = glob(join(root, pattern));
      return result.ok ? result.paths.map((p) => p.slice(root.length + 1)) : result.message;
    };
    expect(paths("g/**/x.conf")).toEqual([
      "g/a/x.conf",
      "g/c/x.conf",
      "g/d-e/x.conf",
      "g/linked/x.conf",
    ]);
    expect(paths("g/**/x.conf")).toEqual(paths("g/*/x.conf"));
    expect(paths("g/.*")).toEqual(["g/.dot.conf", "g/.hidden"]);
    expect(paths("g/x.conf")).toEqual(["g/x.conf"]);
    expect(paths("g/nosuch.conf")).toEqual([]);
  });

  test("a directory that cannot be listed is a message; one that vanished is skipped", () => {
    const dirent = (name: string) => ({
      name,
      isDirectory: () => true,
      isSymbolicLink: () => false,
    });
    const io: GlobIo = {
      ...realGlobIo,
      readdir(dir) {
        if (dir === "/top") return [dirent("gone"), dirent("closed"), dirent("fine")];
        if (dir === "/top/fine") return [dirent("a.conf")];
        const code = dir === "/top/gone" ? "ENOENT" : "EACCES";
        throw Object.assign(new Error(`${code}: ${dir}`), { code });
      },
    };
    expect(glob("/top/*/*.conf", undefined, io)).toEqual({
      ok: false,
      message: 'cannot list "/top/closed": permission denied',
    });
    expect(glob("/top/[fg]*/*.conf", undefined, io)).toEqual({
      ok: true,
      paths: ["/top/fine/a.conf"],
    });
  });

  test("a NUL byte is a message, not an exception", () => {
    expect(glob("/etc/*\0.conf")).toEqual({ ok: false, message: "contains a NUL byte" });
    expect(glob("/etc/a\0b")).toEqual({ ok: false, message: "contains a NUL byte" });
  });

  test("a pattern that reads too much is a message", () => {
    const result = glob(join(root, "g/*/*"), 10);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain("too many directory entries");
  });
});

describe("fnmatch", () => {
  const CASES: [string, string][] = [
    ["abc", "a*"],
    ["abc", "*c"],
    ["abc", "a?c"],
    ["abc", "a??c"],
    ["", "*"],
    ["a", "[a-c]"],
    ["d", "[a-c]"],
    ["d", "[!a-c]"],
    ["-", "[a-]"],
    ["-", "[-a]"],
    ["b", "[c-a]"],
    ["x", "[!]"],
    ["[", "["],
    ["]", "[]]"],
    ["a]", "[!]]"],
    ["b", "[a-c-e]"],
    ["-", "[a-c-e]"],
    ["d", "[a-c-e]"],
    ["\\", "[\\]"],
    ["x\ny", "x*y"],
    ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "*a*a*a*a*a*a*b"],
    ["é", "?"],
    ["😀", "[😀]"],
  ];

  const python = (() => {
    const script =
      "import fnmatch, json, sys; print(json.dumps([fnmatch.fnmatchcase(n, p) for n, p in json.load(sys.stdin)]))";
    for (const p of ["/usr/bin/python3", "python3"]) {
      const result = spawnSync([p, "-c", script], {
        stdin: new TextEncoder().encode(JSON.stringify(CASES)),
      });
      if (result.exitCode === 0) return JSON.parse(result.stdout.toString()) as boolean[];
    }
    return undefined;
  })();

  test.skipIf(python === undefined).each(CASES.map(([n, p], i) => [n, p, i]))(
    "%p against %p as Python's fnmatchcase",
    (name, pattern, index) => {
      expect(fnmatch(name as string, fnmatchTokens(pattern as string))).toBe(
        python?.[index as number] as boolean,
      );
    },
  );

  test("a pattern of many stars does not backtrack without end", () => {
    const started = performance.now();
    const tokens = fnmatchTokens(`${"*a".repeat(100)}b`);
    expect(fnmatch("a".repeat(255), tokens)).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe("[include] with **", () => {
  test("h/**/x.conf includes h/*/x.conf only, as supervisord does", () => {
    for (const path of ["h/x.conf", "h/a/x.conf", "h/a/b/x.conf", "h/c/x.conf"]) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), `[program:${path.replace(/\W/g, "_")}]\ncommand=/bin/cat\n`);
    }
    const main = join(root, "main.ini");
    writeFileSync(main, "[program:main]\ncommand=/bin/cat\n[include]\nfiles=h/**/x.conf\n");
    const result = loadConfig(main, { env: {}, hostname: "h" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.files.map((f) => f.slice(root.length + 1))).toEqual([
      "main.ini",
      "h/a/x.conf",
      "h/c/x.conf",
    ]);
  });
});
