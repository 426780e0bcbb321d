// Dependencies as rules: each condition against each state, the outcome of
// several dependencies, and the order of a shutdown.

import { describe, expect, test } from "bun:test";
import {
  type Condition,
  dependencyOutcome,
  judge,
  stopLevels,
  type TargetView,
  type Verdict,
} from "../../../src/core/dependencies.ts";
import type { ProcessStateName } from "../../../src/core/states.ts";

const view = (state: ProcessStateName, extra: Partial<TargetView> = {}): TargetView => ({
  state,
  ready: state === "RUNNING",
  expectedExit: false,
  ...extra,
});

describe("judge: one process against one condition", () => {
  const table: [Condition, TargetView, Verdict][] = [
    ["started", view("RUNNING", { ready: false }), "met"],
    ["started", view("STARTING"), "waiting"],
    ["started", view("BACKOFF"), "waiting"],
    ["started", view("STOPPED"), "waiting"],
    ["started", view("EXITED"), "waiting"],
    ["started", view("FATAL"), "failed"],
    ["ready", view("RUNNING"), "met"],
    ["ready", view("RUNNING", { ready: false }), "waiting"],
    ["ready", view("STARTING"), "waiting"],
    ["ready", view("FATAL"), "failed"],
    ["done", view("EXITED", { expectedExit: true }), "met"],
    ["done", view("EXITED", { expectedExit: false }), "failed"],
    ["done", view("RUNNING"), "waiting"],
    ["done", view("BACKOFF"), "waiting"],
    ["done", view("FATAL"), "failed"],
    ["exited", view("EXITED"), "met"],
    ["exited", view("EXITED", { expectedExit: true }), "met"],
    ["exited", view("FATAL"), "met"],
    ["exited", view("RUNNING"), "waiting"],
    ["exited", view("STOPPED"), "waiting"],
  ];
  test.each(table)("%s against %o: %s", (condition, target, verdict) => {
    expect(judge(target, condition)).toBe(verdict);
  });
});

describe("dependencyOutcome", () => {
  const states: Record<string, TargetView[]> = {
    db: [view("RUNNING")],
    cache: [view("STARTING")],
    migrate: [view("EXITED", { expectedExit: false })],
    workers: [view("RUNNING"), view("STARTING")],
    none: [],
  };
  const resolve = (target: string) => states[target] ?? [];

  test("all met", () => {
    expect(dependencyOutcome([{ target: "db", condition: "ready" }], resolve)).toEqual({
      kind: "met",
    });
  });

  test("the first one not met is named, with its condition", () => {
    const outcome = dependencyOutcome(
      [
        { target: "db", condition: "ready" },
        { target: "cache", condition: "started" },
      ],
      resolve,
    );
    expect(outcome).toEqual({ kind: "waiting", name: "cache", condition: "started" });
  });

  test("a failed one wins over one still awaited, wherever it is", () => {
    const outcome = dependencyOutcome(
      [
        { target: "cache", condition: "started" },
        { target: "migrate", condition: "done" },
      ],
      resolve,
    );
    expect(outcome).toEqual({ kind: "failed", name: "migrate" });
  });

  test("a group is met only when all its processes are", () => {
    expect(dependencyOutcome([{ target: "workers", condition: "started" }], resolve)).toEqual({
      kind: "waiting",
      name: "workers",
      condition: "started",
    });
  });

  test("a name that stands for nothing now (removed by an update) is awaited", () => {
    expect(dependencyOutcome([{ target: "none", condition: "started" }], resolve).kind).toBe(
      "waiting",
    );
  });
});

describe("stopLevels: the order of a shutdown", () => {
  const node = (item: string, priority: number, dependents: string[] = []) => ({
    item,
    priority,
    dependents,
  });

  test("without dependencies: highest priority first, equal priorities together", () => {
    const levels = stopLevels([
      node("db", 10),
      node("web", 999),
      node("api", 999),
      node("cron", 500),
    ]);
    expect(levels).toEqual([["web", "api"], ["cron"], ["db"]]);
  });

  test("with default priorities everything is one level: one stopwaitsecs in all", () => {
    const nodes = Array.from({ length: 20 }, (_, i) => node(`p${i}`, 999));
    expect(stopLevels(nodes)).toHaveLength(1);
  });

  test("a dependency stops after its dependents, even with the higher priority", () => {
    // db's priority says "stop first"; web depends on it, so web goes first.
    const levels = stopLevels([node("db", 999, ["web"]), node("web", 1)]);
    expect(levels).toEqual([["web"], ["db"]]);
  });

  test("a chain stops from its end: worker, app, then migrate and db", () => {
    const levels = stopLevels([
      node("db", 999, ["migrate", "app"]),
      node("migrate", 999, ["app"]),
      node("app", 999, ["worker"]),
      node("worker", 999),
    ]);
    expect(levels).toEqual([["worker"], ["app"], ["migrate"], ["db"]]);
  });

  test("independent processes keep the priority order among the freed ones", () => {
    const levels = stopLevels([node("db", 5, ["app"]), node("app", 5), node("cron", 900)]);
    expect(levels).toEqual([["cron"], ["app"], ["db"]]);
  });
});
