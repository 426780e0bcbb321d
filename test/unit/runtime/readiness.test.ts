// The engine carrying out tend's rules through its ports: when probes run
// and what their results do, push notices, programs waiting for their
// dependencies, starts that bring dependencies up, the shutdown order, and an
// update that changes checks or dependencies of a running process. Fake
// processes, fake probes the test answers, a clock the test moves.

import { afterAll, describe, expect, test } from "bun:test";
import { Engine } from "../../../src/runtime/engine.ts";
import type { Slot } from "../../../src/runtime/slot.ts";
import { configOf, type Fakes, fakePorts, removeConfigFiles, settle } from "./fake-ports.ts";

afterAll(removeConfigFiles);

function engineOf(ini: string): Fakes & { engine: Engine } {
  const fakes = fakePorts();
  return { ...fakes, engine: new Engine(configOf(ini).groups, fakes.ports) };
}

const slotOf = (engine: Engine, namespec: string): Slot => {
  const found = engine.slotNamed(namespec);
  if (!found) throw new Error(`no slot ${namespec}`);
  return found;
};
const state = (engine: Engine, namespec: string) => slotOf(engine, namespec).status.state;

describe("polled ready checks", () => {
  const INI =
    "[program:db]\ncommand=/bin/db\nready_check=tcp:5432\nready_initial_delay=0.5\nready_period=2\nready_timeout=1.5\nstartsecs=30\n";

  test("the first probe after ready_initial_delay, with ready_timeout; none before the spawn", () => {
    const { engine, probes, time } = engineOf(INI);
    expect(probes.started).toEqual([]);
    engine.startAutostart();
    time.advance(499);
    expect(probes.started).toEqual([]);
    time.advance(1);
    expect(probes.pending).toHaveLength(1);
    expect(probes.pending[0]?.timeoutMs).toBe(1500);
    expect(probes.pending[0]?.check.text).toBe("tcp:5432");
  });

  test("a pass makes it RUNNING and ready at once; probes go on every period after", async () => {
    const { engine, probes, time, lines } = engineOf(INI);
    engine.startAutostart();
    time.advance(500);
    probes.answer("db", true);
    await settle();
    expect(slotOf(engine, "db").status).toMatchObject({ state: "RUNNING", ready: true });
    expect(lines.at(-1)).toBe("INFO success: db entered RUNNING state, ready (tcp:5432)");
    time.advance(1999);
    expect(probes.pending).toHaveLength(0);
    time.advance(1);
    expect(probes.pending).toHaveLength(1);
  });

  test("until the first pass, a failed probe is repeated after a tenth of ready_period", async () => {
    const { engine, probes, time } = engineOf(INI);
    engine.startAutostart();
    time.advance(500);
    probes.answer("db", false);
    await settle();
    time.advance(199);
    expect(probes.pending).toHaveLength(0);
    time.advance(1);
    expect(probes.pending).toHaveLength(1);
    probes.answer("db", true);
    await settle();
    // Ready: back to every ready_period.
    time.advance(1999);
    expect(probes.pending).toHaveLength(0);
    time.advance(1);
    expect(probes.pending).toHaveLength(1);
  });

  test("never two probes of one check at once: the next waits for the slow one", async () => {
    const { engine, probes, time } = engineOf(INI);
    engine.startAutostart();
    time.advance(500);
    time.advance(10_000);
    expect(probes.pending).toHaveLength(1);
    probes.answer("db", false);
    await settle();
    // It took longer than the period: the next one at once.
    time.advance(0);
    expect(probes.pending).toHaveLength(1);
  });

  test("a result that comes back after the process ended is dropped", async () => {
    const { engine, probes, processes, time } = engineOf(INI);
    engine.startAutostart();
    time.advance(500);
    processes.latest("db").exit(1);
    await settle();
    expect(state(engine, "db")).toBe("BACKOFF");
    probes.answer("db", true);
    await settle();
    expect(state(engine, "db")).toBe("BACKOFF");
  });

  test("no probe once it is stopping; none left behind once it stopped", async () => {
    const { engine, probes, processes, time } = engineOf(INI);
    engine.startAutostart();
    time.advance(500);
    probes.answer("db", true);
    await settle();
    engine.stop(slotOf(engine, "db"));
    time.advance(5000);
    expect(probes.pending).toHaveLength(0);
    await settle();
    expect(processes.latest("db").ended).toBe(true);
    expect(time.pending).toBe(0);
  });
});

describe("live checks", () => {
  const INI =
    "[program:web]\ncommand=/bin/web\nlive_check=http://127.0.0.1:8080/healthz\nlive_period=5\nlive_initial_delay=10\nlive_failure_threshold=2\n";

  test("only while RUNNING, from live_initial_delay after RUNNING began", () => {
    const { engine, probes, time } = engineOf(INI);
    engine.startAutostart();
    time.advance(999);
    expect(probes.started).toEqual([]);
    time.advance(1); // RUNNING after startsecs=1
    time.advance(9999);
    expect(probes.started).toEqual([]);
    time.advance(1);
    expect(probes.started).toEqual(["web"]);
  });

  test("startsecs=0 (RUNNING at the spawn): probed from live_initial_delay all the same", () => {
    const { engine, probes, time } = engineOf(`${INI}startsecs=0\n`);
    engine.startAutostart();
    expect(slotOf(engine, "web").status.state).toBe("RUNNING");
    time.advance(9999);
    expect(probes.started).toEqual([]);
    time.advance(1);
    expect(probes.started).toEqual(["web"]);
  });

  test("failure_threshold failures: restarted through the stop sequence", async () => {
    const { engine, probes, processes, time, lines } = engineOf(INI);
    engine.startAutostart();
    time.advance(11_000);
    probes.answer("web", false, "HTTP 503");
    await settle();
    time.advance(5000);
    probes.answer("web", false, "HTTP 503");
    await settle();
    expect(lines).toContain(
      "WARN unhealthy: web failed its liveness check 2 times in a row (http://127.0.0.1:8080/healthz: HTTP 503); restarting it",
    );
    await settle();
    // The fake process ends on SIGTERM; it is started again at once.
    expect(processes.spawned).toHaveLength(2);
    expect(slotOf(engine, "web").status).toMatchObject({ state: "STARTING", restarts: 1 });
  });
});

describe("push and log checks", () => {
  test("notify: READY=1 makes it RUNNING; STATUS= text is its note", () => {
    const { engine, processes } = engineOf(
      "[program:pg]\ncommand=/bin/pg\nready_check=notify\nstartsecs=60\n",
    );
    engine.startAutostart();
    const pg = processes.latest("pg");
    pg.say({ kind: "status", text: "recovering" });
    expect(slotOf(engine, "pg").note).toBe("recovering");
    expect(state(engine, "pg")).toBe("STARTING");
    pg.say({ kind: "ready" });
    expect(slotOf(engine, "pg").status).toMatchObject({ state: "RUNNING", ready: true });
  });

  test("log:REGEX with ready_success_threshold=2: the first matching line is enough (one event, not a poll)", () => {
    const { engine } = engineOf(
      "[program:app]\ncommand=/bin/app\nready_check=log:listening\nready_success_threshold=2\nstartsecs=60\n",
    );
    engine.startAutostart();
    const app = slotOf(engine, "app");
    engine.checks.outputLine(app, "listening", app.status.pid);
    expect(app.status).toMatchObject({ state: "RUNNING", ready: true });
  });

  test("log:REGEX: the first matching line makes it ready; lines of an old process do not count", () => {
    const { engine, processes } = engineOf(
      "[program:app]\ncommand=/bin/app\nready_check=log:listening on \\d+\nstartsecs=60\n",
    );
    engine.startAutostart();
    const app = slotOf(engine, "app");
    const { pid } = app.status;
    // A process of an earlier spawn (or one it left behind) still writing to its pipe.
    const old = pid - 1;
    expect(engine.checks.wantsOutput(app, pid)).toBe(true);
    expect(engine.checks.wantsOutput(app, old)).toBe(false);
    engine.checks.outputLine(app, "listening on 8079", old);
    engine.checks.outputLine(app, "starting up", pid);
    expect(app.status.state).toBe("STARTING");
    engine.checks.outputLine(app, "listening on 8080", pid);
    expect(app.status).toMatchObject({ state: "RUNNING", ready: true });
    expect(engine.checks.wantsOutput(app, pid)).toBe(false);
    expect(processes.spawned).toHaveLength(1);
  });
});

describe("dependencies", () => {
  const CHAIN =
    "[program:db]\ncommand=/bin/db\nready_check=tcp:5432\nstartsecs=30\npriority=900\n" +
    "[program:migrate]\ncommand=/bin/migrate\nstartsecs=0\nautorestart=false\ndepends_on=db:ready\n" +
    "[program:web]\ncommand=/bin/web\ndepends_on=migrate:done, db\npriority=1\n";

  test("each waits, STARTING with pid 0, until what it depends on is there", async () => {
    const { engine, probes, processes, time } = engineOf(CHAIN);
    engine.startAutostart();
    // web has the lowest priority number, so it is started first: it waits.
    expect(processes.spawned.map((p) => p.config.name)).toEqual(["db"]);
    expect(slotOf(engine, "web").status).toMatchObject({
      state: "STARTING",
      pid: 0,
      waiting: { name: "migrate", condition: "done" },
    });
    expect(slotOf(engine, "migrate").status.waiting).toMatchObject({
      name: "db",
      condition: "ready",
    });
    time.advance(0);
    probes.answer("db", true);
    await settle();
    expect(processes.spawned.map((p) => p.config.name)).toEqual(["db", "migrate"]);
    processes.latest("migrate").exit(0);
    await settle();
    expect(state(engine, "migrate")).toBe("EXITED");
    expect(processes.spawned.map((p) => p.config.name)).toEqual(["db", "migrate", "web"]);
  });

  test("a done dependency that fails makes its waiting dependents FATAL at once", async () => {
    const { engine, probes, processes, time, lines } = engineOf(CHAIN);
    engine.startAutostart();
    time.advance(0);
    probes.answer("db", true);
    await settle();
    processes.latest("migrate").exit(3);
    await settle();
    expect(slotOf(engine, "web").status).toMatchObject({
      state: "FATAL",
      spawnerr: "dependency migrate failed",
    });
    expect(lines).toContain("INFO gave up: web entered FATAL state, dependency migrate failed");
  });

  test("among the ones freed together, priority orders the spawns", async () => {
    const { engine, processes } = engineOf(
      "[program:base]\ncommand=/bin/base\nstartsecs=0\npriority=999\n" +
        "[program:b]\ncommand=/bin/b\ndepends_on=base\npriority=20\n" +
        "[program:a]\ncommand=/bin/a\ndepends_on=base\npriority=10\n",
    );
    engine.startAutostart();
    await settle();
    expect(processes.spawned.map((p) => p.config.name)).toEqual(["base", "a", "b"]);
  });

  test("depends_timeout: FATAL naming the dependency and the wait", () => {
    const { engine, time } = engineOf(
      "[program:db]\ncommand=/bin/db\nautostart=false\n" +
        "[program:web]\ncommand=/bin/web\ndepends_on=db\ndepends_timeout=60\n",
    );
    engine.startAutostart();
    time.advance(60_000);
    expect(slotOf(engine, "web").status).toMatchObject({
      state: "FATAL",
      spawnerr: "dependency db not started after 60 s",
    });
  });

  test("a start by name brings up its stopped dependencies first, deepest first", () => {
    const { engine, processes } = engineOf(
      "[program:db]\ncommand=/bin/db\nautostart=false\nstartsecs=0\n" +
        "[program:cache]\ncommand=/bin/cache\nautostart=false\nstartsecs=0\ndepends_on=db\n" +
        "[program:web]\ncommand=/bin/web\nautostart=false\ndepends_on=cache\n",
    );
    engine.startWithDependencies(slotOf(engine, "web"));
    expect(processes.spawned.map((p) => p.config.name)).toEqual(["db", "cache", "web"]);
  });

  test("a one-shot that is done is not run again by a start of its dependent", () => {
    const { engine, processes } = engineOf(
      "[program:migrate]\ncommand=/bin/migrate\nstartsecs=0\nautorestart=false\n" +
        "[program:web]\ncommand=/bin/web\nautostart=false\ndepends_on=migrate:done\n",
    );
    engine.startAutostart();
    processes.latest("migrate").exit(0);
    return settle().then(() => {
      engine.startWithDependencies(slotOf(engine, "web"));
      expect(processes.spawned.map((p) => p.config.name)).toEqual(["migrate", "web"]);
    });
  });

  test("stopping a dependency does not stop its dependents", async () => {
    const { engine, processes } = engineOf(
      "[program:db]\ncommand=/bin/db\nstartsecs=0\n[program:web]\ncommand=/bin/web\nstartsecs=0\ndepends_on=db\n",
    );
    engine.startAutostart();
    engine.stop(slotOf(engine, "db"));
    await settle();
    expect(state(engine, "db")).toBe("STOPPED");
    expect(state(engine, "web")).toBe("RUNNING");
    expect(processes.latest("web").ended).toBe(false);
  });

  test("the shutdown order: dependents first, then by priority", () => {
    const { engine } = engineOf(
      "[program:db]\ncommand=/bin/db\npriority=999\n" +
        "[program:web]\ncommand=/bin/web\ndepends_on=db\npriority=1\n" +
        "[program:cron]\ncommand=/bin/cron\npriority=500\n",
    );
    const levels = engine.dependencies.stopOrder(engine.slots, (slot) => slot.config.priority);
    expect(levels.map((level) => level.map((slot) => slot.namespec))).toEqual([
      ["cron"],
      ["web"],
      ["db"],
    ]);
  });
});

describe("an update of checks and dependencies", () => {
  test("a changed check applies to the running process: same pid, new probes", async () => {
    const { engine, probes, processes, time } = engineOf(
      "[program:web]\ncommand=/bin/web\nstartsecs=0\n",
    );
    engine.startAutostart();
    const pid = processes.latest("web").pid;
    const [group] = configOf(
      "[program:web]\ncommand=/bin/web\nstartsecs=0\nready_check=tcp:8080\nready_period=1\n",
    ).groups;
    if (!group) throw new Error("no group");
    engine.replaceGroup(group);
    expect(slotOf(engine, "web").status.pid).toBe(pid);
    expect(processes.spawned).toHaveLength(1);
    time.advance(0);
    expect(probes.started).toEqual(["web"]);
    for (const _ of [1, 2, 3]) {
      probes.answer("web", false);
      await settle();
      time.advance(1000);
    }
    expect(slotOf(engine, "web").status).toMatchObject({ state: "RUNNING", ready: false });
  });

  test("a ready check taken away while STARTING (startsecs=0, no deadline): RUNNING at once, same pid", () => {
    const { engine, processes } = engineOf(
      "[program:web]\ncommand=/bin/web\nstartsecs=0\nready_check=tcp:8080\n",
    );
    engine.startAutostart();
    expect(slotOf(engine, "web").status.state).toBe("STARTING");
    const [group] = configOf("[program:web]\ncommand=/bin/web\nstartsecs=0\n").groups;
    if (!group) throw new Error("no group");
    engine.replaceGroup(group);
    expect(slotOf(engine, "web").status).toMatchObject({ state: "RUNNING", ready: true });
    expect(processes.spawned).toHaveLength(1);
  });

  test("a waiting process whose depends_on no longer holds it back is spawned", () => {
    const { engine, processes } = engineOf(
      "[program:db]\ncommand=/bin/db\nautostart=false\n[program:web]\ncommand=/bin/web\ndepends_on=db\n",
    );
    engine.startAutostart();
    expect(processes.spawned).toHaveLength(0);
    const groups = configOf(
      "[program:db]\ncommand=/bin/db\nautostart=false\n[program:web]\ncommand=/bin/web\n",
    ).groups;
    const web = groups.find((group) => group.name === "web");
    if (!web) throw new Error("no web");
    engine.replaceGroup(web);
    // depends_on is no longer a reason to wait; the slot was kept (same run).
    expect(processes.spawned.map((p) => p.config.name)).toEqual(["web"]);
  });
});

describe("what the dashboard hears", () => {
  const INI =
    "[program:db]\ncommand=/bin/db\nready_check=tcp:5432\nready_period=1\nready_failure_threshold=1\nstartsecs=30\n[program:web]\ncommand=/bin/web\ndepends_on=db:ready\n";

  test("a change of why it is not ready is told, though neither state nor readiness changed", async () => {
    const { engine, probes, time } = engineOf(INI);
    const told: string[] = [];
    engine.onChange((slot) => told.push(`${slot.namespec} ${slot.status.checkMessage}`));
    engine.startAutostart();
    told.length = 0;
    time.advance(0);
    probes.answer("db", false, "connection refused");
    await settle();
    expect(told).toEqual(["db connection refused"]);
    time.advance(100);
    probes.answer("db", false, "connection refused");
    await settle();
    expect(told).toEqual(["db connection refused"]); // the same text: nothing to tell
    time.advance(100);
    probes.answer("db", false, "timed out");
    await settle();
    expect(told).toEqual(["db connection refused", "db timed out"]);
  });

  test("a STATUS= text is told", () => {
    const { engine, processes } = engineOf(
      "[program:pg]\ncommand=/bin/pg\nready_check=notify\nstartsecs=60\n",
    );
    engine.startAutostart();
    const told: string[] = [];
    engine.onChange((slot) => told.push(slot.note));
    processes.latest("pg").say({ kind: "status", text: "recovering" });
    processes.latest("pg").say({ kind: "status", text: "recovering" });
    expect(told).toEqual(["recovering"]); // the same text again tells nothing new
    processes.latest("pg").say({ kind: "status", text: "accepting" });
    expect(told).toEqual(["recovering", "accepting"]);
  });

  test("readiness history: each change, with why it was lost, at most the last 20", async () => {
    const { engine, probes, time } = engineOf(INI);
    engine.startAutostart();
    const db = slotOf(engine, "db");
    expect(db.readinessHistory).toEqual([]);
    time.advance(0);
    const start = time.now;
    probes.answer("db", true);
    await settle();
    time.advance(1000);
    probes.answer("db", false, "connection refused");
    await settle();
    expect(db.readinessHistory).toEqual([
      { at: start, ready: true, reason: "" },
      { at: start + 1000, ready: false, reason: "connection refused" },
    ]);
    for (let i = 0; i < 30; i++) {
      time.advance(1000);
      probes.answer("db", i % 2 === 0);
      await settle();
    }
    expect(db.readinessHistory).toHaveLength(20);
    // Each check's last 5 results, with their messages.
    expect(db.recentChecks.ready).toHaveLength(5);
    expect(db.recentChecks.ready.at(-1)).toEqual({
      at: time.now,
      ok: false,
      message: "connection refused",
    });
    expect(db.readinessHistory.at(-1)).toMatchObject({ ready: false });
    // A program without a check: ready when RUNNING, and no longer once stopped.
    const web = slotOf(engine, "web");
    expect(web.readinessHistory.map((e) => e.ready)).toEqual([true]);
  });

  test("readiness history: a change noted once, though it came about in a step inside another", async () => {
    // web waits for db; db's readiness starts web, whose spawn (startsecs=0) makes it ready:
    // three steps of web inside one of db's.
    const { engine, probes, time } = engineOf(
      "[program:db]\ncommand=/bin/db\nready_check=tcp:5432\nstartsecs=30\n[program:web]\ncommand=/bin/web\nstartsecs=0\ndepends_on=db:ready\n",
    );
    engine.startAutostart();
    time.advance(0);
    probes.answer("db", true);
    await settle();
    const web = slotOf(engine, "web");
    expect(web.status).toMatchObject({ state: "RUNNING", ready: true });
    expect(web.readinessHistory.map((e) => e.ready)).toEqual([true]);
  });
});
