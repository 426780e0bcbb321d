// When tend releases the executable's pages again after answers
// (ReleasePolicy, pure: told the time and the resident bytes).

import { describe, expect, test } from "bun:test";
import { ReleasePolicy } from "../../../src/runtime/memory.ts";

const MiB = 1024 * 1024;
const SETTLED = 13 * MiB;
/** What a status call reads back in. */
const AFTER_ANSWER = SETTLED + 13 * MiB;

/** A probe every `everyMs` for `forMs`, each settling a second later: the times releases happened, in s. */
function probes(policy: ReleasePolicy, everyMs: number, forMs: number, from = 0): number[] {
  const times: number[] = [];
  for (let at = from + everyMs; at <= from + forMs; at += everyMs) {
    const settleAt = at + 1000;
    if (policy.due(settleAt, AFTER_ANSWER)) {
      policy.released(settleAt, SETTLED);
      times.push(settleAt / 1000);
    }
  }
  return times;
}

describe("ReleasePolicy", () => {
  test("nothing to release until 4 MiB more of the executable is resident than after the last release", () => {
    const policy = new ReleasePolicy();
    policy.settledStart(SETTLED);
    expect(policy.due(5000, SETTLED + 3 * MiB)).toBe(false);
    expect(policy.due(5000, SETTLED + 4 * MiB)).toBe(true);
  });

  test("the first answers after the start are released at once", () => {
    const policy = new ReleasePolicy();
    policy.settledStart(SETTLED);
    expect(policy.due(2000, AFTER_ANSWER)).toBe(true);
  });

  test("a steady probe every 10 s: releases ever further apart (its pages are what tend needs)", () => {
    const policy = new ReleasePolicy();
    policy.settledStart(SETTLED);
    expect(probes(policy, 10_000, 330_000)).toEqual([11, 21, 41, 81, 161, 321]);
  });

  test("after a quiet stretch the gap is the shortest again", () => {
    const policy = new ReleasePolicy();
    policy.settledStart(SETTLED);
    probes(policy, 10_000, 330_000); // the last release at 321 s; the gap now 320 s
    expect(policy.due(330_000 + 100_000, AFTER_ANSWER)).toBe(false);
    // An hour without answers, then status calls 15 s apart: the shortest gap (10 s) again.
    const later = 330_000 + 3_600_000;
    expect(policy.due(later, AFTER_ANSWER)).toBe(true);
    policy.released(later, SETTLED);
    expect(policy.due(later + 15_000, AFTER_ANSWER)).toBe(true);
    policy.released(later + 15_000, SETTLED);
    // Those two came close together: the gap doubled to 20 s.
    expect(policy.due(later + 30_000, AFTER_ANSWER)).toBe(false);
    expect(policy.due(later + 35_000, AFTER_ANSWER)).toBe(true);
  });

  test("the gap stops growing at an hour", () => {
    const policy = new ReleasePolicy();
    policy.settledStart(SETTLED);
    const times = probes(policy, 10_000, 40 * 3_600_000);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(Math.max(...gaps)).toBe(3600);
    expect(gaps.slice(-3)).toEqual([3600, 3600, 3600]);
  });
});
