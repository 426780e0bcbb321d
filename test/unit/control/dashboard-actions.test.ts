// The dashboard's reads and buttons over the real command layer and a fake
// supervisor: an action's body checked; start, stop, restart and signal on
// a process, a group and all, carried out as supervisorctl's calls, with
// supervisord's fault strings when they fail; the table's rows (last exit,
// readiness, backoff) and one process's details (dependencies both ways,
// checks, readiness history, effective settings).

import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { lastExitText } from "../../../src/control/commands/dashboard-methods.ts";
import { CommandLayer } from "../../../src/control/commands/index.ts";
import { parseAction, runAction } from "../../../src/control/dashboard-actions.ts";
import type { Call } from "../../../src/control/http-server.ts";
import type {
  ActionRequest,
  DashboardProcess,
  ProcessDetails,
} from "../../../src/protocol/dashboard.ts";
import { FakeSupervisor, groupsOf, removeConfigFiles } from "./fake-supervisor.ts";

afterAll(removeConfigFiles);

const NOW = 1_700_000_000_000;

const GROUPS = groupsOf(`
[program:web]
command=/bin/cat
depends_on=db:ready
ready_check=tcp:8080
live_check=tcp:8080
[program:db]
command=/bin/cat
redirect_stderr=true
environment=DB_PASSWORD="hunter2",PGPORT="5432"
[program:migrate]
command=/bin/true
autorestart=false
[group:workers]
programs=w1,w2
[program:w1]
command=/bin/cat
depends_on=migrate:done
[program:w2]
command=/bin/cat
depends_on=workers:w1
`);

let fake: FakeSupervisor;
let call: Call;

beforeEach(() => {
  fake = new FakeSupervisor(GROUPS);
  // Starts succeed at once, as a program with startsecs=0.
  fake.onStart = (process) =>
    fake.move(process, { state: "RUNNING", pid: 500 + fake.calls.length, laststart: NOW });
  fake.onStop = (process) => {
    fake.move(process, { state: "STOPPED", pid: 0, laststop: NOW });
    return undefined;
  };
  const layer = new CommandLayer(fake, { tendVersion: "9.9.9", now: () => NOW });
  call = (method, params, context) => layer.call(method, params, context);
});

const act = (request: ActionRequest) => runAction(request, call, new AbortController().signal);

function runEverything(): void {
  for (const name of ["web", "db", "migrate", "workers:w1", "workers:w2"])
    fake.set(name, { state: "RUNNING", pid: 100, laststart: NOW - 5000 });
}

describe("an action's body", () => {
  test.each([
    ["not json", /JSON|Unexpected|parse/i],
    ["[]", /action must be one of start, stop, restart, signal/],
    ['{"action":"kill","target":"web"}', /action must be one of/],
    ['{"action":"stop"}', /target must be a name, group:\* or all/],
    ['{"action":"stop","target":""}', /target must be/],
    ['{"action":"signal","target":"web"}', /signal needs a signal/],
  ])("%s is refused: %s", (body, why) => {
    const parsed = parseAction(body);
    expect(typeof parsed).toBe("string");
    expect(parsed as string).toMatch(why);
  });

  test("a good one, a signal by number kept as text for the command layer", () => {
    expect(parseAction('{"action":"restart","target":"workers:*"}')).toEqual({
      action: "restart",
      target: "workers:*",
    });
    expect(parseAction('{"action":"signal","target":"all","signal":1}')).toEqual({
      action: "signal",
      target: "all",
      signal: "1",
    });
  });
});

describe("actions, as supervisorctl carries them out", () => {
  test("stop and start one process; the second stop fails with NOT_RUNNING", async () => {
    runEverything();
    expect(await act({ action: "stop", target: "web" })).toEqual({
      ok: true,
      results: [{ namespec: "web", ok: true, message: "" }],
    });
    expect(fake.process("web").status.state).toBe("STOPPED");
    expect(await act({ action: "stop", target: "web" })).toEqual({
      ok: false,
      results: [{ namespec: "web", ok: false, message: "NOT_RUNNING: web" }],
    });
    expect(await act({ action: "start", target: "web" })).toMatchObject({ ok: true });
    expect(fake.process("web").status.state).toBe("RUNNING");
    expect(await act({ action: "start", target: "web" })).toEqual({
      ok: false,
      results: [{ namespec: "web", ok: false, message: "ALREADY_STARTED: web" }],
    });
  });

  test("a start waits for the outcome: one that dies at once comes back as supervisord's fault", async () => {
    fake.onStart = (process) => {
      fake.move(process, { state: "STARTING", pid: 9, laststart: NOW });
      setTimeout(() => fake.move(process, { state: "BACKOFF", pid: 0, spawnerr: "it died" }), 5);
    };
    const reply = await act({ action: "start", target: "db" });
    expect(reply.ok).toBe(false);
    expect(reply.results[0]?.message).toMatch(/^(SPAWN_ERROR|ABNORMAL_TERMINATION): db$/);
  });

  test("restart: a stop then a start; a process that was not running is just started", async () => {
    runEverything();
    fake.set("db", { state: "STOPPED", pid: 0 });
    expect(await act({ action: "restart", target: "web" })).toMatchObject({ ok: true });
    expect(await act({ action: "restart", target: "db" })).toMatchObject({ ok: true });
    expect(fake.calls).toEqual(["stop web", "start web", "start db"]);
  });

  test("a restart whose page goes away during the stop is seen through: the start follows", async () => {
    runEverything();
    let stopped: () => void = () => {};
    fake.onStop = (process) => {
      fake.move(process, { state: "STOPPING" });
      stopped = () => fake.move(process, { state: "STOPPED", pid: 0, laststop: NOW });
      return undefined;
    };
    const page = new AbortController();
    const reply = runAction({ action: "restart", target: "web" }, call, page.signal);
    await Bun.sleep(5);
    page.abort();
    await Bun.sleep(5);
    stopped();
    await reply;
    expect(fake.calls).toEqual(["stop web", "start web"]);
    expect(fake.process("web").status.state).toBe("RUNNING");
  });

  test("a group and all: one result per process, the start's when restarting", async () => {
    runEverything();
    fake.set("workers:w2", { state: "STOPPED", pid: 0 });
    // supervisord's stopProcessGroup answers for the processes it stopped.
    const stopped = await act({ action: "stop", target: "workers:*" });
    expect(stopped).toEqual({
      ok: true,
      results: [{ namespec: "workers:w1", ok: true, message: "OK" }],
    });
    fake.onSignal = (process) => (process.namespec === "db" ? "no such process" : undefined);
    const signalled = await act({ action: "signal", target: "all", signal: "HUP" });
    expect(signalled.ok).toBe(false);
    expect(signalled.results.find((r) => r.namespec === "db")).toEqual({
      namespec: "db",
      ok: false,
      message: "FAILED: no such process",
    });
    const restarted = await act({ action: "restart", target: "all" });
    expect(restarted.ok).toBe(true);
    expect(restarted.results.map((r) => r.namespec).sort()).toEqual([
      "db",
      "migrate",
      "web",
      "workers:w1",
      "workers:w2",
    ]);
  });

  test("signal: by name to a process, a group, all; a bad signal is BAD_SIGNAL", async () => {
    runEverything();
    expect(await act({ action: "signal", target: "web", signal: "HUP" })).toMatchObject({
      ok: true,
    });
    expect((await act({ action: "signal", target: "workers:*", signal: "USR1" })).ok).toBe(true);
    expect((await act({ action: "signal", target: "all", signal: "USR2" })).ok).toBe(true);
    const sent = fake.calls.filter((c) => c.startsWith("signal"));
    expect(sent.slice(0, 3)).toEqual([
      "signal web 1",
      "signal workers:w1 10",
      "signal workers:w2 10",
    ]);
    expect(sent.slice(3).sort()).toEqual(
      ["db", "migrate", "web", "workers:w1", "workers:w2"].map((name) => `signal ${name} 12`),
    );
    expect(await act({ action: "signal", target: "web", signal: "NOPE" })).toEqual({
      ok: false,
      results: [{ namespec: "web", ok: false, message: "BAD_SIGNAL: NOPE" }],
    });
  });

  test("a name tend does not know: the whole action refused with BAD_NAME", async () => {
    expect(await act({ action: "start", target: "nope:*" })).toEqual({
      ok: false,
      results: [],
      fault: "BAD_NAME: nope",
    });
    expect(await act({ action: "stop", target: "nope" })).toEqual({
      ok: false,
      results: [{ namespec: "nope", ok: false, message: "BAD_NAME: nope" }],
    });
  });

  test("while tend shuts down: SHUTDOWN_STATE", async () => {
    fake.supervisorState = "SHUTDOWN";
    expect((await act({ action: "start", target: "all" })).fault).toBe("SHUTDOWN_STATE");
  });
});

describe("what the dashboard reads", () => {
  const rows = async () =>
    ((await call("tend.getDashboard", [], {})) as unknown as { processes: DashboardProcess[] })
      .processes;

  test("rows: readiness and why not, the next try in BACKOFF, last exit", async () => {
    fake.set("db", { state: "RUNNING", pid: 7, laststart: NOW - 65_000 });
    fake.set("web", { state: "BACKOFF", delay: NOW + 3000, spawnerr: "Exited too quickly" });
    const byName = new Map((await rows()).map((row) => [row.namespec, row]));
    expect(byName.get("db")).toMatchObject({
      statename: "RUNNING",
      ready: true,
      readiness: "",
      description: "pid 7, uptime 0:01:05",
      nextTry: 0,
      readyCheck: "",
    });
    expect(byName.get("web")).toMatchObject({
      statename: "BACKOFF",
      ready: false,
      readiness: "BACKOFF: Exited too quickly",
      nextTry: NOW + 3000,
      readyCheck: "tcp:8080",
    });
    // migrate is waited for with :done: running is not ready for it.
    fake.set("migrate", { state: "RUNNING", pid: 8 });
    expect((await rows()).find((r) => r.namespec === "migrate")?.readiness).toBe(
      "running, not done yet",
    );
  });

  test.each([
    [undefined, ""],
    [{ kind: "exited", code: 0 } as const, "exit 0"],
    [{ kind: "exited", code: 3 } as const, "exit 3 (unexpected)"],
    [{ kind: "signaled", signal: 9 } as const, "killed by SIGKILL"],
  ])("last exit %o reads %p", (exit, text) => {
    expect(lastExitText(exit, [0])).toBe(text);
  });

  test("details: what it waits for and what waits for it, checks, history, settings, streams", async () => {
    fake.set("db", { state: "RUNNING", pid: 7, ready: false });
    const probed = fake.process("web");
    probed.checkResults.ready.failure = 2;
    probed.checkResults.ready.success = 1;
    probed.recentChecks.ready.push(
      { at: NOW - 2000, ok: false, message: "connection refused" },
      { at: NOW - 1000, ok: true, message: "" },
    );
    const web = (await call("tend.getProcessDetails", ["web"], {})) as unknown as ProcessDetails;
    expect(web.dependsOn).toEqual([{ target: "db", condition: "ready", outcome: "waiting" }]);
    expect(web.neededBy).toEqual([]);
    expect(web.checks).toEqual([
      {
        which: "ready",
        spec: "tcp:8080",
        successes: 1,
        failures: 2,
        recent: [
          { at: NOW - 2000, ok: false, message: "connection refused" },
          { at: NOW - 1000, ok: true, message: "" },
        ],
      },
      { which: "live", spec: "tcp:8080", successes: 0, failures: 0, recent: [] },
    ]);
    expect(web.config).toStartWith("[program:web]\ncommand=/bin/cat\n");
    expect(web.config).toContain("\ndepends_on=db:ready\n");
    expect(web.streams).toEqual(["stdout", "stderr"]);

    const db = (await call("tend.getProcessDetails", ["db"], {})) as unknown as ProcessDetails;
    expect(db.neededBy).toEqual([{ namespec: "web", condition: "ready" }]);
    // The environment's names, never its values (passwords and tokens go there).
    expect(db.config).toContain('\nenvironment=DB_PASSWORD="(hidden)",PGPORT="(hidden)"\n');
    expect(db.config).not.toContain("hunter2");
    expect(db.streams).toEqual(["stdout"]);

    fake.set("migrate", { state: "EXITED", exitstatus: 0 });
    const w1 = (await call(
      "tend.getProcessDetails",
      ["workers:w1"],
      {},
    )) as unknown as ProcessDetails;
    expect(w1.dependsOn).toEqual([{ target: "migrate", condition: "done", outcome: "met" }]);
    expect(w1.neededBy).toEqual([{ namespec: "workers:w2", condition: "started" }]);
    fake.set("migrate", { state: "FATAL" });
    const failed = (await call(
      "tend.getProcessDetails",
      ["workers:w1"],
      {},
    )) as unknown as ProcessDetails;
    expect(failed.dependsOn[0]?.outcome).toBe("failed");
  });

  test("details of a name tend does not know: BAD_NAME", async () => {
    await expect(call("tend.getProcessDetails", ["nope"], {})).rejects.toThrow("BAD_NAME: nope");
  });
});
