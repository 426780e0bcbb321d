// The real supervisorctl against supervisord and against tend, on one config
// that uses tend's own keys (ready_check, ready_*, live_*, depends_on,
// depends_timeout, backoff*, critical), which supervisord reads past: the
// config's new keys must not change what supervisorctl prints. supervisord
// 4.2.5 is the oracle; every step must print the same stdout and stderr and
// exit with the same code against tend (pids, uptimes, stop times and the
// servers' directories aside).
//
// Each server runs as PID 1 of its own namespace, side by side, on the same
// config text in its own directory. The steps run in order against both at
// once; after each step that changes something, both are waited for until
// they have settled in the same states (supervisord's and tend's ways there
// differ on purpose: tend holds a program back until what it depends on is
// ready or done, and spaces restarts with backoff=exponential; the states
// they end in do not). Skipped, saying why, where Debian's supervisor is not
// installed or PID namespaces are unavailable.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  eventually,
  pidNamespaces,
  rpc,
  runCommand,
  type Scratch,
  type Started,
  scratchDir,
  start as startInNamespace,
  supervisor,
  TEND,
} from "../harness/index.ts";

if (!supervisor.ok) console.warn(`SKIPPING the new-keys oracle: ${supervisor.reason}`);
if (!pidNamespaces.ok) console.warn(`SKIPPING the new-keys oracle: ${pidNamespaces.reason}`);

// ---------------------------------------------------------------- the config

// db says it accepts connections at once: ready under tend as soon as that
// line is read (log:), RUNNING at once under supervisord (startsecs=0, which
// for tend means no deadline for readiness). migrate is a one-shot that
// waits for db to be ready; web waits for migrate to be done, with tend's
// restart policy and a live check; worker, in a group, waits for web and
// is ready once it has made its flag file (file:).
const PROGRAMS = `
[program:db]
command=sh -c 'echo db accepting connections; exec sleep 1000'
ready_check=log:accepting connections$
ready_period=0.5
ready_timeout=1
ready_success_threshold=1
ready_failure_threshold=3
startsecs=0
priority=10

[program:migrate]
command=sh -c 'echo migrated; exit 0'
depends_on=db:ready
depends_timeout=30
autorestart=false
startsecs=0
critical=true

[program:web]
command=sleep 1000
depends_on=migrate:done
depends_timeout=30
startsecs=0
backoff=exponential
backoff_initial=0.3
backoff_multiplier=2
backoff_max=4
backoff_jitter=0.1
backoff_reset=60
startretries=5
live_check=true
live_period=5
live_timeout=2
live_failure_threshold=3

[group:app]
programs=worker

[program:worker]
command=sh -c 'touch worker.ready; exec sleep 1000'
directory=%(here)s
depends_on=web
ready_check=file:%(here)s/worker.ready
ready_period=0.5
startsecs=0
backoff=exponential
`;

const CONFIG = `[unix_http_server]
file=%(here)s/ctl.sock

[supervisord]
logfile=%(here)s/supervisord.log
pidfile=%(here)s/supervisord.pid
childlogdir=%(here)s
nodaemon=true

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://%(here)s/ctl.sock
${PROGRAMS}`;

/** A state of every process, by namespec. */
type States = Readonly<Record<string, string>>;

/** Everything up, and migrate has run and is done. */
const UP: States = { db: "RUNNING", migrate: "EXITED", web: "RUNNING", "app:worker": "RUNNING" };
/** After `stop all`: migrate had already ended. */
const DOWN: States = { db: "STOPPED", migrate: "EXITED", web: "STOPPED", "app:worker": "STOPPED" };

// ---------------------------------------------------------------- the steps

interface Step {
  readonly name: string;
  readonly args: readonly string[];
  /**
   * Why stdout may come in another order: it is then compared as a set of
   * lines (the exit code and stderr still exactly). Without it, everything
   * exactly.
   */
  readonly sameLines?: string;
  /** The states both servers must settle in before the next step. */
  readonly settle?: States;
  /** Processes that must have a new pid once settled (they were restarted). */
  readonly newPids?: readonly string[];
  /**
   * A difference of tend's that is a bug, described: the test is marked
   * failing (it flips once tend is fixed).
   */
  readonly knownDifference?: string;
}

const STEPS: readonly Step[] = [
  { name: "status, once both have started", args: ["status"] },
  { name: "avail", args: ["avail"] },
  { name: "reread of the same config", args: ["reread"] },
  {
    name: "stop all",
    args: ["stop", "all"],
    // Each server answers as the stops finish; tend stops dependents first.
    sameLines: "results come as the stops finish, and tend stops dependents before what they need",
    settle: DOWN,
  },
  { name: "status after stop all", args: ["status"] },
  {
    name: "start all",
    args: ["start", "all"],
    sameLines:
      "results come as the starts finish, and tend holds each program back until what it depends on is ready or done",
    settle: UP,
  },
  {
    name: "restart all",
    args: ["restart", "all"],
    sameLines:
      "results come as the starts finish, and tend stops dependents first and holds each program back until what it depends on is ready or done",
    settle: UP,
  },
  { name: "status after start all", args: ["status"] },
  { name: "pid of one", args: ["pid", "web"] },
  {
    name: "signal",
    args: ["signal", "HUP", "web"],
    // sleep dies of it: an unexpected exit, restarted (by tend after a backoff).
    settle: UP,
    newPids: ["web"],
  },
  { name: "restart a grouped program by its bare name", args: ["restart", "worker"] },
  { name: "restart a grouped program", args: ["restart", "app:worker"], settle: UP },
  {
    name: "status of names, after all that",
    args: ["status", "db", "web", "app:worker", "nosuch"],
  },
  { name: "tail of the one-shot", args: ["tail", "migrate"] },
  { name: "tail of the one checked by its log", args: ["tail", "db"] },
  { name: "pid all", args: ["pid", "all"] },
];

/** Actions that change nothing on a server (reread: the config is the same). */
const READ_ONLY = new Set(["status", "avail", "reread", "pid", "tail"]);

function readOnly(step: Step): boolean {
  return step.settle === undefined && READ_ONLY.has(step.args[0] as string);
}

// ---------------------------------------------------------------- servers

type ServerKind = "supervisord" | "tend";

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Info {
  readonly name: string;
  readonly group: string;
  readonly statename: string;
  readonly pid: number;
}

const namespec = (info: Info) =>
  info.group === info.name ? info.name : `${info.group}:${info.name}`;

/** What may differ between the two servers: pids, uptimes, stop times, the server's directory. */
function normalise(text: string, dir: string): string {
  return text
    .replaceAll(dir, "DIR")
    .replace(/pid \d+, uptime (\d+ days?, )?\d+:\d{2}:\d{2}/g, "pid N, uptime T")
    .replace(/^[1-9]\d*$/gm, "N") // `pid`; the 0 of one not running stays
    .replace(/[A-Z][a-z]{2} \d{2} \d{2}:\d{2} [AP]M/g, "TIME");
}

class OracleServer {
  readonly dir: string;
  readonly config: string;
  readonly socket: string;
  private server: Started | undefined;

  constructor(
    readonly kind: ServerKind,
    parent: string,
  ) {
    this.dir = join(parent, kind);
    mkdirSync(this.dir);
    this.config = join(this.dir, "supervisord.conf");
    this.socket = join(this.dir, "ctl.sock");
  }

  async start(): Promise<void> {
    writeFileSync(this.config, CONFIG);
    const binary = this.kind === "supervisord" ? ["supervisord", "-n"] : [TEND];
    this.server = startInNamespace(["-c", this.config], { binary, cwd: this.dir });
    await this.settle(UP);
  }

  async dispose(): Promise<void> {
    await this.server?.dispose();
  }

  async infos(): Promise<Info[]> {
    return (await rpc(this.socket, "supervisor.getAllProcessInfo", [])) as unknown as Info[];
  }

  /** Until every process is in its state in `states` (a RUNNING one with a pid not in `old`). */
  async settle(states: States, old: ReadonlyMap<string, number> = new Map()): Promise<void> {
    await eventually(
      async () => {
        if (this.server?.ended) throw new Error(`${this.kind} ended`);
        const infos = await this.infos();
        const off = infos.filter(
          (i) =>
            i.statename !== states[namespec(i)] ||
            (i.statename === "RUNNING" && (i.pid === 0 || i.pid === old.get(namespec(i)))),
        );
        if (off.length === 0 && infos.length === Object.keys(states).length) return true;
        // The last answer, for the timeout's message.
        throw new Error(infos.map((i) => `${namespec(i)} ${i.statename} pid ${i.pid}`).join(", "));
      },
      `${this.kind} to settle in ${JSON.stringify(states)}`,
      20_000,
    );
  }

  /** The real supervisorctl, on this server's config. */
  async ctl(args: readonly string[]): Promise<Outcome> {
    const result = await runCommand(["supervisorctl", "-c", this.config, ...args], {
      cwd: this.dir,
      cleanEnv: true,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.dir, LANG: "C.UTF-8" },
      deadlineMs: 20_000,
    });
    if (result.problem !== undefined) throw new Error(result.problem);
    return {
      code: result.code,
      stdout: normalise(result.stdout, this.dir),
      stderr: normalise(result.stderr, this.dir),
    };
  }

  /** One step: supervisorctl, then until settled as the step says. */
  async step(step: Step): Promise<Outcome> {
    const old = new Map<string, number>();
    if (step.newPids !== undefined)
      for (const info of await this.infos())
        if (step.newPids.includes(namespec(info))) old.set(namespec(info), info.pid);
    const outcome = await this.ctl(step.args);
    if (step.settle !== undefined) await this.settle(step.settle, old);
    return outcome;
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

// ---------------------------------------------------------------- the tests

describe.skipIf(!supervisor.ok || !pidNamespaces.ok)(
  "supervisorctl on a config with tend's new keys: tend answers as supervisord",
  () => {
    let scratch: Scratch | undefined;
    let servers: Record<ServerKind, OracleServer> | undefined;
    let script: Promise<void> | undefined;
    const results = new Map(
      STEPS.map((step) => [step, deferred<Record<ServerKind, Outcome>>()] as const),
    );

    beforeAll(async () => {
      scratch = scratchDir("tend-new-keys-oracle-");
      const both = {
        supervisord: new OracleServer("supervisord", scratch.dir),
        tend: new OracleServer("tend", scratch.dir),
      };
      servers = both;
      await Promise.all([both.supervisord.start(), both.tend.start()]);
      // The steps in order, each against both servers at once, a run of
      // steps that change nothing side by side; a step that fails to run
      // fails the rest.
      script = (async () => {
        let broken: unknown;
        const run = async (step: Step) => {
          const result = results.get(step);
          try {
            const [supervisord, tend] = await Promise.all([
              both.supervisord.step(step),
              both.tend.step(step),
            ]);
            result?.resolve({ supervisord, tend });
          } catch (error) {
            broken ??= error;
            result?.reject(error);
          }
        };
        for (let i = 0; i < STEPS.length; ) {
          const batch = [STEPS[i] as Step];
          if (readOnly(batch[0] as Step))
            while (i + batch.length < STEPS.length && readOnly(STEPS[i + batch.length] as Step))
              batch.push(STEPS[i + batch.length] as Step);
          i += batch.length;
          if (broken !== undefined) for (const step of batch) results.get(step)?.reject(broken);
          else await Promise.all(batch.map(run));
        }
      })();
    }, 30_000);

    afterAll(async () => {
      await Promise.all([servers?.supervisord.dispose(), servers?.tend.dispose()]);
      await script?.catch(() => {});
      scratch?.cleanup();
    }, 30_000);

    for (const step of STEPS) {
      const known = step.knownDifference !== undefined;
      const why = step.sameLines !== undefined ? ` (lines in any order: ${step.sameLines})` : "";
      (known ? test.serial.failing : test.serial)(
        `${step.name}: supervisorctl ${step.args.join(" ")}${why}${known ? ` (known difference: ${step.knownDifference})` : ""}`,
        async () => {
          const outcome = await results.get(step)?.promise;
          if (!outcome) throw new Error(`no outcome for ${step.name}`);
          const { supervisord, tend } = outcome;
          const lines = (text: string) =>
            step.sameLines !== undefined ? text.split("\n").sort() : text;
          // supervisord's answer as the expected one, tend's as the received.
          const what = "supervisorctl → tend against supervisorctl → supervisord";
          expect({
            what,
            code: tend.code,
            stdout: lines(tend.stdout),
            stderr: tend.stderr,
          }).toEqual({
            what,
            code: supervisord.code,
            stdout: lines(supervisord.stdout),
            stderr: supervisord.stderr,
          });
        },
        60_000,
      );
    }
  },
);
