// What `ctl tail` and the log-reading RPC methods read: a stream's log as a
// file that only grows (until cleared), either the log file itself or, when
// there is none, an in-memory ring of its last bytes. The supervisord
// semantics of offsets, lengths and overflow are written once, over both.

import { Followers } from "./followers.ts";

export interface LogReader {
  /** Bytes written since the log began (or was last cleared). */
  size(): number;
  /** Up to `length` bytes from `position`, less where the log no longer keeps them. */
  read(position: number, length: number): Uint8Array;
  clear(): void;
  /** Told of each write, clear, rotation, and of the end. */
  readonly followers: Followers;
}

/** Why a read was refused, as supervisord's fault names. */
export class LogReadError extends Error {
  constructor(readonly fault: "BAD_ARGUMENTS" | "FAILED") {
    super(fault);
    this.name = "LogReadError";
  }
}

/**
 * supervisord's readFile: a negative offset means the last |offset| bytes
 * (length must then be 0); otherwise `length` bytes from `offset`, or
 * everything from there when length is 0. At most `most` bytes: the first
 * ones of that range (so that reading on from offset + what came works), or
 * for a negative offset the last ones (the end of the log, which is what a
 * tail asks for).
 */
export function readLog(
  log: LogReader,
  offset: number,
  length: number,
  most = Number.POSITIVE_INFINITY,
): Uint8Array {
  const size = log.size();
  const limit = Math.max(0, most);
  if (offset < 0) {
    if (length !== 0) throw new LogReadError("BAD_ARGUMENTS");
    const from = Math.max(0, size + offset, size - limit);
    return log.read(from, size - from);
  }
  if (length < 0) throw new LogReadError("BAD_ARGUMENTS");
  if (offset >= size) return new Uint8Array(0);
  const wanted = length === 0 ? size - offset : Math.min(length, size - offset);
  return log.read(offset, Math.min(wanted, limit));
}

export interface TailResult {
  readonly bytes: Uint8Array;
  /** Where the next call should start: the size of the log now. */
  readonly offset: number;
  /** The log grew past offset + length since the caller's last read. */
  readonly overflow: boolean;
}

/**
 * supervisord's tailFile: the last `length` bytes of the log (which may
 * start before `offset`), with overflow when it grew beyond offset + length.
 * A length over `most` counts as `most`.
 */
export function tailLog(
  log: LogReader,
  offset: number,
  length: number,
  most = Number.POSITIVE_INFINITY,
): TailResult {
  const size = log.size();
  let from = offset;
  let count = Math.min(length, Math.max(0, most));
  let overflow = false;
  if (size > from + count) {
    overflow = true;
    from = size - 1;
  }
  if (from + count > size) {
    if (from > size - 1) count = 0;
    from = size - count;
  }
  if (from < 0) from = 0;
  if (count < 0) count = 0;
  // Never asks for more than the log holds: a client's huge length must not be allocated.
  const available = Math.min(count, size - from);
  return {
    bytes: available <= 0 ? new Uint8Array(0) : log.read(from, available),
    offset: size,
    overflow,
  };
}

/** The last `capacity` bytes of a stream, for tail when it has no log file. */
export class RingLog implements LogReader {
  readonly followers = new Followers();
  /** Made by the first write: most programs of a big config never write a byte to most streams. */
  private buffer: Uint8Array | undefined;
  /** Bytes written since the start or the last clear. */
  private total = 0;

  constructor(readonly capacity: number) {}

  write(bytes: Uint8Array): void {
    const capacity = this.capacity;
    if (capacity === 0) return;
    this.buffer ??= new Uint8Array(capacity);
    const kept = bytes.length > capacity ? bytes.subarray(bytes.length - capacity) : bytes;
    const at = (this.total + (bytes.length - kept.length)) % capacity;
    const first = Math.min(kept.length, capacity - at);
    this.buffer.set(kept.subarray(0, first), at);
    if (first < kept.length) this.buffer.set(kept.subarray(first), 0);
    this.total += bytes.length;
    this.followers.tell();
  }

  size(): number {
    return this.total;
  }

  read(position: number, length: number): Uint8Array {
    const oldest = Math.max(0, this.total - this.capacity);
    const from = Math.max(position, oldest);
    const to = Math.min(position + length, this.total);
    if (to <= from || this.buffer === undefined) return new Uint8Array(0);
    const out = new Uint8Array(to - from);
    const at = from % this.capacity;
    const first = Math.min(out.length, this.capacity - at);
    out.set(this.buffer.subarray(at, at + first), 0);
    if (first < out.length) out.set(this.buffer.subarray(0, out.length - first), first);
    return out;
  }

  clear(): void {
    this.total = 0;
    // Given back: the next write makes a new one.
    this.buffer = undefined;
    this.followers.tell({ kind: "cleared" });
  }
}
