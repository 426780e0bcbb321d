// `depends_on` among the running processes: which slots a dependency names,
// where a waiting process's dependencies stand (core/dependencies.ts judges),
// which stopped dependencies a start brings up first, and the order of a
// shutdown (dependents before what they depend on).

import { resolveTarget } from "../config/dependencies.ts";
import {
  type DependencySpec,
  dependencyOutcome,
  judge,
  stopLevels,
  type TargetView,
  targetView,
} from "../core/dependencies.ts";
import type { DependencyOutcome } from "../core/program.ts";
import type { ActiveGroup } from "./engine.ts";
import type { Slot } from "./slot.ts";

export class Dependencies {
  constructor(private readonly groups: () => readonly ActiveGroup[]) {}

  /** The slots a dependency name stands for (none when it names nothing now). */
  slotsOf(target: string): readonly Slot[] {
    const groups = this.groups().map((group) => ({
      name: group.config.name,
      members: group.slots,
    }));
    return resolveTarget(target, groups, (slot) => slot.config);
  }

  /** Where the dependencies of `slot` stand now. */
  outcome(slot: Slot): DependencyOutcome {
    return dependencyOutcome(slot.config.depends_on, (target) => this.slotsOf(target).map(viewOf));
  }

  /**
   * The dependencies a start of `slot` starts first, deepest first: the ones
   * stopped, exited or given up whose condition is not met (a migration
   * that is done is not run again).
   */
  toStart(slot: Slot): Slot[] {
    const order: Slot[] = [];
    const seen = new Set<Slot>([slot]);
    const visit = (dependent: Slot) => {
      for (const dependency of dependent.config.depends_on) {
        for (const target of this.slotsOf(dependency.target)) {
          if (seen.has(target)) continue;
          seen.add(target);
          visit(target);
          if (needsStart(target, dependency)) order.push(target);
        }
      }
    };
    visit(slot);
    return order;
  }

  /** The shutdown's levels, first to last: a process stops after its dependents. */
  stopOrder(slots: readonly Slot[], priorityOf: (slot: Slot) => number): Slot[][] {
    const dependents = new Map<Slot, Slot[]>(slots.map((slot) => [slot, []]));
    for (const slot of slots) {
      for (const dependency of slot.config.depends_on) {
        for (const target of this.slotsOf(dependency.target)) dependents.get(target)?.push(slot);
      }
    }
    return stopLevels(
      slots.map((slot) => ({
        item: slot,
        priority: priorityOf(slot),
        dependents: dependents.get(slot) ?? [],
      })),
    );
  }
}

function viewOf(slot: Slot): TargetView {
  return targetView(slot.status, slot.config.exitcodes);
}

function needsStart(slot: Slot, dependency: DependencySpec): boolean {
  const state = slot.status.state;
  const idle = state === "STOPPED" || state === "EXITED" || state === "FATAL";
  return idle && judge(viewOf(slot), dependency.condition) !== "met";
}
