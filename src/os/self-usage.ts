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
  let residentBytes = 0;
  let virtualBytes = 0;
  try {
    const [size = 0, resident = 0] = fs()
      .readFileSync("/proc/self/statm", "latin1")
      .split(" ")
      .map(Number);
    residentBytes = resident * PAGE_BYTES;
    virtualBytes = size * PAGE_BYTES;
  } catch {
    residentBytes = process.memoryUsage.rss();
  }
  return {
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    residentBytes,
    virtualBytes,
    startTimeSeconds: Math.round(STARTED_SECONDS * 1000) / 1000,
    openFds: openDescriptorCount(),
    maxFds: openFileLimit(),
  };
}
