// Writing to a descriptor tend does not own the pace of: its stdout or stderr
// (a terminal, a pipe to Docker's log driver), /dev/fd/N, a FIFO. Writes never
// block tend: the descriptor is made non-blocking and written with write(2)
// directly; what does not fit waits in a queue, which tend alone writes, so
// it always knows exactly what reached the reader (the exit flush depends on
// it). While something is queued, tend retries every 1 to 50 ms — timers run
// only while the reader is behind, never when idle (the log hub asks for a
// 1 MiB pipe, so a reader that keeps up is not held to 64 KiB a retry).
// (Bun's FileSink would wake tend exactly when the reader caught up, but it
// cannot say how much of what it was handed it has written.) The queue is
// bounded by the callers: each waits for `whenWritable()` before reading more
// from the program it serves.

import { fs } from "./fs.ts";
import { restoreFlags, setNonBlocking, writeSome } from "./libc.ts";

/** Retry delays while the reader is behind: from 1 ms, doubling while nothing moves. */
const FIRST_RETRY_MS = 1;
const LAST_RETRY_MS = 50;

export type WriteFailure = (error: { code: string; message: string }) => void;

export class FdWriter {
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private waiting: Promise<void> | undefined;
  private draining = false;
  private readonly savedFlags: number;
  private failed = false;

  constructor(
    readonly fd: number,
    private readonly onFailure: WriteFailure,
  ) {
    this.savedFlags = setNonBlocking(fd, true);
  }

  /** A write failed (EPIPE: the reader is gone); later writes are dropped. */
  get broken(): boolean {
    return this.failed;
  }

  /** Bytes waiting for the reader. */
  get pending(): number {
    return this.queuedBytes;
  }

  /** Writes `bytes` whole, now or later, in order. The caller may reuse `bytes`. */
  write(bytes: Uint8Array): void {
    if (bytes.length === 0 || this.failed) return;
    if (this.queuedBytes > 0) {
      this.enqueue(copyOf(bytes));
      return;
    }
    const written = writeSome(this.fd, bytes);
    if (written === bytes.length) return;
    if (typeof written === "object") {
      this.fail(written);
      return;
    }
    this.enqueue(copyOf(written === "again" ? bytes : bytes.subarray(written)));
    this.waitForReader();
  }

  /** Resolves once nothing is queued. */
  whenWritable(): Promise<void> {
    return this.waiting ?? Promise.resolve();
  }

  /**
   * For the last moments of tend: writes what is queued, waiting for the
   * reader (blocking) up to `ms`.
   */
  flushSync(ms: number): void {
    const deadline = Date.now() + ms;
    while (this.queue.length > 0 && !this.failed && Date.now() < deadline) {
      if (!this.writeQueued()) Bun.sleepSync(1);
    }
  }

  /** Gives the descriptor its flags back (a terminal must not stay non-blocking). */
  restore(): void {
    restoreFlags(this.fd, this.savedFlags);
  }

  private enqueue(bytes: Uint8Array): void {
    this.queue.push(bytes);
    this.queuedBytes += bytes.length;
  }

  private consumed(count: number): void {
    let left = count;
    while (left > 0) {
      const head = this.queue[0] as Uint8Array;
      if (head.length > left) {
        this.queue[0] = head.subarray(left);
        this.queuedBytes -= left;
        return;
      }
      this.queue.shift();
      this.queuedBytes -= head.length;
      left -= head.length;
    }
  }

  private waitForReader(): void {
    if (this.draining) return;
    this.draining = true;
    this.waiting = this.drain();
  }

  /** Retries until the queue is empty (or the descriptor failed for good). */
  private async drain(): Promise<void> {
    let delay = FIRST_RETRY_MS;
    try {
      while (this.queue.length > 0 && !this.failed) {
        await Bun.sleep(delay);
        delay = this.writeQueued() ? FIRST_RETRY_MS : Math.min(delay * 2, LAST_RETRY_MS);
      }
    } finally {
      this.draining = false;
      this.waiting = undefined;
    }
  }

  /** Writes from the queue's head until it is empty or the reader is full; whether anything moved. */
  private writeQueued(): boolean {
    let moved = false;
    while (this.queue.length > 0) {
      const written = writeSome(this.fd, this.queue[0] as Uint8Array);
      if (typeof written === "object") {
        this.fail(written);
        return moved;
      }
      if (written === "again" || written === 0) return moved;
      this.consumed(written);
      moved = true;
    }
    return moved;
  }

  private fail(error: { code: string; message: string }): void {
    // EPIPE, EBADF: nobody will read this any more, drop from now on. Others
    // (ENOSPC, EIO...) may pass: drop what failed, try again with the next.
    if (error.code === "EPIPE" || error.code === "EBADF") this.failed = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.onFailure(error);
  }
}

/**
 * A copy the caller cannot overwrite. Not bytes.slice(): callers pass
 * Buffers (a sink's reused scratch buffer), whose slice() is a view.
 */
function copyOf(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** Identifies the open file behind a descriptor, so that fds 1 and 2 on one pipe share a writer. */
export function fileIdentity(
  fd: number,
): { key: string; regular: boolean; fifo: boolean } | undefined {
  try {
    const stat = fs().fstatSync(fd);
    return {
      key: `${stat.dev}:${stat.ino}:${stat.rdev}`,
      regular: stat.isFile(),
      fifo: stat.isFIFO(),
    };
  } catch {
    return undefined;
  }
}
