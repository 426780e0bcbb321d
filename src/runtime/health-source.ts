// What the health endpoints read of run mode: its processes, whether it is
// stopping, and the snapshot /metrics is made from, taken at each request.

import type { HealthSource } from "../control/health.ts";
import { metricsText } from "../control/metrics.ts";
import { selfUsage } from "../os/self-usage.ts";
import type { RunMode } from "./run-mode.ts";

export function healthSourceOf(run: RunMode, version: string): HealthSource {
  const processes = () => run.engine.slots;
  return {
    processes,
    stopping: () => run.stopping,
    metrics: () =>
      metricsText({
        now: Date.now(),
        processes: processes().map((slot) => ({
          process: slot,
          counts: {
            checks: slot.checkResults,
            logBytes: {
              stdout: slot.logs.stdout.received.bytes,
              stderr: slot.logs.stderr?.received.bytes,
            },
          },
        })),
        orphansReaped: run.counters.orphansReaped,
        signalsForwarded: run.counters.signalsForwarded,
        configReloads: run.counters.configReloads,
        version,
        self: selfUsage(),
      }),
  };
}
