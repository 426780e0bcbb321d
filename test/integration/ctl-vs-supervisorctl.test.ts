// `tend ctl` beside the real supervisorctl 4.2.5, against one real server:
// every case runs through both clients, from the same server state, and
// their stdout, stderr and exit codes must match (pids, uptimes and times
// aside). The server is supervisord, or tend's own with
// CTL_COMPARE_TEND=dist/tend (then the client is `dist/tend ctl`);
// `compareWithSupervisorctl` takes any server command.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { TEND } from "./harness.ts";

const RUN_CTL = resolve(import.meta.dir, "run-ctl.ts");

/** One step that puts the server in the state a case needs; run before each client's turn. */
type Setup =
  | { readonly ctl: readonly string[] } // through supervisorctl, output ignored
  | { readonly config: "base" | "edited" } // rewrite the config file
  | { readonly settle: true }; // wait until nothing is STARTING or STOPPING

/** How the two results are compared. */
type Comparison =
  | "exact" // stdout, stderr, exit code (normalised)
  | "help-topics" // the same topics, plus tend's `wait`
  | "same-lines" // in any order: a group's or all processes' results come as they finish
  | "exit-code"; // a deliberate difference in wording (unreachable server)

export interface CtlCase {
  readonly name: string;
  /** The action and its arguments; an empty list starts the shell. */
  readonly args: readonly string[];
  /** Extra ctl options before the action (-s ...). */
  readonly options?: readonly string[];
  readonly setup?: readonly Setup[];
  readonly stdin?: string;
  /** Sends SIGINT after this many milliseconds (tail -f). */
  readonly interruptAfterMs?: number;
  readonly compare?: Comparison;
}

const stop = (...names: string[]): Setup => ({ ctl: ["stop", ...names] });
const start = (...names: string[]): Setup => ({ ctl: ["start", ...names] });
const SETTLE: Setup = { settle: true };
/** The base config, applied, and only the processes that start on their own running. */
const BASE: readonly Setup[] = [
  { config: "base" },
  { ctl: ["update"] },
  stop("all"),
  start("sleeper", "echoer", "grp:g1"),
  SETTLE,
];
const EDITED_AND_REREAD: readonly Setup[] = [...BASE, { config: "edited" }, { ctl: ["reread"] }];

const LONG_NAME = "a-rather-long-program-name-beyond-thirty";

export const CASES: readonly CtlCase[] = [
  // status
  { name: "status", args: ["status"], setup: BASE },
  { name: "status of one", args: ["status", "sleeper"] },
  { name: "status of an unknown name", args: ["status", "nosuch"] },
  { name: "status of a group", args: ["status", "grp:*"] },
  {
    name: "status of names, groups, unknowns",
    args: ["status", "sleeper", "nosuch", "grp:*", "nogroup:*", "x:y"],
  },
  { name: "status of running ones only", args: ["status", "sleeper", "echoer"] },
  { name: "status of a long name", args: ["status", LONG_NAME, "sleeper"] },

  // start, stop, restart
  { name: "start", args: ["start", "manual"], setup: [stop("manual")] },
  { name: "start, already started", args: ["start", "sleeper"] },
  { name: "start an unknown name", args: ["start", "nosuch"] },
  { name: "start an unknown group", args: ["start", "nosuch:*"] },
  { name: "start a missing command", args: ["start", "missing"] },
  { name: "start a program that exits at once", args: ["start", "quick"] },
  { name: "start without a name", args: ["start"] },
  {
    name: "start a group",
    args: ["start", "grp:*"],
    setup: [stop("grp:*")],
    compare: "same-lines",
  },
  {
    name: "start several",
    args: ["start", "manual", "nosuch", "sleeper"],
    setup: [stop("manual")],
  },
  { name: "stop", args: ["stop", "manual"], setup: [start("manual")] },
  { name: "stop, not running", args: ["stop", "manual"], setup: [stop("manual")] },
  { name: "stop an unknown name", args: ["stop", "nosuch"] },
  { name: "stop an unknown group", args: ["stop", "nosuch:*"] },
  { name: "stop without a name", args: ["stop"] },
  { name: "stop a group", args: ["stop", "grp:*"], setup: [start("grp:*")], compare: "same-lines" },
  { name: "restart", args: ["restart", "sleeper"], setup: [SETTLE] },
  {
    name: "restart a group",
    args: ["restart", "grp:*"],
    setup: [start("grp:g1"), stop("grp:g2"), SETTLE],
    compare: "same-lines",
  },
  { name: "restart without a name", args: ["restart"] },
  { name: "stop all", args: ["stop", "all"], setup: BASE, compare: "same-lines" },
  { name: "start all", args: ["start", "all"], setup: [stop("all")], compare: "same-lines" },

  // signal
  { name: "signal", args: ["signal", "CONT", "sleeper"], setup: BASE },
  {
    name: "signal a group, one not running",
    args: ["signal", "CONT", "grp:*"],
    setup: [stop("grp:g2")],
  },
  { name: "signal with a bad name", args: ["signal", "BOGUS", "sleeper"] },
  { name: "signal a stopped process", args: ["signal", "CONT", "manual"], setup: [stop("manual")] },
  { name: "signal an unknown group", args: ["signal", "CONT", "nosuch:*"] },
  { name: "signal without a name", args: ["signal", "CONT"] },
  { name: "signal all", args: ["signal", "CONT", "all"] },

  // pid
  { name: "pid", args: ["pid"] },
  { name: "pid of one", args: ["pid", "sleeper"] },
  { name: "pid of a stopped one", args: ["pid", "manual"] },
  { name: "pid of an unknown one", args: ["pid", "nosuch"] },
  { name: "pid all", args: ["pid", "all"] },

  // tail, maintail
  { name: "tail", args: ["tail", "echoer"] },
  { name: "tail -N", args: ["tail", "-4", "echoer"] },
  { name: "tail stderr", args: ["tail", "echoer", "stderr"] },
  { name: "tail an unknown name", args: ["tail", "nosuch"] },
  { name: "tail without a log file", args: ["tail", "nolog"] },
  { name: "tail with a bad channel", args: ["tail", "echoer", "bogus"] },
  { name: "tail with a bad modifier", args: ["tail", "-x", "echoer"] },
  { name: "tail without a name", args: ["tail"] },
  { name: "tail -f", args: ["tail", "-f", "echoer"], interruptAfterMs: 1000 },
  { name: "tail -f stderr", args: ["tail", "-f", "echoer", "stderr"], interruptAfterMs: 1000 },
  { name: "tail -f an unknown name", args: ["tail", "-f", "nosuch"] },
  { name: "maintail -N", args: ["maintail", "-200"] },
  { name: "maintail with a bad argument", args: ["maintail", "x"] },
  { name: "maintail -f", args: ["maintail", "-f"], interruptAfterMs: 1000 },

  // clear (after the tails: it empties the logs)
  { name: "clear", args: ["clear", "echoer"] },
  { name: "clear an unknown name", args: ["clear", "nosuch"] },
  { name: "clear a group spec", args: ["clear", "grp:*"] },
  { name: "clear without a name", args: ["clear"] },
  // (clear all is left to the unit tests: supervisord takes 7 s over it)

  // fg (attached, it races its own threads in supervisorctl: only its refusals compare)
  { name: "fg of a stopped process", args: ["fg", "manual"], setup: [stop("manual")] },
  { name: "fg of an unknown name", args: ["fg", "nosuch"] },

  // the server, the session
  { name: "avail", args: ["avail"] },
  { name: "avail with an argument", args: ["avail", "x"] },
  { name: "version", args: ["version"] },
  { name: "version with an argument", args: ["version", "x"] },
  { name: "help", args: ["help"], compare: "help-topics" },
  ...[
    "help",
    "status",
    "start",
    "stop",
    "restart",
    "signal",
    "tail",
    "maintail",
    "pid",
    "clear",
    "fg",
  ]
    .concat([
      "avail",
      "reread",
      "update",
      "add",
      "remove",
      "reload",
      "shutdown",
      "open",
      "version",
      "quit",
    ])
    .concat(["exit", "EOF", "bogus"])
    .map((topic): CtlCase => ({ name: `help ${topic}`, args: ["help", topic] })),
  { name: "an unknown action", args: ["bogus", "x"] },
  { name: "quit", args: ["quit"] },
  { name: "open a bad URL", args: ["open", "ftp://x"] },
  { name: "reload with an argument", args: ["reload", "x"] },
  { name: "shutdown with an argument", args: ["shutdown", "x"] },
  { name: "the shell", args: [], stdin: "version\nstatus sleeper\nbogus\n\nhelp quit\n" },
  { name: "the shell, quit", args: [], stdin: "quit\nversion\n" },
  { name: "an unknown option", args: ["status"], options: ["-x"] },

  // the config: reread, update, add, remove
  { name: "reread, no change", args: ["reread"], setup: BASE },
  { name: "reread", args: ["reread"], setup: [...BASE, { config: "edited" }] },
  { name: "avail after reread", args: ["avail"], setup: EDITED_AND_REREAD },
  { name: "update", args: ["update"], setup: [...BASE, { config: "edited" }] },
  {
    name: "update named groups",
    args: ["update", "newprog", "nosuch"],
    setup: [...BASE, { config: "edited" }],
  },
  { name: "add", args: ["add", "newprog"], setup: EDITED_AND_REREAD },
  { name: "add, already active", args: ["add", "sleeper"] },
  { name: "add an unknown name", args: ["add", "nosuch"] },
  { name: "remove a running group", args: ["remove", "sleeper"] },
  { name: "remove an unknown name", args: ["remove", "nosuch"] },
  { name: "remove", args: ["remove", "nolog"], setup: EDITED_AND_REREAD },

  // no server
  {
    name: "status, no server",
    args: ["status"],
    options: ["-s", "unix:///nonexistent/x.sock"],
    compare: "exit-code",
  },
  {
    name: "start, no server",
    args: ["start", "x"],
    options: ["-s", "unix:///nonexistent/x.sock"],
    compare: "exit-code",
  },
  {
    name: "avail, no server",
    args: ["avail"],
    options: ["-s", "unix:///nonexistent/x.sock"],
    compare: "exit-code",
  },
];

const PROGRAMS = `
[program:sleeper]
command=sleep 1000
startsecs=0

[program:echoer]
command=sh -c 'echo hello; echo a second line; echo oops >&2; exec sleep 1000'
startsecs=0
stdout_logfile=%(here)s/echoer.out
stderr_logfile=%(here)s/echoer.err

[program:manual]
command=sleep 1000
autostart=false
startsecs=0

[program:missing]
command=/nonexistent/command
autostart=false

[program:quick]
command=sh -c 'exit 3'
autostart=false
startsecs=1
startretries=0

[program:${LONG_NAME}]
command=sleep 1000
autostart=false

[group:grp]
programs=g1,g2

[program:g1]
command=sleep 1000
startsecs=0

[program:g2]
command=sleep 1000
autostart=false
startsecs=0
`;

function configText(variant: "base" | "edited"): string {
  const head = `[unix_http_server]
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
`;
  const nolog = "\n[program:nolog]\ncommand=sleep 1000\nautostart=false\nstdout_logfile=NONE\n";
  if (variant === "base") return head + PROGRAMS + nolog;
  // edited: sleeper changes, nolog disappears, newprog appears
  return `${head + PROGRAMS.replace("command=sleep 1000\nstartsecs=0", "command=sleep 1001\nstartsecs=0")}
[program:newprog]
command=sleep 1000
startsecs=0
`;
}

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

async function run(argv: readonly string[], cwd: string, kase?: CtlCase): Promise<Finished> {
  const proc = Bun.spawn([...argv], {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cwd, LANG: "C.UTF-8" },
    stdin: kase?.stdin === undefined ? "ignore" : new TextEncoder().encode(kase.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer =
    kase?.interruptAfterMs === undefined
      ? undefined
      : setTimeout(() => proc.kill("SIGINT"), kase.interruptAfterMs);
  const [stdout, stderr] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  await proc.exited;
  clearTimeout(timer);
  return { code: proc.exitCode, stdout, stderr };
}

/** What may differ between two runs: pids, uptimes, stop times, the program's name, Python's source position. */
export function normalise(text: string): string {
  return text
    .replace(/pid \d+, uptime (\d+ days?, )?\d+:\d{2}:\d{2}/g, "pid N, uptime T")
    .replace(/^\d+$/gm, "N")
    .replace(/[A-Z][a-z]{2} \d{2} \d{2}:\d{2} [AP]M/g, "TIME")
    .replace(/For help, use .* -h$/gm, "For help, use PROGRAM -h")
    .replace(/: file: \S+ line: \d+$/gm, "");
}

function topics(helpOutput: string): string[] {
  return helpOutput
    .split("\n")
    .slice(3)
    .flatMap((line) => line.split(/\s+/))
    .filter((word) => word !== "")
    .sort();
}

function compareResults(kase: CtlCase, oracle: Finished, ours: Finished): void {
  const compare = kase.compare ?? "exact";
  expect(ours.code).toBe(oracle.code);
  if (compare === "exit-code") {
    // Deliberately a message of tend's own, on stderr (see src/ctl/controller.ts).
    expect(ours.stderr).toStartWith("tend is not running at unix:///nonexistent/x.sock");
    return;
  }
  if (compare === "help-topics") {
    expect(topics(ours.stdout)).toEqual([...topics(oracle.stdout), "wait"].sort());
    expect(ours.stdout.split("\n").slice(0, 3)).toEqual(oracle.stdout.split("\n").slice(0, 3));
    return;
  }
  if (compare === "same-lines") {
    const sorted = (text: string) => normalise(text).split("\n").sort();
    expect(sorted(ours.stdout)).toEqual(sorted(oracle.stdout));
    expect(ours.stderr).toBe(oracle.stderr);
    return;
  }
  expect({ stdout: normalise(ours.stdout), stderr: normalise(ours.stderr) }).toEqual({
    stdout: normalise(oracle.stdout),
    stderr: normalise(oracle.stderr),
  });
}

export interface ComparisonOptions {
  /** Names the describe block. */
  readonly label: string;
  /** The server to start, given the config path (it must stay in the foreground). */
  readonly serverCommand: (config: string) => readonly string[];
  /** tend's client, given the config path. */
  readonly tendCtl?: (config: string) => readonly string[];
  readonly cases?: readonly CtlCase[];
}

/** Defines the comparison: one test per case, in order, against one server. */
export function compareWithSupervisorctl(options: ComparisonOptions): void {
  const tendCtl = options.tendCtl ?? ((config) => [process.execPath, RUN_CTL, "-c", config]);
  describe.serial(`tend ctl and supervisorctl against ${options.label}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "tend-ctl-vs-"));
    const config = join(dir, "supervisord.conf");
    const supervisorctl = (args: readonly string[]) =>
      run(["supervisorctl", "-c", config, ...args], dir);
    let server: ReturnType<typeof Bun.spawn> | undefined;

    const settle = async () => {
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await Bun.sleep(100)) {
        const status = await supervisorctl(["status"]);
        if (status.code !== 4 && !/STARTING|STOPPING|BACKOFF/.test(status.stdout)) return;
      }
      throw new Error("the server did not settle in 10 s");
    };

    const prepare = async (setup: readonly Setup[]) => {
      for (const step of setup) {
        if ("ctl" in step) await supervisorctl(step.ctl);
        else if ("config" in step) writeFileSync(config, configText(step.config));
        else await settle();
      }
    };

    beforeAll(async () => {
      writeFileSync(config, configText("base"));
      server = Bun.spawn([...options.serverCommand(config)], {
        cwd: dir,
        stdout: "ignore",
        stderr: "ignore",
      });
      await settle();
    }, 30_000);

    afterAll(async () => {
      // TERM: the server stops its programs before it exits.
      server?.kill("SIGTERM");
      await server?.exited;
      rmSync(dir, { recursive: true, force: true });
    }, 30_000);

    for (const kase of options.cases ?? CASES) {
      test.serial(
        kase.name,
        async () => {
          const args = [...(kase.options ?? []), ...kase.args];
          await prepare(kase.setup ?? []);
          const oracle = await run(["supervisorctl", "-c", config, ...args], dir, kase);
          await prepare(kase.setup ?? []);
          const ours = await run([...tendCtl(config), ...args], dir, kase);
          compareResults(kase, oracle, ours);
        },
        30_000,
      );
    }

    // `wait` is tend's own: no oracle, only its promises (tend.wait on
    // tend's server, polling on supervisord's).
    const wait = (...args: string[]) => run([...tendCtl(config), "wait", ...args], dir);

    test.serial("wait: running processes are ready at once", async () => {
      await prepare(BASE);
      expect(await wait("sleeper", "grp:g1", "--timeout", "5")).toEqual({
        code: 0,
        stdout: "",
        stderr: "",
      });
    });

    test.serial("wait: an unknown name exits 4", async () => {
      expect(await wait("nosuch", "--timeout", "1")).toEqual({
        code: 4,
        stdout: "nosuch: ERROR (no such process)\n",
        stderr: "",
      });
    });

    test.serial("wait: a stopped process times out, exit 1 naming it", async () => {
      await prepare([stop("manual")]);
      expect(await wait("manual", "sleeper", "--timeout", "0.5")).toEqual({
        code: 1,
        stdout: "Error: not ready after 0.5s: manual\n",
        stderr: "",
      });
    });

    test.serial("wait: returns once the process starts", async () => {
      await prepare([stop("manual")]);
      const waiting = wait("manual", "--timeout", "10");
      await Bun.sleep(500);
      await supervisorctl(["start", "manual"]);
      expect(await waiting).toEqual({ code: 0, stdout: "", stderr: "" });
    });
  });
}

const installed = Bun.which("supervisord") !== null && Bun.which("supervisorctl") !== null;
/** A tend executable: then the server compared against is tend's own, and the client `tend ctl`. */
const tendBinary = process.env.CTL_COMPARE_TEND;
if (!installed) {
  console.warn(
    "SKIPPING the tend ctl / supervisorctl comparison: supervisord and supervisorctl are not installed (apt-get install supervisor)",
  );
  describe.skip("tend ctl and supervisorctl (supervisor not installed)", () => {
    test("needs supervisord and supervisorctl", () => {});
  });
} else {
  compareWithSupervisorctl({
    label: "supervisord",
    serverCommand: (config) => ["supervisord", "-n", "-c", config],
  });
  // The same cases with tend as the server: supervisorctl and tend ctl must
  // print the same against it too. CTL_COMPARE_TEND picks another build.
  const binary = resolve(tendBinary !== undefined && tendBinary !== "" ? tendBinary : TEND);
  compareWithSupervisorctl({
    label: `tend (${binary})`,
    serverCommand: (config) => [binary, "-c", config],
    tendCtl: (config) => [binary, "ctl", "-c", config],
  });
}
