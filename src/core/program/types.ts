// The vocabulary of one process's lifecycle: the rules it runs by, its
// status, the events that reach it, and the effects the reducer asks for.

import type { BackoffPolicy } from "../backoff.ts";
import type { ExitStatus } from "../exit-codes.ts";
import type { ProcessStateName } from "../states.ts";

/** How a check's results turn into readiness (or a restart, for liveness). */
export interface CheckRules {
  /** What is checked, as the user wrote it: `http://127.0.0.1:8080/`. */
  readonly description: string;
  /** Consecutive successes that make it ready again (readiness only). */
  readonly successThreshold: number;
  /** Consecutive failures that make it not ready, or restart it (liveness). */
  readonly failureThreshold: number;
}

/** The settings of a program that its lifecycle depends on. */
export interface ProgramRules {
  readonly name: string;
  readonly startsecs: number;
  /** Infinity for `unlimited`. */
  readonly startretries: number;
  readonly autorestart: "true" | "false" | "unexpected";
  readonly exitcodes: readonly number[];
  readonly stopsignal: number;
  readonly stopwaitsecs: number;
  readonly stopasgroup: boolean;
  readonly killasgroup: boolean;
  /** A ready check: STARTING lasts until it passes, within startsecs. */
  readonly readiness?: CheckRules | undefined;
  /** A live check: enough failures in a row while RUNNING restart it. */
  readonly liveness?: CheckRules | undefined;
  readonly backoff: BackoffPolicy;
  /** It has `depends_on`: every spawn waits until they are met. */
  readonly dependencies: boolean;
  /** Seconds a start may wait for its dependencies (0: for ever). */
  readonly dependsTimeout: number;
}

/** What a waiting program waits for: the dependency not met yet. */
export interface Waiting {
  readonly name: string;
  readonly condition: string;
  /** When the wait began (ms), for depends_timeout. */
  readonly since: number;
}

export interface ProcessStatus {
  readonly state: ProcessStateName;
  /** 0 when no process runs. */
  readonly pid: number;
  /** When the last start began (ms); 0 when never started. */
  readonly laststart: number;
  /** When the process last ended (ms); 0 when never. */
  readonly laststop: number;
  /** Consecutive failures; the n-th retry waits as the backoff policy says. */
  readonly backoff: number;
  /** The deadline of the current wait (BACKOFF retry, STOPPING kill), ms. */
  readonly delay: number;
  readonly spawnerr: string;
  /** The last exit status as supervisord reports it: the code, or -1 for a signal. */
  readonly exitstatus: number | undefined;
  /** A stop was requested: the coming exit is the answer to it. */
  readonly killing: boolean;
  readonly laststopreport: number;
  /** Ready: RUNNING and its ready check passing (RUNNING alone without one). */
  readonly ready: boolean;
  /** Consecutive passing (> 0) or failing (< 0) results of the ready check. */
  readonly readyStreak: number;
  /** Consecutive failing results of the live check. */
  readonly liveFailures: number;
  /** Why the last check failed, for `not ready: REASON`. */
  readonly checkMessage: string;
  /** Why the live check last failed; "" when it passes. */
  readonly liveMessage: string;
  /** Starts tend made by itself (a retry, an autorestart, a liveness restart), as Kubernetes counts restarts. */
  readonly restarts: number;
  /** Set while it waits for its dependencies (STARTING with pid 0). */
  readonly waiting: Waiting | undefined;
  /** tend is stopping it because it failed (not ready in time, not live): its exit is a failure. */
  readonly failing: "not-ready" | "not-live" | undefined;
  /** When it last entered RUNNING (ms), for backoff_reset. */
  readonly runningSince: number;
}

export const INITIAL_STATUS: ProcessStatus = {
  state: "STOPPED",
  pid: 0,
  laststart: 0,
  laststop: 0,
  backoff: 0,
  delay: 0,
  spawnerr: "",
  exitstatus: undefined,
  killing: false,
  laststopreport: 0,
  ready: false,
  readyStreak: 0,
  liveFailures: 0,
  checkMessage: "",
  liveMessage: "",
  restarts: 0,
  waiting: undefined,
  failing: undefined,
  runningSince: 0,
};

/** How a program's dependencies stand, as the runtime found them. */
export type DependencyOutcome =
  | { readonly kind: "met" }
  | { readonly kind: "waiting"; readonly name: string; readonly condition: string }
  | { readonly kind: "failed"; readonly name: string };

export type ProgramEvent =
  /** A request to start (autostart, ctl start): STOPPED, EXITED or FATAL only. */
  | { readonly type: "start" }
  | { readonly type: "spawned"; readonly pid: number }
  | { readonly type: "spawn-failed"; readonly message: string }
  | { readonly type: "exited"; readonly status: ExitStatus }
  /** An administrative stop (ctl stop). */
  | { readonly type: "stop" }
  /** A stop for shutdown: as stop, but BACKOFF gives up to FATAL (supervisord's stop_all). */
  | { readonly type: "shutdown" }
  /** SIGKILL now, without waiting for stopwaitsecs (a second TERM at shutdown). */
  | { readonly type: "kill" }
  /** Time passed: a wake-up the reducer asked for came due. */
  | { readonly type: "tick" }
  /** The stop signal or SIGKILL could not be sent (not ESRCH: the process is beyond reach). */
  | { readonly type: "kill-failed"; readonly message: string }
  /** Where its dependencies stand (asked for by an await-dependencies effect, or changed). */
  | { readonly type: "dependencies"; readonly outcome: DependencyOutcome }
  /** A result of its ready or live check. */
  | {
      readonly type: "check";
      readonly check: "ready" | "live";
      readonly ok: boolean;
      readonly message: string;
    };

export type LogLevel = "debug" | "info" | "warn" | "error" | "critical";

export type Effect =
  | { readonly type: "spawn" }
  | { readonly type: "signal"; readonly signal: number; readonly group: boolean }
  /** Deliver a tick at this time (ms). */
  | { readonly type: "wake"; readonly at: number }
  | { readonly type: "log"; readonly level: LogLevel; readonly message: string }
  | {
      readonly type: "state";
      readonly from: ProcessStateName;
      readonly to: ProcessStateName;
      readonly expected?: boolean;
      /** The process's pid at the change (an exit's is the pid that ended). */
      readonly pid: number;
      /** Consecutive failed starts at the change (supervisord's `tries`). */
      readonly tries: number;
    }
  /** Tell me where my dependencies stand (a dependencies event), now and when it changes. */
  | { readonly type: "await-dependencies" }
  /** Readiness changed without a change of state. */
  | { readonly type: "readiness"; readonly ready: boolean };

export interface Step {
  readonly status: ProcessStatus;
  readonly effects: readonly Effect[];
}

/** What the whole supervisor is doing, as far as one process is concerned. */
export interface Mood {
  /** Shutting down: nothing starts again (supervisord's mood < RUNNING). */
  readonly shuttingDown: boolean;
  /** A random number in [0, 1), for the backoff's jitter. */
  readonly random?: number;
}
