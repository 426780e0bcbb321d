// Fakes of the engine's ports: a clock and timers a test advances by hand,
// processes that exist only as records (a test ends them, or lets a signal
// end them), ring-only logs that count what was opened and closed, and the
// log lines tend would write. With them the engine and run mode are driven
// edge by edge, without processes or waiting.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CheckSpec } from "../../../src/config/check-spec.ts";
import { type LoadResult, loadConfig } from "../../../src/config/load.ts";
import type { Config, ProcessConfig } from "../../../src/config/model.ts";
import type { ExitStatus } from "../../../src/core/exit-codes.ts";
import { SIGNAL_NUMBERS } from "../../../src/core/signals.ts";
import { RingLog } from "../../../src/logging/log-reader.ts";
import type { ProcessLogs } from "../../../src/logging/routing.ts";
import { DISCARD } from "../../../src/logging/sinks.ts";
import {
  type CommandProblem,
  type EnginePorts,
  type LogOpening,
  type LogPort,
  type Notice,
  type ProbeOps,
  type ProbeResult,
  type ProcessOps,
  type RunningProcess,
  SpawnFailure,
  type Timers,
} from "../../../src/runtime/ports.ts";

/** The config files of the test file running now; made on first use. */
let root: string | undefined;
let files = 0;

/** Removes the config files written so far (each test file, after its tests). */
export function removeConfigFiles(): void {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  root = undefined;
}

/** Writes `ini` to a file of its own and loads it with the real loader. */
export function configFile(ini: string): string {
  root ??= mkdtempSync(join(tmpdir(), "tend-fake-ports-"));
  const path = join(root, `${files++}.ini`);
  writeFileSync(path, ini);
  return path;
}

export function load(path: string): LoadResult {
  return loadConfig(path, { env: { HOME: "/root", PATH: "/usr/bin:/bin" }, hostname: "h" });
}

export function configOf(ini: string): Config {
  const loaded = load(configFile(ini));
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
  return loaded.config;
}

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/** Timers and a clock that move only when the test says so. */
export class FakeTime implements Timers {
  now = 1_700_000_000_000;
  private timers: Timer[] = [];
  private next = 1;

  set(callback: () => void, ms: number): number {
    const id = this.next++;
    this.timers.push({ id, at: this.now + Math.max(0, ms), callback });
    return id;
  }

  clear(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  /** How many timers are set. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves the clock `ms` on, firing every timer that comes due, in order, at its time. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = this.timers
        .filter((timer) => timer.at <= until)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.now = Math.max(this.now, due.at);
      due.callback();
    }
    this.now = until;
  }
}

export class FakeProcess implements RunningProcess {
  readonly exited: Promise<ExitStatus>;
  readonly written: Uint8Array[] = [];
  ended = false;
  private resolve: (status: ExitStatus) => void = () => {};
  readonly stdin = {
    broken: false,
    /** What the process has not read (set by a test). */
    pending: 0,
    write: (bytes: Uint8Array) => void this.written.push(bytes),
  };

  private readonly noticeListeners: ((notice: Notice) => void)[] = [];
  /** For a push check (fd:N, notify): what the process says is heard here. */
  readonly notices = {
    listen: (listener: (notice: Notice) => void) => void this.noticeListeners.push(listener),
  };

  constructor(
    readonly pid: number,
    readonly config: ProcessConfig,
  ) {
    this.exited = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  /** The process says something about its readiness (READY=1, STATUS=...). */
  say(notice: Notice): void {
    if (!this.ended) for (const listener of this.noticeListeners) listener(notice);
  }

  /** The process ends: with an exit code, or killed by a signal number. */
  exit(code: number): void {
    this.end({ kind: "exited", code });
  }

  kill(signal: number): void {
    this.end({ kind: "signaled", signal });
  }

  private end(status: ExitStatus): void {
    if (this.ended) return;
    this.ended = true;
    this.resolve(status);
  }
}

export interface SentSignal {
  readonly pid: number;
  readonly signal: number;
  readonly group: boolean;
}

/** Processes as records: spawned in order, signals recorded, failures on request. */
export class FakeProcesses implements ProcessOps {
  readonly spawned: FakeProcess[] = [];
  readonly signals: SentSignal[] = [];
  /** Programs whose spawn fails, with the message. */
  readonly spawnFailures = new Map<string, string>();
  /** Programs whose signals cannot be sent (EPERM), by name. */
  readonly unsignallable = new Set<string>();
  /** Programs that ignore TERM (and every stop signal but KILL). */
  readonly ignoringTerm = new Set<string>();
  readonly problems = new Map<string, CommandProblem>();
  private nextPid = 100;

  spawn(process: ProcessConfig): RunningProcess {
    const failure = this.spawnFailures.get(process.name);
    if (failure !== undefined) throw new SpawnFailure(failure);
    const child = new FakeProcess(this.nextPid++, process);
    this.spawned.push(child);
    return child;
  }

  signal(pid: number, signal: number, group: boolean): boolean {
    const child = this.spawned.find((candidate) => candidate.pid === pid);
    if (child && this.unsignallable.has(child.config.name))
      throw new Error("Operation not permitted");
    this.signals.push({ pid, signal, group });
    if (!child || child.ended) return false;
    // By default a stop signal ends the process, as it ends a sleep.
    if (signal === SIGNAL_NUMBERS.SIGKILL || !this.ignoringTerm.has(child.config.name))
      child.kill(signal);
    return true;
  }

  commandProblem(process: ProcessConfig): CommandProblem | undefined {
    return this.problems.get(process.name);
  }

  /** The latest process of a program. */
  latest(name: string): FakeProcess {
    const found = this.spawned.filter((child) => child.config.name === name).at(-1);
    if (!found) throw new Error(`${name} was never spawned`);
    return found;
  }

  /** The signals sent to a program's processes, by number. */
  signalsTo(name: string): number[] {
    const pids = new Set(this.spawned.filter((c) => c.config.name === name).map((c) => c.pid));
    return this.signals.filter((sent) => pids.has(sent.pid)).map((sent) => sent.signal);
  }
}

/** A probe the test has not answered yet. */
export interface PendingProbe {
  readonly check: CheckSpec;
  readonly process: ProcessConfig;
  readonly timeoutMs: number;
  readonly at: number;
  answer(result: ProbeResult): void;
}

/** Probes that wait until the test answers them; `answer` answers the oldest. */
export class FakeProbes implements ProbeOps {
  readonly pending: PendingProbe[] = [];
  /** Every probe started, by process name. */
  readonly started: string[] = [];

  constructor(private readonly time: FakeTime) {}

  probe(check: CheckSpec, process: ProcessConfig, timeoutMs: number): Promise<ProbeResult> {
    this.started.push(process.name);
    return new Promise((resolve) => {
      const pending: PendingProbe = {
        check,
        process,
        timeoutMs,
        at: this.time.now,
        answer: (result) => {
          this.pending.splice(this.pending.indexOf(pending), 1);
          resolve(result);
        },
      };
      this.pending.push(pending);
    });
  }

  /** Answers the oldest pending probe of `name`. */
  answer(name: string, ok: boolean, message = ok ? "" : "connection refused"): void {
    const pending = this.pending.find((probe) => probe.process.name === name);
    if (!pending) throw new Error(`no probe of ${name} is pending`);
    pending.answer({ ok, message });
  }
}

/** Ring-only logs; counts opened and closed, so a test sees what a retired slot gives back. */
export class FakeLogs implements LogPort {
  readonly open_: string[] = [];
  readonly closed: string[] = [];
  private readonly names = new Map<ProcessLogs, string>();

  open(_process: ProcessConfig, { namespec }: LogOpening): ProcessLogs {
    const stream = () => {
      const ring = new RingLog(1024);
      return {
        sink: DISCARD,
        reader: ring,
        ring,
        writer: undefined,
        holds: undefined,
        exact: true,
        received: { bytes: 0 },
      };
    };
    const logs = { stdout: stream(), stderr: stream() };
    this.names.set(logs, namespec);
    this.open_.push(namespec);
    return logs;
  }

  close(logs: ProcessLogs): void {
    this.closed.push(this.names.get(logs) ?? "?");
  }
}

export interface Fakes {
  readonly ports: EnginePorts;
  readonly time: FakeTime;
  readonly processes: FakeProcesses;
  readonly logs: FakeLogs;
  readonly probes: FakeProbes;
  /** tend's log lines, as `LEVEL message`. */
  readonly lines: string[];
}

export function fakePorts(): Fakes {
  const time = new FakeTime();
  const processes = new FakeProcesses();
  const logs = new FakeLogs();
  const probes = new FakeProbes(time);
  const lines: string[] = [];
  return {
    ports: {
      processes,
      probes,
      logs,
      timers: time,
      clock: { now: () => time.now },
      log: (level, message) => lines.push(`${level.toUpperCase()} ${message}`),
      random: () => 0.5,
    },
    time,
    processes,
    logs,
    probes,
    lines,
  };
}

/** Lets the promise callbacks of ended processes run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
