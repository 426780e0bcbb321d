// Writing to a descriptor tend does not own the pace of: its stdout or stderr
// (a terminal, a pipe to Docker's log driver), /dev/fd/N, a FIFO. Writes never
// block tend: the descriptor is made non-blocking and written with write(2)
// directly; what does not fit waits in a queue, and Bun's FileSink (which
// polls the descriptor in the event loop) is handed the bytes at the head of
// the queue so tend learns when the reader has caught up. The queue is
// bounded by the callers: each waits for `whenWritable()` before reading more
// from the program it serves.

import { fs } from "./fs.ts";
import { restoreFlags, setNonBlocking, writeSome } from "./libc.ts";

export type WriteFailure = (error: { code: string; message: string }) => void;

export class FdWriter {
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private waiting: Promise<void> | undefined;
  private draining = false;
  private sink: ReturnType<ReturnType<typeof Bun.file>["writer"]> | undefined;
  private readonly savedFlags: number;
  private failed = false;

  constructor(
    readonly fd: number,
    private readonly onFailure: WriteFailure,
  ) {
    this.savedFlags = setNonBlocking(fd, true);
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
      const head = this.queue[0] as Uint8Array;
      const written = writeSome(this.fd, head);
      if (typeof written === "object") this.fail(written);
      else if (written === "again") Bun.sleepSync(1);
      else this.consumed(written);
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
    const drained = this.drain();
    // A drain that finished at once has nothing left to wait for.
    if (this.draining) this.waiting = drained;
  }

  /**
   * Hands the queue to the FileSink until it is empty. The sink writes what
   * it takes in order, ahead of anything else: tend writes directly again
   * only once the sink says it holds nothing (flush() gives a number, not a
   * promise), and `waiting` is cleared in the same step, so no direct write
   * can slip in between.
   */
  private async drain(): Promise<void> {
    try {
      this.sink ??= Bun.file(this.fd).writer();
      while (this.queue.length > 0 && !this.failed) {
        const bytes = (
          this.queue.length === 1 ? this.queue[0] : Buffer.concat(this.queue)
        ) as Uint8Array;
        this.sink.write(bytes);
        let flushed = this.sink.flush();
        while (typeof flushed !== "number") {
          await flushed;
          flushed = this.sink.flush();
        }
        this.consumed(bytes.length);
      }
    } catch (error) {
      const code = String((error as { code?: unknown }).code ?? "EIO");
      this.fail({ code, message: (error as Error).message });
    } finally {
      this.draining = false;
      this.waiting = undefined;
    }
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
export function fileIdentity(fd: number): { key: string; regular: boolean } | undefined {
  try {
    const stat = fs().fstatSync(fd);
    return { key: `${stat.dev}:${stat.ino}:${stat.rdev}`, regular: stat.isFile() };
  } catch {
    return undefined;
  }
}
