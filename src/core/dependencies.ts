// Dependencies as rules, pure: whether a program's `depends_on` are met,
// still awaited (and which one) or failed, from the states of what they name;
// and the order of a shutdown: a process stops only after everything that
// depends on it has stopped, then by descending priority, equal priorities
// together. Both are used by the runtime and by `tend check`.

import type { DependencyOutcome } from "./program/types.ts";
import type { ProcessStateName } from "./states.ts";

/** How far a dependency must have come: RUNNING, ready, EXITED as expected, ended at all. */
export const CONDITIONS = ["started", "ready", "done", "exited"] as const;
export type Condition = (typeof CONDITIONS)[number];

/** One thing a program waits for: a program, `group:process` or a group, and how far. */
export interface DependencySpec {
  readonly target: string;
  readonly condition: Condition;
}

/** What a dependency's process looks like now. */
export interface TargetView {
  readonly state: ProcessStateName;
  readonly ready: boolean;
  /** Its last exit code was one of its exitcodes. */
  readonly expectedExit: boolean;
}

export type Verdict = "met" | "waiting" | "failed";

/** A process's status as a dependency is judged by: its state, readiness, and whether its last exit was expected. */
export function targetView(
  status: {
    readonly state: ProcessStateName;
    readonly ready: boolean;
    readonly exitstatus: number | undefined;
  },
  exitcodes: readonly number[],
): TargetView {
  const { state, ready, exitstatus } = status;
  return { state, ready, expectedExit: exitstatus !== undefined && exitcodes.includes(exitstatus) };
}

/** One process against one condition (started: RUNNING; ready: and ready; done: EXITED as expected; exited: EXITED or FATAL). */
export function judge(view: TargetView, condition: Condition): Verdict {
  switch (condition) {
    case "started":
      return view.state === "RUNNING" ? "met" : view.state === "FATAL" ? "failed" : "waiting";
    case "ready":
      if (view.state === "RUNNING" && view.ready) return "met";
      return view.state === "FATAL" ? "failed" : "waiting";
    case "done":
      if (view.state === "EXITED") return view.expectedExit ? "met" : "failed";
      return view.state === "FATAL" ? "failed" : "waiting";
    case "exited":
      return view.state === "EXITED" || view.state === "FATAL" ? "met" : "waiting";
  }
}

/** Where a program's dependencies stand: the first failed one, else the first awaited, else met. */
export function dependencyOutcome(
  dependencies: readonly DependencySpec[],
  resolve: (target: string) => readonly TargetView[],
): DependencyOutcome {
  let awaited: DependencyOutcome | undefined;
  for (const dependency of dependencies) {
    const verdicts = resolve(dependency.target).map((view) => judge(view, dependency.condition));
    if (verdicts.includes("failed")) return { kind: "failed", name: dependency.target };
    if (awaited === undefined && (verdicts.length === 0 || verdicts.includes("waiting")))
      awaited = { kind: "waiting", name: dependency.target, condition: dependency.condition };
  }
  return awaited ?? { kind: "met" };
}

/** A process in the order of a shutdown. */
export interface StopNode<T> {
  readonly item: T;
  readonly priority: number;
  /** The processes that depend on it (they stop first). */
  readonly dependents: readonly T[];
}

/**
 * The levels of a shutdown, first to last: each holds the processes whose
 * dependents are all in earlier levels, and of those the ones with the
 * highest priority (equal priorities together). A dependency cycle (refused
 * at load) would never free its members: they stop together in one level.
 */
export function stopLevels<T>(nodes: readonly StopNode<T>[]): T[][] {
  const remaining = new Set(nodes);
  const levels: T[][] = [];
  while (remaining.size > 0) {
    const left = new Set([...remaining].map((node) => node.item));
    const free = [...remaining].filter((node) => node.dependents.every((d) => !left.has(d)));
    const candidates = free.length > 0 ? free : [...remaining];
    const top = Math.max(...candidates.map((node) => node.priority));
    const level = candidates.filter((node) => node.priority === top);
    for (const node of level) remaining.delete(node);
    levels.push(level.map((node) => node.item));
  }
  return levels;
}
