// A process's resource use as Prometheus' process_* series report it: what
// os/self-usage.ts reads of tend and /metrics writes out.

export interface ProcessUsage {
  readonly cpuSeconds: number;
  readonly residentBytes: number;
  readonly virtualBytes: number;
  /** Seconds since the epoch. */
  readonly startTimeSeconds: number;
  readonly openFds: number | undefined;
  readonly maxFds: number | undefined;
}
