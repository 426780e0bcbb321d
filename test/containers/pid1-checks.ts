// tend's own image as a user runs it: exit codes of `podman run`, `podman
// stop` within its grace period, the control socket through `podman exec`,
// whole log lines, and a critical program ending the container.

import { join } from "node:path";
import { type Check, eventually, expect, expectEqual, fail, loggedAt } from "./checks.ts";
import { IMAGE } from "./images.ts";
import { type Container, runToEnd, withContainer } from "./podman.ts";

const CONFIGS = join(import.meta.dir, "configs");
const MOUNT = { [CONFIGS]: "/checks" };

async function exitCodeOf(script: string, expected: number): Promise<void> {
  const result = await runToEnd(IMAGE.tend, ["--", "sh", "-c", script], { tag: "exit" });
  expectEqual(result.code, expected, `podman run tend -- sh -c '${script}': exit code`);
}

/** `tend ctl status` (or another client) until every listed process is RUNNING. */
async function statusWhenRunning(container: Container, client: string[], names: string[]) {
  return eventually(
    async () => {
      const status = await container.exec([...client, "status"]);
      const running = runningPids(status.stdout);
      return status.code === 0 && names.every((name) => running.has(name)) && status;
    },
    `${client.join(" ")} status to show ${names.join(", ")} RUNNING`,
    10_000,
  );
}

const exitCodes: Check = {
  name: "podman run: 0 for a clean exit, the program's code, 128+N for signal N",
  async run() {
    await exitCodeOf("exit 0", 0);
    await exitCodeOf("exit 7", 7);
    await exitCodeOf("kill -9 $$", 137);
    await exitCodeOf("kill -TERM $$", 143);
  },
};

const stopInTime: Check = {
  name: "podman stop (10 s grace): every program stops cleanly, exit 0, well in time",
  async run() {
    await withContainer(
      IMAGE.tend,
      ["-c", "/checks/stop.ini"],
      { tag: "stop", mounts: MOUNT },
      async (ctr) => {
        await statusWhenRunning(ctr, ["tend", "ctl"], ["web", "worker", "cache"]);
        const stop = await ctr.stop();
        expectEqual(stop.code, 0, `podman stop: exit code (${stop.stderr.trim()})`);
        const logs = await ctr.logs();
        expectEqual(await ctr.exitCode(), 0, "the container's exit code", logs);
        // The slowest program takes 1 s to finish; SIGKILL would come at 10 s.
        const shutdown = loggedAt(logs, "tend stopped") - loggedAt(logs, "received SIGTERM");
        expect(shutdown < 2_000, `tend took ${shutdown} ms from SIGTERM to its end`, logs);
        expect(stop.ms < 5_000, `podman stop took ${(stop.ms / 1000).toFixed(1)} s`, logs);
        for (const name of ["web", "worker", "cache"]) {
          expect(
            new RegExp(`^${name} *\\| ${name} stopping$`, "m").test(logs),
            `no "${name} | ${name} stopping" line`,
            logs,
          );
          expect(
            logs.includes(`stopped: ${name} (exit status 0)`),
            `${name} did not stop with exit status 0`,
            logs,
          );
        }
      },
    );
  },
};

/** `web RUNNING pid 12, uptime 0:00:01` → name and pid, for every RUNNING line. */
function runningPids(status: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const match of status.matchAll(/^(\S+)\s+RUNNING\s+pid (\d+), uptime/gm))
    found.set(match[1] as string, Number(match[2]));
  return found;
}

const controlThroughExec: Check = {
  name: "podman exec: tend ctl status and supervisorctl status list the programs",
  async run() {
    const names = ["web", "worker:worker_0", "worker:worker_1"];
    await withContainer(
      IMAGE.tend,
      ["-c", "/checks/status.ini"],
      { tag: "status", mounts: MOUNT },
      async (ctr) => {
        const ctl = await statusWhenRunning(ctr, ["tend", "ctl"], names);
        const ctlPids = runningPids(ctl.stdout);
        expectEqual(
          [...ctlPids.keys()].sort().join(","),
          names.join(","),
          `RUNNING in tend ctl status:\n${ctl.stdout}`,
        );
        const supervisorctl = await ctr.exec(["supervisorctl", "status"]);
        expectEqual(
          supervisorctl.code,
          0,
          `supervisorctl status: exit code (${supervisorctl.stderr.trim()})`,
        );
        const pids = runningPids(supervisorctl.stdout);
        for (const name of names)
          expectEqual(pids.get(name), ctlPids.get(name), `${name}'s pid in supervisorctl status`);
      },
    );
  },
};

/** The lines lines.awk writes for `name`, as the suite expects them back. */
function expectedLines(name: string): string[] {
  const pattern = "abcdefghijklmnopqrstuvwxyz0123456789";
  const lines: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const wanted = 40 + ((i * 7919) % 8000);
    let line = `${name} ${String(i).padStart(5, "0")} `;
    while (line.length < wanted) line += pattern;
    lines.push(line.slice(0, wanted));
  }
  return lines;
}

/** tend's own log lines: `2026-12-06 19:27:45,254 INFO ...`. */
const TEND_LOG_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ /;

const wholeLogLines: Check = {
  name: "podman logs: two programs' lines at once, each whole, prefixed, in order",
  async run() {
    await withContainer(
      IMAGE.tend,
      ["-c", "/checks/logs.ini"],
      { tag: "logs", mounts: MOUNT },
      async (ctr) => {
        await eventually(
          async () =>
            (await ctr.exec(["tend", "ctl", "status"])).stdout.match(/EXITED/g)?.length === 2,
          "alpha and beta to finish writing",
          30_000,
        );
        const logs = await ctr.logs();
        const got = new Map<string, string[]>([
          ["alpha", []],
          ["beta", []],
        ]);
        for (const line of logs.split("\n")) {
          if (line === "" || TEND_LOG_LINE.test(line)) continue;
          // Prefixes are padded to the longest name: `beta  | `.
          const match = line.match(/^(alpha|beta) *\| (.*)$/);
          if (!match)
            fail(
              `a line neither tend's nor a prefixed program line: ${JSON.stringify(line.slice(0, 200))}`,
            );
          got.get(match[1] as string)?.push(match[2] as string);
        }
        for (const [name, lines] of got) {
          const expected = expectedLines(name);
          expectEqual(lines.length, expected.length, `${name}'s line count`);
          const wrong = lines.findIndex((line, i) => line !== expected[i]);
          if (wrong >= 0)
            fail(
              `${name}'s line ${wrong} is not whole or out of order: ${JSON.stringify(lines[wrong]?.slice(0, 120))}`,
            );
        }
      },
    );
  },
};

async function criticalEnds(how: string, expected: number): Promise<void> {
  const result = await runToEnd(IMAGE.tend, ["-c", "/checks/critical.ini"], {
    tag: "critical",
    mounts: MOUNT,
    env: { CRITICAL_EXIT: how },
    timeoutMs: 30_000,
  });
  const output = result.stdout + result.stderr;
  expectEqual(result.code, expected, `exit code with CRITICAL_EXIT=${how}`, output);
  expect(/^sidecar *\| sidecar stopping$/m.test(output), "the sidecar was not stopped", output);
}

const criticalExit: Check = {
  name: "a critical program's end stops the others and ends the container with its code",
  async run() {
    await criticalEnds("3", 3);
    await criticalEnds("kill", 137);
  },
};

export const PID1_CHECKS: readonly Check[] = [
  exitCodes,
  stopInTime,
  controlThroughExec,
  wholeLogLines,
  criticalExit,
];
