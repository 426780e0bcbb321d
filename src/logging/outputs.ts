// The places log lines are written to, each opened once and shared by whoever
// writes there: writers for descriptors (fds 1 and 2 on one pipe share one
// queue, so lines stay whole), and log files by path. What a program's logs
// opened is counted, and closed when no process uses it any more, so an
// update that moves a log elsewhere leaves no stale file or FIFO open (and
// SIGUSR2 does not re-create the old file).

import { FdWriter, fileIdentity } from "../os/fd-writer.ts";
import { closeQuietly, fs } from "../os/fs.ts";
import { setPipeSize } from "../os/libc.ts";
import { RotatingFile } from "./rotating-file.ts";

/** A pipe to a log driver gets this much room, so retries are not held to 64 KiB. */
export const PIPE_BYTES = 1024 * 1024;

export type Report = (level: "error" | "info", message: string) => void;

/** A writer tend opened itself from a path (a FIFO, a terminal, a device), with its users. */
interface OpenedWriter {
  readonly writer: FdWriter;
  readonly key: string;
  users: number;
}

interface SharedFile {
  readonly file: RotatingFile;
  users: number;
}

export class Outputs {
  /** Writers by open-file identity; tend's own descriptors stay for its lifetime. */
  private readonly writers = new Map<string, FdWriter>();
  private readonly writersByFd = new Map<number, FdWriter>();
  private readonly opened = new Map<FdWriter, OpenedWriter>();
  private readonly files = new Map<string, SharedFile>();

  constructor(private readonly report: () => Report) {}

  /** The writer for tend's descriptor `fd`, shared with every fd on the same open file. */
  writer(fd: number): FdWriter {
    const known = this.writersByFd.get(fd);
    if (known) return known;
    const identity = fileIdentity(fd);
    const key = identity?.key ?? `fd:${fd}`;
    let writer = this.writers.get(key);
    if (!writer) {
      if (identity?.fifo) setPipeSize(fd, PIPE_BYTES);
      writer = new FdWriter(fd, (error) =>
        this.report()("error", `cannot write to file descriptor ${fd}: ${error.message}`),
      );
      this.writers.set(key, writer);
    }
    this.writersByFd.set(fd, writer);
    return writer;
  }

  /** The log file at `path`, shared by whoever logs there; one more user of it. */
  file(path: string, maxBytes: number, backups: number): RotatingFile {
    let shared = this.files.get(path);
    if (!shared) {
      const file = new RotatingFile(path, maxBytes, backups, (problem) => {
        if (problem === undefined) this.report()("info", `log file ${path} is writable again`);
        else this.report()("error", problem);
      });
      shared = { file, users: 0 };
      this.files.set(path, shared);
    }
    shared.users++;
    return shared.file;
  }

  /**
   * A path that is an existing FIFO, terminal or device: written like tend's
   * stdout, never rotated; one more user of it. Undefined (after reporting)
   * when it cannot be opened.
   */
  deviceWriter(
    path: string,
    stat: { dev: number; ino: number; rdev: number },
  ): FdWriter | undefined {
    const key = `${stat.dev}:${stat.ino}:${stat.rdev}`;
    const known = this.writers.get(key);
    if (known) {
      const entry = this.opened.get(known);
      if (entry) entry.users++;
      return known;
    }
    let fd: number;
    try {
      // Non-blocking: opening a FIFO nobody reads must not stall tend (ENXIO instead).
      const { O_WRONLY, O_NONBLOCK } = fs().constants;
      fd = fs().openSync(path, O_WRONLY | O_NONBLOCK);
    } catch (error) {
      this.report()("error", `cannot open log file ${path}: ${(error as Error).message}`);
      return undefined;
    }
    const writer = this.writer(fd);
    const entry = this.opened.get(writer);
    if (entry) entry.users++;
    else this.opened.set(writer, { writer, key: fileIdentity(fd)?.key ?? `fd:${fd}`, users: 1 });
    return writer;
  }

  /** One user less of a file or an opened writer; the last one closes it. tend's own fds stay. */
  release(target: RotatingFile | FdWriter): void {
    if (target instanceof RotatingFile) {
      const shared = this.files.get(target.path);
      if (!shared || shared.file !== target || --shared.users > 0) return;
      this.files.delete(target.path);
      target.close();
      return;
    }
    const entry = this.opened.get(target);
    if (!entry || --entry.users > 0) return;
    this.opened.delete(target);
    this.writers.delete(entry.key);
    this.writersByFd.delete(target.fd);
    // What is still queued is written (bounded) before the descriptor goes.
    target.flushSync(100);
    target.restore();
    closeQuietly(target.fd);
  }

  /** How many files and path-opened writers are open (for tests and the metrics to come). */
  get openCount(): { files: number; writers: number } {
    return { files: this.files.size, writers: this.opened.size };
  }

  /** SIGUSR2: every log file is closed and opened again at its path. */
  reopen(): void {
    for (const { file } of this.files.values()) file.reopen();
  }

  /** Resolves once every writer's queue is empty. */
  whenWritten(): Promise<void> {
    return Promise.all([...this.writers.values()].map((writer) => writer.whenWritable())).then(
      () => {},
    );
  }

  /** The very last moment (any exit path): blocking writes of what is left, then tidy up. */
  close(): void {
    for (const writer of this.writers.values()) {
      writer.flushSync(1000);
      writer.restore();
    }
    for (const { file } of this.files.values()) file.close();
  }
}
