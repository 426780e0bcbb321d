// depends_on as a real PID 1 sees it, from outside: each condition
// (started, ready, done, exited), what a waiting program looks like in
// `tend ctl status` and in the real supervisorctl, names as program,
// group:process and group, priority among programs freed together; a failed
// dependency (FATAL at once, critical ends the container, with the one-shot's
// own code when it is the critical one), depends_timeout, `ctl start`
// bringing stopped dependencies up first, the shutdown order (dependents
// first, timed by the programs themselves), `tend ctl wait` on readiness,
// and a reload of checks and dependencies that keeps the running processes.
//
// A ready check is a tcp check on a port this test listens on: opening and
// closing the listener makes a program ready or not ready when the test says.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type CommandResult,
  eventually,
  FIXTURES,
  isAlive,
  launchTend,
  pidNamespaces,
  readLines,
  runCommand,
  supervisor,
  TEND,
  type Tend,
  waitFor,
} from "../harness/index.ts";

if (!pidNamespaces.ok) console.warn(`SKIPPING the dependency tests: ${pidNamespaces.reason}`);
if (!supervisor.ok) console.warn(`SKIPPING the supervisorctl cases: ${supervisor.reason}`);

const TERM_TRAP = `sh ${join(FIXTURES, "term-trap.sh")}`;

interface Info {
  readonly name: string;
  readonly statename: string;
  readonly pid: number;
  readonly description: string;
  readonly spawnerr: string;
  readonly exitstatus: number;
  readonly ready: boolean;
}

function info(tend: Tend, name: string): Promise<Info> {
  return tend.call("supervisor.getProcessInfo", name) as Promise<Info>;
}

/** Until `name` is in `state` (and `also` holds of it); its info then. */
function untilState(
  tend: Tend,
  name: string,
  state: string,
  also: (info: Info) => boolean = () => true,
  ms = 10_000,
): Promise<Info> {
  return eventually(
    async () => {
      const now = await info(tend, name);
      return now.statename === state && also(now) && now;
    },
    `${name} ${state}`,
    ms,
  );
}

/** `tend ctl -s unix://SOCKET ARGS...`. */
function ctl(tend: Tend, args: readonly string[], deadlineMs = 15_000): Promise<CommandResult> {
  return runCommand([TEND, "ctl", "-s", `unix://${tend.socket}`, ...args], { deadlineMs });
}

/** The real supervisorctl 4.2.5 on tend's socket. */
function supervisorctl(tend: Tend, args: readonly string[]): Promise<CommandResult> {
  return runCommand(["supervisorctl", "-s", `unix://${tend.socket}`, ...args], {
    deadlineMs: 15_000,
  });
}

/** The line of `name` in a status table: state and description. */
function statusLine(stdout: string, name: string): string {
  const line = stdout.split("\n").find((l) => l.split(/\s+/)[0] === name);
  if (line === undefined) throw new Error(`no ${name} in:\n${stdout}`);
  return line.split(/\s+/).slice(1).join(" ");
}

/** Both clients' status lines of `name` (supervisorctl's only when installed). */
async function statusLines(tend: Tend, name: string): Promise<string[]> {
  const lines = [statusLine((await ctl(tend, ["status"])).stdout, name)];
  if (supervisor.ok) lines.push(statusLine((await supervisorctl(tend, ["status"])).stdout, name));
  return lines;
}

/** The index in tend's log of the first message that matches. */
function logIndex(tend: Tend, pattern: string | RegExp): number {
  const messages = tend.messages();
  const index = messages.findIndex((m) =>
    typeof pattern === "string" ? m.includes(pattern) : pattern.test(m),
  );
  if (index < 0) throw new Error(`tend never logged ${pattern}:\n${messages.join("\n")}`);
  return index;
}

/** The time (epoch ms) tend logged the first message that matches. */
function logTime(tend: Tend, pattern: string): number {
  const entry = tend.entries().find((e) => e.message.includes(pattern));
  if (!entry) throw new Error(`tend never logged ${pattern}`);
  return entry.time;
}

/** The names in the order tend spawned them. */
function spawnOrder(tend: Tend): string[] {
  return tend
    .messages()
    .map((m) => /^spawned: '([^']+)'/.exec(m)?.[1])
    .filter((name) => name !== undefined);
}

/** A TCP listener on 127.0.0.1 (a free port unless given): a tcp ready check passes while it is open. */
function listen(port = 0) {
  return Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } });
}

/** A port nothing listens on (one that was just free). */
function freePort(): number {
  const server = listen();
  const port = server.port;
  server.stop(true);
  return port;
}

/** Marks a fixture wrote: `NAME EVENT <epoch seconds>`. */
function markTime(path: string, label: string): number {
  const found = readLines(path).filter((line) => line.startsWith(`${label} `));
  if (found.length !== 1) throw new Error(`expected one "${label}" in ${path}: ${found}`);
  return Number(found[0]?.split(" ").at(-1));
}

describe.skipIf(!pidNamespaces.ok)("dependencies with tend as PID 1", () => {
  describe("each condition", () => {
    test.concurrent("started: a dependent waits (STARTING, pid 0, `waiting for db (started)` in tend ctl and supervisorctl) until db is RUNNING, not merely spawned", async () => {
      await using tend = await launchTend({
        programs: `
[program:db]
command=sleep 1000
autostart=false
startsecs=1

[program:web]
command=sleep 1001
startsecs=0
depends_on=db
`,
      });
      // db has autostart=false: nothing starts it for web, which waits.
      const waiting = await untilState(tend, "web", "STARTING");
      expect({ pid: waiting.pid, description: waiting.description }).toEqual({
        pid: 0,
        description: "waiting for db (started)",
      });
      for (const line of await statusLines(tend, "web"))
        expect(line).toBe("STARTING waiting for db (started)");
      expect((await info(tend, "db")).statename).toBe("STOPPED");

      // A stop while waiting: STOPPED at once, stopped now (not on Jan 01 1970).
      expect((await ctl(tend, ["stop", "web"])).stdout).toBe("web: stopped\n");
      const stopped = (await info(tend, "web")) as Info & { stop: number; now: number };
      expect(stopped.statename).toBe("STOPPED");
      expect(Math.abs(stopped.now - stopped.stop)).toBeLessThan(5);

      await tend.call("supervisor.startProcess", "db", false);
      await tend.call("supervisor.startProcess", "web", false);
      await untilState(tend, "web", "RUNNING");
      // db was spawned, then stayed up its startsecs (1 s), and only then was web spawned.
      expect(spawnOrder(tend)).toEqual(["db", "web"]);
      expect(logIndex(tend, "success: db entered RUNNING state")).toBeLessThan(
        logIndex(tend, "spawned: 'web'"),
      );
      expect(logTime(tend, "spawned: 'web'") - logTime(tend, "spawned: 'db'")).toBeGreaterThan(900);
    }, 20_000);

    test.concurrent("ready: RUNNING is not enough; a dependent spawns once db's tcp check passes, keeps running when db becomes not ready, and a new start waits for ready again", async () => {
      const server = listen();
      const port = server.port;
      server.stop(true);
      await using tend = await launchTend({
        programs: `
[program:db]
command=sleep 1000
startsecs=0
ready_check=tcp:127.0.0.1:${port}
ready_period=0.2
ready_failure_threshold=1

[program:web]
command=sleep 1001
startsecs=0
depends_on=db:ready
`,
      });
      // Nothing listens: db runs (pid > 0) but is STARTING, not ready; web waits.
      await untilState(tend, "db", "STARTING", (i) => i.pid > 0);
      const waiting = await untilState(tend, "web", "STARTING");
      expect({ pid: waiting.pid, description: waiting.description }).toEqual({
        pid: 0,
        description: "waiting for db (ready)",
      });
      for (const line of await statusLines(tend, "web"))
        expect(line).toBe("STARTING waiting for db (ready)");
      expect(statusLine((await ctl(tend, ["status"])).stdout, "db")).toMatch(
        /^STARTING not ready: /,
      );

      let open = listen(port);
      try {
        await untilState(tend, "web", "RUNNING");
        expect(spawnOrder(tend)).toEqual(["db", "web"]);
        expect(
          logIndex(tend, `success: db entered RUNNING state, ready (tcp:127.0.0.1:${port})`),
        ).toBeLessThan(logIndex(tend, "spawned: 'web'"));
        const webPid = (await info(tend, "web")).pid;

        // db not ready any more: it keeps running, and so does web (dependencies gate the spawn only).
        open.stop(true);
        await tend.waitLog("not ready: db: ");
        const db = await info(tend, "db");
        expect({ state: db.statename, ready: db.ready }).toEqual({
          state: "RUNNING",
          ready: false,
        });
        expect(await info(tend, "web")).toMatchObject({ statename: "RUNNING", pid: webPid });

        // A new start of web waits: db is RUNNING but not ready.
        await tend.call("supervisor.stopProcess", "web", true);
        await tend.call("supervisor.startProcess", "web", false);
        expect(await info(tend, "web")).toMatchObject({
          statename: "STARTING",
          pid: 0,
          description: "waiting for db (ready)",
        });
        expect(tend.count("spawned: 'web'")).toBe(1);

        open = listen(port);
        await tend.waitLog("ready: db is ready again");
        await untilState(tend, "web", "RUNNING");
        expect(tend.count("spawned: 'web'")).toBe(2);
      } finally {
        open.stop(true);
      }
    }, 20_000);

    test.concurrent("done: the dependent spawns only after the one-shot exited 0; a quick exit 0 (one-shot startsecs 0) is done, not retried", async () => {
      await using tend = await launchTend({
        programs: (dir) => `
[program:migrate]
command=sh -c 'echo run >> ${dir}/runs; sleep 0.3; exit 0'

[program:quick]
command=sh -c 'echo run >> ${dir}/quick; exit 0'

[program:web]
command=sleep 1001
startsecs=0
depends_on=migrate:done, quick:done
`,
      });
      await untilState(tend, "web", "RUNNING");
      // migrate was RUNNING at once (startsecs 0) for 0.3 s: web did not spawn then.
      const running = logIndex(tend, "success: migrate entered RUNNING state");
      const exited = logIndex(tend, "exited: migrate (exit status 0; expected)");
      const spawned = logIndex(tend, "spawned: 'web'");
      expect(running).toBeLessThan(exited);
      expect(exited).toBeLessThan(spawned);
      expect(logIndex(tend, "exited: quick (exit status 0; expected)")).toBeLessThan(spawned);
      // Each ran once: a quick exit 0 counted as done, not as a failed start.
      expect(readLines(join(tend.dir, "runs"))).toEqual(["run"]);
      expect(readLines(join(tend.dir, "quick"))).toEqual(["run"]);
      expect(tend.count("spawned: 'quick'")).toBe(1);
      expect(tend.count("gave up")).toBe(0);
      expect((await info(tend, "migrate")).statename).toBe("EXITED");
      expect((await info(tend, "quick")).statename).toBe("EXITED");
    }, 20_000);

    test.concurrent("exited: met by an exit with any code, and by FATAL", async () => {
      await using tend = await launchTend({
        programs: `
[program:fails]
command=sh -c 'sleep 0.2; exit 3'
autorestart=false

[program:after_fails]
command=sleep 1001
startsecs=0
depends_on=fails:exited

[program:gives_up]
command=sh -c 'exit 1'
startsecs=1
startretries=0

[program:after_fatal]
command=sleep 1002
startsecs=0
depends_on=gives_up:exited
`,
      });
      await untilState(tend, "after_fails", "RUNNING");
      await untilState(tend, "after_fatal", "RUNNING");
      expect(await info(tend, "fails")).toMatchObject({ statename: "EXITED", exitstatus: 3 });
      expect((await info(tend, "gives_up")).statename).toBe("FATAL");
      expect(logIndex(tend, "exited: fails (exit status 3; not expected)")).toBeLessThan(
        logIndex(tend, "spawned: 'after_fails'"),
      );
      expect(logIndex(tend, "gave up: gives_up entered FATAL state")).toBeLessThan(
        logIndex(tend, "spawned: 'after_fatal'"),
      );
    }, 20_000);

    test.concurrent("names: group:process waits for that process, a group for all of its processes", async () => {
      await using tend = await launchTend({
        programs: `
[group:pool]
programs=fast,slow

[program:fast]
command=sleep 1000
startsecs=0

[program:slow]
command=sleep 1001
startsecs=1

[program:member]
command=sleep 1002
startsecs=0
depends_on=pool:fast

[program:whole]
command=sleep 1003
startsecs=0
depends_on=pool
`,
      });
      await untilState(tend, "whole", "RUNNING");
      const slowRunning = logIndex(tend, "success: slow entered RUNNING state");
      // member needed only fast; whole needed slow too.
      expect(logIndex(tend, "spawned: 'member'")).toBeLessThan(slowRunning);
      expect(logIndex(tend, "spawned: 'whole'")).toBeGreaterThan(slowRunning);
    }, 20_000);

    test.concurrent("priority orders the spawns of programs freed together, not their names or the file", async () => {
      await using tend = await launchTend({
        programs: `
[program:gate]
command=sleep 1000
autostart=false
startsecs=0

[program:alpha]
command=sleep 1001
startsecs=0
priority=300
depends_on=gate

[program:zulu]
command=sleep 1002
startsecs=0
priority=100
depends_on=gate

[program:mike]
command=sleep 1003
startsecs=0
priority=200
depends_on=gate
`,
      });
      await untilState(tend, "alpha", "STARTING");
      await tend.call("supervisor.startProcess", "gate", true);
      await tend.waitCount(/^spawned: /, 4);
      expect(spawnOrder(tend)).toEqual(["gate", "zulu", "mike", "alpha"]);
    }, 20_000);
  });

  describe("a dependency that fails", () => {
    test.concurrent("a done dependency exiting non-zero makes its dependent FATAL at once (`dependency migrate failed`); tend runs on", async () => {
      await using tend = await launchTend({
        programs: `
[program:migrate]
command=sh -c 'sleep 0.3; exit 3'
autorestart=false

[program:web]
command=sleep 1001
startsecs=0
depends_on=migrate:done
`,
      });
      const fatal = await untilState(tend, "web", "FATAL");
      expect({ spawnerr: fatal.spawnerr, description: fatal.description }).toEqual({
        spawnerr: "dependency migrate failed",
        description: "dependency migrate failed",
      });
      for (const line of await statusLines(tend, "web"))
        expect(line).toBe("FATAL dependency migrate failed");
      const failedAt = logTime(tend, "exited: migrate (exit status 3; not expected)");
      expect(
        logTime(tend, "gave up: web entered FATAL state, dependency migrate failed") - failedAt,
      ).toBeLessThan(500);
      expect(tend.count("spawned: 'web'")).toBe(0);
      expect(isAlive(tend.pid)).toBe(true);
    }, 20_000);

    test.concurrent("critical=true on the dependent: it never ran, so tend ends with code 1, every program stopped", async () => {
      await using tend = await launchTend({
        programs: (dir) => `
[program:other]
command=${TERM_TRAP} ${dir}/marks other 0.1

[program:migrate]
command=sh -c 'until [ -s ${dir}/marks ]; do sleep 0.02; done; exit 3'
autorestart=false

[program:web]
command=sleep 1001
startsecs=0
depends_on=migrate:done
critical=true
`,
      });
      const result = await tend.finished(15_000);
      expect(result.code).toBe(1);
      expect(tend.messages()).toContain(
        "critical program web entered FATAL (never ran): shutting down, exit code 1",
      );
      const marks = join(tend.dir, "marks");
      expect(markTime(marks, "other done")).toBeGreaterThanOrEqual(markTime(marks, "other term"));
      expect(tend.messages()).toContain("tend stopped: every program is down");
    }, 20_000);

    test.concurrent("critical=true on the one-shot itself: tend ends with the one-shot's own exit code", async () => {
      await using tend = await launchTend({
        programs: (dir) => `
[program:other]
command=${TERM_TRAP} ${dir}/marks other 0.1

[program:migrate]
command=sh -c 'until [ -s ${dir}/marks ]; do sleep 0.02; done; exit 3'
autorestart=false
critical=true

[program:web]
command=sleep 1001
startsecs=0
depends_on=migrate:done
`,
      });
      const result = await tend.finished(15_000);
      expect(result.code).toBe(3);
      expect(tend.messages()).toContain(
        "critical program migrate entered EXITED (exit status 3): shutting down, exit code 3",
      );
      const marks = join(tend.dir, "marks");
      expect(markTime(marks, "other done")).toBeGreaterThanOrEqual(markTime(marks, "other term"));
    }, 20_000);

    test.concurrent("depends_timeout: FATAL with `dependency db not started after 0.5 s`, after that long", async () => {
      await using tend = await launchTend({
        programs: `
[program:db]
command=sleep 1000
autostart=false

[program:web]
command=sleep 1001
startsecs=0
depends_on=db
depends_timeout=0.5
`,
      });
      const fatal = await untilState(tend, "web", "FATAL");
      expect(fatal.spawnerr).toBe("dependency db not started after 0.5 s");
      const gaveUp = logTime(
        tend,
        "gave up: web entered FATAL state, dependency db not started after 0.5 s",
      );
      const began = logTime(tend, "supervisord started with pid");
      expect(gaveUp - began).toBeGreaterThanOrEqual(450);
      expect(gaveUp - began).toBeLessThan(2_000);
      expect(tend.count("spawned: 'web'")).toBe(0);
    }, 20_000);
  });

  describe("ctl start brings stopped dependencies up first", () => {
    const PROGRAMS = (dir: string) => `
[program:db]
command=sleep 1000
autostart=false
startsecs=0

[program:migrate]
command=sh -c 'echo run >> ${dir}/runs'
autostart=false
depends_on=db

[program:web]
command=sleep 1001
autostart=false
startsecs=0
depends_on=migrate:done
`;
    const clients = supervisor.ok
      ? (["tend ctl", "supervisorctl"] as const)
      : (["tend ctl"] as const);
    for (const client of clients) {
      test.concurrent(`${client} start web: db, then migrate, then web; a done one-shot is not run again`, async () => {
        await using tend = await launchTend({ programs: PROGRAMS });
        await tend.ready();
        const run = (args: string[]) =>
          client === "tend ctl" ? ctl(tend, args) : supervisorctl(tend, args);
        const started = await run(["start", "web"]);
        expect({ code: started.code, stdout: started.stdout }).toEqual({
          code: 0,
          stdout: "web: started\n",
        });
        expect((await info(tend, "web")).statename).toBe("RUNNING");
        expect(spawnOrder(tend)).toEqual(["db", "migrate", "web"]);
        expect(logIndex(tend, "exited: migrate (exit status 0; expected)")).toBeLessThan(
          logIndex(tend, "spawned: 'web'"),
        );

        expect((await run(["stop", "web"])).stdout).toBe("web: stopped\n");
        expect((await run(["start", "web"])).stdout).toBe("web: started\n");
        expect(spawnOrder(tend)).toEqual(["db", "migrate", "web", "web"]);
        expect(readLines(join(tend.dir, "runs"))).toEqual(["run"]);
      }, 20_000);
    }
  });

  test.concurrent("shutdown: dependents first (worker, then app, then db) against their priorities, each after the last is down; equal priorities without dependencies together", async () => {
    // Priority alone would stop db first and worker last.
    await using tend = await launchTend({
      programs: (dir) => `
[program:db]
command=${TERM_TRAP} ${dir}/marks db 0.3
priority=300

[program:app]
command=${TERM_TRAP} ${dir}/marks app 0.3
priority=200
depends_on=db

[program:worker]
command=${TERM_TRAP} ${dir}/marks worker 0.3
priority=100
depends_on=app

[program:x]
command=${TERM_TRAP} ${dir}/marks x 0.3
priority=500

[program:y]
command=${TERM_TRAP} ${dir}/marks y 0.3
priority=500
`,
    });
    const marks = join(tend.dir, "marks");
    await waitFor(
      () => readLines(marks).filter((line) => line.includes(" start ")).length === 5,
      "every program's TERM trap in place",
    );
    expect((await tend.stop(15_000)).code).toBe(0);
    const term = (name: string) => markTime(marks, `${name} term`);
    const done = (name: string) => markTime(marks, `${name} done`);
    // x and y first, together; then worker, app and db, each once the one before is down.
    expect(Math.abs(term("x") - term("y"))).toBeLessThan(0.2);
    expect(term("worker")).toBeGreaterThan(Math.max(done("x"), done("y")));
    expect(term("app")).toBeGreaterThan(done("worker"));
    expect(term("db")).toBeGreaterThan(done("app"));
  }, 20_000);
});

describe.skipIf(!pidNamespaces.ok)("tend ctl wait on readiness", () => {
  test.concurrent("exit 0 once every autostart program is ready, and the one-shots done; not before", async () => {
    const port = freePort();
    await using tend = await launchTend({
      programs: `
[program:db]
command=sleep 1000
startsecs=0
ready_check=tcp:127.0.0.1:${port}
ready_period=0.2

[program:migrate]
command=sh -c 'exit 0'
depends_on=db:ready

[program:web]
command=sleep 1001
startsecs=0
depends_on=migrate:done

[program:manual]
command=sleep 1002
autostart=false
`,
    });
    await tend.ready();
    let ended = false;
    const waiting = ctl(tend, ["wait", "--timeout", "10"]).then((result) => {
      ended = true;
      return result;
    });
    await untilState(
      tend,
      "web",
      "STARTING",
      (i) => i.description === "waiting for migrate (done)",
    );
    await untilState(tend, "db", "STARTING", (i) => i.pid > 0);
    expect(ended).toBe(false);
    const open = listen(port);
    try {
      const result = await waiting;
      // Answered once web was up: it is RUNNING when the client is done.
      expect((await info(tend, "web")).statename).toBe("RUNNING");
      expect((await info(tend, "migrate")).statename).toBe("EXITED");
      expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({
        code: 0,
        stdout: "",
        stderr: "",
      });
    } finally {
      open.stop(true);
    }
  }, 20_000);

  test.concurrent("exit 1 at the timeout naming the late ones and why; --timeout 0 answers at once; 4 for an unknown name", async () => {
    const port = freePort();
    await using tend = await launchTend({
      programs: `
[program:db]
command=sleep 1000
startsecs=0
ready_check=tcp:127.0.0.1:${port}
ready_period=0.2

[program:web]
command=sleep 1001
startsecs=0
depends_on=db:ready
`,
    });
    await untilState(tend, "web", "STARTING");
    await untilState(tend, "db", "STARTING", (i) => i.pid > 0);
    const began = performance.now();
    const late = await ctl(tend, ["wait", "--timeout", "1"]);
    const took = performance.now() - began;
    expect({ code: late.code, stderr: late.stderr }).toEqual({ code: 1, stderr: "" });
    expect(late.stdout).toMatch(
      /^Error: not ready after 1s: db \(starting, not ready: [^)]+\), web \(waiting for db \(ready\)\)\n$/,
    );
    expect(took).toBeGreaterThanOrEqual(950);

    const now = await ctl(tend, ["wait", "web", "--timeout", "0"], 3_000);
    expect({ code: now.code, stdout: now.stdout, killed: now.problem ?? "no" }).toEqual({
      code: 1,
      stdout: "Error: not ready after 0s: web (waiting for db (ready))\n",
      killed: "no",
    });

    const unknown = await ctl(tend, ["wait", "web", "nosuch", "--timeout", "30"], 5_000);
    expect({ code: unknown.code, stdout: unknown.stdout, killed: unknown.problem ?? "no" }).toEqual(
      { code: 4, stdout: "nosuch: ERROR (no such process)\n", killed: "no" },
    );
  }, 20_000);

  test.concurrent("exit 1 at once, well before the timeout, when a named program goes FATAL (a failed dependency, too many retries)", async () => {
    await using tend = await launchTend({
      programs: `
[program:migrate]
command=sh -c 'sleep 0.5; exit 3'
autorestart=false

[program:web]
command=sleep 1001
startsecs=0
depends_on=migrate:done

[program:flop]
command=sh -c 'exit 1'
startretries=1
`,
    });
    await tend.ready();
    const began = performance.now();
    const [web, flop] = await Promise.all([
      ctl(tend, ["wait", "web", "--timeout", "30"], 12_000),
      ctl(tend, ["wait", "flop", "--timeout", "30"], 12_000),
    ]);
    expect(performance.now() - began).toBeLessThan(10_000);
    expect({ code: web.code, stdout: web.stdout, killed: web.problem ?? "no" }).toEqual({
      code: 1,
      stdout: "Error: not ready: web (FATAL: dependency migrate failed)\n",
      killed: "no",
    });
    expect({ code: flop.code, stdout: flop.stdout, killed: flop.problem ?? "no" }).toEqual({
      code: 1,
      stdout: "Error: not ready: flop (FATAL: Exited too quickly (process log may have details))\n",
      killed: "no",
    });
  }, 20_000);
});

describe.skipIf(!pidNamespaces.ok)("reload of checks and dependencies", () => {
  for (const how of ["SIGHUP", "tend ctl update"] as const) {
    test.concurrent(`${how}: changed checks and depends_on keep the running pids and take effect; a waiting program freed by the change spawns; a changed command restarts; an added dependent of a running program starts`, async () => {
      const server = listen();
      const port = server.port;
      const elsewhere = freePort();
      const programs = (db: string, web: string, waiter: string, cmd: string, extra = "") => `
[program:db]
command=sleep 1000
startsecs=0
${db}

[program:gate]
command=sleep 1002
autostart=false
startsecs=0

[program:web]
command=sleep 1001
startsecs=0
${web}

[program:waiter]
command=sleep 1003
startsecs=0
${waiter}

[program:cmd]
command=${cmd}
startsecs=0
${extra}`;
      const dbBefore = `ready_check=tcp:127.0.0.1:${port}\nready_period=0.2`;
      try {
        await using tend = await launchTend({
          programs: programs(dbBefore, "depends_on=db:ready", "depends_on=gate", "sleep 1004"),
        });
        const apply = async () => {
          if (how === "SIGHUP") {
            const before = tend.count(/^update: /);
            tend.signal("SIGHUP");
            await waitFor(() => tend.count(/^update: /) > before, "the update to be logged");
            return "";
          }
          const result = await ctl(tend, ["update"]);
          expect(result.code).toBe(0);
          return result.stdout;
        };
        await untilState(tend, "web", "RUNNING");
        await untilState(tend, "cmd", "RUNNING");
        await untilState(
          tend,
          "waiter",
          "STARTING",
          (i) => i.description === "waiting for gate (started)",
        );
        const pid = async (name: string) => (await info(tend, name)).pid;
        const before = { db: await pid("db"), web: await pid("web"), cmd: await pid("cmd") };
        expect((await info(tend, "db")).ready).toBe(true);

        // 1. Only waiter's depends_on goes: nothing else changes state, so it is the update itself that frees it.
        tend.rewrite(programs(dbBefore, "depends_on=db:ready", "", "sleep 1004"));
        const first = await apply();
        if (how === "tend ctl update")
          expect(first).toBe(
            "waiter: kept waiter (new supervision settings)\nwaiter: updated process group\n",
          );
        await untilState(tend, "waiter", "RUNNING");

        // 2. db's ready check now points where nothing listens (and at another period),
        // web waits for gate instead of db, cmd runs another command, late is new.
        tend.rewrite(
          programs(
            `ready_check=tcp:127.0.0.1:${elsewhere}\nready_period=0.3\nready_failure_threshold=1`,
            "depends_on=gate",
            "",
            "sleep 2004",
            "\n[program:late]\ncommand=sleep 1005\nstartsecs=0\ndepends_on=db\n",
          ),
        );
        await apply();
        await tend.waitLog("not ready: db: ");
        const db = await info(tend, "db");
        expect({ state: db.statename, pid: db.pid, ready: db.ready }).toEqual({
          state: "RUNNING",
          pid: before.db,
          ready: false,
        });
        expect(statusLine((await ctl(tend, ["status"])).stdout, "db")).toMatch(
          new RegExp(`^RUNNING pid ${before.db}, uptime [0-9:]+, not ready: `),
        );
        expect(await info(tend, "web")).toMatchObject({ statename: "RUNNING", pid: before.web });
        const cmd = await untilState(tend, "cmd", "RUNNING", (i) => i.pid !== before.cmd);
        expect(readFileSync(`/proc/${tend.outerPidOf("cmd")}/cmdline`, "utf8")).toBe(
          "sleep\u00002004\u0000",
        );
        expect(cmd.pid).not.toBe(before.cmd);
        await untilState(tend, "late", "RUNNING");
        expect(tend.count("spawned: 'db'")).toBe(1);
        expect(tend.count("spawned: 'web'")).toBe(1);
      } finally {
        server.stop(true);
      }
    }, 20_000);
  }
});
