// The real process and probe ports for ready_check / live_check, with real
// processes: fd:N and notify reach the engine as notices from the process
// itself (through RealProcessOps.spawn, as the engine spawns), a file: flag
// left from before is removed before the start, and a check command runs
// with the program's PATH, directory and environment.

import { afterAll, describe, expect, test } from "bun:test";
import {
  closeSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import type { ProcessConfig } from "../../../src/config/model.ts";
import { LogHub } from "../../../src/logging/hub.ts";
import { makePipe } from "../../../src/os/libc.ts";
import { notifyDirectoryPath, removeNotifyDirectory } from "../../../src/os/notify-socket.ts";
import type { Notice, RunningProcess } from "../../../src/runtime/ports.ts";
import { RealProbeOps } from "../../../src/runtime/probe-ops.ts";
import { RealProcessOps } from "../../../src/runtime/process-ops.ts";
import { ROOT, scratchDir, until } from "../../harness/index.ts";
import { configOf, removeConfigFiles } from "./fake-ports.ts";

const scratch = scratchDir("tend-check-ops-");
afterAll(() => {
  removeConfigFiles();
  scratch.cleanup();
  // tend removes it when it exits; bun test does not emit "exit" for the file.
  removeNotifyDirectory();
});

const hub = new LogHub({ format: "text", prefix: false, color: false, labelWidth: 0 });
const warnings: string[] = [];
const ops = new RealProcessOps(hub, "unix:///nowhere.sock", (message) => warnings.push(message));
afterAll(() => hub.close());

/** The one process of a [program:x] section with `keys`. */
function processOf(keys: string): ProcessConfig {
  const config = configOf(
    `[program:app]\n${keys}\nstdout_logfile=NONE\nstderr_logfile=NONE\nstartsecs=0\n`,
  );
  const process = config.groups[0]?.processes[0];
  if (!process) throw new Error("no process");
  return process;
}

/** Spawns it as the engine does; every notice it hears, in order. */
function spawn(process: ProcessConfig): { running: RunningProcess; heard: Notice[] } {
  const running = ops.spawn(process, hub.processLogs(process, "app"), "app");
  const heard: Notice[] = [];
  running.notices?.listen((notice) => heard.push(notice));
  return { running, heard };
}

const sh = (script: string) => `command=/bin/sh -c '${script}'`;

describe("fd:N (s6's notification-fd)", () => {
  test("each newline the program writes to its fd N is a ready notice", async () => {
    const { running, heard } = spawn(
      processOf(`${sh('echo >&5; sleep 0.05; printf "x\\n" >&5')}\nready_check=fd:5`),
    );
    expect(running.notices).toBeDefined();
    expect(await running.exited).toEqual({ kind: "exited", code: 0 });
    await Bun.sleep(20);
    expect(heard).toEqual([{ kind: "ready" }, { kind: "ready" }]);
  });

  test("the program gets fd N and stdio, nothing else of tend's: the numbers between are closed", async () => {
    // Some descriptors of tend's own, open while it spawns: none may leak.
    const [a, b] = makePipe();
    let running: RunningProcess | undefined;
    try {
      running = spawn(processOf("command=/bin/sleep 5\nready_check=fd:9")).running;
    } finally {
      closeSync(a);
      closeSync(b);
    }
    try {
      // While sleep starts, its loader briefly holds libc open (fd 3); a
      // descriptor leaked from tend would stay, so wait for the set to settle.
      const fdsOf = () =>
        readdirSync(`/proc/${running.pid}/fd`)
          .map(Number)
          .sort((x, y) => x - y);
      await until(() => fdsOf().join() === "0,1,2,9", 5000);
      expect(fdsOf()).toEqual([0, 1, 2, 9]);
    } finally {
      ops.signal(running.pid, 9, false);
      await running.exited;
    }
  });

  test("a program that never writes: no notice, and tend's end is closed when it exits", async () => {
    const before = countPipes();
    const { running, heard } = spawn(processOf(`${sh("true")}\nready_check=fd:3`));
    await running.exited;
    await Bun.sleep(20);
    expect(heard).toEqual([]);
    // at most as many: pipes of earlier tests' children may close meanwhile
    expect(countPipes()).toBeLessThanOrEqual(before);
  });

  test("a descendant keeping fd N open does not keep tend's end open past the exit", async () => {
    const before = countPipes();
    const { running } = spawn(processOf(`${sh("sleep 0.5 >/dev/null 2>&1 &")}\nready_check=fd:4`));
    await running.exited;
    // The background sleep still holds the write end; tend stops reading anyway.
    expect(await until(() => countPipes() <= before, 300)).toBe(true);
    await Bun.sleep(400);
  });

  test.skipIf(process.getuid?.() !== 0)(
    "through the user= trampoline: fd N survives tend's own exec",
    async () => {
      const [readEnd, writeEnd] = makePipe();
      const child = Bun.spawn(
        [
          process.execPath,
          join(ROOT, "src/main.ts"),
          "--internal-exec-as",
          "65534",
          "65534",
          "",
          "7",
          "--",
          "/bin/sh",
          "-c",
          'test "$(id -u)" = 65534 && echo >&7',
        ],
        {
          stdio: ["ignore", "inherit", "inherit", "ignore", "ignore", "ignore", "ignore", writeEnd],
        },
      );
      closeSync(writeEnd);
      expect(await child.exited).toBe(0);
      const bytes = await Bun.file(readEnd).bytes();
      closeSync(readEnd);
      expect(new TextDecoder().decode(bytes)).toBe("\n");
    },
  );
});

/** tend's pipe descriptors now. */
function countPipes(): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith("pipe:");
    } catch {
      return false;
    }
  }).length;
}

describe("notify (systemd's NOTIFY_SOCKET)", () => {
  const python = "/usr/bin/python3";
  const sendEach = (...messages: string[]) =>
    `import os, socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for m in ${JSON.stringify(messages)}:
    s.sendto(m.encode(), os.environ["NOTIFY_SOCKET"])
    time.sleep(0.02)
open(${JSON.stringify(scratch.path("socket-path"))}, "w").write(os.environ["NOTIFY_SOCKET"])`;

  test.skipIf(!existsSync(python))(
    "READY=1 and STATUS= from python, in order; the socket goes when the process does",
    async () => {
      writeFileSync(
        scratch.path("notify.py"),
        sendEach("STATUS=warming up", "READY=1\nSTATUS=serving"),
      );
      const { running, heard } = spawn(
        processOf(`command=${python} ${scratch.path("notify.py")}\nready_check=notify`),
      );
      expect(await running.exited).toEqual({ kind: "exited", code: 0 });
      const socket = readFileSync(scratch.path("socket-path"), "utf8");
      expect(heard).toEqual([
        { kind: "status", text: "warming up" },
        { kind: "ready" },
        { kind: "status", text: "serving" },
      ]);
      expect(dirname(socket)).toBe(notifyDirectoryPath() ?? "");
      expect(await until(() => !existsSync(socket), 500)).toBe(true);
    },
  );

  test.skipIf(!existsSync(python) || process.getuid?.() !== 0)(
    "a program that starts as root and drops to another user (as gosu does) can still notify",
    async () => {
      const script = scratch.path("drop.py");
      writeFileSync(
        script,
        `import os, socket
path = os.environ["NOTIFY_SOCKET"]
st = os.stat(path)
open(${JSON.stringify(scratch.path("modes"))}, "w").write("%o %o" % (os.stat(os.path.dirname(path)).st_mode & 0o777, st.st_mode & 0o777))
os.setgroups([]); os.setgid(65534); os.setuid(65534)
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"READY=1", path)`,
      );
      const { running, heard } = spawn(
        processOf(`command=${python} ${script}\nready_check=notify`),
      );
      expect(await running.exited).toEqual({ kind: "exited", code: 0 });
      await Bun.sleep(20);
      expect(heard).toEqual([{ kind: "ready" }]);
      // The directory: passable, not listable; the socket: anyone told its name.
      expect(readFileSync(scratch.path("modes"), "utf8")).toBe("711 666");
    },
  );

  test.skipIf(!Bun.which("systemd-notify"))("systemd-notify --ready --status=...", async () => {
    const { running, heard } = spawn(
      processOf(`${sh("systemd-notify --ready --status=hello; sleep 0.05")}\nready_check=notify`),
    );
    expect(await running.exited).toEqual({ kind: "exited", code: 0 });
    await Bun.sleep(20);
    expect(heard).toContainEqual({ kind: "ready" });
    expect(heard).toContainEqual({ kind: "status", text: "hello" });
  });

  test("notices before anyone listens are kept for the first listener", async () => {
    const process = processOf(`${sh("echo >&3; sleep 0.3")}\nready_check=fd:3`);
    const running = ops.spawn(process, hub.processLogs(process, "app"), "app");
    await Bun.sleep(150);
    const heard: Notice[] = [];
    running.notices?.listen((notice) => heard.push(notice));
    expect(heard).toEqual([{ kind: "ready" }]);
    await running.exited;
  });

  test("tend's exit removes the directory of sockets", async () => {
    const script = scratch.path("exit.ts");
    const module = join(ROOT, "src/os/notify-socket.ts");
    writeFileSync(
      script,
      `import { notifyDirectoryPath, openNotifySocket } from ${JSON.stringify(module)};
openNotifySocket();
console.log(notifyDirectoryPath());`,
    );
    const child = Bun.spawn([process.execPath, script], { stdout: "pipe" });
    const directory = (await new Response(child.stdout).text()).trim();
    expect(await child.exited).toBe(0);
    expect(directory).toMatch(/\/tend-[^/]+$/);
    expect(existsSync(directory)).toBe(false);
  });

  test("the directory of sockets is tend's own: mode 0711", () => {
    const directory = notifyDirectoryPath();
    expect(directory).toBeDefined();
    expect(statSync(directory ?? "").mode & 0o777).toBe(0o711);
  });
});

describe("only the push kinds get notices", () => {
  test("a program with a polled check or none: no notices, no NOTIFY_SOCKET", async () => {
    const out = scratch.path("env");
    for (const check of ["", "ready_check=tcp:1"]) {
      const { running } = spawn(processOf(`${sh(`echo "[$NOTIFY_SOCKET]" > ${out}`)}\n${check}`));
      expect(running.notices).toBeUndefined();
      await running.exited;
      expect(readFileSync(out, "utf8")).toBe("[]\n");
    }
  });
});

describe("file: checks", () => {
  test("a flag left from before is removed before the program starts", async () => {
    const flag = scratch.path("ready.flag");
    writeFileSync(flag, "stale");
    const seen = scratch.path("seen");
    const { running } = spawn(
      processOf(
        `${sh(`test -e ${flag} && echo stale > ${seen} || echo gone > ${seen}`)}\nready_check=file:${flag}`,
      ),
    );
    await running.exited;
    expect(readFileSync(seen, "utf8")).toBe("gone\n");
  });

  test("a flag that cannot be removed is a warning, not a failed spawn", async () => {
    const { running } = spawn(processOf(`${sh("true")}\nready_check=file:${scratch.dir}`));
    expect(await running.exited).toEqual({ kind: "exited", code: 0 });
    expect(warnings.some((w) => w.startsWith(`app: could not remove ${scratch.dir}`))).toBe(true);
  });
});

describe("RealProbeOps", () => {
  const probes = new RealProbeOps("unix:///nowhere.sock");

  test("a check command runs with the program's PATH, directory and environment", async () => {
    const bin = scratch.path("bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, "am-i-ready"),
      '#!/bin/sh\ntest "$PWD" = / && test "$FLAVOUR" = mild\n',
      {
        mode: 0o755,
      },
    );
    const process = processOf(
      `command=/bin/true\ndirectory=/\nenvironment=PATH="${bin}:/usr/bin:/bin",FLAVOUR="mild"\nready_check=am-i-ready`,
    );
    const check = process.ready_check;
    if (!check) throw new Error("no check");
    expect(await probes.probe(check, process, 2000)).toEqual({ ok: true, message: "" });
    const elsewhere = processOf(`command=/bin/true\nready_check=am-i-ready`);
    expect(await probes.probe(check, elsewhere, 2000)).toEqual({
      ok: false,
      message: "can't find command 'am-i-ready'",
    });
  });

  test("each polled kind goes to its probe; the push kinds are not polled", async () => {
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => new Response("", { status: 503 }),
    });
    try {
      const outcome = async (check: string) => {
        const process = processOf(`command=/bin/true\nready_check=${check}`);
        if (!process.ready_check) throw new Error("no check");
        return probes.probe(process.ready_check, process, 1000);
      };
      expect(await outcome(`http://127.0.0.1:${server.port}/`)).toEqual({
        ok: false,
        message: "HTTP 503",
      });
      expect(await outcome(`tcp:127.0.0.1:${server.port}`)).toEqual({ ok: true, message: "" });
      expect(await outcome(`unix:${scratch.path("none.sock")}`)).toEqual({
        ok: false,
        message: "no such file",
      });
      expect(await outcome(`file:${scratch.dir}`)).toEqual({ ok: true, message: "" });
      expect(await outcome("/bin/false")).toEqual({ ok: false, message: "exit status 1" });
      for (const check of ["fd:3", "notify", "log:ready"])
        expect(await outcome(check)).toEqual({ ok: false, message: "not a polled check" });
    } finally {
      server.stop(true);
    }
  });
});
