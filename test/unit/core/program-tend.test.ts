// tend's rules beyond supervisord's, one test per edge: a ready check that
// ends STARTING and keeps watching RUNNING, liveness restarts, waiting for
// dependencies, and the exponential restart policy. Time and chance are
// arguments: no sleeping, no processes.

import { describe, expect, test } from "bun:test";
import { type BackoffPolicy, retryDelay } from "../../../src/core/backoff.ts";
import type { ProgramEvent, ProgramRules } from "../../../src/core/program.ts";
import { exit, RULES, Sim } from "./program-sim.ts";

const READY_CHECK = { description: "tcp:8080", successThreshold: 1, failureThreshold: 3 };
const READY: ProgramRules = { ...RULES, readiness: READY_CHECK };
const LIVE: ProgramRules = {
  ...RULES,
  liveness: {
    description: "http://127.0.0.1:8080/healthz",
    successThreshold: 1,
    failureThreshold: 3,
  },
};
const EXPONENTIAL: BackoffPolicy = {
  kind: "exponential",
  initial: 1,
  multiplier: 2,
  max: 60,
  jitter: 0,
  reset: 60,
};

const ready = (ok: boolean, message = ok ? "" : "connection refused"): ProgramEvent => ({
  type: "check",
  check: "ready",
  ok,
  message,
});
const live = (ok: boolean, message = ok ? "" : "HTTP 503"): ProgramEvent => ({
  type: "check",
  check: "live",
  ok,
  message,
});

describe("readiness while STARTING", () => {
  test("STARTING lasts past startsecs: startsecs is the deadline for readiness, not RUNNING", () => {
    const sim = new Sim(READY).at(0, { type: "start" });
    expect(sim.state).toBe("STARTING");
    expect(sim.wakes).toEqual([1000]);
    sim.at(500, ready(false));
    expect(sim.state).toBe("STARTING");
    expect(sim.status.checkMessage).toBe("connection refused");
  });

  test("STARTING → RUNNING at once when the check first passes, ready, logged with the check", () => {
    const sim = new Sim(READY).at(0, { type: "start" }).at(300, ready(true));
    expect(sim.state).toBe("RUNNING");
    expect(sim.status.ready).toBe(true);
    expect(sim.logs.at(-1)).toBe("success: web entered RUNNING state, ready (tcp:8080)");
  });

  test("success_threshold: that many passes in a row", () => {
    const rules = { ...READY, readiness: { ...READY_CHECK, successThreshold: 2 } };
    const sim = new Sim(rules).at(0, { type: "start" }).at(100, ready(true));
    expect(sim.state).toBe("STARTING");
    sim.at(200, ready(false)).at(300, ready(true));
    expect(sim.state).toBe("STARTING");
    sim.at(400, ready(true));
    expect(sim.state).toBe("RUNNING");
  });

  test("startsecs=0: no deadline, even when a wake comes (depends_timeout's, armed before the spawn)", () => {
    const sim = new Sim({ ...READY, startsecs: 0 }).at(0, { type: "start" }).clear();
    sim.at(60_000, { type: "tick" });
    expect(sim.state).toBe("STARTING");
    expect(sim.signals).toEqual([]);
  });

  test("a shutdown while it is being stopped for not being ready: STOPPED, not BACKOFF", () => {
    const sim = new Sim(READY).at(0, { type: "start" }).at(1000, { type: "tick" });
    expect(sim.state).toBe("STOPPING");
    sim.mood = { ...sim.mood, shuttingDown: true };
    sim.at(1010, { type: "shutdown" }).at(1100, exit(143 - 128));
    expect(sim.state).toBe("STOPPED");
  });

  test("a stop request while it is being stopped for not being ready: STOPPED, not retried", () => {
    const sim = new Sim(READY).at(0, { type: "start" }).at(1000, { type: "tick" });
    sim.at(1010, { type: "stop" }).at(1100, exit(143 - 128));
    expect(sim.state).toBe("STOPPED");
  });

  test("not ready by the deadline: stopped (stopsignal), then BACKOFF as a failed start", () => {
    const sim = new Sim(READY).at(0, { type: "start" }).at(500, ready(false)).clear();
    sim.at(1000, { type: "tick" });
    expect(sim.state).toBe("STOPPING");
    expect(sim.signals).toEqual([[15, false]]);
    expect(sim.logs[0]).toBe(
      "not ready: web is not ready after 1 s (connection refused); stopping it",
    );
    sim.at(1100, exit(143 - 128));
    expect(sim.state).toBe("BACKOFF");
    expect(sim.status.spawnerr).toBe("not ready after 1 s: connection refused");
    expect(sim.status.backoff).toBe(1);
  });

  test("never ready: the retries run out, then FATAL", () => {
    const sim = new Sim({ ...READY, startretries: 1 }).at(0, { type: "start" });
    sim.at(1000, { type: "tick" }).at(1010, exit(1));
    expect(sim.state).toBe("BACKOFF");
    sim.at(2010, { type: "tick" });
    expect(sim.state).toBe("STARTING");
    sim.at(3010, { type: "tick" }).at(3020, exit(1));
    expect(sim.state).toBe("FATAL");
  });

  test("startsecs=0 with a ready check: no deadline, STARTING until the check passes", () => {
    const sim = new Sim({ ...READY, startsecs: 0 }).at(0, { type: "start" });
    expect(sim.state).toBe("STARTING");
    expect(sim.wakes).toEqual([]);
    sim.at(60_000, ready(true));
    expect(sim.state).toBe("RUNNING");
  });

  test("an exit before it was ever ready is a failed start, even after startsecs", () => {
    const sim = new Sim({ ...READY, startsecs: 0 }).at(0, { type: "start" }).at(5000, exit(0));
    expect(sim.state).toBe("BACKOFF");
  });

  test("a stop while STARTING and not ready is an ordinary stop: STOPPED, not retried", () => {
    const sim = new Sim(READY).at(0, { type: "start" }).at(100, { type: "stop" });
    sim.at(200, exit(0));
    expect(sim.state).toBe("STOPPED");
  });
});

describe("readiness while RUNNING (never stops anything)", () => {
  const runningReady = () => new Sim(READY).at(0, { type: "start" }).at(100, ready(true)).clear();

  test("failure_threshold failures in a row: not ready, still RUNNING, nothing signalled", () => {
    const sim = runningReady().at(1000, ready(false)).at(2000, ready(false));
    expect(sim.status.ready).toBe(true);
    sim.at(3000, ready(false));
    expect(sim.state).toBe("RUNNING");
    expect(sim.status.ready).toBe(false);
    expect(sim.signals).toEqual([]);
    expect(sim.effects).toContainEqual({ type: "readiness", ready: false });
    expect(sim.logs).toEqual(["not ready: web: connection refused"]);
  });

  test("failures that are not consecutive do not count", () => {
    const sim = runningReady()
      .at(1000, ready(false))
      .at(2000, ready(false))
      .at(3000, ready(true))
      .at(4000, ready(false));
    expect(sim.status.ready).toBe(true);
  });

  test("and back: success_threshold passes make it ready again", () => {
    const sim = runningReady();
    for (const at of [1000, 2000, 3000]) sim.at(at, ready(false));
    sim.clear().at(4000, ready(true));
    expect(sim.status.ready).toBe(true);
    expect(sim.effects).toContainEqual({ type: "readiness", ready: true });
    expect(sim.logs).toEqual(["ready: web is ready again (tcp:8080)"]);
  });

  test("results for a process that is not running are dropped", () => {
    const sim = new Sim(READY).clear().at(0, ready(true));
    expect(sim.effects).toEqual([]);
    expect(sim.state).toBe("STOPPED");
  });

  test("an update that takes the check away: RUNNING is ready again", () => {
    const sim = runningReady();
    for (const at of [1000, 2000, 3000]) sim.at(at, ready(false));
    const updated = new Sim(RULES);
    updated.status = sim.status;
    updated.at(4000, ready(true));
    expect(updated.status.ready).toBe(true);
  });

  test("an exit makes it not ready", () => {
    const sim = runningReady().at(5000, exit(1));
    expect(sim.status.ready).toBe(false);
  });
});

describe("liveness", () => {
  const runningLive = (rules = LIVE) =>
    new Sim(rules).at(0, { type: "start" }).at(1000, { type: "tick" }).clear();

  test("failure_threshold failures in a row while RUNNING: stopped, logged with the last error", () => {
    const sim = runningLive().at(2000, live(false)).at(3000, live(false));
    expect(sim.state).toBe("RUNNING");
    sim.at(4000, live(false));
    expect(sim.state).toBe("STOPPING");
    expect(sim.signals).toEqual([[15, false]]);
    expect(sim.logs).toEqual([
      "unhealthy: web failed its liveness check 3 times in a row (http://127.0.0.1:8080/healthz: HTTP 503); restarting it",
    ]);
  });

  test("then started again (a restart, counted), as after an unexpected exit", () => {
    const sim = runningLive();
    for (const at of [2000, 3000, 4000]) sim.at(at, live(false));
    sim.at(4100, exit(0));
    expect(sim.state).toBe("STARTING");
    expect(sim.spawns).toBe(1);
    expect(sim.status.restarts).toBe(1);
    const states = sim.effects.flatMap((e) => (e.type === "state" ? [[e.to, e.expected]] : []));
    expect(states).toEqual([
      ["STOPPING", undefined],
      ["EXITED", false],
      ["STARTING", undefined],
    ]);
  });

  test("the stop takes its time: stopwaitsecs, then SIGKILL", () => {
    const sim = runningLive();
    for (const at of [2000, 3000, 4000]) sim.at(at, live(false));
    sim.at(14_000, { type: "tick" });
    expect(sim.signals).toEqual([
      [15, false],
      [9, false],
    ]);
  });

  test("autorestart=false: it stays EXITED (Kubernetes' restartPolicy: Never)", () => {
    const sim = runningLive({ ...LIVE, autorestart: "false" });
    for (const at of [2000, 3000, 4000]) sim.at(at, live(false));
    sim.at(4100, exit(0));
    expect(sim.state).toBe("EXITED");
    expect(sim.status.spawnerr).toBe("liveness check failed: HTTP 503");
  });

  test("a pass resets the count", () => {
    const sim = runningLive()
      .at(2000, live(false))
      .at(3000, live(false))
      .at(4000, live(true))
      .at(5000, live(false))
      .at(6000, live(false));
    expect(sim.state).toBe("RUNNING");
  });

  test("results outside RUNNING do nothing (it only runs while RUNNING)", () => {
    const sim = new Sim(LIVE).at(0, { type: "start" }).clear();
    for (const at of [100, 200, 300]) sim.at(at, live(false));
    expect(sim.state).toBe("STARTING");
    expect(sim.effects).toEqual([]);
  });

  test("a liveness restart after a run longer than backoff_reset starts the retry count afresh", () => {
    const rules = { ...LIVE, startretries: 2, backoff: EXPONENTIAL };
    const sim = new Sim(rules).at(0, { type: "start" }).at(1000, { type: "tick" });
    sim.at(1100, exit(1)); // early: BACKOFF, one failure counted
    expect(sim.status.backoff).toBe(1);
    sim.at(2100, { type: "tick" }).at(3100, { type: "tick" });
    expect(sim.state).toBe("RUNNING");
    for (const at of [200_000, 201_000, 202_000]) sim.at(at, live(false));
    sim.at(202_100, exit(0));
    expect(sim.status.backoff).toBe(0);
  });

  test("the next run starts with no failures counted and no message of the last one", () => {
    const sim = runningLive().at(2000, live(false)).at(3000, live(false));
    expect(sim.status.liveMessage).toBe("HTTP 503");
    sim.at(3500, exit(1)); // an unexpected exit: restarted at once
    expect(sim.status).toMatchObject({ state: "STARTING", liveFailures: 0, liveMessage: "" });
    sim.at(4500, { type: "tick" }).at(5000, live(false));
    expect(sim.state).toBe("RUNNING");
  });

  test("a failing live check is not a readiness problem: ready, and no ready error", () => {
    const sim = runningLive().at(2000, live(false));
    expect(sim.status).toMatchObject({ ready: true, checkMessage: "" });
  });

  test("a stop while failing: an ordinary stop, not a liveness restart", () => {
    const sim = runningLive().at(2000, live(false)).at(2500, { type: "stop" }).at(2600, exit(0));
    expect(sim.state).toBe("STOPPED");
  });
});

describe("waiting for dependencies", () => {
  const DEPENDENT: ProgramRules = { ...RULES, dependencies: true };
  const met: ProgramEvent = { type: "dependencies", outcome: { kind: "met" } };

  test("a start with depends_on: STARTING with pid 0, nothing spawned, dependencies asked for", () => {
    const sim = new Sim(DEPENDENT).at(0, { type: "start" });
    expect(sim.state).toBe("STARTING");
    expect(sim.status.pid).toBe(0);
    expect(sim.spawns).toBe(0);
    expect(sim.effects).toContainEqual({ type: "await-dependencies" });
    expect(sim.status.waiting).toBeDefined();
  });

  test("still waiting: what for is kept, for the description", () => {
    const sim = new Sim(DEPENDENT).at(0, { type: "start" });
    sim.at(10, {
      type: "dependencies",
      outcome: { kind: "waiting", name: "db", condition: "ready" },
    });
    expect(sim.status.waiting).toMatchObject({ name: "db", condition: "ready" });
    expect(sim.status.pid).toBe(0);
  });

  test("met: spawned, and startsecs counts from the spawn", () => {
    const sim = new Sim(DEPENDENT).at(0, { type: "start" }).clear().at(5000, met);
    expect(sim.spawns).toBe(1);
    expect(sim.status.waiting).toBeUndefined();
    expect(sim.status.laststart).toBe(5000);
    expect(sim.wakes).toEqual([6000]);
    sim.at(6000, { type: "tick" });
    expect(sim.state).toBe("RUNNING");
  });

  test("a dependency failed: FATAL at once, saying which", () => {
    const sim = new Sim(DEPENDENT).at(0, { type: "start" });
    sim.at(10, { type: "dependencies", outcome: { kind: "failed", name: "migrate" } });
    expect(sim.state).toBe("FATAL");
    expect(sim.status.spawnerr).toBe("dependency migrate failed");
    expect(sim.logs.at(-1)).toBe("gave up: web entered FATAL state, dependency migrate failed");
    expect(sim.spawns).toBe(0);
  });

  test("depends_timeout: FATAL when the wait outlasts it, naming the dependency", () => {
    const sim = new Sim({ ...DEPENDENT, dependsTimeout: 60 }).at(0, { type: "start" });
    expect(sim.wakes).toEqual([60_000]);
    sim.at(10, {
      type: "dependencies",
      outcome: { kind: "waiting", name: "db", condition: "ready" },
    });
    sim.at(59_999, { type: "tick" });
    expect(sim.state).toBe("STARTING");
    sim.at(60_000, { type: "tick" });
    expect(sim.state).toBe("FATAL");
    expect(sim.status.spawnerr).toBe("dependency db not ready after 60 s");
  });

  test("depends_timeout made longer while it waits (an update): the early wake waits on, then FATAL", () => {
    const short = new Sim({ ...DEPENDENT, dependsTimeout: 5 }).at(0, { type: "start" });
    const sim = new Sim({ ...DEPENDENT, dependsTimeout: 10 });
    sim.status = short.status;
    sim.clear().at(5000, { type: "tick" });
    expect(sim.state).toBe("STARTING");
    expect(sim.wakes).toEqual([10_000]);
    sim.at(10_000, { type: "tick" });
    expect(sim.state).toBe("FATAL");
  });

  test("depends_timeout=0 waits for ever", () => {
    const sim = new Sim(DEPENDENT).at(0, { type: "start" }).at(10_000_000, { type: "tick" });
    expect(sim.state).toBe("STARTING");
    expect(sim.wakes).toEqual([]);
  });

  test("a stop while waiting: STOPPED at once, no signal (nothing runs), stopped now", () => {
    const sim = new Sim(DEPENDENT).at(0, { type: "start" }).at(10, { type: "stop" });
    expect(sim.state).toBe("STOPPED");
    // Its description is the stop time: not 1970's.
    expect(sim.status.laststop).toBe(10);
    expect(sim.signals).toEqual([]);
    expect(sim.status.waiting).toBeUndefined();
    sim.at(20, met);
    expect(sim.spawns).toBe(0);
  });

  test("shutdown while waiting: STOPPED at once", () => {
    const sim = new Sim(DEPENDENT).at(0, { type: "start" }).at(10, { type: "shutdown" });
    expect(sim.state).toBe("STOPPED");
  });

  test("during shutdown, dependencies that come up spawn nothing", () => {
    const sim = new Sim(DEPENDENT).at(0, { type: "start" });
    sim.mood = { shuttingDown: true, random: 0.5 };
    sim.at(10, met);
    expect(sim.spawns).toBe(0);
  });

  test("every retry waits for the dependencies again", () => {
    const sim = new Sim(DEPENDENT).at(0, { type: "start" }).at(10, met).at(100, exit(1));
    expect(sim.state).toBe("BACKOFF");
    sim.clear().at(1100, { type: "tick" });
    expect(sim.state).toBe("STARTING");
    expect(sim.spawns).toBe(0);
    expect(sim.effects).toContainEqual({ type: "await-dependencies" });
  });
});

describe("backoff=exponential", () => {
  const rules = (policy: Partial<typeof EXPONENTIAL> = {}): ProgramRules => ({
    ...RULES,
    startretries: 10,
    backoff: { ...EXPONENTIAL, ...policy },
  });
  /** The waits before each retry of a program that always dies at once. */
  const waits = (sim: Sim, failures: number): number[] => {
    const seen: number[] = [];
    let now = 0;
    sim.at(now, { type: "start" });
    for (let i = 0; i < failures; i++) {
      now += 10;
      sim.at(now, exit(1));
      if (sim.state !== "BACKOFF") break;
      seen.push(sim.status.delay - now);
      now = sim.status.delay;
      sim.at(now, { type: "tick" });
    }
    return seen;
  };

  test("the n-th failure waits initial × multiplier^(n-1)", () => {
    expect(waits(new Sim(rules()), 6)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000]);
  });

  test("capped at backoff_max", () => {
    expect(waits(new Sim(rules({ max: 5 })), 5)).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  test("jitter spreads each wait within ± the fraction, from the random number", () => {
    const low = new Sim(rules({ jitter: 0.1 }));
    low.mood = { shuttingDown: false, random: 0 };
    expect(waits(low, 3)).toEqual([900, 1800, 3600]);
    const high = new Sim(rules({ jitter: 0.1 }));
    high.mood = { shuttingDown: false, random: 0.999_999 };
    expect(waits(high, 1)[0]).toBeCloseTo(1100, -1);
  });

  test("startretries still ends in FATAL", () => {
    const sim = new Sim({ ...rules(), startretries: 2 });
    expect(waits(sim, 5)).toHaveLength(2);
    expect(sim.state).toBe("FATAL");
  });

  test("startretries=unlimited: never FATAL", () => {
    const sim = new Sim({ ...rules({ max: 2 }), startretries: Number.POSITIVE_INFINITY });
    expect(waits(sim, 200)).toHaveLength(200);
    expect(sim.state).toBe("STARTING");
  });

  test("an exit from RUNNING sooner than backoff_reset: BACKOFF, not an instant restart", () => {
    const sim = new Sim(rules()).at(0, { type: "start" }).at(1000, { type: "tick" });
    expect(sim.state).toBe("RUNNING");
    sim.clear().at(5000, exit(1));
    expect(sim.state).toBe("BACKOFF");
    expect(sim.spawns).toBe(0);
    expect(sim.status.delay).toBe(6000);
    sim.at(6000, { type: "tick" }).at(7000, { type: "tick" }).at(8000, exit(1));
    // the second early exit in a row waits twice as long
    expect(sim.status.delay).toBe(10_000);
  });

  test("after backoff_reset seconds of RUNNING the count starts again: restarted at once", () => {
    const sim = new Sim(rules()).at(0, { type: "start" }).at(10, exit(1));
    sim.at(1010, { type: "tick" }).at(2010, { type: "tick" });
    expect(sim.state).toBe("RUNNING");
    expect(sim.status.backoff).toBe(1);
    sim.clear().at(2010 + 60_000, exit(1));
    expect(sim.state).toBe("STARTING");
    expect(sim.spawns).toBe(1);
    expect(sim.status.backoff).toBe(0);
  });

  test("an expected exit is not restarted, whatever the policy", () => {
    const sim = new Sim(rules())
      .at(0, { type: "start" })
      .at(1000, { type: "tick" })
      .at(2000, exit(0));
    expect(sim.state).toBe("EXITED");
  });
});

describe("restarts", () => {
  test("retries and autorestarts count; a requested start does not", () => {
    const sim = new Sim({ ...RULES, autorestart: "true" }).at(0, { type: "start" });
    expect(sim.status.restarts).toBe(0);
    sim.at(10, exit(1)).at(1010, { type: "tick" });
    expect(sim.status.restarts).toBe(1);
    sim.at(2010, { type: "tick" }).at(3000, exit(0));
    expect(sim.status.restarts).toBe(2);
    sim.at(3100, { type: "stop" }).at(3200, exit(0)).at(3300, { type: "start" });
    expect(sim.status.restarts).toBe(2);
  });
});

describe("retryDelay", () => {
  test("supervisord's rule: the n-th retry after n seconds, no chance involved", () => {
    expect([1, 2, 3].map((n) => retryDelay({ kind: "supervisord" }, n, 0.9))).toEqual([
      1000, 2000, 3000,
    ]);
  });

  test("exponential, with decimals: initial 0.5, multiplier 1.5", () => {
    const policy = { ...EXPONENTIAL, initial: 0.5, multiplier: 1.5 };
    expect([1, 2, 3].map((n) => retryDelay(policy, n, 0.5))).toEqual([500, 750, 1125]);
  });

  test("jitter stays within ± the fraction for any random number", () => {
    const policy = { ...EXPONENTIAL, jitter: 0.25 };
    for (const random of [0, 0.1, 0.5, 0.9, 0.999]) {
      const wait = retryDelay(policy, 3, random);
      expect(wait).toBeGreaterThanOrEqual(3000);
      expect(wait).toBeLessThanOrEqual(5000);
    }
  });
});
