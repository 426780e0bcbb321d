// The control clients against the control servers, one case table for all:
// {supervisorctl 4.2.5, tend ctl} × {supervisord 4.2.5, tend}. The
// reference is supervisorctl against supervisord; every other combination
// must print the same lines on stdout and stderr and exit with the same
// code (pids, uptimes, stop times and the servers' directories aside), in
// the way the case says (`compare` for what tend ctl may word differently,
// `acrossServers` for what a server words in its own way).
//
// Each server runs as PID 1 of its own namespace, one supervisord and one
// tend side by side, for the whole table: every case runs through both
// clients against each, after the case's setup (applied through the
// XML-RPC calls supervisorctl makes), so the two clients find the same
// server state. Runs of cases that change nothing (`status`, `help`, ...)
// go together; the rest go one by one. A case without setup finds what the
// cases before it left. Skipped, saying why, where Debian's supervisor is
// not installed. CTL_MATRIX_TIMES=1 prints how long each case took.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type CommandResult,
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
  type Value,
  waitFor,
  waitingForInput,
} from "../harness/index.ts";

if (!supervisor.ok) console.warn(`SKIPPING the ctl matrix: ${supervisor.reason}`);
if (!pidNamespaces.ok) console.warn(`SKIPPING the ctl matrix: ${pidNamespaces.reason}`);

/** tend under test, as the server and as the client (CTL_COMPARE_TEND, or TEND_UNDER_TEST, picks another build). */
const TEND_BINARY = process.env.CTL_COMPARE_TEND || TEND;

// ---------------------------------------------------------------- the case table

/** One step that puts a server in the state a case needs; run before each client's turn. */
type Setup =
  | { readonly ctl: readonly string[] } // an action, as supervisorctl would make it, output ignored
  | { readonly config: "base" | "edited" } // rewrite the config file
  | { readonly settle: true } // until nothing is STARTING, STOPPING or BACKOFF
  | { readonly server: "running" }; // a server that was shut down is started again

/** How a tend ctl result may differ from supervisorctl's. */
type Comparison =
  | "exact" // stdout, stderr, exit code (normalised)
  | "help-topics" // the same topics, plus tend's `wait`
  | "same-lines" // in any order: a group's or all processes' results come as they finish
  | "exit-code"; // a deliberate difference in wording (unreachable server)

/** How tend's result may differ from supervisord's (same client). */
type AcrossServers =
  | "same" // as `compare` says
  // The server's own words (its main log): against the other server only the
  // exit code and that there is text; exact between the clients on one server.
  | "main-log"
  // supervisord itself answers this two ways (spawn error or abnormal
  // termination, whether its child exited before it looked): tend must give
  // one of them; exact between the clients on one server.
  | "either-failure";

/** What a client has printed once an interactive follow has shown all there is. */
type Follow = "echoer.out" | "echoer.err" | "supervisord.log";

export interface CtlCase {
  readonly name: string;
  /** The action and its arguments; an empty list starts the shell. */
  readonly args: readonly string[];
  /** Extra ctl options before the action (-s ...). */
  readonly options?: readonly string[];
  readonly setup?: readonly Setup[];
  readonly stdin?: string;
  /** An interactive follow (tail -f): interrupted (SIGINT) once it has printed this file's last line. */
  readonly follow?: Follow;
  readonly compare?: Comparison;
  readonly acrossServers?: AcrossServers;
  /** After each client's turn: wait for the server to come back (reload) or to go (shutdown). */
  readonly after?: "restarted" | "gone";
  /**
   * A difference between tend's server and supervisord that is a bug of
   * tend's, described: supervisorctl → tend is held to the reference in a
   * test marked failing (it flips once tend is fixed), tend ctl → tend to
   * supervisorctl → tend meanwhile.
   */
  readonly knownDifference?: string;
  /**
   * A difference tend makes on purpose (docs/migrating.md): against tend's
   * server both clients must give exactly this, and say why in the test name.
   */
  readonly deliberate?: {
    readonly why: string;
    readonly tend: { readonly code: number; readonly stdout: string; readonly stderr: string };
  };
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
const NO_SERVER = ["-s", "unix:///nonexistent/x.sock"];

const HELP_TOPICS = [
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
  "exit",
  "EOF",
  "bogus",
];

export const CASES: readonly CtlCase[] = [
  // status
  { name: "status", args: ["status"], setup: BASE },
  { name: "status of one", args: ["status", "sleeper"] },
  { name: "status of an unknown name", args: ["status", "nosuch"] },
  { name: "status of a group", args: ["status", "grp:*"] },
  { name: "status of a group and an unknown group", args: ["status", "grp:*", "nogroup:*"] },
  {
    name: "status of names, groups, unknowns",
    args: ["status", "sleeper", "nosuch", "grp:*", "nogroup:*", "x:y"],
  },
  { name: "status of running ones only", args: ["status", "sleeper", "echoer"] },
  { name: "status of a long name", args: ["status", LONG_NAME, "sleeper"] },

  // start, stop, restart
  { name: "start", args: ["start", "manual"], setup: [stop("manual")] },
  { name: "start, started by the case before", args: ["start", "manual"] },
  { name: "start, already started", args: ["start", "sleeper"] },
  { name: "start an unknown name", args: ["start", "nosuch"] },
  { name: "start an unknown group", args: ["start", "nosuch:*"] },
  { name: "start an unknown name and an unknown group", args: ["start", "nosuch", "nosuch:*"] },
  { name: "start a missing command", args: ["start", "missing"] },
  {
    name: "start a program that exits at once",
    args: ["start", "quick"],
    acrossServers: "either-failure",
  },
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
  {
    name: "stop a group",
    args: ["stop", "grp:*"],
    setup: [start("grp:*")],
    compare: "same-lines",
  },
  { name: "status after starts and stops", args: ["status"], setup: [SETTLE] },
  { name: "restart", args: ["restart", "sleeper"], setup: [SETTLE] },
  {
    name: "restart a group",
    args: ["restart", "grp:*"],
    setup: [start("grp:g1"), stop("grp:g2"), SETTLE],
    compare: "same-lines",
  },
  {
    name: "restart a group, both running",
    args: ["restart", "grp:*"],
    setup: [start("grp:*"), SETTLE],
    compare: "same-lines",
  },
  { name: "restart without a name", args: ["restart"] },
  { name: "stop all", args: ["stop", "all"], setup: BASE, compare: "same-lines" },
  { name: "start all", args: ["start", "all"], setup: [stop("all")], compare: "same-lines" },

  // signal
  {
    name: "signal a group, both running",
    args: ["signal", "CONT", "grp:*"],
    setup: [start("grp:*")],
    compare: "same-lines",
  },
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
  {
    name: "tail without a log file",
    args: ["tail", "nolog"],
    deliberate: {
      why: "stdout_logfile=NONE keeps a tail ring in tend (tail works whatever the sink); supervisord has no log to read (NO_FILE)",
      tend: { code: 0, stdout: "\n", stderr: "" },
    },
  },
  { name: "tail with a bad channel", args: ["tail", "echoer", "bogus"] },
  { name: "tail with a bad modifier", args: ["tail", "-x", "echoer"] },
  { name: "tail without a name", args: ["tail"] },
  { name: "tail -f", args: ["tail", "-f", "echoer"], follow: "echoer.out" },
  { name: "tail -f stderr", args: ["tail", "-f", "echoer", "stderr"], follow: "echoer.err" },
  { name: "tail -f an unknown name", args: ["tail", "-f", "nosuch"] },
  { name: "maintail -N", args: ["maintail", "-200"], acrossServers: "main-log" },
  { name: "maintail with a bad argument", args: ["maintail", "x"] },
  {
    name: "maintail -f",
    args: ["maintail", "-f"],
    follow: "supervisord.log",
    acrossServers: "main-log",
  },

  // clear (after the tails: it empties the logs)
  { name: "clear", args: ["clear", "echoer"] },
  { name: "tail after clear", args: ["tail", "echoer"] },
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
  ...HELP_TOPICS.map((topic): CtlCase => ({ name: `help ${topic}`, args: ["help", topic] })),
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
  {
    name: "update an unknown group",
    args: ["update", "nosuch"],
    setup: [...BASE, { config: "edited" }],
  },
  { name: "update", args: ["update"], setup: [...BASE, { config: "edited" }] },
  { name: "status after update", args: ["status"], setup: [SETTLE] },
  { name: "reread after update", args: ["reread"] },
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
  {
    name: "remove a stopped group",
    args: ["remove", "newprog"],
    setup: [{ ctl: ["update"] }, SETTLE, stop("newprog")],
  },
  {
    name: "add a removed group",
    args: ["add", "newprog"],
    setup: [stop("newprog"), { ctl: ["remove", "newprog"] }],
  },
  { name: "status after remove and add", args: ["status"], setup: [SETTLE] },

  // no server
  { name: "status, no server", args: ["status"], options: NO_SERVER, compare: "exit-code" },
  { name: "start, no server", args: ["start", "x"], options: NO_SERVER, compare: "exit-code" },
  { name: "avail, no server", args: ["avail"], options: NO_SERVER, compare: "exit-code" },

  // the server's end: reload (it restarts with the config read again), shutdown
  { name: "reload", args: ["reload"], setup: [SETTLE], after: "restarted" },
  { name: "status after reload", args: ["status"] },
  { name: "shutdown", args: ["shutdown"], setup: [{ server: "running" }], after: "gone" },
];

/** Actions that change nothing on the server: their cases may run side by side. */
const READ_ONLY_ACTIONS = new Set([
  "status",
  "pid",
  "tail",
  "maintail",
  "avail",
  "version",
  "help",
  "fg",
  "quit",
  "open",
  "bogus",
]);

function readOnly(kase: CtlCase): boolean {
  if ((kase.setup ?? []).length > 0 || kase.after !== undefined) return false;
  if (kase.args.length === 0) return true; // the shell: version, status, bogus, help
  return READ_ONLY_ACTIONS.has(kase.args[0] as string) || kase.options === NO_SERVER;
}

// ---------------------------------------------------------------- the config

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

/** The processes each config starts on its own. */
const AUTOSTART = {
  base: ["sleeper", "echoer", "grp:g1"],
  edited: ["sleeper", "echoer", "grp:g1", "newprog"],
} as const;

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

// ---------------------------------------------------------------- servers and clients

type Client = "supervisorctl" | "tend ctl";
type ServerKind = "supervisord" | "tend";

interface Combination {
  readonly client: Client;
  readonly server: ServerKind;
}

const REFERENCE: Combination = { client: "supervisorctl", server: "supervisord" };
const CANDIDATES: readonly Combination[] = [
  { client: "tend ctl", server: "supervisord" },
  { client: "supervisorctl", server: "tend" },
  { client: "tend ctl", server: "tend" },
];

const label = (c: Combination) => `${c.client} → ${c.server}`;

/** What one client printed against one server, normalised. */
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
  /** When it was last started (seconds), 0 if never. */
  readonly start: number;
}

const namespec = (info: Info) =>
  info.group === info.name ? info.name : `${info.group}:${info.name}`;

/** Runs up to `limit` of `tasks` at a time. */
async function inParallel(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < tasks.length; i = next++) await (tasks[i] as () => Promise<void>)();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
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

/** One server (supervisord or tend, as PID 1) and the whole table run through both clients against it. */
class ServerRun {
  readonly dir: string;
  readonly config: string;
  readonly socket: string;
  private server: Started | undefined;
  private readonly results = new Map<
    CtlCase,
    ReturnType<typeof deferred<Record<Client, Outcome>>>
  >();

  constructor(
    readonly kind: ServerKind,
    parent: string,
  ) {
    this.dir = join(parent, kind);
    mkdirSync(this.dir);
    this.config = join(this.dir, "supervisord.conf");
    this.socket = join(this.dir, "ctl.sock");
    for (const kase of CASES) this.results.set(kase, deferred());
  }

  /** Both clients' outcomes for `kase`, once its turn has come. */
  outcomes(kase: CtlCase): Promise<Record<Client, Outcome>> {
    const result = this.results.get(kase);
    if (!result) throw new Error(`no case ${kase.name}`);
    return result.promise;
  }

  async start(variant: "base" | "edited"): Promise<void> {
    writeFileSync(this.config, configText(variant));
    const command = this.kind === "supervisord" ? ["supervisord", "-n"] : [TEND_BINARY];
    this.server = startInNamespace(["-c", this.config], { binary: command, cwd: this.dir });
    await this.restarted(AUTOSTART[variant], new Set());
  }

  async dispose(): Promise<void> {
    await this.server?.dispose();
  }

  call(method: string, ...params: Value[]): Promise<Value> {
    return rpc(this.socket, method, params);
  }

  async infos(): Promise<Info[]> {
    return (await this.call("supervisor.getAllProcessInfo")) as unknown as Info[];
  }

  /**
   * Until nothing is STARTING, STOPPING or BACKOFF, and every process that
   * starts on its own has been started (supervisord starts an added group's
   * programs at its next turn, not at once).
   */
  async settle(): Promise<void> {
    await eventually(async () => {
      const [infos, configs] = await Promise.all([
        this.infos(),
        this.call("supervisor.getAllConfigInfo") as Promise<unknown> as Promise<
          { group: string; name: string; autostart: boolean }[]
        >,
      ]);
      const autostart = new Set(
        configs.filter((c) => c.autostart).map((c) => `${c.group}:${c.name}`),
      );
      const unsettled = infos.filter(
        (i) =>
          ["STARTING", "STOPPING", "BACKOFF"].includes(i.statename) ||
          (autostart.has(`${i.group}:${i.name}`) && i.start === 0),
      );
      if (unsettled.length === 0) return true;
      // The last answer, for the timeout's message.
      throw new Error(unsettled.map((i) => `${namespec(i)} ${i.statename}`).join(", "));
    }, `${this.kind} to settle`);
  }

  /**
   * Until the server answers with exactly `autostart` RUNNING, each with a
   * pid it did not have in `before` (a start or a restart is complete), and
   * nothing STARTING, STOPPING or BACKOFF.
   */
  async restarted(autostart: readonly string[], before: ReadonlySet<number>): Promise<void> {
    await eventually(
      async () => {
        if (this.server?.ended) throw new Error(`${this.kind} ended`);
        const infos = await this.infos();
        const running = infos.filter((i) => i.statename === "RUNNING");
        return (
          infos.every((i) => !["STARTING", "STOPPING", "BACKOFF"].includes(i.statename)) &&
          running.map(namespec).sort().join() === [...autostart].sort().join() &&
          running.every((i) => !before.has(i.pid))
        );
      },
      `${this.kind} to (re)start its programs`,
      20_000,
    );
  }

  /**
   * supervisorctl's action, made with the XML-RPC calls it makes (its output
   * is not wanted here), without their `wait`: the server is asked until it
   * has settled instead, which is quicker with supervisord (it answers a
   * waiting call at its next turn, up to a second later).
   */
  private async act(args: readonly string[]): Promise<void> {
    const [action, ...names] = args;
    const quietly = (call: Promise<unknown>) => call.catch(() => {});
    // A program supervisord is about to start on its own would start after a stop.
    await this.settle();
    if (action === "reread") await this.call("supervisor.reloadConfig");
    else if (action === "update") {
      // supervisorctl's do_update without names.
      const [[added, changed, removed]] = (await this.call("supervisor.reloadConfig")) as [
        [string[], string[], string[]],
      ];
      const going = [...(removed ?? []), ...(changed ?? [])];
      for (const group of going)
        await quietly(this.call("supervisor.stopProcessGroup", group, false));
      await this.settle();
      for (const group of going) {
        await this.call("supervisor.removeProcessGroup", group);
        if (changed?.includes(group)) await this.call("supervisor.addProcessGroup", group);
      }
      for (const group of added ?? []) await this.call("supervisor.addProcessGroup", group);
    } else if (action === "remove") {
      for (const name of names) await quietly(this.call("supervisor.removeProcessGroup", name));
    } else if (action === "start" || action === "stop") {
      for (const name of names) {
        if (name === "all") await quietly(this.call(`supervisor.${action}AllProcesses`, false));
        else if (name.endsWith(":*"))
          await quietly(this.call(`supervisor.${action}ProcessGroup`, name.slice(0, -2), false));
        else await quietly(this.call(`supervisor.${action}Process`, name, false));
      }
    } else throw new Error(`no setup action ${action}`);
    await this.settle();
  }

  private async prepare(setup: readonly Setup[]): Promise<void> {
    for (const step of setup) {
      if ("ctl" in step) await this.act(step.ctl);
      else if ("config" in step) writeFileSync(this.config, configText(step.config));
      else if ("settle" in step) await this.settle();
      else if (this.server?.ended) await this.start("edited");
    }
  }

  /**
   * The interrupt condition of a follow: the file's last line has been
   * printed, and the client waits for more. (supervisorctl interrupted while
   * it still handles what it read says `Cannot connect, error:
   * KeyboardInterrupt` instead of ending the line.)
   */
  private followed(file: Follow): (stdout: string, stderr: string, pid: number) => boolean {
    return (stdout, _stderr, pid) => {
      let text = "";
      try {
        text = readFileSync(join(this.dir, file), "utf8");
      } catch {
        // not there yet
      }
      const complete = text.slice(0, text.lastIndexOf("\n") + 1);
      const last = complete.slice(complete.lastIndexOf("\n", complete.length - 2) + 1);
      return last !== "" && stdout.includes(last) && waitingForInput(pid);
    };
  }

  private async client(client: Client, kase: CtlCase): Promise<Outcome> {
    const argv =
      client === "supervisorctl"
        ? ["supervisorctl", "-c", this.config]
        : [TEND_BINARY, "ctl", "-c", this.config];
    const result: CommandResult = await runCommand(
      [...argv, ...(kase.options ?? []), ...kase.args],
      {
        cwd: this.dir,
        cleanEnv: true,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: this.dir, LANG: "C.UTF-8" },
        ...(kase.stdin !== undefined ? { stdin: kase.stdin } : {}),
        ...(kase.follow !== undefined ? { interruptWhen: this.followed(kase.follow) } : {}),
        deadlineMs: 20_000,
      },
    );
    if (result.problem !== undefined) throw new Error(result.problem);
    return {
      code: result.code,
      stdout: normalise(result.stdout, this.dir),
      stderr: normalise(result.stderr, this.dir),
    };
  }

  private async afterwards(kase: CtlCase, before: ReadonlySet<number>): Promise<void> {
    if (kase.after === "restarted") await this.restarted(AUTOSTART.edited, before);
    if (kase.after === "gone" && this.server)
      await waitFor(() => this.server?.ended, `${this.kind} to exit after shutdown`);
  }

  /** Setup, one client, setup, the other: from the same state, one after the other. */
  private async oneByOne(kase: CtlCase): Promise<Record<Client, Outcome>> {
    const turn = async (client: Client) => {
      await this.prepare(kase.setup ?? []);
      const before = new Set<number>(
        kase.after === "restarted" ? (await this.infos()).map((i) => i.pid) : [],
      );
      const outcome = await this.client(client, kase);
      await this.afterwards(kase, before);
      return outcome;
    };
    const first = await turn("supervisorctl");
    const second = await turn("tend ctl");
    return { supervisorctl: first, "tend ctl": second };
  }

  /** Both clients at once: the case changes nothing. */
  private async together(kase: CtlCase): Promise<Record<Client, Outcome>> {
    const [first, second] = await Promise.all([
      this.client("supervisorctl", kase),
      this.client("tend ctl", kase),
    ]);
    return { supervisorctl: first, "tend ctl": second };
  }

  /** The whole table, in order; runs of read-only cases side by side. */
  async runAll(): Promise<void> {
    const settle = (kase: CtlCase, run: Promise<Record<Client, Outcome>>) =>
      run.then(
        (outcome) => this.results.get(kase)?.resolve(outcome),
        (error) => this.results.get(kase)?.reject(error),
      );
    for (let i = 0; i < CASES.length; ) {
      const kase = CASES[i] as CtlCase;
      if (!readOnly(kase)) {
        const t0 = performance.now();
        await settle(kase, this.oneByOne(kase));
        if (process.env.CTL_MATRIX_TIMES)
          console.log(`${this.kind} ${kase.name}: ${Math.round(performance.now() - t0)} ms`);
        i++;
        continue;
      }
      const run: CtlCase[] = [];
      for (; i < CASES.length && readOnly(CASES[i] as CtlCase); i++) run.push(CASES[i] as CtlCase);
      const t0 = performance.now();
      await inParallel(
        run.map((k) => () => settle(k, this.together(k))),
        3,
      );
      if (process.env.CTL_MATRIX_TIMES)
        console.log(
          `${this.kind} ${run.length} read-only cases from ${run[0]?.name}: ${Math.round(performance.now() - t0)} ms`,
        );
    }
  }
}

// ---------------------------------------------------------------- comparing

/** What may differ between two runs: pids, uptimes, stop times, the program's name, the server's directory, Python's source position. */
export function normalise(text: string, dir: string): string {
  return text
    .replaceAll(dir, "DIR")
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

/** `candidate` (from `client`) against `reference` (supervisorctl's), as `compare` says. */
function expectClientMatch(
  kase: CtlCase,
  client: Client,
  reference: Outcome,
  candidate: Outcome,
  what: string,
): void {
  const compare = kase.compare ?? "exact";
  if (compare === "exit-code" && client === "tend ctl") {
    // Deliberately a message of tend's own, on stderr (see src/ctl/controller.ts).
    expect({ what, code: candidate.code }).toEqual({ what, code: reference.code });
    expect(candidate.stderr).toStartWith("tend is not running at unix:///nonexistent/x.sock");
    return;
  }
  if (compare === "help-topics") {
    const added = client === "tend ctl" ? ["wait"] : [];
    expect({ what, code: candidate.code, topics: topics(candidate.stdout) }).toEqual({
      what,
      code: reference.code,
      topics: [...topics(reference.stdout), ...added].sort(),
    });
    expect(candidate.stdout.split("\n").slice(0, 3)).toEqual(
      reference.stdout.split("\n").slice(0, 3),
    );
    return;
  }
  if (compare === "same-lines") {
    const sorted = (text: string) => text.split("\n").sort();
    expect({
      what,
      code: candidate.code,
      stdout: sorted(candidate.stdout),
      stderr: candidate.stderr,
    }).toEqual({
      what,
      code: reference.code,
      stdout: sorted(reference.stdout),
      stderr: reference.stderr,
    });
    return;
  }
  expect({
    what,
    code: candidate.code,
    stdout: candidate.stdout,
    stderr: candidate.stderr,
  }).toEqual({ what, code: reference.code, stdout: reference.stdout, stderr: reference.stderr });
}

/** supervisord's own two answers to starting a program that exits at once (startsecs=1). */
const EITHER_FAILURE = ["quick: ERROR (spawn error)\n", "quick: ERROR (abnormal termination)\n"];

function expectMatch(
  kase: CtlCase,
  combination: Combination,
  outcomes: Record<ServerKind, Record<Client, Outcome>>,
): void {
  const reference = outcomes[REFERENCE.server][REFERENCE.client];
  const candidate = outcomes[combination.server][combination.client];
  const across = kase.acrossServers ?? "same";
  const what = `${label(combination)} against ${label(REFERENCE)}`;
  if (kase.deliberate !== undefined && combination.server === "tend") {
    expect({
      what,
      code: candidate.code,
      stdout: candidate.stdout,
      stderr: candidate.stderr,
    }).toEqual({
      what,
      ...kase.deliberate.tend,
    });
    return;
  }
  if (kase.knownDifference !== undefined && combination.client === "tend ctl") {
    const sameServer = outcomes[combination.server].supervisorctl;
    expectClientMatch(
      kase,
      "tend ctl",
      sameServer,
      candidate,
      `${label(combination)} against supervisorctl → ${combination.server}`,
    );
    if (combination.server === "tend") return;
  }
  if (combination.server === REFERENCE.server || across === "same") {
    expectClientMatch(kase, combination.client, reference, candidate, what);
    return;
  }
  // tend's server, a case it may word in its own way.
  if (combination.client === "tend ctl") {
    // Exact with supervisorctl against the same tend...
    const sameServer = outcomes.tend.supervisorctl;
    expectClientMatch(
      kase,
      "tend ctl",
      sameServer,
      candidate,
      `${label(combination)} against supervisorctl → tend`,
    );
  }
  if (across === "main-log") {
    // ...and against supervisord: the exit code, and that there is text.
    expect({ what, code: candidate.code }).toEqual({ what, code: reference.code });
    expect(`${candidate.stdout}${candidate.stderr}`.length).toBeGreaterThan(0);
  } else {
    // ...and against supervisord: one of its own answers.
    expect({ what, code: candidate.code, stderr: candidate.stderr }).toEqual({
      what,
      code: 7,
      stderr: "",
    });
    expect(EITHER_FAILURE).toContain(candidate.stdout);
  }
}

// ---------------------------------------------------------------- the tests

describe.skipIf(!supervisor.ok || !pidNamespaces.ok)(
  "the ctl matrix: {supervisorctl, tend ctl} × {supervisord, tend}",
  () => {
    let scratch: Scratch | undefined;
    let runs: Record<ServerKind, ServerRun> | undefined;
    let table: Promise<void> | undefined;

    beforeAll(async () => {
      scratch = scratchDir("tend-ctl-matrix-");
      const both = {
        supervisord: new ServerRun("supervisord", scratch.dir),
        tend: new ServerRun("tend", scratch.dir),
      };
      runs = both;
      // Both servers at once, then each runs the table on its own.
      await Promise.all([both.supervisord.start("base"), both.tend.start("base")]);
      table = Promise.all([both.supervisord.runAll(), both.tend.runAll()]).then(() => {});
    }, 30_000);

    afterAll(async () => {
      // Done by now unless a test gave up waiting: the servers' end ends it then.
      await Promise.all([runs?.supervisord.dispose(), runs?.tend.dispose()]);
      await table?.catch(() => {});
      scratch?.cleanup();
    }, 30_000);

    for (const kase of CASES) {
      for (const combination of CANDIDATES) {
        const knownToFail =
          kase.knownDifference !== undefined &&
          combination.server === "tend" &&
          combination.client === "supervisorctl";
        const deliberately =
          kase.deliberate !== undefined && combination.server === "tend"
            ? ` (deliberately: ${kase.deliberate.why})`
            : "";
        (knownToFail ? test.serial.failing : test.serial)(
          `${kase.name} [${label(combination)}]${knownToFail ? ` (known difference: ${kase.knownDifference})` : ""}${deliberately}`,
          async () => {
            if (!runs) throw new Error("the servers did not start");
            const [supervisord, tend] = await Promise.all([
              runs.supervisord.outcomes(kase),
              runs.tend.outcomes(kase),
            ]);
            expectMatch(kase, combination, { supervisord, tend });
          },
          60_000,
        );
      }
    }
  },
);
