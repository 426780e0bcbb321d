// Runs the compiled tend as a real PID 1 (`unshare --pid --fork --mount-proc`)
// or as a plain process, and observes it from outside through /proc, exit
// codes and files. Waits are conditions with deadlines, never bare sleeps.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { childrenOf } from "../../src/os/reaper.ts";

export { childrenOf };

import { spawnSync } from "bun";

export const ROOT = resolve(import.meta.dir, "../..");
export const TEND = join(ROOT, "dist/tend");
export const FIXTURES = join(ROOT, "test/fixtures/programs");
/** The Bun that runs the tests also runs the TypeScript fixtures. */
export const BUN = process.execPath;

/** Whether this machine lets us create PID namespaces, and why not. */
export const pidNamespaces: { readonly ok: boolean; readonly reason: string } = (() => {
  const probe = spawnSync(["unshare", "--pid", "--fork", "--mount-proc", "true"], {
    stderr: "pipe",
  });
  if (probe.exitCode === 0) return { ok: true, reason: "" };
  const why = probe.stderr.toString().trim() || `exit code ${probe.exitCode}`;
  return { ok: false, reason: `PID namespaces unavailable (${why}); needs root` };
})();

if (!pidNamespaces.ok) console.warn(`SKIPPING the PID-1 tests: ${pidNamespaces.reason}`);

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Running {
  /** The outer pid of tend itself (the unshare's child in PID-1 mode). */
  readonly tendPid: Promise<number>;
  readonly finished: Promise<Finished>;
  kill(signal?: NodeJS.Signals | number): void;
}

let socketCount = 0;

/** Starts tend (or `binary`) with `args`; as PID 1 of a new namespace when `asPid1`. */
export function start(
  args: readonly string[],
  options: {
    asPid1: boolean;
    binary?: readonly string[];
    env?: Record<string, string | undefined>;
  } = { asPid1: true },
): Running {
  const command = [...(options.binary ?? [TEND]), ...args];
  const argv = options.asPid1
    ? ["unshare", "--pid", "--fork", "--mount-proc", ...command]
    : command;
  // Each tend gets its own control socket: tests run side by side, and
  // /run is shared by every PID namespace.
  const socket = join(tmpdir(), `tend-test-${process.pid}-${++socketCount}.sock`);
  const proc = Bun.spawn(argv, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, TEND_SOCKET: socket, ...options.env },
  });
  const finished = (async () => {
    const [stdout, stderr] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
    await proc.exited;
    return { code: proc.exitCode, stdout, stderr };
  })();
  const tendPid = options.asPid1
    ? waitFor(() => childrenOf(proc.pid)[0], "unshare to fork tend")
    : Promise.resolve(proc.pid);
  // A tend that exits before it is seen is no error for callers that never
  // ask for its pid; those that do still get the rejection.
  tendPid.catch(() => {});
  return { tendPid, finished, kill: (signal) => proc.kill(signal) };
}

/** Runs tend to completion. */
export function run(args: readonly string[], asPid1 = true): Promise<Finished> {
  return start(args, { asPid1 }).finished;
}

/** The one-letter state of a process (R, S, Z...), or undefined once it is gone. */
export function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return undefined;
  }
}

export function zombieChildrenOf(pid: number): number[] {
  return childrenOf(pid).filter((child) => stateOf(child) === "Z");
}

export function isAlive(pid: number): boolean {
  const state = stateOf(pid);
  return state !== undefined && state !== "Z";
}

/** Polls `probe` until it returns a value other than undefined/false, or fails after `ms`. */
export async function waitFor<T>(
  probe: () => T | undefined | false,
  what: string,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

export function readLines(path: string): string[] {
  try {
    return readFileSync(path, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/** A fresh directory for one test's files; removed by the returned cleanup. */
export function scratchDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "tend-test-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
