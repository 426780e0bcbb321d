// What a running supervisor costs, read from /proc while it runs: its CPU
// (utime+stime, and the schedstat of each thread), its context switches per
// thread (each one a wake-up) and its resident memory over a window in which
// nothing is asked of it. Shared by bench/health.ts and bench/ui.ts.

import { readdirSync } from "node:fs";
import { spawnSync } from "bun";
import { type Memory, memoryOf, readProc, threadTimes } from "./harness.ts";

/** Clock ticks per second of utime and stime in /proc/PID/stat. */
export const CLK_TCK = Number(spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

/** utime+stime of the whole process (every thread, ended ones included), ms; 10 ms ticks. */
export function cpuTicksMs(pid: number): number {
  const stat = readProc(pid, "stat");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of stat(5), counted from the state (field 3).
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`/proc/${pid}/stat`);
  return ((utime + stime) * 1000) / CLK_TCK;
}

/**
 * A per-thread counter summed over the process's threads between start and
 * read; a thread that ends keeps its last reading (poll often enough).
 */
export class ThreadCounter {
  private readonly start: Map<string, number>;
  private readonly last: Map<string, number>;

  constructor(private readonly sample: () => Map<string, number>) {
    this.start = sample();
    this.last = new Map(this.start);
  }

  poll(): void {
    for (const [tid, value] of this.sample()) this.last.set(tid, value);
  }

  /** The change since the start of each thread seen. */
  perThread(): Map<string, number> {
    this.poll();
    const changes = new Map<string, number>();
    for (const [tid, value] of this.last) changes.set(tid, value - (this.start.get(tid) ?? 0));
    return changes;
  }

  /** The sum since the start, over every thread seen. */
  total(): number {
    let sum = 0;
    for (const change of this.perThread().values()) sum += change;
    return sum;
  }
}

/**
 * Context switches of each current thread: voluntary and involuntary, or
 * with `voluntaryOnly` the voluntary ones alone (the thread slept and was
 * woken: a wake-up).
 */
export function threadSwitches(pid: number, voluntaryOnly = false): Map<string, number> {
  const counts = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return counts;
  }
  for (const tid of tids) {
    let total = 0;
    let found = false;
    for (const line of readProc(pid, `task/${tid}/status`).split("\n")) {
      const match = (
        voluntaryOnly
          ? /^voluntary_ctxt_switches:\s+(\d+)/
          : /^(?:non)?voluntary_ctxt_switches:\s+(\d+)/
      ).exec(line);
      if (match) {
        total += Number(match[1]);
        found = true;
      }
    }
    if (found) counts.set(tid, total);
  }
  return counts;
}

// ---------------------------------------------------------------- idle windows

export interface IdleCost {
  readonly pid: number;
  readonly switches: number;
  readonly mainSwitches: number;
  /** Context switches by thread name (JSC's HeapHelper, mimalloc's mi-scavenger, ...), the main thread as "main". */
  readonly byThread: ReadonlyMap<string, number>;
  readonly cpuMs: number;
  readonly rssStart: Memory;
  readonly rssEnd: Memory;
  readonly threads: number;
  /** Every thread seen in the window, those that ended included. */
  readonly threadsSeen: number;
}

export interface WindowOptions {
  /** How often the threads are read (a thread that lives shorter is missed). */
  readonly pollMs?: number;
  /** Count voluntary context switches only (wake-ups), not the involuntary ones. */
  readonly voluntaryOnly?: boolean;
}

/** Watches every pid over the same window: context switches, schedstat CPU, VmRSS. */
export async function idleWindow(
  pids: readonly number[],
  windowMs: number,
  options: WindowOptions = {},
): Promise<IdleCost[]> {
  const pollMs = options.pollMs ?? 50;
  const watched = pids.map((pid) => ({
    pid,
    rssStart: memoryOf(pid),
    switches: new ThreadCounter(() => threadSwitches(pid, options.voluntaryOnly)),
    cpu: new ThreadCounter(() => threadTimes(pid)),
    names: new Map<string, string>(),
  }));
  const name = (pid: number, names: Map<string, string>) => {
    for (const tid of threadTimes(pid).keys())
      if (!names.has(tid))
        names.set(tid, tid === String(pid) ? "main" : readProc(pid, `task/${tid}/comm`).trim());
  };
  for (const w of watched) name(w.pid, w.names);
  const end = performance.now() + windowMs;
  while (performance.now() < end) {
    await Bun.sleep(Math.min(pollMs, Math.max(0, end - performance.now())));
    for (const w of watched) {
      w.switches.poll();
      w.cpu.poll();
      name(w.pid, w.names);
    }
  }
  return watched.map((w) => {
    const rssEnd = memoryOf(w.pid);
    const perThread = w.switches.perThread();
    const byThread = new Map<string, number>();
    for (const [tid, change] of perThread) {
      const thread = w.names.get(tid) || "?";
      byThread.set(thread, (byThread.get(thread) ?? 0) + change);
    }
    return {
      pid: w.pid,
      switches: [...perThread.values()].reduce((a, b) => a + b, 0),
      mainSwitches: perThread.get(String(w.pid)) ?? Number.NaN,
      byThread,
      cpuMs: w.cpu.total() / 1e6,
      rssStart: w.rssStart,
      rssEnd,
      threads: rssEnd.threads,
      threadsSeen: perThread.size,
    };
  });
}
