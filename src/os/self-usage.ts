// tend's own resource use, as Prometheus' process_* series report a
// process: CPU time, resident and virtual memory (/proc/self/statm), start
// time, descriptors. Read when asked (a scrape), nothing sampled in between.

import type { ProcessUsage } from "../core/process-usage.ts";
import { openDescriptorCount, openFileLimit } from "./descriptors.ts";
import { fs } from "./fs.ts";

/** Linux's page size on the architectures tend ships for. */
const PAGE_BYTES = 4096;
/** When this process began, in seconds since the epoch (fixed at load, which is tend's start). */
const STARTED_SECONDS = Date.now() / 1000 - process.uptime();

export function selfUsage(): ProcessUsage {
  const cpu = process.cpuUsage();
  const pages = statm();
  return {
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    residentBytes: pages?.resident ?? process.memoryUsage.rss(),
    virtualBytes: pages?.size ?? 0,
    startTimeSeconds: Math.round(STARTED_SECONDS * 1000) / 1000,
    openFds: openDescriptorCount(),
    maxFds: openFileLimit(),
  };
}

/** The file-backed (and shared) part of tend's resident memory, bytes; 0 if unreadable. */
export function residentFileBytes(): number {
  return statm()?.shared ?? 0;
}

/** /proc/self/statm in bytes: the whole size, what is resident, and its file-backed part. */
function statm(): { size: number; resident: number; shared: number } | undefined {
  try {
    const [size = 0, resident = 0, shared = 0] = fs()
      .readFileSync("/proc/self/statm", "latin1")
      .split(" ")
      .map((pages) => Number(pages) * PAGE_BYTES);
    return { size, resident, shared };
  } catch {
    return undefined;
  }
}
