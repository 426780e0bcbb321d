// `tend check` on tend's own keys and TEND_ variables, through the compiled
// binary: each mistake at its file and line; what it says about a config
// (what each program waits for, its checks, the shutdown order and its
// worst case) as comments in the printed config; values from TEND_
// variables, shown, and refused by name when bad, in check, run mode and
// under supervisord's command line; the grace-period warning; the printed
// config read back to the same output.

import { describe, expect, test } from "bun:test";
import { existsSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { eventually, rpc, runCommand, scratchDir, start, TEND, within } from "../harness/index.ts";

type Env = Record<string, string>;

async function check(args: string[], env: Env = {}) {
  const { code, stdout, stderr } = await runCommand([TEND, "check", ...args], {
    cwd: "/",
    cleanEnv: true,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
  });
  return { code, stdout, stderr };
}

/** A config in a scratch directory: its path, and the directory. */
function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const TWO = "[program:db]\ncommand=/bin/sleep 100\n\n[program:web]\ncommand=/bin/sleep 100\n";

describe("tend's own keys: each mistake at file:line [section] key, exit 2, nothing printed", () => {
  const cases: [string, string, string][] = [
    [
      "a bad ready_check",
      "ready_check=tcp:99999",
      'ready_check: got "tcp:99999"; expected tcp:PORT or tcp:HOST:PORT with a port from 1 to 65535',
    ],
    [
      "a live_check tend cannot poll",
      "live_check=log:ready",
      'live_check: got "log:ready"; expected a check tend can poll: http(s)://..., tcp:..., unix:/..., file:/... or a command (fd:, notify and log: only tell readiness)',
    ],
    [
      "depends_on naming nothing",
      "depends_on=db:ready, nosuch",
      'depends_on: names "nosuch", which is no program, group or group:process of this config',
    ],
    [
      "a bad depends_timeout",
      "depends_on=db\ndepends_timeout=-1",
      'depends_timeout: got "-1"; expected a number of seconds such as 1 or 0.5',
    ],
    [
      "startretries=unlimited without backoff=exponential",
      "startretries=unlimited",
      "startretries: is unlimited, which needs backoff=exponential (supervisord's backoff would retry without end at 1 s, 2 s, 3 s ...)",
    ],
    [
      "a bad backoff_jitter",
      "backoff=exponential\nbackoff_jitter=1.5",
      'backoff_jitter: got "1.5"; expected a number from 0 to 1',
    ],
    [
      "a bad backoff",
      "backoff=linear",
      'backoff: got "linear"; expected one of supervisord, exponential',
    ],
  ];
  test.each(cases)("%s", async (_, lines, message) => {
    using scratch = scratchDir();
    const path = write(scratch.dir, "app.ini", `${TWO}${lines}\n`);
    const line = 5 + lines.split("\n").length;
    const result = await check(["-c", path]);
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: `error: ${path}:${line}: [program:web] ${message}\n${path}: 1 error(s); nothing would start\n`,
    });
  });

  test("a cycle web → api → web, named from the program written first, in INI and YAML", async () => {
    using scratch = scratchDir();
    const ini = write(
      scratch.dir,
      "app.ini",
      "[program:web]\ncommand=w\ndepends_on=api:ready\n\n[program:api]\ncommand=a\ndepends_on=web\n",
    );
    const yaml = write(
      scratch.dir,
      "app.yaml",
      "programs:\n  web:\n    command: w\n    depends_on: [api:ready]\n  api:\n    command: a\n    depends_on: { web: started }\n",
    );
    for (const [path, line] of [
      [ini, 3],
      [yaml, 4],
    ] as const) {
      const result = await check(["-c", path]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `error: ${path}:${line}: [program:web] depends_on: dependency cycle: web → api → web\n${path}: 1 error(s); nothing would start\n`,
      );
    }
  });
});

/** Every key of tend's own, and a listener and a group, for what check prints and the round trip. */
const EVERY_KEY = `[supervisord]
loglevel=info

[program:db]
command=/usr/bin/postgres -D /var/lib/pg
priority=10
stopwaitsecs=20
ready_check=tcp:5432
ready_initial_delay=0.5
ready_period=2
ready_timeout=0.5
ready_success_threshold=2
ready_failure_threshold=5
live_check=pg_isready -h 127.0.0.1 -q
live_initial_delay=10
live_period=30
live_timeout=5
live_failure_threshold=4

[program:migrate]
command=/app/migrate up
autorestart=false
startsecs=0
depends_on=db:ready

[program:web]
command=/app/web --port 8080
depends_on=db:ready, migrate:done
depends_timeout=30
ready_check=http://127.0.0.1:8080/health
live_check=http://127.0.0.1:8080/live
stopwaitsecs=5

[group:jobs]
programs=worker
priority=500

[program:worker]
command=/app/worker %(process_num)d
process_name=worker_%(process_num)d
numprocs=2
depends_on=db
startretries=unlimited
backoff=exponential
backoff_initial=0.5
backoff_multiplier=3
backoff_max=120
backoff_jitter=0.2
backoff_reset=300
ready_check=log:listening on %%d
stopwaitsecs=3

[program:notifier]
command=/app/notifier
ready_check=notify
depends_on=worker:started, web:exited

[eventlistener:mail]
command=/app/crashmail
events=PROCESS_STATE_FATAL
ready_check=fd:3
`;

describe("what tend check says about a config", () => {
  test("the shutdown order and its worst case first, then what each program waits for and its checks before its section; stderr empty", async () => {
    using scratch = scratchDir();
    const path = write(scratch.dir, "app.ini", EVERY_KEY);
    const result = await check(["-c", path], { TEND_GRACE_PERIOD: "120" });
    expect([result.code, result.stderr]).toEqual([0, ""]);
    expect(result.stdout).toStartWith(
      [
        "; Shutdown: at worst 58 s (within the 120 s of $TEND_GRACE_PERIOD), in 6 step(s).",
        "; Each step begins once the one before is down, and lasts at most its longest stopwaitsecs (then SIGKILL).",
        ";   1. up to 10 s: notifier (priority 999)",
        ";   2. up to 5 s: web (priority 999; after its dependents notifier)",
        ";   3. up to 10 s: migrate (priority 999; after its dependents web)",
        ";   4. up to 3 s: jobs:worker_0, jobs:worker_1 (priority 500; after its dependents notifier)",
        ";   5. up to 20 s: db (priority 10; after its dependents jobs:worker_0, jobs:worker_1, migrate, web)",
        ";   6. up to 10 s: mail (priority -1)",
        "",
        "[supervisord]",
      ].join("\n"),
    );
    for (const block of [
      "; db ready check: tcp:5432 every 2 s (first after 0.5 s), timeout 0.5 s; ready after 2 passes, not ready after 5 failures\n; db live check: pg_isready -h 127.0.0.1 -q every 30 s (first after 10 s), timeout 5 s; restarted after 4 failures in a row\n[program:db]\n",
      "; migrate waits for db (ready); no time limit\n[program:migrate]\n",
      "; web waits for db (ready), migrate (done); FATAL if still waiting after 30 s\n; web ready check: http://127.0.0.1:8080/health every 1 s, timeout 1 s; ready after 1 pass, not ready after 3 failures\n; web live check: http://127.0.0.1:8080/live every 10 s, timeout 1 s; restarted after 3 failures in a row\n[program:web]\n",
      "; worker_0 waits for db (started); no time limit\n; worker_0 ready check: log:listening on %d (a line of its output that matches)\n[program:worker_0]\n",
      "; notifier waits for jobs:worker_0 (started), jobs:worker_1 (started), web (exited); no time limit\n; notifier ready check: notify (READY=1 on $NOTIFY_SOCKET)\n[program:notifier]\n",
      "; mail ready check: fd:3 (a line it writes on its descriptor 3)\n[eventlistener:mail]\n",
      "\n[program:worker_1]\ncommand=/app/worker 1\n",
      "\nstartretries=unlimited\n",
      "\nready_check=log:listening on %%d\n",
      "\ndepends_on=db:ready,migrate:done\ndepends_timeout=30\n",
    ])
      expect(result.stdout).toContain(block);
  });

  test("in YAML the same, as # comments", async () => {
    using scratch = scratchDir();
    const path = write(scratch.dir, "app.ini", EVERY_KEY);
    const result = await check(["-c", path, "--yaml"], { TEND_GRACE_PERIOD: "120" });
    expect(result.code).toBe(0);
    expect(result.stdout).toStartWith(
      "# Shutdown: at worst 58 s (within the 120 s of $TEND_GRACE_PERIOD), in 6 step(s).\n",
    );
    expect(result.stdout).toContain(
      "\n  # migrate waits for db (ready); no time limit\n  migrate:\n",
    );
    expect(result.stdout).toContain("\n    depends_on:\n      - db:ready\n      - migrate:done\n");
  });
});

describe("TEND_ variables", () => {
  test("shown after the value they set, in INI and YAML; any other TEND_ variable is no setting", async () => {
    using scratch = scratchDir();
    const path = write(scratch.dir, "app.ini", `[supervisord]\nloglevel=warn\n\n${TWO}`);
    const env = {
      TEND_LOGLEVEL: "debug",
      TEND_LOG_FORMAT: "json",
      TEND_SOCKET: "/tmp/elsewhere.sock",
      TEND_UNDER_TEST: "/x/tend",
      TEND_SOMETHING_ELSE: "1",
    };
    const ini = await check(["-c", path], env);
    expect([ini.code, ini.stderr]).toEqual([0, ""]);
    expect(ini.stdout).toContain("\nloglevel=debug ; from environment TEND_LOGLEVEL\n");
    expect(ini.stdout).toContain("\nlog_format=json ; from environment TEND_LOG_FORMAT\n");
    expect(ini.stdout).toContain("\nidentifier=supervisor\n");
    const yaml = await check(["-c", path, "--yaml"], env);
    expect(yaml.stdout).toContain("\n  loglevel: debug # from environment TEND_LOGLEVEL\n");
  });

  test("a bad value names the variable and starts nothing: tend check, run mode, supervisord's command line", async () => {
    using scratch = scratchDir();
    const marker = join(scratch.dir, "started");
    const path = write(
      scratch.dir,
      "app.ini",
      `[program:web]\ncommand=/usr/bin/touch ${marker}\nstartsecs=0\n`,
    );
    const error = `error: environment TEND_LOGLEVEL: [supervisord] loglevel: got "loud"; expected one of critical, error, warn, info, debug, trace, blather\n`;
    const bad = { TEND_LOGLEVEL: "loud" };
    expect(await check(["-c", path], bad)).toEqual({
      code: 2,
      stdout: "",
      stderr: `${error}${path}: 1 error(s); nothing would start\n`,
    });
    const supervisord = join(scratch.dir, "supervisord");
    symlinkSync(TEND, supervisord);
    for (const argv of [
      [TEND, "-c", path],
      [supervisord, "-c", path, "-n"],
    ]) {
      const run = await runCommand(argv, {
        cleanEnv: true,
        env: { PATH: "/usr/bin:/bin", TEND_SOCKET: join(scratch.dir, "t.sock"), ...bad },
        deadlineMs: 10_000,
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toStartWith(`${error}`);
      expect(run.stderr).toContain("nothing started");
    }
    expect(existsSync(marker)).toBe(false);
  });

  test("run mode, and under supervisord's command line, which wins over them", async () => {
    using scratch = scratchDir();
    const path = write(
      scratch.dir,
      "app.ini",
      `[supervisord]\nlogfile=${scratch.dir}/tend.log\nidentifier=from-file\n\n[program:hi]\ncommand=/bin/sleep 100\nstartsecs=0\n`,
    );
    const supervisord = join(scratch.dir, "supervisord");
    symlinkSync(TEND, supervisord);
    const runs: [string[], readonly string[], string][] = [
      [[], [TEND], "from-env"],
      // -i wins over TEND_IDENTIFIER; -e over a TEND_LOGLEVEL that would not even load.
      [["-i", "from-cli", "-e", "debug"], [supervisord], "from-cli"],
      [[], [supervisord], "from-env"],
    ];
    for (const [options, binary, identifier] of runs) {
      const socket = join(scratch.dir, "t.sock");
      await using run = start(["-c", path, ...options], {
        binary,
        asPid1: false,
        env: {
          TEND_SOCKET: socket,
          TEND_IDENTIFIER: "from-env",
          ...(options.includes("-e") ? { TEND_LOGLEVEL: "loud" } : {}),
        },
      });
      const answer = await eventually(
        () => rpc(socket, "supervisor.getIdentification", []),
        "tend to answer",
      );
      expect(answer).toBe(identifier);
      process.kill(run.pid, "SIGTERM");
      expect((await within(run.finished, 10_000, "tend to end")).code).toBe(0);
    }
  }, 60_000);
});

describe("the worst-case shutdown against the grace period", () => {
  const slow =
    "[program:db]\ncommand=/bin/sleep 100\npriority=10\n\n[program:web]\ncommand=/bin/sleep 100\nstopwaitsecs=5\n";

  test("past docker stop's 10 s: a warning on stderr, exit 0", async () => {
    using scratch = scratchDir();
    const path = write(scratch.dir, "app.ini", slow);
    const result = await check(["-c", path]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      `warning: ${path}: a shutdown may take 15 s (5 s + 10 s), more than docker stop's default of 10 s, after which the container is killed with whatever still runs; lower stopwaitsecs, or give more time (docker stop -t, Kubernetes' terminationGracePeriodSeconds) and set TEND_GRACE_PERIOD to it\n`,
    );
    expect(result.stdout).toStartWith(
      "; Shutdown: at worst 15 s (more than docker stop's default of 10 s), in 2 step(s).\n",
    );
    // One step of the default 10 s: within it, no warning.
    const within10 = await check(["-c", write(scratch.dir, "ten.ini", TWO)]);
    expect([within10.code, within10.stderr]).toEqual([0, ""]);
  });

  test("past $TEND_GRACE_PERIOD when set; within it, no warning; a bad one is named", async () => {
    using scratch = scratchDir();
    const path = write(scratch.dir, "app.ini", slow);
    expect((await check(["-c", path], { TEND_GRACE_PERIOD: "15" })).stderr).toBe("");
    const short = await check(["-c", write(scratch.dir, "ten.ini", TWO)], {
      TEND_GRACE_PERIOD: "8",
    });
    expect(short.code).toBe(0);
    expect(short.stderr).toContain(
      ": a shutdown may take 10 s (10 s), more than the 8 s of $TEND_GRACE_PERIOD, after which",
    );
    const bad = await check(["-c", path], { TEND_GRACE_PERIOD: "30s" });
    expect(bad.code).toBe(0);
    expect(bad.stderr).toContain(
      `\nwarning: environment TEND_GRACE_PERIOD: got "30s"; expected a number of seconds such as 1 or 0.5; docker stop's default of 10 s is assumed\n`,
    );
  });
});

describe("round trip", () => {
  test.each([
    ["INI", "app.ini", []],
    ["YAML", "app.yaml", ["--yaml"]],
  ] as const)(
    "%s: tend check's output, fed back to tend check, prints the same",
    async (_, name, args) => {
      using scratch = scratchDir();
      const env = { TEND_LOGLEVEL: "debug", TEND_GRACE_PERIOD: "120" };
      const first = await check(["-c", write(scratch.dir, "source.ini", EVERY_KEY), ...args], env);
      expect([first.code, first.stderr]).toEqual([0, ""]);
      const printed = write(scratch.dir, name, first.stdout);
      const second = await check(["-c", printed, ...args], env);
      expect([second.code, second.stderr]).toEqual([0, ""]);
      expect(second.stdout).toBe(first.stdout);
      // Without the variable, the value it set reads back from the file: only its comment goes.
      const bare = await check(["-c", printed, ...args], { TEND_GRACE_PERIOD: "120" });
      expect([bare.code, bare.stderr]).toEqual([0, ""]);
      expect(bare.stdout).toBe(first.stdout.replace(/ [;#] from environment TEND_LOGLEVEL/, ""));
      expect(bare.stdout).toMatch(/\n(loglevel=| {2}loglevel: )debug\n/);
    },
  );
});
