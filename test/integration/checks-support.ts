// What the readiness and liveness tests share: the fixtures' command lines,
// free ports, a process's struct and `tend ctl status` as seen from
// outside, and the wait for a program that is STARTING and not ready.

import { expect } from "bun:test";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import {
  type CommandResult,
  eventually,
  FIXTURES,
  runCommand,
  TEND,
  type Tend,
  type Value,
} from "../harness/index.ts";

/** Debian's python3: pyenv's shim in PATH costs half a second per start. */
export const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
export const READY_SERVER = `${PYTHON} ${join(FIXTURES, "ready-server.py")}`;
export const READY_NOTIFY = `${PYTHON} ${join(FIXTURES, "ready-notify.py")}`;

/** A shell loop (for sh -c) that returns once `path` exists. */
export const gate = (path: string): string => `while [ ! -e ${path} ]; do sleep 0.1; done`;

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(address),
      );
    });
  });
}

export type Info = { [key: string]: Value } & {
  readonly name: string;
  readonly statename: string;
  readonly pid: number;
  readonly description: string;
  readonly spawnerr: string;
  readonly ready: boolean;
  readonly restarts: number;
  readonly ready_check: string;
  readonly ready_error: string;
};

/** supervisor.getProcessInfo over XML-RPC. */
export async function infoOf(tend: Tend, name: string): Promise<Info> {
  return (await tend.rpc("supervisor.getProcessInfo", [name])) as Info;
}

/** The struct of `name` once `holds` says yes (polled every 25 ms). */
export function untilInfo(
  tend: Tend,
  name: string,
  holds: (info: Info) => boolean,
  what: string,
  ms = 10_000,
): Promise<Info> {
  return eventually(
    async () => {
      const info = await infoOf(tend, name);
      return holds(info) && info;
    },
    `${name} ${what}`,
    ms,
  );
}

/** `tend ctl -s unix://SOCKET ARGS...`, with how long it took. */
export async function ctl(
  tend: Tend,
  ...args: string[]
): Promise<CommandResult & { readonly ms: number }> {
  const began = performance.now();
  const result = await runCommand([TEND, "ctl", "-s", `unix://${tend.socket}`, ...args], {
    deadlineMs: 15_000,
  });
  return { ...result, ms: performance.now() - began };
}

/** `name`'s line of `tend ctl status NAME`. */
export async function statusLine(tend: Tend, name: string): Promise<string> {
  const { stdout } = await ctl(tend, "status", name);
  return stdout.split("\n").find((line) => line.startsWith(`${name} `)) ?? stdout;
}

/**
 * `name` is STARTING with its process running and its ready check failing
 * for `reason` ("" for the push kinds, which say nothing until ready), and
 * `tend ctl status` says so. Returns its struct.
 */
export async function startingNotReady(tend: Tend, name: string, reason: string): Promise<Info> {
  const info = await untilInfo(
    tend,
    name,
    (i) => i.statename === "STARTING" && i.pid > 0 && i.ready_error === reason,
    `STARTING, its check failing with "${reason}"`,
  );
  expect(info.ready).toBe(false);
  const line = await statusLine(tend, name);
  expect(line).toMatch(
    new RegExp(`^${name} +STARTING +.*not ready: ${escapeRegExp(reason || "no answer yet")}$`),
  );
  return info;
}

/**
 * After `open` makes the program ready: RUNNING and ready at once, with
 * supervisord's success line naming the check, its pid unchanged, and `tend
 * ctl status` saying `ready`. Returns the struct.
 */
export async function becomesReady(
  tend: Tend,
  name: string,
  check: string,
  before: Info,
  open: () => void,
): Promise<Info> {
  const line = `success: ${name} entered RUNNING state, ready (${check})`;
  const earlier = tend.count(line);
  const opened = Date.now();
  open();
  await tend.waitCount(line, earlier + 1);
  const success = tend.entries().filter((entry) => entry.message === line)[earlier];
  if (!success) throw new Error(`no ${line}`);
  // Seen when it is true, not at the end of the 60 s startsecs these
  // programs have (a generous bound: the machine may be busy).
  expect(success.time - opened).toBeLessThan(5_000);
  const info = await infoOf(tend, name);
  expect(info).toMatchObject({
    statename: "RUNNING",
    pid: before.pid,
    ready: true,
    ready_error: "",
  });
  expect(await statusLine(tend, name)).toMatch(
    new RegExp(`^${name} +RUNNING +pid ${before.pid}, uptime 0:00:\\d\\d(, .*)?, ready$`),
  );
  return info;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
