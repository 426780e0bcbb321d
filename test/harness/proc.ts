// Observing processes from outside, through /proc: children, states,
// identities, memory, descriptors. Every read tolerates a process that has
// just gone.

import { readdirSync, readFileSync } from "node:fs";

/** A file of /proc/PID, or "" once the process is gone. */
export function readProc(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "latin1");
  } catch {
    return "";
  }
}

/** Direct children of `pid` (outer pids), from the lists of all its threads. */
export function childrenOf(pid: number): number[] {
  const pids: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return pids;
  }
  for (const task of tasks) {
    const text = readProc(pid, `task/${task}/children`);
    for (const field of text.split(" ")) if (field.trim() !== "") pids.push(Number(field));
  }
  return pids;
}

/** Every descendant of `pid` (outer pids), children before grandchildren. */
export function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of childrenOf(next)) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** The one-letter state of a process (R, S, Z...), or undefined once it is gone. */
export function stateOf(pid: number): string | undefined {
  const stat = readProc(pid, "stat");
  if (stat === "") return undefined;
  const end = stat.lastIndexOf(")");
  return stat.slice(end + 2, end + 3);
}

export function isAlive(pid: number): boolean {
  const state = stateOf(pid);
  return state !== undefined && state !== "Z";
}

/**
 * Whether `pid` (its main thread) sleeps in poll, select or epoll: it has
 * dealt with everything it was given and waits for more.
 */
export function waitingForInput(pid: number): boolean {
  return stateOf(pid) === "S" && /poll|select/.test(readProc(pid, "wchan"));
}

export function zombieChildrenOf(pid: number): number[] {
  return childrenOf(pid).filter((child) => stateOf(child) === "Z");
}

export function parentOf(pid: number): number | undefined {
  const stat = readProc(pid, "stat");
  if (stat === "") return undefined;
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/** The command line, words joined by spaces. */
export function cmdlineOf(pid: number): string {
  return readProc(pid, "cmdline").split("\0").filter(Boolean).join(" ");
}

/** A field of /proc/PID/status, as written there (without its name); throws when missing. */
export function procStatus(pid: number, field: string): string {
  const line = readProc(pid, "status")
    .split("\n")
    .find((l) => l.startsWith(`${field}:`));
  if (line === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
  return line.slice(field.length + 1).trim();
}

/** The pid of `pid` in the innermost pid namespace it belongs to. */
export function innerPidOf(pid: number): number | undefined {
  try {
    return Number(procStatus(pid, "NSpid").split(/\s+/).at(-1));
  } catch {
    return undefined;
  }
}

/** Resident memory in KiB. */
export function rssKiB(pid: number): number {
  return Number(procStatus(pid, "VmRSS").replace(/ kB$/, ""));
}

/**
 * Anonymous resident memory in KiB (RssAnon): what the process allocated
 * itself, where a leak or a buffer shows. The pages of tend's executable
 * count in VmRSS but come and go: tend drops them once it has settled and
 * they come back as its code runs.
 */
export function anonKiB(pid: number): number {
  return Number(procStatus(pid, "RssAnon").replace(/ kB$/, ""));
}

/** Peak resident memory in KiB (VmHWM): what the process held at its worst. */
export function hwmKiB(pid: number): number {
  return Number(procStatus(pid, "VmHWM").replace(/ kB$/, ""));
}

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export interface Memory {
  readonly rssMiB: number;
  readonly anonMiB: number;
  /** File-backed: mostly the executable. */
  readonly fileMiB: number;
  readonly threads: number;
}

/** Resident memory (MiB) and threads of `pid`, from one read of /proc/PID/status. */
export function memoryOf(pid: number): Memory {
  const status = readProc(pid, "status");
  const mib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    if (!match?.[1]) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]) / 1024;
  };
  return {
    rssMiB: mib("VmRSS"),
    anonMiB: mib("RssAnon"),
    fileMiB: mib("RssFile"),
    threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN),
  };
}

export function killQuietly(pid: number, signal: NodeJS.Signals | number = "SIGKILL"): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Every process whose environment holds `name=value` (pids, from a scan of /proc). */
export function processesWithEnv(name: string, value: string): number[] {
  const wanted = `${name}=${value}`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    if (readProc(pid, "environ").split("\0").includes(wanted)) found.push(pid);
  }
  return found;
}
