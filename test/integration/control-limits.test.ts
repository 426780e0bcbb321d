// What a crowd of hostile clients can take from tend as PID 1, measured
// from outside: its peak memory (VmHWM), its descriptors (/proc/PID/fd),
// and whether a program that dies keeps being restarted. Each test opens
// hundreds of raw connections, so they run one after another.

import { describe, expect, test } from "bun:test";
import { closeSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import {
  basic,
  type Client,
  decodeResponse,
  Fault,
  freePort,
  hwmKiB,
  methodCall,
  openFds,
  pidNamespaces,
  post,
  raw,
  rpc,
  Swarm,
  statusOf,
  type Tend,
  type Value,
  waitFor,
  withTend,
} from "../harness/index.ts";

const MiB = 1024 * 1024;
const KiB = 1024;
const TIMEOUT_MS = 30_000;
const SLEEPER = "[program:sleeper]\ncommand=sleep infinity\nstartsecs=0\n";
const ALICE = { Authorization: basic("alice", "secret") };

/** A POST's request line and headers announcing a body of `length` bytes. */
function postHead(length: number, extra = ""): string {
  return `POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: ${length}\r\n${extra}\r\n`;
}

/**
 * Sends each client a body of `total` bytes, `chunk` bytes to every open
 * client per round, a round every `everyMs`, until all is sent, every
 * client is closed, or `ms` have passed.
 */
async function sendSlowly(
  clients: readonly Client[],
  total: number,
  chunk: number,
  everyMs: number,
  ms: number,
): Promise<void> {
  const bytes = Buffer.alloc(chunk, "x");
  const sent = new Map<Client, number>(clients.map((c) => [c, 0]));
  const deadline = performance.now() + ms;
  for (;;) {
    const pending = clients.filter((c) => !c.closed && (sent.get(c) ?? 0) < total);
    if (pending.length === 0 || performance.now() > deadline) return;
    await Promise.race([
      Promise.all(
        pending.map((c) => {
          const size = Math.min(chunk, total - (sent.get(c) ?? 0));
          sent.set(c, (sent.get(c) ?? 0) + size);
          return c.write(bytes.subarray(0, size));
        }),
      ),
      Bun.sleep(Math.max(0, deadline - performance.now())),
    ]);
    await Bun.sleep(everyMs);
  }
}

/** tend answers getState and its sleeper still runs with the same pid. */
async function unharmed(tend: Tend, sleeper: number, headers: Record<string, string> = {}) {
  expect(await rpc(tend.socket, "supervisor.getState", [], headers)).toEqual({
    statecode: 1,
    statename: "RUNNING",
  });
  expect(await tend.pidOf("sleeper", headers)).toBe(sleeper);
}

/** Some calls first, so that the server's first use does not count as growth. */
async function warmUp(tend: Tend, headers: Record<string, string> = {}) {
  for (let i = 0; i < 20; i++) await rpc(tend.socket, "supervisor.getAllProcessInfo", [], headers);
}

describe.skipIf(!pidNamespaces.ok)("limits on clients (tend as PID 1)", () => {
  // One at a time (test.serial: the file's tests would otherwise run side by side).
  test.serial(
    "100 TCP clients without credentials, each sending a 4 MB body slowly: 401 on the headers, before the body; tend's peak RSS grows < 40 MiB",
    async () => {
      const port = freePort();
      const inet = `[inet_http_server]\nport=127.0.0.1:${port}\nusername=alice\npassword=secret\n`;
      await withTend(
        { server: "username=alice\npassword=secret", programs: `${SLEEPER}\n${inet}` },
        async (tend) => {
          await tend.ready(ALICE);
          const sleeper = await tend.pidOf("sleeper", ALICE);
          await warmUp(tend, ALICE);
          const before = hwmKiB(tend.pid);
          using swarm = new Swarm();
          const clients = await swarm.open(100, { host: "127.0.0.1", port }, postHead(4_000_000));
          await sendSlowly(clients, 4_000_000, 64 * KiB, 50, 10_000);
          await waitFor(
            () => clients.every((c) => c.closed),
            "tend to close them all",
            5_000,
          ).catch(() => {});
          const grown = (hwmKiB(tend.pid) - before) / KiB;
          // What the clients sent before tend's answer came back: far from 4 MB each.
          const sentMiB = clients.reduce((sum, c) => sum + c.sent, 0) / MiB;
          expect({
            statuses: [...new Set(clients.map((c) => c.status))],
            closed: clients.filter((c) => c.closed).length,
            grownMiB: Math.round(grown),
            sentMiB: Math.round(sentMiB),
            bounded: grown < 40 && sentMiB < 100,
          }).toMatchObject({ statuses: [401], closed: 100, bounded: true });
          await unharmed(tend, sleeper, ALICE);
        },
      );
    },
    TIMEOUT_MS,
  );

  test.serial(
    "400 clients on a socket without credentials, each sending a 4 MB body slowly: what unfinished requests hold is bounded (past it, 503 or the oldest idle closed); tend's peak RSS grows < 100 MiB",
    async () => {
      await withTend({ server: "", programs: SLEEPER }, async (tend) => {
        await tend.ready();
        const sleeper = await tend.pidOf("sleeper");
        await warmUp(tend);
        const before = hwmKiB(tend.pid);
        using swarm = new Swarm();
        const clients = await swarm.open(400, { path: tend.socket }, postHead(4_000_000));
        await sendSlowly(clients, 4_000_000, 64 * KiB, 50, 12_000);
        const grown = (hwmKiB(tend.pid) - before) / KiB;
        // The bodies that fit are answered (400: not XML); the others' connections were closed
        // (503, or closed as the oldest idle holders when newer ones came).
        await waitFor(
          () => clients.every((c) => c.closed || c.status !== undefined),
          "every client answered or closed",
          5_000,
        ).catch(() => {});
        const answered = clients.filter((c) => c.status === 400).length;
        const turnedAway = clients.filter(
          (c) => c.status === 503 || (c.status === undefined && c.closed),
        ).length;
        expect({
          grownMiB: Math.round(grown),
          bounded: grown < 100,
          answered,
          fewAnswered: answered <= 8,
          turnedAway,
          everyOne: answered + turnedAway,
        }).toMatchObject({ bounded: true, fewAnswered: true, everyOne: 400 });
        swarm.destroy();
        await unharmed(tend, sleeper);
      });
    },
    TIMEOUT_MS,
  );

  test.serial(
    "under nofile=256, 400 idle connections: the oldest idle are closed, a program that exits every second keeps coming back (never FATAL), tend's descriptors stay below the limit minus the reserve",
    async () => {
      // A program that exits every second, restarted each time: each restart needs new pipes.
      const flaky =
        "[program:flaky]\ncommand=sh -c 'sleep 1; exit 3'\nstartsecs=0\nautorestart=true\n";
      await withTend(
        { server: "", programs: `${SLEEPER}\n${flaky}`, prefix: ["prlimit", "--nofile=256:256"] },
        async (tend) => {
          await tend.ready();
          const sleeper = await tend.pidOf("sleeper");
          const spawned = () => tend.count("spawned: 'flaky'");
          // The limit 256 and the default minfds (1024): the reserve is 256 / 2.
          const ceiling = 256 - 128;
          let most = openFds(tend.pid);
          const sampler = setInterval(() => {
            most = Math.max(most, openFds(tend.pid));
          }, 10);
          try {
            using swarm = new Swarm();
            // In batches, oldest first, every one idle (it never sends a byte).
            const batches: Client[][] = [];
            for (let i = 0; i < 20; i++) batches.push(await swarm.open(20, { path: tend.socket }));
            const from = spawned();
            // Four more restarts while the crowd is there.
            await waitFor(
              () => spawned() >= from + 4 || tend.count("gave up: flaky") > 0,
              "flaky to be restarted four times",
              15_000,
              50,
            );
            // A fresh client still gets through (an idle one makes way).
            await unharmed(tend, sleeper);
            const firstClosed = batches[0]?.every((c) => c.closed);
            const lastOpen = batches.at(-1)?.every((c) => !c.closed);
            expect({
              gaveUp: tend.count("gave up: flaky"),
              spawnErrors: tend.count(/Too many open files/),
              restarts: spawned() - from,
              mostFds: most,
              belowCeiling: most < ceiling,
              firstClosed,
              lastOpen,
            }).toMatchObject({
              gaveUp: 0,
              spawnErrors: 0,
              belowCeiling: true,
              firstClosed: true,
              lastOpen: true,
            });
          } finally {
            clearInterval(sampler);
          }
        },
      );
    },
    TIMEOUT_MS,
  );

  test.serial(
    "Content-Length must be digits: 0x6b, 107e0, +107, 107.0, -0, ' 107 x', two different values get 400 and a close; the same value twice is taken",
    async () => {
      await withTend({ server: "", programs: SLEEPER }, async (tend) => {
        await tend.ready();
        const sleeper = await tend.pidOf("sleeper");
        const fds = openFds(tend.pid);
        const peak = hwmKiB(tend.pid);
        const body = methodCall("supervisor.getState");
        const length = Buffer.byteLength(body);
        const send = (...values: string[]) =>
          raw(tend.socket, [
            `POST /RPC2 HTTP/1.1\r\nHost: x\r\n${values.map((v) => `Content-Length: ${v}\r\n`).join("")}\r\n${body}`,
          ]);
        const forms = [
          [`0x${length.toString(16)}`],
          [`${length}e0`],
          [`+${length}`],
          [`${length}.0`],
          ["-0"],
          [`${length} x`],
          [`${length},${length + 1}`],
          [String(length), String(length + 1)],
          [""],
        ];
        const answers: Record<string, string> = {};
        for (const values of forms) {
          const result = await send(...values);
          answers[values.join(" | ")] = `${statusOf(result.reply)} ${result.closed}`;
        }
        expect(answers).toEqual(
          Object.fromEntries(forms.map((values) => [values.join(" | "), "400 true"])),
        );
        // The same length twice is one length (RFC 9110 §8.6).
        const twice = await send(String(length), String(length));
        expect(statusOf(twice.reply)).toBe(200);
        await unharmed(tend, sleeper);
        await waitFor(() => openFds(tend.pid) <= fds + 2, "the connections closed", 3_000);
        expect((hwmKiB(tend.pid) - peak) / KiB).toBeLessThan(20);
      });
    },
    TIMEOUT_MS,
  );

  test.serial(
    "500 refused requests with forged user names (a newline and a fake log line, NUL, ESC, 10,000 characters): the first is logged escaped and bounded, the rest as one summary line",
    async () => {
      await withTend(
        { server: "username=alice\npassword=secret", programs: SLEEPER },
        async (tend) => {
          await tend.ready(ALICE);
          const sleeper = await tend.pidOf("sleeper", ALICE);
          const names = [
            "mallory\n2030-01-01 00:00:00,000 CRIT forged line",
            "nul\0byte",
            "\x1b[31mred\x1b[0m",
            "x".repeat(10_000),
          ];
          const refuse = async (user: string) => {
            const reply = await post(tend.socket, "/RPC2", methodCall("supervisor.getState"), {
              Authorization: basic(user, "guess"),
            });
            expect(reply.status).toBe(401);
          };
          await refuse(names[0] as string);
          for (let round = 0; round < 10; round++)
            await Promise.all(
              Array.from({ length: 50 }, (_, i) =>
                refuse(names[(round + i) % names.length] as string),
              ),
            );
          await unharmed(tend, sleeper, ALICE);
          await tend.waitLog("unauthorized request");
          const during = tend.count("unauthorized request");
          await tend.stop();
          const text = readFileSync(tend.logPath, "latin1");
          const lines = text.split("\n").filter((line) => line !== "");
          const summary = lines.filter((line) =>
            / more unauthorized requests in the last /.test(line),
          );
          expect({
            during,
            summary: summary.map((line) => line.replace(/^.* WARN /, "").replace(/\d+ s$/, "N s")),
            forged: lines.filter((line) => line.startsWith("2030-01-01")).length,
            controlBytes: text.includes("\0") || text.includes("\x1b"),
            longest: Math.max(...lines.map((line) => line.length)),
          }).toEqual({
            during: 1,
            summary: ["control: 500 more unauthorized requests in the last N s"],
            forged: 0,
            controlBytes: false,
            longest: expect.any(Number),
          });
          expect(Math.max(...lines.map((line) => line.length))).toBeLessThan(300);
          const first = lines.find((line) => line.includes("unauthorized request")) ?? "";
          expect(first).toContain("mallory\\n2030-01-01");
        },
      );
    },
    TIMEOUT_MS,
  );

  test.serial(
    "[inet_http_server] without a username: CRIT at start in supervisord's words; with one, or on the unix socket, nothing",
    async () => {
      const open = freePort();
      const guarded = freePort();
      const inet = (port: number, auth: string) =>
        `${SLEEPER}\n[inet_http_server]\nport=127.0.0.1:${port}\n${auth}`;
      await withTend({ server: "", programs: inet(open, "") }, async (tend) => {
        await tend.ready();
        const warning = await tend.waitLog("running without any HTTP authentication checking");
        expect(warning).toMatchObject({
          level: "CRIT",
          message: "Server 'inet_http_server' running without any HTTP authentication checking",
        });
        const reply = await fetch(`http://127.0.0.1:${open}/RPC2`, {
          method: "POST",
          headers: { "Content-Type": "text/xml" }, // as an XML-RPC client sends it
          body: methodCall("supervisor.getState"),
        });
        expect(reply.status).toBe(200);
        await reply.text();
      });
      await withTend(
        { server: "", programs: inet(guarded, "username=alice\npassword=secret\n") },
        async (tend) => {
          await tend.ready();
          await tend.pidOf("sleeper");
          expect(tend.lines().filter((line) => / CRIT /.test(line))).toEqual([]);
        },
      );
    },
    TIMEOUT_MS,
  );

  test.serial(
    "readProcessStdoutLog(name, 0, 2147483647) of a 300 MB log: the first 1 MiB, reading on from there works; tend's peak RSS grows < 50 MiB",
    async () => {
      const programs = `[program:sleeper]\ncommand=sleep infinity\nstartsecs=0\nstdout_logfile=DIR/big.log\nstdout_logfile_maxbytes=0\n`;
      await withTend({ server: "", programs }, async (tend) => {
        await tend.ready();
        const sleeper = await tend.pidOf("sleeper");
        const line = (n: number) => `line ${String(n).padStart(10, "0")} ${"x".repeat(100)}\n`;
        const block = Buffer.from(Array.from({ length: 8192 }, (_, i) => line(i)).join(""));
        const file = openSync(tend.path("big.log"), "a");
        try {
          for (let written = 0; written < 300 * MiB; written += block.length)
            writeSync(file, block);
        } finally {
          closeSync(file);
        }
        await warmUp(tend);
        const before = hwmKiB(tend.pid);
        // Counted as it arrives, not kept: the reply of a tend without the cap is 300 MB.
        const replyBytes = async (method: string, params: Value[]) => {
          const response = await fetch("http://localhost/RPC2", {
            unix: tend.socket,
            method: "POST",
            body: methodCall(method, params),
          });
          const chunks: Uint8Array[] = [];
          let bytes = 0;
          for await (const chunk of response.body ?? []) {
            bytes += chunk.length;
            if (bytes < 16 * MiB) chunks.push(chunk);
          }
          return { bytes, text: bytes < 16 * MiB ? Buffer.concat(chunks).toString() : "" };
        };
        const first = await replyBytes("supervisor.readProcessStdoutLog", [
          "sleeper",
          0,
          2147483647,
        ]);
        const all = await replyBytes("supervisor.readProcessStdoutLog", ["sleeper", 0, 0]);
        const tail = await replyBytes("supervisor.tailProcessStdoutLog", [
          "sleeper",
          0,
          2147483647,
        ]);
        const grown = (hwmKiB(tend.pid) - before) / KiB;
        expect({
          replyMiB: [first, all, tail].map((r) => Math.round(r.bytes / MiB)),
          grownMiB: Math.round(grown),
          bounded: grown < 50,
        }).toMatchObject({ replyMiB: [1, 1, 1], bounded: true });
        const expected = Buffer.concat(Array.from({ length: 9 }, () => block));
        expect(decodeResponse(first.text).value).toBe(expected.subarray(0, MiB).toString());
        expect(decodeResponse(all.text).value).toBe(expected.subarray(0, MiB).toString());
        const next = await rpc(tend.socket, "supervisor.readProcessStdoutLog", [
          "sleeper",
          MiB,
          100,
        ]);
        expect(next).toBe(expected.subarray(MiB, MiB + 100).toString());
        const [bytes, offset, overflow] = decodeResponse(tail.text).value as [
          string,
          number,
          boolean,
        ];
        expect({ length: bytes.length, offset, overflow }).toEqual({
          length: MiB,
          offset: statSync(tend.path("big.log")).size,
          overflow: true,
        });
        await unharmed(tend, sleeper);
      });
    },
    TIMEOUT_MS,
  );

  test.serial(
    "/api with 1,000,000 nested arrays (2 MB), three times: 400 before JSON.parse; tend's peak RSS grows < 40 MiB",
    async () => {
      await withTend({ server: "", programs: SLEEPER }, async (tend) => {
        await tend.ready();
        const sleeper = await tend.pidOf("sleeper");
        await warmUp(tend);
        const before = hwmKiB(tend.pid);
        const nested = `${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`;
        const inParams = `{"method":"supervisor.getProcessInfo","params":${"[".repeat(500_000)}${"]".repeat(500_000)}}`;
        const statuses: number[] = [];
        for (const body of [nested, inParams, nested])
          statuses.push((await post(tend.socket, "/api", body)).status);
        const grown = (hwmKiB(tend.pid) - before) / KiB;
        expect({ statuses, grownMiB: Math.round(grown), bounded: grown < 40 }).toMatchObject({
          statuses: [400, 400, 400],
          bounded: true,
        });
        // 100 levels (the XML-RPC limit) still go through.
        const deep = JSON.stringify({
          method: "supervisor.getProcessInfo",
          params: [JSON.parse(`${"[".repeat(99)}"sleeper"${"]".repeat(99)}`)],
        });
        expect((await post(tend.socket, "/api", deep)).status).toBe(200);
        await unharmed(tend, sleeper);
      });
    },
    TIMEOUT_MS,
  );

  test.serial(
    "sendProcessStdin, 40 x 3.9 MB to a program that never reads its stdin: refused (FAILED) once 1 MiB waits; tend's peak RSS grows < 100 MiB; a program that reads gets every byte",
    async () => {
      const reader = "[program:reader]\ncommand=sh -c 'exec cat > DIR/stdin.out'\nstartsecs=0\n";
      await withTend({ server: "", programs: `${SLEEPER}\n${reader}` }, async (tend) => {
        await tend.ready();
        const sleeper = await tend.pidOf("sleeper");
        await tend.pidOf("reader");
        await warmUp(tend);
        const before = hwmKiB(tend.pid);
        const chunk = "x".repeat(3_900_000);
        const outcomes: string[] = [];
        for (let i = 0; i < 40; i++)
          outcomes.push(
            await rpc(tend.socket, "supervisor.sendProcessStdin", ["sleeper", chunk]).then(
              () => "ok",
              (error: Error) => (error instanceof Fault ? error.faultString : error.message),
            ),
          );
        const grown = (hwmKiB(tend.pid) - before) / KiB;
        const accepted = outcomes.filter((o) => o === "ok").length;
        expect({
          accepted,
          refusals: [...new Set(outcomes.filter((o) => o !== "ok"))],
          grownMiB: Math.round(grown),
          bounded: grown < 100,
        }).toMatchObject({
          accepted: 1,
          refusals: ["FAILED: sleeper: its stdin is full (it is not reading what was sent)"],
          bounded: true,
        });
        // A program that reads: refused only while it is behind, so a client that tries again
        // gets everything through.
        let sent = 0;
        for (let i = 0; i < 10; i++) {
          for (;;) {
            const fault = await rpc(tend.socket, "supervisor.sendProcessStdin", [
              "reader",
              chunk,
            ]).then(
              () => undefined,
              (error: Error) => error,
            );
            if (fault === undefined) break;
            expect(fault.message).toContain("its stdin is full");
            await Bun.sleep(20);
          }
          sent += chunk.length;
        }
        await waitFor(
          () => statSync(tend.path("stdin.out")).size === sent,
          "every byte to reach the reader",
          10_000,
        );
        await unharmed(tend, sleeper);
      });
    },
    TIMEOUT_MS,
  );

  test.serial(
    "a client still sending its body when it is refused (401 on TCP, 413 on the socket) gets the refusal, even when it reads it late",
    async () => {
      const port = freePort();
      const inet = `[inet_http_server]\nport=127.0.0.1:${port}\nusername=alice\npassword=secret\n`;
      await withTend({ server: "", programs: `${SLEEPER}\n${inet}` }, async (tend) => {
        await tend.ready();
        const sleeper = await tend.pidOf("sleeper");
        using swarm = new Swarm();
        const body = Buffer.alloc(2 * MiB, "x");
        const cases = [
          { target: { host: "127.0.0.1", port }, head: postHead(body.length), expected: 401 },
          { target: { path: tend.socket }, head: postHead(5 * MiB), expected: 413 },
        ];
        const statuses: (number | undefined)[] = [];
        for (const { target, head } of cases) {
          const [client] = await swarm.open(1, target);
          if (!client) throw new Error("no connection");
          // It does not read while it sends.
          client.socket.pause();
          void client.write(head);
          void client.write(body);
          await Bun.sleep(300);
          client.socket.resume();
          await waitFor(() => client.closed, "tend to close the connection", 5_000);
          statuses.push(client.status);
        }
        expect(statuses).toEqual(cases.map((c) => c.expected));
        await unharmed(tend, sleeper);
      });
    },
    TIMEOUT_MS,
  );
});
