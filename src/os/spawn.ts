// Starting child processes through Bun's spawner, registered with the reaper
// so their exit status stays Bun's to report. Turns the runtime's exit report
// and spawn errors into tend's own types.

import type { ExitStatus } from "../core/exit-codes.ts";
import { parseSignal } from "../core/signals.ts";
import { trackSpawned, untrackSpawned } from "./reaper.ts";

export interface SpawnRequest {
  readonly argv: readonly string[];
  /** setsid(): the child leads a new session and process group. */
  readonly newSession: boolean;
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
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

export function spawnChild(request: SpawnRequest): SpawnedChild {
  let child: Bun.Subprocess<"inherit", "inherit", "inherit">;
  try {
    child = Bun.spawn([...request.argv], {
      stdio: ["inherit", "inherit", "inherit"],
      detached: request.newSession,
      env: request.env ?? process.env,
      ...(request.cwd === undefined ? {} : { cwd: request.cwd }),
    });
  } catch (error) {
    throw toSpawnError(request.argv[0] ?? "", error);
  }
  const pid = child.pid;
  trackSpawned(pid);
  const exited = child.exited.then(() => {
    untrackSpawned(pid);
    return exitStatusOf(child);
  });
  return { pid, exited };
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

function toSpawnError(command: string, error: unknown): SpawnError {
  const code = (error as { code?: unknown }).code;
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
