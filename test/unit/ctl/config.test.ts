// avail, reread, add, remove and update against a scripted server; update
// both through tend.update and through supervisorctl's own sequence when
// the server does not have it.

import { describe, expect, test } from "bun:test";
import type { XmlRpcValue } from "../../../src/protocol/xmlrpc.ts";
import { ctl, FakeServer, fault, info, lines, result } from "./fake-server.ts";

describe("avail", () => {
  test("one line per configured process: name (32), in use/avail, auto/manual, priorities", async () => {
    const server = new FakeServer({
      "supervisor.getAllConfigInfo": () => [
        {
          name: "web",
          group: "web",
          inuse: true,
          autostart: true,
          group_prio: 999,
          process_prio: 999,
        },
        {
          name: "a",
          group: "grp",
          inuse: false,
          autostart: false,
          group_prio: 5,
          process_prio: 10,
        },
        {
          name: "a-name-longer-than-thirty-two-chars",
          group: "a-name-longer-than-thirty-two-chars",
          inuse: true,
          autostart: false,
          group_prio: 1,
          process_prio: 2,
        },
      ],
    });
    expect(lines((await ctl(["avail"], server)).stdout)).toEqual([
      "web                              in use    auto      999:999",
      "grp:a                            avail     manual    5:10",
      "a-name-longer-than-thirty-two-chars in use    manual    1:2",
    ]);
  });

  test("arguments: exit 1 with its help; shutting down: its message", async () => {
    expect(await ctl(["avail", "x"], new FakeServer())).toEqual({
      code: 1,
      stdout: "Error: avail accepts no arguments\navail\t\t\tDisplay all configured processes\n",
      stderr: "",
    });
    const server = new FakeServer({ "supervisor.getAllConfigInfo": () => fault("SHUTDOWN_STATE") });
    expect(await ctl(["avail"], server)).toEqual({
      code: 1,
      stdout: "ERROR: supervisor shutting down\n",
      stderr: "",
    });
  });
});

describe("reread", () => {
  test("changes sorted by name: available, changed, disappeared", async () => {
    const server = new FakeServer({
      "supervisor.reloadConfig": () => [[["new", "Big"], ["web"], ["old"]]],
    });
    expect(await ctl(["reread"], server)).toEqual({
      code: 0,
      stdout: "Big: available\nnew: available\nold: disappeared\nweb: changed\n",
      stderr: "",
    });
  });

  test("no changes", async () => {
    const server = new FakeServer({ "supervisor.reloadConfig": () => [[[], [], []]] });
    expect((await ctl(["reread"], server)).stdout).toBe("No config updates to processes\n");
  });

  test("faults: CANT_REREAD prints the server's message; SHUTDOWN_STATE its own", async () => {
    const bad = new FakeServer({
      "supervisor.reloadConfig": () => fault("CANT_REREAD", "/etc/tend.ini:3: [program:x] bad"),
    });
    expect(await ctl(["reread"], bad)).toEqual({
      code: 1,
      stdout: "ERROR: CANT_REREAD: /etc/tend.ini:3: [program:x] bad\n",
      stderr: "",
    });
    const down = new FakeServer({ "supervisor.reloadConfig": () => fault("SHUTDOWN_STATE") });
    expect((await ctl(["reread"], down)).stdout).toBe("ERROR: supervisor shutting down\n");
  });

  test("arguments: exit 1 with its help", async () => {
    expect((await ctl(["reread", "x"], new FakeServer())).stdout).toBe(
      "Error: reread accepts no arguments\nreread \t\t\tReload the daemon's configuration files without add/remove\n",
    );
  });
});

describe("add and remove", () => {
  test("add: each name; faults", async () => {
    const server = new FakeServer({
      "supervisor.addProcessGroup": (name) =>
        name === "new"
          ? true
          : name === "web"
            ? fault("ALREADY_ADDED", "web")
            : name === "late"
              ? fault("SHUTDOWN_STATE")
              : fault("BAD_NAME", String(name)),
    });
    expect(await ctl(["add", "new", "web"], server)).toEqual({
      code: 0,
      stdout: "new: added process group\nERROR: process group already active\n",
      stderr: "",
    });
    expect(await ctl(["add", "nosuch"], server)).toEqual({
      code: 1,
      stdout: "ERROR: no such process/group: nosuch\n",
      stderr: "",
    });
    expect(await ctl(["add", "late"], server)).toEqual({
      code: 1,
      stdout: "ERROR: shutting down\n",
      stderr: "",
    });
  });

  test("remove: each name; faults", async () => {
    const server = new FakeServer({
      "supervisor.removeProcessGroup": (name) =>
        name === "old"
          ? true
          : name === "web"
            ? fault("STILL_RUNNING", "web")
            : fault("BAD_NAME", String(name)),
    });
    expect(await ctl(["remove", "old", "web", "nosuch"], server)).toEqual({
      code: 1,
      stdout:
        "old: removed process group\nERROR: process/group still running: web\nERROR: no such process/group: nosuch\n",
      stderr: "",
    });
  });

  test("no names: nothing, exit 0", async () => {
    expect(await ctl(["add"], new FakeServer())).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(await ctl(["remove"], new FakeServer())).toEqual({ code: 0, stdout: "", stderr: "" });
  });
});

describe("update through tend.update", () => {
  test("prints each line as `name: message`; names are passed, all means none", async () => {
    let given: XmlRpcValue | undefined;
    const server = new FakeServer({
      "tend.update": (names) => {
        given = names;
        return [
          { name: "old", message: "stopped" },
          { name: "old", message: "removed process group" },
          { name: "web", message: "stopped" },
          { name: "web", message: "updated process group" },
          { name: "new", message: "added process group" },
        ];
      },
    });
    expect(await ctl(["update"], server)).toEqual({
      code: 0,
      stdout:
        "old: stopped\nold: removed process group\nweb: stopped\nweb: updated process group\nnew: added process group\n",
      stderr: "",
    });
    expect(given).toEqual([]);
    await ctl(["update", "web", "new", "web"], server);
    expect(given).toEqual(["web", "new"]);
    await ctl(["update", "web", "all"], server);
    expect(given).toEqual([]);
    expect(server.methods().every((method) => method === "tend.update")).toBe(true);
  });

  test("a line the server marks as an error (an unknown group, a group with problems) exits 1", async () => {
    const unknown = new FakeServer({
      "tend.update": () => [{ name: "ERROR", message: "no such group: x", error: true }],
    });
    expect(await ctl(["update", "x"], unknown)).toEqual({
      code: 1,
      stdout: "ERROR: no such group: x\n",
      stderr: "",
    });
    const stuck = new FakeServer({
      "tend.update": () => [
        { name: "old", message: "stopped", error: false },
        { name: "old", message: "has problems; not removing", error: true },
      ],
    });
    expect(await ctl(["update"], stuck)).toEqual({
      code: 1,
      stdout: "old: stopped\nold: has problems; not removing\n",
      stderr: "",
    });
  });

  test("a config that does not load: its errors, exit 1", async () => {
    const server = new FakeServer({
      "tend.update": () => fault("CANT_REREAD", "tend.ini:3: [program:x] startsecs: bad"),
    });
    expect(await ctl(["update"], server)).toEqual({
      code: 1,
      stdout: "ERROR: CANT_REREAD: tend.ini:3: [program:x] startsecs: bad\n",
      stderr: "",
    });
  });

  test("shutting down", async () => {
    const server = new FakeServer({ "tend.update": () => fault("SHUTDOWN_STATE") });
    expect(await ctl(["update"], server)).toEqual({
      code: 1,
      stdout: "ERROR: already shutting down\n",
      stderr: "",
    });
  });
});

describe("update against a server without tend.update (supervisorctl's sequence)", () => {
  function supervisord(stopResults: (group: string) => XmlRpcValue = () => []) {
    return new FakeServer({
      "supervisor.reloadConfig": () => [[["new"], ["web"], ["old"]]],
      "supervisor.getAllProcessInfo": () => [
        info("web", "RUNNING"),
        info("old", "RUNNING"),
        info("grp:a", "RUNNING"),
      ],
      "supervisor.stopProcessGroup": (group) => stopResults(String(group)),
      "supervisor.removeProcessGroup": () => true,
      "supervisor.addProcessGroup": () => true,
    });
  }

  test("removed, then changed, then added groups", async () => {
    const server = supervisord();
    expect(await ctl(["update"], server)).toEqual({
      code: 0,
      stdout:
        "old: stopped\nold: removed process group\nweb: stopped\nweb: updated process group\nnew: added process group\n",
      stderr: "",
    });
    expect(server.methods()).toEqual([
      "tend.update",
      "supervisor.reloadConfig",
      "supervisor.stopProcessGroup",
      "supervisor.removeProcessGroup",
      "supervisor.stopProcessGroup",
      "supervisor.removeProcessGroup",
      "supervisor.addProcessGroup",
      "supervisor.addProcessGroup",
    ]);
  });

  test("named groups only; an unknown one is an error (new groups count as known)", async () => {
    const server = supervisord();
    expect(await ctl(["update", "nosuch", "new", "grp"], server)).toEqual({
      code: 1,
      stdout: "ERROR: no such group: nosuch\nnew: added process group\n",
      stderr: "",
    });
  });

  test("a removed group that will not stop is not removed", async () => {
    const server = supervisord(() => [result("old", "FAILED", "FAILED: old would not stop")]);
    expect(await ctl(["update", "old"], server)).toEqual({
      code: 1,
      stdout: "old: stopped\nold: has problems; not removing\n",
      stderr: "",
    });
  });

  test("a config that cannot be read: supervisorctl's unexpected-error line", async () => {
    const server = new FakeServer({
      "supervisor.reloadConfig": () => fault("CANT_REREAD", "bad line"),
    });
    expect(await ctl(["update"], server)).toEqual({
      code: 1,
      stdout: `error: <class 'xmlrpc.client.Fault'>, <Fault 92: 'CANT_REREAD: bad line'>\n`,
      stderr: "",
    });
  });
});
