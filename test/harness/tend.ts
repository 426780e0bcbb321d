// One tend on a config in its own scratch directory, as PID 1 of its own
// namespace, seen from outside: its log, its pids, its control socket.
// `await using tend = await launchTend(...)` stops it (SIGKILL of the
// namespace unless it has ended) and removes the directory when the test
// ends, whether it passed or not.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type LogEntry, readLines, readLog } from "./logs.ts";
import { TEND } from "./paths.ts";
import { descendantsOf, innerPidOf } from "./proc.ts";
import { type Scratch, scratchDir } from "./scratch.ts";
import { type Finished, type Started, start } from "./spawn.ts";
import { waitFor, within } from "./wait.ts";
import { api, rpc, type Value } from "./xmlrpc.ts";

export interface TendOptions {
  /** The program sections; DIR stands for the scratch directory. */
  readonly programs?: string | ((dir: string) => string);
  /** More [supervisord] lines (DIR as above); the log goes to DIR/tend.log unless they set logfile. */
  readonly supervisord?: string;
  /**
   * Without it, no [unix_http_server]: the socket comes from $TEND_SOCKET.
   * With it, `[unix_http_server] file=SOCKET` and these lines.
   */
  readonly server?: string;
  /** The control socket's path; DIR/tend.sock by default. */
  readonly socket?: string;
  /** Files written into DIR first. */
  readonly files?: Record<string, string | Uint8Array>;
  /** As PID 1 (the default), or as a plain process. */
  readonly asPid1?: boolean;
  /** A command tend runs under, such as `["prlimit", "--nofile=256:256"]`. */
  readonly prefix?: readonly string[];
  /** More variables in tend's environment (`TEND_HEALTH_PORT`). */
  readonly env?: Record<string, string>;
}

export interface ProcessInfo {
  readonly name: string;
  readonly group: string;
  readonly statename: string;
  readonly pid: number;
}

function matches(message: string, pattern: string | RegExp): boolean {
  return typeof pattern === "string" ? message.includes(pattern) : pattern.test(message);
}

export class Tend implements AsyncDisposable {
  constructor(
    private readonly scratch: Scratch,
    readonly config: string,
    readonly socket: string,
    readonly run: Started,
    /** tend's pid as seen from here. */
    readonly pid: number,
    private readonly header: string,
  ) {}

  get dir(): string {
    return this.scratch.dir;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  get logPath(): string {
    return this.path("tend.log");
  }

  /** Writes the config again with other program sections (same [supervisord] and server). */
  rewrite(programs: string): void {
    writeFileSync(this.config, `${this.header}${programs.replaceAll("DIR", this.dir)}`);
  }

  // ---------------------------------------------------------------- its log

  /** tend's own log lines, as written (when it logs to DIR/tend.log). */
  lines(): string[] {
    return readLines(this.logPath);
  }

  entries(): LogEntry[] {
    return readLog(this.logPath);
  }

  messages(): string[] {
    return this.entries().map((entry) => entry.message);
  }

  count(pattern: string | RegExp): number {
    return this.messages().filter((m) => matches(m, pattern)).length;
  }

  /** The first log entry that matches, once there is one. */
  waitLog(pattern: string | RegExp, ms = 10_000): Promise<LogEntry> {
    return waitFor(
      () => this.entries().find((entry) => matches(entry.message, pattern)),
      `tend to log ${pattern}`,
      ms,
    );
  }

  /** Waits until `pattern` has been logged `n` times. */
  waitCount(pattern: string | RegExp, n: number, ms = 10_000): Promise<number> {
    return waitFor(
      () => this.count(pattern) >= n && this.count(pattern),
      `${n} log lines ${pattern}`,
      ms,
    );
  }

  // ---------------------------------------------------------------- its processes

  /** The pid (inside the namespace) of the last spawn of `name`, from the log. */
  nsPidOf(name: string): number {
    const last = this.messages()
      .map((m) => new RegExp(`^spawned: '${name}' with pid (\\d+)$`).exec(m))
      .filter((m) => m !== null)
      .at(-1);
    if (!last) throw new Error(`${name} was never spawned`);
    return Number(last[1]);
  }

  /** The pid (inside the namespace) of `name`'s first spawn, once tend has logged it. */
  async spawnedPid(name: string): Promise<number> {
    await this.waitLog(`spawned: '${name}' with pid `);
    return this.nsPidOf(name);
  }

  /** The pid, as seen from here, of the running process `name`. */
  outerPidOf(name: string): number {
    const nsPid = this.nsPidOf(name);
    const outer = descendantsOf(this.pid).find((pid) => innerPidOf(pid) === nsPid);
    if (outer === undefined) throw new Error(`no process of ${name} (pid ${nsPid} inside)`);
    return outer;
  }

  // ---------------------------------------------------------------- signals and its end

  signal(name: NodeJS.Signals): void {
    process.kill(this.pid, name);
  }

  /** tend's end, or a failure after `ms` (so that the test still cleans up). */
  finished(ms = 10_000): Promise<Finished> {
    return within(this.run.finished, ms, "tend to exit");
  }

  /** SIGTERM, then tend's end (or a failure after `ms`). */
  stop(ms = 10_000): Promise<Finished> {
    this.signal("SIGTERM");
    return this.finished(ms);
  }

  get ended(): boolean {
    return this.run.ended;
  }

  // ---------------------------------------------------------------- its control socket

  /** A call to the JSON endpoint; a fault is thrown with its string. */
  call(method: string, ...params: unknown[]): Promise<unknown> {
    return api(this.socket, method, ...params);
  }

  /** An XML-RPC call. */
  rpc(method: string, params: readonly Value[] = [], headers: Record<string, string> = {}) {
    return rpc(this.socket, method, params, headers);
  }

  /** Every process by namespec (`name`, or `group:name`). */
  async infos(): Promise<Map<string, ProcessInfo>> {
    const all = (await this.call("supervisor.getAllProcessInfo")) as ProcessInfo[];
    return new Map(
      all.map((info) => [
        info.group === info.name ? info.name : `${info.group}:${info.name}`,
        info,
      ]),
    );
  }

  /** Polls supervisor.getState until tend answers RUNNING. */
  async ready(headers: Record<string, string> = {}, ms = 10_000): Promise<void> {
    const deadline = performance.now() + ms;
    for (;;) {
      try {
        const state = (await this.rpc("supervisor.getState", [], headers)) as {
          statename: string;
        };
        if (state.statename === "RUNNING") return;
      } catch (error) {
        if (this.ended) throw new Error(`tend ended: ${(await this.run.finished).stderr}`);
        if (performance.now() > deadline) throw error;
      }
      await Bun.sleep(20);
    }
  }

  /** Until every program is RUNNING or STOPPED (the autostart ones have started). */
  async settled(ms = 10_000): Promise<Map<string, ProcessInfo>> {
    const deadline = performance.now() + ms;
    for (;;) {
      const all = await this.infos().catch(() => undefined);
      if (all && [...all.values()].every((i) => ["RUNNING", "STOPPED"].includes(i.statename)))
        return all;
      if (this.ended) throw new Error(`tend ended: ${(await this.run.finished).stderr}`);
      if (performance.now() > deadline)
        throw new Error(`timed out after ${ms} ms waiting for every autostart program RUNNING`);
      await Bun.sleep(25);
    }
  }

  /** The pid (inside the namespace) of a RUNNING program; waits for RUNNING. */
  async pidOf(name: string, headers: Record<string, string> = {}, ms = 10_000): Promise<number> {
    const deadline = performance.now() + ms;
    for (;;) {
      const info = (await this.rpc("supervisor.getProcessInfo", [name], headers)) as {
        statename: string;
        pid: number;
      };
      if (info.statename === "RUNNING") return info.pid;
      if (performance.now() > deadline) throw new Error(`${name} is ${info.statename}`);
      await Bun.sleep(20);
    }
  }

  // ---------------------------------------------------------------- cleanup

  /** Kills whatever is left of this run (SIGKILL of its namespace), then removes its files. */
  async dispose(): Promise<void> {
    await this.run.dispose();
    this.scratch.cleanup();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

/**
 * Starts tend on a config written into a fresh scratch directory DIR:
 * `[supervisord] logfile=DIR/tend.log` and `silent=true` (unless `supervisord` sets a logfile) and
 * the options' lines, then the programs. Resolves once tend runs (its pid
 * is known); readiness is the test's to wait for (ready(), settled()).
 */
export async function launchTend(options: TendOptions = {}): Promise<Tend> {
  const scratch = scratchDir();
  const { dir } = scratch;
  try {
    for (const [name, bytes] of Object.entries(options.files ?? {}))
      writeFileSync(join(dir, name), bytes);
    const socket = options.socket ?? join(dir, "tend.sock");
    const supervisord = (options.supervisord ?? "").replaceAll("DIR", dir);
    // tend's log in a file, and (silent) not also on stdout, which the
    // tests keep for the programs' lines.
    const logfile = /^logfile=/m.test(supervisord)
      ? ""
      : `logfile=${join(dir, "tend.log")}\n${/^silent=/m.test(supervisord) ? "" : "silent=true\n"}`;
    const server =
      options.server === undefined ? "" : `[unix_http_server]\nfile=${socket}\n${options.server}\n`;
    const header = `[supervisord]\n${logfile}${supervisord}\n\n${server}`;
    const programs =
      typeof options.programs === "function" ? options.programs(dir) : (options.programs ?? "");
    const config = join(dir, "tend.ini");
    writeFileSync(config, `${header}${programs.replaceAll("DIR", dir)}`);
    const run = start(["-c", config], {
      asPid1: options.asPid1 ?? true,
      // relative paths in a config land in the scratch directory, never in the checkout
      cwd: dir,
      env: { TEND_SOCKET: socket, ...options.env },
      ...(options.prefix ? { binary: [...options.prefix, TEND] } : {}),
    });
    try {
      const pid = await run.initPid;
      return new Tend(scratch, config, socket, run, pid, header);
    } catch (error) {
      await run.dispose();
      throw error;
    }
  } catch (error) {
    scratch.cleanup();
    throw error;
  }
}

/**
 * Runs `body` on a fresh tend (options, or just its program sections), and
 * always disposes of it afterwards.
 */
export async function withTend<T>(
  options: TendOptions | string | ((dir: string) => string),
  body: (tend: Tend) => Promise<T>,
): Promise<T> {
  await using tend = await launchTend(
    typeof options === "object" ? options : { programs: options },
  );
  return await body(tend);
}
