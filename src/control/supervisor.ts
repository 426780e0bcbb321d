// What the command layer needs from a running tend: its processes and the
// few operations on them and on tend itself. Run mode (runtime/run-mode.ts)
// implements it; the command layer's unit tests implement it with a fake,
// so every fault rule is testable without processes. Generic over the
// process type, so an implementation gets its own processes back.

import type { GroupConfig, ProcessConfig } from "../config/model.ts";
import type { ExitStatus } from "../core/exit-codes.ts";
import type { ProcessStatus } from "../core/program.ts";
import type { SupervisorStateName } from "../core/states.ts";
import type { LogReader } from "../logging/log-reader.ts";
import type { CheckResult, ReadinessEvent } from "../protocol/dashboard.ts";
import type { CheckCounts } from "./metrics.ts";

export interface ControlledProcess {
  /** `name`, or `group:name` when they differ. */
  readonly namespec: string;
  readonly config: ProcessConfig;
  readonly status: ProcessStatus;
  /** What the process last said of itself (notify's STATUS=); "" when nothing. */
  readonly note: string;
  /** How its last run ended, once one has (the dashboard's last exit). */
  readonly lastExit?: ExitStatus | undefined;
  /** Its last changes of readiness, oldest first. */
  readonly readinessHistory?: readonly ReadinessEvent[];
  /** Results of its ready and live checks so far. */
  readonly checkResults?: { readonly ready: CheckCounts; readonly live: CheckCounts };
  /** The last results of each check, oldest first. */
  readonly recentChecks?: {
    readonly ready: readonly CheckResult[];
    readonly live: readonly CheckResult[];
  };
  readonly logs: {
    readonly stdout: { readonly reader: LogReader };
    /** undefined with redirect_stderr. */
    readonly stderr: { readonly reader: LogReader } | undefined;
  };
}

export interface ControlledGroup<P extends ControlledProcess = ControlledProcess> {
  readonly config: GroupConfig;
  /** In start order. */
  readonly slots: readonly P[];
}

/** Why a process cannot be started at all, found before trying (supervisord's get_execv_args). */
export interface CommandProblem {
  readonly kind: "not-found" | "not-executable";
  readonly message: string;
}

/** reloadConfig's answer: the groups added, changed and removed since what runs. */
export interface ConfigChanges {
  readonly added: readonly GroupConfig[];
  readonly changed: readonly GroupConfig[];
  readonly removed: readonly GroupConfig[];
}

/** One line of tend.update's reply, printed by the client as `name: message`. */
export interface UpdateLine {
  readonly name: string;
  readonly message: string;
  /** The update failed here (an unknown group, a process that would not stop). */
  readonly error: boolean;
}

/** The config could be read again (and what came of it), or why not, every error in one text. */
export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

export interface Supervisor<P extends ControlledProcess = ControlledProcess> {
  readonly pid: number;
  /** `[supervisord] identifier`. */
  readonly identification: string;
  state(): SupervisorStateName;
  /** The active groups, in start order. */
  groups(): readonly ControlledGroup<P>[];
  group(name: string): ControlledGroup<P> | undefined;
  /** Asks a process to start (it must be STOPPED, EXITED, FATAL or BACKOFF). */
  start(process: P): void;
  /** Asks a process to stop (stopsignal, then SIGKILL); why not, when its signal could not be sent. */
  stop(process: P): string | undefined;
  /** Sends a signal to the process; an error message when it could not be sent. */
  signal(process: P, signal: number): string | undefined;
  commandProblem(process: P): CommandProblem | undefined;
  /**
   * Writes to the process's stdin: "not-running", "closed" (the reader is
   * gone), "full" (too much already waits for a process that does not read),
   * or "ok".
   */
  writeStdin(process: P, bytes: Uint8Array): "ok" | "not-running" | "closed" | "full";
  /**
   * Calls `listener` after any process changed state, readiness or what it
   * says of itself, a group came or went, or tend's own state changed; returns the unsubscribe.
   */
  onChange(listener: () => void): () => void;
  /** tend's own log, when there is one to read. */
  mainLog(): LogReader | undefined;
  /** A user's numeric id, as getAllConfigInfo reports `uid`. */
  userId(name: string): number | undefined;
  shutdown(): void;
  /** Stops everything, reads the config again, starts again (`ctl reload`). */
  restart(): void;
  /** Raises a REMOTE_COMMUNICATION event for the event listeners. */
  sendRemoteCommEvent(type: string, data: string): void;
  /** The groups of the last config read: what addGroup can add and avail lists. */
  available(): readonly GroupConfig[];
  /** Reads the config file again; nothing is applied. */
  reread(): Outcome<ConfigChanges>;
  addGroup(config: GroupConfig): boolean;
  /** False when a process of the group is not stopped. */
  removeGroup(name: string): boolean;
  /**
   * tend's update: reads the config again and applies it, restarting only
   * the processes whose settings changed, in the named groups or all (`[]`).
   */
  update(names: readonly string[]): Promise<Outcome<readonly UpdateLine[]>>;
}
