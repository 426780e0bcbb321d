// The session around the actions: reload, shutdown, version, open, quit,
// help, the dispatch of a command line (unknown actions, `?`), the server
// check before most actions, authentication and unreachable servers.

import { describe, expect, test } from "bun:test";
import { allActions } from "../../../src/ctl/actions/index.ts";
import { HttpStatusError, Unreachable } from "../../../src/ctl/transport.ts";
import { ctl, FakeServer, fault, info, lines } from "./fake-server.ts";

describe("reload and shutdown", () => {
  test("on the command line they act at once", async () => {
    const server = new FakeServer({
      "supervisor.restart": () => true,
      "supervisor.shutdown": () => true,
    });
    expect(await ctl(["reload"], server)).toEqual({
      code: 0,
      stdout: "Restarted supervisord\n",
      stderr: "",
    });
    expect(await ctl(["shutdown"], server)).toEqual({ code: 0, stdout: "Shut down\n", stderr: "" });
  });

  test("with -i they ask first; only an answer starting with y goes ahead", async () => {
    const server = new FakeServer({
      "supervisor.restart": () => true,
      "supervisor.shutdown": () => true,
    });
    expect(await ctl(["-i", "reload"], server, { input: "n\n" })).toEqual({
      code: 0,
      stdout: "Really restart the remote supervisord process y/N? ",
      stderr: "",
    });
    expect(await ctl(["-i", "shutdown"], server, { input: "Yes\n" })).toEqual({
      code: 0,
      stdout: "Really shut the remote supervisord process down y/N? Shut down\n",
      stderr: "",
    });
    expect(server.methods()).toEqual(["supervisor.shutdown"]);
  });

  test("already shutting down: reload exits 1, shutdown 0", async () => {
    const server = new FakeServer({
      "supervisor.restart": () => fault("SHUTDOWN_STATE"),
      "supervisor.shutdown": () => fault("SHUTDOWN_STATE"),
    });
    expect(await ctl(["reload"], server)).toEqual({
      code: 1,
      stdout: "ERROR: already shutting down\n",
      stderr: "",
    });
    expect(await ctl(["shutdown"], server)).toEqual({
      code: 0,
      stdout: "ERROR: already shutting down\n",
      stderr: "",
    });
  });

  test("shutdown of a server that is gone: exit 1", async () => {
    const server = new FakeServer({
      "supervisor.shutdown": () => {
        throw new Unreachable("unix:///x.sock", "no-such-file", "ENOENT");
      },
    });
    expect(await ctl(["shutdown"], server)).toEqual({
      code: 1,
      stdout: "",
      stderr: "tend is not running at unix:///x.sock: no such file (already shut down?)\n",
    });
  });

  test("arguments: exit 1 with the help", async () => {
    expect(await ctl(["reload", "x"], new FakeServer())).toEqual({
      code: 1,
      stdout: "Error: reload accepts no arguments\nreload \t\tRestart the remote supervisord.\n",
      stderr: "",
    });
    expect(await ctl(["shutdown", "x"], new FakeServer())).toEqual({
      code: 1,
      stdout:
        "Error: shutdown accepts no arguments\nshutdown \tShut the remote supervisord down.\n",
      stderr: "",
    });
  });
});

describe("version, open, quit", () => {
  test("version: the server's version; no arguments", async () => {
    const server = new FakeServer({ "supervisor.getSupervisorVersion": () => "4.2.5" });
    expect(await ctl(["version"], server)).toEqual({ code: 0, stdout: "4.2.5\n", stderr: "" });
    expect(await ctl(["version", "x"], server)).toEqual({
      code: 1,
      stdout:
        "Error: version accepts no arguments\nversion\t\t\tShow the version of the remote supervisord process\n",
      stderr: "",
    });
  });

  test("open: a unix or http URL, then the status there (its exit status ignored)", async () => {
    const opened: string[] = [];
    const server = new FakeServer({
      "supervisor.getAllProcessInfo": () => [info("x", "STOPPED", "Not started")],
    });
    const ran = await ctl(["open", "unix:///other.sock"], server, {
      connect: (address) => {
        opened.push(address.url);
        return server;
      },
    });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe("x                                STOPPED   Not started\n");
    expect(opened).toEqual(["unix:///other.sock"]);
    expect(await ctl(["open", "ftp://x"], server)).toEqual({
      code: 1,
      stdout: "ERROR: url must be http:// or unix://\n",
      stderr: "",
    });
  });

  test("quit, exit and EOF print an empty line", async () => {
    for (const action of ["quit", "exit", "EOF"]) {
      expect(await ctl([action], new FakeServer())).toEqual({ code: 0, stdout: "\n", stderr: "" });
    }
  });
});

describe("the command line", () => {
  test("an unknown action: `*** Unknown syntax`, exit 1; case matters", async () => {
    expect(await ctl(["bogus", "x"], new FakeServer())).toEqual({
      code: 1,
      stdout: "*** Unknown syntax: bogus x\n",
      stderr: "",
    });
    expect((await ctl(["STATUS"], new FakeServer())).stdout).toBe("*** Unknown syntax: STATUS\n");
    expect((await ctl(["!ls"], new FakeServer())).stdout).toBe("*** Unknown syntax: !ls\n");
  });

  test("the action is the leading identifier: `status:x` is status with `:x`", async () => {
    const server = new FakeServer({ "supervisor.getAllProcessInfo": () => [] });
    expect((await ctl(["status:x"], server)).stdout).toBe(":x: ERROR (no such process)\n");
  });

  test("`?` is help; an empty line does nothing", async () => {
    expect((await ctl(["?quit"], new FakeServer())).stdout).toBe(
      "quit\tExit the supervisor shell.\n",
    );
    expect(await ctl([""], new FakeServer())).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  test("words are joined into one line, as supervisorctl joins them", async () => {
    const server = new FakeServer({ "supervisor.startProcess": () => true });
    expect((await ctl(["start", "a b"], server)).stdout).toBe("a: started\nb: started\n");
  });
});

describe("help", () => {
  test("the list of actions, in columns as Python's cmd lays them out (with tend's wait)", async () => {
    expect(lines((await ctl(["help"], new FakeServer())).stdout)).toEqual([
      "",
      "default commands (type help <topic>):",
      "=====================================",
      "add    exit      open  reload  restart   start   tail     wait",
      "avail  fg        pid   remove  shutdown  status  update ",
      "clear  maintail  quit  reread  signal    stop    version",
      "",
    ]);
  });

  test("help help, and a topic without help", async () => {
    expect((await ctl(["help", "help"], new FakeServer())).stdout).toBe(
      "help\t\tPrint a list of available actions\nhelp <action>\tPrint help for <action>\n",
    );
    expect(await ctl(["help", "EOF"], new FakeServer())).toEqual({
      code: 0,
      stdout: "*** No help on EOF\n",
      stderr: "",
    });
    expect((await ctl(["help", "bogus"], new FakeServer())).stdout).toBe("*** No help on bogus\n");
  });

  const EXPECTED_HELP: Record<string, string[]> = {
    add: ["add <name> [...]\tActivates any updates in config for process/group"],
    avail: ["avail\t\t\tDisplay all configured processes"],
    exit: ["exit\tExit the supervisor shell."],
    quit: ["quit\tExit the supervisor shell."],
    open: [
      "open <url>\tConnect to a remote supervisord process.",
      "\t\t(for UNIX domain socket, use unix:///socket/path)",
    ],
    pid: [
      "pid\t\t\tGet the PID of supervisord.",
      "pid <name>\t\tGet the PID of a single child process by name.",
      "pid all\t\t\tGet the PID of every child process, one per line.",
    ],
    reload: ["reload \t\tRestart the remote supervisord."],
    remove: ["remove <name> [...]\tRemoves process/group from active config"],
    shutdown: ["shutdown \tShut the remote supervisord down."],
    status: [
      "status <name>\t\tGet status for a single process",
      "status <gname>:*\tGet status for all processes in a group",
      "status <name> <name>\tGet status for multiple named processes",
      "status\t\t\tGet all process status info",
    ],
    update: [
      "update\t\t\tReload config and add/remove as necessary, and will restart affected programs",
      "update all\t\tReload config and add/remove as necessary, and will restart affected programs",
      "update <gname> [...]\tUpdate specific groups",
    ],
    fg: ["fg <process>\tConnect to a process in foreground mode", "\t\tCtrl-C to exit"],
  };

  test.each(Object.entries(EXPECTED_HELP))("help %s", async (action, expected) => {
    expect(lines((await ctl(["help", action], new FakeServer())).stdout)).toEqual(expected);
  });

  test("every listed action has help, and wait's mentions the timeout and exit codes", async () => {
    for (const action of allActions().values()) {
      if (action.name === "EOF") continue;
      expect((await ctl(["help", action.name], new FakeServer())).stdout).not.toStartWith("***");
    }
    const wait = (await ctl(["help", "wait"], new FakeServer())).stdout;
    expect(wait).toContain("--timeout");
    expect(wait).toContain("Exit 0 when ready, 1 on timeout or once one cannot be (FATAL),");
    expect(wait).toContain("4 for an unknown name");
  });
});

describe("the server check before an action", () => {
  test("another API version: exit 5", async () => {
    const server = new FakeServer({ "supervisor.getVersion": () => "2.0" });
    expect(await ctl(["version"], server)).toEqual({
      code: 5,
      stdout:
        "Sorry, this version of supervisorctl expects to talk to a server with API version 3.0, but the remote version is 2.0.\n",
      stderr: "",
    });
  });

  test("no supervisor namespace: exit 3", async () => {
    const server = new FakeServer({ "supervisor.getVersion": () => fault("UNKNOWN_METHOD") });
    const ran = await ctl(["pid"], server);
    expect(ran.code).toBe(3);
    expect(ran.stdout).toStartWith(
      "Sorry, supervisord responded but did not recognize the supervisor namespace",
    );
  });

  const gone = (reason: "refused" | "no-such-file") =>
    new FakeServer({
      "supervisor.getVersion": () => {
        throw new Unreachable("unix:///run/tend.sock", reason, reason);
      },
      "supervisor.getAllConfigInfo": () => {
        throw new Unreachable("unix:///run/tend.sock", reason, reason);
      },
    });

  test("a refused connection: a message on stderr; exit 4 (supervisorctl's code)", async () => {
    expect(await ctl(["start", "x"], gone("refused"))).toEqual({
      code: 4,
      stdout: "",
      stderr: "tend is not running at unix:///run/tend.sock: connection refused\n",
    });
  });

  test("a missing socket file: exit 7; status exits 4 for both", async () => {
    expect(await ctl(["stop", "x"], gone("no-such-file"))).toEqual({
      code: 7,
      stdout: "",
      stderr: "tend is not running at unix:///run/tend.sock: no such file\n",
    });
    expect((await ctl(["status"], gone("no-such-file"))).code).toBe(4);
    expect((await ctl(["status"], gone("refused"))).code).toBe(4);
  });

  test("actions without the check (avail, reread, update, add, remove, reload) exit 1", async () => {
    expect(await ctl(["avail"], gone("no-such-file"))).toEqual({
      code: 1,
      stdout: "",
      stderr: "tend is not running at unix:///run/tend.sock: no such file\n",
    });
  });

  test("401: `Server requires authentication`, exit 1", async () => {
    const server = new FakeServer({
      "supervisor.getVersion": () => {
        throw new HttpStatusError(401, "Unauthorized");
      },
    });
    expect(await ctl(["status"], server)).toEqual({
      code: 1,
      stdout: "Server requires authentication\n",
      stderr: "",
    });
  });

  test("401 in the shell: asks for a user name and password, then tries again", async () => {
    const server = new FakeServer({
      "supervisor.getAllProcessInfo": () => [],
      "supervisor.getVersion": () => "3.0",
    });
    const seen: (string | undefined)[] = [];
    const ran = await ctl([], server, {
      input: "user\nsecret\n",
      connect: (address) => {
        seen.push(address.password);
        return address.password === "secret"
          ? server
          : new FakeServer({
              "supervisor.getVersion": () => {
                throw new HttpStatusError(401, "Unauthorized");
              },
            });
      },
    });
    expect(ran.stdout).toBe("Server requires authentication\nUsername:Password:\nsupervisor> \n");
    expect(seen).toEqual([undefined, "secret"]);
    expect(ran.code).toBe(0);
  });

  test("another HTTP status: the ProtocolError line, exit 1", async () => {
    const server = new FakeServer({
      "supervisor.getVersion": () => {
        throw new HttpStatusError(500, "Internal Server Error");
      },
    });
    expect(await ctl(["version"], server)).toEqual({
      code: 1,
      stdout:
        "error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: 500 Internal Server Error>\n",
      stderr: "",
    });
  });
});
