// tend's own control behaviour beyond supervisorctl's: SIGHUP and tend.update
// restart only what changed (a broken config changes nothing), ctl reload
// restarts everything, tend.wait, sendProcessStdin through the stdin pipe.
// tend runs as PID 1; the test talks to its socket (the JSON endpoint) and
// reads pids from the replies and /proc.

import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { eventually, launchTend, pidNamespaces, readLines, waitFor } from "../harness/index.ts";

const PROGRAMS = `
[program:keep]
command=sleep 1000
startsecs=0

[program:change]
command=sleep 1001
startsecs=0

[program:gone]
command=sleep 1002
startsecs=0

[group:pair]
programs=left,right

[program:left]
command=sleep 1003
startsecs=0

[program:right]
command=sleep 1004
startsecs=0
`;

const EDITED = PROGRAMS.replace("command=sleep 1001", "command=sleep 2001")
  .replace("[program:gone]\ncommand=sleep 1002\nstartsecs=0\n", "")
  .replace("command=sleep 1004", "command=sleep 2004")
  .concat("\n[program:fresh]\ncommand=sleep 1005\nstartsecs=0\n");

describe.skipIf(!pidNamespaces.ok)("control: hot reload and tend's own methods", () => {
  setDefaultTimeout(20_000);
  for (const how of ["SIGHUP", "tend.update"] as const) {
    test(`${how} applies only what changed: unchanged programs keep their pid, even inside a changed group`, async () => {
      await using tend = await launchTend({ programs: PROGRAMS });
      const before = await tend.settled();
      tend.rewrite(EDITED);
      if (how === "SIGHUP") tend.signal("SIGHUP");
      else {
        const lines = (await tend.call("tend.update", [])) as { name: string; message: string }[];
        expect(lines.map((line) => `${line.name}: ${line.message}`)).toEqual([
          "gone: stopped",
          "gone: removed process group",
          "change: stopped",
          "change: updated process group",
          "pair: stopped right (changed); kept left (unchanged)",
          "pair: updated process group",
          "fresh: added process group",
        ]);
      }
      const after = await eventually(async () => {
        const all = await tend.infos();
        const settled =
          all.has("fresh") &&
          !all.has("gone") &&
          [...all.values()].every((info) => info.statename === "RUNNING") &&
          all.get("change")?.pid !== before.get("change")?.pid;
        return settled && all;
      }, "the update to settle");
      expect(after.get("keep")?.pid).toBe(before.get("keep")?.pid);
      expect(after.get("pair:left")?.pid).toBe(before.get("pair:left")?.pid);
      expect(after.get("pair:right")?.pid).not.toBe(before.get("pair:right")?.pid);
      const changed = after.get("change")?.pid ?? 0;
      expect(changed).toBeGreaterThan(0);
      expect(after.get("fresh")?.pid).toBeGreaterThan(0);
    });
  }

  test("SIGHUP with a broken config: everything keeps running as it was, the errors are logged", async () => {
    await using tend = await launchTend({ programs: PROGRAMS });
    await tend.settled();
    const before = await tend.infos();
    tend.rewrite(`${EDITED}\n[program:bad]\nstartsecs=soon\n`);
    tend.signal("SIGHUP");
    await waitFor(
      () => tend.lines().some((line) => line.includes("config not applied")),
      "the error",
    );
    const errorLines = tend.lines().join("\n");
    expect(errorLines).toContain("startsecs");
    const after = await tend.infos();
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [name, info] of before) expect(after.get(name)?.pid).toBe(info.pid);
    // tend.update answers the same errors as a CANT_REREAD fault.
    await expect(tend.call("tend.update", [])).rejects.toThrow(/CANT_REREAD: .*startsecs/);
    await expect(tend.call("supervisor.reloadConfig")).rejects.toThrow(/CANT_REREAD/);
  });

  test("supervisor.restart (ctl reload) restarts every program with the config read again", async () => {
    await using tend = await launchTend({ programs: PROGRAMS });
    await tend.settled();
    const before = await tend.infos();
    tend.rewrite(EDITED);
    expect(await tend.call("supervisor.restart")).toBe(true);
    const after = await eventually(async () => {
      const all = await tend.infos();
      return (
        all.has("fresh") && [...all.values()].every((info) => info.statename === "RUNNING") && all
      );
    }, "the restart");
    expect(after.has("gone")).toBe(false);
    for (const name of ["keep", "pair:left"])
      expect(after.get(name)?.pid).not.toBe(before.get(name)?.pid);
  });

  test("tend.wait answers once the named programs are RUNNING, and names the late ones at its timeout", async () => {
    await using tend = await launchTend({
      programs: "[program:quick]\ncommand=sleep 1000\nstartsecs=0\n",
    });
    await tend.settled();
    const READY = { ready: true, hopeless: false, waiting: [], reasons: [] };
    expect(await tend.call("tend.wait", [], 5)).toEqual(READY);
    tend.rewrite(
      "[program:quick]\ncommand=sleep 1000\nstartsecs=0\n\n[program:slow]\ncommand=sleep 1000\nstartsecs=3\n",
    );
    await tend.call("tend.update", []);
    expect(await tend.call("tend.wait", ["slow"], 0.3)).toEqual({
      ready: false,
      hopeless: false,
      waiting: ["slow"],
      reasons: ["starting"],
    });
    const started = Date.now();
    expect(await tend.call("tend.wait", ["slow"], 10)).toEqual(READY);
    expect(Date.now() - started).toBeGreaterThan(1_000);
    await expect(tend.call("tend.wait", ["nope"], 1)).rejects.toThrow("BAD_NAME: nope");
  });

  test("sendProcessStdin reaches the program's stdin; a program that is not running gets NOT_RUNNING", async () => {
    await using tend = await launchTend({
      programs:
        "[program:echo]\ncommand=cat\nstartsecs=0\nstdout_logfile=DIR/echo.log\n\n[program:idle]\ncommand=sleep 1\nautostart=false\n",
    });
    await tend.settled();
    expect(await tend.call("supervisor.sendProcessStdin", "echo", "hello\nworld\n")).toBe(true);
    await waitFor(() => readLines(join(tend.dir, "echo.log")).length === 2, "cat to echo");
    expect(readFileSync(join(tend.dir, "echo.log"), "utf8")).toBe("hello\nworld\n");
    await expect(tend.call("supervisor.sendProcessStdin", "idle", "x")).rejects.toThrow(
      "NOT_RUNNING: idle",
    );
    // The same text is readable back through readProcessStdoutLog.
    expect(await tend.call("supervisor.readProcessStdoutLog", "echo", 0, 0)).toBe("hello\nworld\n");
  });
});
