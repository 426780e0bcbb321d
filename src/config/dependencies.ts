// `depends_on` across a whole config: what each name means (a group, a
// program, or `group:process`), and the checks that need every group at
// once — names that match nothing, and cycles, each reported once with the
// whole cycle (`web → api → web`).

import type { GroupConfig, ProcessConfig } from "./model.ts";
import type { Problems } from "./problems.ts";

/** A group of anything that stands for processes (configs, or the runtime's slots). */
export interface Members<T> {
  readonly name: string;
  readonly members: readonly T[];
}

/**
 * What a dependency name stands for: `group:process`, a group (all its
 * processes), or a program (its processes, in whatever group). Empty when it
 * names nothing.
 */
export function resolveTarget<T>(
  target: string,
  groups: readonly Members<T>[],
  processOf: (member: T) => ProcessConfig,
): readonly T[] {
  const colon = target.indexOf(":");
  if (colon >= 0) {
    const group = groups.find((g) => g.name === target.slice(0, colon));
    const name = target.slice(colon + 1);
    return group?.members.filter((member) => processOf(member).name === name) ?? [];
  }
  const group = groups.find((g) => g.name === target);
  if (group) return group.members;
  return groups.flatMap((g) => g.members.filter((member) => processOf(member).program === target));
}

/** resolveTarget over the groups of a config. */
export function processesNamed(
  target: string,
  groups: readonly GroupConfig[],
): readonly ProcessConfig[] {
  const members = groups.map((group) => ({ name: group.name, members: group.processes }));
  return resolveTarget(target, members, (process) => process);
}

function namespec(process: ProcessConfig): string {
  return process.group === process.name ? process.name : `${process.group}:${process.name}`;
}

export function checkDependencies(groups: readonly GroupConfig[], problems: Problems): void {
  const processes = groups.flatMap((group) => group.processes);
  const where = (process: ProcessConfig) => ({
    file: process.source.file,
    line: process.source.keyLines?.depends_on ?? process.source.line,
    section: `${groups.find((g) => g.name === process.group)?.listener ? "eventlistener" : "program"}:${process.program}`,
    key: "depends_on",
  });
  const reported = new Set<string>();
  const edges = new Map<ProcessConfig, ProcessConfig[]>();
  for (const process of processes) {
    const targets: ProcessConfig[] = [];
    for (const dependency of process.depends_on) {
      const found = processesNamed(dependency.target, groups);
      if (found.length === 0) {
        const key = `${process.program}\u0000${dependency.target}`;
        if (!reported.has(key))
          problems.error(
            where(process),
            `names ${JSON.stringify(dependency.target)}, which is no program, group or group:process of this config`,
          );
        reported.add(key);
      }
      if (found.includes(process)) {
        problems.error(where(process), `${namespec(process)} cannot depend on itself`);
        continue;
      }
      targets.push(...found);
    }
    edges.set(process, targets);
  }
  reportCycles(processes, edges, where, problems);
}

/** Every cycle once, from the first of its processes in the files. */
function reportCycles(
  processes: readonly ProcessConfig[],
  edges: ReadonlyMap<ProcessConfig, readonly ProcessConfig[]>,
  where: (process: ProcessConfig) => Parameters<Problems["error"]>[0],
  problems: Problems,
): void {
  const done = new Set<ProcessConfig>();
  const onPath = new Map<ProcessConfig, number>();
  const path: ProcessConfig[] = [];
  const visit = (process: ProcessConfig): void => {
    onPath.set(process, path.length);
    path.push(process);
    for (const next of edges.get(process) ?? []) {
      const at = onPath.get(next);
      if (at !== undefined) {
        const cycle = [...path.slice(at), next].map(namespec).join(" → ");
        problems.error(where(next), `dependency cycle: ${cycle}`);
      } else if (!done.has(next)) visit(next);
    }
    path.pop();
    onPath.delete(process);
    done.add(process);
  };
  // From the process written first, as the user reads the files: web → api → web.
  const written = [...processes].sort(
    (a, b) =>
      a.source.file.localeCompare(b.source.file) || (a.source.line ?? 0) - (b.source.line ?? 0),
  );
  for (const process of written) if (!done.has(process)) visit(process);
}
