// What tend counts of itself for /metrics, beside what each process's slot
// counts: orphans reaped, signals passed on, config files read again.

import type { CheckCounts } from "../control/metrics.ts";

export class TendCounters {
  orphansReaped = 0;
  /** Per signal name (`SIGUSR1`). */
  readonly signalsForwarded = new Map<string, number>();
  /** SIGHUP, update, reread and reload: whether the config could be read. */
  readonly configReloads: CheckCounts = { success: 0, failure: 0 };

  signalForwarded(name: string): void {
    this.signalsForwarded.set(name, (this.signalsForwarded.get(name) ?? 0) + 1);
  }

  configRead(ok: boolean): void {
    this.configReloads[ok ? "success" : "failure"]++;
  }
}
