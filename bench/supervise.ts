// Supervision benchmark: tend against the real supervisord 4.2.5 in the same run,
// on the same INI configs. Each supervisor runs as PID 1 of a fresh pid
// namespace (`unshare --pid --fork --mount-proc`, needs root, as in
// bench/pid1.ts), with its main log in a temp file at loglevel info and the
// programs' output discarded (stdout_logfile=NONE, stderr_logfile=NONE).
//  1. start: 50 programs (`sleep 1000`, startsecs=0, autostart): from just
//     before spawning the namespace to the timestamp of the 50th `success:`
//     line in the supervisor's log, minus the median time `unshare` takes to
//     exec a probe (a tiny C program that records CLOCK_MONOTONIC at main()).
//     supervisord's first start waits for its one-second tick. Median of
//     START_RUNS runs (default 5).
//  2. restart: one program (autorestart=true, startsecs=0) that appends its
//     CLOCK_MONOTONIC at the start of main() and again just before it exits
//     (0.3 s later); the latency is the next start minus the previous exit.
//     Median of RESTARTS restarts (default 10).
//  3. idle: 100 programs (`sleep 1000`); once all are RUNNING and one more
//     second has passed, CPU time of the supervisor over a 10 s window (and
//     over the next 10 s, the steady state)
//     (utime+stime of /proc/PID/stat, in clock ticks; and, ns-precise, the
//     sum over its threads of /proc/PID/task/TID/schedstat, polled every
//     50 ms since the runtime starts and ends threads) and its VmRSS at the end.
// Prints a Markdown table (tend, supervisord, tend / supervisord, tend's
// target) and writes it, with the machine and the versions, to
// bench/supervise-results.md. Run: `npm run build && bun bench/supervise.ts`.

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import {
  attempt,
  childrenOf,
  compile,
  fmt,
  initPidOf,
  type LogEntry,
  type Memory,
  machine,
  median,
  memoryOf,
  PROBE_C,
  probeStartNs,
  readProc,
  runDir,
  type Supervisor,
  spawnAsPid1,
  stop,
  supervisors,
  tempDir,
  tendBuild,
  threadCpu,
  versionOf,
  waitFor,
  waitForLog,
  wallNow,
  writeConfig,
} from "./harness.ts";

const START_PROGRAMS = 50;
const START_RUNS = Number(process.env.START_RUNS ?? 5);
const RESTARTS = Number(process.env.RESTARTS ?? 10);
const PULSE_MS = 300;
const IDLE_PROGRAMS = 100;
const IDLE_WINDOW_MS = 10_000;
const SETTLE_MS = 1000;
/** The first window is the one the targets are about; the second shows the steady state. */
const IDLE_WINDOWS = 2;
const TMP = tempDir("tend-bench-supervise-");

const TARGETS = { startMs: 100, restartMs: 5, rssMiB: 30, cpuMs: 5 } as const;
/** supervisord, measured earlier on this kind of machine, for orientation. */
const EARLIER_SUPERVISORD = "1,385 ms, 1,010 ms, 31 MiB and 8 ms per 10 s";

/** pulse FILE MS: appends "S <ns>" at main(), sleeps MS, appends "E <ns>" and exits 0. */
const PULSE_C = `#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
static void stamp(int fd, char tag) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  char line[40];
  int n = snprintf(line, sizeof line, "%c %lld\\n", tag, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
  if (write(fd, line, n) != n) _exit(2);
}
int main(int argc, char **argv) {
  if (argc < 3) return 2;
  int fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return 2;
  stamp(fd, 'S');
  struct timespec pause = { atol(argv[2]) / 1000, (atol(argv[2]) % 1000) * 1000000L };
  nanosleep(&pause, NULL);
  stamp(fd, 'E');
  return 0;
}
`;

function sleepers(count: number): string {
  const sections: string[] = [];
  for (let i = 0; i < count; i++) {
    sections.push(
      `[program:sleep-${i}]
command=sleep 1000
startsecs=0
autostart=true
stdout_logfile=NONE
stderr_logfile=NONE
`,
    );
  }
  return sections.join("\n");
}

const isSuccess = (e: LogEntry) => e.message.startsWith("success: ");

// ---------------------------------------------------------------- 1. start

/** Median ms from spawning `unshare … probe` to the probe's main(). */
async function unshareBaseline(probe: string): Promise<number> {
  const out = join(TMP, "probe.out");
  const samples: number[] = [];
  for (let run = -1; run < START_RUNS; run++) {
    const ns = await probeStartNs([probe, out], out, 10_000, 1);
    if (run >= 0) samples.push(ns / 1e6);
  }
  return median(samples);
}

interface StartRun {
  /** From the spawn of the namespace to the last `success:`, ms (baseline not yet subtracted). */
  readonly allRunningMs: number;
  /** From the spawn of the namespace to the first `spawned:`, ms. */
  readonly firstSpawnMs: number;
}

async function startOnce(sup: Supervisor): Promise<StartRun> {
  const dir = runDir(TMP, `start-${sup.name}`);
  const { config, log } = writeConfig(dir, sleepers(START_PROGRAMS));
  const before = wallNow();
  const ns = spawnAsPid1([sup.bin, "-c", config]);
  try {
    const entries = await waitForLog(
      log,
      `${START_PROGRAMS} programs RUNNING`,
      30_000,
      (es) => es.filter(isSuccess).length >= START_PROGRAMS,
    );
    const last = entries.filter(isSuccess)[START_PROGRAMS - 1];
    const first = entries.find((e) => e.message.startsWith("spawned: "));
    if (!last || !first) throw new Error("no success/spawned lines");
    return { allRunningMs: last.time - before, firstSpawnMs: first.time - before };
  } finally {
    await stop(ns);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- 2. restart

async function restartLatencies(sup: Supervisor, pulse: string): Promise<number[]> {
  const dir = runDir(TMP, `restart-${sup.name}`);
  const stamps = join(dir, "stamps");
  const { config } = writeConfig(
    dir,
    `[program:pulse]
command=${pulse} ${stamps} ${PULSE_MS}
startsecs=0
autorestart=true
stdout_logfile=NONE
stderr_logfile=NONE
`,
  );
  const ns = spawnAsPid1([sup.bin, "-c", config]);
  try {
    const timeout = (RESTARTS + 2) * (PULSE_MS + 1500) + 5000;
    const lines = await waitFor(
      () => {
        let text = "";
        try {
          text = readFileSync(stamps, "latin1");
        } catch {
          return undefined;
        }
        const all = text.split("\n").filter((line) => line !== "");
        return all.filter((line) => line.startsWith("S ")).length > RESTARTS ? all : undefined;
      },
      "the restarts",
      timeout,
      20,
    );
    const latencies: number[] = [];
    let exitAt: bigint | undefined;
    for (const line of lines) {
      const [tag, ns] = line.split(" ");
      const at = BigInt(ns ?? "0");
      if (tag === "E") exitAt = at;
      else if (tag === "S" && exitAt !== undefined) {
        latencies.push(Number(at - exitAt) / 1e6);
        exitAt = undefined;
      }
    }
    return latencies.slice(0, RESTARTS);
  } finally {
    await stop(ns);
  }
}

// ---------------------------------------------------------------- 3. idle

/** One idle window; its memory and threads are read at its end. */
interface IdleWindow extends Memory {
  /** utime+stime per 10 s, ms (clock ticks). */
  readonly cpuTicksMs: number;
  /** Time on CPU of its threads per 10 s, ms (schedstat). */
  readonly schedMs: number;
  readonly threadsBorn: number;
  readonly threadsDied: number;
}

interface Idle {
  /** Back to back: the first starts SETTLE_MS after the last `success:`. */
  readonly windows: IdleWindow[];
}

const CLK_TCK = Number(spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

/** utime + stime of the whole process, in ms (clock-tick resolution). */
function cpuTicksMs(pid: number): number {
  const stat = readProc(pid, "stat");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After "pid (comm) ", field 3 (state) is index 0: utime is field 14, stime 15.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLK_TCK;
}

async function idleWindow(pid: number): Promise<IdleWindow> {
  const cpu0 = cpuTicksMs(pid);
  const threads = await threadCpu(pid, IDLE_WINDOW_MS);
  const cpu1 = cpuTicksMs(pid);
  const memory = memoryOf(pid);
  const scale = 10_000 / IDLE_WINDOW_MS;
  return {
    cpuTicksMs: (cpu1 - cpu0) * scale,
    schedMs: threads.ms * scale,
    threadsBorn: threads.born,
    threadsDied: threads.died,
    ...memory,
  };
}

async function idle(sup: Supervisor): Promise<Idle> {
  const dir = runDir(TMP, `idle-${sup.name}`);
  const { config, log } = writeConfig(dir, sleepers(IDLE_PROGRAMS));
  const ns = spawnAsPid1([sup.bin, "-c", config]);
  try {
    const pid = await initPidOf(ns);
    await waitForLog(
      log,
      `${IDLE_PROGRAMS} programs RUNNING`,
      30_000,
      (es) => es.filter(isSuccess).length >= IDLE_PROGRAMS,
    );
    const children = childrenOf(pid).length;
    if (children !== IDLE_PROGRAMS)
      throw new Error(`${children} children, ${IDLE_PROGRAMS} expected`);
    await Bun.sleep(SETTLE_MS);
    const windows: IdleWindow[] = [];
    for (let w = 0; w < IDLE_WINDOWS; w++) windows.push(await idleWindow(pid));
    return { windows };
  } finally {
    await stop(ns);
  }
}

// ---------------------------------------------------------------- report

interface Results {
  start?: { ms: number[]; firstSpawnMs: number[] };
  restart?: number[];
  idle?: Idle;
}

function ratio(tend: number | undefined, sd: number | undefined): string {
  if (tend === undefined || sd === undefined || !Number.isFinite(tend) || !(sd > 0)) return "n/a";
  const r = tend / sd;
  return r >= 10 ? `${fmt(r, 0)}×` : r >= 0.1 ? `${r.toFixed(2)}×` : `${r.toFixed(3)}×`;
}

function row(
  metric: string,
  tend: number | undefined,
  sd: number | undefined,
  target: number,
  digits = 1,
  judged = true,
): string {
  const cell = (v: number | undefined) => (v === undefined ? "error" : fmt(v, digits));
  const met =
    tend === undefined ? "n/a" : !judged ? "(ticks too coarse)" : tend <= target ? "yes" : "**no**";
  return `| ${metric} | ${cell(tend)} | ${cell(sd)} | ${ratio(tend, sd)} | ≤ ${target} | ${met} |`;
}

const spread = (values: number[] | undefined): string =>
  values && values.length > 0 ? `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}` : "n/a";

const win = (r: Results, w: number): IdleWindow | undefined => r.idle?.windows[w];

/** "window 1 (1–11 s after the last success:)", ... */
const windowNames = Array.from({ length: IDLE_WINDOWS }, (_, w) => {
  const from = (SETTLE_MS + w * IDLE_WINDOW_MS) / 1000;
  return `window ${w + 1} (${from}–${from + IDLE_WINDOW_MS / 1000} s after the last \`success:\`)`;
});

function table(tend: Results, sd: Results): string {
  const startMs = (r: Results) => (r.start ? median(r.start.ms) : undefined);
  const restartMs = (r: Results) => (r.restart ? median(r.restart) : undefined);
  return [
    "| metric | tend | supervisord | tend / supervisord | tend target | met |",
    "|---|---:|---:|---:|---:|---|",
    row(
      `start of ${START_PROGRAMS} programs, exec → last \`success:\`, ms (median of ${START_RUNS})`,
      startMs(tend),
      startMs(sd),
      TARGETS.startMs,
    ),
    row(
      `restart after an exit from RUNNING, ms (median of ${RESTARTS})`,
      restartMs(tend),
      restartMs(sd),
      TARGETS.restartMs,
      2,
    ),
    row(
      `idle RSS with ${IDLE_PROGRAMS} programs, MiB (VmRSS at the end of window 1)`,
      win(tend, 0)?.rssMiB,
      win(sd, 0)?.rssMiB,
      TARGETS.rssMiB,
    ),
    ...windowNames.flatMap((name, w) => [
      row(
        `idle CPU with ${IDLE_PROGRAMS} programs, ${name}, ms per 10 s (utime+stime, ${1000 / CLK_TCK} ms ticks)`,
        win(tend, w)?.cpuTicksMs,
        win(sd, w)?.cpuTicksMs,
        TARGETS.cpuMs,
        0,
        1000 / CLK_TCK <= TARGETS.cpuMs,
      ),
      row(
        `idle CPU with ${IDLE_PROGRAMS} programs, ${name}, ms per 10 s (schedstat of its threads)`,
        win(tend, w)?.schedMs,
        win(sd, w)?.schedMs,
        TARGETS.cpuMs,
        2,
      ),
    ]),
  ].join("\n");
}

function details(tend: Results, sd: Results, baselineMs: number): string[] {
  const both = (f: (r: Results) => string) => `tend ${f(tend)}; supervisord ${f(sd)}`;
  const idleDetails = (r: Results) =>
    r.idle
      ? r.idle.windows
          .map(
            (w, i) =>
              `window ${i + 1}: ${fmt(w.rssMiB)} MiB = ${fmt(w.anonMiB)} anon + ${fmt(w.fileMiB)} file, ${w.threads} threads, ${w.threadsBorn} started and ${w.threadsDied} ended in it`,
          )
          .join(", ")
      : "n/a";
  return [
    `- start: from just before spawning \`unshare --pid --fork --mount-proc SUPERVISOR -c FILE\` to the timestamp (ms) of the ${START_PROGRAMS}th \`success:\` line in the supervisor's log, minus ${fmt(baselineMs, 2)} ms, the median time for \`unshare\` to exec a probe. Range: ${both((r) => `${spread(r.start?.ms)} ms`)}. First \`spawned:\` after exec (median): ${both((r) => `${r.start ? fmt(median(r.start.firstSpawnMs)) : "n/a"} ms`)} (supervisord waits for its 1 s tick; tend starts its programs at once); from the first \`spawned:\` to the last \`success:\` (median): ${both((r) => `${r.start ? fmt(median(r.start.ms.map((ms, i) => ms - (r.start?.firstSpawnMs[i] ?? 0)))) : "n/a"} ms`)} (with startsecs=0, supervisord logs \`success:\` at the next pass of its loop, which for quiet programs is its next tick).`,
    `- restart: a C program (autorestart=true, startsecs=0) records CLOCK_MONOTONIC at main() and just before exiting ${PULSE_MS} ms later; latency = next start − previous exit. Range: ${both((r) => `${spread(r.restart)} ms`)}.`,
    `- idle: ${IDLE_PROGRAMS} × \`sleep 1000\`, ${IDLE_WINDOWS} back-to-back windows of ${IDLE_WINDOW_MS / 1000} s, the first starting ${SETTLE_MS / 1000} s after the last \`success:\` (the targets are about that one; the next shows the steady state); RSS at the end of each (${both(idleDetails)}). utime+stime counts whole clock ticks (${1000 / CLK_TCK} ms), so below ~${1000 / CLK_TCK} ms per window only the schedstat row is meaningful (each thread's ns on CPU, polled every 50 ms so that threads ending in the window still count).`,
    `- supervisord measured earlier, for orientation: ${EARLIER_SUPERVISORD}.`,
    "- Programs' output: stdout_logfile=NONE and stderr_logfile=NONE for both; each supervisor logs to a file at loglevel info.",
  ];
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const all = supervisors("bench/supervise.ts");
  const probe = compile(TMP, "probe", PROBE_C);
  const pulse = compile(TMP, "pulse", PULSE_C);
  const results = new Map<string, Results>(all.map((sup) => [sup.name, {}]));

  console.error("start: unshare baseline…");
  const baselineMs = await unshareBaseline(probe);
  console.error(`start: ${START_PROGRAMS} programs, ${START_RUNS} runs each…`);
  const startSamples = new Map<string, StartRun[]>(all.map((sup) => [sup.name, []]));
  const broken = new Set<string>();
  for (let run = -1; run < START_RUNS; run++) {
    // Interleaved so that drift of the machine hits both alike; run -1 warms up.
    for (const sup of all) {
      if (broken.has(sup.name)) continue;
      const sample = await attempt(`${sup.name} start`, () => startOnce(sup));
      if (sample === undefined) broken.add(sup.name);
      else if (run >= 0) startSamples.get(sup.name)?.push(sample);
    }
  }
  for (const sup of all) {
    const samples = startSamples.get(sup.name) ?? [];
    const result = results.get(sup.name);
    if (result && !broken.has(sup.name) && samples.length > 0) {
      result.start = {
        ms: samples.map((s) => s.allRunningMs - baselineMs),
        firstSpawnMs: samples.map((s) => s.firstSpawnMs - baselineMs),
      };
    }
  }

  for (const sup of all) {
    const result = results.get(sup.name);
    if (!result) continue;
    console.error(`restart: ${sup.name}, ${RESTARTS} restarts…`);
    const restart = await attempt(`${sup.name} restart`, () => restartLatencies(sup, pulse));
    if (restart !== undefined) result.restart = restart;
    console.error(
      `idle: ${sup.name}, ${IDLE_PROGRAMS} programs, ${IDLE_WINDOWS} × ${IDLE_WINDOW_MS / 1000} s…`,
    );
    const idleResult = await attempt(`${sup.name} idle`, () => idle(sup));
    if (idleResult !== undefined) result.idle = idleResult;
  }

  const tend = results.get("tend") ?? {};
  const sd = results.get("supervisord") ?? {};
  const markdown = table(tend, sd);
  const notes = details(tend, sd, baselineMs);
  console.log([markdown, "", ...notes].join("\n"));
  const versions = all.map((sup) => `- ${sup.name}: ${versionOf(sup.bin)}`);
  versions[0] += ` (${tendBuild()})`;
  const python = spawnSync(["python3", "--version"]).stdout.toString().trim();
  const report = [
    "# Supervision benchmark: tend vs supervisord",
    "",
    `Date: ${new Date().toISOString()}  `,
    `Machine: ${machine()}  `,
    "Command: `npm run build && bun bench/supervise.ts`  ",
    "Mode: each supervisor runs as PID 1 of its own pid namespace (`unshare --pid --fork --mount-proc`), on the same generated INI config.",
    "",
    "Versions:",
    "",
    ...versions,
    `- Bun (runs the bench; tend is compiled with the same package): ${Bun.version}`,
    `- ${python} (runs supervisord)`,
    "",
    markdown,
    "",
    ...notes,
    "",
  ].join("\n");
  writeFileSync(join(import.meta.dir, "supervise-results.md"), report);
}

await main();
