// The polled checks against the real kernel: real listening sockets (TCP,
// unix, HTTP, HTTPS with a certificate made for the run), real files, real
// check commands. Each resolves with the short reason users read, within its
// timeout, and leaves no socket, timer or process behind.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stalledConnects, useAbandonableConnects } from "../../../src/os/probe-connection.ts";
import {
  answerComplete,
  fileExists,
  probeHttp,
  probeTcp,
  probeUnix,
  removeFile,
  runCheckCommand,
} from "../../../src/os/probes.ts";
import {
  processesWithEnv,
  scratchDir,
  selfSignedCertificate,
  stateOf,
  until,
} from "../../harness/index.ts";

const scratch = scratchDir("tend-probes-");
afterAll(() => scratch.cleanup());

/** Sockets this process has open (every probe must close its own). */
function openSockets(): number {
  return readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:");
    } catch {
      return false;
    }
  }).length;
}

/** This process's TCP sockets to `port` (connected or still connecting), from /proc/net. */
function socketsTo(port: number): number {
  const ours = new Set(
    readdirSync("/proc/self/fd").map((fd) => {
      try {
        return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
      } catch {
        return undefined;
      }
    }),
  );
  let count = 0;
  for (const table of ["/proc/self/net/tcp", "/proc/self/net/tcp6"]) {
    for (const line of readFileSync(table, "latin1").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const remotePort = Number.parseInt(fields[2]?.split(":")[1] ?? "", 16);
      if (remotePort === port && ours.has(fields[9])) count++;
    }
  }
  return count;
}

/** A port nothing listens on: bound, then freed. */
function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

const routes = (request: Request): Response => {
  const path = new URL(request.url).pathname;
  if (path === "/moved") return new Response(null, { status: 302, headers: { location: "/" } });
  if (path === "/unavailable") return new Response("not yet", { status: 503 });
  return new Response("ok");
};

const http = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: routes });
const httpPort = http.port ?? 0;
/** Accepts connections and never says a word. */
const mute = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
const unixPath = scratch.path("listening.sock");
const unix = Bun.listen({ unix: unixPath, socket: { data() {} } });
afterAll(() => {
  http.stop(true);
  mute.stop(true);
  unix.stop(true);
});

/**
 * Both ways a probe connects: Bun.connect (the usual one), and node:net (for
 * an endpoint whose earlier connect is still pending): the same answers.
 */
for (const route of ["Bun.connect", "node:net"] as const) {
  describe(`through ${route}`, () => {
    beforeAll(() => useAbandonableConnects(route === "node:net"));
    afterAll(() => useAbandonableConnects(false));

    describe("tcp", () => {
      test("a listening port: ok, and the probe's socket is closed", async () => {
        expect(await probeTcp("127.0.0.1", httpPort, 1000)).toEqual({ ok: true, message: "" });
        expect(await until(() => socketsTo(httpPort) === 0, 500)).toBe(true);
      });

      test("a closed port: connection refused, at once", async () => {
        const started = performance.now();
        expect(await probeTcp("127.0.0.1", freePort(), 1000)).toEqual({
          ok: false,
          message: "connection refused",
        });
        expect(performance.now() - started).toBeLessThan(500);
      });

      test("a host name that does not resolve: host not found", async () => {
        expect(await probeTcp("no-such-host.invalid", 80, 2000)).toEqual({
          ok: false,
          message: "host not found",
        });
      });

      test("by name: localhost", async () => {
        expect(await probeTcp("localhost", httpPort, 1000)).toEqual({ ok: true, message: "" });
      });
    });

    describe("unix", () => {
      test("a listening socket: ok", async () => {
        const before = openSockets();
        expect(await probeUnix(unixPath, 1000)).toEqual({ ok: true, message: "" });
        expect(await until(() => openSockets() === before, 500)).toBe(true);
      });

      test("no socket there: no such file", async () => {
        expect(await probeUnix(scratch.path("absent.sock"), 1000)).toEqual({
          ok: false,
          message: "no such file",
        });
      });

      test("a plain file: refused", async () => {
        const path = scratch.path("plain-file");
        writeFileSync(path, "");
        expect(await probeUnix(path, 1000)).toEqual({ ok: false, message: "connection refused" });
      });
    });

    describe("http", () => {
      const url = (path: string) => `http://127.0.0.1:${httpPort}${path}`;

      test("200: ok; 302 counts as success and is not followed", async () => {
        expect(await probeHttp(url("/health"), 1000)).toEqual({ ok: true, message: "" });
        expect(await probeHttp(url("/moved"), 1000)).toEqual({ ok: true, message: "" });
      });

      test("503: fails with the status", async () => {
        expect(await probeHttp(url("/unavailable"), 1000)).toEqual({
          ok: false,
          message: "HTTP 503",
        });
      });

      test("what goes over the wire: GET path?query, Host with the port, Connection: close", async () => {
        let seen = "";
        const recorder = Bun.listen({
          hostname: "127.0.0.1",
          port: 0,
          socket: {
            data(socket, bytes) {
              seen += bytes.toString("latin1");
              if (seen.includes("\r\n\r\n")) socket.end("HTTP/1.0 204 No Content\r\n\r\n");
            },
          },
        });
        try {
          const target = `http://user:p%40ss@localhost:${recorder.port}/ready?deep=1`;
          expect(await probeHttp(target, 1000)).toEqual({ ok: true, message: "" });
          expect(seen.split("\r\n")).toEqual([
            "GET /ready?deep=1 HTTP/1.1",
            `Host: localhost:${recorder.port}`,
            "User-Agent: tend",
            "Accept: */*",
            "Connection: close",
            `Authorization: Basic ${btoa("user:p@ss")}`,
            "",
            "",
          ]);
        } finally {
          recorder.stop(true);
        }
      });

      test("a server that never answers: timed out, on time, its socket closed", async () => {
        const started = performance.now();
        const probing = probeHttp(`http://127.0.0.1:${mute.port}/`, 300);
        expect(await until(() => socketsTo(mute.port) === 1, 200)).toBe(true);
        expect(await probing).toEqual({ ok: false, message: "timed out after 0.3 s" });
        expect(performance.now() - started).toBeLessThan(500);
        expect(await until(() => socketsTo(mute.port) === 0, 500)).toBe(true);
      });

      test("refused, and something that is not HTTP", async () => {
        expect(await probeHttp(`http://127.0.0.1:${freePort()}/`, 1000)).toEqual({
          ok: false,
          message: "connection refused",
        });
        const chatty = Bun.listen({
          hostname: "127.0.0.1",
          port: 0,
          socket: { open: (socket) => void socket.end("SSH-2.0-OpenSSH_9.6\r\n"), data() {} },
        });
        try {
          expect(await probeHttp(`http://127.0.0.1:${chatty.port}/`, 1000)).toEqual({
            ok: false,
            message: "not an HTTP response",
          });
        } finally {
          chatty.stop(true);
        }
      });
    });

    describe("https", () => {
      const hasOpenssl = Bun.which("openssl") !== null;
      let server: ReturnType<typeof Bun.serve> | undefined;
      beforeAll(() => {
        if (!hasOpenssl) return;
        // A self-signed certificate for this run: https probes do not verify.
        const made = selfSignedCertificate(scratch.dir);
        if (!made.ok) throw new Error(made.problem);
        server = Bun.serve({
          hostname: "127.0.0.1",
          port: 0,
          tls: { cert: Bun.file(scratch.path("cert.pem")), key: Bun.file(scratch.path("key.pem")) },
          fetch: routes,
        });
      });
      afterAll(() => server?.stop(true));

      test.skipIf(!hasOpenssl)(
        "a self-signed certificate: ok, by address and by name (SNI)",
        async () => {
          expect(await probeHttp(`https://127.0.0.1:${server?.port}/`, 2000)).toEqual({
            ok: true,
            message: "",
          });
          expect(await probeHttp(`https://localhost:${server?.port}/unavailable`, 2000)).toEqual({
            ok: false,
            message: "HTTP 503",
          });
        },
      );

      test("https to a plain HTTP server: the handshake fails", async () => {
        expect(await probeHttp(`https://127.0.0.1:${httpPort}/`, 1000)).toEqual({
          ok: false,
          message: "TLS handshake failed: wrong version number",
        });
      });
    });
  });
}

describe("a port whose backlog is full (SYNs dropped): the timeout", () => {
  let server: Bun.Subprocess<"pipe", "pipe", "inherit"> | undefined;
  let port = 0;
  beforeAll(async () => {
    // A listener that never accepts, its queue filled: the kernel drops
    // further SYNs, so a connect neither succeeds nor fails. Local and
    // deterministic, unlike a blackhole address.
    server = Bun.spawn(
      [
        "python3",
        "-c",
        `import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
port = s.getsockname()[1]
fill = []
for _ in range(3):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    fill.append(c)
print(port, flush=True)
sys.stdin.read()`,
      ],
      { stdin: "pipe", stdout: "pipe" },
    );
    const reader = server.stdout.getReader();
    port = Number(new TextDecoder().decode((await reader.read()).value).trim());
    reader.releaseLock();
  });
  afterAll(async () => {
    server?.kill("SIGKILL");
    await server?.exited;
  });

  test("times out on time; later probes of it go through an abandonable connect, so sockets do not pile up", async () => {
    let started = performance.now();
    expect(await probeTcp("127.0.0.1", port, 200)).toEqual({
      ok: false,
      message: "timed out after 0.2 s",
    });
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(195);
    expect(took).toBeLessThan(400);
    // Bun.connect cannot drop a pending connect: one is left to the kernel.
    expect(stalledConnects()).toBe(1);
    for (let i = 0; i < 3; i++) {
      started = performance.now();
      expect((await probeTcp("127.0.0.1", port, 100)).message).toBe("timed out after 0.1 s");
      expect(performance.now() - started).toBeLessThan(300);
    }
    expect(await probeHttp(`http://127.0.0.1:${port}/`, 100)).toEqual({
      ok: false,
      message: "timed out after 0.1 s",
    });
    expect(stalledConnects()).toBe(1);
    expect(await until(() => socketsTo(port) === 1, 500)).toBe(true);
    // The listener gone, the pending connect's next SYN is refused (about 1 s in).
    server?.kill("SIGKILL");
    await server?.exited;
    expect(await until(() => stalledConnects() === 0, 3000)).toBe(true);
    expect(await until(() => socketsTo(port) === 0, 500)).toBe(true);
    expect(await probeTcp("127.0.0.1", port, 500)).toEqual({
      ok: false,
      message: "connection refused",
    });
  });
});

describe("file", () => {
  test("present: ok; absent: no such file", async () => {
    const path = scratch.path("ready-flag");
    writeFileSync(path, "");
    expect(await fileExists(path, 1000)).toEqual({ ok: true, message: "" });
    expect(await fileExists(scratch.path("no-flag"), 1000)).toEqual({
      ok: false,
      message: "no such file",
    });
  });

  test("removeFile: removes it; a missing file is fine; a directory is a reason", () => {
    const path = scratch.path("stale-flag");
    writeFileSync(path, "");
    expect(removeFile(path)).toBeUndefined();
    expect(readdirSync(scratch.dir)).not.toContain("stale-flag");
    expect(removeFile(path)).toBeUndefined();
    expect(removeFile(scratch.dir)).toContain(`could not remove ${scratch.dir}`);
  });
});

describe("command", () => {
  const mark = `probes-${process.pid}-${Date.now()}`;
  const env = { ...process.env, TEND_PROBE_TEST: mark };
  /** Processes of this file's commands still alive (zombies are their parents' to reap). */
  const alive = () =>
    processesWithEnv("TEND_PROBE_TEST", mark).filter((pid) => {
      const state = stateOf(pid);
      return state !== undefined && state !== "Z";
    });

  test("exit 0: ok; exit 1: exit status 1; a signal: killed by it", async () => {
    expect(await runCheckCommand({ argv: ["/bin/sh", "-c", "exit 0"], env }, 2000)).toEqual({
      ok: true,
      message: "",
    });
    expect(await runCheckCommand({ argv: ["/bin/sh", "-c", "exit 1"], env }, 2000)).toEqual({
      ok: false,
      message: "exit status 1",
    });
    expect(await runCheckCommand({ argv: ["/bin/sh", "-c", "kill -9 $$"], env }, 2000)).toEqual({
      ok: false,
      message: "killed by SIGKILL",
    });
  });

  test("its directory and environment are the ones given", async () => {
    const check = { argv: ["/bin/sh", "-c", 'test "$PWD" = / && test "$WANTED" = yes'], cwd: "/" };
    expect(await runCheckCommand({ ...check, env: { ...env, WANTED: "yes" } }, 2000)).toEqual({
      ok: true,
      message: "",
    });
    expect((await runCheckCommand({ ...check, env }, 2000)).message).toBe("exit status 1");
  });

  test("a command that cannot start: the reason", async () => {
    expect(await runCheckCommand({ argv: [scratch.path("missing")], env }, 1000)).toEqual({
      ok: false,
      message: `${scratch.path("missing")}: no such file or directory`,
    });
  });

  test("a hanging command: killed at its timeout with its whole group, none left", async () => {
    const started = performance.now();
    const outcome = await runCheckCommand(
      { argv: ["/bin/sh", "-c", "sleep 60 & sleep 61; wait"], env },
      300,
    );
    const took = performance.now() - started;
    expect(outcome).toEqual({ ok: false, message: "timed out after 0.3 s" });
    expect(took).toBeGreaterThanOrEqual(295);
    expect(took).toBeLessThan(600);
    expect(await until(() => alive().length === 0, 1000)).toBe(true);
  });
});

describe("nothing left behind", () => {
  test("no timer: a process whose probes all ended early exits at once, not at their timeouts", async () => {
    // Every kind, each ending long before its 20 s timeout; a timer left
    // pending (or a socket left open) would keep this process alive.
    const script = scratch.path("probe-and-exit.ts");
    const probes = join(import.meta.dir, "../../../src/os/probes.ts");
    writeFileSync(
      script,
      `import { fileExists, probeHttp, probeTcp, probeUnix, runCheckCommand } from ${JSON.stringify(probes)};
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("ok") });
const unix = Bun.listen({ unix: ${JSON.stringify(scratch.path("exit.sock"))}, socket: { data() {} } });
const results = [
  await probeTcp("127.0.0.1", server.port, 20000),
  await probeTcp("127.0.0.1", 1, 20000),
  await probeHttp("http://127.0.0.1:" + server.port + "/", 20000),
  await probeUnix(${JSON.stringify(scratch.path("exit.sock"))}, 20000),
  await fileExists("/", 20000),
  await runCheckCommand({ argv: ["/bin/true"] }, 20000),
];
server.stop(true);
unix.stop(true);
console.log(JSON.stringify(results.map((r) => r.ok)));
`,
    );
    const started = performance.now();
    const child = Bun.spawn([process.execPath, script], { stdout: "pipe", stderr: "pipe" });
    const exited = await Promise.race([child.exited, Bun.sleep(3000).then(() => "hung")]);
    if (exited === "hung") child.kill("SIGKILL");
    expect(await new Response(child.stdout).text()).toBe("[true,false,true,true,true,true]\n");
    expect(exited).toBe(0);
    expect(performance.now() - started).toBeLessThan(2500);
  });
});

describe("http: the answer is read to its end before the probe closes", () => {
  /** A raw server: once the request has arrived, `answer` writes to the socket. */
  function server(answer: (socket: Bun.Socket<undefined>) => void) {
    const state = { closedByPeer: false, errors: 0 };
    const listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(socket, bytes) {
          if (bytes.toString("latin1").includes("\r\n\r\n")) answer(socket);
        },
        close() {
          state.closedByPeer = true;
        },
        error() {
          state.errors++;
        },
      },
    });
    return { listener, state, url: `http://127.0.0.1:${listener.port}/` };
  }

  test("a body written after the head: the probe waits for it (closing earlier reset the server)", async () => {
    let bodyAt = 0;
    const { listener, state, url } = server((socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
      setTimeout(() => {
        bodyAt = performance.now();
        socket.write("hello");
      }, 100);
    });
    try {
      const outcome = await probeHttp(url, 2000);
      const doneAt = performance.now();
      expect(outcome).toEqual({ ok: true, message: "" });
      expect(bodyAt).toBeGreaterThan(0);
      expect(doneAt).toBeGreaterThanOrEqual(bodyAt);
      expect(await until(() => state.closedByPeer, 1000)).toBe(true);
      expect(state.errors).toBe(0);
    } finally {
      listener.stop(true);
    }
  });

  test("a server that keeps the connection open: done at Content-Length, or at the last chunk", async () => {
    for (const [head, body] of [
      ["HTTP/1.1 503 Service Unavailable\r\nContent-Length: 7\r\n\r\n", "not yet"],
      ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "2\r\nok\r\n0\r\n\r\n"],
    ] as const) {
      const { listener, url } = server((socket) => socket.write(head + body));
      try {
        const started = performance.now();
        const outcome = await probeHttp(url, 3000);
        expect(outcome.ok).toBe(head.includes(" 200 "));
        expect(performance.now() - started).toBeLessThan(2000);
      } finally {
        listener.stop(true);
      }
    }
  });

  test("no length: the server's close ends it; an endless body is cut at 64 KiB", async () => {
    const closing = server((socket) => socket.end("HTTP/1.0 200 OK\r\n\r\nfine"));
    const endless = server((socket) =>
      socket.write(`HTTP/1.1 200 OK\r\n\r\n${"x".repeat(70 * 1024)}`),
    );
    try {
      expect(await probeHttp(closing.url, 2000)).toEqual({ ok: true, message: "" });
      const started = performance.now();
      expect(await probeHttp(endless.url, 3000)).toEqual({ ok: true, message: "" });
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      closing.listener.stop(true);
      endless.listener.stop(true);
    }
  });

  test("answerComplete: head, then the body the head announces", () => {
    expect(answerComplete("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n")).toBe(false);
    expect(answerComplete("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\no")).toBe(false);
    expect(answerComplete("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")).toBe(true);
    expect(answerComplete("HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n")).toBe(true);
    expect(answerComplete("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n")).toBe(
      false,
    );
    expect(answerComplete("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")).toBe(
      true,
    );
    expect(answerComplete("HTTP/1.1 200 OK\r\n\r\nbody until the close")).toBe(false);
  });
});
