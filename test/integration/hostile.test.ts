// `tend check` on hostile configs (test/fixtures/configs/hostile): exit 0 or
// 2 as the case says, never a crash or a stack trace, the problem printed
// with its file and line, and bounded time and peak memory. The bounds are
// generous for a loaded 2-core machine, and far below what the defects
// took (5 to 45 s, 0.5 to 3 GB). The cases run one at a time so that each
// is timed alone.

import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { type ExpectedProblem, HOSTILE } from "../fixtures/configs/hostile/cases.ts";
import { runCommand, scratchDir, TEND } from "../harness/index.ts";

const MAX_MS = 3000;
const MAX_RSS_BYTES = 300 * 1024 * 1024;
const isRoot = process.getuid?.() === 0;
/** A user whom file modes stop, for the cases about unreadable directories. */
const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

/** The line `tend check` prints for a problem: `error: FILE:LINE: [section] key: message`. */
function printed(dir: string, problem: ExpectedProblem): RegExp {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const file = resolve(dir, problem.file);
  const place = problem.line === undefined ? file : `${file}:${problem.line}`;
  const section = problem.section === undefined ? "" : ` [${problem.section}]`;
  const key = problem.key === undefined ? "" : ` ${problem.key}:`;
  // The case's pattern as the unit test reads it: anywhere in the message, unless anchored.
  const { source } = problem.message;
  const message = `${source.startsWith("^") ? "" : "[^\\n]*"}${source.replace(/^\^/, "").replace(/\$$/, "")}${source.endsWith("$") ? "$" : ""}`;
  return new RegExp(
    `^${literal(`${problem.severity}: ${place}:${section}${key}`)} ${message}`,
    "m",
  );
}

export interface Measured {
  readonly code: number | null;
  readonly stderr: string;
  readonly ms: number;
  readonly peakRssBytes: number;
}

/** `tend check -c path` to its end, with its time and peak memory. */
export async function measuredCheck(path: string, prefix: string[] = []): Promise<Measured> {
  const result = await runCommand([...prefix, TEND, "check", "-c", path], {
    cleanEnv: true,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    deadlineMs: 30_000,
  });
  if (result.problem) throw new Error(result.problem);
  return {
    code: result.code,
    stderr: result.stderr,
    ms: result.ms,
    peakRssBytes: result.peakRssBytes ?? 0,
  };
}

/** What no input may make tend check do. */
export function expectNoCrash(result: Measured): void {
  expect(result.stderr).not.toMatch(/tend: fatal|internal error|Maximum call stack|^\s+at /m);
  expect([0, 2]).toContain(result.code as number);
  expect(result.ms).toBeLessThan(MAX_MS);
  expect(result.peakRssBytes).toBeLessThan(MAX_RSS_BYTES);
}

describe("tend check on hostile configs", () => {
  for (const c of HOSTILE) {
    test.serial(c.name, async () => {
      using scratch = scratchDir();
      const dir = join(scratch.dir, "case");
      mkdirSync(dir);
      const files = c.files();
      for (const [name, content] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), content);
      }
      c.setup?.(dir);
      const asNobody = c.asNonRoot === true && isRoot;
      if (asNobody) for (const path of [scratch.dir, dir]) chmodSync(path, 0o755);
      const main = resolve(dir, c.main ?? (Object.keys(files)[0] as string));
      const result = await measuredCheck(main, asNobody ? NOBODY : []);
      expectNoCrash(result);
      expect(result.code).toBe(c.exit);
      expect(result.stderr).toMatch(printed(dir, c.problem));
    });
  }
});
