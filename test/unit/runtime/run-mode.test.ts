// Run mode through fake ports: signals as events (TERM stops everything in
// priority order and exits 0, a second TERM kills, HUP applies a changed
// config, USR1 is forwarded), `ctl reload` starting over with the config
// read again, and a critical program ending tend with its exit code.

import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { SIGNAL_NUMBERS } from "../../../src/core/signals.ts";
import { RunMode } from "../../../src/runtime/run-mode.ts";
import { configFile, configOf, fakePorts, load, removeConfigFiles, settle } from "./fake-ports.ts";

afterAll(removeConfigFiles);

const { SIGTERM, SIGKILL, SIGUSR1 } = SIGNAL_NUMBERS;

function runModeOf(ini: string) {
  const fakes = fakePorts();
  const path = configFile(ini);
  let reopened = 0;
  const run = new RunMode({
    path,
    config: configOf(ini),
    ports: fakes.ports,
    load,
    reopenLogs: () => void reopened++,
    mainLog: undefined,
    pid: 1,
  });
  let code: number | undefined;
  void run.finished.then((value) => {
    code = value;
  });
  run.startPrograms();
  return { ...fakes, run, path, exitCode: () => code, reopened: () => reopened };
}

const TWO =
  "[program:db]\ncommand=/bin/db\nstartsecs=0\npriority=10\n[program:web]\ncommand=/bin/web\nstartsecs=0\npriority=20\n";

describe("run mode", () => {
  test("TERM: SHUTDOWN, programs stop by descending priority, then exit 0", async () => {
    const { run, processes, lines, exitCode } = runModeOf(TWO);
    run.signalled("SIGTERM");
    expect(run.state()).toBe("SHUTDOWN");
    expect(processes.signals.map((s) => s.pid)).toEqual([processes.latest("web").pid]);
    await settle();
    expect(processes.signals.map((s) => s.pid)).toEqual([
      processes.latest("web").pid,
      processes.latest("db").pid,
    ]);
    await settle();
    expect(exitCode()).toBe(0);
    expect(lines).toContain("WARN received SIGTERM indicating exit request");
  });

  test("a second TERM kills what is left at once", async () => {
    const { run, processes, exitCode } = runModeOf(TWO);
    processes.ignoringTerm.add("web");
    run.signalled("SIGTERM");
    run.signalled("SIGINT");
    expect(processes.signalsTo("web")).toEqual([SIGTERM, SIGKILL]);
    await settle();
    await settle();
    expect(exitCode()).toBe(0);
  });

  test("nothing starts again once shutting down: start requests and retries are refused", async () => {
    const { run, processes } = runModeOf(TWO);
    processes.ignoringTerm.add("web");
    run.signalled("SIGTERM");
    const db = run.engine.slots.find((slot) => slot.config.name === "db");
    await settle();
    if (db) run.start(db);
    expect(processes.spawned).toHaveLength(2);
  });

  test("USR1 is forwarded to every running program; USR2 reopens the logs", () => {
    const { run, processes, reopened } = runModeOf(TWO);
    run.signalled("SIGUSR1");
    expect(processes.signals.map((s) => s.signal)).toEqual([SIGUSR1, SIGUSR1]);
    run.signalled("SIGUSR2");
    expect(reopened()).toBe(1);
  });

  test("HUP applies only what changed", async () => {
    const { run, processes, path, lines } = runModeOf(TWO);
    const db = processes.latest("db").pid;
    writeFileSync(path, TWO.replace("/bin/web", "/bin/web2"));
    run.signalled("SIGHUP");
    await settle();
    await settle();
    expect(processes.latest("web").config.command).toEqual(["/bin/web2"]);
    expect(processes.latest("db").pid).toBe(db);
    expect(lines).toContain("INFO update: web: updated process group");
  });

  test("HUP with a broken config: logged, nothing touched", async () => {
    const { run, processes, path, lines } = runModeOf(TWO);
    writeFileSync(path, `${TWO}[program:x]\nstartsecs=soon\n`);
    run.signalled("SIGHUP");
    await settle();
    expect(processes.signals).toEqual([]);
    expect(lines.some((line) => line.startsWith("ERROR update: config not applied"))).toBe(true);
  });

  test("restart (ctl reload): RESTARTING, everything stops, the config is read again, all start", async () => {
    const { run, processes, path } = runModeOf(TWO);
    writeFileSync(path, `${TWO}[program:extra]\ncommand=/bin/extra\nstartsecs=0\n`);
    run.restart();
    expect(run.state()).toBe("RESTARTING");
    for (let i = 0; i < 4; i++) await settle();
    expect(run.state()).toBe("RUNNING");
    expect(processes.spawned.map((c) => c.config.name)).toEqual([
      "db",
      "web",
      "db",
      "web",
      "extra",
    ]);
    expect(run.available().map((group) => group.name)).toEqual(["db", "web", "extra"]);
  });

  test("a shutdown during a restart ends tend once the restart's stop is over", async () => {
    const { run, processes, exitCode } = runModeOf(TWO);
    processes.ignoringTerm.add("web");
    run.restart();
    run.shutdown();
    expect(run.state()).toBe("SHUTDOWN");
    processes.latest("web").exit(0);
    for (let i = 0; i < 4; i++) await settle();
    expect(exitCode()).toBe(0);
    expect(processes.spawned).toHaveLength(2);
  });

  test("a critical program that goes FATAL ends tend with code 1", async () => {
    const { processes, exitCode, time, lines } = runModeOf(
      "[program:db]\ncommand=/bin/db\ncritical=true\nstartretries=0\n[program:web]\ncommand=/bin/web\nstartsecs=0\n",
    );
    processes.latest("db").exit(0);
    await settle();
    time.advance(0);
    for (let i = 0; i < 4; i++) await settle();
    expect(exitCode()).toBe(1);
    expect(lines).toContain(
      "WARN critical program db entered FATAL (exit status 0): shutting down, exit code 1",
    );
  });

  test("a critical program that exits unexpectedly with autorestart=false ends tend with its code", async () => {
    const { processes, exitCode } = runModeOf(
      "[program:job]\ncommand=/bin/job\ncritical=true\nstartsecs=0\nautorestart=false\n",
    );
    processes.latest("job").exit(3);
    for (let i = 0; i < 4; i++) await settle();
    expect(exitCode()).toBe(3);
  });
});
