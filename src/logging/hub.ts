// Every log tend writes, behind one object: the shared outputs (writers and
// files), the routing of each program's streams to their sinks, the capture
// of their pipes, tend's own log, and the moments that touch them all:
// SIGUSR2 reopen, and the flush before exit.

import { Capture, type SpawnPipes } from "./capture.ts";
import { type LogReader, RingLog } from "./log-reader.ts";
import { Outputs, type Report } from "./outputs.ts";
import { destinationOf, LogRouting, type ProcessLogs, type RoutingOptions } from "./routing.ts";

export type { SpawnPipes } from "./capture.ts";
export type { ProcessLogs, StreamLog } from "./routing.ts";

/** The tail ring of tend's own log when it has no file. */
const MAIN_RING_BYTES = 64 * 1024;

export interface HubOptions extends RoutingOptions {
  /** `[supervisord] strip_ansi`: escape sequences removed before any sink. */
  readonly stripAnsi?: boolean;
}

/** A writer that takes lines: an fd writer or a log file. */
export interface Target {
  write(bytes: Uint8Array): void;
}

export class LogHub {
  /** Where trouble with a log goes (tend's own log, once it exists). */
  report: Report = () => {};
  readonly outputs = new Outputs(() => this.report);
  private readonly routing: LogRouting;
  private readonly capture: Capture;

  constructor(options: HubOptions) {
    this.routing = new LogRouting(this.outputs, options);
    this.capture = new Capture(options.stripAnsi === true, () => this.report);
  }

  /**
   * tend's own log: where its lines go and what maintail reads. tend is
   * always in the foreground, so, as a foreground supervisord, it also
   * writes its log to stdout when the log goes elsewhere, unless `silent`.
   */
  mainLog(
    logfile: string,
    maxBytes: number,
    backups: number,
    silent = false,
  ): { target: Target; reader: LogReader } {
    const destination = destinationOf(logfile);
    // AUTO and NONE mean stdout too.
    const fd = destination.kind === "fd" ? destination.fd : 1;
    const onStdout = destination.kind !== "path" && fd === 1;
    const echo = silent || onStdout ? undefined : this.outputs.writer(1);
    if (destination.kind === "path") {
      const file = this.outputs.file(destination.path, maxBytes, backups);
      if (!echo) return { target: file, reader: file };
      return { target: both(file, echo), reader: file };
    }
    const writer = this.outputs.writer(fd);
    const ring = new RingLog(MAIN_RING_BYTES);
    const target: Target = {
      write: (bytes) => {
        ring.write(bytes);
        writer.write(bytes);
      },
    };
    return { target: echo ? both(target, echo) : target, reader: ring };
  }

  /** The sinks and tail readers of one process, kept across its restarts. */
  processLogs(
    process: Parameters<LogRouting["open"]>[0],
    label: string,
    listener = false,
  ): ProcessLogs {
    return this.routing.open(process, label, listener);
  }

  /** The process has left tend: its files and FIFOs close once nobody else uses them. */
  releaseLogs(logs: ProcessLogs): void {
    // Whoever follows them (a dashboard's log view) hears that they end.
    for (const stream of [logs.stdout, logs.stderr])
      stream?.reader.followers.tell({ kind: "ended" });
    this.routing.close(logs);
  }

  /** Pipes for one spawn of a process whose logs are `logs`. */
  pipes(label: string, logs: ProcessLogs): SpawnPipes {
    return this.capture.pipes(label, logs);
  }

  /** SIGUSR2: every log file is closed and opened again at its path. */
  reopen(): void {
    this.outputs.reopen();
  }

  /**
   * Before exit: waits (up to `ms`) for the programs' last lines to be read
   * and for every writer to empty.
   */
  async drain(ms: number): Promise<void> {
    const deadline = Bun.sleep(ms);
    await Promise.race([this.capture.whenDone(), deadline]);
    await Promise.race([this.outputs.whenWritten(), deadline]);
  }

  /** The very last moment (any exit path): blocking writes of what is left, then tidy up. */
  close(): void {
    this.outputs.close();
  }
}

function both(first: Target, second: Target): Target {
  return {
    write: (bytes) => {
      first.write(bytes);
      second.write(bytes);
    },
  };
}
