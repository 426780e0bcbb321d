// Shared by the benches, on top of the test harness (test/harness/): every
// init or supervisor runs as PID 1 of a fresh pid namespace, is watched
// through /proc and always stopped (its namespace SIGKILLed at the latest,
// also when a bench fails or is interrupted), and a tiny C probe timed on
// CLOCK_MONOTONIC marks when a child starts. bench/compare-supervisord.ts and
// bench/supervise.ts also run tend and the real supervisord on the same INI
// config and read their own logs (`[supervisord] logfile=`, loglevel info)
// back with the timestamps they wrote.

import { dlopen, FFIType, ptr } from "bun:ffi";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { spawnSync } from "bun";
import {
  type LogEntry,
  methodCall,
  ROOT,
  readLog,
  readProc,
  type Started,
  scratchDir,
  spawnProcess,
  TEND,
  type Value,
  waitFor,
} from "../test/harness/index.ts";

export {
  childrenOf,
  freePort,
  killQuietly,
  type LogEntry,
  type Memory,
  memoryOf,
  ROOT,
  readLog,
  readProc,
  type Started,
  scratchDir,
  spawnProcess,
  waitFor,
  writeConfig,
} from "../test/harness/index.ts";

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
  const tend = TEND;
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

/** A directory removed when the bench ends. */
export function tempDir(prefix: string): string {
  return scratchDir(prefix).dir;
}

let dirs = 0;

/** A fresh directory for one run of one supervisor. */
export function runDir(parent: string, label: string): string {
  const dir = join(parent, `${++dirs}-${label}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

// ---------------------------------------------------------------- the main logs

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

export type Namespace = Started;
let spawned = 0;

/** Starts `argv` as PID 1 of new pid and mount namespaces. */
export function spawnAsPid1(argv: readonly string[]): Namespace {
  // A tend without [unix_http_server] gets its own socket, not /run/tend.sock,
  // so namespaces started side by side do not meet there.
  const socket = `/tmp/tend-bench-${process.pid}-${++spawned}.sock`;
  return spawnProcess(argv, {
    asPid1: true,
    stdout: "ignore",
    stderr: "ignore",
    env: { TEND_SOCKET: socket },
    removeOnDispose: [socket],
  });
}

/** Kills the namespace's PID 1, which takes every process in it along; `unshare` then exits. */
export function stop(ns: Namespace): Promise<void> {
  return ns.dispose();
}

/** The supervisor's (or init's) outer pid: the child of `unshare`, once it has exec'd it. */
export function initPidOf(ns: Namespace): Promise<number> {
  return ns.initPid;
}

/** Waits until the log at `path` has an entry that `match` accepts; returns all entries then. */
export async function waitForLog(
  path: string,
  what: string,
  timeoutMs: number,
  match: (entries: LogEntry[]) => boolean,
): Promise<LogEntry[]> {
  return waitFor(
    () => {
      const entries = readLog(path);
      return match(entries) ? entries : undefined;
    },
    what,
    timeoutMs,
    5,
  );
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
    const stamp = await waitFor(
      () => {
        let text = "";
        try {
          text = readFileSync(out, "latin1");
        } catch {
          // not yet
        }
        return text.endsWith("\n") ? BigInt(text.trim()) : undefined;
      },
      "the probe",
      timeoutMs,
      pollMs,
    );
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

/** An XML-RPC call over a server's unix socket; the reply's body (throws unless 200). */
export async function socketCall(
  socket: string,
  method: string,
  params: Value[] = [],
): Promise<string> {
  // A connection left open would be closed by the server later, maybe in a measured window.
  const reply = await fetch("http://localhost/RPC2", {
    unix: socket,
    method: "POST",
    body: methodCall(method, params),
    headers: { "Content-Type": "text/xml", Connection: "close" },
    keepalive: false,
  });
  const body = await reply.text();
  if (reply.status !== 200) throw new Error(`${method}: HTTP ${reply.status}`);
  return body;
}

/** How many processes getAllProcessInfo shows RUNNING (0 while none answers). */
export async function runningOver(socket: string): Promise<number> {
  try {
    const body = await socketCall(socket, "supervisor.getAllProcessInfo");
    return body.match(/<name>statename<\/name>\s*<value><string>RUNNING</g)?.length ?? 0;
  } catch {
    return 0;
  }
}

/** Polls getAllProcessInfo every 100 ms until `count` processes are RUNNING; throws after `timeoutMs`. */
export async function untilAllRunning(
  socket: string,
  count: number,
  label: string,
  timeoutMs: number,
): Promise<void> {
  const started = performance.now();
  for (;;) {
    const running = await runningOver(socket);
    if (running === count) return;
    if (performance.now() - started > timeoutMs)
      throw new Error(`${label}: ${running} of ${count} RUNNING`);
    await Bun.sleep(100);
  }
}

/** `count` programs `p001`… running `sleep infinity`, up at once, their output discarded. */
export function sleeperPrograms(count: number): string {
  const sections: string[] = [];
  for (let i = 1; i <= count; i++) {
    const name = `p${String(i).padStart(3, "0")}`;
    sections.push(
      `[program:${name}]\ncommand=sleep infinity\nstartsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n`,
    );
  }
  return sections.join("\n");
}

/** tend and supervisord, as `supervisors` finds them for `script`; an error when one is missing. */
export function tendAndSupervisord(script: string): { tend: Supervisor; sd: Supervisor } {
  const both = supervisors(script);
  const tend = both.find((s) => s.name === "tend");
  const sd = both.find((s) => s.name === "supervisord");
  if (!tend || !sd) throw new Error("no tend or supervisord");
  return { tend, sd };
}

/**
 * A bench's failures, gathered: `note` runs a part as `attempt` does and
 * records it when it failed, so the report lists what is missing.
 */
export function failureLog(): {
  failures: string[];
  note<T>(what: string, run: () => Promise<T>): Promise<T | undefined>;
} {
  const failures: string[] = [];
  return {
    failures,
    async note(what, run) {
      const result = await attempt(what, run);
      if (result === undefined) failures.push(`${what}: failed (see stderr)`);
      return result;
    },
  };
}

// ---------------------------------------------------------------- clean-up

// The harness kills every namespace and removes every directory on exit;
// an interrupted bench exits so that it does.
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

// ---------------------------------------------------------------- CPU of a running process

/** Time on CPU of each current thread, ns (/proc/PID/task/TID/schedstat). */
export function threadTimes(pid: number): Map<string, number> {
  const times = new Map<string, number>();
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return times;
  }
  for (const task of tasks) {
    const ns = Number(readProc(pid, `task/${task}/schedstat`).split(" ")[0]);
    if (Number.isFinite(ns)) times.set(task, ns);
  }
  return times;
}

export interface ThreadCpu {
  readonly ms: number;
  readonly born: number;
  readonly died: number;
}

/**
 * CPU time of every thread of `pid` over `windowMs`, ns-precise: the runtime
 * starts and ends helper threads (JSC's HeapHelper, for one), so the threads
 * are polled every 50 ms and a thread that exits keeps its last reading
 * (it loses at most its last 50 ms).
 */
export async function threadCpu(pid: number, windowMs: number): Promise<ThreadCpu> {
  const start = threadTimes(pid);
  const last = new Map(start);
  const end = performance.now() + windowMs;
  let current = start;
  while (performance.now() < end) {
    await Bun.sleep(Math.min(50, Math.max(0, end - performance.now())));
    current = threadTimes(pid);
    for (const [tid, ns] of current) last.set(tid, ns);
  }
  let total = 0;
  for (const [tid, ns] of last) total += ns - (start.get(tid) ?? 0);
  const born = [...last.keys()].filter((tid) => !start.has(tid)).length;
  const died = [...last.keys()].filter((tid) => !current.has(tid)).length;
  return { ms: total / 1e6, born, died };
}
