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

import { closeSync, constants, existsSync, openSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import {
  attempt,
  childrenOf,
  compile,
  fmt,
  initPidOf,
  type Memory,
  machine,
  memoryOf,
  missingBasics,
  PROBE_C,
  probeStartNs,
  ROOT,
  readProc,
  spawnAsPid1,
  stop,
  tempDir,
  versionOf,
  waitFor,
} from "./harness.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const ORPHANS = 2000;
const REAP_RUNS = 5;
const REAP_TIMEOUT_MS = 30_000;
const SETUP_TIMEOUT_MS = 60_000;
const TMP = tempDir("tend-bench-");

interface Init {
  readonly name: string;
  /** Absolute path of the executable, or null when it is not installed. */
  readonly bin: string | null;
  /** How to run `child` under this init. */
  argv(child: readonly string[]): string[];
}

interface Result {
  startupMs?: { median: number; p90: number };
  rss?: Memory;
  reap?: Reap;
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
  return { name, bin, argv: (child) => [bin ?? name, "--", ...child] };
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
    },
  ];
}

// ---------------------------------------------------------------- 1. startup

/** Nanoseconds from just before spawning the namespace to the probe's main(). */
async function startupOnce(probe: string, wrap: (child: string[]) => string[]): Promise<number> {
  const out = join(TMP, "probe.out");
  return probeStartNs(wrap([probe, out]), out, 15_000, 2);
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
async function measureRss(init: Init & { bin: string }): Promise<Memory> {
  const ns = spawnAsPid1(init.argv(["sleep", "30"]));
  try {
    const pid = await initPidOf(ns);
    await waitFor(() => (childrenOf(pid).length > 0 ? true : undefined), "the child", 10_000, 5);
    await Bun.sleep(1000);
    return memoryOf(pid);
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
    const pid = await initPidOf(ns);
    // Cheap count first, then check that every orphan really blocks on the FIFO.
    await waitFor(
      () => (childrenOf(pid).length >= ORPHANS + 1 ? true : undefined),
      "the orphans",
      SETUP_TIMEOUT_MS,
      100,
    );
    const orphans = await waitFor(
      () => {
        const blocked = blockedOrphans(childrenOf(pid));
        return blocked.length === ORPHANS ? blocked : undefined;
      },
      "the orphans to block",
      SETUP_TIMEOUT_MS,
      100,
    );
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
      r.rss ? fmt(r.rss.rssMiB) : "error",
      ratio(r.rss?.rssMiB, tini?.rss?.rssMiB),
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

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const lacking = missingBasics();
  if (lacking.length > 0) {
    console.error(`bench/pid1.ts needs ${lacking.join(", ")} (see bench/setup.sh)`);
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
  const samples = await measureStartup(compile(TMP, "probe", PROBE_C), inits);
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
    rss ? [`${name} ${fmt(rss.anonMiB)} anon + ${fmt(rss.fileMiB)} file`] : [],
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
    ...all.map((init) => `- ${init.name}: ${init.bin ? versionOf(init.bin) : "not installed"}`),
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

await main();
