// What the engine asks of the world, as small interfaces: start and signal
// processes, open and close a process's logs, set timers, read the clock,
// write tend's log. run mode wires the real ones (process-ops.ts, the log
// hub, setTimeout, Date.now); unit tests drive the engine with fakes, edge
// by edge, without processes or waiting.

import type { CheckSpec } from "../config/check-spec.ts";
import type { ProcessConfig } from "../config/model.ts";
import type { ExitStatus } from "../core/exit-codes.ts";
import type { LogLevel } from "../core/program.ts";
import type { ProcessLogs } from "../logging/routing.ts";

/** The write end of a running process's stdin (sendProcessStdin, `ctl fg`). */
export interface StdinPipe {
  write(bytes: Uint8Array): void;
  /** The process closed its end: nothing more can be written. */
  readonly broken: boolean;
  /** Bytes written but not yet taken by the process (waiting in tend). */
  readonly pending: number;
}

export interface RunningProcess {
  readonly pid: number;
  /** Resolves once the process has ended and been reaped. */
  readonly exited: Promise<ExitStatus>;
  readonly stdin: StdinPipe;
  /**
   * What the process itself says about its readiness, for the push kinds of
   * ready_check (`fd:N`, `notify`); undefined for every other program.
   */
  readonly notices?: NoticeSource | undefined;
}

/** A message from a process about its readiness: READY=1 (or a newline on fd N), or a STATUS= text. */
export type Notice =
  | { readonly kind: "ready" }
  | { readonly kind: "status"; readonly text: string };

export interface NoticeSource {
  /**
   * Hears every notice until the process ends (then the source is closed);
   * the first listener also hears those that came before it listened.
   */
  listen(listener: (notice: Notice) => void): void;
}

/** The outcome of one probe. */
export interface ProbeResult {
  readonly ok: boolean;
  /** Why it failed, short ("connection refused", "HTTP 503", "exit status 1", "timed out after 1 s"); "" when ok. */
  readonly message: string;
}

/** The polled checks, run for real (os/probes) or faked by unit tests. */
export interface ProbeOps {
  /**
   * Runs one polled check (http, https, tcp, unix, file, command) for
   * `process` and resolves, never rejects, within timeoutMs: a command still
   * running then is killed with its process group and reaped.
   */
  probe(check: CheckSpec, process: ProcessConfig, timeoutMs: number): Promise<ProbeResult>;
}

/** Why a command cannot be started at all (supervisord's NotFound / NotExecutable). */
export interface CommandProblem {
  readonly kind: "not-found" | "not-executable";
  readonly message: string;
}

/** A spawn that failed: the reason in supervisord's words, kept as the process's spawnerr. */
export class SpawnFailure extends Error {
  override name = "SpawnFailure";
}

export interface ProcessOps {
  /** Starts `process` with its output going to `logs`; throws SpawnFailure when it cannot. */
  spawn(process: ProcessConfig, logs: ProcessLogs, namespec: string): RunningProcess;
  /**
   * kill(2), to the process or with `group` to its process group. False when
   * it is already gone (ESRCH); throws when the signal cannot be sent.
   */
  signal(pid: number, signal: number, group: boolean): boolean;
  /** Why `process` cannot be started, found before trying (the command is missing...). */
  commandProblem(process: ProcessConfig): CommandProblem | undefined;
}

/** What the log port is told about the process whose logs it opens. */
export interface LogOpening {
  readonly namespec: string;
  /** An event listener: its stdout speaks the listener protocol. */
  readonly listener: boolean;
  /** Its pid now (0 when it does not run), for what its output carries. */
  readonly pid: () => number;
}

export interface LogPort {
  /** The sinks and tail readers of one process, kept across its restarts. */
  open(process: ProcessConfig, opening: LogOpening): ProcessLogs;
  /** The process left tend: what its logs hold open is given back. */
  close(logs: ProcessLogs): void;
}

export type TimerHandle = unknown;

export interface Timers {
  set(callback: () => void, ms: number): TimerHandle;
  clear(handle: TimerHandle): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface EnginePorts {
  readonly processes: ProcessOps;
  readonly probes: ProbeOps;
  readonly logs: LogPort;
  readonly timers: Timers;
  readonly clock: Clock;
  readonly log: (level: LogLevel, message: string) => void;
  /** A number in [0, 1) for the backoff's jitter (Math.random when absent). */
  readonly random?: () => number;
}

export const realTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export const realClock: Clock = { now: Date.now };
