// status, pid, start, stop, restart, signal and clear against a scripted
// server: every reply and fault gives supervisorctl's line and exit status.

import { describe, expect, test } from "bun:test";
import type { XmlRpcValue } from "../../../src/protocol/xmlrpc.ts";
import { ctl, FakeServer, fault, info, lines, result } from "./fake-server.ts";

const INFOS = [
  info("web", "RUNNING", "pid 42, uptime 0:00:05", 42),
  info("grp:a", "RUNNING", "pid 43, uptime 1 day, 2:03:04", 43),
  info("grp:b", "STOPPED", "Not started"),
];

const allInfo = () => INFOS;

describe("status", () => {
  test("every process: a 33-wide name column, 10-wide state; all running exits 0", async () => {
    const server = new FakeServer({ "supervisor.getAllProcessInfo": () => INFOS.slice(0, 2) });
    const ran = await ctl(["status"], server);
    expect(lines(ran.stdout)).toEqual([
      "web                              RUNNING   pid 42, uptime 0:00:05",
      "grp:a                            RUNNING   pid 43, uptime 1 day, 2:03:04",
    ]);
    expect(ran.code).toBe(0);
  });

  test("a stopped process (STOPPED, EXITED, FATAL, UNKNOWN) makes it exit 3", async () => {
    for (const state of ["STOPPED", "EXITED", "FATAL", "UNKNOWN"] as const) {
      const server = new FakeServer({
        "supervisor.getAllProcessInfo": () => [info("x", state, "Not started")],
      });
      expect((await ctl(["status"], server)).code).toBe(3);
    }
    for (const state of ["STARTING", "BACKOFF", "STOPPING"] as const) {
      const server = new FakeServer({ "supervisor.getAllProcessInfo": () => [info("x", state)] });
      expect((await ctl(["status"], server)).code).toBe(0);
    }
  });

  test("a name longer than 30 widens the column to its length + 3", async () => {
    const long = "a-very-long-program-name-over-thirty";
    const server = new FakeServer({
      "supervisor.getAllProcessInfo": () => [
        info(long, "RUNNING", "pid 1, uptime 0:00:01", 1),
        info("b", "STOPPED", "Not started"),
      ],
    });
    expect(lines((await ctl(["status"], server)).stdout)).toEqual([
      `${long}   RUNNING   pid 1, uptime 0:00:01`,
      `b${" ".repeat(long.length + 2)}STOPPED   Not started`,
    ]);
  });

  test("names, group:* and unknown names; an unknown name exits 4, unless a stopped one makes it 3", async () => {
    const server = new FakeServer({ "supervisor.getAllProcessInfo": allInfo });
    const ran = await ctl(["status", "nosuch", "grp:*", "web", "foo:bar", "nogroup:*"], server);
    expect(lines(ran.stdout)).toEqual([
      "nosuch: ERROR (no such process)",
      "foo:bar: ERROR (no such process)",
      "nogroup: ERROR (no such group)",
      "grp:a                            RUNNING   pid 43, uptime 1 day, 2:03:04",
      "grp:b                            STOPPED   Not started",
      "web                              RUNNING   pid 42, uptime 0:00:05",
    ]);
    expect(ran.code).toBe(3);
    expect((await ctl(["status", "web", "nosuch"], server)).code).toBe(4);
  });

  test("`all` among the names lists everything", async () => {
    const server = new FakeServer({ "supervisor.getAllProcessInfo": allInfo });
    expect(lines((await ctl(["status", "web", "all"], server)).stdout)).toHaveLength(3);
  });

  test("no processes: no lines, exit 0", async () => {
    const server = new FakeServer({ "supervisor.getAllProcessInfo": () => [] });
    expect(await ctl(["status"], server)).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  test("a server that does not answer: status exits 4 for both a refused connection and a missing socket", async () => {
    const { Unreachable } = await import("../../../src/ctl/transport.ts");
    for (const reason of ["refused", "no-such-file"] as const) {
      const server = new FakeServer({
        "supervisor.getVersion": () => {
          throw new Unreachable("unix:///run/tend.sock", reason, "x");
        },
      });
      const ran = await ctl(["status"], server);
      expect(ran.code).toBe(4);
      expect(ran.stdout).toBe("");
    }
  });
});

describe("pid", () => {
  test("no name: the server's pid", async () => {
    const server = new FakeServer({ "supervisor.getPID": () => 7 });
    expect(await ctl(["pid"], server)).toEqual({ code: 0, stdout: "7\n", stderr: "" });
  });

  test("a name: its pid; 0 (not running) exits 7", async () => {
    const server = new FakeServer({
      "supervisor.getProcessInfo": (name) => (name === "web" ? INFOS[0] : INFOS[2]) as XmlRpcValue,
    });
    expect(await ctl(["pid", "web"], server)).toEqual({ code: 0, stdout: "42\n", stderr: "" });
    expect(await ctl(["pid", "grp:b"], server)).toEqual({ code: 7, stdout: "0\n", stderr: "" });
  });

  test("an unknown name: `No such process NAME`, exit 1", async () => {
    const server = new FakeServer({
      "supervisor.getProcessInfo": (name) => fault("BAD_NAME", String(name)),
    });
    expect(await ctl(["pid", "nosuch"], server)).toEqual({
      code: 1,
      stdout: "No such process nosuch\n",
      stderr: "",
    });
  });

  test("all: one pid per process", async () => {
    const server = new FakeServer({ "supervisor.getAllProcessInfo": allInfo });
    expect(await ctl(["pid", "all"], server)).toEqual({
      code: 0,
      stdout: "42\n43\n0\n",
      stderr: "",
    });
  });
});

describe("start", () => {
  test("names: `x: started`", async () => {
    const server = new FakeServer({ "supervisor.startProcess": () => true });
    const ran = await ctl(["start", "web", "grp:a"], server);
    expect(ran).toEqual({ code: 0, stdout: "web: started\ngrp:a: started\n", stderr: "" });
    expect(
      server.calls.filter((call) => call.method === "supervisor.startProcess").map((c) => c.params),
    ).toEqual([["web"], ["grp:a"]]);
  });

  test.each([
    ["BAD_NAME", "web: ERROR (no such process)", 1],
    ["NO_FILE", "web: ERROR (no such file)", 1],
    ["NOT_EXECUTABLE", "web: ERROR (file is not executable)", 1],
    ["ALREADY_STARTED", "web: ERROR (already started)", 0],
    ["SPAWN_ERROR", "web: ERROR (spawn error)", 7],
    ["ABNORMAL_TERMINATION", "web: ERROR (abnormal termination)", 7],
  ] as const)("fault %s: %s, exit %d", async (name, line, code) => {
    const server = new FakeServer({ "supervisor.startProcess": () => fault(name, "web") });
    expect(await ctl(["start", "web"], server)).toEqual({ code, stdout: `${line}\n`, stderr: "" });
  });

  test("a fault supervisorctl has no line for ends the action with its error line, exit 1", async () => {
    const server = new FakeServer({
      "supervisor.startProcess": () => fault("FAILED", "web is in an unknown process state"),
    });
    expect(await ctl(["start", "web", "other"], server)).toEqual({
      code: 1,
      stdout: "error: <class 'ValueError'>, Unknown result code 30 for web\n",
      stderr: "",
    });
  });

  test("group:* starts the group, a line per process; an unknown group exits 2", async () => {
    const server = new FakeServer({
      "supervisor.startProcessGroup": (group) =>
        group === "grp"
          ? [result("grp:a", "SUCCESS"), result("grp:b", "ALREADY_STARTED")]
          : fault("BAD_NAME", String(group)),
    });
    expect(await ctl(["start", "grp:*"], server)).toEqual({
      code: 0,
      stdout: "grp:a: started\ngrp:b: ERROR (already started)\n",
      stderr: "",
    });
    expect(await ctl(["start", "nosuch:*"], server)).toEqual({
      code: 2,
      stdout: "nosuch: ERROR (no such group)\n",
      stderr: "",
    });
  });

  test("all: startAllProcesses; the last failing result sets the status", async () => {
    const server = new FakeServer({
      "supervisor.startAllProcesses": () => [
        result("a", "SPAWN_ERROR"),
        result("b", "NO_FILE"),
        result("c", "SUCCESS"),
      ],
    });
    expect(await ctl(["start", "web", "all"], server)).toEqual({
      code: 1,
      stdout: "a: ERROR (spawn error)\nb: ERROR (no such file)\nc: started\n",
      stderr: "",
    });
    expect(server.methods()).toEqual(["supervisor.startAllProcesses"]);
  });

  test("no name: the error, its help, exit 2", async () => {
    const ran = await ctl(["start"], new FakeServer());
    expect(lines(ran.stdout)).toEqual([
      "Error: start requires a process name",
      "start <name>\t\tStart a process",
      "start <gname>:*\t\tStart all processes in a group",
      "start <name> <name>\tStart multiple processes or groups",
      "start all\t\tStart all processes",
    ]);
    expect(ran.code).toBe(2);
  });
});

describe("stop", () => {
  test.each([
    ["BAD_NAME", "web: ERROR (no such process)", 1],
    ["NOT_RUNNING", "web: ERROR (not running)", 0],
    ["BAD_SIGNAL", "web: ERROR (bad signal name)", 1],
  ] as const)("fault %s: %s, exit %d", async (name, line, code) => {
    const server = new FakeServer({ "supervisor.stopProcess": () => fault(name, "web") });
    expect(await ctl(["stop", "web"], server)).toEqual({ code, stdout: `${line}\n`, stderr: "" });
  });

  test("FAILED prints the fault string itself", async () => {
    const server = new FakeServer({
      "supervisor.stopProcess": () => fault("FAILED", "could not kill web"),
    });
    expect(await ctl(["stop", "web"], server)).toEqual({
      code: 1,
      stdout: "FAILED: could not kill web\n",
      stderr: "",
    });
  });

  test("names, groups and all", async () => {
    const server = new FakeServer({
      "supervisor.stopProcess": () => true,
      "supervisor.stopProcessGroup": (group) =>
        group === "grp"
          ? [result("grp:a", "SUCCESS"), result("grp:b", "NOT_RUNNING")]
          : fault("BAD_NAME", String(group)),
      "supervisor.stopAllProcesses": () => [
        result("web", "SUCCESS"),
        result("x", "FAILED", "FAILED: x would not die"),
      ],
    });
    expect(await ctl(["stop", "web", "grp:*", "nosuch:*"], server)).toEqual({
      code: 1,
      stdout:
        "web: stopped\ngrp:a: stopped\ngrp:b: ERROR (not running)\nnosuch: ERROR (no such group)\n",
      stderr: "",
    });
    expect(await ctl(["stop", "all"], server)).toEqual({
      code: 1,
      stdout: "web: stopped\nFAILED: x would not die\n",
      stderr: "",
    });
  });

  test("no name: exit 1 with its help", async () => {
    const ran = await ctl(["stop"], new FakeServer());
    expect(ran.code).toBe(1);
    expect(lines(ran.stdout)[0]).toBe("Error: stop requires a process name");
    expect(lines(ran.stdout)).toHaveLength(5);
  });
});

describe("restart", () => {
  test("stop then start, two sets of lines", async () => {
    const server = new FakeServer({
      "supervisor.stopProcess": () => true,
      "supervisor.startProcess": () => true,
    });
    expect(await ctl(["restart", "web", "grp:a"], server)).toEqual({
      code: 0,
      stdout: "web: stopped\ngrp:a: stopped\nweb: started\ngrp:a: started\n",
      stderr: "",
    });
  });

  test("a process that will not start: exit 7", async () => {
    const server = new FakeServer({
      "supervisor.stopProcess": () => fault("NOT_RUNNING", "web"),
      "supervisor.startProcess": () => fault("SPAWN_ERROR", "web"),
    });
    expect(await ctl(["restart", "web"], server)).toEqual({
      code: 7,
      stdout: "web: ERROR (not running)\nweb: ERROR (spawn error)\n",
      stderr: "",
    });
  });

  test("no name: its help and the note about reread", async () => {
    const ran = await ctl(["restart"], new FakeServer());
    expect(ran.code).toBe(1);
    expect(lines(ran.stdout).at(-1)).toBe(
      "Note: restart does not reread config files. For that, see reread and update.",
    );
  });
});

describe("signal", () => {
  test("a name, a group, all", async () => {
    const server = new FakeServer({
      "supervisor.signalProcess": () => true,
      "supervisor.signalProcessGroup": () => [result("grp:a", "SUCCESS")],
      "supervisor.signalAllProcesses": () => [
        result("web", "SUCCESS"),
        result("grp:b", "NOT_RUNNING"),
      ],
    });
    expect(await ctl(["signal", "HUP", "web", "grp:*"], server)).toEqual({
      code: 0,
      stdout: "web: signalled\ngrp:a: signalled\n",
      stderr: "",
    });
    expect(server.calls.find((c) => c.method === "supervisor.signalProcessGroup")?.params).toEqual([
      "grp",
      "HUP",
    ]);
    // NOT_RUNNING is not ignored for signal: exit 7.
    expect(await ctl(["signal", "USR1", "all"], server)).toEqual({
      code: 7,
      stdout: "web: signalled\ngrp:b: ERROR (not running)\n",
      stderr: "",
    });
  });

  test.each([
    ["BAD_SIGNAL", "web: ERROR (bad signal name)", 1],
    ["NOT_RUNNING", "web: ERROR (not running)", 7],
    ["BAD_NAME", "web: ERROR (no such process)", 1],
  ] as const)("fault %s: %s, exit %d", async (name, line, code) => {
    const server = new FakeServer({ "supervisor.signalProcess": () => fault(name, "web") });
    expect(await ctl(["signal", "BAD", "web"], server)).toEqual({
      code,
      stdout: `${line}\n`,
      stderr: "",
    });
  });

  test("an unknown group: exit 1", async () => {
    const server = new FakeServer({
      "supervisor.signalProcessGroup": () => fault("BAD_NAME", "x"),
    });
    expect(await ctl(["signal", "HUP", "x:*"], server)).toEqual({
      code: 1,
      stdout: "x: ERROR (no such group)\n",
      stderr: "",
    });
  });

  test("too few arguments: exit 1 with its help", async () => {
    const ran = await ctl(["signal", "HUP"], new FakeServer());
    expect(ran.code).toBe(1);
    expect(lines(ran.stdout)).toEqual([
      "Error: signal requires a signal name and a process name",
      "signal <signal name> <name>\t\tSignal a process",
      "signal <signal name> <gname>:*\t\tSignal all processes in a group",
      "signal <signal name> <name> <name>\tSignal multiple processes or groups",
      "signal <signal name> all\t\tSignal all processes",
    ]);
  });
});

describe("clear", () => {
  test("names: `x: cleared`; faults: no such process, failed", async () => {
    const server = new FakeServer({
      "supervisor.clearProcessLogs": (name) =>
        name === "web"
          ? true
          : name === "bad"
            ? fault("FAILED", "bad")
            : fault("BAD_NAME", String(name)),
    });
    expect(await ctl(["clear", "web", "nosuch", "bad"], server)).toEqual({
      code: 1,
      stdout: "web: cleared\nnosuch: ERROR (no such process)\nbad: ERROR (failed)\n",
      stderr: "",
    });
  });

  test("group:* has no process name: supervisorctl prints Python's None", async () => {
    const server = new FakeServer({
      "supervisor.clearProcessLogs": (name) => fault("BAD_NAME", String(name)),
    });
    expect((await ctl(["clear", "grp:*"], server)).stdout).toBe(
      "grp:None: ERROR (no such process)\n",
    );
  });

  test("all: clearAllProcessLogs", async () => {
    const server = new FakeServer({
      "supervisor.clearAllProcessLogs": () => [
        result("web", "SUCCESS"),
        result("grp:a", "SUCCESS"),
      ],
    });
    expect(await ctl(["clear", "all"], server)).toEqual({
      code: 0,
      stdout: "web: cleared\ngrp:a: cleared\n",
      stderr: "",
    });
  });

  test("no name: exit 1 with its help", async () => {
    const ran = await ctl(["clear"], new FakeServer());
    expect(ran.code).toBe(1);
    expect(lines(ran.stdout)).toEqual([
      "Error: clear requires a process name",
      "clear <name>\t\tClear a process' log files.",
      "clear <name> <name>\tClear multiple process' log files",
      "clear all\t\tClear all process' log files",
    ]);
  });
});
