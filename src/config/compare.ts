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
