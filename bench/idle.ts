// Idle-cost benchmark: what an idle tend costs against supervisord 4.2.5 and
// tini, all in one run, each as PID 1 of its own pid namespace (`unshare
// --pid --fork --mount-proc`, needs root), on the same INI config
// (`sleep infinity` programs, startsecs=0, output discarded):
//  1. resident memory of PID 1 with 1, 100 and 500 programs: VmRSS (also its
//     anonymous and file-backed parts, and PSS from smaps_rollup) once every
//     program is RUNNING (getAllProcessInfo over the socket) and SETTLE_MS
//     (default 15 s) have passed; tini and dumb-init with their one child.
//     The runs of one size are up at the same time.
//  2. idle with 100 programs: wake-ups (voluntary context switches) and CPU
//     (schedstat) of every thread over the same IDLE_MS (default 10 s)
//     window, twice: right after the settle time, and again from LATE_MS
//     (default 45 s) after every program is RUNNING, when Bun's idle GC
//     timer has had 30 quiet seconds to slow from once a second to once in
//     30 s, over LATE_WINDOW_MS (default 60 s) and scaled to 10 s; threads
//     are polled every 10 ms and one that ends keeps its last
//     reading, so threads that come and go count too (how many did is
//     printed); tini with its one child beside them, and a third tend
//     started with BUN_GC_TIMER_DISABLE=1 (that timer's share).
//  3. start: from just before `unshare` is executed to the first instruction
//     of the first program (a small C probe that writes CLOCK_MONOTONIC), in
//     run mode (a config with one program); the same path without any init
//     is measured too and subtracted in the "after exec" column, and so is
//     Bun's floor: an executable compiled here with tend's build flags whose
//     only code spawns its arguments (no Bun program can start one sooner).
//     Median of START_RUNS (default 5), the inits interleaved run by run.
//  4. memory under load with 500 programs: CALLS (default 2,000) sequential
//     getAllProcessInfo calls over the socket, to tend and to supervisord at
//     the same time; VmRSS before, at its peak (read every 50 calls), after
//     the last call and after 10 s idle.
// Prints a Markdown report with ratios; writes nothing.
// Run: `npm run bench:idle` (builds dist/tend first), or `bun bench/idle.ts`
// on an existing build. SIZES=1,100 and CALLS=0 make a short run.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { TEND } from "../test/harness/index.ts";
import { idleWindow as costsOver, type IdleCost } from "./costs.ts";
import {
  childrenOf,
  compile,
  fmt,
  initPidOf,
  machine,
  median,
  memoryOf,
  type Namespace,
  PROBE_C,
  probeStartNs,
  readProc,
  runDir,
  type Supervisor,
  sleeperPrograms,
  socketCall,
  spawnAsPid1,
  stop,
  tempDir,
  tendAndSupervisord,
  tendBuild,
  untilAllRunning,
  versionOf,
  waitFor,
  writeConfig,
} from "./harness.ts";

const SIZES = (process.env.SIZES ?? "1,100,500")
  .split(",")
  .map(Number)
  .filter((n) => n > 0);
const IDLE_PROGRAMS = 100;
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 15_000);
const IDLE_MS = Number(process.env.IDLE_MS ?? 10_000);
const LATE_MS = Number(process.env.LATE_MS ?? 45_000);
/** The late window is longer: Bun's GC timer then fires once in 30 s, which a 10 s window may miss. */
const LATE_WINDOW_MS = Number(process.env.LATE_WINDOW_MS ?? 60_000);
const START_RUNS = Number(process.env.START_RUNS ?? 5);
const CALLS = Number(process.env.CALLS ?? 2_000);
const LOAD_PROGRAMS = 500;
const AFTER_LOAD_IDLE_MS = 10_000;
const READY_TIMEOUT_MS = 180_000;

const TMP = tempDir("tend-bench-idle-");

interface Init {
  readonly name: string;
  readonly bin: string;
}

interface Running {
  readonly name: string;
  readonly ns: Namespace;
  readonly pid: number;
  readonly socket?: string;
}

// ---------------------------------------------------------------- reading /proc

interface Resident {
  readonly rss: number;
  readonly anon: number;
  readonly file: number;
  readonly pss: number;
}

function residentOf(pid: number): Resident {
  const memory = memoryOf(pid);
  const pss = /^Pss:\s+(\d+) kB/m.exec(readProc(pid, "smaps_rollup"))?.[1];
  return {
    rss: memory.rssMiB,
    anon: memory.anonMiB,
    file: memory.fileMiB,
    pss: pss === undefined ? Number.NaN : Number(pss) / 1024,
  };
}

/** Wake-ups (voluntary context switches) and CPU of every thread of each pid over one window. */
function idleWindow(pids: readonly number[], ms: number): Promise<IdleCost[]> {
  return costsOver(pids, ms, { pollMs: 10, voluntaryOnly: true });
}

// ---------------------------------------------------------------- starting the inits

/** A supervisor on `count` sleepers, once all are RUNNING. */
/** `env`: variables to start it with (through env(1), which execs it), and the name it is reported by. */
async function supervise(
  who: Supervisor,
  count: number,
  env?: { readonly name: string; readonly vars: readonly string[] },
): Promise<Running> {
  const dir = runDir(TMP, `${env?.name ?? who.name}-${count}`.replace(/[^\w-]+/g, "-"));
  const { config, socket } = writeConfig(dir, sleeperPrograms(count));
  const argv = [who.bin, "-c", config];
  const ns = spawnAsPid1(env ? ["env", ...env.vars, ...argv] : argv);
  const pid = await initPidOf(ns);
  await untilAllRunning(socket, count, env?.name ?? who.name, READY_TIMEOUT_MS);
  return { name: env?.name ?? who.name, ns, pid, socket };
}

/** tend started with Bun's idle GC timer off: how much of its idle cost that timer is. */
const WITHOUT_GC_TIMER = { name: "tend, BUN_GC_TIMER_DISABLE=1", vars: ["BUN_GC_TIMER_DISABLE=1"] };

/** tini or dumb-init with one `sleep infinity`, once the child runs. */
async function wrap(init: Init): Promise<Running> {
  const argv =
    init.name === "tini" ? [init.bin, "--", "sleep", "infinity"] : [init.bin, "sleep", "infinity"];
  const ns = spawnAsPid1(argv);
  const pid = await initPidOf(ns);
  await waitFor(
    () => (childrenOf(pid).length > 0 ? true : undefined),
    `${init.name}: its child`,
    10_000,
    5,
  );
  return { name: init.name, ns, pid };
}

function inits(): Init[] {
  const found: Init[] = [];
  for (const name of ["tini", "dumb-init"]) {
    const bin = Bun.which(name);
    if (bin) found.push({ name, bin });
    else console.error(`${name} not found (bench/setup.sh installs it); its rows are left out`);
  }
  return found;
}

// ---------------------------------------------------------------- 1 and 2: resident and idle

interface SizeResult {
  readonly programs: number;
  readonly resident: Map<string, Resident>;
  /** The idle windows: from SETTLE_MS, then from LATE_MS after all were RUNNING. */
  readonly idle?: readonly [Map<string, IdleCost>, Map<string, IdleCost>];
}

async function atSize(who: Supervisor[], wrappers: Init[], count: number): Promise<SizeResult> {
  const runs: Running[] = [];
  try {
    for (const s of who) runs.push(await supervise(s, count));
    const tend = who.find((s) => s.name === "tend");
    if (count === IDLE_PROGRAMS && tend) runs.push(await supervise(tend, count, WITHOUT_GC_TIMER));
    if (count === 1 || count === IDLE_PROGRAMS) for (const w of wrappers) runs.push(await wrap(w));
    const ready = performance.now();
    await Bun.sleep(SETTLE_MS);
    const resident = new Map(runs.map((r) => [r.name, residentOf(r.pid)]));
    if (count !== IDLE_PROGRAMS) return { programs: count, resident };
    /** One window of `ms`, its counts scaled to IDLE_MS. */
    const window = async (ms: number) => {
      const costs = await idleWindow(
        runs.map((r) => r.pid),
        ms,
      );
      const scale = IDLE_MS / ms;
      return new Map(
        runs.map((r, i) => {
          const cost = costs[i] as IdleCost;
          return [r.name, { ...cost, switches: cost.switches * scale, cpuMs: cost.cpuMs * scale }];
        }),
      );
    };
    const early = await window(IDLE_MS);
    await Bun.sleep(Math.max(0, ready + LATE_MS - performance.now()));
    return { programs: count, resident, idle: [early, await window(LATE_WINDOW_MS)] };
  } finally {
    await Promise.all(runs.map((r) => stop(r.ns)));
  }
}

// ---------------------------------------------------------------- 3. start

function probeConfig(dir: string, probe: string, out: string): string {
  return writeConfig(
    dir,
    `[program:probe]\ncommand=${probe} ${out}\nstartsecs=0\nautorestart=false\nstdout_logfile=NONE\nstderr_logfile=NONE\n`,
  ).config;
}

/** A Bun executable, built like tend, that spawns its arguments first thing and waits a second. */
function bunFloor(): string {
  const source = join(TMP, "floor.ts");
  const binary = join(TMP, "bun-floor");
  writeFileSync(
    source,
    'Bun.spawn(process.argv.slice(2), { stdio: ["ignore", "ignore", "ignore"] });\nsetTimeout(() => {}, 1000);\n',
  );
  const build = spawnSync([
    process.execPath,
    "build",
    "--compile",
    "--format=esm",
    "--minify",
    "--bytecode",
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    source,
    "--outfile",
    binary,
  ]);
  if (build.exitCode !== 0) throw new Error(`bun build: ${build.stderr.toString()}`);
  return binary;
}

async function startTimes(who: Supervisor[], wrappers: Init[]): Promise<Map<string, number[]>> {
  const probe = compile(TMP, "probe", PROBE_C);
  const out = join(TMP, "probe.out");
  const argvs: [string, string[]][] = [
    ["no init", [probe, out]],
    ["Bun's floor", [bunFloor(), probe, out]],
    ...who.map((s): [string, string[]] => [
      s.name,
      [s.bin, "-c", probeConfig(runDir(TMP, `start-${s.name}`), probe, out)],
    ]),
    ...wrappers.map((w): [string, string[]] => [
      w.name,
      w.name === "tini" ? [w.bin, "--", probe, out] : [w.bin, probe, out],
    ]),
  ];
  const samples = new Map<string, number[]>(argvs.map(([name]) => [name, []]));
  for (let run = -1; run < START_RUNS; run++)
    for (const [name, argv] of argvs) {
      const ns = await probeStartNs(argv, out, 15_000, 1);
      if (run >= 0) samples.get(name)?.push(ns / 1e6);
    }
  return samples;
}

// ---------------------------------------------------------------- 4. under load

interface Load {
  readonly before: number;
  readonly peak: number;
  readonly after: number;
  readonly idle: number;
  readonly ms: number;
}

async function underLoad(who: Supervisor[]): Promise<Map<string, Load>> {
  const runs: Running[] = [];
  try {
    for (const s of who) runs.push(await supervise(s, LOAD_PROGRAMS));
    await Bun.sleep(SETTLE_MS);
    const loads = await Promise.all(
      runs.map(async (r): Promise<Load> => {
        const socket = r.socket as string;
        const before = memoryOf(r.pid).rssMiB;
        let peak = before;
        const started = performance.now();
        for (let i = 1; i <= CALLS; i++) {
          const body = await socketCall(socket, "supervisor.getAllProcessInfo");
          if (i === 1 && (body.match(/<string>RUNNING</g)?.length ?? 0) !== LOAD_PROGRAMS)
            throw new Error(`${r.name}: not all RUNNING`);
          if (i % 50 === 0) peak = Math.max(peak, memoryOf(r.pid).rssMiB);
        }
        const ms = performance.now() - started;
        const after = memoryOf(r.pid).rssMiB;
        await Bun.sleep(AFTER_LOAD_IDLE_MS);
        return { before, peak: Math.max(peak, after), after, idle: memoryOf(r.pid).rssMiB, ms };
      }),
    );
    return new Map(runs.map((r, i) => [r.name, loads[i] as Load]));
  } finally {
    await Promise.all(runs.map((r) => stop(r.ns)));
  }
}

// ---------------------------------------------------------------- report

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b <= 0)
    return "n/a";
  return `${(a / b).toFixed(2)}×`;
}

function row(label: string, tend?: number, sd?: number, tini?: number, digits = 1): string {
  const cell = (v?: number) => (v === undefined ? "—" : fmt(v, digits));
  return `| ${label} | ${cell(tend)} | ${cell(sd)} | ${ratio(tend, sd)} | ${cell(tini)} |`;
}

function report(
  sizes: SizeResult[],
  starts: Map<string, number[]>,
  load?: Map<string, Load>,
): string {
  const lines = [
    "# Idle cost: tend against supervisord and tini",
    "",
    `${machine()}; ${versionOf("supervisord")}; tend: ${TEND} (${tendBuild()}).`,
    `Settle ${SETTLE_MS / 1000} s after every program is RUNNING ("start" below); idle windows of ${IDLE_MS / 1000} s.`,
    "",
    "| | tend | supervisord | tend / supervisord | tini |",
    "|---|---:|---:|---:|---:|",
  ];
  for (const size of sizes) {
    const r = (name: string) => size.resident.get(name);
    const label = `${size.programs} program${size.programs === 1 ? "" : "s"}`;
    lines.push(
      row(`RSS of PID 1, ${label}, MiB`, r("tend")?.rss, r("supervisord")?.rss, r("tini")?.rss),
    );
    lines.push(
      row("… of which anonymous, MiB", r("tend")?.anon, r("supervisord")?.anon, r("tini")?.anon),
    );
    lines.push(
      row("… of which file-backed, MiB", r("tend")?.file, r("supervisord")?.file, r("tini")?.file),
    );
    lines.push(row(`… PSS, MiB`, r("tend")?.pss, r("supervisord")?.pss, r("tini")?.pss));
    for (const [n, idle] of (size.idle ?? []).entries()) {
      const i = (name: string) => idle.get(name);
      const when =
        n === 0
          ? `${fmt(SETTLE_MS / 1000, 0)} s after start`
          : `${fmt(LATE_MS / 1000, 0)} s after start (over ${fmt(LATE_WINDOW_MS / 1000, 0)} s)`;
      lines.push(
        row(
          `wake-ups per ${IDLE_MS / 1000} s idle from ${when}, ${label} (tini: 1)`,
          i("tend")?.switches,
          i("supervisord")?.switches,
          i("tini")?.switches,
          1,
        ),
      );
      lines.push(
        row(
          `CPU per ${IDLE_MS / 1000} s idle from ${when}, ${label} (tini: 1), ms`,
          i("tend")?.cpuMs,
          i("supervisord")?.cpuMs,
          i("tini")?.cpuMs,
          2,
        ),
      );
    }
  }
  const start = (name: string) => median(starts.get(name) ?? []);
  const base = start("no init");
  lines.push(
    row(
      `start, exec of unshare → first program, ms (median of ${START_RUNS})`,
      start("tend"),
      start("supervisord"),
      start("tini"),
      1,
    ),
  );
  lines.push(
    row(
      "start, the same minus the path without an init, ms",
      start("tend") - base,
      start("supervisord") - base,
      start("tini") - base,
      1,
    ),
  );
  lines.push(
    `| … Bun's floor (a Bun executable that only spawns), minus the same path, ms | ${fmt(start("Bun's floor") - base, 1)} | | | |`,
  );
  if (load)
    for (const key of ["before", "peak", "after", "idle"] as const) {
      const label = {
        before: "before",
        peak: "peak",
        after: "after the last",
        idle: `${AFTER_LOAD_IDLE_MS / 1000} s after the last`,
      }[key];
      lines.push(
        row(
          `RSS ${label} of ${CALLS.toLocaleString("en-US")} getAllProcessInfo, ${LOAD_PROGRAMS} programs, MiB`,
          load.get("tend")?.[key],
          load.get("supervisord")?.[key],
        ),
      );
    }
  lines.push("", "Notes:", "");
  lines.push(
    `- start without any init (\`unshare\` → probe): ${fmt(base, 1)} ms; samples: ${[...starts]
      .map(([name, list]) => `${name} ${list.map((v) => fmt(v, 1)).join("/")}`)
      .join("; ")}.`,
  );
  for (const size of sizes) {
    const knob = size.resident.get(WITHOUT_GC_TIMER.name);
    if (knob)
      lines.push(
        `- ${WITHOUT_GC_TIMER.name}, ${size.programs} programs: RSS ${fmt(knob.rss)} MiB (anonymous ${fmt(knob.anon)}, file-backed ${fmt(knob.file)}); its idle windows below.`,
      );
  }
  for (const size of sizes)
    for (const [n, window] of (size.idle ?? []).entries())
      for (const [name, idle] of window)
        lines.push(
          `- ${name} idle (${n === 0 ? "first" : "late"} window): ${fmt(idle.switches, 1)} wake-ups, ${fmt(idle.cpuMs, 2)} ms CPU; by thread${n === 0 ? "" : ` over the ${fmt(LATE_WINDOW_MS / 1000, 0)} s`}: ${
            [...idle.byThread]
              .filter(([, n]) => n > 0)
              .map(([thread, n]) => `${thread} ${n}`)
              .join(", ") || "none"
          }; threads seen ${idle.threadsSeen}, at the end ${idle.threads}.`,
        );
  if (load)
    for (const [name, l] of load)
      lines.push(`- ${name}: ${CALLS} calls in ${fmt(l.ms / 1000, 1)} s.`);
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { tend, sd } = tendAndSupervisord("bench/idle.ts");
  const who = [tend, sd];
  const wrappers = inits();
  const sizes: SizeResult[] = [];
  for (const count of SIZES) {
    console.error(`${count} programs...`);
    sizes.push(await atSize(who, wrappers, count));
  }
  console.error("start...");
  const starts = await startTimes(
    who,
    wrappers.filter((w) => w.name === "tini"),
  );
  let load: Map<string, Load> | undefined;
  if (CALLS > 0) {
    console.error(`${CALLS} calls with ${LOAD_PROGRAMS} programs...`);
    load = await underLoad(who);
  }
  console.log(report(sizes, starts, load));
}

if (spawnSync(["id", "-u"]).stdout.toString().trim() !== "0") {
  console.error("bench/idle.ts needs root (unshare)");
  process.exit(1);
}
await main();
process.exit(0);
