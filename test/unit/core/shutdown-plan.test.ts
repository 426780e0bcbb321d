// The worst case of a shutdown: the steps of the stop order and the
// longest stopwaitsecs of each, summed.

import { describe, expect, test } from "bun:test";
import { type TimedStopNode, worstCaseShutdown } from "../../../src/core/shutdown-plan.ts";

/** `name:priority:stopwaitsecs`, with the names that depend on it. */
function nodes(spec: Record<string, [number, number, string[]?]>): TimedStopNode<string>[] {
  return Object.entries(spec).map(([item, [priority, stopwaitsecs, dependents]]) => ({
    item,
    priority,
    stopwaitsecs,
    dependents: dependents ?? [],
  }));
}

const shape = (plan: ReturnType<typeof worstCaseShutdown<string>>) => ({
  steps: plan.steps.map((step) => [step.items, step.priority, step.seconds]),
  seconds: plan.seconds,
});

describe("worst-case shutdown", () => {
  test("nothing to stop: no step, 0 s", () => {
    expect(shape(worstCaseShutdown([]))).toEqual({ steps: [], seconds: 0 });
  });

  test("shutdown_delay comes first: the programs run that long before the first step", () => {
    const plan = worstCaseShutdown(nodes({ a: [999, 10], db: [10, 5] }), 7.5);
    expect(plan.delay).toBe(7.5);
    expect(shape(plan)).toEqual({
      steps: [
        [["a"], 999, 10],
        [["db"], 10, 5],
      ],
      seconds: 22.5,
    });
    expect(worstCaseShutdown([], 3).seconds).toBe(3);
  });

  test("equal priorities stop together: one step, as long as the slowest", () => {
    const plan = worstCaseShutdown(nodes({ a: [999, 10], b: [999, 3], c: [999, 25] }));
    expect(shape(plan)).toEqual({ steps: [[["a", "b", "c"], 999, 25]], seconds: 25 });
  });

  test("descending priority, one step each, summed", () => {
    const plan = worstCaseShutdown(
      nodes({ db: [10, 15], web: [999, 10], cache: [500, 5], api: [999, 2] }),
    );
    expect(shape(plan)).toEqual({
      steps: [
        [["web", "api"], 999, 10],
        [["cache"], 500, 5],
        [["db"], 10, 15],
      ],
      seconds: 30,
    });
  });

  test("dependents first, whatever the priorities: a process waits for what depends on it", () => {
    // web depends on api, api on db; all at 999, yet three steps.
    const plan = worstCaseShutdown(
      nodes({ db: [999, 20, ["api"]], api: [999, 5, ["web"]], web: [999, 10] }),
    );
    expect(shape(plan)).toEqual({
      steps: [
        [["web"], 999, 10],
        [["api"], 999, 5],
        [["db"], 999, 20],
      ],
      seconds: 35,
    });
    // A dependent with a lower priority still goes first.
    const low = worstCaseShutdown(nodes({ db: [999, 7, ["web"]], web: [1, 3] }));
    expect(shape(low).steps).toEqual([
      [["web"], 1, 3],
      [["db"], 999, 7],
    ]);
  });

  test("event listeners (priority -1) stop last, in a step of their own", () => {
    const plan = worstCaseShutdown(nodes({ web: [999, 10], mail: [-1, 10] }));
    expect(shape(plan)).toEqual({
      steps: [
        [["web"], 999, 10],
        [["mail"], -1, 10],
      ],
      seconds: 20,
    });
  });

  test("a process free of dependents does not wait for a higher-priority one that is not", () => {
    // b (500) is free; a (999) waits for c (1): b, then c, then a.
    const plan = worstCaseShutdown(nodes({ a: [999, 4, ["c"]], b: [500, 2], c: [1, 1] }));
    expect(shape(plan)).toEqual({
      steps: [
        [["b"], 500, 2],
        [["c"], 1, 1],
        [["a"], 999, 4],
      ],
      seconds: 7,
    });
  });

  test("each step names the dependents it waited for, from earlier steps only", () => {
    const plan = worstCaseShutdown(
      nodes({ db: [999, 1, ["api", "web"]], api: [999, 1, ["web"]], web: [999, 1], log: [999, 1] }),
    );
    expect(plan.steps.map((step) => [step.items, step.after])).toEqual([
      [["web", "log"], []],
      [["api"], ["web"]],
      [["db"], ["api", "web"]],
    ]);
    // A cycle (refused at load) stops together, waiting for none of its own.
    const cycle = worstCaseShutdown(nodes({ a: [999, 1, ["b"]], b: [999, 2, ["a"]] }));
    expect(cycle.steps.map((step) => [step.items, step.after, step.seconds])).toEqual([
      [["a", "b"], [], 2],
    ]);
  });

  test("stopwaitsecs=0 steps count 0 s", () => {
    const plan = worstCaseShutdown(nodes({ a: [2, 0], b: [1, 0] }));
    expect(plan.seconds).toBe(0);
    expect(plan.steps).toHaveLength(2);
  });
});
