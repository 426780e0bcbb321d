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
  /** After a successful spawn of process `pid`: close the child's ends, start reading ours. */
  started(pid: number): void;
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
      started: (pid) => {
        closeQuietly(stdoutWrite, ...(stderrRead === undefined ? [] : [stderrWrite]));
        this.read(label, stdoutRead, logs.stdout, pid);
        if (stderrRead !== undefined && logs.stderr) this.read(label, stderrRead, logs.stderr, pid);
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

  private read(label: string, fd: number, log: StreamLog, pid: number): void {
    const done = readLines(fd, log, this.strip, pid).catch((error) =>
      this.report()("error", `reading the output of ${label} failed: ${(error as Error).message}`),
    );
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
  }
}

/** How long an unfinished line waits for its end before files and the tail see it. */
export const PARTIAL_LINE_MS = 100;

/**
 * Reads `fd` to its end, delivering whole lines; waits when the sink's
 * reader is behind. An unfinished line (a prompt, a progress bar) reaches the
 * stream's log file and tail ring after PARTIAL_LINE_MS without more bytes,
 * and is continued there without a break when the rest comes; a shared
 * descriptor (tend's stdout) gets it only whole, so lines never interleave.
 */
async function readLines(fd: number, log: StreamLog, strip: boolean, pid: number): Promise<void> {
  const splitter = new LineSplitter();
  const { sink, ring, writer, exact } = log;
  const clean = strip ? stripAnsi : (block: Uint8Array) => block;
  /** Bytes of the unfinished line already given to the exact outputs. */
  let shown = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deliver = (raw: Uint8Array, terminated: boolean) => {
    const block = clean(raw);
    const unseen = shown > 0 ? block.subarray(Math.min(shown, block.length)) : block;
    shown = 0;
    ring?.write(unseen);
    sink.deliver(exact ? unseen : block, terminated);
  };
  const showPartial = () => {
    timer = undefined;
    const partial = clean(splitter.peek());
    if (partial.length <= shown) return;
    const fresh = partial.subarray(shown);
    ring?.write(fresh);
    if (exact) sink.deliver(fresh, true);
    shown = partial.length;
  };
  try {
    for await (const chunk of Bun.file(fd).stream()) {
      log.received.bytes += chunk.length;
      const bytes = log.observe ? log.observe(chunk as Uint8Array, pid) : (chunk as Uint8Array);
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (bytes.length > 0) splitter.push(bytes, deliver);
      if (splitter.peek().length > 0) timer = setTimeout(showPartial, PARTIAL_LINE_MS);
      // Back-pressure: stop reading (the program blocks) until the reader catches up.
      if (writer !== undefined && writer.pending > 0) await writer.whenWritable();
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    splitter.end(deliver);
    closeQuietly(fd);
  }
}
