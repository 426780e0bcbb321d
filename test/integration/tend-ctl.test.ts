// tend's own control methods, each through a real client against a real
// server (PID 1 of its own namespace): tend.getVersion (Python's
// xmlrpc.client over supervisor's own transport: tend ctl does not call
// it), tend.update (`tend ctl update` restarts only the changed process of
// a group) and tend.wait (`tend ctl wait`). `tend ctl wait` also runs
// against the real supervisord, which has no tend.wait: there the client
// polls, with the same promises.

import { describe, expect, test } from "bun:test";
import {
  type CommandResult,
  descendantsOf,
  innerPidOf,
  isAlive,
  launchServer,
  pidNamespaces,
  runCommand,
  type Server,
  type ServerKind,
  supervisor,
  supervisorPython,
  TEND,
  writeConfig,
} from "../harness/index.ts";

if (!pidNamespaces.ok) console.warn(`SKIPPING the tend ctl tests: ${pidNamespaces.reason}`);

const PROGRAMS = `
[program:keep]
command=sleep 1000
startsecs=0

[group:pair]
programs=left,right

[program:left]
command=sleep 1003
startsecs=0

[program:right]
command=sleep 1004
startsecs=0

[program:manual]
command=sleep 1000
autostart=false
startsecs=0

[program:slow]
command=sleep 1000
autostart=false
startsecs=1
`;

/** `tend ctl -c CONFIG ARGS...` against `server`, killed after `deadlineMs`. */
function ctl(server: Server, args: readonly string[], deadlineMs = 15_000): Promise<CommandResult> {
  return runCommand([TEND, "ctl", "-c", server.config, ...args], { deadlineMs });
}

/** What a client run comes to: its exit code and output, and whether it had to be killed. */
function outcome(result: CommandResult) {
  return {
    code: result.code,
    stdout: result.stdout,
    stderr: result.stderr,
    killed: result.problem ?? "no",
  };
}

interface Info {
  readonly name: string;
  readonly group: string;
  readonly statename: string;
  readonly pid: number;
}

async function infos(server: Server): Promise<Map<string, Info>> {
  const all = (await server.call("supervisor.getAllProcessInfo")) as unknown as Info[];
  return new Map(all.map((i) => [i.group === i.name ? i.name : `${i.group}:${i.name}`, i]));
}

/** Until every program that starts on its own is RUNNING. */
async function running(server: Server, names: readonly string[]): Promise<Map<string, Info>> {
  const deadline = performance.now() + 15_000;
  for (;;) {
    const all = await infos(server);
    if (names.every((name) => all.get(name)?.statename === "RUNNING")) return all;
    if (performance.now() > deadline) throw new Error(`not RUNNING: ${JSON.stringify([...all])}`);
    await Bun.sleep(20);
  }
}

/** The outer pid of the process that is `inner` inside `server`'s namespace. */
async function outerPid(server: Server, inner: number): Promise<number> {
  const pid = descendantsOf(await server.run.initPid).find((p) => innerPidOf(p) === inner);
  if (pid === undefined) throw new Error(`no process ${inner} in the namespace`);
  return pid;
}

const AUTOSTART = ["keep", "pair:left", "pair:right"];

describe.skipIf(!pidNamespaces.ok)("tend's own methods, through real clients against tend", () => {
  // supervisor's transport is the Python client supervisorctl itself uses.
  test.skipIf(!supervisor.ok)(
    "tend.getVersion (Python's xmlrpc.client, supervisor's transport): tend's own version, as `tend --version` prints it",
    async () => {
      await using tend = await launchServer("tend", { programs: PROGRAMS });
      const python = await runCommand([
        supervisorPython(),
        "-c",
        [
          "import sys, xmlrpc.client",
          "from supervisor.xmlrpc import SupervisorTransport",
          'transport = SupervisorTransport(None, None, "unix://" + sys.argv[1])',
          'proxy = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)',
          "print(proxy.tend.getVersion())",
          "print(proxy.supervisor.getSupervisorVersion())",
        ].join("\n"),
        tend.socket,
      ]);
      const version = await runCommand([TEND, "--version"]);
      expect(version.stdout).toMatch(/^tend \d+\.\d+\.\d+\n$/);
      // tend's version, not the supervisord version whose behaviour it follows.
      expect({ code: python.code, stdout: python.stdout, stderr: python.stderr }).toEqual({
        code: 0,
        stdout: `${version.stdout.slice("tend ".length)}4.2.5\n`,
        stderr: "",
      });
    },
    20_000,
  );

  test("tend.update (`tend ctl update`): only the changed process of a group restarts; its sibling and the other programs keep their pid", async () => {
    await using tend = await launchServer("tend", { programs: PROGRAMS });
    const before = await running(tend, AUTOSTART);
    const outer = {
      keep: await outerPid(tend, before.get("keep")?.pid ?? 0),
      left: await outerPid(tend, before.get("pair:left")?.pid ?? 0),
      right: await outerPid(tend, before.get("pair:right")?.pid ?? 0),
    };
    writeConfig(tend.dir, PROGRAMS.replace("command=sleep 1004", "command=sleep 2004"));
    const update = await ctl(tend, ["update"]);
    // supervisorctl's update would stop and re-add the whole group.
    expect(outcome(update)).toEqual({
      code: 0,
      stdout: "pair: stopped right (changed); kept left (unchanged)\npair: updated process group\n",
      stderr: "",
      killed: "no",
    });
    const after = await running(tend, AUTOSTART);
    expect(after.get("pair:right")?.pid).not.toBe(before.get("pair:right")?.pid);
    expect(after.get("pair:left")?.pid).toBe(before.get("pair:left")?.pid);
    expect(after.get("keep")?.pid).toBe(before.get("keep")?.pid);
    // The same seen from outside: the processes themselves, not only the replies.
    expect([isAlive(outer.keep), isAlive(outer.left), isAlive(outer.right)]).toEqual([
      true,
      true,
      false,
    ]);
    const right = await outerPid(tend, after.get("pair:right")?.pid ?? 0);
    expect((await Bun.file(`/proc/${right}/cmdline`).text()).split("\0")).toEqual([
      "sleep",
      "2004",
      "",
    ]);
  }, 20_000);
});

/** `tend ctl wait` against each server: tend answers (tend.wait), with supervisord the client polls. */
const SERVERS: readonly ServerKind[] = supervisor.ok ? ["tend", "supervisord"] : ["tend"];
if (!supervisor.ok)
  console.warn(`SKIPPING tend ctl wait against supervisord: ${supervisor.reason}`);

for (const kind of SERVERS) {
  const how = kind === "tend" ? "tend.wait" : "the client polls";
  describe.skipIf(!pidNamespaces.ok)(`tend ctl wait against ${kind} (${how})`, () => {
    /** tend says why a process is not ready; the client polling supervisord cannot. */
    const why = (reason: string) => (kind === "tend" ? ` (${reason})` : "");
    const launch = async () => {
      const server = await launchServer(kind, { programs: PROGRAMS });
      await running(server, AUTOSTART);
      return server;
    };

    test("wait NAME...: running processes are ready at once: exit 0, nothing printed", async () => {
      await using server = await launch();
      expect(outcome(await ctl(server, ["wait", "keep", "pair:left", "--timeout", "5"]))).toEqual({
        code: 0,
        stdout: "",
        stderr: "",
        killed: "no",
      });
    }, 20_000);

    test("wait GROUP:*: ready when every process of the group is", async () => {
      await using server = await launch();
      expect(outcome(await ctl(server, ["wait", "pair:*", "--timeout", "5"]))).toEqual({
        code: 0,
        stdout: "",
        stderr: "",
        killed: "no",
      });
    }, 20_000);

    test("wait without names: every autostart process; exit 1 naming the ones not RUNNING at the timeout, 0 once they all are", async () => {
      await using server = await launch();
      // manual and slow do not start on their own: not waited for
      expect(outcome(await ctl(server, ["wait", "--timeout", "0"]))).toEqual({
        code: 0,
        stdout: "",
        stderr: "",
        killed: "no",
      });
      await server.call("supervisor.stopProcess", "keep", true);
      expect(outcome(await ctl(server, ["wait", "--timeout", "0.5"]))).toEqual({
        code: 1,
        stdout: `Error: not ready after 0.5s: keep${why("stopped")}\n`,
        stderr: "",
        killed: "no",
      });
      await server.call("supervisor.startProcess", "keep", true);
      expect(outcome(await ctl(server, ["wait", "--timeout", "5"]))).toEqual({
        code: 0,
        stdout: "",
        stderr: "",
        killed: "no",
      });
    }, 20_000);

    test("wait an unknown name: exit 4, `NAME: ERROR (no such process)`", async () => {
      await using server = await launch();
      expect(outcome(await ctl(server, ["wait", "nosuch", "--timeout", "1"]))).toEqual({
        code: 4,
        stdout: "nosuch: ERROR (no such process)\n",
        stderr: "",
        killed: "no",
      });
      expect(outcome(await ctl(server, ["wait", "nosuch:*", "--timeout", "1"]))).toEqual({
        code: 4,
        stdout: "nosuch: ERROR (no such group)\n",
        stderr: "",
        killed: "no",
      });
    }, 20_000);

    test("wait a stopped process: at the timeout, exit 1 naming it (and only it)", async () => {
      await using server = await launch();
      expect(outcome(await ctl(server, ["wait", "manual", "keep", "--timeout", "0.5"]))).toEqual({
        code: 1,
        stdout: `Error: not ready after 0.5s: manual${why("not started")}\n`,
        stderr: "",
        killed: "no",
      });
    }, 20_000);

    test("wait NAME --timeout 0 on a running process: checks once, exit 0 at once", async () => {
      await using server = await launch();
      expect(outcome(await ctl(server, ["wait", "keep", "--timeout", "0"], 3_000))).toEqual({
        code: 0,
        stdout: "",
        stderr: "",
        killed: "no",
      });
    }, 20_000);

    // `--timeout 0` is documented as "check once" (tend ctl help wait): the
    // server answers at once (tend.wait's timeout 0), the client is killed
    // after 3 s if it ever waits instead.
    test("wait NAME --timeout 0 on a stopped process: checks once, exit 1 at once naming it", async () => {
      await using server = await launch();
      expect(outcome(await ctl(server, ["wait", "manual", "--timeout", "0"], 3_000))).toEqual({
        code: 1,
        stdout: `Error: not ready after 0s: manual${why("not started")}\n`,
        stderr: "",
        killed: "no",
      });
    }, 20_000);

    test("wait returns once the process has started (RUNNING after startsecs), never before", async () => {
      await using server = await launch();
      // slow is STOPPED, then STARTING for its startsecs (1 s) once started.
      const waiting = runCommand(
        [TEND, "ctl", "-c", server.config, "wait", "slow", "--timeout", "10"],
        {
          deadlineMs: 15_000,
        },
      );
      let ended = false;
      const result = waiting.then((r) => {
        ended = true;
        return r;
      });
      await server.call("supervisor.startProcess", "slow", false);
      // Until the client is done: whenever it is found done, slow must be RUNNING.
      const seen = new Set<string>();
      for (;;) {
        const done = ended;
        const state = (await infos(server)).get("slow")?.statename ?? "?";
        seen.add(state);
        if (done) {
          expect({ state, when: "the client ended" }).toEqual({
            state: "RUNNING",
            when: "the client ended",
          });
          break;
        }
        await Bun.sleep(10);
      }
      // The client did wait through STARTING.
      expect(seen.has("STARTING")).toBe(true);
      expect(outcome(await result)).toEqual({ code: 0, stdout: "", stderr: "", killed: "no" });
    }, 20_000);
  });
}
