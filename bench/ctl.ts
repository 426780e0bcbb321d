// Control-plane benchmark: tend's control server against the real supervisord
// 4.2.5, both running as PID 1 of their own pid namespace (`unshare --pid
// --fork --mount-proc`, needs root) at the same time, on the same generated
// INI config (each with its own socket): PROGRAMS (default 500) programs
// `sleep infinity`, startsecs=0, output discarded, all RUNNING before any
// measurement starts.
//  1. `status` round trip, wall clock from spawn to exit, median of BENCH_RUNS
//     (default 10) after one warm-up, the servers interleaved run by run:
//     - `supervisorctl -c CONF status` against each server;
//     - `dist/tend ctl -c CONF status` against each server, when `tend ctl`
//       exists (`tend ctl --help` exits 0), else reported as missing;
//     - a raw XML-RPC supervisor.getAllProcessInfo round trip from here
//       (fetch over the unix socket, the whole reply read; no client start-up
//       cost), median of RAW_RUNS (default 50).
//     Every reply is checked: PROGRAMS lines / entries, all RUNNING.
//  2. memory under load: CALLS (default 10,000) sequential getAllProcessInfo
//     calls over the socket to tend; VmRSS of the server before, after 1,000
//     calls, at its peak (read every 100 calls), after the last call, and
//     after 2 s and 10 s idle. The same for supervisord with
//     SUPERVISORD_CALLS calls (default 1,000: one of its replies takes ~130 ms
//     with 500 programs, so 10,000 would take over 20 minutes; set
//     SUPERVISORD_CALLS=10000 for the full run). The servers are measured one
//     after the other, not at once.
// Prints a Markdown report (the table with tend / supervisord ratios, then
// notes); writes nothing. Run: `npm run bench:ctl` (builds dist/tend first),
// or `bun bench/ctl.ts` on an existing build.

import { join } from "node:path";
import { spawnSync } from "bun";
import {
  attempt,
  fmt,
  initPidOf,
  type Memory,
  machine,
  median,
  memoryOf,
  type Namespace,
  runDir,
  type Supervisor,
  sleeperPrograms,
  spawnAsPid1,
  stop,
  supervisors,
  tempDir,
  tendBuild,
  versionOf,
  writeConfig,
} from "./harness.ts";

const PROGRAMS = Number(process.env.PROGRAMS ?? 500);
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const RAW_RUNS = Number(process.env.RAW_RUNS ?? 50);
const CALLS = Number(process.env.CALLS ?? 10_000);
const SUPERVISORD_CALLS = Number(process.env.SUPERVISORD_CALLS ?? 1_000);
/** RSS is also sampled after this many calls, the count both servers reach by default. */
const EARLY_SAMPLE = 1_000;
const IDLE_MS = 2_000;
/** A second idle sample, to tell garbage not yet collected from a leak. */
const LONG_IDLE_MS = 10_000;
/** VmRSS is read every this many calls for the peak. */
const PEAK_EVERY = 100;
const READY_TIMEOUT_MS = 120_000;
const TMP = tempDir("tend-bench-ctl-");

const GET_ALL = `<?xml version="1.0"?>
<methodCall><methodName>supervisor.getAllProcessInfo</methodName><params></params></methodCall>
`;

interface Server {
  readonly supervisor: Supervisor;
  readonly config: string;
  readonly socket: string;
  readonly ns: Namespace;
  readonly pid: number;
}

interface Load {
  readonly calls: number;
  readonly before: Memory;
  readonly early: Memory | undefined;
  /** The highest VmRSS (MiB) seen during the calls. */
  readonly peakMiB: number;
  readonly longIdle: Memory;
  readonly after: Memory;
  readonly idle: Memory;
  readonly msPerCall: number;
}

interface Results {
  supervisorctl: number[];
  tendCtl: number[];
  raw: number[];
  replyBytes: number;
  load?: Load;
}

// ---------------------------------------------------------------- the servers

/** One raw getAllProcessInfo: the reply's size and how many processes it shows RUNNING. */
async function getAll(socket: string): Promise<{ bytes: number; running: number }> {
  const response = await fetch("http://localhost/RPC2", {
    unix: socket,
    method: "POST",
    body: GET_ALL,
    headers: { "Content-Type": "text/xml" },
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  if (text.includes("<fault>")) throw new Error(`fault: ${text.slice(0, 400)}`);
  const running = text.match(/<name>statename<\/name>\s*<value><string>RUNNING</g)?.length ?? 0;
  return { bytes: text.length, running };
}

async function launch(supervisor: Supervisor): Promise<Server> {
  const dir = runDir(TMP, supervisor.name);
  const { config } = writeConfig(dir, sleeperPrograms(PROGRAMS));
  const socket = join(dir, "supervisor.sock");
  const ns = spawnAsPid1([supervisor.bin, "-c", config]);
  const pid = await initPidOf(ns);
  const started = performance.now();
  for (;;) {
    const reply = await getAll(socket).catch(() => undefined);
    if (reply?.running === PROGRAMS) break;
    if (performance.now() - started > READY_TIMEOUT_MS)
      throw new Error(`${supervisor.name}: ${reply?.running ?? 0} of ${PROGRAMS} RUNNING`);
    await Bun.sleep(100);
  }
  return { supervisor, config, socket, ns, pid };
}

// ---------------------------------------------------------------- 1. status round trips

/** Wall-clock ms of one CLI `status`; throws unless it lists every program RUNNING. */
function timeStatus(argv: readonly string[]): number {
  const before = performance.now();
  const run = spawnSync([...argv], { stdout: "pipe", stderr: "pipe" });
  const ms = performance.now() - before;
  const out = run.stdout.toString();
  const running = out.split("\n").filter((line) => /\sRUNNING\s/.test(line)).length;
  if (run.exitCode !== 0 || running !== PROGRAMS)
    throw new Error(
      `${argv.join(" ")}: exit ${run.exitCode}, ${running} RUNNING lines: ${run.stderr.toString().slice(0, 300)}${out.slice(0, 300)}`,
    );
  return ms;
}

async function timeRaw(socket: string): Promise<{ ms: number; bytes: number }> {
  const before = performance.now();
  const reply = await getAll(socket);
  const ms = performance.now() - before;
  if (reply.running !== PROGRAMS) throw new Error(`${reply.running} of ${PROGRAMS} RUNNING`);
  return { ms, bytes: reply.bytes };
}

/** Whether this build's main.ts routes `ctl`, and what it said if not. */
function tendCtl(tend: string): { ok: boolean; why: string } {
  const run = spawnSync([tend, "ctl", "--help"], { stdout: "pipe", stderr: "pipe" });
  const said = `${run.stderr.toString()}${run.stdout.toString()}`.trim().split("\n")[0] ?? "";
  return { ok: run.exitCode === 0, why: `\`tend ctl --help\` exits ${run.exitCode}: ${said}` };
}

// ---------------------------------------------------------------- 2. memory under load

async function load(server: Server, calls: number): Promise<Load> {
  const before = memoryOf(server.pid);
  let early: Memory | undefined;
  let peakMiB = before.rssMiB;
  const started = performance.now();
  for (let i = 1; i <= calls; i++) {
    const reply = await getAll(server.socket);
    if (reply.running !== PROGRAMS) throw new Error(`call ${i}: ${reply.running} RUNNING`);
    if (i === EARLY_SAMPLE) early = memoryOf(server.pid);
    if (i % PEAK_EVERY === 0) peakMiB = Math.max(peakMiB, memoryOf(server.pid).rssMiB);
  }
  const msPerCall = (performance.now() - started) / calls;
  const after = memoryOf(server.pid);
  peakMiB = Math.max(peakMiB, after.rssMiB);
  await Bun.sleep(IDLE_MS);
  const idle = memoryOf(server.pid);
  await Bun.sleep(LONG_IDLE_MS - IDLE_MS);
  const longIdle = memoryOf(server.pid);
  return { calls, before, early, peakMiB, after, idle, longIdle, msPerCall };
}

// ---------------------------------------------------------------- report

function ratio(tend: number | undefined, sd: number | undefined): string {
  if (tend === undefined || sd === undefined || !Number.isFinite(tend) || !(sd > 0)) return "n/a";
  return `${(tend / sd).toFixed(tend / sd < 0.1 ? 3 : 2)}×`;
}

function row(metric: string, tend: number | undefined, sd: number | undefined, digits = 1): string {
  const cell = (v: number | undefined) =>
    v === undefined || Number.isNaN(v) ? "n/a" : fmt(v, digits);
  return `| ${metric} | ${cell(tend)} | ${cell(sd)} | ${ratio(tend, sd)} |`;
}

const count = (n: number): string => n.toLocaleString("en-US");

const range = (values: readonly number[]): string =>
  values.length === 0 ? "n/a" : `${fmt(Math.min(...values), 2)}–${fmt(Math.max(...values), 2)}`;

const mem = (m: Memory | undefined): string =>
  m === undefined
    ? "n/a"
    : `${fmt(m.rssMiB)} MiB (${fmt(m.anonMiB)} anon + ${fmt(m.fileMiB)} file, ${m.threads} threads)`;

function memoryNote(name: string, l: Load | undefined): string {
  if (!l) return `${name} n/a`;
  const early =
    l.early && l.calls > EARLY_SAMPLE ? `, after ${count(EARLY_SAMPLE)} ${mem(l.early)}` : "";
  return `${name} before ${mem(l.before)}${early}, after ${count(l.calls)} ${mem(l.after)}, ${IDLE_MS / 1000} s idle ${mem(l.idle)}, ${LONG_IDLE_MS / 1000} s idle ${mem(l.longIdle)}`;
}

function report(
  servers: Server[],
  results: Map<string, Results>,
  ctl: { ok: boolean; why: string },
): string {
  const t = results.get("tend");
  const s = results.get("supervisord");
  const med = (values: number[] | undefined) =>
    values && values.length > 0 ? median(values) : undefined;
  const tl = t?.load;
  const sl = s?.load;
  const growth = (l: Load | undefined) => (l ? l.after.rssMiB - l.before.rssMiB : undefined);
  const earlyGrowth = (l: Load | undefined) =>
    l?.early ? l.early.rssMiB - l.before.rssMiB : undefined;
  const lines = [
    "# Control-plane benchmark: tend vs supervisord",
    "",
    `Date: ${new Date().toISOString()}  `,
    `Machine: ${machine()}  `,
    "Command: `npm run bench:ctl`  ",
    `Setup: ${PROGRAMS} programs \`sleep infinity\` (all RUNNING), each server PID 1 of its own pid namespace, both up at once, same INI config, own socket.`,
    "",
    "Versions:",
    "",
    ...servers.map((server) => {
      const build = server.supervisor.name === "tend" ? ` (${tendBuild()})` : "";
      return `- ${server.supervisor.name}: ${versionOf(server.supervisor.bin)}${build}`;
    }),
    "- supervisorctl: the client of the same supervisor package (Python start-up included in its times)",
    `- Bun (runs the bench and the raw calls): ${Bun.version}`,
    "",
    "| metric | tend | supervisord | tend / supervisord |",
    "|---|---:|---:|---:|",
    row(
      `\`supervisorctl -c CONF status\`, ms (median of ${RUNS})`,
      med(t?.supervisorctl),
      med(s?.supervisorctl),
    ),
    ctl.ok
      ? row(
          `\`tend ctl -c CONF status\` (tend's client) against each server, ms (median of ${RUNS})`,
          med(t?.tendCtl),
          med(s?.tendCtl),
        )
      : `| \`tend ctl -c CONF status\` | missing | missing | n/a |`,
    row(
      `raw XML-RPC getAllProcessInfo round trip (fetch over the socket), ms (median of ${RAW_RUNS})`,
      med(t?.raw),
      med(s?.raw),
      2,
    ),
    row("VmRSS before the load, MiB", tl?.before.rssMiB, sl?.before.rssMiB),
    row(
      `VmRSS after ${count(EARLY_SAMPLE)} getAllProcessInfo calls, MiB`,
      tl?.early?.rssMiB,
      sl?.early?.rssMiB,
    ),
    row(`VmRSS growth over ${count(EARLY_SAMPLE)} calls, MiB`, earlyGrowth(tl), earlyGrowth(sl)),
    row(
      `VmRSS after all calls (tend ${count(tl?.calls ?? CALLS)}, supervisord ${count(sl?.calls ?? SUPERVISORD_CALLS)}), MiB`,
      tl?.after.rssMiB,
      sl?.after.rssMiB,
    ),
    row("VmRSS growth over all calls, MiB", growth(tl), growth(sl)),
    row(`peak VmRSS during the calls (read every ${PEAK_EVERY}), MiB`, tl?.peakMiB, sl?.peakMiB),
    row(
      `VmRSS ${IDLE_MS / 1000} s idle after the last call, MiB`,
      tl?.idle.rssMiB,
      sl?.idle.rssMiB,
    ),
    row(
      `VmRSS ${LONG_IDLE_MS / 1000} s idle after the last call, MiB`,
      tl?.longIdle.rssMiB,
      sl?.longIdle.rssMiB,
    ),
    row("time per call in the load loop, ms", tl?.msPerCall, sl?.msPerCall, 2),
    "",
    `- status round trips: wall clock from spawn to exit of the client, after one warm-up run, the servers interleaved. Ranges: supervisorctl → tend ${range(t?.supervisorctl ?? [])} ms, → supervisord ${range(s?.supervisorctl ?? [])} ms${ctl.ok ? `; tend ctl → tend ${range(t?.tendCtl ?? [])} ms, → supervisord ${range(s?.tendCtl ?? [])} ms` : ""}.`,
    ...(ctl.ok ? [] : [`- tend ctl: missing in this build (${ctl.why}).`]),
    `- raw round trip: one POST /RPC2 from this Bun process with \`fetch(…, { unix })\` (keep-alive), until the whole reply is read; reply size tend ${fmt(t?.replyBytes ?? Number.NaN)} bytes, supervisord ${fmt(s?.replyBytes ?? Number.NaN)} bytes. Ranges: tend ${range(t?.raw ?? [])} ms, supervisord ${range(s?.raw ?? [])} ms.`,
    `- memory: ${memoryNote("tend", tl)}; ${memoryNote("supervisord", sl)}. Sequential calls, one at a time, each reply read whole and checked; the servers one after the other. Growth that is gone after the idle samples is garbage not yet collected, not a leak.`,
  ];
  return lines.filter((line, i, all) => line !== "" || all[i - 1] !== "").join("\n");
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const both = supervisors("bench/ctl.ts");
  const tendBin = both.find((s) => s.name === "tend")?.bin ?? "";
  const ctl = tendCtl(tendBin);
  if (!Bun.which("supervisorctl")) {
    console.error("bench/ctl.ts needs supervisorctl (bench/setup.sh)");
    process.exit(1);
  }
  console.error(`starting tend and supervisord with ${PROGRAMS} programs each...`);
  const servers = await Promise.all(both.map(launch));
  const results = new Map<string, Results>(
    servers.map((s) => [
      s.supervisor.name,
      { supervisorctl: [], tendCtl: [], raw: [], replyBytes: 0 },
    ]),
  );
  try {
    console.error(`status round trips (${RUNS} runs)...`);
    for (let run = -1; run < RUNS; run++) {
      for (const server of servers) {
        const r = results.get(server.supervisor.name);
        if (!r) continue;
        const ms = timeStatus(["supervisorctl", "-c", server.config, "status"]);
        if (run >= 0) r.supervisorctl.push(ms);
        if (ctl.ok) {
          const ctlMs = timeStatus([tendBin, "ctl", "-c", server.config, "status"]);
          if (run >= 0) r.tendCtl.push(ctlMs);
        }
      }
    }
    console.error(`raw round trips (${RAW_RUNS} runs)...`);
    for (let run = -3; run < RAW_RUNS; run++) {
      for (const server of servers) {
        const r = results.get(server.supervisor.name);
        if (!r) continue;
        const { ms, bytes } = await timeRaw(server.socket);
        r.replyBytes = bytes;
        if (run >= 0) r.raw.push(ms);
      }
    }
    for (const server of servers) {
      const calls = server.supervisor.name === "tend" ? CALLS : SUPERVISORD_CALLS;
      console.error(`${server.supervisor.name}: ${calls} getAllProcessInfo calls...`);
      const r = results.get(server.supervisor.name);
      const measured = await attempt(`${server.supervisor.name} load`, () => load(server, calls));
      if (r && measured) r.load = measured;
    }
  } finally {
    await Promise.all(servers.map((server) => stop(server.ns)));
  }
  console.log(report(servers, results, ctl));
}

await main();
