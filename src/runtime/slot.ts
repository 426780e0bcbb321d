// One process as the engine keeps it across its restarts: its config and
// status, its child, its logs, and what the dashboard and /metrics read of
// its history (check counts, the last changes of readiness).

import type { ProcessConfig } from "../config/model.ts";
import type { CheckCounts } from "../control/metrics.ts";
import type { ExitStatus } from "../core/exit-codes.ts";
import type { ProcessStatus, ProgramRules } from "../core/program.ts";
import type { ProcessLogs } from "../logging/routing.ts";
import type { CheckResult, ReadinessEvent } from "../protocol/dashboard.ts";
import type { RunningProcess, StdinPipe, TimerHandle } from "./ports.ts";

export interface Slot {
  /** `name`, or `group:name` when they differ (supervisord's namespec). */
  readonly namespec: string;
  /** Replaced in place by an update that changes only how it is supervised. */
  config: ProcessConfig;
  rules: ProgramRules;
  status: ProcessStatus;
  /** What the process last said of itself (a notify STATUS= text); "" when nothing. */
  note: string;
  /** How the last run ended, once one has. */
  lastExit: ExitStatus | undefined;
  child: RunningProcess | undefined;
  timer: TimerHandle | undefined;
  /** Where its output goes and what tail reads, across restarts. */
  readonly logs: ProcessLogs;
  /** The running process's stdin (sendProcessStdin); undefined when none runs. */
  stdin: StdinPipe | undefined;
  /** Results of its ready and live checks so far (for /metrics). */
  readonly checkResults: { readonly ready: CheckCounts; readonly live: CheckCounts };
  /** The last results of each check (for the dashboard), at most RECENT_CHECKS each. */
  readonly recentChecks: { readonly ready: CheckResult[]; readonly live: CheckResult[] };
  /** Its last changes of readiness, oldest first (for the dashboard), at most READINESS_HISTORY. */
  readonly readinessHistory: ReadinessEvent[];
}

/** How many results of each check a slot keeps. */
export const RECENT_CHECKS = 5;

/** Notes a check's result; the oldest beyond RECENT_CHECKS go. */
export function rememberCheck(slot: Slot, which: "ready" | "live", result: CheckResult): void {
  const recent = slot.recentChecks[which];
  recent.push(result);
  if (recent.length > RECENT_CHECKS) recent.shift();
}

/** How many changes of readiness a slot keeps. */
export const READINESS_HISTORY = 20;

/** Notes a change of readiness, with why when it is lost; the oldest beyond READINESS_HISTORY go. */
export function rememberReadiness(slot: Slot, at: number): void {
  const { ready, checkMessage, state } = slot.status;
  const history = slot.readinessHistory;
  history.push({ at, ready, reason: ready ? "" : checkMessage || state.toLowerCase() });
  if (history.length > READINESS_HISTORY) history.shift();
}

/** Whether the text a status shows differs: the check's message, or what it waits for. */
export function saysOtherwise(before: ProcessStatus, after: ProcessStatus): boolean {
  return (
    before.checkMessage !== after.checkMessage ||
    before.waiting?.name !== after.waiting?.name ||
    before.waiting?.condition !== after.waiting?.condition
  );
}
