// One-shot tasks: a program that others wait for with `:done` or `:exited`
// is expected to end. supervisord would count an end within startsecs as a
// failed start and run it again (a migration run four times), so for these
// programs startsecs defaults to 0: any end is an exit, judged by exitcodes.
// A startsecs written in the config is kept.

import { processesNamed } from "./dependencies.ts";
import type { GroupConfig, ProcessConfig } from "./model.ts";

export function withOneShotDefaults(groups: readonly GroupConfig[]): GroupConfig[] {
  const oneShots = new Set<ProcessConfig>();
  for (const group of groups) {
    for (const process of group.processes) {
      for (const dependency of process.depends_on) {
        if (dependency.condition !== "done" && dependency.condition !== "exited") continue;
        for (const target of processesNamed(dependency.target, groups)) oneShots.add(target);
      }
    }
  }
  const adjust = (process: ProcessConfig): ProcessConfig =>
    oneShots.has(process) && process.source.keyLines?.startsecs === undefined
      ? { ...process, startsecs: 0 }
      : process;
  return groups.map((group) =>
    group.processes.some((process) => oneShots.has(process))
      ? { ...group, processes: group.processes.map(adjust) }
      : group,
  );
}
