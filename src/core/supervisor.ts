// tend's own mood in run mode as a pure reducer, beside core/program.ts for
// a process: RUNNING, RESTARTING while `ctl reload` stops and starts
// everything, SHUTDOWN once asked to stop (a second TERM kills what is
// left; with shutdown_delay, the programs first keep running that long so
// a load balancer can drain). Signals arrive here as data and leave as effects for run mode to
// carry out; so does the rule of when a critical program ends tend.

import { ExitCode, type ExitStatus, exitCodeOf } from "./exit-codes.ts";
import type { LogLevel } from "./program.ts";
import { runModeAction } from "./signal-policy.ts";
import type { SignalName } from "./signals.ts";
import type { ProcessStateName, SupervisorStateName } from "./states.ts";

export interface SupervisorStatus {
  /** RUNNING, RESTARTING or SHUTDOWN (supervisord's FATAL is never entered). */
  readonly state: SupervisorStateName;
  /** What tend exits with once everything is down. */
  readonly exitCode: number;
  /** TERM, INT or QUIT received so far: the second one kills. */
  readonly shutdownSignals: number;
  /** SHUTDOWN, in shutdown_delay: the programs still run, nothing has been stopped yet. */
  readonly draining: boolean;
}

export const INITIAL_SUPERVISOR: SupervisorStatus = {
  state: "RUNNING",
  exitCode: ExitCode.OK,
  shutdownSignals: 0,
  draining: false,
};

export type SupervisorEvent =
  /**
   * A signal tend received (TERM, HUP, USR2, USR1...); `shutdownDelay`:
   * [supervisord] shutdown_delay, the seconds a TERM leaves the programs running.
   */
  | { readonly type: "signal"; readonly signal: SignalName; readonly shutdownDelay?: number }
  /** shutdown_delay has passed. */
  | { readonly type: "drain-over" }
  /** A request to stop everything and exit (ctl shutdown, a critical program's end). */
  | { readonly type: "shutdown"; readonly why: string; readonly code: number }
  /** `ctl reload`: stop everything, read the config again, start over. */
  | { readonly type: "restart" }
  /** Every program is down (the stop that shutdown or restart began is over). */
  | { readonly type: "all-stopped" };

export type SupervisorEffect =
  | { readonly type: "log"; readonly level: LogLevel; readonly message: string }
  /** Stop every program in shutdown order. */
  | { readonly type: "stop-all" }
  /** Leave the programs running `seconds`, then say drain-over. */
  | { readonly type: "drain"; readonly seconds: number }
  /** SIGKILL to every program now. */
  | { readonly type: "kill-all" }
  /** Read the config again and apply only what changed (SIGHUP). */
  | { readonly type: "apply-config" }
  | { readonly type: "reopen-logs" }
  | { readonly type: "forward"; readonly signal: SignalName }
  /** After a restart's stop: read the config again and start everything. */
  | { readonly type: "start-over" }
  | { readonly type: "exit"; readonly code: number };

export interface SupervisorStep {
  readonly status: SupervisorStatus;
  readonly effects: readonly SupervisorEffect[];
}

export function reduceSupervisor(status: SupervisorStatus, event: SupervisorEvent): SupervisorStep {
  switch (event.type) {
    case "signal":
      return signalled(status, event.signal, event.shutdownDelay ?? 0);
    case "drain-over":
      if (!status.draining) return { status, effects: [] };
      return {
        status: { ...status, draining: false },
        effects: [
          log("info", "shutdown_delay is over: stopping the programs"),
          { type: "stop-all" },
        ],
      };
    case "shutdown":
      return shutDown(status, event.why, event.code);
    case "restart":
      // RUNNING → RESTARTING; a restart asked for while stopping is ignored.
      if (status.state !== "RUNNING") return { status, effects: [] };
      return {
        status: { ...status, state: "RESTARTING" },
        effects: [log("warn", "restart requested: stopping every program"), { type: "stop-all" }],
      };
    case "all-stopped":
      // SHUTDOWN → exit; RESTARTING → RUNNING again, with the config read anew.
      if (status.state === "SHUTDOWN")
        return { status, effects: [{ type: "exit", code: status.exitCode }] };
      if (status.state === "RESTARTING")
        return { status: { ...status, state: "RUNNING" }, effects: [{ type: "start-over" }] };
      return { status, effects: [] };
  }
}

/** Whether the programs may start: not while restarting or shutting down. */
export function mayStart(status: SupervisorStatus): boolean {
  return status.state === "RUNNING";
}

function signalled(status: SupervisorStatus, signal: SignalName, delay: number): SupervisorStep {
  switch (runModeAction(signal)) {
    case "shutdown": {
      const counted = { ...status, shutdownSignals: status.shutdownSignals + 1 };
      const why = `received ${signal} indicating exit request`;
      if (counted.shutdownSignals === 1 && delay > 0 && status.state === "RUNNING")
        return {
          status: { ...counted, state: "SHUTDOWN", exitCode: ExitCode.OK, draining: true },
          effects: [
            log(
              "warn",
              `${why}: not ready from now on; stopping the programs in ${delay} s (shutdown_delay)`,
            ),
            { type: "drain", seconds: delay },
          ],
        };
      if (counted.shutdownSignals === 1) return shutDown(counted, why, ExitCode.OK);
      // Impatient while draining: the stop begins now, in order; another one kills.
      if (status.draining)
        return {
          status: { ...counted, draining: false, shutdownSignals: 1 },
          effects: [
            log("warn", `received ${signal} again: stopping the programs now`),
            { type: "stop-all" },
          ],
        };
      // The second request: no more waiting for stopwaitsecs.
      return {
        status: counted,
        effects: [
          log("warn", `received ${signal} again: killing every remaining process`),
          { type: "kill-all" },
        ],
      };
    }
    case "reload":
      return {
        status,
        effects: [
          log("info", `received ${signal} indicating a config update request`),
          ...(status.state === "RUNNING" ? [{ type: "apply-config" } as const] : []),
        ],
      };
    case "reopen-logs":
      return {
        status,
        effects: [
          log("info", `received ${signal} indicating log reopen request`),
          { type: "reopen-logs" },
        ],
      };
    case "forward":
      return { status, effects: [{ type: "forward", signal }] };
  }
}

/**
 * → SHUTDOWN with `code` to exit with. Once shutting down, a second request
 * changes nothing; during a restart the stop under way becomes the shutdown.
 */
function shutDown(status: SupervisorStatus, why: string, code: number): SupervisorStep {
  // A request (ctl shutdown, a critical program's end) cuts shutdown_delay short.
  if (status.draining)
    return {
      status: { ...status, draining: false, exitCode: code },
      effects: [log("warn", why), { type: "stop-all" }],
    };
  if (status.state === "SHUTDOWN") return { status, effects: [] };
  const next = { ...status, state: "SHUTDOWN" as const, exitCode: code };
  const effects: SupervisorEffect[] = [log("warn", why)];
  if (status.state !== "RESTARTING") effects.push({ type: "stop-all" });
  return { status: next, effects };
}

function log(level: LogLevel, message: string): SupervisorEffect {
  return { type: "log", level, message };
}

/** What a critical program's end is made of: its settings and how it ended. */
export interface CriticalEnd {
  readonly critical: boolean;
  readonly autorestart: "true" | "false" | "unexpected";
  readonly to: ProcessStateName;
  readonly expected: boolean | undefined;
  readonly lastExit: ExitStatus | undefined;
}

/**
 * The code a critical program's end makes tend exit with, or undefined when
 * it does not end tend: FATAL, or EXITED unexpectedly with autorestart=false.
 * The program's own exit code, or 1 when it never ran or its code was 0.
 */
export function criticalExitCode(end: CriticalEnd): number | undefined {
  if (!end.critical) return undefined;
  const endedForGood =
    end.to === "FATAL" ||
    (end.to === "EXITED" && end.expected === false && end.autorestart === "false");
  if (!endedForGood) return undefined;
  return end.lastExit === undefined
    ? ExitCode.FAILURE
    : exitCodeOf(end.lastExit) || ExitCode.FAILURE;
}
