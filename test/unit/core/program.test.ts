// Every rule of supervisord's process lifecycle, one test per edge, with
// time as an argument: no sleeping, no processes.

import { describe, expect, test } from "bun:test";
import { type ProgramRules, reduce } from "../../../src/core/program.ts";
import { exit, killedBy, RULES, Sim } from "./program-sim.ts";

const running = (rules: ProgramRules = RULES) =>
  new Sim(rules).at(0, { type: "start" }).at(1000, { type: "tick" });

describe("starting", () => {
  test("STOPPED → STARTING on start: spawn, log the pid, wake at startsecs", () => {
    const sim = new Sim().at(0, { type: "start" });
    expect(sim.state).toBe("STARTING");
    expect(sim.spawns).toBe(1);
    expect(sim.logs).toEqual(["spawned: 'web' with pid 100"]);
    expect(sim.wakes).toEqual([1000]);
  });

  test("STARTING → RUNNING once startsecs have passed", () => {
    const sim = new Sim().at(0, { type: "start" }).at(999, { type: "tick" });
    expect(sim.state).toBe("STARTING");
    sim.at(1000, { type: "tick" });
    expect(sim.state).toBe("RUNNING");
    expect(sim.logs.at(-1)).toBe(
      "success: web entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)",
    );
  });

  test("startsecs=0: STARTING → RUNNING at once", () => {
    const sim = new Sim({ ...RULES, startsecs: 0 }).at(0, { type: "start" });
    expect(sim.state).toBe("RUNNING");
    expect(sim.wakes).toEqual([]);
  });

  test("start while RUNNING, STARTING, BACKOFF or STOPPING does nothing", () => {
    const sim = running().clear().at(2000, { type: "start" });
    expect(sim.effects).toEqual([]);
    const starting = new Sim().at(0, { type: "start" }).clear().at(10, { type: "start" });
    expect(starting.effects).toEqual([]);
  });
});

describe("failing to start", () => {
  test("STARTING → BACKOFF when it dies before startsecs, even with an expected code", () => {
    const sim = new Sim().at(0, { type: "start" }).at(200, exit(0));
    expect(sim.state).toBe("BACKOFF");
    expect(sim.status.spawnerr).toBe("Exited too quickly (process log may have details)");
    expect(sim.status.exitstatus).toBeUndefined();
    expect(sim.logs.at(-1)).toBe("exited: web (exit status 0; not expected)");
  });

  test("the n-th retry waits n seconds: attempts at +0, +1, +3, +6 s, then FATAL", () => {
    const sim = new Sim();
    const attempts: number[] = [];
    let now = 0;
    sim.at(now, { type: "start" });
    for (let i = 0; i < 10 && sim.state !== "FATAL"; i++) {
      attempts.push(sim.status.laststart);
      now = sim.status.laststart + 100;
      sim.at(now, exit(1)); // dies 0.1 s after each start
      if (sim.state === "BACKOFF") sim.at(sim.status.delay, { type: "tick" });
    }
    expect(attempts).toEqual([0, 1100, 3200, 6300]);
    expect(sim.state).toBe("FATAL");
    expect(sim.logs.at(-1)).toBe(
      "gave up: web entered FATAL state, too many start retries too quickly",
    );
  });

  test("BACKOFF waits: a tick before the delay does not retry", () => {
    const sim = new Sim()
      .at(0, { type: "start" })
      .at(100, exit(1))
      .clear()
      .at(1099, { type: "tick" });
    expect(sim.spawns).toBe(0);
    sim.at(1100, { type: "tick" });
    expect(sim.spawns).toBe(1);
  });

  test("BACKOFF → FATAL after startretries + 1 attempts (startretries=0: one attempt)", () => {
    const sim = new Sim({ ...RULES, startretries: 0 }).at(0, { type: "start" }).at(10, exit(1));
    expect(sim.state).toBe("FATAL");
    expect(sim.spawns).toBe(1);
  });

  test("a spawn error is BACKOFF with spawnerr, and counts against startretries", () => {
    let sim = new Sim({ ...RULES, startretries: 1 });
    sim.status = reduce(sim.status, { type: "start" }, sim.rules, 0).status;
    sim = sim.at(0, { type: "spawn-failed", message: "can't find command 'nope'" });
    expect(sim.state).toBe("BACKOFF");
    expect(sim.status.spawnerr).toBe("can't find command 'nope'");
    expect(sim.logs).toEqual(["spawnerr: can't find command 'nope'"]);
    sim.status = reduce(sim.status, { type: "tick" }, sim.rules, 1000).status;
    sim.at(1000, { type: "spawn-failed", message: "can't find command 'nope'" });
    expect(sim.state).toBe("FATAL");
  });

  test("FATAL restarts only on request, with a fresh count of retries", () => {
    const sim = new Sim({ ...RULES, startretries: 0 }).at(0, { type: "start" }).at(10, exit(1));
    sim.clear().at(60_000, { type: "tick" });
    expect(sim.spawns).toBe(0);
    sim.at(60_000, { type: "start" });
    expect(sim.state).toBe("STARTING");
    expect(sim.status.backoff).toBe(0);
  });
});

describe("exits from RUNNING", () => {
  test("RUNNING → EXITED with an expected code: no restart with autorestart=unexpected", () => {
    const sim = running().at(5000, exit(0));
    expect(sim.state).toBe("EXITED");
    expect(sim.logs.at(-1)).toBe("exited: web (exit status 0; expected)");
    expect(sim.spawns).toBe(1);
  });

  test("RUNNING → EXITED → STARTING at once with an unexpected code (autorestart=unexpected)", () => {
    const sim = running().clear().at(5000, exit(3));
    expect(sim.logs).toEqual([
      "exited: web (exit status 3; not expected)",
      "spawned: 'web' with pid 101",
    ]);
    expect(sim.state).toBe("STARTING");
    expect(sim.status.laststart).toBe(5000);
  });

  test("autorestart=true restarts whatever the code", () => {
    const sim = running({ ...RULES, autorestart: "true" }).at(5000, exit(0));
    expect(sim.state).toBe("STARTING");
  });

  test("autorestart=false never restarts, even an unexpected code", () => {
    const sim = running({ ...RULES, autorestart: "false" }).at(5000, exit(3));
    expect(sim.state).toBe("EXITED");
    expect(sim.status.spawnerr).toBe("Bad exit code 3");
  });

  test("exitcodes decide what is expected", () => {
    const sim = running({ ...RULES, exitcodes: [0, 2] }).at(5000, exit(2));
    expect(sim.state).toBe("EXITED");
  });

  test("death by a signal is exit status -1, never expected", () => {
    const sim = running({ ...RULES, autorestart: "false" }).at(5000, killedBy(9));
    expect(sim.logs.at(-1)).toBe("exited: web (terminated by SIGKILL; not expected)");
    expect(sim.status.exitstatus).toBe(-1);
  });

  test("an exit from RUNNING resets the backoff count", () => {
    const sim = new Sim().at(0, { type: "start" }).at(100, exit(1)).at(1100, { type: "tick" });
    expect(sim.status.backoff).toBe(1);
    sim.at(2100, { type: "tick" }).at(9000, exit(1));
    expect(sim.status.backoff).toBe(0);
  });

  test("EXITED restarts only on request", () => {
    const sim = running({ ...RULES, autorestart: "false" })
      .at(5000, exit(0))
      .clear()
      .at(9000, { type: "tick" });
    expect(sim.spawns).toBe(0);
    sim.at(9000, { type: "start" });
    expect(sim.state).toBe("STARTING");
  });
});

describe("stopping", () => {
  test("RUNNING → STOPPING: stopsignal to the process, SIGKILL deadline at stopwaitsecs", () => {
    const sim = running({ ...RULES, stopsignal: 3 })
      .clear()
      .at(2000, { type: "stop" });
    expect(sim.state).toBe("STOPPING");
    expect(sim.signals).toEqual([[3, false]]);
    expect(sim.status.delay).toBe(12_000);
  });

  test("stopasgroup: the stop signal goes to the process group", () => {
    const sim = running({ ...RULES, stopasgroup: true, killasgroup: true })
      .clear()
      .at(2000, { type: "stop" });
    expect(sim.signals).toEqual([[15, true]]);
  });

  test("STOPPING → STOPPED on exit: logged, never restarted", () => {
    const sim = running({ ...RULES, autorestart: "true" })
      .at(2000, { type: "stop" })
      .clear()
      .at(2100, killedBy(15));
    expect(sim.state).toBe("STOPPED");
    expect(sim.spawns).toBe(0);
    expect(sim.logs).toEqual(["stopped: web (terminated by SIGTERM)"]);
  });

  test("stopped with an expected exit code is logged as info, else warn", () => {
    const ok = running().at(2000, { type: "stop" }).clear().at(2100, exit(0));
    expect(ok.effects.find((e) => e.type === "log")).toMatchObject({
      level: "info",
      message: "stopped: web (exit status 0)",
    });
    const bad = running().at(2000, { type: "stop" }).clear().at(2100, exit(1));
    expect(bad.effects.find((e) => e.type === "log")).toMatchObject({ level: "warn" });
  });

  test("STOPPING past stopwaitsecs: SIGKILL to the process (killasgroup=false)", () => {
    const sim = running().at(2000, { type: "stop" }).clear().at(12_000, { type: "tick" });
    expect(sim.logs).toEqual(["killing 'web' (100) with SIGKILL"]);
    expect(sim.signals).toEqual([[9, false]]);
  });

  test("SIGKILL goes to the group with killasgroup, or with stopasgroup", () => {
    const kill = running({ ...RULES, killasgroup: true }).at(2000, { type: "stop" });
    expect(kill.signals).toEqual([[15, false]]);
    kill.clear().at(12_000, { type: "tick" });
    expect(kill.signals).toEqual([[9, true]]);
    const stop = running({ ...RULES, stopasgroup: true, killasgroup: true })
      .at(2000, { type: "stop" })
      .clear();
    stop.at(12_000, { type: "tick" });
    expect(stop.signals).toEqual([[9, true]]);
  });

  test("while STOPPING, 'waiting for web to stop' every 2 s", () => {
    const sim = running().at(2000, { type: "stop" }).clear();
    for (let now = 2500; now < 12_000; now += 500) sim.at(now, { type: "tick" });
    expect(sim.logs).toEqual(Array(4).fill("waiting for web to stop"));
  });

  test("a SIGKILL that does not end it is repeated after another stopwaitsecs", () => {
    const sim = running({ ...RULES, stopwaitsecs: 1 })
      .at(2000, { type: "stop" })
      .at(3000, { type: "tick" });
    sim.clear().at(4000, { type: "tick" });
    expect(sim.signals).toEqual([[9, false]]);
  });

  test("stopping a BACKOFF program → STOPPED at once, and it is not retried", () => {
    const sim = new Sim()
      .at(0, { type: "start" })
      .at(100, exit(1))
      .clear()
      .at(200, { type: "stop" });
    expect(sim.state).toBe("STOPPED");
    expect(sim.signals).toEqual([]);
    sim.at(5000, { type: "tick" });
    expect(sim.spawns).toBe(0);
  });

  test("shutdown of a BACKOFF program gives up: BACKOFF → FATAL (supervisord's stop_all)", () => {
    const sim = new Sim().at(0, { type: "start" }).at(100, exit(1)).at(200, { type: "shutdown" });
    expect(sim.state).toBe("FATAL");
  });

  test("stop of STOPPED, EXITED or FATAL does nothing", () => {
    for (const sim of [new Sim(), running({ ...RULES, autorestart: "false" }).at(3000, exit(0))]) {
      sim.clear().at(5000, { type: "stop" });
      expect(sim.effects).toEqual([]);
    }
  });

  test("kill: SIGKILL at once (a second TERM at shutdown)", () => {
    const sim = running().at(2000, { type: "shutdown" }).clear().at(2500, { type: "kill" });
    expect(sim.signals).toEqual([[9, false]]);
    const fresh = running().clear().at(2000, { type: "kill" });
    expect(fresh.state).toBe("STOPPING");
    expect(fresh.signals).toEqual([[9, false]]);
  });

  test("a stop during STARTING stops it; its exit is STOPPED, not BACKOFF", () => {
    const sim = new Sim().at(0, { type: "start" }).at(100, { type: "stop" }).at(150, exit(0));
    expect(sim.state).toBe("STOPPED");
  });
});

describe("state effects", () => {
  test("every change of state is reported, with expected for EXITED", () => {
    const sim = running().at(5000, exit(0));
    const changes = sim.effects.flatMap((e) =>
      e.type === "state" ? [[e.from, e.to, e.expected]] : [],
    );
    expect(changes).toEqual([
      ["STOPPED", "STARTING", undefined],
      ["STARTING", "RUNNING", undefined],
      ["RUNNING", "EXITED", true],
    ]);
  });
});

describe("during shutdown", () => {
  const SHUTDOWN = { shuttingDown: true };

  test("an exit from RUNNING is not restarted, whatever autorestart says", () => {
    const sim = running({ ...RULES, autorestart: "true" });
    const step = reduce(sim.status, exit(0), sim.rules, 5000, SHUTDOWN);
    expect(step.status.state).toBe("EXITED");
    expect(step.effects.some((e) => e.type === "spawn")).toBe(false);
  });

  test("BACKOFF is not retried, and start requests are refused", () => {
    const sim = new Sim().at(0, { type: "start" }).at(100, exit(1));
    expect(reduce(sim.status, { type: "tick" }, sim.rules, 5000, SHUTDOWN).effects).toEqual([]);
    const stopped = new Sim();
    expect(reduce(stopped.status, { type: "start" }, stopped.rules, 0, SHUTDOWN).effects).toEqual(
      [],
    );
  });
});

describe("stop reports", () => {
  test("at shutdown no per-process 'waiting for web to stop' (the supervisor reports them together)", () => {
    const sim = running().at(2000, { type: "shutdown" }).clear();
    const step = reduce(sim.status, { type: "tick" }, sim.rules, 4500, { shuttingDown: true });
    expect(step.effects.filter((e) => e.type === "log")).toEqual([]);
  });

  test("at shutdown the next wake is still ahead of now, never a busy loop of past wakes", () => {
    const sim = running().at(2000, { type: "shutdown" }).clear();
    const step = reduce(sim.status, { type: "tick" }, sim.rules, 4500, { shuttingDown: true });
    const wakes = step.effects.flatMap((e) => (e.type === "wake" ? [e.at] : []));
    expect(wakes.length).toBeGreaterThan(0);
    for (const at of wakes) expect(at).toBeGreaterThan(4500);
  });
});
