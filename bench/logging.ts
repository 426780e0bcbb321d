// Log-forwarding throughput: one program floods its stdout with 100-byte lines
// (99 bytes + "\n"; a C generator, bench/gen-lines.c, compiled here with
// `cc -O2`, writing 65,432 bytes, about 64 KiB, per write(2), so lines
// straddle writes as with a full stdio buffer; --write-bytes N) and the bench
// times how fast the lines land in files on tmpfs (/dev/shm), side by side in
// one run:
//  1. straight: the generator writes to the tmpfs file itself (the reference);
//  2. tend, prefix: stdout_logfile unset → `gen | LINE` on tend's stdout, which
//     is a tmpfs file;
//  3. tend, raw: the same with `[supervisord] log_prefix=false`;
//  4. tend, file: stdout_logfile=gen.log on tmpfs, maxbytes=50MB, backups=20;
//  5. supervisord 4.2.5, stdout_logfile=/dev/stdout (maxbytes=0), its stdout a
//     tmpfs file;
//  6. supervisord, stdout_logfile=gen.log on tmpfs, maxbytes=50MB, backups=20.
// tend and supervisord each run as PID 1 of a fresh pid namespace (`unshare
// --pid --fork --mount-proc`, needs root), with their own log in a file on
// disk (silent=true, so supervisord does not echo it to stdout). The program
// (autostart, startsecs=0, autorestart=false) blocks in open() of a FIFO until
// the supervisor has started; the bench then writes and deletes as many bytes
// on tmpfs with the generator (see prime()), reads the supervisor's
// utime+stime (/proc/PID/stat) and opens the FIFO. The generator records CLOCK_REALTIME
// just before its first write; the run ends when the bytes in the output
// file(s), polled every 2 ms, reach the expected count (input + 6 bytes a line
// for `gen | `), where the bench reads the CPU time again. MB/s = input MB /
// (end − start); CPU s/GB = the supervisor's CPU seconds over that span per
// GB of input (10 ms clock ticks). A run whose output stops growing for 10 s
// short of the count is reported as incomplete with the bytes that arrived.
// Then SIGTERM to the supervisor, and the output is checked: newline count,
// total bytes, samples of whole lines (start, middle, end and around each
// rotation) against what the generator wrote, in order, and for rotated files
// how many files end inside a line (a torn line at a rotation).
// Median of --runs N (default 3) interleaved runs, --mb N MB each (default 500);
// --only TEXT runs only the configurations whose label contains TEXT.
// Prints a Markdown table and writes it to bench/logging-results.md.
// Run: `npm run build && node_modules/.bin/bun bench/logging.ts`.

import { dlopen, FFIType, ptr } from "bun:ffi";
import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import {
  childrenOf,
  compile,
  fmt,
  killQuietly,
  machine,
  median,
  readLog,
  readProc,
  runDir,
  type Started,
  type Supervisor,
  scratchDir,
  spawnProcess,
  supervisors,
  tempDir,
  tendBuild,
  versionOf,
  waitFor,
  writeConfig as writeSupervisorConfig,
} from "./harness.ts";

// ---------------------------------------------------------------- parameters

function option(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const at = args.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`bench/logging.ts: ${name} needs a positive integer`);
    process.exit(2);
  }
  return value;
}

const RUNS = option("--runs", 3);
const MB = option("--mb", 500);
/**
 * About 64 KiB, but neither a multiple of the line nor of the page: with
 * exactly 65,536, supervisord's reads come as whole 64 KiB pipe-fulls and
 * 50 MiB is 800 of them, so its rotations fell on line ends by coincidence.
 */
const WRITE_BYTES = option("--write-bytes", 65_432);
/** --only TEXT: only the configurations whose label contains TEXT (and the straight write). */
const ONLY = process.argv[process.argv.indexOf("--only") + 1] ?? "";
const LINE_BYTES = 100;
const LINES = MB * 10_000;
const INPUT_BYTES = MB * 1_000_000;
const PREFIX = "gen | ";
const ROTATE = { maxbytes: "50MB", backups: 20 } as const;
const POLL_MS = 2;
/** A run whose output has not grown for this long is incomplete. */
const STALL_MS = 10_000;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const TARGETS = { slowdown: 1.5, prefixMBps: 700 } as const;

const TMP = tempDir("tend-bench-logging-");
/** Outputs go to tmpfs; one directory per run, removed after its checks. */
const SHM = scratchDir("tend-bench-logging-", "/dev/shm").dir;

// ---------------------------------------------------------------- configurations

type Sink = "stdout" | "file";

interface Configuration {
  readonly label: string;
  /** null: the generator alone (the straight write). */
  readonly supervisor: Supervisor["name"] | null;
  readonly sink: Sink;
  /** What each line carries in front of the generator's bytes. */
  readonly prefix: string;
  /** Extra `[supervisord]` lines. */
  readonly main: string;
  /** The program's stdout_* lines; OUT is the output directory. */
  program(out: string): string;
  /** "", or how the target reads in the table. */
  readonly target: string;
  met(mbps: number, slowdown: number): boolean;
}

const rotated = (out: string) => `stdout_logfile=${out}/gen.log
stdout_logfile_maxbytes=${ROTATE.maxbytes}
stdout_logfile_backups=${ROTATE.backups}`;

const withinSlowdown = `time ≤ ${TARGETS.slowdown}× straight`;

const CONFIGURATIONS: readonly Configuration[] = [
  {
    label: "straight write (generator → tmpfs file)",
    supervisor: null,
    sink: "stdout",
    prefix: "",
    main: "",
    program: () => "",
    target: "(reference)",
    met: () => true,
  },
  {
    label: "tend, prefix (`gen \\| ` on its stdout)",
    supervisor: "tend",
    sink: "stdout",
    prefix: PREFIX,
    main: "",
    program: () => "",
    target: `≥ ${TARGETS.prefixMBps} MB/s`,
    met: (mbps) => mbps >= TARGETS.prefixMBps,
  },
  {
    label: "tend, raw (`log_prefix=false`, its stdout)",
    supervisor: "tend",
    sink: "stdout",
    prefix: "",
    main: "log_prefix=false\n",
    program: () => "",
    target: withinSlowdown,
    met: (_, slowdown) => slowdown <= TARGETS.slowdown,
  },
  {
    label: `tend, file (maxbytes=${ROTATE.maxbytes}, backups=${ROTATE.backups})`,
    supervisor: "tend",
    sink: "file",
    prefix: "",
    main: "",
    program: rotated,
    target: withinSlowdown,
    met: (_, slowdown) => slowdown <= TARGETS.slowdown,
  },
  {
    label: "supervisord, raw (`stdout_logfile=/dev/stdout`)",
    supervisor: "supervisord",
    sink: "stdout",
    prefix: "",
    main: "",
    program: () => "stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0",
    target: "",
    met: () => true,
  },
  {
    label: `supervisord, file (maxbytes=${ROTATE.maxbytes}, backups=${ROTATE.backups})`,
    supervisor: "supervisord",
    sink: "file",
    prefix: "",
    main: "",
    program: rotated,
    target: "",
    met: () => true,
  },
];

const expectedBytes = (c: Configuration) => INPUT_BYTES + LINES * c.prefix.length;

function writeConfig(c: Configuration, dir: string, out: string, gen: string[]): string {
  const program = `[program:gen]
command=${gen.join(" ")}
autostart=true
startsecs=0
autorestart=false
stderr_logfile=${dir}/gen.stderr
${c.program(out)}
`;
  return writeSupervisorConfig(dir, program, `silent=true\nuser=root\n${c.main}`).config;
}

// ---------------------------------------------------------------- clocks and /proc

const CLOCK_REALTIME = 0;
const libc = dlopen("libc.so.6", {
  clock_gettime: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
}).symbols;
const timespec = new BigInt64Array(2);

/** CLOCK_REALTIME in ns, the clock the generator stamps. */
function realtimeNs(): bigint {
  if (libc.clock_gettime(CLOCK_REALTIME, ptr(timespec)) !== 0) throw new Error("clock_gettime");
  return (timespec[0] ?? 0n) * 1_000_000_000n + (timespec[1] ?? 0n);
}

const CLK_TCK = Number(spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

/** utime + stime of the whole process (every thread, live or ended), seconds. */
function cpuSeconds(pid: number): number {
  const stat = readProc(pid, "stat");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function peakRssMiB(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readProc(pid, "status"));
  return match?.[1] ? Number(match[1]) / 1024 : Number.NaN;
}

// ---------------------------------------------------------------- output files

/** The output in write order: the stdout file, or gen.log.N … gen.log.1, gen.log. */
function outputFiles(c: Configuration, out: string): string[] {
  if (c.sink === "stdout") return [join(out, "stdout")];
  let names: string[] = [];
  try {
    names = readdirSync(out).filter((name) => /^gen\.log(\.\d+)?$/.test(name));
  } catch {
    return [];
  }
  const age = (name: string) => Number(name.slice("gen.log.".length) || 0);
  return names.sort((a, b) => age(b) - age(a)).map((name) => join(out, name));
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // renamed away between the listing and the stat
  }
}

function bytesIn(c: Configuration, out: string): number {
  let total = 0;
  for (const file of outputFiles(c, out)) total += sizeOf(file);
  return total;
}

// ---------------------------------------------------------------- one run

interface Run {
  readonly complete: boolean;
  /** Bytes in the output when the run ended (complete or not). */
  readonly bytes: number;
  readonly mbps: number;
  /** The supervisor's CPU seconds per GB of input; NaN for the straight write. */
  readonly cpuPerGB: number;
  /** From the generator's last write until the last byte arrived, ms. */
  readonly drainMs: number;
  readonly peakRssMiB: number;
  readonly check: Check;
  /** Warnings and errors in the supervisor's own log. */
  readonly logProblems: string[];
  readonly stopMs: number;
}

/** Runs `argv` (as PID 1 of its own namespace when `asPid1`) with its output in files. */
function spawnWithOutput(argv: string[], asPid1: boolean, stdout: string, stderr: string): Started {
  const out = openSync(stdout, "w");
  const err = openSync(stderr, "w");
  try {
    return spawnProcess(argv, {
      asPid1,
      stdout: out,
      stderr: err,
      startTimeoutMs: START_TIMEOUT_MS,
    });
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

/** True once `pid` or one of its children sleeps in open() of a FIFO (the generator). */
function waitsOnFifo(pid: number): boolean {
  return [pid, ...childrenOf(pid)].some((p) => readProc(p, "wchan") === "wait_for_partner");
}

/**
 * Writes `mb` MB to tmpfs with the generator and deletes it, just before the
 * measured write. On this VM (Firecracker, free page reporting) memory that
 * has been free for a few seconds has been handed back to the host, and the
 * first write into it runs at half speed or less; right after this, the
 * measured write gets pages that were in use a moment ago.
 */
function prime(gen: string, mb: number, dir: string): void {
  const scratch = join(SHM, "prime");
  const fd = openSync(scratch, "w");
  try {
    const run = spawnSync([gen, String(mb), join(dir, "prime-stamps")], {
      stdin: "ignore",
      stdout: fd,
      stderr: "pipe",
    });
    if (run.exitCode !== 0) throw new Error(`priming failed: ${run.stderr.toString()}`);
  } finally {
    closeSync(fd);
    rmSync(scratch, { force: true });
  }
}

/**
 * Lets the generator go once it waits in open() of the FIFO; returns the
 * supervisor's CPU seconds read just before.
 */
async function release(go: string, pid: number | null): Promise<number> {
  return waitFor(
    () => {
      const cpu = pid === null ? 0 : cpuSeconds(pid);
      let fd: number;
      try {
        fd = openSync(go, constants.O_WRONLY | constants.O_NONBLOCK);
      } catch {
        return undefined; // ENXIO: no reader yet
      }
      closeSync(fd);
      return cpu;
    },
    "the generator to wait on its FIFO",
    START_TIMEOUT_MS,
    POLL_MS,
  );
}

interface Arrival {
  readonly complete: boolean;
  readonly bytes: number;
  readonly at: bigint;
}

/** Polls the output until it holds `expected` bytes, or until it stops growing. */
async function arrival(c: Configuration, out: string, expected: number): Promise<Arrival> {
  let last = -1;
  let grewAt = performance.now();
  for (;;) {
    const bytes = bytesIn(c, out);
    const at = realtimeNs();
    // A listing racing a rotation can count a file twice: count again to be sure.
    if (bytes >= expected && bytesIn(c, out) >= expected) return { complete: true, bytes, at };
    if (bytes !== last) {
      last = bytes;
      grewAt = performance.now();
    } else if (performance.now() - grewAt > STALL_MS) {
      return { complete: false, bytes, at };
    }
    await Bun.sleep(POLL_MS);
  }
}

/** SIGTERM to `pid` (or the process itself), then waits; SIGKILL after the timeout. */
async function terminate(proc: Started, pid: number | null): Promise<number> {
  const t0 = performance.now();
  if (pid !== null) killQuietly(pid, "SIGTERM");
  else proc.kill("SIGTERM");
  const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(STOP_TIMEOUT_MS)]);
  if (!exited) await proc.dispose();
  return exited ? performance.now() - t0 : Number.NaN;
}

function readStamps(path: string): bigint[] {
  try {
    return readFileSync(path, "latin1")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => BigInt(line));
  } catch {
    return [];
  }
}

const QUIET_LEVELS = ["INFO", "DEBG", "DEBUG", "TRAC", "BLAT"];
/** supervisord's CRIT about the unix socket without a password: the config, not the run. */
const EXPECTED = /running without any HTTP authentication checking/;

async function runOnce(c: Configuration, sups: Map<string, Supervisor>, gen: string): Promise<Run> {
  const dir = runDir(TMP, c.supervisor ?? "straight");
  const out = scratchDir("out-", SHM).dir;
  const stamps = join(dir, "stamps");
  const go = join(dir, "go");
  if (spawnSync(["mkfifo", go]).exitCode !== 0) throw new Error("mkfifo failed");
  const genArgv = [gen, String(MB), stamps, go, String(WRITE_BYTES)];
  const expected = expectedBytes(c);
  const sup = c.supervisor === null ? undefined : sups.get(c.supervisor);
  const argv = sup
    ? (sup.name === "supervisord" ? [sup.bin, "-n"] : [sup.bin]).concat([
        "-c",
        writeConfig(c, dir, out, genArgv),
      ])
    : genArgv;
  const proc = spawnWithOutput(argv, sup !== undefined, join(out, "stdout"), join(dir, "stderr"));
  try {
    const pid = sup ? await proc.initPid : null;
    await waitFor(
      () => (waitsOnFifo(pid ?? proc.pid) ? true : undefined),
      "the generator to wait on its FIFO",
      START_TIMEOUT_MS,
      POLL_MS,
    );
    prime(gen, Math.ceil(expected / 1e6), dir);
    const cpu0 = await release(go, pid);
    const done = await arrival(c, out, expected);
    const cpu1 = pid === null ? 0 : cpuSeconds(pid);
    const peak = pid === null ? Number.NaN : peakRssMiB(pid);
    // Before the SIGTERM, which both log as a warning.
    const logProblems = readLog(join(dir, "supervisor.log"))
      .filter((e) => !QUIET_LEVELS.includes(e.level) && !EXPECTED.test(e.message))
      .map((e) => `${e.level} ${e.message}`);
    const stopMs = await terminate(proc, pid);
    const [start, genEnd] = readStamps(stamps);
    if (start === undefined) throw new Error("the generator wrote no start stamp");
    const seconds = Number(done.at - start) / 1e9;
    const check = checkOutput(c, out);
    if (!done.complete) {
      const stderr = readFileSync(join(dir, "stderr"), "latin1").trim().split("\n").slice(-3);
      console.error(
        `  ${c.label}: incomplete, ${done.bytes} of ${expected} bytes${stderr[0] ? `; stderr: ${stderr.join(" / ")}` : ""}`,
      );
    }
    return {
      complete: done.complete,
      bytes: done.bytes,
      mbps: INPUT_BYTES / 1e6 / seconds,
      cpuPerGB: pid === null ? Number.NaN : (cpu1 - cpu0) / (INPUT_BYTES / 1e9),
      drainMs: genEnd === undefined ? Number.NaN : Number(done.at - genEnd) / 1e6,
      peakRssMiB: peak,
      check,
      logProblems,
      stopMs,
    };
  } finally {
    if (!proc.ended) await terminate(proc, null);
    rmSync(out, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- output checks

interface Check {
  readonly files: number;
  readonly bytes: number;
  readonly newlines: number;
  /** Rotated files (all but the current one) that end inside a line. */
  readonly torn: number;
  readonly sampled: number;
  /** Descriptions of the first few sampled lines that are not what the generator wrote. */
  readonly bad: string[];
  readonly badCount: number;
  /** File sinks: bytes that went to the supervisor's stdout instead. */
  readonly stray: number;
}

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** Line `n` exactly as bench/gen-lines.c writes it, without the newline. */
function generated(n: number): string {
  const l = n % 16_384;
  let text = String(n).padStart(10, "0");
  text += " ";
  for (let col = 11; col < LINE_BYTES - 1; col++) text += LETTERS[(l + col) % 52];
  return text;
}

function countNewlines(files: string[]): number {
  if (files.length === 0) return 0;
  const wc = spawnSync(["wc", "-l", ...files]);
  const lines = wc.stdout.toString().trim().split("\n");
  return Number(lines[lines.length - 1]?.trim().split(/\s+/)[0] ?? Number.NaN);
}

function lastByte(path: string): number | undefined {
  const size = sizeOf(path);
  if (size === 0) return undefined;
  const fd = openSync(path, "r");
  try {
    const one = Buffer.alloc(1);
    readSync(fd, one, 0, 1, size - 1);
    return one[0];
  } finally {
    closeSync(fd);
  }
}

/** `length` bytes of the files taken as one stream, from `offset`. */
function readStream(files: { path: string; size: number }[], offset: number, length: number) {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  let base = 0;
  for (const { path, size } of files) {
    if (filled < length && offset + filled < base + size) {
      const fd = openSync(path, "r");
      try {
        const from = offset + filled - base;
        const n = readSync(fd, buffer, filled, Math.min(length - filled, size - from), from);
        filled += n;
      } finally {
        closeSync(fd);
      }
    }
    base += size;
  }
  return buffer.subarray(0, filled);
}

function checkOutput(c: Configuration, out: string): Check {
  const paths = outputFiles(c, out);
  const files = paths.map((path) => ({ path, size: sizeOf(path) }));
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const torn =
    c.sink === "file" ? paths.slice(0, -1).filter((p) => lastByte(p) !== 0x0a).length : 0;
  // Windows of the stream: start, middle, end, and across every file boundary.
  const WINDOW = 64 * 1024;
  const windows = [0, Math.floor(bytes / 2), Math.max(0, bytes - WINDOW)];
  let boundary = 0;
  for (const f of files.slice(0, -1)) {
    boundary += f.size;
    windows.push(Math.max(0, boundary - WINDOW / 2));
  }
  const bad: string[] = [];
  let badCount = 0;
  let sampled = 0;
  for (const offset of windows) {
    const text = readStream(files, offset, WINDOW).toString("latin1");
    // Whole lines only: from the first line start to the last newline.
    const from = offset === 0 ? 0 : text.indexOf("\n") + 1;
    const lines = text.slice(from, text.lastIndexOf("\n")).split("\n");
    let previous: number | undefined;
    for (const line of lines) {
      if (line === "") continue;
      sampled++;
      const body = line.slice(c.prefix.length);
      const n = Number(body.slice(0, 10));
      const ok =
        line.startsWith(c.prefix) &&
        Number.isInteger(n) &&
        body === generated(n) &&
        (previous === undefined || n === previous + 1);
      if (!ok) {
        badCount++;
        if (bad.length < 3) bad.push(`at byte ~${offset}: ${JSON.stringify(line.slice(0, 40))}…`);
      }
      previous = Number.isInteger(n) ? n : undefined;
    }
  }
  return {
    files: files.length,
    bytes,
    newlines: countNewlines(paths),
    torn,
    sampled,
    bad,
    badCount,
    stray: c.sink === "file" ? sizeOf(join(out, "stdout")) : 0,
  };
}

// ---------------------------------------------------------------- report

interface Row {
  readonly configuration: Configuration;
  readonly runs: Run[];
  readonly errors: string[];
}

const completeRuns = (row: Row) => row.runs.filter((run) => run.complete);
const medianMBps = (row: Row) => median(completeRuns(row).map((run) => run.mbps));

function integrity(row: Row): string {
  const c = row.configuration;
  const notes: string[] = [];
  const incomplete = row.runs.filter((run) => !run.complete);
  if (incomplete.length > 0) {
    const arrived = incomplete.map((run) => `${fmt(run.bytes / 1e6)} MB`).join(", ");
    notes.push(
      `**${incomplete.length}/${row.runs.length} incomplete** (stalled at ${arrived} of ${fmt(expectedBytes(c) / 1e6)})`,
    );
  }
  if (row.errors.length > 0) notes.push(`**${row.errors.length} failed**: ${row.errors[0]}`);
  const runs = row.runs;
  if (runs.length === 0) return notes.join("; ") || "n/a";
  const lines = runs.map((run) => run.check.newlines);
  notes.push(
    lines.every((n) => n === LINES)
      ? `${LINES.toLocaleString("en-US")} lines`
      : `**lines ${lines.map((n) => n.toLocaleString("en-US")).join(", ")} ≠ ${LINES.toLocaleString("en-US")}**`,
  );
  const final = runs.map((run) => run.check.bytes);
  if (!final.every((b) => b === expectedBytes(c))) {
    notes.push(
      `**bytes after stop ${final.map((b) => b.toLocaleString("en-US")).join(", ")} ≠ ${expectedBytes(c).toLocaleString("en-US")}**`,
    );
  }
  const badCount = runs.reduce((sum, run) => sum + run.check.badCount, 0);
  const sampled = runs.reduce((sum, run) => sum + run.check.sampled, 0);
  notes.push(
    badCount === 0
      ? `${sampled.toLocaleString("en-US")} sampled lines${c.prefix ? " start with `gen \\| ` and" : ""} match, in order`
      : `**${badCount} of ${sampled} sampled lines wrong**, e.g. ${runs.flatMap((run) => run.check.bad)[0]}`,
  );
  if (c.sink === "file") {
    const files = runs.map((run) => run.check.files);
    const torn = runs.map((run) => run.check.torn);
    const tornText = torn.every((t) => t === 0)
      ? "no line torn at a rotation"
      : `**a line torn at ${torn.join(", ")} of ${files.map((f) => f - 1).join(", ")} rotations**`;
    notes.push(`${files[0]} files; ${tornText}`);
  }
  const stray = runs.map((run) => run.check.stray);
  if (stray.some((b) => b > 0)) notes.push(`**${stray.join(", ")} bytes on stdout**`);
  const problems = [...new Set(runs.flatMap((run) => run.logProblems))];
  if (problems.length > 0) notes.push(`own log: ${problems.slice(0, 2).join("; ")}`);
  return notes.join("; ");
}

function table(rows: Row[]): string {
  const straight = rows.find((row) => row.configuration.supervisor === null);
  const reference = straight ? medianMBps(straight) : Number.NaN;
  const lines = [
    `| configuration | MB/s (median of ${RUNS}) | min–max | time × straight | CPU s/GB | target | met | output check |`,
    "|---|---:|---:|---:|---:|---|---|---|",
  ];
  for (const row of rows) {
    const c = row.configuration;
    const ok = completeRuns(row);
    const mbps = medianMBps(row);
    const values = ok.map((run) => run.mbps);
    const slowdown = reference / mbps;
    const cpu = median(ok.map((run) => run.cpuPerGB));
    const met =
      c.target === "" || c.supervisor === null
        ? ""
        : ok.length < row.runs.length + row.errors.length || ok.length === 0
          ? "**no** (incomplete)"
          : c.met(mbps, slowdown)
            ? "yes"
            : "**no**";
    lines.push(
      `| ${[
        c.label,
        ok.length > 0 ? fmt(mbps) : "n/a",
        ok.length > 0 ? `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}` : "n/a",
        Number.isFinite(slowdown) ? `${slowdown.toFixed(2)}×` : "n/a",
        c.supervisor === null ? "—" : fmt(cpu, 2),
        c.target,
        met,
        integrity(row),
      ].join(" | ")} |`,
    );
  }
  return lines.join("\n");
}

function details(rows: Row[]): string[] {
  const per = (f: (run: Run) => number, digits: number) => (row: Row) => {
    const values = completeRuns(row).map(f);
    return values.length > 0 ? values.map((v) => fmt(v, digits)).join(", ") : "n/a";
  };
  const list = (f: (row: Row) => string, only = (_: Row) => true) =>
    rows
      .filter(only)
      .map((row) => `${row.configuration.label.split(" (")[0]} ${f(row)}`)
      .join("; ");
  const supervised = (row: Row) => row.configuration.supervisor !== null;
  return [
    `- Input: ${LINES.toLocaleString("en-US")} lines of ${LINE_BYTES} bytes = ${fmt(INPUT_BYTES / 1e6)} MB in write(2)s of ${WRITE_BYTES.toLocaleString("en-US")} bytes; MB/s = ${fmt(INPUT_BYTES / 1e6)} MB ÷ (last byte in the output file(s), polled every ${POLL_MS} ms, − the generator's stamp just before its first write). Start-up of the supervisor is outside it. Every run in order: ${list(per((run) => run.mbps, 0))} MB/s.`,
    `- time × straight: the straight write's median MB/s ÷ this row's; the targets (tend's) are raw and file within ${TARGETS.slowdown}× of the straight write and prefix ≥ ${TARGETS.prefixMBps} MB/s.`,
    `- CPU s/GB: utime+stime of the supervisor (PID 1, all its threads; ${1000 / CLK_TCK} ms ticks) from just before the generator starts to the last byte, per GB of input. Per run: ${list(
      per((run) => run.cpuPerGB, 2),
      supervised,
    )}.`,
    `- Drain: from the generator's last write to the last byte in the output, ms: ${list(
      per((run) => run.drainMs, 0),
      supervised,
    )}. Peak RSS (VmHWM) of the supervisor, MiB: ${list(
      per((run) => run.peakRssMiB, 0),
      supervised,
    )}. SIGTERM → exit, ms: ${list(
      per((run) => run.stopMs, 0),
      supervised,
    )}.`,
    `- Output check: newlines counted with \`wc -l\` over all files; total bytes after the supervisor exited; whole lines in 64 KiB windows at the start, middle and end of the stream and across every file boundary compared byte for byte with what the generator wrote, numbers consecutive; a rotated file (not the current one) whose last byte is not a newline is a line torn at that rotation. An incomplete run (no growth for ${STALL_MS / 1000} s short of the expected bytes) has no MB/s.`,
    `- Sinks: tmpfs files under /dev/shm; stdout sinks are the supervisor's fd 1, opened by the bench (O_TRUNC, no O_APPEND); the supervisors' own logs are on disk, with \`silent=true\`. Rotation: ${ROTATE.maxbytes} (52,428,800 bytes), ${ROTATE.backups} backups, so no file is deleted. Before each measured write the generator writes and deletes as many bytes on tmpfs, untimed: on this VM (Firecracker, free page reporting) memory left free for a few seconds goes back to the host, and the first write into it ran at a half or a third of the speed.`,
  ];
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  if (!existsSync("/dev/shm")) {
    console.error("bench/logging.ts needs /dev/shm (tmpfs)");
    process.exit(1);
  }
  const sups = new Map(supervisors("bench/logging.ts").map((sup) => [sup.name, sup] as const));
  const genDir = join(TMP, "gen");
  mkdirSync(genDir);
  const gen = compile(
    genDir,
    "gen-lines",
    readFileSync(join(import.meta.dir, "gen-lines.c"), "utf8"),
  );
  const chosen = CONFIGURATIONS.filter(
    (c) => c.supervisor === null || !process.argv.includes("--only") || c.label.includes(ONLY),
  );
  const rows: Row[] = chosen.map((configuration) => ({
    configuration,
    runs: [],
    errors: [],
  }));
  for (let run = 0; run < RUNS; run++) {
    // Interleaved, so that drift of the machine hits every configuration alike.
    for (const row of rows) {
      console.error(`run ${run + 1}/${RUNS}: ${row.configuration.label}…`);
      try {
        const result = await runOnce(row.configuration, sups, gen);
        row.runs.push(result);
        console.error(
          `  ${result.complete ? fmt(result.mbps) : "incomplete"} MB/s, CPU ${fmt(result.cpuPerGB, 2)} s/GB, ${result.check.newlines} lines, ${result.check.badCount} bad samples, ${result.check.torn} torn`,
        );
      } catch (error) {
        console.error(`  error: ${(error as Error).message}`);
        row.errors.push((error as Error).message);
      }
    }
  }
  const markdown = table(rows);
  const notes = details(rows);
  console.log([markdown, "", ...notes].join("\n"));
  const tend = sups.get("tend");
  const supervisord = sups.get("supervisord");
  const python = spawnSync(["python3", "--version"]).stdout.toString().trim();
  const report = [
    "# Log-forwarding benchmark: tend vs supervisord vs a straight write",
    "",
    `Date: ${new Date().toISOString()}  `,
    `Machine: ${machine()}  `,
    `Command: \`npm run build && node_modules/.bin/bun bench/logging.ts${process.argv
      .slice(2)
      .map((arg) => ` ${arg}`)
      .join("")}\`  `,
    "Mode: tend and supervisord each run as PID 1 of its own pid namespace (`unshare --pid --fork --mount-proc`); one program writes the lines; outputs on tmpfs.  ",
    `Targets (tend): raw and file sinks within ${TARGETS.slowdown}× of the straight write; prefix mode ≥ ${TARGETS.prefixMBps} MB/s.`,
    "",
    "Versions:",
    "",
    `- tend: ${tend ? versionOf(tend.bin) : "?"} (${tendBuild()})`,
    `- supervisord: ${supervisord ? versionOf(supervisord.bin) : "?"} (${python})`,
    `- Bun (runs the bench; tend is compiled with the same package): ${Bun.version}`,
    "",
    markdown,
    "",
    ...notes,
    "",
  ].join("\n");
  writeFileSync(join(import.meta.dir, "logging-results.md"), report);
}

await main();
