// The one owner of waiting for processes tend did not spawn. Bun's spawner
// waits for its own children; calling waitpid(-1) beside it would steal their
// exit status (Bun then reports ECHILD and a null code). So the registry of
// pids tend spawned and the reaper of everything else live together here.

import { decodeWaitStatus, type ExitStatus } from "../core/exit-codes.ts";
import { fs } from "./fs.ts";
import { becomeChildSubreaper, reapIfExited } from "./libc.ts";

/** Pids whose exit Bun's spawner reports: the reaper must never touch them. */
const spawned = new Set<number>();

export function trackSpawned(pid: number): void {
  spawned.add(pid);
}

/** Called once the spawner has reported the exit (Bun has reaped the pid). */
export function untrackSpawned(pid: number): void {
  spawned.delete(pid);
}

/**
 * Direct children of a process (tend itself by default), zombies included,
 * from every thread's `children` list: the kernel re-parents an orphan to
 * any live thread of the reaper, not always the main one.
 */
export function childrenOf(pid: number | "self" = "self"): number[] {
  const pids: number[] = [];
  let tasks: string[];
  try {
    tasks = fs().readdirSync(`/proc/${pid}/task`);
  } catch {
    return pids; // the process is gone
  }
  for (const task of tasks) {
    let text: string;
    try {
      text = fs().readFileSync(`/proc/${pid}/task/${task}/children`, "latin1");
    } catch {
      continue; // the thread ended while we looked
    }
    for (const field of text.split(" ")) {
      if (field !== "") pids.push(Number(field));
    }
  }
  return pids;
}

export interface ReapedOrphan {
  readonly pid: number;
  /** Undefined for the odd status that is not an end (stopped, continued). */
  readonly status: ExitStatus | undefined;
}

/**
 * Reaps every exited child that tend did not spawn. Safe to call at any time
 * (a pid still running is left alone by WNOHANG); meant to run on SIGCHLD.
 */
export function reapOrphans(): ReapedOrphan[] {
  const reaped: ReapedOrphan[] = [];
  for (const pid of childrenOf()) {
    if (spawned.has(pid)) continue;
    const rawStatus = reapIfExited(pid);
    if (rawStatus !== undefined) reaped.push({ pid, status: decodeWaitStatus(rawStatus) });
  }
  return reaped;
}

/**
 * Outside a PID namespace, makes tend the reaper of its descendants'
 * orphans, as PID 1 is by nature. Returns why that failed, if it did.
 */
export function adoptOrphans(): string | undefined {
  if (process.pid === 1) return undefined;
  try {
    becomeChildSubreaper();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
