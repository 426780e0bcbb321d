// Starting processes the way a user would, and always stopping them.
//
// start() runs tend (or another init) as PID 1 of a fresh pid namespace
// (`unshare --pid --fork --mount-proc --kill-child`) or as a plain process;
// spawnProcess() runs any command. Each returns a Started: its pids, its
// end, its output, and dispose(), which SIGKILLs the namespace's PID 1 (the
// kernel then ends every process in it) or the process and its
// descendants. Every Started is registered until it has ended or been
// disposed of, and every process carries TEND_HARNESS=<this pid> in its
// environment, so that a leftover can be found and named at the end.

import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "bun";
import { TEND } from "./paths.ts";
import { childrenOf, descendantsOf, killQuietly, readProc } from "./proc.ts";
import { origin, type Resource, track, untrack } from "./registry.ts";

/** The mark every process started here carries in its environment. */
export const HARNESS_MARK = { name: "TEND_HARNESS", value: String(process.pid) } as const;

/** Whether this machine lets us create PID namespaces, and why not. */
export const pidNamespaces: { readonly ok: boolean; readonly reason: string } = (() => {
  const probe = spawnSync(["unshare", "--pid", "--fork", "--mount-proc", "true"], {
    stderr: "pipe",
  });
  if (probe.exitCode === 0) return { ok: true, reason: "" };
  const why = probe.stderr.toString().trim() || `exit code ${probe.exitCode}`;
  return { ok: false, reason: `PID namespaces unavailable (${why}); needs root` };
})();

const UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"];

export interface Finished {
  /** The exit code, or null when killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | number | null;
  /** stdout and stderr decoded as UTF-8 ("" when not piped). */
  readonly stdout: string;
  readonly stderr: string;
  /** The same as bytes. */
  readonly stdoutBytes: Buffer;
  readonly stderrBytes: Buffer;
}

type Sink = "pipe" | "ignore" | number;

export interface SpawnOptions {
  /** As PID 1 of a new pid namespace. */
  readonly asPid1?: boolean;
  /** Added to (or, with cleanEnv, instead of) this process's environment. */
  readonly env?: Record<string, string | undefined>;
  readonly cleanEnv?: boolean;
  readonly cwd?: string;
  readonly stdin?: "ignore" | Uint8Array;
  readonly stdout?: Sink;
  readonly stderr?: Sink;
  /** Removed when it is disposed of (a socket path nobody else cleans up). */
  readonly removeOnDispose?: readonly string[];
  /** How long unshare may take to exec the command (PID-1 mode); 10 s by default. */
  readonly startTimeoutMs?: number;
}

async function collect(
  stream: ReadableStream<Uint8Array> | number | undefined | null,
  chunks: Uint8Array[],
): Promise<void> {
  if (stream === undefined || stream === null || typeof stream === "number") return;
  for await (const chunk of stream) chunks.push(chunk);
}

/** A process started here: its pids, its output so far and at its end, and its disposal. */
export class Started implements AsyncDisposable {
  readonly pid: number;
  /** The namespace's PID 1 once it has exec'd its command (PID-1 mode), else pid. */
  readonly initPid: Promise<number>;
  readonly exited: Promise<void>;
  readonly finished: Promise<Finished>;
  private readonly proc: Bun.Subprocess;
  private readonly out: Uint8Array[] = [];
  private readonly err: Uint8Array[] = [];
  private readonly resource: Resource;
  private endedNow = false;

  constructor(
    readonly argv: readonly string[],
    private readonly options: SpawnOptions,
  ) {
    const env = options.cleanEnv ? {} : process.env;
    this.proc = Bun.spawn(options.asPid1 ? [...UNSHARE, ...argv] : [...argv], {
      stdin: options.stdin ?? "ignore",
      stdout: options.stdout ?? "pipe",
      stderr: options.stderr ?? "pipe",
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      env: { ...env, ...options.env, [HARNESS_MARK.name]: HARNESS_MARK.value },
    });
    this.pid = this.proc.pid;
    const proc = this.proc;
    this.exited = proc.exited.then(() => {
      this.endedNow = true;
      // The namespace is gone with its PID 1; a plain process's orphans
      // are found at the end by their mark.
      untrack(this.resource);
    });
    const reading = Promise.all([collect(proc.stdout, this.out), collect(proc.stderr, this.err)]);
    const exited = this.exited;
    this.finished = (async () => {
      await reading;
      await exited;
      const stdoutBytes = Buffer.concat(this.out);
      const stderrBytes = Buffer.concat(this.err);
      return {
        code: proc.exitCode,
        signal: proc.signalCode,
        stdout: stdoutBytes.toString("utf8"),
        stderr: stderrBytes.toString("utf8"),
        stdoutBytes,
        stderrBytes,
      };
    })();
    this.finished.catch(() => {});
    this.initPid = options.asPid1 ? this.waitForInit() : Promise.resolve(this.pid);
    // A process that exits before it is seen is no error for callers that
    // never ask for its pid; those that do still get the rejection.
    this.initPid.catch(() => {});
    this.resource = {
      label: argv.join(" "),
      origin: origin(),
      process: true,
      dispose: () => this.dispose(),
      disposeNow: () => this.killNow(),
    };
    track(this.resource);
  }

  /** Whether the process (unshare, in PID-1 mode) has exited. */
  get ended(): boolean {
    return this.endedNow;
  }

  /** Its exit code once it has exited (in PID-1 mode unshare's, which is its PID 1's). */
  get exitCode(): number | null {
    return this.proc.exitCode;
  }

  /**
   * Its peak resident memory in bytes (getrusage's maxrss), once it has
   * exited. The kernel carries the peak over fork and exec, so this is at
   * least the test process's own peak: measure a child's with GNU time.
   */
  get peakRssBytes(): number | undefined {
    return this.endedNow ? this.proc.resourceUsage()?.maxRSS : undefined;
  }

  /** stdout so far (pipe only). */
  stdoutSoFar(): string {
    return Buffer.concat(this.out).toString("utf8");
  }

  /** stderr so far (pipe only). */
  stderrSoFar(): string {
    return Buffer.concat(this.err).toString("utf8");
  }

  /** Signals the spawned process itself (unshare, in PID-1 mode). */
  kill(signal: NodeJS.Signals | number = "SIGTERM"): void {
    if (!this.endedNow) this.proc.kill(signal);
  }

  /** Signals the init (tend), once it runs. */
  async signal(signal: NodeJS.Signals | number): Promise<void> {
    killQuietly(await this.initPid, signal);
  }

  private async waitForInit(): Promise<number> {
    const deadline = performance.now() + (this.options.startTimeoutMs ?? 10_000);
    for (;;) {
      const pid = childrenOf(this.pid)[0];
      if (pid !== undefined) {
        // Until its exec, the forked child still runs unshare (same argv).
        const argv0 = readProc(pid, "cmdline").split("\0")[0] ?? "";
        if (argv0 !== "" && !argv0.endsWith("unshare")) return pid;
      }
      if (this.endedNow) throw new Error(`${this.argv.join(" ")} ended before it was seen`);
      if (performance.now() > deadline)
        throw new Error(`timed out waiting for unshare to start ${this.argv[0]}`);
      await Bun.sleep(2);
    }
  }

  /** SIGKILL: the namespace's PID 1 (and so the namespace), or the process and its descendants. */
  private killNow(): void {
    if (!this.endedNow) {
      if (this.options.asPid1) {
        const inits = childrenOf(this.pid);
        for (const pid of inits) killQuietly(pid);
        // --kill-child: the child dies with unshare.
        if (inits.length === 0) killQuietly(this.pid);
      } else {
        const tree = descendantsOf(this.pid);
        killQuietly(this.pid);
        for (const pid of tree) killQuietly(pid);
      }
    }
    for (const path of this.options.removeOnDispose ?? []) rmSync(path, { force: true });
    untrack(this.resource);
  }

  /** Stops it now (SIGKILL) unless it has ended, and waits for its end. */
  async dispose(): Promise<void> {
    this.killNow();
    const gone = await Promise.race([this.exited.then(() => true), Bun.sleep(5_000)]);
    if (!gone) {
      for (const pid of descendantsOf(this.pid)) killQuietly(pid);
      killQuietly(this.pid);
      await this.exited;
    }
    // A descendant that escaped may hold the pipes open: do not wait for it forever.
    await Promise.race([this.finished, Bun.sleep(2_000)]);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

/** Runs `argv` (as a plain process unless asPid1). */
export function spawnProcess(argv: readonly string[], options: SpawnOptions = {}): Started {
  return new Started(argv, options);
}

let sockets = 0;

export interface StartOptions extends Omit<SpawnOptions, "asPid1"> {
  /** As PID 1 of a new pid namespace; true unless said otherwise. */
  readonly asPid1?: boolean;
  /** The command to run instead of tend (args follow it). */
  readonly binary?: readonly string[];
}

/**
 * Starts tend (or `binary`) with `args`, as PID 1 of a new namespace unless
 * asPid1 is false. Each tend gets its own control socket ($TEND_SOCKET),
 * unless `env` names one: tests run side by side, and /run is shared by
 * every PID namespace.
 */
export function start(args: readonly string[], options: StartOptions = {}): Started {
  const socket = join(tmpdir(), `tend-test-${process.pid}-${++sockets}.sock`);
  const own = options.env?.TEND_SOCKET === undefined;
  return new Started([...(options.binary ?? [TEND]), ...args], {
    ...options,
    asPid1: options.asPid1 ?? true,
    env: { TEND_SOCKET: socket, ...options.env },
    removeOnDispose: [...(options.removeOnDispose ?? []), ...(own ? [socket] : [])],
  });
}

/** Runs tend to completion (as PID 1 unless asPid1 is false). */
export async function run(args: readonly string[], asPid1 = true): Promise<Finished> {
  await using tend = start(args, { asPid1 });
  return await tend.finished;
}

export interface CommandOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  readonly cleanEnv?: boolean;
  readonly stdin?: string;
  /**
   * SIGINT once this holds of the output so far and the process (checked
   * every 10 ms): ends an interactive follow once it has shown what there is.
   */
  readonly interruptWhen?: (stdout: string, stderr: string, pid: number) => boolean;
  /** Killed (SIGKILL) after this long: a command that hangs fails instead of hanging. */
  readonly deadlineMs?: number;
}

export interface CommandResult extends Finished {
  /** Set when the deadline killed it, or it was interrupted without its condition. */
  readonly problem?: string;
  /** From start to exit. */
  readonly ms: number;
  /** Its peak resident memory (see Started.peakRssBytes). */
  readonly peakRssBytes: number | undefined;
}

/**
 * Runs a short-lived command (a client) to its end: its output and exit
 * code, interrupted (SIGINT) once `interruptWhen` holds, killed at its
 * deadline.
 */
export async function runCommand(
  argv: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  const deadlineMs = options.deadlineMs ?? 30_000;
  await using proc = spawnProcess(argv, {
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    ...(options.cleanEnv !== undefined ? { cleanEnv: options.cleanEnv } : {}),
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
  });
  let problem: string | undefined;
  const started = performance.now();
  const { interruptWhen } = options;
  let interrupted = false;
  while (!proc.ended) {
    if (!interrupted && interruptWhen?.(proc.stdoutSoFar(), proc.stderrSoFar(), proc.pid)) {
      proc.kill("SIGINT");
      interrupted = true;
    }
    if (performance.now() - started > deadlineMs) {
      problem = `${argv.join(" ")}: still running after ${deadlineMs} ms${interruptWhen && !interrupted ? " (its interrupt condition never held)" : ""}; killed`;
      proc.kill("SIGKILL");
      break;
    }
    await Promise.race([proc.exited, Bun.sleep(10)]);
  }
  const result = await proc.finished;
  const measured = { ...result, ms: performance.now() - started, peakRssBytes: proc.peakRssBytes };
  return problem === undefined ? measured : { ...measured, problem };
}
