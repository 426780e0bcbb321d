// When two configurations of a process or group are "the same", and the
// difference between the groups that run and the groups read again — what
// reread reports as changed and what an update restarts. supervisord
// compares every setting; where it was written (source) does not count.

import type { GroupConfig, ProcessConfig } from "./model.ts";

export function sameProcess(a: ProcessConfig, b: ProcessConfig): boolean {
  const { source: _a, ...left } = a;
  const { source: _b, ...right } = b;
  return Bun.deepEquals(left, right, true);
}

/**
 * tend's keys that say how a process is watched, awaited and restarted, not
 * how it runs: a change to them applies to the running process in place.
 */
export const SUPERVISION_KEYS = [
  "critical",
  "ready_check",
  "ready_initial_delay",
  "ready_period",
  "ready_timeout",
  "ready_success_threshold",
  "ready_failure_threshold",
  "live_check",
  "live_initial_delay",
  "live_period",
  "live_timeout",
  "live_failure_threshold",
  "depends_on",
  "depends_timeout",
  "backoff",
  "backoff_initial",
  "backoff_multiplier",
  "backoff_max",
  "backoff_jitter",
  "backoff_reset",
] as const satisfies readonly (keyof ProcessConfig)[];

/**
 * The same process to run, whatever its supervision settings: an update
 * keeps it running (with the new settings) instead of restarting it. A
 * push check (fd:N, notify, log:) is wired at spawn, so changing to or from
 * one needs a restart.
 */
export function sameRun(a: ProcessConfig, b: ProcessConfig): boolean {
  if (isPush(a) !== isPush(b) || (isPush(a) && a.ready_check?.text !== b.ready_check?.text))
    return false;
  return sameProcess(withoutSupervision(a), withoutSupervision(b));
}

/** Checks wired when the process is spawned (its fd, its socket, its output tap). */
function isPush(process: ProcessConfig): boolean {
  const kind = process.ready_check?.kind;
  return kind === "fd" || kind === "notify" || kind === "log";
}

function withoutSupervision(process: ProcessConfig): ProcessConfig {
  const copy: Record<string, unknown> = { ...process };
  for (const key of SUPERVISION_KEYS) delete copy[key];
  return copy as unknown as ProcessConfig;
}

/** supervisord's ProcessGroupConfig equality: name, priority, a pool's settings and every process's. */
export function sameGroup(a: GroupConfig, b: GroupConfig): boolean {
  return (
    a.name === b.name &&
    a.priority === b.priority &&
    Bun.deepEquals(a.listener, b.listener, true) &&
    a.processes.length === b.processes.length &&
    a.processes.every((process, index) => {
      const other = b.processes[index];
      return other !== undefined && sameProcess(process, other);
    })
  );
}

export interface ConfigDiff {
  readonly added: readonly GroupConfig[];
  readonly changed: readonly GroupConfig[];
  readonly removed: readonly GroupConfig[];
}

/** supervisord's diff_to_active: groups read but not active, active but different, active but gone. */
export function diffGroups(
  active: readonly GroupConfig[],
  read: readonly GroupConfig[],
): ConfigDiff {
  const activeByName = new Map(active.map((group) => [group.name, group]));
  const readByName = new Map(read.map((group) => [group.name, group]));
  return {
    added: read.filter((group) => !activeByName.has(group.name)),
    changed: read.filter((group) => {
      const current = activeByName.get(group.name);
      return current !== undefined && !sameGroup(current, group);
    }),
    removed: active.filter((group) => !readByName.has(group.name)),
  };
}
