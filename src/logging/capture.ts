// Capture of a program's output: the pipes of one spawn, and the loop that
// reads each to its end, cuts the bytes into whole lines and hands them to
// the stream's sink and tail ring, pausing (so the program blocks in its own
// write) while the sink's reader is behind.

import { closeQuietly } from "../os/fs.ts";
import { makePipe, setPipeSize } from "../os/libc.ts";
import { LineSplitter } from "./lines.ts";
import { PIPE_BYTES, type Report } from "./outputs.ts";
import type { ProcessLogs, StreamLog } from "./routing.ts";
import { stripAnsi } from "./sinks.ts";

/** The pipes of one spawn: what the child gets, and what tend does after. */
export interface SpawnPipes {
  readonly stdout: number;
  readonly stderr: number;
  /** After a successful spawn: close the child's ends, start reading ours. */
  started(): void;
  /** After a failed spawn: close everything. */
  abandoned(): void;
}

export class Capture {
  private readonly running = new Set<Promise<void>>();

  constructor(
    /** `[supervisord] strip_ansi`: escape sequences removed before any sink. */
    private readonly strip: boolean,
    private readonly report: () => Report,
  ) {}

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
    // A program writing fast hands over up to 1 MiB per wake-up of tend.
    setPipeSize(stdoutRead, PIPE_BYTES);
    if (stderrRead !== undefined) setPipeSize(stderrRead, PIPE_BYTES);
    return {
      stdout: stdoutWrite,
      stderr: stderrWrite,
      started: () => {
        closeQuietly(stdoutWrite, ...(stderrRead === undefined ? [] : [stderrWrite]));
        this.read(label, stdoutRead, logs.stdout);
        if (stderrRead !== undefined && logs.stderr) this.read(label, stderrRead, logs.stderr);
      },
      abandoned: () => {
        closeQuietly(stdoutRead, stdoutWrite);
        if (stderrRead !== undefined) closeQuietly(stderrRead, stderrWrite);
      },
    };
  }

  /** Resolves once every pipe being read has reached its end. */
  whenDone(): Promise<void> {
    return Promise.all(this.running).then(() => {});
  }

  private read(label: string, fd: number, log: StreamLog): void {
    const done = readLines(fd, log, this.strip).catch((error) =>
      this.report()("error", `reading the output of ${label} failed: ${(error as Error).message}`),
    );
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
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
