// The interactive shell: status first, then a prompt per line; quit, exit,
// end of input and Ctrl-C end it; exit status always 0; reload asks; the
// history file; completion.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { allActions } from "../../../src/ctl/actions/index.ts";
import { Controller, Interrupts, type Terminal } from "../../../src/ctl/controller.ts";
import { shellCompleter } from "../../../src/ctl/shell.ts";
import { ctl, FakeServer, info } from "./fake-server.ts";

const dir = mkdtempSync(join(tmpdir(), "tend-ctl-shell-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const server = () =>
  new FakeServer({
    "supervisor.getAllProcessInfo": () => [info("web", "RUNNING", "pid 1, uptime 0:00:01", 1)],
    "supervisor.getSupervisorVersion": () => "4.2.5",
    "supervisor.restart": () => true,
  });

const STATUS = "web                              RUNNING   pid 1, uptime 0:00:01\n";

describe("the shell", () => {
  test("runs status first, then each line after the prompt; ^D ends it with a newline", async () => {
    const ran = await ctl([], server(), { input: "version\n\nbogus\n" });
    expect(ran).toEqual({
      code: 0,
      stdout: `${STATUS}supervisor> 4.2.5\nsupervisor> supervisor> *** Unknown syntax: bogus\nsupervisor> \n`,
      stderr: "",
    });
  });

  test("quit and exit end it; what follows is not run", async () => {
    for (const word of ["quit", "exit"]) {
      const s = server();
      const ran = await ctl([], s, { input: `${word}\nversion\n` });
      expect(ran.stdout).toBe(`${STATUS}supervisor> \n`);
      expect(s.methods()).not.toContain("supervisor.getSupervisorVersion");
    }
  });

  test("the exit status is 0 whatever failed", async () => {
    const s = new FakeServer({
      "supervisor.getAllProcessInfo": () => [info("x", "FATAL", "boom")],
    });
    expect((await ctl([], s, { input: "start\n" })).code).toBe(0);
  });

  test("reload asks first in the shell", async () => {
    const s = server();
    const ran = await ctl([], s, { input: "reload\ny\n" });
    expect(ran.stdout).toBe(
      `${STATUS}supervisor> Really restart the remote supervisord process y/N? Restarted supervisord\nsupervisor> \n`,
    );
  });

  test("the prompt comes from [supervisorctl] prompt", async () => {
    const config = join(dir, "prompt.ini");
    writeFileSync(config, "[supervisorctl]\nprompt=tend\n[program:x]\ncommand=true\n");
    const ran = await ctl(["-c", config], server(), { input: "" });
    expect(ran.stdout).toBe(`${STATUS}tend> \n`);
  });

  test("Ctrl-C at the prompt ends it with an empty line, exit 0", async () => {
    const interrupts = new Interrupts();
    const stdin = new PassThrough();
    const running = ctl([], server(), { interrupts, stdin });
    await Bun.sleep(20);
    expect(interrupts.fire()).toBe(true);
    expect(await running).toEqual({ code: 0, stdout: `${STATUS}supervisor> \n`, stderr: "" });
    stdin.end();
  });

  test("the history file is read and written back", async () => {
    const history = join(dir, "history");
    writeFileSync(history, "status\nversion\n");
    await ctl(["-r", history], server(), { input: "version\n" });
    // Piped input is not recorded (as Python's readline); what was there stays.
    expect(readFileSync(history, "utf8")).toBe("status\nversion\n");
  });
});

describe("completion", () => {
  function controller(s: FakeServer): Controller {
    const terminal: Terminal = {
      out: () => {},
      err: () => {},
      readLine: async () => undefined,
      readSecret: async () => undefined,
      interrupts: new Interrupts(),
    };
    return new Controller(
      terminal,
      { url: "unix:///x", username: undefined, password: undefined },
      true,
      () => s,
      allActions(),
    );
  }
  const s = new FakeServer({
    "supervisor.getAllProcessInfo": () => [
      info("web", "RUNNING"),
      info("grp:a", "RUNNING"),
      info("grp:b", "STOPPED"),
    ],
  });

  test("the first word completes to actions", async () => {
    const complete = shellCompleter(controller(s));
    expect(await complete("st")).toEqual([["start ", "status ", "stop "], "st"]);
    expect((await complete(""))[0]).toContain("wait ");
    expect((await complete(""))[0]).not.toContain("EOF ");
  });

  test("process actions complete to names, group:name and group:*", async () => {
    const complete = shellCompleter(controller(s));
    expect(await complete("stop ")).toEqual([["web ", "grp:a ", "grp:* ", "grp:b "], ""]);
    expect(await complete("stop g")).toEqual([["grp:a ", "grp:* ", "grp:b "], "g"]);
  });

  test("add, remove and update complete to groups; help to actions", async () => {
    const complete = shellCompleter(controller(s));
    expect(await complete("update ")).toEqual([["web ", "grp "], ""]);
    expect(await complete("help re")).toEqual([
      ["reload ", "remove ", "reread ", "restart "],
      "re",
    ]);
  });
});
