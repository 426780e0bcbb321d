// Starting child processes through Bun's spawner, registered with the reaper
// so their exit status stays Bun's to report. Turns the runtime's exit report
// and spawn errors into tend's own types. Credentials that Bun's spawner
// cannot set (supplementary groups) go through tend's own exec trampoline.

import type { ExitStatus } from "../core/exit-codes.ts";
import { parseSignal } from "../core/signals.ts";
import { EXEC_AS_FLAG } from "./exec-as-flag.ts";
import { fs } from "./fs.ts";
import { trackSpawned, untrackSpawned } from "./reaper.ts";

export interface Credentials {
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly number[];
}

export interface SpawnRequest {
  readonly argv: readonly string[];
  /** setsid(): the child leads a new session and process group. */
  readonly newSession: boolean;
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string | undefined;
  readonly umask?: number | undefined;
  readonly credentials?: Credentials | undefined;
  /** stdin, stdout, stderr: inherited from tend, /dev/null, or an open file descriptor. */
  readonly stdio?: readonly [StdioTarget, StdioTarget, StdioTarget];
  /**
   * More descriptors for the child: tend's `fd` becomes the child's `at`
   * (3 and up, as s6's notification-fd). The numbers between 3 and the
   * highest `at` that no entry names are closed in the child: none of
   * tend's own descriptors reach it.
   */
  readonly extraFds?: readonly ExtraFd[];
  /** argv[0] as the program sees it, when argv[0] is the resolved path. */
  readonly argv0?: string | undefined;
}

export type StdioTarget = "inherit" | "ignore" | number;

export interface ExtraFd {
  /** The descriptor number in the child, 3 to 255. */
  readonly at: number;
  /** tend's descriptor that the child gets there. */
  readonly fd: number;
}

export interface SpawnedChild {
  readonly pid: number;
  /** Resolves once the child has exited and been reaped. */
  readonly exited: Promise<ExitStatus>;
}

/** Why a command could not be started, in the words of execve(2). */
export class SpawnError extends Error {
  constructor(
    message: string,
    /** ENOENT, EACCES, ... as the system reported it. */
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "SpawnError";
  }
}

/** How to run tend itself: the compiled executable, or the source under Bun. */
function tendItself(): string[] {
  const compiled = Bun.main.startsWith("/$bunfs/") || Bun.main.startsWith("B:/~BUN/");
  return compiled ? [process.execPath] : [process.execPath, Bun.main];
}

export function spawnChild(request: SpawnRequest): SpawnedChild {
  const argv = request.credentials
    ? [
        ...tendItself(),
        EXEC_AS_FLAG,
        String(request.credentials.uid),
        String(request.credentials.gid),
        request.credentials.groups.join(","),
        (request.extraFds ?? []).map(({ at }) => at).join(","),
        "--",
        ...request.argv,
      ]
    : [...request.argv];
  const stdio = stdioOf(request);
  let child: Bun.Subprocess;
  // The child inherits the umask at fork; the spawn is synchronous, so
  // setting tend's own around it affects nothing else.
  const previousUmask = request.umask === undefined ? undefined : process.umask(request.umask);
  try {
    child = Bun.spawn(argv, {
      stdio,
      detached: request.newSession,
      env: request.env ?? process.env,
      ...(request.argv0 === undefined || request.credentials ? {} : { argv0: request.argv0 }),
      ...(request.cwd === undefined ? {} : { cwd: request.cwd }),
    });
  } catch (error) {
    throw toSpawnError(request.argv[0] ?? "", error, request.cwd);
  } finally {
    if (previousUmask !== undefined) process.umask(previousUmask);
  }
  const pid = child.pid;
  trackSpawned(pid);
  const exited = child.exited.then(() => {
    untrackSpawned(pid);
    return exitStatusOf(child);
  });
  return { pid, exited };
}

/**
 * Bun's stdio array: stdin, stdout, stderr, then one entry per descriptor
 * from 3 up. An "ignore" past 2 leaves that number closed in the child (not
 * even /dev/null); only what is given here is inherited, since tend opens
 * everything else close-on-exec.
 */
function stdioOf(request: SpawnRequest): [StdioTarget, StdioTarget, StdioTarget, ...StdioTarget[]] {
  const [stdin, stdout, stderr] = request.stdio ?? ["inherit", "inherit", "inherit"];
  const stdio: [StdioTarget, StdioTarget, StdioTarget, ...StdioTarget[]] = [stdin, stdout, stderr];
  for (const { at, fd } of request.extraFds ?? []) {
    if (!Number.isInteger(at) || at < 3 || at > 255)
      throw new SpawnError(`cannot give the child descriptor ${at} (3 to 255)`, "EINVAL");
    while (stdio.length <= at) stdio.push("ignore");
    stdio[at] = fd;
  }
  return stdio;
}

function exitStatusOf(child: {
  exitCode: number | null;
  signalCode: string | number | null;
}): ExitStatus {
  if (child.signalCode !== null) {
    const signal = parseSignal(child.signalCode);
    if (signal !== undefined) return { kind: "signaled", signal };
  }
  return { kind: "exited", code: child.exitCode ?? 0 };
}

function toSpawnError(command: string, error: unknown, cwd: string | undefined): SpawnError {
  const code = (error as { code?: unknown }).code;
  if (code === "ENOENT" && cwd !== undefined && !directoryExists(cwd)) {
    return new SpawnError(`couldn't chdir to ${cwd}: ENOENT`, "ENOENT", { cause: error });
  }
  if (code === "ENOENT") {
    // As a shell words it: a path that does not exist, or a name not on PATH.
    const reason = command.includes("/") ? "no such file or directory" : "command not found";
    return new SpawnError(`${command}: ${reason}`, "ENOENT", { cause: error });
  }
  if (code === "EACCES") {
    return new SpawnError(`${command}: permission denied (not executable)`, "EACCES", {
      cause: error,
    });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new SpawnError(`${command}: cannot execute: ${reason}`, String(code ?? "EUNKNOWN"), {
    cause: error,
  });
}

function directoryExists(path: string): boolean {
  try {
    return fs().statSync(path).isDirectory();
  } catch {
    return false;
  }
}
