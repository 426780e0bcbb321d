// The real supervisorctl 4.2.5 against tend (PID 1 of its own namespace) and
// against the real supervisord, side by side on the same config: every
// action, in the same sequence, must print the same lines and exit with the
// same code on both (pids, uptimes, stop times and the socket path aside).
// Skipped, saying why, where Debian's supervisor is not installed.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { pidNamespaces, type Running, scratchDir, start } from "./harness.ts";

const installed =
  spawnSync(["sh", "-c", "command -v supervisord && command -v supervisorctl"]).exitCode === 0;
if (!installed)
  console.warn("SKIPPING the supervisorctl oracle tests: Debian's supervisor is not installed");

interface Server {
  readonly name: "tend" | "supervisord";
  readonly config: string;
}

interface Outcome {
  readonly out: string;
  readonly code: number | null;
}

const { dir, cleanup } = scratchDir();

function configText(server: Server["name"], variant: "base" | "edited"): string {
  const here = join(dir, server);
  const program = (name: string, lines: string) => `[program:${name}]\n${lines}\n`;
  const base = [
    `[unix_http_server]\nfile=${here}.sock\n`,
    `[supervisord]\nlogfile=${here}.log\npidfile=${here}.pid\nchildlogdir=${dir}\n`,
    `[supervisorctl]\nserverurl=unix://${here}.sock\n`,
    "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n",
    program("sleeper", "command=sleep 1000\nstartsecs=0"),
    program(
      "echoer",
      `command=sh -c 'echo hello; echo oops >&2; exec sleep 1000'\nstartsecs=0\nstdout_logfile=${here}-echoer.out\nstderr_logfile=${here}-echoer.err`,
    ),
    program("manual", "command=sleep 1001\nautostart=false\nstartsecs=0"),
    program("missing", "command=/nonexistent/program\nautostart=false"),
    program("quick", "command=/bin/true\nautostart=false\nstartsecs=1\nstartretries=0"),
    "[group:grp]\nprograms=g1,g2\n",
    program("g1", "command=sleep 1002\nstartsecs=0"),
    program("g2", "command=sleep 1003\nstartsecs=0"),
  ];
  if (variant === "base") return base.join("\n");
  return base
    .filter((section) => !section.startsWith("[program:quick]"))
    .map((section) => section.replace("command=sleep 1001", "command=sleep 2001"))
    .concat(program("fresh", "command=sleep 1004\nstartsecs=0"))
    .join("\n");
}

const servers: Server[] = [
  { name: "supervisord", config: join(dir, "supervisord.conf") },
  { name: "tend", config: join(dir, "tend.conf") },
];
let supervisord: ReturnType<typeof Bun.spawn> | undefined;
let tend: Running | undefined;

function writeConfigs(variant: "base" | "edited"): void {
  for (const server of servers) writeFileSync(server.config, configText(server.name, variant));
}

async function ctl(server: Server, args: readonly string[], interruptAfterMs?: number) {
  const proc = Bun.spawn(["supervisorctl", "-c", server.config, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: dir,
  });
  const timer =
    interruptAfterMs === undefined
      ? undefined
      : setTimeout(() => proc.kill("SIGINT"), interruptAfterMs);
  const [out, err] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  await proc.exited;
  clearTimeout(timer);
  return { out: normalise(out + err, server), code: proc.exitCode };
}

/** Only pids, uptimes, stop times and the socket path differ between the two. */
function normalise(text: string, server: Server): string {
  return text
    .replaceAll(join(dir, server.name), "HERE")
    .replace(/pid \d+, uptime [\d:]+( days?, [\d:]+)?/g, "pid N, uptime U")
    .replace(/[A-Z][a-z]{2} \d{2} \d{2}:\d{2} [AP]M/g, "TIME")
    .replace(/^\d+$/gm, "N");
}

/** Runs an action on both servers at once; their results. */
async function both(args: readonly string[], interruptAfterMs?: number): Promise<Outcome[]> {
  return Promise.all(servers.map((server) => ctl(server, args, interruptAfterMs)));
}

/** Until nothing is STARTING, STOPPING or BACKOFF on either server. */
async function settle(): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const results = await both(["status"]);
    if (results.every((result) => !/STARTING|STOPPING|BACKOFF/.test(result.out))) return;
    if (Date.now() > deadline) throw new Error(`did not settle: ${JSON.stringify(results)}`);
    await Bun.sleep(100);
  }
}

/**
 * The steps share two servers, so they run one after the other, in order,
 * even where the test runner runs a file's tests concurrently.
 */
let sequence: Promise<unknown> = Promise.resolve();
function step(name: string, body: () => Promise<void>): void {
  test(name, () => {
    const run = sequence.then(body);
    sequence = run.catch(() => {});
    return run;
  }, 90_000);
}

async function same(
  args: readonly string[],
  options: { sorted?: boolean; interruptAfterMs?: number } = {},
) {
  const [oracle, ours] = await both(args, options.interruptAfterMs);
  const lines = (outcome: Outcome) => {
    const all = outcome.out.split("\n");
    return options.sorted ? all.sort() : all;
  };
  expect({ code: ours?.code, lines: ours && lines(ours) }).toEqual({
    code: oracle?.code,
    lines: oracle && lines(oracle),
  });
  return ours as Outcome;
}

describe.skipIf(!installed || !pidNamespaces.ok)(
  "supervisorctl 4.2.5: tend answers as supervisord",
  () => {
    beforeAll(async () => {
      writeConfigs("base");
      supervisord = Bun.spawn(["supervisord", "-n", "-c", servers[0]?.config ?? ""], {
        stdio: ["ignore", "ignore", "ignore"],
        cwd: dir,
      });
      tend = start(["-c", servers[1]?.config ?? ""], { asPid1: true });
      const deadline = Date.now() + 15_000;
      while (!servers.every((server) => existsSync(`${join(dir, server.name)}.sock`))) {
        if (Date.now() > deadline) throw new Error("the servers did not start");
        await Bun.sleep(50);
      }
      // supervisord starts its programs a second after it starts.
      await Bun.sleep(1500);
      await settle();
    }, 30_000);

    afterAll(async () => {
      supervisord?.kill("SIGTERM");
      if (tend) {
        try {
          process.kill(await tend.tendPid, "SIGTERM");
        } catch {
          // already down (the shutdown test)
        }
        await tend.finished;
      }
      await supervisord?.exited;
      cleanup();
    }, 30_000);

    step("status: all, one, unknown, a group; exit codes 3 and 4", async () => {
      await same(["status"]);
      await same(["status", "sleeper"]);
      await same(["status", "nosuch"]);
      await same(["status", "grp:*", "nogroup:*"]);
    });

    step("start and stop: ok, already, unknown, no such file, a group, no name", async () => {
      await same(["start", "manual"]);
      await same(["start", "manual"]);
      await same(["start", "nosuch", "nosuch:*"]);
      await same(["start", "missing"]);
      // (Not `start quick`, a program exiting at once: supervisord itself
      // answers spawn error or abnormal termination depending on whether
      // its child exited before it looked.)
      await same(["start"]);
      await same(["stop", "manual"]);
      await same(["stop", "manual"]);
      await same(["stop", "nosuch"]);
      await same(["stop", "grp:*"], { sorted: true });
      await same(["start", "grp:*"], { sorted: true });
      await settle();
      await same(["status"]);
    });

    step("restart and signal", async () => {
      await same(["restart", "sleeper"]);
      await same(["restart", "grp:*"], { sorted: true });
      await same(["signal", "CONT", "echoer"]);
      await same(["signal", "NOPE", "echoer"]);
      await same(["signal", "HUP", "manual"]);
      await same(["signal", "CONT", "grp:*"], { sorted: true });
      await settle();
    });

    step("tail, tail -f (bounded), maintail, pid, clear, avail, version", async () => {
      await same(["tail", "echoer"]);
      await same(["tail", "echoer", "stderr"]);
      await same(["tail", "-3", "echoer"]);
      await same(["tail", "nosuch"]);
      await same(["tail", "-f", "echoer"], { interruptAfterMs: 1000 });
      // The main logs are each server's own words: only the exit code and that there is text.
      const [oracle, ours] = await both(["maintail", "-200"]);
      expect(ours?.code).toBe(oracle?.code ?? -1);
      expect(ours?.out.length).toBeGreaterThan(0);
      await same(["pid", "sleeper"]);
      await same(["pid", "manual"]);
      await same(["pid", "all"]);
      await same(["clear", "echoer"]);
      await same(["tail", "echoer"]);
      await same(["clear", "nosuch"]);
      await same(["avail"]);
      await same(["version"]);
    });

    step("reread, avail, update, add and remove after the config changed", async () => {
      await same(["reread"]);
      writeConfigs("edited");
      await same(["reread"]);
      await same(["avail"]);
      await same(["update", "nosuch"]);
      await same(["update"]);
      await settle();
      await same(["status"]);
      await same(["reread"]);
      await same(["remove", "fresh"]);
      await same(["stop", "fresh"]);
      await same(["remove", "fresh"]);
      await same(["add", "fresh"]);
      await same(["add", "fresh"]);
      await same(["add", "nosuch"]);
      await settle();
      await same(["status"]);
    });

    step("reload, then shutdown", async () => {
      await same(["reload"]);
      await Bun.sleep(1500);
      await settle();
      await same(["status"]);
      await same(["shutdown"]);
    });
  },
);
