// The restart policy as a real PID 1 applies it, timed from outside: the
// exponential backoff's waits (from the marks a failing program writes),
// its jitter, its cap and the countdown in the description, exits from
// RUNNING before backoff_reset, retries without end with
// startretries=unlimited, supervisord's 1, 2, 3 s side by side with
// supervisord itself, and a backoff changed by a reload on a running
// program.

import { describe, expect, test } from "bun:test";
import {
  type CommandResult,
  eventually,
  type LogEntry,
  launchServer,
  launchTend,
  pidNamespaces,
  readLog,
  runCommand,
  type Server,
  supervisor,
  TEND,
  type Tend,
  waitFor,
} from "../harness/index.ts";

if (!pidNamespaces.ok) console.warn(`SKIPPING the restart policy tests: ${pidNamespaces.reason}`);

interface Info {
  readonly statename: string;
  readonly pid: number;
  readonly description: string;
  readonly restarts: number;
}

function info(tend: Tend, name: string): Promise<Info> {
  return tend.call("supervisor.getProcessInfo", name) as Promise<Info>;
}

function ctl(tend: Tend, args: readonly string[]): Promise<CommandResult> {
  return runCommand([TEND, "ctl", "-s", `unix://${tend.socket}`, ...args], { deadlineMs: 15_000 });
}

/** The line of `name` in a status table, without the name. */
function statusLine(stdout: string, name: string): string {
  const line = stdout.split("\n").find((l) => l.split(/\s+/)[0] === name);
  if (line === undefined) throw new Error(`no ${name} in:\n${stdout}`);
  return line.split(/\s+/).slice(1).join(" ");
}

/**
 * The wait before each retry of `name`, in seconds, from a supervisor's log
 * (tend's and supervisord's have the same lines, ms resolution): from each
 * exit it logged to the next spawn.
 */
function retryGaps(entries: readonly LogEntry[], name: string): number[] {
  const gaps: number[] = [];
  let exited: number | undefined;
  for (const entry of entries) {
    if (entry.message.startsWith(`exited: ${name} (`)) exited = entry.time;
    else if (entry.message.startsWith(`spawned: '${name}' `) && exited !== undefined) {
      gaps.push((entry.time - exited) / 1000);
      exited = undefined;
    }
  }
  return gaps;
}

/** The times (epoch ms) of tend's log messages that match. */
function logTimes(tend: Tend, pattern: RegExp): number[] {
  return tend
    .entries()
    .filter((entry) => pattern.test(entry.message))
    .map((entry) => entry.time);
}

describe.skipIf(!pidNamespaces.ok)("the restart policy with tend as PID 1", () => {
  test.concurrent("backoff=exponential, jitter 0: retries after 0.2, 0.4, 0.8, 1.6 s, then FATAL", async () => {
    await using tend = await launchTend({
      programs: `
[program:flop]
command=sh -c 'exit 1'
backoff=exponential
backoff_initial=0.2
backoff_multiplier=2
backoff_jitter=0
startretries=4
`,
    });
    await tend.waitLog("gave up: flop entered FATAL state, too many start retries too quickly");
    const gaps = retryGaps(tend.entries(), "flop");
    const nominal = [0.2, 0.4, 0.8, 1.6];
    expect(gaps).toHaveLength(4);
    // Not early (but for the log's truncated ms and a timer that fires a
    // hair early), late by at most what a loaded machine adds to a timer
    // and a spawn.
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThan((nominal[i] as number) - 0.01);
      expect(gap).toBeLessThan((nominal[i] as number) + 0.15);
    });
    // Growth, not a constant: each wait about twice the one before (the
    // first two may look alike when the first is late by all its slack).
    for (let i = 2; i < gaps.length; i++)
      expect(gaps[i] as number).toBeGreaterThan((gaps[i - 1] as number) * 1.3);
    expect((gaps[3] as number) / (gaps[1] as number)).toBeGreaterThan(2.8);
    expect(tend.count("spawned: 'flop'")).toBe(5);
    expect((await info(tend, "flop")).statename).toBe("FATAL");
  }, 20_000);

  test.concurrent("backoff_jitter=0.5: each wait within [0.5, 1.5] × nominal, and not all the nominal one", async () => {
    await using tend = await launchTend({
      programs: `
[program:flop]
command=sh -c 'exit 1'
backoff=exponential
backoff_initial=0.2
backoff_multiplier=1
backoff_jitter=0.5
startretries=15
`,
    });
    await tend.waitLog("gave up: flop entered FATAL state", 15_000);
    const ratios = retryGaps(tend.entries(), "flop").map((gap) => gap / 0.2);
    expect(ratios).toHaveLength(15);
    for (const ratio of ratios) {
      expect(ratio).toBeGreaterThan(0.5 - 0.05); // 10 ms: truncated log times, an early timer
      expect(ratio).toBeLessThan(1.5 + 0.75); // 0.15 s of scheduling
    }
    // Without jitter no wait is 10 ms short of the nominal one; with ± 50 %,
    // 15 waits all above 0.95 × nominal happen once in 8000 runs.
    expect(Math.min(...ratios)).toBeLessThan(0.95);
  }, 20_000);

  test.concurrent("the description counts down to the next try (`backoff, next try in N s: …`), N at most backoff_max, in tend ctl and supervisorctl", async () => {
    await using tend = await launchTend({
      programs: `
[program:flop]
command=sh -c 'exit 1'
backoff=exponential
backoff_initial=30
backoff_max=20
backoff_jitter=0
startretries=unlimited
`,
    });
    const backoff = await eventually(async () => {
      const now = await info(tend, "flop");
      return now.statename === "BACKOFF" && now;
    }, "flop in BACKOFF");
    const countdown =
      /^backoff, next try in (\d+) s: Exited too quickly \(process log may have details\)$/;
    expect(backoff.description).toMatch(countdown);
    const seconds = Number(countdown.exec(backoff.description)?.[1]);
    expect(seconds).toBeGreaterThanOrEqual(15);
    expect(seconds).toBeLessThanOrEqual(20);
    const lines = [statusLine((await ctl(tend, ["status"])).stdout, "flop")];
    if (supervisor.ok) {
      const sctl = await runCommand(["supervisorctl", "-s", `unix://${tend.socket}`, "status"]);
      lines.push(statusLine(sctl.stdout, "flop"));
    }
    for (const line of lines)
      expect(line).toMatch(/^BACKOFF backoff, next try in (1\d|20) s: Exited too quickly/);
    expect(tend.count("spawned: 'flop'")).toBe(1);
  }, 20_000);

  test.concurrent("an exit from RUNNING sooner than backoff_reset backs off; after backoff_reset of RUNNING it restarts at once", async () => {
    const program = (name: string, reset: number) => `
[program:${name}]
command=sh -c 'sleep 0.4; exit 1'
startsecs=0
autorestart=true
backoff=exponential
backoff_initial=0.5
backoff_jitter=0
backoff_reset=${reset}
`;
    await using tend = await launchTend({
      programs: program("early", 60) + program("settled", 0.2),
    });
    await tend.waitCount("spawned: 'early'", 3);
    await tend.waitCount("spawned: 'settled'", 3);
    // Each run was RUNNING (startsecs=0) before it exited.
    expect(tend.count("success: early entered RUNNING state")).toBeGreaterThanOrEqual(2);
    const [first, second] = retryGaps(tend.entries(), "early");
    expect(first).toBeGreaterThan(0.49);
    expect(first).toBeLessThan(0.65);
    expect(second).toBeGreaterThan(0.99);
    expect(second).toBeLessThan(1.15);
    // 0.4 s of RUNNING is past a backoff_reset of 0.2: supervisord's immediate restart.
    const settled = retryGaps(tend.entries(), "settled").slice(0, 2);
    expect(settled).toHaveLength(2);
    for (const gap of settled) expect(gap).toBeLessThan(0.15);
  }, 20_000);

  test.concurrent("startretries=unlimited: retries past any count and never gives up", async () => {
    await using tend = await launchTend({
      programs: `
[program:flop]
command=sh -c 'exit 1'
backoff=exponential
backoff_initial=0.05
backoff_max=0.1
backoff_jitter=0
startretries=unlimited
`,
    });
    await tend.waitCount("spawned: 'flop'", 12);
    const now = await info(tend, "flop");
    expect(["BACKOFF", "STARTING"]).toContain(now.statename);
    expect(now.restarts).toBeGreaterThanOrEqual(11);
    expect(tend.count("gave up")).toBe(0);
  }, 20_000);

  test.concurrent("a backoff changed by a reload applies to the running process: same pid, and its next exit backs off", async () => {
    const programs = (extra: string) => `
[program:crashy]
command=sleep 1000
startsecs=0
${extra}`;
    await using tend = await launchTend({ programs: programs("") });
    const killAndTime = async (): Promise<number> => {
      const exits = () => logTimes(tend, /^exited: crashy \(terminated by SIGKILL/);
      const spawns = () => logTimes(tend, /^spawned: 'crashy'/);
      const spawned = spawns().length;
      process.kill(tend.outerPidOf("crashy"), "SIGKILL");
      await waitFor(() => spawns().length > spawned, "crashy spawned again");
      return (spawns().at(-1) as number) - (exits().at(-1) as number);
    };
    await eventually(async () => (await info(tend, "crashy")).statename === "RUNNING", "crashy");
    // supervisord's policy: an exit from RUNNING restarts at once.
    expect(await killAndTime()).toBeLessThan(300);
    const pid = (
      await eventually(async () => {
        const now = await info(tend, "crashy");
        return now.statename === "RUNNING" && now;
      }, "crashy RUNNING")
    ).pid;

    tend.rewrite(programs("backoff=exponential\nbackoff_initial=0.6\nbackoff_jitter=0\n"));
    const update = await ctl(tend, ["update"]);
    expect(update.stdout).toBe(
      "crashy: kept crashy (new supervision settings)\ncrashy: updated process group\n",
    );
    expect(await info(tend, "crashy")).toMatchObject({ statename: "RUNNING", pid });
    // Now an early exit from RUNNING waits backoff_initial.
    const gap = await killAndTime();
    expect(gap).toBeGreaterThanOrEqual(580);
    expect(gap).toBeLessThan(1_000);
  }, 20_000);
});

describe.skipIf(!pidNamespaces.ok || !supervisor.ok)(
  "backoff=supervisord beside supervisord 4.2.5",
  () => {
    test.concurrent("the default policy retries after 1 then 2 s and gives up, as supervisord does on the same config", async () => {
      // startsecs=3: on a loaded machine supervisord, which looks at its
      // children once a second, could take a quick exit for one after RUNNING
      const programs = "[program:flop]\ncommand=sh -c 'exit 1'\nstartretries=2\nstartsecs=3\n";
      const gaveUp = "gave up: flop entered FATAL state, too many start retries too quickly";
      const servers: Server[] = [];
      try {
        for (const kind of ["tend", "supervisord"] as const)
          servers.push(await launchServer(kind, { programs }));
        await Promise.all(
          servers.map((server) =>
            waitFor(
              () => readLog(server.log).some((e) => e.message === gaveUp),
              `${server.kind} to give up`,
            ),
          ),
        );
        const [tendGaps, supervisordGaps] = servers.map((server) =>
          retryGaps(readLog(server.log), "flop"),
        ) as [number[], number[]];
        expect(tendGaps).toHaveLength(2);
        expect(supervisordGaps).toHaveLength(2);
        // Never early; late by what a loaded machine adds to a timer and a spawn.
        [1, 2].forEach((nominal, i) => {
          for (const gaps of [tendGaps, supervisordGaps]) {
            expect(gaps[i] as number).toBeGreaterThan(nominal - 0.01);
            expect(gaps[i] as number).toBeLessThan(nominal + 0.3);
          }
          expect(Math.abs((tendGaps[i] as number) - (supervisordGaps[i] as number))).toBeLessThan(
            0.3,
          );
        });
      } finally {
        await Promise.all(servers.map((server) => server.dispose()));
      }
    }, 20_000);
  },
);
