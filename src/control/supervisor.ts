// What the command layer needs from a running tend: its processes and the
// few operations on them and on tend itself. run.ts implements it over the
// engine; the command layer's unit tests implement it with a fake, so every
// fault rule is testable without processes.

import type { GroupConfig, ProcessConfig } from "../config/model.ts";
import type { ProcessStatus } from "../core/program.ts";
import type { SupervisorStateName } from "../core/states.ts";
import type { LogReader } from "../logging/log-reader.ts";

export interface ControlledProcess {
  /** `name`, or `group:name` when they differ. */
  readonly namespec: string;
  readonly config: ProcessConfig;
  readonly status: ProcessStatus;
  readonly logs: {
    readonly stdout: { readonly reader: LogReader };
    /** undefined with redirect_stderr. */
    readonly stderr: { readonly reader: LogReader } | undefined;
  };
}

export interface ControlledGroup {
  readonly config: GroupConfig;
  /** In start order. */
  readonly slots: readonly ControlledProcess[];
}

/** Why a process cannot be started at all, found before trying (supervisord's get_execv_args). */
export interface CommandProblem {
  readonly fault: "NO_FILE" | "NOT_EXECUTABLE";
  readonly message: string;
}

export type RereadResult =
  | { readonly ok: true; readonly groups: readonly GroupConfig[] }
  | { readonly ok: false; readonly message: string };

export interface Supervisor {
  readonly pid: number;
  /** `[supervisord] identifier`. */
  readonly identification: string;
  state(): SupervisorStateName;
  /** The active groups, in start order. */
  groups(): readonly ControlledGroup[];
  group(name: string): ControlledGroup | undefined;
  /** Asks a process to start (it must be STOPPED, EXITED, FATAL or BACKOFF). */
  start(process: ControlledProcess): void;
  /** Asks a process to stop (stopsignal, then SIGKILL after stopwaitsecs). */
  stop(process: ControlledProcess): void;
  /** Sends a signal to the process; an error message when it could not be sent. */
  signal(process: ControlledProcess, signal: number): string | undefined;
  commandProblem(process: ControlledProcess): CommandProblem | undefined;
  /** Writes to the process's stdin: "not-running", "closed" (the reader is gone), or "ok". */
  writeStdin(process: ControlledProcess, bytes: Uint8Array): "ok" | "not-running" | "closed";
  /** Calls `listener` after any process changed state; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
  /** tend's own log, when there is one to read. */
  mainLog(): LogReader | undefined;
  shutdown(): void;
  /** Stops everything, reads the config again, starts again (`ctl reload`). */
  restart(): void;
  /** Reads the config file again; nothing is applied. */
  reread(): RereadResult;
  addGroup(config: GroupConfig): boolean;
  /** False when a process of the group is not stopped. */
  removeGroup(name: string): boolean;
  /** Swaps a group's config, keeping its unchanged processes running. */
  replaceGroup(config: GroupConfig): void;
}
