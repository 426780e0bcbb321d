// tail, maintail and fg against a scripted server: byte counts, channels,
// argument errors, faults, followed streams and Ctrl-C.

import { describe, expect, test } from "bun:test";
import { Interrupts } from "../../../src/ctl/controller.ts";
import { ctl, FakeServer, fault, info, lines } from "./fake-server.ts";

const TAIL_HELP = [
  "tail [-f] <name> [stdout|stderr] (default stdout)",
  "Ex:",
  "tail -f <name>\t\tContinuous tail of named process stdout",
  "\t\t\tCtrl-C to exit.",
  "tail -100 <name>\tlast 100 *bytes* of process stdout",
  "tail <name> stderr\tlast 1600 *bytes* of process stderr",
];

function logServer() {
  return new FakeServer({
    "supervisor.readProcessStdoutLog": () => "out line\n",
    "supervisor.readProcessStderrLog": () => "err line\n",
    "supervisor.readLog": () => "main log\n",
  });
}

describe("tail", () => {
  test("the last 1600 bytes of stdout, then a newline of its own", async () => {
    const server = logServer();
    expect(await ctl(["tail", "web"], server)).toEqual({
      code: 0,
      stdout: "out line\n\n",
      stderr: "",
    });
    expect(server.calls.at(-1)).toEqual({
      method: "supervisor.readProcessStdoutLog",
      params: ["web", -1600, 0],
    });
  });

  test("-N bytes, a channel (any case)", async () => {
    const server = logServer();
    expect((await ctl(["tail", "-100", "web", "STDERR"], server)).stdout).toBe("err line\n\n");
    expect(server.calls.at(-1)).toEqual({
      method: "supervisor.readProcessStderrLog",
      params: ["web", -100, 0],
    });
  });

  test("-0 reads from offset 0 (the whole log), as supervisorctl does", async () => {
    const server = logServer();
    await ctl(["tail", "-0", "web"], server);
    expect(server.calls.at(-1)?.params).toEqual(["web", 0, 0]);
  });

  test.each([
    [["tail"], ["Error: too few arguments", ...TAIL_HELP]],
    [
      ["tail", "a", "b", "c", "d"],
      ["Error: too many arguments", ...TAIL_HELP],
    ],
    [["tail", "-f"], ["Error: tail requires process name"]],
    [["tail", "-x", "web"], ["Error: bad argument -x"]],
    [["tail", "web", "Foo"], ["Error: bad channel 'foo'"]],
    [
      ["tail", "-5", "web", "x", "stdout"],
      ["Error: too many arguments", ...TAIL_HELP],
    ],
  ] as const)("%p: exit 1", async (args, expected) => {
    const ran = await ctl(args, logServer());
    expect(ran.code).toBe(1);
    expect(lines(ran.stdout)).toEqual([...expected]);
  });

  test("three words: the first is the name, the last the channel (the middle one is ignored)", async () => {
    const server = logServer();
    expect((await ctl(["tail", "web", "x", "stderr"], server)).stdout).toBe("err line\n\n");
    expect(server.calls.at(-1)?.params).toEqual(["web", -1600, 0]);
  });

  test.each([
    ["NO_FILE", "web: ERROR (no log file)"],
    ["FAILED", "web: ERROR (unknown error reading log)"],
    ["BAD_NAME", "web: ERROR (no such process name)"],
  ] as const)("fault %s: %s, exit 1", async (name, line) => {
    const server = new FakeServer({ "supervisor.readProcessStdoutLog": () => fault(name, "web") });
    expect(await ctl(["tail", "web"], server)).toEqual({
      code: 1,
      stdout: `${line}\n`,
      stderr: "",
    });
  });

  test("-f streams /logtail/NAME/CHANNEL until the server ends it", async () => {
    const server = logServer();
    server.streams.set("/logtail/web/stderr", {
      chunks: ["one\n", "tw", "o\n"],
      end: { kind: "ended" },
    });
    expect(await ctl(["tail", "-f", "web", "stderr"], server)).toEqual({
      code: 0,
      stdout: "==> Press Ctrl-C to exit <==\none\ntwo\n",
      stderr: "",
    });
  });

  test("-f of an unknown name: the HTTP status on stderr, exit 0 (as supervisorctl)", async () => {
    const ran = await ctl(["tail", "-f", "nosuch"], logServer());
    expect(ran).toEqual({
      code: 0,
      stdout: "==> Press Ctrl-C to exit <==\n",
      stderr: "unix:///run/tend.sock/logtail/nosuch/stdout Cannot read, status code 404\n",
    });
  });

  test("-f ends at Ctrl-C with an empty line, exit 0", async () => {
    const server = logServer();
    server.streams.set("/logtail/web/stdout", { chunks: ["hello\n"], end: "hold" });
    const interrupts = new Interrupts();
    server.onStreaming = () => setTimeout(() => interrupts.fire(), 5);
    expect(await ctl(["tail", "-f", "web"], server, { interrupts })).toEqual({
      code: 0,
      stdout: "==> Press Ctrl-C to exit <==\nhello\n\n",
      stderr: "",
    });
  });

  test("a UTF-8 character split across chunks comes out whole", async () => {
    const server = logServer();
    const bytes = new TextEncoder().encode("é\n");
    server.follow = async (_path, onData) => {
      onData(bytes.subarray(0, 1));
      onData(bytes.subarray(1));
      return { kind: "ended" };
    };
    expect((await ctl(["tail", "-f", "web"], server)).stdout).toBe(
      "==> Press Ctrl-C to exit <==\né\n",
    );
  });
});

describe("maintail", () => {
  test("the last 1600 bytes of the main log; -N bytes", async () => {
    const server = logServer();
    expect(await ctl(["maintail"], server)).toEqual({
      code: 0,
      stdout: "main log\n\n",
      stderr: "",
    });
    expect(server.calls.at(-1)).toEqual({ method: "supervisor.readLog", params: [-1600, 0] });
    await ctl(["maintail", "-30"], server);
    expect(server.calls.at(-1)?.params).toEqual([-30, 0]);
  });

  test("-f streams /mainlogtail", async () => {
    const server = logServer();
    server.streams.set("/mainlogtail", { chunks: ["started\n"], end: { kind: "ended" } });
    expect((await ctl(["maintail", "-f"], server)).stdout).toBe(
      "==> Press Ctrl-C to exit <==\nstarted\n",
    );
  });

  test("bad arguments", async () => {
    expect(await ctl(["maintail", "x"], logServer())).toEqual({
      code: 1,
      stdout: "Error: bad argument x\n",
      stderr: "",
    });
    expect(await ctl(["maintail", "-y"], logServer())).toEqual({
      code: 1,
      stdout: "Error: bad argument -y\n",
      stderr: "",
    });
    const ran = await ctl(["maintail", "a", "b"], logServer());
    expect(lines(ran.stdout)).toEqual([
      "Error: too many arguments",
      "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)",
      "maintail -100\tlast 100 *bytes* of supervisord main log file",
      "maintail\tlast 1600 *bytes* of supervisor main log file",
      "",
    ]);
    expect(ran.code).toBe(1);
  });

  test.each([
    ["NO_FILE", "supervisord: ERROR (no log file)"],
    ["FAILED", "supervisord: ERROR (unknown error reading log)"],
  ] as const)("fault %s: %s", async (name, line) => {
    const server = new FakeServer({ "supervisor.readLog": () => fault(name) });
    expect(await ctl(["maintail"], server)).toEqual({ code: 1, stdout: `${line}\n`, stderr: "" });
  });
});

describe("fg", () => {
  const running = () => info("web", "RUNNING", "pid 1, uptime 0:00:01", 1);

  test("argument errors and a process that is not running", async () => {
    const server = new FakeServer({
      "supervisor.getProcessInfo": (name) =>
        name === "web"
          ? running()
          : name === "off"
            ? info("off", "STOPPED")
            : fault("BAD_NAME", String(name)),
    });
    expect(lines((await ctl(["fg"], server)).stdout)).toEqual([
      "ERROR: no process name supplied",
      "fg <process>\tConnect to a process in foreground mode",
      "\t\tCtrl-C to exit",
    ]);
    expect(await ctl(["fg", "a", "b"], server)).toEqual({
      code: 1,
      stdout: "ERROR: too many process names supplied\n",
      stderr: "",
    });
    expect(await ctl(["fg", "nosuch"], server)).toEqual({
      code: 1,
      stdout: "ERROR: bad process name supplied\n",
      stderr: "",
    });
    expect(await ctl(["fg", "off"], server)).toEqual({
      code: 1,
      stdout: "ERROR: process not running\n",
      stderr: "",
    });
  });

  test("another fault is printed as Python prints it, the exit status untouched", async () => {
    const server = new FakeServer({ "supervisor.getProcessInfo": () => fault("SHUTDOWN_STATE") });
    expect(await ctl(["fg", "web"], server)).toEqual({
      code: 0,
      stdout: "ERROR: <Fault 6: 'SHUTDOWN_STATE'>\n",
      stderr: "",
    });
  });

  test("typed lines go to the process's stdin; the end of input leaves", async () => {
    const sent: unknown[] = [];
    const server = new FakeServer({
      "supervisor.getProcessInfo": running,
      "supervisor.sendProcessStdin": (_name, chars) => {
        sent.push(chars);
        return true;
      },
    });
    server.streams.set("/logtail/web/stdout", { chunks: ["out\n"], end: "hold" });
    server.streams.set("/logtail/web/stderr", { chunks: [], end: "hold" });
    const ran = await ctl(["fg", "web"], server, { input: "first\nsecond\n" });
    expect(sent).toEqual(["first\n", "second\n"]);
    expect(ran).toEqual({
      code: 0,
      stdout: "==> Press Ctrl-C to exit <==\nout\nExiting foreground\n",
      stderr: "",
    });
    expect(server.followed.sort()).toEqual(["/logtail/web/stderr", "/logtail/web/stdout"]);
  });

  test("the process dies: `Process got killed`", async () => {
    let alive = true;
    const server = new FakeServer({
      "supervisor.getProcessInfo": () => (alive ? running() : info("web", "EXITED")),
      "supervisor.sendProcessStdin": () => {
        alive = false;
        return true;
      },
    });
    server.streams.set("/logtail/web/stdout", { chunks: [], end: { kind: "ended" } });
    server.streams.set("/logtail/web/stderr", { chunks: [], end: { kind: "ended" } });
    expect((await ctl(["fg", "web"], server, { input: "x\n" })).stdout).toBe(
      "==> Press Ctrl-C to exit <==\nProcess got killed\nExiting foreground\n",
    );
    const notRunning = new FakeServer({
      "supervisor.getProcessInfo": running,
      "supervisor.sendProcessStdin": () => fault("NOT_RUNNING"),
    });
    notRunning.streams.set("/logtail/web/stdout", { chunks: [], end: { kind: "ended" } });
    notRunning.streams.set("/logtail/web/stderr", { chunks: [], end: { kind: "ended" } });
    expect((await ctl(["fg", "web"], notRunning, { input: "x\n" })).stdout).toBe(
      "==> Press Ctrl-C to exit <==\nProcess got killed\nExiting foreground\n",
    );
  });

  test("Ctrl-C leaves", async () => {
    const server = new FakeServer({ "supervisor.getProcessInfo": running });
    server.streams.set("/logtail/web/stdout", { chunks: [], end: "hold" });
    server.streams.set("/logtail/web/stderr", { chunks: [], end: "hold" });
    const interrupts = new Interrupts();
    const { PassThrough } = await import("node:stream");
    const stdin = new PassThrough(); // never ends: only Ctrl-C can leave
    server.onStreaming = () => setTimeout(() => interrupts.fire(), 5);
    const ran = await ctl(["fg", "web"], server, { interrupts, stdin });
    expect(ran).toEqual({
      code: 0,
      stdout: "==> Press Ctrl-C to exit <==\nExiting foreground\n",
      stderr: "",
    });
    stdin.end();
  });
});
