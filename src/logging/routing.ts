// Where a `*_logfile` value sends a stream's lines: the default (tend's
// stdout with a prefix, JSON or raw), nowhere, a descriptor, a rotated file,
// or a FIFO/device written like stdout. Each stream also gets what `tail`
// reads: its file, or a ring of its last bytes.

import type { ProcessConfig } from "../config/model.ts";
import type { FdWriter } from "../os/fd-writer.ts";
import { fs } from "../os/fs.ts";
import { type LogReader, RingLog } from "./log-reader.ts";
import type { Outputs } from "./outputs.ts";
import type { RotatingFile } from "./rotating-file.ts";
import { DISCARD, FileSink, JsonSink, PrefixSink, RawSink, type Sink } from "./sinks.ts";

export type Destination =
  | { readonly kind: "auto" }
  | { readonly kind: "none" }
  | { readonly kind: "fd"; readonly fd: number }
  | { readonly kind: "path"; readonly path: string };

/** What a `*_logfile` value names. */
export function destinationOf(logfile: string): Destination {
  if (logfile === "AUTO") return { kind: "auto" };
  if (logfile === "NONE") return { kind: "none" };
  if (logfile === "/dev/stdout") return { kind: "fd", fd: 1 };
  if (logfile === "/dev/stderr") return { kind: "fd", fd: 2 };
  const fd = /^\/dev\/fd\/(\d+)$/.exec(logfile);
  if (fd) return { kind: "fd", fd: Number(fd[1]) };
  return { kind: "path", path: logfile };
}

export interface RoutingOptions {
  readonly format: "text" | "json";
  /** `name | ` before each line on tend's stdout (log_prefix). */
  readonly prefix: boolean;
  /** Colour the prefixes (stdout is a terminal and NO_COLOR is not set). */
  readonly color: boolean;
  /** The longest label of all programs, to align the prefixes. */
  readonly labelWidth: number;
}

/** One stream of one program: where its lines go and what tail reads. */
export interface StreamLog {
  readonly sink: Sink;
  /** The log file, or the ring when there is none. */
  readonly reader: LogReader;
  readonly ring: RingLog | undefined;
  /** The fd writer the sink waits for, when its pace is not tend's. */
  readonly writer: FdWriter | undefined;
  /** What this stream holds open, given back when the process leaves. */
  readonly holds: RotatingFile | FdWriter | undefined;
  /**
   * The sink takes bytes exactly as written (a log file), so an unfinished
   * line may reach it before its end; a shared descriptor gets whole lines.
   */
  readonly exact: boolean;
  /**
   * Sees every chunk as read, before it is cut into lines, and returns what
   * goes on to the lines (the runtime's events and debug log hook in here).
   * `pid` is the process whose pipe it came from: after a restart, what an
   * earlier process (or one it left behind) still writes is read too.
   */
  observe?: (chunk: Uint8Array, pid: number) => Uint8Array;
  /** Bytes read from the program's pipe so far, across its restarts (for /metrics). */
  readonly received: { bytes: number };
}

/** A stream as made, before its byte count is attached. */
type Uncounted = Omit<StreamLog, "received">;

function counted(stream: Uncounted): StreamLog {
  return { ...stream, received: { bytes: 0 } };
}

export interface ProcessLogs {
  readonly stdout: StreamLog;
  /** undefined with redirect_stderr: stderr goes to stdout's log. */
  readonly stderr: StreamLog | undefined;
}

const PALETTE = [36, 32, 33, 35, 34, 31, 96, 92, 93, 95, 94, 91];

export class LogRouting {
  private colorIndex = 0;

  constructor(
    private readonly outputs: Outputs,
    private readonly options: RoutingOptions,
  ) {}

  /**
   * The sinks and tail readers of one process, kept across its restarts. An
   * event listener's stdout speaks the protocol: it goes to its log file when
   * it names one, never onto tend's stdout.
   */
  open(process: ProcessConfig, label: string, listener = false): ProcessLogs {
    const color = this.options.color ? PALETTE[this.colorIndex++ % PALETTE.length] : undefined;
    const stdout = listener
      ? this.listenerStream(process)
      : this.stream(process, label, "stdout", color);
    return {
      stdout: counted(stdout),
      stderr: process.redirect_stderr
        ? undefined
        : counted(this.stream(process, label, "stderr", color)),
    };
  }

  /** The process has left: what its logs held open is given back. */
  close(logs: ProcessLogs): void {
    for (const stream of [logs.stdout, logs.stderr]) {
      if (stream?.holds) this.outputs.release(stream.holds);
    }
  }

  private listenerStream(process: ProcessConfig): Uncounted {
    const destination = destinationOf(process.stdout_logfile);
    if (destination.kind === "path") return this.stream(process, "", "stdout", undefined);
    const ring = new RingLog(process.stdout_tail_bytes);
    return { sink: DISCARD, reader: ring, ring, writer: undefined, holds: undefined, exact: true };
  }

  private stream(
    process: ProcessConfig,
    label: string,
    stream: "stdout" | "stderr",
    color: number | undefined,
  ): Uncounted {
    const logfile = stream === "stdout" ? process.stdout_logfile : process.stderr_logfile;
    const destination = destinationOf(logfile);
    const ringBytes = stream === "stdout" ? process.stdout_tail_bytes : process.stderr_tail_bytes;
    if (destination.kind === "path") {
      const maxBytes =
        stream === "stdout" ? process.stdout_logfile_maxbytes : process.stderr_logfile_maxbytes;
      const backups =
        stream === "stdout" ? process.stdout_logfile_backups : process.stderr_logfile_backups;
      return this.pathStream(destination.path, maxBytes, backups, ringBytes);
    }
    const ring = new RingLog(ringBytes);
    if (destination.kind === "none")
      return {
        sink: DISCARD,
        reader: ring,
        ring,
        writer: undefined,
        holds: undefined,
        exact: true,
      };
    if (destination.kind === "fd") {
      const writer = this.outputs.writer(destination.fd);
      return {
        sink: new RawSink(writer),
        reader: ring,
        ring,
        writer,
        holds: undefined,
        exact: false,
      };
    }
    const writer = this.outputs.writer(stream === "stdout" ? 1 : 2);
    const sink = this.autoSink(writer, label, stream, color);
    return { sink, reader: ring, ring, writer, holds: undefined, exact: false };
  }

  /**
   * A path: a regular file (or one to be created) is a rotated log file; an
   * existing FIFO, terminal or device is written like tend's stdout, never
   * rotated.
   */
  private pathStream(
    path: string,
    maxBytes: number,
    backups: number,
    ringBytes: number,
  ): Uncounted {
    let stat: ReturnType<ReturnType<typeof fs>["statSync"]> | undefined;
    try {
      stat = fs().statSync(path);
    } catch {
      // Not there yet (or unreadable): a log file, which reports its own trouble.
    }
    if (stat === undefined || stat.isFile()) {
      const file = this.outputs.file(path, maxBytes, backups);
      return {
        sink: new FileSink(file),
        reader: file,
        ring: undefined,
        writer: undefined,
        holds: file,
        exact: true,
      };
    }
    const ring = new RingLog(ringBytes);
    const writer = this.outputs.deviceWriter(path, {
      dev: Number(stat.dev),
      ino: Number(stat.ino),
      rdev: Number(stat.rdev),
    });
    if (writer === undefined)
      return {
        sink: DISCARD,
        reader: ring,
        ring,
        writer: undefined,
        holds: undefined,
        exact: true,
      };
    return { sink: new RawSink(writer), reader: ring, ring, writer, holds: writer, exact: false };
  }

  /** The default sink: tend's stdout or stderr, prefixed, JSON or raw. */
  private autoSink(
    writer: FdWriter,
    label: string,
    stream: "stdout" | "stderr",
    color: number | undefined,
  ): Sink {
    if (this.options.format === "json") return new JsonSink(writer, label, stream);
    if (!this.options.prefix) return new RawSink(writer);
    const padded = label.padEnd(this.options.labelWidth);
    const prefix = color === undefined ? `${padded} | ` : `\x1b[${color}m${padded} |\x1b[0m `;
    return new PrefixSink(writer, Buffer.from(prefix, "utf8"));
  }
}
