// Log capture as a real PID 1 (SPEC section 8): every line whole, once, in
// order, with its prefix; files rotated only at line ends; bytes kept exactly;
// JSON lines; /dev/stdout; redirect_stderr; USR2 reopen; a slow stdout that
// blocks the flooding program and nothing else; an unwritable log file.
// tend's own log goes to a file (unless a test is about it), so that its
// stdout holds only the programs' lines.

import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BUN,
  childrenOf,
  FIXTURES,
  type Finished,
  pidNamespaces,
  type Running,
  readLines,
  scratchDir,
  start,
  TEND,
  waitFor,
} from "./harness.ts";

const EMIT = `${BUN} ${join(FIXTURES, "log-writer.ts")}`;
const MiB = 1024 * 1024;

/** What emit.ts writes as line `i` of `label`. */
function numbered(label: string, i: number): string {
  return `${label} ${String(i).padStart(7, "0")} `.padEnd(99, "x");
}

class Tend {
  constructor(
    readonly dir: string,
    readonly running: Running,
    readonly pid: number,
    private readonly cleanup: () => void,
  ) {}

  log(): string[] {
    return readLines(join(this.dir, "tend.log"));
  }

  waitLog(text: string, ms = 10_000): Promise<string> {
    return waitFor(() => this.log().find((line) => line.includes(text)), `tend to log ${text}`, ms);
  }

  signal(name: NodeJS.Signals): void {
    process.kill(this.pid, name);
  }

  async stop(): Promise<Finished> {
    this.signal("SIGTERM");
    return this.running.finished;
  }

  dispose(): void {
    try {
      process.kill(this.pid, "SIGKILL");
    } catch {}
    this.cleanup();
  }
}

const launched = new Set<Tend>();
afterAll(() => {
  for (const tend of launched) tend.dispose();
});

/** Starts tend on `programs` (INI); `[supervisord]` logs to tend.log unless `supervisord` says otherwise. */
async function launch(programs: string, supervisord = ""): Promise<Tend> {
  const { dir, cleanup } = scratchDir();
  const main = supervisord.includes("logfile=") ? "" : `logfile=${join(dir, "tend.log")}\n`;
  const config = `[supervisord]\n${main}${supervisord}\n${programs.replaceAll("DIR", dir)}`;
  writeFileSync(join(dir, "tend.ini"), config);
  const running = start(["-c", join(dir, "tend.ini")]);
  const tend = new Tend(dir, running, await running.tendPid, cleanup);
  launched.add(tend);
  return tend;
}

function program(name: string, command: string, extra = ""): string {
  return `[program:${name}]\ncommand=${command}\nstartsecs=0\nautorestart=false\n${extra}\n`;
}

/** The sequence numbers of `label`'s lines, checking each is exactly what was written. */
function sequenceOf(lines: readonly string[], label: string, prefix: string): number[] {
  return lines
    .filter((line) => line !== "" && line.startsWith(prefix))
    .map((line) => {
      const body = line.slice(prefix.length);
      const i = Number(body.slice(label.length + 1, label.length + 8));
      if (body !== numbered(label, i))
        throw new Error(`torn or altered line: ${line.slice(0, 80)}`);
      return i;
    });
}

function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

describe.skipIf(!pidNamespaces.ok)("log capture (tend as PID 1)", () => {
  test("two programs, 200,000 lines each, concurrently to stdout: each line once, whole, in order, aligned prefix", async () => {
    const tend = await launch(
      program("a", `${EMIT} lines 200000 a`) + program("bbb", `${EMIT} lines 200000 bbb`),
    );
    await tend.waitLog("exited: a ");
    await tend.waitLog("exited: bbb ");
    const out = (await tend.stop()).stdout.split("\n");
    expect(sequenceOf(out, "a", "a   | ")).toEqual(oneTo(200_000));
    expect(sequenceOf(out, "bbb", "bbb | ")).toEqual(oneTo(200_000));
    expect(out.filter((line) => line !== "")).toHaveLength(400_000);
  }, 30_000);

  test("a rotated file sink (1MB × 5): the kept files are exactly the newest lines, none torn", async () => {
    const tend = await launch(
      program(
        "a",
        `${EMIT} lines 200000 a`,
        "stdout_logfile=DIR/a.log\nstdout_logfile_maxbytes=1MB\nstdout_logfile_backups=5",
      ),
    );
    await tend.waitLog("exited: a ");
    await tend.stop();
    const base = join(tend.dir, "a.log");
    expect(existsSync(`${base}.6`)).toBe(false);
    const files = [`${base}.5`, `${base}.4`, `${base}.3`, `${base}.2`, `${base}.1`, base];
    let all = "";
    for (const file of files) {
      const text = readFileSync(file, "latin1");
      expect(text.endsWith("\n")).toBe(true);
      // Over maxbytes by less than one line at most.
      expect(text.length).toBeLessThan(MiB + 100);
      if (file !== base) expect(text.length).toBeGreaterThanOrEqual(MiB);
      all += text;
    }
    const seen = sequenceOf(all.split("\n"), "a", "");
    const first = seen[0] as number;
    expect(seen).toEqual(oneTo(200_000 - first + 1).map((i) => i + first - 1));
    expect(seen.at(-1)).toBe(200_000);
  }, 30_000);

  test("invalid UTF-8, escapes, a 3 MiB line and a last line without newline: byte for byte to a file; pieces of 1 MiB with the prefix", async () => {
    const { dir: inputs, cleanup } = scratchDir();
    const input = Buffer.concat([
      Buffer.from("first\n"),
      Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0a]),
      Buffer.from("\x1b[31mred\x1b[0m\n"),
      Buffer.alloc(3 * MiB, "y"),
      Buffer.from("\nlast without newline"),
    ]);
    writeFileSync(join(inputs, "input.bin"), input);
    const tend = await launch(
      program(
        "exact",
        `${EMIT} file ${join(inputs, "input.bin")}`,
        "stdout_logfile=DIR/exact.log",
      ) + program("pre", `${EMIT} file ${join(inputs, "input.bin")}`),
    );
    await tend.waitLog("exited: exact ");
    await tend.waitLog("exited: pre ");
    const out = (await tend.stop()).stdout.split("\n");
    cleanup();
    expect(readFileSync(join(tend.dir, "exact.log")).equals(input)).toBe(true);
    const pieces = out.filter((line) => line.startsWith("pre   | y"));
    expect(pieces.map((line) => line.length)).toEqual([MiB + 8, MiB + 8, MiB + 8]);
    expect(out).toContain("pre   | last without newline");
    expect(out).toContain("pre   | first");
    expect(out).toContain("pre   | \x1b[31mred\x1b[0m");
  }, 30_000);

  test("stdout_logfile=/dev/stdout with maxbytes=10MB: raw lines on stdout, no error", async () => {
    const tend = await launch(
      program(
        "raw",
        `${EMIT} lines 1000 raw`,
        "stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=10MB",
      ),
    );
    await tend.waitLog("exited: raw ");
    const finished = await tend.stop();
    expect(sequenceOf(finished.stdout.split("\n"), "raw", "")).toEqual(oneTo(1000));
    expect(finished.stderr).toBe("");
    expect(
      tend.log().filter((line) => / (ERRO|CRIT|WARN) /.test(line) && !line.includes("SIGTERM")),
    ).toEqual([]);
  }, 20_000);

  test("redirect_stderr: stdout and stderr lines in the order written, in one sink", async () => {
    const tend = await launch(
      program(
        "both",
        `${EMIT} alternate 2000`,
        "redirect_stderr=true\nstdout_logfile=DIR/both.log",
      ),
    );
    await tend.waitLog("exited: both ");
    await tend.stop();
    const expected = oneTo(2000).flatMap((i) => [`out ${i}`, `err ${i}`]);
    expect(readLines(join(tend.dir, "both.log"))).toEqual(expected);
  }, 20_000);

  test("log_format=json: every stdout line is a JSON object; invalid UTF-8 is recoverable", async () => {
    const { dir: inputs, cleanup } = scratchDir();
    const bad = Buffer.from([0x61, 0xff, 0x00, 0x62]);
    writeFileSync(
      join(inputs, "input.bin"),
      Buffer.concat([Buffer.from('say "hi"\n'), bad, Buffer.from("\n")]),
    );
    const done = join(inputs, "done");
    const tend = await launch(
      program("j", `sh -c '${EMIT} file ${join(inputs, "input.bin")}; touch ${done}'`),
      "logfile=/dev/stdout\nlog_format=json",
    );
    // tend's own log is on stdout here: the program marks its end in a file instead.
    await waitFor(() => existsSync(done) || undefined, "j to finish", 10_000);
    const out = (await tend.stop()).stdout.split("\n").filter(Boolean);
    cleanup();
    const entries = out.map((line) => JSON.parse(line));
    const lines = entries.filter((entry) => entry.program === "j");
    expect(lines.map((entry) => [entry.stream, entry.line])).toEqual([
      ["stdout", 'say "hi"'],
      ["stdout", "a\ufffd\u0000b"],
    ]);
    expect(typeof lines[0].time).toBe("number");
    expect(lines[0].line_base64).toBeUndefined();
    expect(Buffer.from(lines[1].line_base64, "base64").equals(bad)).toBe(true);
    expect(
      entries.some((entry) => typeof entry.msg === "string" && entry.msg.includes("spawned: 'j'")),
    ).toBe(true);
  }, 20_000);

  test("SIGUSR2 reopens a log file that was moved away; no line lost or repeated", async () => {
    const tend = await launch(program("t", `${EMIT} tick 5`, "stdout_logfile=DIR/t.log"));
    const path = join(tend.dir, "t.log");
    await waitFor(() => readLines(path).length >= 20 || undefined, "20 ticks");
    renameSync(path, `${path}.moved`);
    await waitFor(
      () => readLines(`${path}.moved`).length >= 40 || undefined,
      "ticks into the moved file",
    );
    tend.signal("SIGUSR2");
    await waitFor(() => readLines(path).length >= 20 || undefined, "ticks in the reopened file");
    await tend.stop();
    const ticks = [...readLines(`${path}.moved`), ...readLines(path)];
    expect(ticks).toEqual(oneTo(ticks.length).map((i) => `tick ${i}`));
    expect(
      tend.log().some((line) => line.includes("received SIGUSR2 indicating log reopen request")),
    ).toBe(true);
  }, 20_000);

  test("an unwritable log file: one error naming it, the program runs, its other stream still arrives", async () => {
    const tend = await launch(
      program("w", `${EMIT} alternate 500`, "stdout_logfile=/nonexistent-dir/w.log"),
    );
    await tend.waitLog("exited: w (exit status 0; expected)");
    const finished = await tend.stop();
    const errors = tend.log().filter((line) => line.includes("/nonexistent-dir/w.log"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(" ERRO cannot open log file /nonexistent-dir/w.log");
    const stderrLines = finished.stderr.split("\n").filter((line) => line.startsWith("w | "));
    expect(stderrLines).toEqual(oneTo(500).map((i) => `w | err ${i}`));
  }, 20_000);

  test("a program that exits while a grandchild holds its stdout: the exit is seen at once, the late line still arrives", async () => {
    const tend = await launch(
      program("g", `sh -c '(sleep 1; echo from-grandchild) & echo parent-done'`),
    );
    const spawned = Date.now();
    await tend.waitLog("exited: g (exit status 0; expected)", 5_000);
    expect(Date.now() - spawned).toBeLessThan(900);
    await waitFor(
      () => childrenOf(tend.pid).length === 0 || undefined,
      "the grandchild to end",
      5_000,
    );
    const out = (await tend.stop()).stdout.split("\n");
    expect(out).toContain("g | parent-done");
    expect(out).toContain("g | from-grandchild");
  }, 20_000);

  test("back-pressure: stdout unread for 2 s while a program floods; memory bounded, other logs flow, nothing lost", async () => {
    const { dir, cleanup } = scratchDir();
    const config = join(dir, "tend.ini");
    writeFileSync(
      config,
      `[supervisord]\nlogfile=${join(dir, "tend.log")}\n` +
        program("flood", `${EMIT} flood 50 f`) +
        `[program:ticker]\ncommand=${EMIT} tick 10\nstdout_logfile=${join(dir, "ticker.log")}\n`,
    );
    const out = join(dir, "out.txt");
    // A real pipe that nobody reads for 2 s, then a reader that keeps up.
    const shell = Bun.spawn(
      [
        "sh",
        "-c",
        `unshare --pid --fork --mount-proc ${TEND} -c ${config} | { sleep 2; cat > ${out}; }`,
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    let tendPid: number | undefined;
    try {
      tendPid = await waitFor(() => findTend(shell.pid, config), "tend to start");
      await waitFor(() => existsSync(join(dir, "ticker.log")) || undefined, "the ticker's log");
      await Bun.sleep(700); // the 2 s stall is under way, the flood blocked
      const stalledRss = rssKiB(tendPid);
      const tickerBefore = readLines(join(dir, "ticker.log")).length;
      await Bun.sleep(500);
      expect(existsSync(out) && statSync(out).size > 0).toBe(false); // still stalled
      // The flood (50 MB) is not in tend's memory (about 50 MiB idle, so
      // holding the flood would pass 100 MiB), and the ticker's file kept growing.
      expect(Math.max(stalledRss, rssKiB(tendPid as number))).toBeLessThan(85 * 1024);
      expect(readLines(join(dir, "ticker.log")).length).toBeGreaterThan(tickerBefore + 10);
      const expected = 500_000;
      await waitFor(
        () =>
          existsSync(out) &&
          statSync(out).size >= expected * (100 + "flood  | ".length) - 1 &&
          true,
        "every flood line after the reader resumed",
        30_000,
      );
      process.kill(tendPid, "SIGTERM");
      await shell.exited;
      const lines = readFileSync(out, "latin1").split("\n");
      expect(sequenceOf(lines, "f", "flood  | ")).toEqual(oneTo(expected));
    } finally {
      if (tendPid !== undefined) {
        try {
          process.kill(tendPid, "SIGKILL");
        } catch {}
      }
      shell.kill("SIGKILL");
      cleanup();
    }
  }, 60_000);
});

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "latin1");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** The pid of the tend running `config` among the descendants of `root`. */
function findTend(root: number, config: string): number | undefined {
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0");
      if (argv[0] === TEND && argv.includes(config)) return pid;
    } catch {}
    queue.push(...childrenOf(pid));
  }
  return undefined;
}
