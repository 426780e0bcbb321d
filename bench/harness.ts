// Shared by the benches: every init or supervisor runs as PID 1 of a fresh pid
// namespace (`unshare --pid --fork --mount-proc`), is watched through /proc,
// and a tiny C probe timed on CLOCK_MONOTONIC marks when a child starts.
// bench/compare-supervisord.ts and bench/supervise.ts also run tend and the
// real supervisord on the same INI config and read their own logs
// (`[supervisord] logfile=`, loglevel info) back with the timestamps they wrote.

import { dlopen, FFIType, ptr } from "bun:ffi";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "bun";

export const ROOT = join(import.meta.dir, "..");

export interface Supervisor {
  readonly name: "tend" | "supervisord";
  readonly bin: string;
}

/** What every bench needs and this machine lacks: root, unshare, cc. */
export function missingBasics(): string[] {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push("root");
  for (const tool of ["unshare", "cc"]) if (!Bun.which(tool)) problems.push(tool);
  return problems;
}

/** tend (a copy of dist/tend) and supervisord, or a message saying what is missing. */
export function supervisors(script: string): Supervisor[] {
  const problems = missingBasics();
  const tend = join(ROOT, "dist/tend");
  if (!existsSync(tend)) problems.push("dist/tend (npm run build)");
  const supervisord = Bun.which("supervisord");
  if (!supervisord) problems.push("supervisord (bench/setup.sh)");
  if (problems.length > 0 || !supervisord) {
    console.error(`${script} needs ${problems.join(", ")}`);
    process.exit(1);
  }
  // A private copy: dist/tend may be rebuilt while the bench runs.
  const copy = join(tempDir("tend-bench-bin-"), "tend");
  measuredBuild = describeBuild(tend);
  copyFileSync(tend, copy);
  chmodSync(copy, 0o755);
  return [
    { name: "tend", bin: copy },
    { name: "supervisord", bin: supervisord },
  ];
}

export function versionOf(bin: string): string {
  const run = spawnSync([bin, "--version"], { stdout: "pipe", stderr: "pipe" });
  return `${run.stdout.toString()}${run.stderr.toString()}`.trim().split("\n")[0] ?? "?";
}

let measuredBuild = "?";

/** Which tend is measured: when dist/tend was built and the commit checked out then. */
export function tendBuild(): string {
  return measuredBuild;
}

function describeBuild(tend: string): string {
  const git = spawnSync(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], { stderr: "ignore" });
  const commit = git.exitCode === 0 ? git.stdout.toString().trim() : "?";
  return `dist/tend built ${statSync(tend).mtime.toISOString()}, checkout at ${commit}`;
}

export function machine(): string {
  const kernel = spawnSync(["uname", "-r"]).stdout.toString().trim();
  return `${cpus().length} CPUs (nproc; ${cpus()[0]?.model ?? "?"}), kernel ${kernel}`;
}

// ---------------------------------------------------------------- temp files

const temps: string[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

let dirs = 0;

/** A fresh directory for one run of one supervisor. */
export function runDir(parent: string, label: string): string {
  const dir = join(parent, `${++dirs}-${label}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * One INI file both supervisors accept: supervisord needs the unix server,
 * the rpcinterface and the supervisorctl sections, which tend accepts too.
 * Its main log goes to `dir/supervisor.log` at level info; `supervisord`
 * adds lines to the [supervisord] section.
 */
export function writeConfig(
  dir: string,
  programs: string,
  supervisord = "",
): { config: string; log: string } {
  const config = join(dir, "supervisord.conf");
  const log = join(dir, "supervisor.log");
  writeFileSync(
    config,
    `[supervisord]
nodaemon=true
logfile=${log}
logfile_maxbytes=0
loglevel=info
pidfile=${dir}/supervisord.pid
childlogdir=${dir}
${supervisord}
[unix_http_server]
file=${dir}/supervisor.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://${dir}/supervisor.sock

${programs}`,
  );
  return { config, log };
}

// ---------------------------------------------------------------- the main logs

export interface LogEntry {
  /** Wall-clock time the supervisor wrote, ms since the epoch (local time, ms resolution). */
  readonly at: number;
  readonly level: string;
  readonly message: string;
}

const LINE = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3}) (\w+) (.*)$/;

export function readLog(path: string): LogEntry[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  const entries: LogEntry[] = [];
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    const [y, mo, d, h, mi, s, ms] = m.slice(1, 8).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const at = new Date(y, mo - 1, d, h, mi, s, ms).getTime();
    entries.push({ at, level: m[8] ?? "", message: m[9] ?? "" });
  }
  return entries;
}

/** The log line without its timestamp and with every pid replaced by N. */
export function normalize(entry: LogEntry): string {
  const message = entry.message
    .replace(/\bpid \d+/g, "pid N")
    .replace(/'([^']*)' \(\d+\)/g, "'$1' (N)")
    .replace(/^tend \S+ started/, "<name> started")
    .replace(/^supervisord started/, "<name> started");
  return `${entry.level} ${message}`;
}

/** Wall clock in ms with sub-ms resolution, comparable with the log timestamps. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

// ---------------------------------------------------------------- processes

export type Namespace = Bun.Subprocess<"ignore", "ignore", "ignore">;
const live = new Set<Namespace>();
let spawned = 0;

/** Starts `argv` as PID 1 of new pid and mount namespaces. */
export function spawnAsPid1(argv: readonly string[]): Namespace {
  const unshare = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"];
  const proc = Bun.spawn([...unshare, ...argv], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
    // A tend without [unix_http_server] gets its own socket, not /run/tend.sock,
    // so namespaces started side by side do not meet there.
    env: { ...process.env, TEND_SOCKET: `/tmp/tend-bench-${process.pid}-${++spawned}.sock` },
  });
  live.add(proc);
  return proc;
}

/**
 * Kills the namespace's PID 1, which takes every process in it along; `unshare`
 * then reaps it and exits. Killed first, `unshare` would leave a zombie behind.
 */
export async function stop(ns: Namespace): Promise<void> {
  const inits = childrenOf(ns.pid);
  for (const pid of inits) killQuietly(pid);
  if (inits.length === 0) ns.kill("SIGKILL"); // --kill-child: its child dies too
  const exited = await Promise.race([ns.exited.then(() => true), Bun.sleep(5000)]);
  if (!exited) ns.kill("SIGKILL");
  await ns.exited;
  live.delete(ns);
}

export function killQuietly(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Direct children of `pid` (outer pids), from the lists of all its threads. */
export function childrenOf(pid: number): number[] {
  const pids: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return pids;
  }
  for (const task of tasks) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${task}/children`, "latin1");
    } catch {
      continue;
    }
    for (const field of text.split(" ")) if (field !== "") pids.push(Number(field));
  }
  return pids;
}

export function readProc(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "latin1");
  } catch {
    return "";
  }
}

/** The supervisor's (or init's) outer pid: the child of `unshare`, once it has exec'd it. */
export async function initPidOf(ns: Namespace, what = "the supervisor"): Promise<number> {
  return waitFor(`${what} to start`, 10_000, 2, () => {
    const pid = childrenOf(ns.pid)[0];
    if (pid === undefined) return undefined;
    // Until its exec, the forked child still runs unshare (same argv).
    const argv0 = readProc(pid, "cmdline").split("\0")[0] ?? "";
    return argv0 !== "" && !argv0.endsWith("unshare") ? pid : undefined;
  });
}

export interface Memory {
  readonly rssMiB: number;
  readonly anonMiB: number;
  /** File-backed: mostly the executable. */
  readonly fileMiB: number;
  readonly threads: number;
}

/** Resident memory (MiB) and threads of `pid`, from one read of /proc/PID/status. */
export function memoryOf(pid: number): Memory {
  const status = readProc(pid, "status");
  const mib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    if (!match?.[1]) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]) / 1024;
  };
  return {
    rssMiB: mib("VmRSS"),
    anonMiB: mib("RssAnon"),
    fileMiB: mib("RssFile"),
    threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN),
  };
}

export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  pollMs: number,
  check: () => T | undefined,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(pollMs);
  }
}

/** Waits until the log at `path` has an entry that `match` accepts; returns all entries then. */
export async function waitForLog(
  path: string,
  what: string,
  timeoutMs: number,
  match: (entries: LogEntry[]) => boolean,
): Promise<LogEntry[]> {
  return waitFor(what, timeoutMs, 5, () => {
    const entries = readLog(path);
    return match(entries) ? entries : undefined;
  });
}

// ---------------------------------------------------------------- C helpers and the clock

/** Compiles `source` with cc into `dir`; returns the binary's path. */
export function compile(dir: string, name: string, source: string): string {
  const file = join(dir, `${name}.c`);
  const binary = join(dir, name);
  writeFileSync(file, source);
  const cc = spawnSync(["cc", "-O2", "-o", binary, file], { stderr: "pipe" });
  if (cc.exitCode !== 0) throw new Error(`cc failed: ${cc.stderr.toString()}`);
  return binary;
}

/** probe [FILE]: writes CLOCK_MONOTONIC (ns) at the start of main() to FILE (default stdout). */
export const PROBE_C = `#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  char line[32];
  int n = snprintf(line, sizeof line, "%lld\\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
  int fd = open(argc > 1 ? argv[1] : "/dev/stdout", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  return fd < 0 || write(fd, line, n) != n;
}
`;

/**
 * Nanoseconds from just before spawning `argv` as PID 1 to the first
 * instruction of the probe it runs, which writes its stamp to `out`; polls
 * `out` every `pollMs`, then stops the namespace.
 */
export async function probeStartNs(
  argv: readonly string[],
  out: string,
  timeoutMs: number,
  pollMs: number,
): Promise<number> {
  rmSync(out, { force: true });
  const before = monotonicNs();
  const ns = spawnAsPid1(argv);
  try {
    const stamp = await waitFor("the probe", timeoutMs, pollMs, () => {
      let text = "";
      try {
        text = readFileSync(out, "latin1");
      } catch {
        // not yet
      }
      return text.endsWith("\n") ? BigInt(text.trim()) : undefined;
    });
    return Number(stamp - before);
  } finally {
    await stop(ns);
  }
}

const CLOCK_MONOTONIC = 1;
const libc = dlopen("libc.so.6", {
  clock_gettime: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
}).symbols;
const timespec = new BigInt64Array(2);

/** CLOCK_MONOTONIC in ns from libc, the clock the C helpers read (Bun's hrtime has its own origin). */
export function monotonicNs(): bigint {
  if (libc.clock_gettime(CLOCK_MONOTONIC, ptr(timespec)) !== 0) throw new Error("clock_gettime");
  return (timespec[0] ?? 0n) * 1_000_000_000n + (timespec[1] ?? 0n);
}

// ---------------------------------------------------------------- numbers

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = Math.floor(n / 2);
  return n % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function fmt(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return "n/a";
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString("en-US");
  return value.toFixed(digits);
}

export async function attempt<T>(what: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    console.error(`${what}: ${(error as Error).message}`);
    return undefined;
  }
}

// ---------------------------------------------------------------- clean-up

function cleanUp(): void {
  for (const ns of live) {
    for (const pid of childrenOf(ns.pid)) killQuietly(pid);
    ns.kill("SIGKILL");
  }
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
}

process.on("exit", cleanUp);
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));
