// Every log tend writes, in one place: the writers for its own descriptors
// (one per open file, so stdout and stderr on one pipe share one queue and
// lines stay whole), the log files (one per path, whoever writes to it), each
// program's capture (pipes → lines → sink, plus a ring for tail), and the
// moments that touch them all: SIGUSR2 reopen, and the flush before exit.

import type { ProcessConfig } from "../config/model.ts";
import { FdWriter, fileIdentity } from "../os/fd-writer.ts";
import { closeQuietly, fs } from "../os/fs.ts";
import { makePipe, setPipeSize } from "../os/libc.ts";
import { LineSplitter } from "./lines.ts";
import { type LogReader, RingLog } from "./log-reader.ts";
import { RotatingFile } from "./rotating-file.ts";
import { DISCARD, FileSink, JsonSink, PrefixSink, RawSink, type Sink, stripAnsi } from "./sinks.ts";

/** A program writing fast hands over up to this much per wake-up of tend. */
const PIPE_BYTES = 1024 * 1024;
/** The tail ring of tend's own log when it has no file. */
const MAIN_RING_BYTES = 64 * 1024;

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

export interface HubOptions {
  readonly format: "text" | "json";
  /** `name | ` before each line on tend's stdout (log_prefix). */
  readonly prefix: boolean;
  /** Colour the prefixes (stdout is a terminal and NO_COLOR is not set). */
  readonly color: boolean;
  /** The longest label of all programs, to align the prefixes. */
  readonly labelWidth: number;
  /** `[supervisord] strip_ansi`: escape sequences removed before any sink. */
  readonly stripAnsi?: boolean;
}

/** A writer that takes lines: an fd writer or a log file. */
interface Target {
  write(bytes: Uint8Array): void;
}

/** One stream of one program: where its lines go and what tail reads. */
export interface StreamLog {
  readonly sink: Sink;
  /** The log file, or the ring when there is none. */
  readonly reader: LogReader;
  readonly ring: RingLog | undefined;
  /** The fd writer the sink waits for, when its pace is not tend's. */
  readonly writer: FdWriter | undefined;
}

export interface ProcessLogs {
  readonly stdout: StreamLog;
  /** undefined with redirect_stderr: stderr goes to stdout's log. */
  readonly stderr: StreamLog | undefined;
}

/** The pipes of one spawn: what the child gets, and what tend does after. */
export interface SpawnPipes {
  readonly stdout: number;
  readonly stderr: number;
  /** After a successful spawn: close the child's ends, start reading ours. */
  started(): void;
  /** After a failed spawn: close everything. */
  abandoned(): void;
}

const PALETTE = [36, 32, 33, 35, 34, 31, 96, 92, 93, 95, 94, 91];

export class LogHub {
  private readonly writers = new Map<string, FdWriter>();
  private readonly writersByFd = new Map<number, FdWriter>();
  private readonly files = new Map<string, RotatingFile>();
  private readonly captures = new Set<Promise<void>>();
  private colorIndex = 0;
  /** Where trouble with a log goes (tend's own log, once it exists). */
  report: (level: "error" | "info", message: string) => void = () => {};

  constructor(private readonly options: HubOptions) {}

  /** The writer for descriptor `fd`, shared with every fd on the same open file. */
  writer(fd: number): FdWriter {
    const known = this.writersByFd.get(fd);
    if (known) return known;
    const identity = fileIdentity(fd);
    const key = identity?.key ?? `fd:${fd}`;
    let writer = this.writers.get(key);
    if (!writer) {
      // A pipe to a log driver: 1 MiB of room, so the writer's retries while
      // the reader is behind are not held to 64 KiB each.
      if (identity?.fifo) setPipeSize(fd, PIPE_BYTES);
      writer = new FdWriter(fd, (error) =>
        this.report("error", `cannot write to file descriptor ${fd}: ${error.message}`),
      );
      this.writers.set(key, writer);
    }
    this.writersByFd.set(fd, writer);
    return writer;
  }

  /** The log file at `path`, shared by whoever logs there. */
  file(path: string, maxBytes: number, backups: number): RotatingFile {
    let file = this.files.get(path);
    if (!file) {
      file = new RotatingFile(path, maxBytes, backups, (problem) => {
        if (problem === undefined) this.report("info", `log file ${path} is writable again`);
        else this.report("error", problem);
      });
      this.files.set(path, file);
    }
    return file;
  }

  /** tend's own log: where its lines go and what maintail reads. */
  mainLog(
    logfile: string,
    maxBytes: number,
    backups: number,
  ): { target: Target; reader: LogReader } {
    const destination = destinationOf(logfile);
    if (destination.kind === "path") {
      const file = this.file(destination.path, maxBytes, backups);
      return { target: file, reader: file };
    }
    const writer = destination.kind === "fd" ? this.writer(destination.fd) : this.writer(1);
    const ring = new RingLog(MAIN_RING_BYTES);
    return {
      target: {
        write: (bytes) => {
          ring.write(bytes);
          writer.write(bytes);
        },
      },
      reader: ring,
    };
  }

  /** The sinks and tail readers of one process, kept across its restarts. */
  processLogs(process: ProcessConfig, label: string): ProcessLogs {
    const color = this.options.color ? PALETTE[this.colorIndex++ % PALETTE.length] : undefined;
    const stdout = this.streamLog(process, label, "stdout", color);
    return {
      stdout,
      stderr: process.redirect_stderr ? undefined : this.streamLog(process, label, "stderr", color),
    };
  }

  /** Pipes for one spawn of a process whose logs are `logs`. */
  pipes(label: string, logs: ProcessLogs): SpawnPipes {
    const [stdoutRead, stdoutWrite] = makePipe();
    let stderrRead: number | undefined;
    let stderrWrite = stdoutWrite;
    try {
      if (logs.stderr) [stderrRead, stderrWrite] = makePipe();
    } catch (error) {
      closeQuietly(stdoutRead, stdoutWrite);
      throw error;
    }
    setPipeSize(stdoutRead, PIPE_BYTES);
    if (stderrRead !== undefined) setPipeSize(stderrRead, PIPE_BYTES);
    return {
      stdout: stdoutWrite,
      stderr: stderrWrite,
      started: () => {
        closeQuietly(stdoutWrite, ...(stderrRead === undefined ? [] : [stderrWrite]));
        this.capture(label, stdoutRead, logs.stdout);
        if (stderrRead !== undefined && logs.stderr) this.capture(label, stderrRead, logs.stderr);
      },
      abandoned: () => {
        closeQuietly(stdoutRead, stdoutWrite);
        if (stderrRead !== undefined) closeQuietly(stderrRead, stderrWrite);
      },
    };
  }

  /** SIGUSR2: every log file is closed and opened again at its path. */
  reopen(): void {
    for (const file of this.files.values()) file.reopen();
  }

  /**
   * Before exit: waits (up to `ms`) for the programs' last lines to be read
   * and for every writer to empty.
   */
  async drain(ms: number): Promise<void> {
    const deadline = Bun.sleep(ms);
    await Promise.race([Promise.all(this.captures), deadline]);
    await Promise.race([
      Promise.all([...this.writers.values()].map((writer) => writer.whenWritable())),
      deadline,
    ]);
  }

  /** The very last moment (any exit path): blocking writes of what is left, then tidy up. */
  close(): void {
    for (const writer of this.writers.values()) {
      writer.flushSync(1000);
      writer.restore();
    }
    for (const file of this.files.values()) file.close();
  }

  private streamLog(
    process: ProcessConfig,
    label: string,
    stream: "stdout" | "stderr",
    color: number | undefined,
  ): StreamLog {
    const logfile = stream === "stdout" ? process.stdout_logfile : process.stderr_logfile;
    const destination = destinationOf(logfile);
    const ringBytes = stream === "stdout" ? process.stdout_tail_bytes : process.stderr_tail_bytes;
    if (destination.kind === "path") {
      const maxBytes =
        stream === "stdout" ? process.stdout_logfile_maxbytes : process.stderr_logfile_maxbytes;
      const backups =
        stream === "stdout" ? process.stdout_logfile_backups : process.stderr_logfile_backups;
      const opened = this.openPath(destination.path, maxBytes, backups);
      if (opened === undefined) {
        const ring = new RingLog(ringBytes);
        return { sink: DISCARD, reader: ring, ring, writer: undefined };
      }
      if (opened instanceof RotatingFile) {
        return { sink: new FileSink(opened), reader: opened, ring: undefined, writer: undefined };
      }
      const ring = new RingLog(ringBytes);
      return { sink: new RawSink(opened), reader: ring, ring, writer: opened };
    }
    const ring = new RingLog(ringBytes);
    if (destination.kind === "none")
      return { sink: DISCARD, reader: ring, ring, writer: undefined };
    if (destination.kind === "fd") {
      const writer = this.writer(destination.fd);
      return { sink: new RawSink(writer), reader: ring, ring, writer };
    }
    const writer = this.writer(stream === "stdout" ? 1 : 2);
    return { sink: this.autoSink(writer, label, stream, color), reader: ring, ring, writer };
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

  /**
   * A path: a regular file (or one to be created) is a rotated log file; an
   * existing FIFO, terminal or device is written like tend's stdout, never
   * rotated.
   */
  private openPath(
    path: string,
    maxBytes: number,
    backups: number,
  ): RotatingFile | FdWriter | undefined {
    let stat: ReturnType<ReturnType<typeof fs>["statSync"]> | undefined;
    try {
      stat = fs().statSync(path);
    } catch {
      // Not there yet (or unreadable): a log file, which reports its own trouble.
    }
    if (stat === undefined || stat.isFile()) return this.file(path, maxBytes, backups);
    const key = `${stat.dev}:${stat.ino}:${stat.rdev}`;
    const known = this.writers.get(key);
    if (known) return known;
    try {
      // Non-blocking: opening a FIFO nobody reads must not stall tend (ENXIO instead).
      const { O_WRONLY, O_NONBLOCK } = fs().constants;
      return this.writer(fs().openSync(path, O_WRONLY | O_NONBLOCK));
    } catch (error) {
      this.report("error", `cannot open log file ${path}: ${(error as Error).message}`);
      return undefined;
    }
  }

  private capture(label: string, fd: number, log: StreamLog): void {
    const done = readLines(fd, log, this.options.stripAnsi === true).catch((error) =>
      this.report("error", `reading the output of ${label} failed: ${(error as Error).message}`),
    );
    this.captures.add(done);
    void done.finally(() => this.captures.delete(done));
  }
}

/** Reads `fd` to its end, delivering whole lines; waits when the sink's reader is behind. */
async function readLines(fd: number, log: StreamLog, strip: boolean): Promise<void> {
  const splitter = new LineSplitter();
  const { sink, ring, writer } = log;
  const toSinks = ring
    ? (block: Uint8Array, terminated: boolean) => {
        ring.write(block);
        sink.deliver(block, terminated);
      }
    : sink.deliver;
  const deliver = strip
    ? (block: Uint8Array, terminated: boolean) => toSinks(stripAnsi(block), terminated)
    : toSinks;
  try {
    for await (const chunk of Bun.file(fd).stream()) {
      splitter.push(chunk as Uint8Array, deliver);
      // Back-pressure: stop reading (the program blocks) until the reader catches up.
      if (writer !== undefined && writer.pending > 0) await writer.whenWritable();
    }
  } finally {
    splitter.end(deliver);
    closeQuietly(fd);
  }
}
