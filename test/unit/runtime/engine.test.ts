// The engine through its ports, edge by edge: what it spawns and signals,
// the timers it sets, what it logs, and how groups come, go and change —
// with fake processes and a clock the test moves, so no test sleeps.

import { afterAll, describe, expect, test } from "bun:test";
import { SIGNAL_NUMBERS } from "../../../src/core/signals.ts";
import { Engine, MAX_STDIN_PENDING } from "../../../src/runtime/engine.ts";
import { configOf, type Fakes, fakePorts, removeConfigFiles, settle } from "./fake-ports.ts";

afterAll(removeConfigFiles);

const { SIGTERM, SIGKILL, SIGUSR1, SIGINT } = SIGNAL_NUMBERS;

function engineOf(ini: string): Fakes & { engine: Engine } {
  const fakes = fakePorts();
  return { ...fakes, engine: new Engine(configOf(ini).groups, fakes.ports) };
}

const state = (engine: Engine, namespec: string) =>
  engine.slots.find((slot) => slot.namespec === namespec)?.status.state;
const slotOf = (engine: Engine, namespec: string) => {
  const found = engine.slots.find((slot) => slot.namespec === namespec);
  if (!found) throw new Error(`no slot ${namespec}`);
  return found;
};

describe("starting", () => {
  test("spawn → STARTING with the pid; RUNNING once startsecs passed, on the engine's timer", () => {
    const { engine, processes, time, lines } = engineOf(
      "[program:web]\ncommand=/bin/web\nstartsecs=2\n",
    );
    engine.startAutostart();
    const web = processes.latest("web");
    expect(slotOf(engine, "web").status).toMatchObject({ state: "STARTING", pid: web.pid });
    time.advance(1999);
    expect(state(engine, "web")).toBe("STARTING");
    time.advance(1);
    expect(state(engine, "web")).toBe("RUNNING");
    expect(lines).toEqual([
      `INFO spawned: 'web' with pid ${web.pid}`,
      "INFO success: web entered RUNNING state, process has stayed up for > than 2 seconds (startsecs)",
    ]);
  });

  test("autostart=false is not started; priority orders the spawns", () => {
    const { engine, processes } = engineOf(
      "[program:b]\ncommand=/bin/b\npriority=20\n[program:a]\ncommand=/bin/a\npriority=10\n" +
        "[program:off]\ncommand=/bin/off\nautostart=false\n",
    );
    engine.startAutostart();
    expect(processes.spawned.map((child) => child.config.name)).toEqual(["a", "b"]);
    expect(state(engine, "off")).toBe("STOPPED");
  });

  test("a spawn error is BACKOFF with spawnerr; retried after 1, 2, 3 s; FATAL after startretries + 1", () => {
    const { engine, processes, time } = engineOf("[program:bad]\ncommand=/bin/bad\n");
    processes.spawnFailures.set("bad", "can't find command '/bin/bad'");
    engine.startAutostart();
    expect(slotOf(engine, "bad").status).toMatchObject({
      state: "BACKOFF",
      spawnerr: "can't find command '/bin/bad'",
    });
    time.advance(1000);
    expect(state(engine, "bad")).toBe("BACKOFF");
    time.advance(2000);
    expect(state(engine, "bad")).toBe("BACKOFF");
    time.advance(2999);
    expect(state(engine, "bad")).toBe("BACKOFF");
    time.advance(1);
    expect(state(engine, "bad")).toBe("FATAL");
    expect(time.pending).toBe(0);
  });

  test("an exit before startsecs is BACKOFF, and the retry spawns a new process", async () => {
    const { engine, processes, time } = engineOf("[program:web]\ncommand=/bin/web\n");
    engine.startAutostart();
    processes.latest("web").exit(1);
    await settle();
    expect(state(engine, "web")).toBe("BACKOFF");
    time.advance(1000);
    expect(processes.spawned).toHaveLength(2);
    expect(state(engine, "web")).toBe("STARTING");
  });
});

describe("exits", () => {
  test("an unexpected exit from RUNNING restarts at once; an expected one is EXITED", async () => {
    const { engine, processes, time } = engineOf(
      "[program:web]\ncommand=/bin/web\nstartsecs=0\nexitcodes=0,2\n",
    );
    engine.startAutostart();
    processes.latest("web").exit(1);
    await settle();
    expect(processes.spawned).toHaveLength(2);
    expect(state(engine, "web")).toBe("RUNNING");
    processes.latest("web").exit(2);
    await settle();
    expect(processes.spawned).toHaveLength(2);
    expect(slotOf(engine, "web").status).toMatchObject({ state: "EXITED", exitstatus: 2, pid: 0 });
    expect(slotOf(engine, "web").lastExit).toEqual({ kind: "exited", code: 2 });
    expect(time.pending).toBe(0);
  });

  test("state changes reach the listeners in order, with expected for EXITED", async () => {
    const { engine, processes } = engineOf(
      "[program:web]\ncommand=/bin/web\nstartsecs=0\nautorestart=false\n",
    );
    const seen: string[] = [];
    engine.onStateChange((change) => seen.push(`${change.from}→${change.to}:${change.expected}`));
    engine.startAutostart();
    processes.latest("web").exit(0);
    await settle();
    expect(seen).toEqual([
      "STOPPED→STARTING:undefined",
      "STARTING→RUNNING:undefined",
      "RUNNING→EXITED:true",
    ]);
  });
});

describe("stopping", () => {
  test("stop: stopsignal, then SIGKILL after stopwaitsecs, then STOPPED on the exit", async () => {
    const { engine, processes, time, lines } = engineOf(
      "[program:web]\ncommand=/bin/web\nstartsecs=0\nstopsignal=INT\nstopwaitsecs=5\n",
    );
    processes.ignoringTerm.add("web");
    engine.startAutostart();
    const web = processes.latest("web");
    expect(engine.stop(slotOf(engine, "web"))).toBeUndefined();
    expect(processes.signalsTo("web")).toEqual([SIGINT]);
    expect(state(engine, "web")).toBe("STOPPING");
    time.advance(4999);
    expect(processes.signalsTo("web")).toEqual([SIGINT]);
    time.advance(1);
    expect(processes.signalsTo("web")).toEqual([SIGINT, SIGKILL]);
    await settle();
    expect(slotOf(engine, "web").status).toMatchObject({ state: "STOPPED", pid: 0 });
    expect(lines).toContain(`WARN killing 'web' (${web.pid}) with SIGKILL`);
    expect(lines.at(-1)).toBe("WARN stopped: web (terminated by SIGKILL)");
    expect(time.pending).toBe(0);
  });

  test("stopasgroup: the stop signal and the SIGKILL go to the process group", () => {
    const { engine, processes, time } = engineOf(
      "[program:web]\ncommand=/bin/web\nstartsecs=0\nstopasgroup=true\nstopwaitsecs=1\n",
    );
    processes.ignoringTerm.add("web");
    engine.startAutostart();
    engine.stop(slotOf(engine, "web"));
    time.advance(1000);
    expect(processes.signals.map((sent) => [sent.signal, sent.group])).toEqual([
      [SIGTERM, true],
      [SIGKILL, true],
    ]);
  });

  test("a stop signal that cannot be sent: UNKNOWN, and stop() says why", () => {
    const { engine, processes, lines } = engineOf("[program:web]\ncommand=/bin/web\nstartsecs=0\n");
    processes.unsignallable.add("web");
    engine.startAutostart();
    const pid = processes.latest("web").pid;
    expect(engine.stop(slotOf(engine, "web"))).toBe("Operation not permitted");
    expect(slotOf(engine, "web").status).toMatchObject({ state: "UNKNOWN", killing: false });
    expect(lines).toContain(
      `CRITICAL unknown problem killing web (${pid}): Operation not permitted`,
    );
  });

  test("kill: SIGKILL at once, without waiting", () => {
    const { engine, processes } = engineOf("[program:web]\ncommand=/bin/web\nstartsecs=0\n");
    processes.ignoringTerm.add("web");
    engine.startAutostart();
    engine.dispatch(slotOf(engine, "web"), { type: "kill" });
    expect(processes.signalsTo("web")).toEqual([SIGKILL]);
  });

  test("isStopped waits for the exit, not only the state", async () => {
    const { engine, processes } = engineOf("[program:web]\ncommand=/bin/web\nstartsecs=0\n");
    processes.ignoringTerm.add("web");
    engine.startAutostart();
    const web = slotOf(engine, "web");
    engine.stop(web);
    expect(engine.isStopped(web)).toBe(false);
    const down = engine.until(() => engine.isStopped(web));
    processes.latest("web").exit(0);
    await down;
    expect(engine.isStopped(web)).toBe(true);
  });
});

describe("signals and stdin", () => {
  test("forward: every running process gets the signal; stopped ones do not", () => {
    const { engine, processes } = engineOf(
      "[program:a]\ncommand=/bin/a\nstartsecs=0\n[program:b]\ncommand=/bin/b\nautostart=false\n",
    );
    engine.startAutostart();
    engine.forward(SIGUSR1);
    expect(processes.signals).toEqual([
      { pid: processes.latest("a").pid, signal: SIGUSR1, group: false },
    ]);
  });

  test("signal of a process that does not run: the reason", () => {
    const { engine } = engineOf("[program:a]\ncommand=/bin/a\nautostart=false\n");
    expect(engine.signal(slotOf(engine, "a"), SIGUSR1)).toBe(
      "attempted to send signal 10 to a but it wasn't running",
    );
  });

  test("stdin: written while it runs, not-running before and after", async () => {
    const { engine, processes } = engineOf(
      "[program:a]\ncommand=/bin/a\nstartsecs=0\nautostart=false\n",
    );
    const a = slotOf(engine, "a");
    expect(engine.writeStdin(a, new Uint8Array([1]))).toBe("not-running");
    engine.start(a);
    expect(engine.writeStdin(a, new Uint8Array([2]))).toBe("ok");
    expect(processes.latest("a").written).toEqual([new Uint8Array([2])]);
    processes.latest("a").exit(0);
    await settle();
    expect(engine.writeStdin(a, new Uint8Array([3]))).toBe("not-running");
  });

  test("stdin: full while more than MAX_STDIN_PENDING bytes wait for the process; written again once it reads", () => {
    const { engine, processes } = engineOf(
      "[program:a]\ncommand=/bin/a\nstartsecs=0\nautostart=false\n",
    );
    const a = slotOf(engine, "a");
    engine.start(a);
    const child = processes.latest("a");
    child.stdin.pending = MAX_STDIN_PENDING;
    expect(engine.writeStdin(a, new Uint8Array([1]))).toBe("ok");
    child.stdin.pending = MAX_STDIN_PENDING + 1;
    expect(engine.writeStdin(a, new Uint8Array([2]))).toBe("full");
    child.stdin.pending = 0;
    expect(engine.writeStdin(a, new Uint8Array([3]))).toBe("ok");
    expect(child.written).toEqual([new Uint8Array([1]), new Uint8Array([3])]);
  });
});

describe("groups", () => {
  const PAIR =
    "[group:pair]\nprograms=left,right\n[program:left]\ncommand=/bin/left\nstartsecs=0\n[program:right]\ncommand=/bin/right\nstartsecs=0\n";

  test("addGroup starts its autostart processes; a second add of the name is refused", () => {
    const { engine, processes } = engineOf("[program:a]\ncommand=/bin/a\n");
    const extra = configOf(PAIR).groups[0];
    if (!extra) throw new Error("no group");
    expect(engine.addGroup(extra)).toBe(true);
    expect(processes.spawned.map((c) => c.config.name)).toEqual(["left", "right"]);
    expect(engine.addGroup(extra)).toBe(false);
  });

  test("removeGroup: refused while a process runs; then its logs are closed", async () => {
    const { engine, processes, logs } = engineOf(PAIR);
    engine.startAutostart();
    expect(engine.removeGroup("pair")).toBe(false);
    for (const slot of engine.slots) engine.stop(slot);
    await settle();
    expect(engine.removeGroup("pair")).toBe(true);
    expect(engine.groups).toEqual([]);
    expect(logs.closed.sort()).toEqual(["pair:left", "pair:right"]);
    expect(processes.spawned).toHaveLength(2);
  });

  test("replaceGroup keeps the unchanged process running and starts the changed one", async () => {
    const { engine, processes, logs } = engineOf(PAIR);
    engine.startAutostart();
    const left = slotOf(engine, "pair:left");
    const right = slotOf(engine, "pair:right");
    engine.stop(right);
    await settle();
    const edited = configOf(PAIR.replace("/bin/right", "/bin/right2")).groups[0];
    if (!edited) throw new Error("no group");
    engine.replaceGroup(edited);
    expect(slotOf(engine, "pair:left")).toBe(left);
    expect(left.status.state).toBe("RUNNING");
    expect(slotOf(engine, "pair:right")).not.toBe(right);
    expect(processes.latest("right").config.command).toEqual(["/bin/right2"]);
    expect(state(engine, "pair:right")).toBe("RUNNING");
    expect(logs.closed).toEqual(["pair:right"]);
  });

  test("replaceGroup with a stuck process: it stays, with its old settings, and the group says so", () => {
    const { engine, processes } = engineOf(PAIR);
    engine.startAutostart();
    const right = slotOf(engine, "pair:right");
    const edited = configOf(PAIR.replace("/bin/right", "/bin/right2")).groups[0];
    if (!edited) throw new Error("no group");
    engine.replaceGroup(edited, [right]);
    expect(slotOf(engine, "pair:right")).toBe(right);
    expect(engine.group("pair")?.config.processes.map((p) => p.command[0])).toEqual([
      "/bin/left",
      "/bin/right",
    ]);
    expect(processes.spawned).toHaveLength(2);
  });

  test("a retired slot's timer never fires", async () => {
    const { engine, processes, time } = engineOf("[program:a]\ncommand=/bin/a\n");
    processes.spawnFailures.set("a", "no");
    engine.startAutostart();
    expect(time.pending).toBe(1);
    engine.dispatch(slotOf(engine, "a"), { type: "stop" });
    expect(engine.removeGroup("a")).toBe(true);
    expect(time.pending).toBe(0);
  });
});
