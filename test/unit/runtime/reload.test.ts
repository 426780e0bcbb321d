// Reread and update through the engine's fake ports: the diff of groups, and
// tend's update — removed groups stop and go, added ones come, a changed
// group restarts only its changed processes, a process that will not stop
// stays supervised and the reply says so, a broken config changes nothing.

import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { diffGroups } from "../../../src/config/compare.ts";
import { Engine } from "../../../src/runtime/engine.ts";
import { ConfigReadError, Reload } from "../../../src/runtime/reload.ts";
import {
  configFile,
  configOf,
  type Fakes,
  fakePorts,
  load,
  removeConfigFiles,
  settle,
} from "./fake-ports.ts";

afterAll(removeConfigFiles);

const web = (command = "/bin/web") => `[program:web]\ncommand=${command}\nstartsecs=0\n`;
const API = "[program:api]\ncommand=/bin/api\nstartsecs=0\n";
const workers = (w1 = "/bin/sleep 100") =>
  "[group:workers]\nprograms=w1,w2\npriority=10\n" +
  `[program:w1]\ncommand=${w1}\npriority=2\nstartsecs=0\n[program:w2]\ncommand=/bin/sleep 200\npriority=1\nstartsecs=0\n`;
const EXTRA = "[program:extra]\ncommand=/bin/cat\nstartsecs=0\n";
const BASE = web() + API + workers();
const EDITED = `${web("/bin/web2")}${workers()}${EXTRA}`;

let fakes: Fakes;
let engine: Engine;
let path: string;
let reload: Reload;

beforeEach(() => {
  fakes = fakePorts();
  path = configFile(BASE);
  const config = configOf(BASE);
  engine = new Engine(config.groups, fakes.ports);
  reload = new Reload(path, config, load, engine);
  engine.startAutostart();
});

const edit = (ini: string) => writeFileSync(path, ini);
const pidOf = (namespec: string) =>
  engine.slots.find((slot) => slot.namespec === namespec)?.status.pid;
const text = (lines: readonly { name: string; message: string; error: boolean }[]) =>
  lines.map((line) => `${line.name}: ${line.message}${line.error ? " [error]" : ""}`);

describe("diffGroups (supervisord's diff_to_active)", () => {
  test("added, changed and removed group names", () => {
    const diff = diffGroups(configOf(BASE).groups, configOf(EDITED).groups);
    expect([diff.added, diff.changed, diff.removed].map((gs) => gs.map((g) => g.name))).toEqual([
      ["extra"],
      ["web"],
      ["api"],
    ]);
  });

  test("the same config read again with its lines moved: no change", () => {
    const diff = diffGroups(
      configOf(BASE).groups,
      configOf(`\n\n${API}${workers()}${web()}`).groups,
    );
    expect([...diff.added, ...diff.changed, ...diff.removed]).toEqual([]);
  });

  test("a group's priority alone makes it changed", () => {
    const moved = configOf(web() + API + workers().replace("priority=10", "priority=11"));
    expect(diffGroups(configOf(BASE).groups, moved.groups).changed.map((g) => g.name)).toEqual([
      "workers",
    ]);
  });
});

describe("reread", () => {
  test("reports the diff, applies nothing, and makes the groups read available", () => {
    edit(EDITED);
    const { diff } = reload.reread();
    expect(diff.added.map((g) => g.name)).toEqual(["extra"]);
    expect(engine.groups.map((g) => g.config.name)).toEqual(["workers", "api", "web"]);
    expect(reload.available.map((g) => g.name)).toEqual(["workers", "extra", "web"]);
  });

  test("a broken config: ConfigReadError naming the problem; available unchanged", () => {
    edit(`${BASE}\n[program:bad]\ncommand=/bin/x\nstartsecs=soon\n`);
    expect(() => reload.reread()).toThrow(ConfigReadError);
    expect(() => reload.reread()).toThrow(/startsecs/);
    expect(reload.available.map((g) => g.name)).toEqual(["workers", "api", "web"]);
  });
});

describe("update", () => {
  test("removed, changed and added groups, in that order, with supervisorctl's lines", async () => {
    edit(EDITED);
    const api = pidOf("api");
    expect(text(await reload.update([]))).toEqual([
      "api: stopped",
      "api: removed process group",
      "web: stopped",
      "web: updated process group",
      "extra: added process group",
    ]);
    expect(engine.groups.map((g) => g.config.name)).toEqual(["workers", "extra", "web"]);
    expect(fakes.processes.signals.map((s) => s.pid)).toContain(api as number);
    expect(engine.slots.every((slot) => slot.status.state === "RUNNING")).toBe(true);
  });

  test("a changed group keeps its unchanged processes running, and says which restarted", async () => {
    edit(web() + API + workers("/bin/sleep 101"));
    const w2 = pidOf("workers:w2");
    const w1 = pidOf("workers:w1");
    expect(text(await reload.update([]))).toEqual([
      "workers: stopped w1 (changed); kept w2 (unchanged)",
      "workers: updated process group",
    ]);
    expect(pidOf("workers:w2")).toBe(w2);
    expect(pidOf("workers:w1")).not.toBe(w1);
    expect(fakes.processes.latest("w1").config.command).toEqual(["/bin/sleep", "101"]);
  });

  test("a process whose only changes are checks, dependencies or restart policy keeps running with them (found through tend ctl update: it was stopped and never started again)", async () => {
    const retuned = workers().replace(
      "command=/bin/sleep 100\n",
      "command=/bin/sleep 100\nready_check=tcp:1\nbackoff=exponential\n",
    );
    edit(`${web().replace("startsecs=0\n", "startsecs=0\ndepends_on=api\n")}${API}${retuned}`);
    const before = { w1: pidOf("workers:w1"), w2: pidOf("workers:w2"), web: pidOf("web") };
    expect(text(await reload.update([]))).toEqual([
      "workers: kept w1 (new supervision settings); kept w2 (unchanged)",
      "workers: updated process group",
      "web: kept web (new supervision settings)",
      "web: updated process group",
    ]);
    expect(fakes.processes.signals).toEqual([]);
    expect({ w1: pidOf("workers:w1"), w2: pidOf("workers:w2"), web: pidOf("web") }).toEqual(before);
    const w1 = engine.slots.find((slot) => slot.namespec === "workers:w1");
    expect(w1?.status.state).toBe("RUNNING");
    expect(w1?.config.ready_check?.text).toBe("tcp:1");
    expect(w1?.rules.backoff.kind).toBe("exponential");
  });

  test("it waits for the removed group's processes to stop", async () => {
    fakes.processes.ignoringTerm.add("api");
    edit(web() + workers());
    let done = false;
    const update = reload.update([]).then((lines) => {
      done = true;
      return lines;
    });
    await settle();
    expect(done).toBe(false);
    fakes.processes.latest("api").exit(0);
    expect(text(await update)).toEqual(["api: stopped", "api: removed process group"]);
  });

  test("a removed group whose stop failed is kept: `has problems; not removing`", async () => {
    fakes.processes.unsignallable.add("api");
    edit(web() + workers());
    expect(text(await reload.update([]))).toEqual([
      "api: stopped",
      "api: has problems; not removing [error]",
    ]);
    expect(engine.group("api")).toBeDefined();
  });

  test("a changed process that cannot be stopped stays supervised with its old settings; the reply says so", async () => {
    fakes.processes.unsignallable.add("w1");
    edit(web() + API + workers("/bin/sleep 101"));
    const w1 = pidOf("workers:w1");
    expect(text(await reload.update([]))).toEqual([
      "workers: kept w2 (unchanged)",
      "workers: could not stop w1 (Operation not permitted); it keeps running with its old settings [error]",
      "workers: updated process group",
    ]);
    const slot = engine.group("workers")?.slots.find((s) => s.config.name === "w1");
    expect(slot?.status.pid).toBe(w1);
    expect(slot?.config.command).toEqual(["/bin/sleep", "100"]);
    expect(fakes.processes.spawned.filter((c) => c.config.name === "w1")).toHaveLength(1);
    // What runs differs from the file: the next reread still reports the group changed.
    expect(reload.reread().diff.changed.map((g) => g.name)).toEqual(["workers"]);
  });

  test("named groups only; an unknown name is `ERROR: no such group`", async () => {
    edit(EDITED);
    expect(text(await reload.update(["nosuch", "web", "extra"]))).toEqual([
      "ERROR: no such group: nosuch [error]",
      "web: stopped",
      "web: updated process group",
      "extra: added process group",
    ]);
    expect(engine.group("api")).toBeDefined();
  });

  test("nothing changed: no lines, no process touched", async () => {
    expect(await reload.update([])).toEqual([]);
    expect(fakes.processes.signals).toEqual([]);
  });

  test("a config that cannot be read: ConfigReadError; nothing is touched", async () => {
    edit(`${EDITED}\n[program:bad]\nstartsecs=soon\n`);
    await expect(reload.update([])).rejects.toThrow(ConfigReadError);
    expect(fakes.processes.signals).toEqual([]);
    expect(engine.groups.map((g) => g.config.name)).toEqual(["workers", "api", "web"]);
  });
});
