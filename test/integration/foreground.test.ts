// tend as a supervisord in the foreground (tend as PID 1, observed from
// outside): its log on stdout as well as in its file unless silent,
// supervisord's start-up line, program output in the log at debug level,
// supervisord's whole command line under that name, a default socket that
// is taken, and an unfinished line that still reaches files and tail.

import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import {
  eventually,
  launchTend,
  pidNamespaces,
  rpc,
  runCommand,
  scratchDir,
  start,
  TEND,
  waitFor,
  within,
} from "../harness/index.ts";

/** A file's text, "" while it does not exist. */
function text(path: string): string {
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

/** A link named supervisord to tend, in a scratch directory of its own. */
function supervisordLink(dir: string): string {
  const link = join(dir, "supervisord");
  symlinkSync(TEND, link);
  return link;
}

describe.skipIf(!pidNamespaces.ok)("tend in the foreground, as supervisord", () => {
  test("tend's log goes to its file and to stdout, with supervisord's start-up line; silent=true keeps stdout for the programs", async () => {
    await using loud = await launchTend({
      supervisord: "logfile=DIR/own.log",
      programs: "[program:hi]\ncommand=sh -c 'echo hello; exec sleep 100'\nstartsecs=0\n",
    });
    await using quiet = await launchTend({
      supervisord: "logfile=DIR/own.log\nsilent=true",
      programs: "[program:hi]\ncommand=sh -c 'echo hello; exec sleep 100'\nstartsecs=0\n",
    });
    for (const tend of [loud, quiet]) {
      await waitFor(
        () => text(tend.path("own.log")).includes("success: hi entered RUNNING"),
        "hi to run",
      );
      // RUNNING comes at once (startsecs=0): wait for its line too before stopping it.
      await eventually(
        async () =>
          String(await tend.call("supervisor.readProcessStdoutLog", "hi", 0, 100)).includes(
            "hello",
          ),
        "hi's line",
      );
    }
    const [loudOut, quietOut] = await Promise.all([loud.stop(), quiet.stop()]);
    const ownLog = readFileSync(loud.path("own.log"), "utf8");
    expect(ownLog).toMatch(/ INFO tend \d+\.\d+\.\d+ \(supervisord 4\.2\.5 compatible\)\n/);
    expect(ownLog).toMatch(/ INFO supervisord started with pid 1\n/);
    for (const line of [
      "supervisord started with pid 1",
      "spawned: 'hi' with pid",
      "success: hi entered RUNNING state",
    ]) {
      expect(loudOut.stdout).toContain(line);
      expect(quietOut.stdout).not.toContain(line);
    }
    expect(loudOut.stdout).toContain("hi | hello\n");
    expect(quietOut.stdout).toContain("hi | hello\n");
  }, 30_000);

  test("loglevel=debug: program output as read (a prompt at once, undecodable bytes as Python shows them) and SIGCHLD, as supervisord logs them", async () => {
    await using tend = await launchTend({
      supervisord: "loglevel=debug",
      programs: `[program:talk]
command=sh -c 'printf "prompt> "; sleep 0.5; printf "\\210\\n"; sleep 0.5; echo bye >&2'
startsecs=0
autorestart=false
`,
    });
    const log = () => text(tend.logPath);
    await waitFor(() => log().includes("exited: talk"), "talk to end");
    await waitFor(() => log().includes("DEBG received SIGCHLD indicating a child quit"), "SIGCHLD");
    expect(log()).toContain(" DEBG 'talk' stdout output:\nprompt> \n");
    expect(log()).toContain(" DEBG 'talk' stdout output:\nUndecodable: b'\\x88\\n'\n");
    expect(log()).toContain(" DEBG 'talk' stderr output:\nbye\n");
  }, 30_000);

  test("invoked as supervisord: its options set [supervisord] keys and win over the file; -h, -? and -v answer as supervisord's", async () => {
    using scratch = scratchDir();
    const link = supervisordLink(scratch.dir);
    const help = await runCommand([link, "-?"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toStartWith("supervisord -- run a set of applications");
    expect(help.stdout).toContain("\n-l/--logfile FILENAME -- use FILENAME as");
    expect((await runCommand([link, "-v"])).stdout).toBe("4.2.5\n");
    const bad = await runCommand([link, "-x"]);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      "Error: option -x not recognized\nFor help, use supervisord -h\n",
    ]);

    const path = join(scratch.dir, "tend.ini");
    const socket = join(scratch.dir, "tend.sock");
    writeFileSync(
      path,
      `[supervisord]\nlogfile=${scratch.dir}/file.log\nidentifier=from-file\nloglevel=warn\n\n[program:hi]\ncommand=sleep 100\nstartsecs=0\n`,
    );
    const cliLog = join(scratch.dir, "cli.log");
    await using run = start(
      ["-c", path, "-i", "from-cli", "-e", "debug", "-l", cliLog, "-s", "-n"],
      {
        binary: [link],
        env: { TEND_SOCKET: socket },
      },
    );
    await waitFor(
      () => existsSync(cliLog) && readFileSync(cliLog, "utf8").includes("success: hi"),
      "hi to run",
    );
    expect(await rpc(socket, "supervisor.getIdentification", [])).toBe("from-cli");
    // -e debug won over loglevel=warn: INFO lines are there.
    expect(readFileSync(cliLog, "utf8")).toContain(" INFO spawned: 'hi'");
    expect(existsSync(join(scratch.dir, "file.log"))).toBe(false);
    process.kill(await run.initPid, "SIGTERM");
    const finished = await within(run.finished, 10_000, "tend to end");
    expect(finished.code).toBe(0);
    // -s: silent, tend's log only in its file.
    expect(finished.stdout).not.toContain("supervisord started");

    const invalid = await runCommand([link, "-c", path, "-e", "loud"]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('error: command line -e: [supervisord] loglevel: got "loud"');
  }, 30_000);

  test("-u / [supervisord] user: tend itself becomes that user, as supervisord does; an unknown user stops it at start", async () => {
    // Where nobody may write: its log and socket in /tmp.
    const own = `/tmp/tend-user-test-${process.pid}`;
    try {
      await using tend = await launchTend({
        supervisord: `user=nobody\nlogfile=${own}.log`,
        socket: `${own}.sock`,
        programs: "[program:hi]\ncommand=sleep 100\nstartsecs=0\n",
      });
      await waitFor(
        () =>
          existsSync(`${own}.log`) && readFileSync(`${own}.log`, "utf8").includes("success: hi"),
        "hi to run",
      );
      expect(readFileSync(`${own}.log`, "utf8")).toContain("INFO Set uid to user nobody succeeded");
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${tend.pid}/status`, "latin1"))?.[1];
      expect(uid).toBe("65534");
    } finally {
      rmSync(`${own}.log`, { force: true });
      rmSync(`${own}.sock`, { force: true });
    }

    await using unknown = await launchTend({ supervisord: "user=no-such-user-here" });
    const finished = await unknown.finished();
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain(
      "[supervisord] user: Can't find username 'no-such-user-here'",
    );
  }, 30_000);

  test("an unfinished line reaches a log file and tail after a short quiet spell; tend's stdout gets it whole", async () => {
    await using tend = await launchTend({
      programs: `[program:ask]
command=sh -c 'printf "Password: "; sleep 2; echo secret; exec sleep 100'
stdout_logfile=DIR/ask.log
startsecs=0

[program:name]
command=sh -c 'printf "Name? "; sleep 2; echo Ann; exec sleep 100'
startsecs=0
`,
    });
    await waitFor(
      () =>
        existsSync(tend.path("ask.log")) &&
        readFileSync(tend.path("ask.log"), "utf8") === "Password: ",
      "the prompt in the file",
      1_500,
    );
    const tail = async () =>
      (await tend.call("supervisor.readProcessStdoutLog", "name", 0, 100)) as string;
    await eventually(async () => (await tail()) === "Name? ", "the prompt in the tail", 1_500);
    await waitFor(
      () => readFileSync(tend.path("ask.log"), "utf8") === "Password: secret\n",
      "the rest, right after it",
    );
    await eventually(async () => (await tail()) === "Name? Ann\n", "the rest in the tail");
    const finished = await tend.stop();
    expect(finished.stdout).toContain("name | Name? Ann\n");
  }, 30_000);

  test("pidfile: written once tend runs (1 as PID 1), removed when it ends", async () => {
    await using tend = await launchTend({
      supervisord: "pidfile=DIR/tend.pid",
      programs: "[program:hi]\ncommand=sleep 100\nstartsecs=0\n",
    });
    await waitFor(() => text(tend.path("tend.pid")) === "1\n", "the pid file");
    expect((await tend.stop()).code).toBe(0);
    expect(existsSync(tend.path("tend.pid"))).toBe(false);
  }, 30_000);

  test("an error that keeps tend from starting reaches the terminal too when its log is a file", async () => {
    await using first = await launchTend({ programs: "[program:hi]\ncommand=sleep 100\n" });
    await first.ready();
    // The same socket, taken by a live tend: the second cannot start.
    await using second = await launchTend({ socket: first.socket });
    const finished = await second.finished();
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain(
      `another tend (or supervisord) is already listening on ${first.socket}`,
    );
    expect(readFileSync(second.logPath, "utf8")).toContain(
      "another tend (or supervisord) is already listening",
    );
  }, 30_000);

  test("the default socket taken by another tend: a warning, and the programs still run", async () => {
    const DEFAULT = "/run/tend.sock";
    let holder: ReturnType<typeof createServer> | undefined;
    if (!existsSync(DEFAULT)) {
      holder = createServer();
      await new Promise<void>((resolve) => holder?.listen(DEFAULT, resolve));
    }
    try {
      await using tend = await launchTend({
        programs: "[program:hi]\ncommand=sleep 100\nstartsecs=0\n",
        socket: DEFAULT,
      });
      await tend.waitLog("success: hi entered RUNNING state");
      expect(
        tend
          .messages()
          .some((m) =>
            m.includes(
              `control socket not available, \`tend ctl\` will not work: another tend (or supervisord) is already listening on ${DEFAULT}`,
            ),
          ),
      ).toBe(true);
      expect(tend.ended).toBe(false);
    } finally {
      await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
    }
  }, 30_000);
});
