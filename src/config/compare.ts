// When two configurations of a process or group are "the same" — what
// reread reports as changed and what an update restarts. supervisord
// compares every setting; where it was written (source) does not count.

import type { GroupConfig, ProcessConfig } from "./model.ts";

export function sameProcess(a: ProcessConfig, b: ProcessConfig): boolean {
  const { source: _a, ...left } = a;
  const { source: _b, ...right } = b;
  return Bun.deepEquals(left, right, true);
}

/** supervisord's ProcessGroupConfig equality: name, priority and every process's settings. */
export function sameGroup(a: GroupConfig, b: GroupConfig): boolean {
  return (
    a.name === b.name &&
    a.priority === b.priority &&
    a.processes.length === b.processes.length &&
    a.processes.every((process, index) => {
      const other = b.processes[index];
      return other !== undefined && sameProcess(process, other);
    })
  );
}
