// tend's `wait` action: tend.wait on tend's server, polling on supervisord,
// timeouts (exit 1 naming who is not ready), unknown names (exit 4).

import { describe, expect, test } from "bun:test";
import type { XmlRpcValue } from "../../../src/protocol/xmlrpc.ts";
import { ctl, FakeServer, fault, info } from "./fake-server.ts";

describe("wait through tend.wait", () => {
  test("ready: silent, exit 0; names and the timeout are passed", async () => {
    const calls: XmlRpcValue[][] = [];
    const server = new FakeServer({
      "tend.wait": (names, timeout) => {
        calls.push([names as XmlRpcValue, timeout as XmlRpcValue]);
        return { ready: true, waiting: [] };
      },
    });
    expect(await ctl(["wait"], server)).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(await ctl(["wait", "web", "grp:*", "--timeout", "2.5"], server)).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
    expect(await ctl(["wait", "--timeout=0", "all"], server)).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
    expect(calls).toEqual([
      [[], 60],
      [["web", "grp:*"], 2.5],
      [[], 0],
    ]);
  });

  test("not ready in time: exit 1 naming the processes still waiting", async () => {
    const server = new FakeServer({
      "tend.wait": () => ({ ready: false, waiting: ["web", "grp:a"] }),
    });
    expect(await ctl(["wait", "--timeout", "3"], server)).toEqual({
      code: 1,
      stdout: "Error: not ready after 3s: web, grp:a\n",
      stderr: "",
    });
  });

  test("an unknown name: exit 4", async () => {
    const server = new FakeServer({
      "tend.wait": (names) => fault("BAD_NAME", String((names as string[])[1])),
    });
    expect(await ctl(["wait", "web", "nosuch"], server)).toEqual({
      code: 4,
      stdout: "nosuch: ERROR (no such process)\n",
      stderr: "",
    });
    expect((await ctl(["wait", "web", "nogroup:*"], server)).stdout).toBe(
      "nogroup: ERROR (no such group)\n",
    );
  });

  test.each([
    [["--timeout"], "Error: --timeout requires a number of seconds"],
    [
      ["--timeout", "soon"],
      "Error: bad timeout soon: expected a number of seconds, such as 30 or 0.5",
    ],
    [["--timeout=-1"], "Error: bad timeout -1: expected a number of seconds, such as 30 or 0.5"],
    [["-x"], "Error: bad argument -x"],
  ])("%p: exit 2 with the help", async (args, message) => {
    const ran = await ctl(["wait", ...args], new FakeServer());
    expect(ran.code).toBe(2);
    expect(ran.stdout.split("\n")[0]).toBe(message);
    expect(ran.stdout).toContain("wait <name> <name>");
  });
});

describe("wait against supervisord (no tend.wait): polling", () => {
  test("returns once every named process is RUNNING", async () => {
    let polls = 0;
    const server = new FakeServer({
      "supervisor.getAllProcessInfo": () => {
        polls++;
        return [info("web", polls < 3 ? "STARTING" : "RUNNING"), info("other", "STOPPED")];
      },
    });
    const started = Date.now();
    expect(await ctl(["wait", "web", "--timeout", "5"], server)).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
    expect(polls).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350); // two pauses of 200 ms
  });

  /** getAllConfigInfo's answer: every process starts on its own unless named here. */
  const configs =
    (names: readonly string[], manual: readonly string[] = []) =>
    () =>
      names.map((namespec) => {
        const [group = namespec, name = namespec] = namespec.includes(":")
          ? namespec.split(":")
          : [namespec, namespec];
        return { group, name, autostart: !manual.includes(namespec) };
      });

  test("times out naming who is not running; without names, only the autostart processes", async () => {
    const server = new FakeServer({
      "supervisor.getAllProcessInfo": () => [
        info("web", "RUNNING"),
        info("grp:a", "BACKOFF"),
        info("grp:b", "FATAL"),
        info("manual", "STOPPED"),
      ],
      "supervisor.getAllConfigInfo": configs(["web", "grp:a", "grp:b", "manual"], ["manual"]),
    });
    expect(await ctl(["wait", "--timeout", "0.3"], server)).toEqual({
      code: 1,
      stdout: "Error: not ready after 0.3s: grp:a, grp:b\n",
      stderr: "",
    });
  });

  test("--timeout 0 looks once", async () => {
    let polls = 0;
    const server = new FakeServer({
      "supervisor.getAllProcessInfo": () => {
        polls++;
        return [info("web", "STARTING")];
      },
      "supervisor.getAllConfigInfo": configs(["web"]),
    });
    expect((await ctl(["wait", "--timeout", "0"], server)).code).toBe(1);
    expect(polls).toBe(1);
  });

  test("an unknown name: exit 4", async () => {
    const server = new FakeServer({
      "supervisor.getAllProcessInfo": () => [info("web", "RUNNING")],
    });
    expect(await ctl(["wait", "nosuch"], server)).toEqual({
      code: 4,
      stdout: "nosuch: ERROR (no such process)\n",
      stderr: "",
    });
    expect((await ctl(["wait", "g:*"], server)).stdout).toBe("g: ERROR (no such group)\n");
  });
});
