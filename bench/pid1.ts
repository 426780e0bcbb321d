// PID-1 benchmark: tend against tini, dumb-init and supervisord, side by side.
//
// Every init runs as a real PID 1 inside `unshare --pid --fork --mount-proc`
// (needs root). Three numbers per init:
//  1. startup: CLOCK_MONOTONIC (from libc: Bun's hrtime counts from its own
//     start) just before spawning `unshare … INIT -- probe`
//     to the first instruction of `probe` (a tiny C program compiled here that
//     records clock_gettime(CLOCK_MONOTONIC) at the start of main), minus the
//     same time for `unshare … probe` without an init. Median and p90 of
//     BENCH_RUNS runs (default 20).
//  2. idle RSS: VmRSS of the init (outer pid) one second after it started
//     `sleep 30`.
//  3. reap: the child leaves 2,000 orphans blocked in open() of a FIFO; once
//     all are re-parented to the init, the bench opens and closes the FIFO
//     (T0), so every orphan reads EOF and exits, then polls the init's
//     children until only the direct child is left (T1; zombies stay in that
//     list until reaped). Reports T1 - T0 (median of REAP_RUNS), and the part
//     of it after the last orphan exited (its /proc/PID/stat turned Z).
// Prints a Markdown table and writes it, with the machine and the versions,
// to bench/results.md. Install the other inits with bench/setup.sh.

import { dlopen, FFIType, ptr } from "bun:ffi";
import {
  closeSync,
  constants,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "bun";

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const ORPHANS = 2000;
const REAP_RUNS = 5;
const REAP_TIMEOUT_MS = 30_000;
const SETUP_TIMEOUT_MS = 60_000;
const ROOT = join(import.meta.dir, "..");
const TMP = mkdtempSync(join(tmpdir(), "tend-bench-"));

interface Init {
  readonly name: string;
  /** Absolute path of the executable, or null when it is not installed. */
  readonly bin: string | null;
  /** How to run `child` under this init. */
  argv(child: readonly string[]): string[];
  readonly versionArgs: readonly string[];
}

interface Result {
  startupMs?: { median: number; p90: number };
  rss?: Rss;
  reap?: Reap;
}

interface Rss {
  total: number;
  anon: number;
  file: number;
}

interface Reap {
  /** From the release of the orphans until the init has reaped the last one. */
  ms: number;
  /** From the exit of the last orphan until the init has reaped it. */
  afterLastExitMs: number;
  timedOut: boolean;
}

// ---------------------------------------------------------------- inits

function dashDashInit(name: string, bin: string | null): Init {
  return { name, bin, argv: (child) => [bin ?? name, "--", ...child], versionArgs: ["--version"] };
}

let supervisordConfigs = 0;

/** supervisord has no `--`: it gets a minimal config with one program. */
function supervisordConfig(child: readonly string[]): string {
  const n = ++supervisordConfigs;
  const path = join(TMP, `supervisord-${n}.conf`);
  const config = `[supervisord]
nodaemon=true
user=root
logfile=${TMP}/supervisord-${n}.log
logfile_maxbytes=0
pidfile=${TMP}/supervisord-${n}.pid
childlogdir=${TMP}

[unix_http_server]
file=${TMP}/supervisor-${n}.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:child]
command=${child.join(" ")}
startsecs=0
autorestart=false
stdout_logfile=NONE
stderr_logfile=NONE
`;
  writeFileSync(path, config);
  return path;
}

function allInits(): Init[] {
  const tend = join(ROOT, "dist/tend");
  const supervisord = Bun.which("supervisord");
  return [
    dashDashInit("tend", existsSync(tend) ? tend : null),
    dashDashInit("tini", Bun.which("tini")),
    dashDashInit("dumb-init", Bun.which("dumb-init")),
    {
      name: "supervisord",
      bin: supervisord,
      argv: (child) => [supervisord ?? "supervisord", "-c", supervisordConfig(child)],
      versionArgs: ["--version"],
    },
  ];
}

function versionOf(init: Init): string {
  if (!init.bin) return "not installed";
  const run = spawnSync([init.bin, ...init.versionArgs], { stdout: "pipe", stderr: "pipe" });
  const text = `${run.stdout.toString()}${run.stderr.toString()}`.trim();
  return text.split("\n")[0] ?? "?";
}

// ---------------------------------------------------------------- processes

type Namespace = Bun.Subprocess<"ignore", "ignore", "ignore">;
const live = new Set<Namespace>();

/** Starts `argv` as PID 1 of new pid and mount namespaces. */
function spawnAsPid1(argv: readonly string[]): Namespace {
  const unshare = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"];
  const proc = Bun.spawn([...unshare, ...argv], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  live.add(proc);
  return proc;
}

/**
 * Kills the namespace's PID 1, which takes every process in it along; `unshare`
 * then reaps it and exits. Killed first, `unshare` would leave a zombie behind.
 */
async function stop(ns: Namespace): Promise<void> {
  const inits = childrenOf(ns.pid);
  for (const pid of inits) killQuietly(pid);
  if (inits.length === 0) ns.kill("SIGKILL"); // --kill-child: its child dies too
  const exited = await Promise.race([ns.exited.then(() => true), Bun.sleep(5000)]);
  if (!exited) ns.kill("SIGKILL");
  await ns.exited;
  live.delete(ns);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Direct children of `pid` (outer pids), from the lists of all its threads. */
function childrenOf(pid: number): number[] {
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

function readProc(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "latin1");
  } catch {
    return "";
  }
}

/** The init's outer pid: the one child of `unshare`, once it runs the init. */
async function initPidOf(ns: Namespace, bin: string): Promise<number> {
  const name = bin.split("/").pop() ?? bin;
  return waitFor("the init to start", 10_000, 2, () => {
    const pid = childrenOf(ns.pid)[0];
    if (pid === undefined) return undefined;
    // Until its exec, the forked child still runs unshare.
    return readProc(pid, "cmdline").includes(name) ? pid : undefined;
  });
}

async function waitFor<T>(
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

// ---------------------------------------------------------------- 1. startup

const PROBE_C = `#include <fcntl.h>
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

function compileProbe(): string {
  const source = join(TMP, "probe.c");
  const binary = join(TMP, "probe");
  writeFileSync(source, PROBE_C);
  const cc = spawnSync(["cc", "-O2", "-o", binary, source], { stderr: "pipe" });
  if (cc.exitCode !== 0) throw new Error(`cc failed: ${cc.stderr.toString()}`);
  return binary;
}

const CLOCK_MONOTONIC = 1;
const libc = dlopen("libc.so.6", {
  clock_gettime: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
}).symbols;
const timespec = new BigInt64Array(2);

/** CLOCK_MONOTONIC in ns, the clock the probe reads. */
function monotonicNs(): bigint {
  if (libc.clock_gettime(CLOCK_MONOTONIC, ptr(timespec)) !== 0) throw new Error("clock_gettime");
  return (timespec[0] ?? 0n) * 1_000_000_000n + (timespec[1] ?? 0n);
}

/** Nanoseconds from just before spawning the namespace to the probe's main(). */
async function startupOnce(probe: string, wrap: (child: string[]) => string[]): Promise<number> {
  const out = join(TMP, "probe.out");
  rmSync(out, { force: true });
  const argv = wrap([probe, out]);
  const before = monotonicNs();
  const ns = spawnAsPid1(argv);
  try {
    const stamp: bigint = await waitFor("the probe", 15_000, 2, () => {
      const text = existsSync(out) ? readFileSync(out, "latin1") : "";
      return text.endsWith("\n") ? BigInt(text.trim()) : undefined;
    });
    return Number(stamp - before);
  } finally {
    await stop(ns);
  }
}

async function measureStartup(probe: string, inits: Init[]): Promise<Map<string, number[]>> {
  const wraps: [string, (child: string[]) => string[]][] = [
    ["baseline", (child) => child],
    ...inits.map((init): [string, (child: string[]) => string[]] => [init.name, init.argv]),
  ];
  const samples = new Map<string, number[]>(wraps.map(([name]) => [name, []]));
  for (let run = -1; run < RUNS; run++) {
    // Interleaved so that drift of the machine hits every init alike; run -1 warms up.
    for (const [name, wrap] of wraps) {
      const list = samples.get(name);
      if (!list) continue;
      const ns = await attempt(`${name} startup`, () => startupOnce(probe, wrap));
      // A broken init gets no number rather than a wrong one.
      if (ns === undefined) samples.delete(name);
      else if (run >= 0) list.push(ns / 1e6);
    }
  }
  return samples;
}

// ---------------------------------------------------------------- 2. idle RSS

/** Resident memory of the init in MiB: total, anonymous, file-backed (its executable). */
async function measureRss(init: Init & { bin: string }): Promise<Rss> {
  const ns = spawnAsPid1(init.argv(["sleep", "30"]));
  try {
    const pid = await initPidOf(ns, init.bin);
    await waitFor("the child", 10_000, 5, () => (childrenOf(pid).length > 0 ? true : undefined));
    await Bun.sleep(1000);
    const status = readProc(pid, "status");
    const mib = (field: string): number => {
      const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
      if (!match?.[1]) throw new Error(`no ${field} in /proc/${pid}/status`);
      return Number(match[1]) / 1024;
    };
    return { total: mib("VmRSS"), anon: mib("RssAnon"), file: mib("RssFile") };
  } finally {
    await stop(ns);
  }
}

// ---------------------------------------------------------------- 3. reap

const ORPHANS_SH = `# Leaves $2 orphans, each blocked opening the FIFO $1 for reading, then waits.
i=0
while [ "$i" -lt "$2" ]; do
  (read -r x < "$1" &)
  i=$((i + 1))
done
exec sleep 600
`;

/** Children of the init blocked in open() of the FIFO (wchan wait_for_partner). */
function blockedOrphans(children: number[]): number[] {
  return children.filter((pid) => readProc(pid, "wchan") === "wait_for_partner");
}

/** True once `pid` has exited: a zombie, or already reaped. */
function hasExited(pid: number): boolean {
  const stat = readProc(pid, "stat");
  const state = stat.charAt(stat.lastIndexOf(")") + 2);
  return state === "" || state === "Z" || state === "X";
}

/** Starts the orphan maker under `init`; resolves once every orphan blocks on `fifo`. */
async function makeOrphans(init: Init & { bin: string }, fifo: string) {
  const script = join(TMP, "orphans.sh");
  writeFileSync(script, ORPHANS_SH);
  rmSync(fifo, { force: true });
  if (spawnSync(["mkfifo", fifo]).exitCode !== 0) throw new Error("mkfifo failed");
  const ns = spawnAsPid1(init.argv(["sh", script, fifo, String(ORPHANS)]));
  try {
    const pid = await initPidOf(ns, init.bin);
    // Cheap count first, then check that every orphan really blocks on the FIFO.
    await waitFor("the orphans", SETUP_TIMEOUT_MS, 100, () =>
      childrenOf(pid).length >= ORPHANS + 1 ? true : undefined,
    );
    const orphans = await waitFor("the orphans to block", SETUP_TIMEOUT_MS, 100, () => {
      const blocked = blockedOrphans(childrenOf(pid));
      return blocked.length === ORPHANS ? blocked : undefined;
    });
    const children = childrenOf(pid).length;
    if (children !== ORPHANS + 1) throw new Error(`${children} children, expected ${ORPHANS + 1}`);
    return { ns, pid, orphans };
  } catch (error) {
    await stop(ns);
    throw error;
  }
}

async function reapOnce(init: Init & { bin: string }): Promise<Reap> {
  const fifo = join(TMP, `release-${init.name}.fifo`);
  const { ns, pid, orphans } = await makeOrphans(init, fifo);
  try {
    const pending = new Set(orphans);
    let lastExit: bigint | undefined;
    const t0 = process.hrtime.bigint();
    // A writer that comes and goes: every reader's open() returns, read() gets EOF.
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    const deadline = t0 + BigInt(REAP_TIMEOUT_MS) * 1_000_000n;
    // Tight poll: zombies stay in the init's children until it reaps them.
    for (;;) {
      for (const orphan of pending) if (hasExited(orphan)) pending.delete(orphan);
      const now = process.hrtime.bigint();
      if (pending.size === 0) lastExit ??= now;
      if (childrenOf(pid).length <= 1) {
        const ms = Number(now - t0) / 1e6;
        return { ms, afterLastExitMs: Number(now - (lastExit ?? now)) / 1e6, timedOut: false };
      }
      if (now > deadline) {
        return { ms: REAP_TIMEOUT_MS, afterLastExitMs: Number.NaN, timedOut: true };
      }
    }
  } finally {
    await stop(ns);
  }
}

/** Medians of REAP_RUNS runs; a slow init (seconds) is measured once. */
async function measureReap(init: Init & { bin: string }): Promise<Reap> {
  const runs: Reap[] = [];
  while (runs.length < REAP_RUNS) {
    const run = await reapOnce(init);
    runs.push(run);
    if (run.ms > 5000) break;
  }
  const ms = runs.map((run) => run.ms);
  const afterLastExitMs = runs.map((run) => run.afterLastExitMs);
  return {
    ms: percentile(ms, 50),
    afterLastExitMs: percentile(afterLastExitMs, 50),
    timedOut: runs.some((run) => run.timedOut),
  };
}

// ---------------------------------------------------------------- report

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

function fmt(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString("en-US");
  return value.toFixed(1);
}

function ratio(value: number | undefined, tini: number | undefined): string {
  if (value === undefined || tini === undefined || tini <= 0) return "n/a";
  const r = value / tini;
  return `${r >= 10 ? Math.round(r).toLocaleString("en-US") : r.toFixed(1)}×`;
}

function table(inits: Init[], results: Map<string, Result>): string {
  const tini = results.get("tini");
  const lines = [
    "| init | startup ms (median / p90) | × tini | idle RSS MiB | × tini | reap 2,000 orphans ms | × tini | of which after the last exit ms |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const init of inits) {
    const r = results.get(init.name);
    if (!r) continue;
    const cells = [
      init.name,
      r.startupMs ? `${fmt(r.startupMs.median)} / ${fmt(r.startupMs.p90)}` : "error",
      ratio(r.startupMs?.median, tini?.startupMs?.median),
      r.rss ? fmt(r.rss.total) : "error",
      ratio(r.rss?.total, tini?.rss?.total),
      ...reapCells(r.reap, tini?.reap),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

function reapCells(reap: Reap | undefined, tini: Reap | undefined): string[] {
  if (!reap) return ["error", "n/a", "n/a"];
  if (reap.timedOut) {
    return [`>${fmt(reap.ms)}`, `>${ratio(reap.ms, tini?.ms)}`, "n/a"];
  }
  return [fmt(reap.ms), ratio(reap.ms, tini?.ms), fmt(reap.afterLastExitMs)];
}

function machine(): string {
  const kernel = spawnSync(["uname", "-r"]).stdout.toString().trim();
  return `${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), kernel ${kernel}`;
}

async function attempt<T>(what: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    console.error(`${what}: ${(error as Error).message}`);
    return undefined;
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  if (process.getuid?.() !== 0 || !Bun.which("unshare") || !Bun.which("cc")) {
    console.error("bench/pid1.ts needs root, unshare and cc (see bench/setup.sh)");
    process.exit(1);
  }
  const all = allInits();
  const missing = all.filter((init) => !init.bin);
  const inits = all.filter((init): init is Init & { bin: string } => init.bin !== null);
  for (const init of missing) {
    const how = init.name === "tend" ? "npm run build" : "bench/setup.sh";
    console.error(`${init.name} is missing, skipped (install: ${how})`);
  }
  const results = new Map<string, Result>(inits.map((init) => [init.name, {}]));

  console.error(`startup: ${RUNS} runs per init…`);
  const samples = await measureStartup(compileProbe(), inits);
  const baseline = percentile(samples.get("baseline") ?? [], 50);
  for (const init of inits) {
    const own = samples.get(init.name)?.map((ms) => ms - baseline);
    const result = results.get(init.name);
    if (result && own && own.length > 0) {
      result.startupMs = { median: percentile(own, 50), p90: percentile(own, 90) };
    }
  }

  for (const init of inits) {
    console.error(`idle RSS and reaping: ${init.name}…`);
    const result = results.get(init.name);
    if (!result) continue;
    const rss = await attempt(`${init.name} RSS`, () => measureRss(init));
    if (rss !== undefined) result.rss = rss;
    const reap = await attempt(`${init.name} reap`, () => measureReap(init));
    if (reap !== undefined) result.reap = reap;
  }

  const markdown = table(inits, results);
  const skipped = missing.map((init) => `- ${init.name}: not installed (run bench/setup.sh)`);
  console.log([markdown, ...skipped].join("\n"));
  writeReport(all, results, markdown, skipped, baseline);
}

function writeReport(
  all: Init[],
  results: Map<string, Result>,
  markdown: string,
  skipped: string[],
  baseline: number,
): void {
  const rssDetails = [...results].flatMap(([name, { rss }]) =>
    rss ? [`${name} ${fmt(rss.anon)} anon + ${fmt(rss.file)} file`] : [],
  );
  const report = [
    "# PID-1 benchmark",
    "",
    `Date: ${new Date().toISOString()}  `,
    `Machine: ${machine()}  `,
    `Command: \`npm run bench\` (bench/pid1.ts)`,
    "",
    "Versions:",
    "",
    ...all.map((init) => `- ${init.name}: ${versionOf(init)}`),
    "",
    markdown,
    ...(skipped.length > 0 ? ["", ...skipped] : []),
    "",
    `- startup: from exec of the init to the child's first instruction, median and p90 of ${RUNS} runs, minus the median ${fmt(baseline)} ms of \`unshare --pid --fork --mount-proc\` running the child alone.`,
    `- idle RSS: VmRSS of the init 1 s after it started \`sleep 30\` (MiB: ${rssDetails.join("; ")}).`,
    `- reap: from the release of ${ORPHANS.toLocaleString("en-US")} orphans blocked on a FIFO until the init has reaped the last one; median of ${REAP_RUNS} runs (1 run if it takes over 5 s), timeout ${REAP_TIMEOUT_MS / 1000} s. Most of it is the orphans themselves waking up and exiting; the last column is the part after the last one exited (0.0: reaped before the bench's poll saw it exit).`,
    "",
  ].join("\n");
  writeFileSync(join(import.meta.dir, "results.md"), report);
}

function cleanUp(): void {
  for (const ns of live) {
    for (const pid of childrenOf(ns.pid)) killQuietly(pid);
    ns.kill("SIGKILL");
  }
  rmSync(TMP, { recursive: true, force: true });
}

process.on("exit", cleanUp);
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

await main();
