// What /metrics says: the series the supervisord exporters publish (so their
// dashboards work unchanged), tend's own (restarts, readiness, backoff,
// checks, orphans, forwarded signals, log bytes, reloads, build info) and
// the standard process_* series of tend itself. Made from a snapshot at
// scrape time; nothing is kept between scrapes.

import type { ProcessUsage } from "../core/process-usage.ts";
import { ProcessState } from "../core/states.ts";
import { encodeFamilies, type Family, labelPairs, type Sample } from "./prometheus.ts";
import { oneShotsAmong, readinessOf } from "./readiness.ts";
import type { ControlledProcess } from "./supervisor.ts";

/** Results of one kind of check so far. */
export interface CheckCounts {
  success: number;
  failure: number;
}

/** What tend counted of one process, besides its status. */
export interface ProcessCounts {
  readonly checks: { readonly ready: CheckCounts; readonly live: CheckCounts };
  /** Bytes read from its pipes; stderr undefined with redirect_stderr. */
  readonly logBytes: { readonly stdout: number; readonly stderr: number | undefined };
}

export interface MetricsSnapshot {
  /** Milliseconds since the epoch. */
  readonly now: number;
  readonly processes: readonly {
    readonly process: ControlledProcess;
    readonly counts: ProcessCounts;
  }[];
  readonly orphansReaped: number;
  /** Per signal name (`SIGUSR1`): signals tend passed on to its programs. */
  readonly signalsForwarded: ReadonlyMap<string, number>;
  readonly configReloads: CheckCounts;
  readonly version: string;
  readonly self: ProcessUsage;
}

/** supervisord's states in which the exporters count a process as up. */
const UP_STATES = new Set(["STARTING", "RUNNING", "STOPPING"]);

export function metricsText(snapshot: MetricsSnapshot): string {
  const labels = new Map<ControlledProcess, string>();
  const labelsOfProcess = (process: ControlledProcess) => labelsOf(process, labels);
  return encodeFamilies([
    ...supervisordFamilies(snapshot, labelsOfProcess),
    ...processFamilies(snapshot, labelsOfProcess),
    ...tendFamilies(snapshot),
    ...selfFamilies(snapshot.self),
  ]);
}

/** `name="web",group="web"`, once per process per scrape. */
function labelsOf(process: ControlledProcess, cache: Map<ControlledProcess, string>): string {
  let text = cache.get(process);
  if (text === undefined) {
    text = labelPairs({ name: process.config.name, group: process.config.group });
    cache.set(process, text);
  }
  return text;
}

/** The supervisord exporters' four series, with their names and labels. */
type LabelsOf = (process: ControlledProcess) => string;

function supervisordFamilies(snapshot: MetricsSnapshot, labelsOf: LabelsOf): Family[] {
  const processes = snapshot.processes.map((entry) => entry.process);
  const each = (value: (process: ControlledProcess) => number | undefined): Sample[] =>
    processes.flatMap((process) => {
      const v = value(process);
      return v === undefined ? [] : [{ labels: labelsOf(process), value: v }];
    });
  const up = (process: ControlledProcess) => UP_STATES.has(process.status.state);
  return [
    {
      name: "node_supervisord_up",
      help: "Whether the process is up: 1 in STARTING, RUNNING and STOPPING, else 0.",
      type: "gauge",
      samples: each((p) => (up(p) ? 1 : 0)),
    },
    {
      name: "node_supervisord_state",
      help: "The process's state as supervisord's code (0 STOPPED, 10 STARTING, 20 RUNNING, 30 BACKOFF, 40 STOPPING, 100 EXITED, 200 FATAL).",
      type: "gauge",
      samples: each((p) => ProcessState[p.status.state]),
    },
    {
      name: "node_supervisord_exit_status",
      help: "The exit status of the process's last run, as supervisord reports it.",
      type: "gauge",
      samples: each((p) => p.status.exitstatus ?? 0),
    },
    {
      name: "node_supervisord_start_time_seconds",
      help: "When the running process was started, in seconds since the epoch (only while it is up).",
      type: "gauge",
      samples: each((p) => (up(p) ? Math.floor(p.status.laststart / 1000) : undefined)),
    },
  ];
}

/** tend's own per-process series. */
function processFamilies(snapshot: MetricsSnapshot, labelsOf: LabelsOf): Family[] {
  const { processes, now } = snapshot;
  const oneShots = oneShotsAmong(processes.map((entry) => entry.process));
  const samples = (
    value: (entry: MetricsSnapshot["processes"][number]) => readonly Sample[],
  ): Sample[] => processes.flatMap(value);
  return [
    {
      name: "tend_process_restarts_total",
      help: "Starts tend made by itself (an autorestart, a retry after a failed start, a liveness restart).",
      type: "counter",
      samples: samples(({ process }) => [
        { labels: labelsOf(process), value: process.status.restarts },
      ]),
    },
    {
      name: "tend_process_ready",
      help: "Whether the process is ready (a one-shot: done), as /readyz judges it.",
      type: "gauge",
      samples: samples(({ process }) => [
        {
          labels: labelsOf(process),
          value: readinessOf(process, oneShots.get(process)).ready ? 1 : 0,
        },
      ]),
    },
    {
      name: "tend_process_backoff_seconds",
      help: "Seconds until the next try of a process in BACKOFF; 0 otherwise.",
      type: "gauge",
      samples: samples(({ process }) => [
        {
          labels: labelsOf(process),
          value:
            process.status.state === "BACKOFF"
              ? Math.max(0, (process.status.delay - now) / 1000)
              : 0,
        },
      ]),
    },
    {
      name: "tend_check_total",
      help: "Results of the ready and live checks, by check and result.",
      type: "counter",
      samples: samples(({ process, counts }) =>
        (["ready", "live"] as const).flatMap((check) =>
          (["success", "failure"] as const).map((result) => ({
            labels: `${labelsOf(process)},check="${check}",result="${result}"`,
            value: counts.checks[check][result],
          })),
        ),
      ),
    },
    {
      name: "tend_log_bytes_total",
      help: "Bytes read from the process's stdout and stderr.",
      type: "counter",
      samples: samples(({ process, counts }) => [
        { labels: `${labelsOf(process)},stream="stdout"`, value: counts.logBytes.stdout },
        ...(counts.logBytes.stderr === undefined
          ? []
          : [
              {
                labels: `${labelsOf(process)},stream="stderr"`,
                value: counts.logBytes.stderr,
              },
            ]),
      ]),
    },
  ];
}

/** tend's own series about itself. */
function tendFamilies(snapshot: MetricsSnapshot): Family[] {
  return [
    {
      name: "tend_orphans_reaped_total",
      help: "Exited processes tend reaped that it had not started (orphans re-parented to it).",
      type: "counter",
      samples: [{ value: snapshot.orphansReaped }],
    },
    {
      name: "tend_signals_forwarded_total",
      help: "Signals tend received and passed on to its running programs, by signal.",
      type: "counter",
      samples: [...snapshot.signalsForwarded].map(([signal, value]) => ({
        labels: labelPairs({ signal }),
        value,
      })),
    },
    {
      name: "tend_config_reloads_total",
      help: "Times the config files were read again (SIGHUP, update, reread, reload), by result.",
      type: "counter",
      samples: (["success", "failure"] as const).map((result) => ({
        labels: labelPairs({ result }),
        value: snapshot.configReloads[result],
      })),
    },
    {
      name: "tend_build_info",
      help: "tend's version, as a label; the value is always 1.",
      type: "gauge",
      samples: [{ labels: labelPairs({ version: snapshot.version }), value: 1 }],
    },
  ];
}

/** The standard process_* series of the Prometheus client libraries. */
function selfFamilies(self: ProcessUsage): Family[] {
  const one = (
    name: string,
    help: string,
    type: "counter" | "gauge",
    value: number | undefined,
  ): Family[] => (value === undefined ? [] : [{ name, help, type, samples: [{ value }] }]);
  return [
    ...one(
      "process_cpu_seconds_total",
      "Total user and system CPU time spent in seconds.",
      "counter",
      self.cpuSeconds,
    ),
    ...one(
      "process_resident_memory_bytes",
      "Resident memory size in bytes.",
      "gauge",
      self.residentBytes,
    ),
    ...one(
      "process_virtual_memory_bytes",
      "Virtual memory size in bytes.",
      "gauge",
      self.virtualBytes,
    ),
    ...one(
      "process_start_time_seconds",
      "Start time of the process since unix epoch in seconds.",
      "gauge",
      self.startTimeSeconds,
    ),
    ...one("process_open_fds", "Number of open file descriptors.", "gauge", self.openFds),
    ...one("process_max_fds", "Maximum number of open file descriptors.", "gauge", self.maxFds),
  ];
}
