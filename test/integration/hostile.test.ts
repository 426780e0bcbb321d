// `tend check` on hostile configs (test/fixtures/configs/hostile): exit 0 or
// 2 as the case says, never a crash or a stack trace, the problem printed
// with its file and line, and bounded time and peak memory. The bounds are
// generous for a loaded 2-core machine, and far below what the defects
// took (5 to 45 s, 0.5 to 3 GB). The cases run one at a time so that each
// is timed alone.

import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { type ExpectedProblem, HOSTILE } from "../fixtures/configs/hostile/cases.ts";
import { launchTend, pidNamespaces, runCommand, scratchDir, TEND } from "../harness/index.ts";

setDefaultTimeout(60_000);

/** tend check's CPU time (user + system), which other work on the machine barely moves. */
const MAX_CPU_MS = 4000;
/** Its wall time, for what uses no CPU while it is stuck (a read that waits). */
const HANG_MS = 15_000;
/** GNU time (Debian's `time`), which measures tend's own peak memory. */
const GNU_TIME = "/usr/bin/time";
if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: apt-get install time`);
const MAX_RSS_BYTES = 300 * 1024 * 1024;
const isRoot = process.getuid?.() === 0;
/** A user whom file modes stop, for the cases about unreadable directories. */
const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

/**
 * The messages `tend check` printed at a problem's place: the lines
 * `error: FILE:LINE: [section] key: message`, without that prefix.
 */
function printedAt(stderr: string, dir: string, problem: ExpectedProblem): string[] {
  const file = resolve(dir, problem.file);
  const place = problem.line === undefined ? file : `${file}:${problem.line}`;
  const section = problem.section === undefined ? "" : ` [${problem.section}]`;
  const key = problem.key === undefined ? "" : ` ${problem.key}:`;
  const prefix = `${problem.severity}: ${place}:${section}${key} `;
  return stderr
    .split("\n")
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length));
}

export interface Measured {
  readonly code: number | null;
  readonly stderr: string;
  readonly ms: number;
  /** User and system CPU time. */
  readonly cpuMs: number;
  readonly peakRssBytes: number;
}

/**
 * `tend check -c path` to its end, with its time and peak memory. The peak
 * is measured by GNU time, tend's parent: a child of this test process would
 * report the test process's own peak too (the kernel carries a process's
 * peak over fork and exec), and bun test's is hundreds of MB.
 */
export async function measuredCheck(path: string, prefix: string[] = []): Promise<Measured> {
  using scratch = scratchDir();
  const peakFile = join(scratch.dir, "peak-kib");
  const time = [GNU_TIME, "--quiet", "--format=%M %U %S", `--output=${peakFile}`];
  const result = await runCommand([...time, ...prefix, TEND, "check", "-c", path], {
    cleanEnv: true,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    deadlineMs: 30_000,
  });
  if (result.problem) throw new Error(result.problem);
  const [peakKiB = 0, user = 0, system = 0] = readFileSync(peakFile, "utf8")
    .trim()
    .split(" ")
    .map(Number);
  return {
    code: result.code,
    stderr: result.stderr,
    ms: result.ms,
    cpuMs: (user + system) * 1000,
    peakRssBytes: peakKiB * 1024,
  };
}

/** What no input may make tend check do. */
export function expectNoCrash(result: Measured, maxRssBytes = MAX_RSS_BYTES): void {
  expect(result.stderr).not.toMatch(/tend: fatal|internal error|Maximum call stack|^\s+at /m);
  expect([0, 2]).toContain(result.code as number);
  expect(result.cpuMs).toBeLessThan(MAX_CPU_MS);
  expect(result.ms).toBeLessThan(HANG_MS);
  expect(result.peakRssBytes).toBeLessThan(maxRssBytes);
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
      expectNoCrash(result, c.maxRssMiB === undefined ? MAX_RSS_BYTES : c.maxRssMiB * 1024 * 1024);
      expect(result.code).toBe(c.exit);
      const { problem } = c;
      if (problem === undefined) expect(result.stderr).toBe("");
      else
        expect(printedAt(result.stderr, dir, problem)).toContainEqual(
          expect.stringMatching(problem.message),
        );
    });
  }
});

describe.skipIf(!pidNamespaces.ok)("a running tend given a hostile config", () => {
  test.serial(
    "SIGHUP with a 300 KB unknown key: a program's exit is still noticed within a second",
    async () => {
      const PROGRAM = "[program:victim]\ncommand=sleep 1000\nstartsecs=0\n";
      await using tend = await launchTend({ programs: PROGRAM });
      await tend.settled();
      const victim = tend.outerPidOf("victim");
      // The same program (nothing to restart), with a key tend must warn about.
      tend.rewrite(`${PROGRAM}${"k".repeat(300 * 1024)}=1\n`);
      tend.signal("SIGHUP");
      await Bun.sleep(50); // tend is reading the config now
      const killedAt = Date.now();
      process.kill(victim, "SIGKILL");
      const exited = await tend.waitLog(/^exited: victim /, 30_000);
      // The issue saw 5.3 s: the load held the event loop while it guessed at the key.
      expect(exited.time - killedAt).toBeLessThan(1000);
      await tend.waitLog(/^update: no config changes$/); // the reload did happen
    },
  );
});
