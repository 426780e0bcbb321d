// What `tend check` says about a config: the shutdown order of a real
// config with its worst case, the grace period it is held against, what
// each program waits for and how it is checked.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../../src/config/load.ts";
import type { Config, ProcessConfig } from "../../../src/config/model.ts";
import {
  checkNotes,
  gracePeriod,
  programNotes,
  shutdownNotes,
  shutdownPlan,
  shutdownWarning,
} from "../../../src/config/summary.ts";

const root = mkdtempSync(join(tmpdir(), "tend-summary-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;

function load(text: string, env: Record<string, string> = {}) {
  const path = join(root, `${count++}.ini`);
  writeFileSync(path, text);
  const result = loadConfig(path, { env: { HOME: "/root", ...env }, hostname: "h" });
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.line}: ${e.message}`).join("\n"));
  return result;
}

const config = (text: string): Config => load(text).config;
const names = (processes: readonly ProcessConfig[]) => processes.map((p) => p.name);
const DOCKER = { seconds: 10, name: "docker stop's default of 10 s" };

const APP = `
[program:db]
command=db
priority=10
stopwaitsecs=20

[program:migrate]
command=migrate
depends_on=db:ready

[program:web]
command=web
depends_on=db:ready, migrate:done
stopwaitsecs=5

[group:site]
programs=api,worker
priority=500

[program:api]
command=api
priority=1
depends_on=web
stopwaitsecs=3

[program:worker]
command=work
process_name=worker_%(process_num)d
numprocs=2
stopwaitsecs=7

[eventlistener:mail]
command=crashmail
events=PROCESS_STATE_FATAL
depends_on=site:worker_1
`;

describe("the shutdown of a config", () => {
  test("dependents first, then by the group's priority; listeners last; the worst case summed", () => {
    const plan = shutdownPlan(config(APP));
    expect(plan.steps.map((s) => [names(s.items), s.priority, s.seconds, names(s.after)])).toEqual([
      // site stops by its group's 500 (api's own 1 does not count); worker_1 waits for mail.
      [["api", "worker_0"], 500, 7, []],
      [["web"], 999, 5, ["api"]],
      [["migrate"], 999, 10, ["web"]],
      [["db"], 10, 20, ["migrate", "web"]],
      [["mail"], -1, 10, []],
      [["worker_1"], 500, 7, ["mail"]],
    ]);
    expect(plan.seconds).toBe(59);
  });

  test("a listener that depends on a process stops before it", () => {
    const plan = shutdownPlan(
      config(
        "[program:web]\ncommand=web\n[eventlistener:mail]\ncommand=m\nevents=TICK_5\ndepends_on=web\n",
      ),
    );
    expect(plan.steps.map((s) => names(s.items))).toEqual([["mail"], ["web"]]);
  });

  test("the notes, one line a step", () => {
    expect(shutdownNotes(shutdownPlan(config(APP)), DOCKER)).toEqual([
      "Shutdown: at worst 59 s (more than docker stop's default of 10 s), in 6 step(s).",
      "Each step begins once the one before is down, and lasts at most its longest stopwaitsecs (then SIGKILL).",
      "  1. up to 7 s: site:api, site:worker_0 (priority 500)",
      "  2. up to 5 s: web (priority 999; after its dependents site:api)",
      "  3. up to 10 s: migrate (priority 999; after its dependents web)",
      "  4. up to 20 s: db (priority 10; after its dependents migrate, web)",
      "  5. up to 10 s: mail (priority -1)",
      "  6. up to 7 s: site:worker_1 (priority 500; after its dependents mail)",
    ]);
    expect(shutdownNotes(shutdownPlan(config("[supervisord]\n")), DOCKER)).toEqual([
      "Shutdown: nothing to stop.",
    ]);
  });

  test("many processes in a step: the first eight named", () => {
    const plan = shutdownPlan(
      config("[program:w]\ncommand=w\nprocess_name=w%(process_num)02d\nnumprocs=12\n"),
    );
    expect(shutdownNotes(plan, DOCKER)[2]).toBe(
      "  1. up to 10 s: w:w00, w:w01, w:w02, w:w03, w:w04, w:w05, w:w06, w:w07 and 4 more (priority 999)",
    );
  });
});

describe("the grace period", () => {
  test("docker stop's 10 s, or $TEND_GRACE_PERIOD", () => {
    expect(gracePeriod({})).toEqual({ grace: DOCKER });
    expect(gracePeriod({ TEND_GRACE_PERIOD: "" })).toEqual({ grace: DOCKER });
    expect(gracePeriod({ TEND_GRACE_PERIOD: "30" })).toEqual({
      grace: { seconds: 30, name: "the 30 s of $TEND_GRACE_PERIOD" },
    });
    expect(gracePeriod({ TEND_GRACE_PERIOD: "2.5" }).grace.seconds).toBe(2.5);
  });

  test("a bad $TEND_GRACE_PERIOD: a warning naming it, and docker stop's 10 s", () => {
    expect(gracePeriod({ TEND_GRACE_PERIOD: "30s" })).toEqual({
      grace: DOCKER,
      problem: {
        severity: "warning",
        file: "environment TEND_GRACE_PERIOD",
        message:
          'got "30s"; expected a number of seconds such as 1 or 0.5; docker stop\'s default of 10 s is assumed',
      },
    });
  });

  test("a warning only past the grace period", () => {
    const one = shutdownPlan(config("[program:a]\ncommand=a\n[program:b]\ncommand=b\n"));
    expect(one.seconds).toBe(10);
    expect(shutdownWarning(one, DOCKER, "/app.ini")).toBeUndefined();
    const two = shutdownPlan(
      config("[program:a]\ncommand=a\npriority=1\n[program:b]\ncommand=b\nstopwaitsecs=1\n"),
    );
    expect(shutdownWarning(two, DOCKER, "/app.ini")).toEqual({
      severity: "warning",
      file: "/app.ini",
      message:
        "a shutdown may take 11 s (1 s + 10 s), more than docker stop's default of 10 s, after which the container is killed with whatever still runs; lower stopwaitsecs, or give more time (docker stop -t, Kubernetes' terminationGracePeriodSeconds) and set TEND_GRACE_PERIOD to it",
    });
    const longer = gracePeriod({ TEND_GRACE_PERIOD: "11" }).grace;
    expect(shutdownWarning(two, longer, "/app.ini")).toBeUndefined();
    const shorter = gracePeriod({ TEND_GRACE_PERIOD: "5" }).grace;
    expect(shutdownWarning(one, shorter, "/app.ini")?.message).toContain(
      "a shutdown may take 10 s (10 s), more than the 5 s of $TEND_GRACE_PERIOD,",
    );
  });

  test("shutdown_delay counts first, in the notes and the warning", () => {
    const plan = shutdownPlan(
      config("[supervisord]\nshutdown_delay=5\n[program:a]\ncommand=a\nstopwaitsecs=8\n"),
    );
    expect(plan.seconds).toBe(13);
    expect(shutdownNotes(plan, DOCKER)[0]).toBe(
      "Shutdown: at worst 13 s (more than docker stop's default of 10 s), 5 s of shutdown_delay, then in 1 step(s).",
    );
    expect(shutdownWarning(plan, DOCKER, "/app.ini")?.message).toStartWith(
      "a shutdown may take 13 s (5 s shutdown_delay + 8 s), more than docker stop's default of 10 s, after which the container is killed with whatever still runs; lower stopwaitsecs or shutdown_delay,",
    );
    const delayOnly = shutdownPlan(config("[supervisord]\nshutdown_delay=2\n"));
    expect(shutdownNotes(delayOnly, DOCKER)[0]).toBe(
      "Shutdown: at worst 2 s (within docker stop's default of 10 s), 2 s of shutdown_delay, then in 0 step(s).",
    );
  });
});

describe("what a program waits for and how it is checked", () => {
  const loaded = config(`
[program:db]
command=db
ready_check=tcp:5432
ready_initial_delay=0.5
ready_period=2
ready_timeout=0.25
ready_success_threshold=2
ready_failure_threshold=1
live_check=pg_isready -q
live_failure_threshold=1
[program:web]
command=web
depends_on=db:ready, migrate:done, cache
depends_timeout=30
live_check=http://127.0.0.1:8080/live
live_initial_delay=5
[program:migrate]
command=m
[program:cache]
command=c
ready_check=log:Ready to accept
depends_on=db:exited
[program:s6]
command=s
ready_check=fd:3
[program:sd]
command=s
ready_check=notify
[program:plain]
command=p
[group:jobs]
programs=worker
[program:worker]
command=w
process_name=worker_%(process_num)d
numprocs=2
[program:notifier]
command=n
depends_on=worker, jobs:worker_1:ready
`);
  const processes = loaded.groups.flatMap((g) => g.processes);
  const notes = (name: string) =>
    programNotes(processes.find((p) => p.name === name) as ProcessConfig, loaded);

  test("each kind of check, dependencies with and without a time limit, nothing for a plain program", () => {
    expect(notes("db")).toEqual([
      "db ready check: tcp:5432 every 2 s (first after 0.5 s), timeout 0.25 s; ready after 2 passes, not ready after 1 failure",
      "db live check: pg_isready -q every 10 s, timeout 1 s; restarted after 1 failure in a row",
    ]);
    expect(notes("web")).toEqual([
      "web waits for db (ready), migrate (done), cache (started); FATAL if still waiting after 30 s",
      "web live check: http://127.0.0.1:8080/live every 10 s (first after 5 s), timeout 1 s; restarted after 3 failures in a row",
    ]);
    expect(notes("cache")).toEqual([
      "cache waits for db (exited); no time limit",
      "cache ready check: log:Ready to accept (a line of its output that matches)",
    ]);
    expect(notes("s6")).toEqual(["s6 ready check: fd:3 (a line it writes on its descriptor 3)"]);
    expect(notes("sd")).toEqual(["sd ready check: notify (READY=1 on $NOTIFY_SOCKET)"]);
    expect(notes("plain")).toEqual([]);
    // A program whose name is gone from the printed config: by its processes, as depends_on= is printed.
    expect(notes("notifier")).toEqual([
      "notifier waits for jobs:worker_0 (started), jobs:worker_1 (started), jobs:worker_1 (ready); no time limit",
    ]);
  });
});

describe("all the notes of tend check", () => {
  test("by section as print.ts names them; values from the environment by section and key", () => {
    const loaded = load(
      "[program:web]\ncommand=web\ndepends_on=mail\n[eventlistener:mail]\ncommand=m\nevents=TICK_5\nnumprocs=2\nprocess_name=m%(process_num)d\nready_check=file:/run/m\n",
      { TEND_LOGLEVEL: "debug" },
    );
    const notes = checkNotes(loaded.config, loaded.overridden, shutdownPlan(loaded.config), DOCKER);
    expect(notes.sections).toEqual({
      "eventlistener:mail": [
        "m0 ready check: file:/run/m every 1 s, timeout 1 s; ready after 1 pass, not ready after 3 failures",
      ],
      "program:web": ["web waits for mail (started); no time limit"],
    });
    expect(notes.keys).toEqual({ "supervisord loglevel": "from environment TEND_LOGLEVEL" });
    expect(notes.header?.[0]).toBe(
      "Shutdown: at worst 20 s (more than docker stop's default of 10 s), in 2 step(s).",
    );
  });
});
