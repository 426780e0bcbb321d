// Cutting a program's output into whole lines, as bytes: whatever the
// encoding, NUL bytes and escape sequences pass through untouched. A chunk
// read from a pipe is handed on as one block of whole lines (one write for
// raw and file sinks, no per-line work); the unfinished line at its end waits
// for the next chunk. A line longer than MAX_LINE is handed on in MAX_LINE
// pieces, so no program can make tend hold more than that for it.

export const MAX_LINE = 1024 * 1024;

const NEWLINE = 10;

/**
 * Receives what the splitter cuts: `block` is one or more whole lines, each
 * ending in a newline, when `terminated`; otherwise it is one piece of a line
 * with no newline (a cut of an over-long line, or the last line of a stream
 * that ended without one).
 */
export type Deliver = (block: Uint8Array, terminated: boolean) => void;

export class LineSplitter {
  /** The unfinished line so far (never more than MAX_LINE bytes). */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  /** Cuts `chunk`; the caller may reuse `chunk` once this returns. */
  push(chunk: Uint8Array, deliver: Deliver): void {
    let start = 0;
    if (this.pendingBytes > 0) {
      const newline = chunk.indexOf(NEWLINE);
      if (newline < 0) {
        this.hold(chunk, deliver);
        return;
      }
      // The unfinished line ends here: deliver it joined with its end.
      const end = chunk.subarray(0, newline + 1);
      if (this.pendingBytes + end.length - 1 > MAX_LINE) this.cutPending(end, deliver);
      else deliver(this.takePending(end), true);
      start = newline + 1;
    }
    const lastNewline = chunk.lastIndexOf(NEWLINE);
    if (lastNewline >= start) {
      this.deliverWhole(chunk.subarray(start, lastNewline + 1), deliver);
      start = lastNewline + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start), deliver);
  }

  /** The unfinished line so far, without taking it (empty when there is none). */
  peek(): Uint8Array {
    if (this.pending.length === 1) return this.pending[0] as Uint8Array;
    if (this.pending.length === 0) return new Uint8Array(0);
    const joined = Buffer.concat(this.pending);
    this.pending = [joined];
    return joined;
  }

  /** The stream ended: what is left is a last line without a newline. */
  end(deliver: Deliver): void {
    if (this.pendingBytes > 0) deliver(this.takePending(undefined), false);
  }

  /** Whole lines, with any over-long one among them cut into pieces. */
  private deliverWhole(block: Uint8Array, deliver: Deliver): void {
    // Lines of up to MAX_LINE can only hide an over-long one in a bigger block.
    if (block.length <= MAX_LINE + 1) {
      deliver(block, true);
      return;
    }
    let from = 0;
    let pos = 0;
    while (pos < block.length) {
      const newline = block.indexOf(NEWLINE, pos);
      if (newline - pos <= MAX_LINE) {
        pos = newline + 1;
        continue;
      }
      // An over-long line from `pos`: first what came before it, then its pieces.
      if (pos > from) deliver(block.subarray(from, pos), true);
      while (newline - pos > MAX_LINE) {
        deliver(block.subarray(pos, pos + MAX_LINE), false);
        pos += MAX_LINE;
      }
      from = pos;
      pos = newline + 1;
    }
    if (from < block.length) deliver(block.subarray(from), true);
  }

  /** Keeps an unfinished line, handing on MAX_LINE pieces once it outgrows that. */
  private hold(bytes: Uint8Array, deliver: Deliver): void {
    let rest = bytes;
    while (this.pendingBytes + rest.length > MAX_LINE) {
      const take = MAX_LINE - this.pendingBytes;
      deliver(this.takePending(rest.subarray(0, take)), false);
      rest = rest.subarray(take);
    }
    if (rest.length > 0) {
      // A copy: the caller may reuse its chunk. (Not rest.slice(): on a
      // Buffer that is a view, not a copy.)
      this.pending.push(new Uint8Array(rest));
      this.pendingBytes += rest.length;
    }
  }

  /** The pending line ends in `end` (which holds its newline) but is over-long. */
  private cutPending(end: Uint8Array, deliver: Deliver): void {
    const contentEnd = end.length - 1;
    let used = 0;
    while (this.pendingBytes + (contentEnd - used) > MAX_LINE) {
      const take = MAX_LINE - this.pendingBytes;
      deliver(this.takePending(end.subarray(used, used + take)), false);
      used += take;
    }
    deliver(this.takePending(end.subarray(used)), true);
  }

  /** The pending bytes followed by `tail`, as one array; empties the pending line. */
  private takePending(tail: Uint8Array | undefined): Uint8Array {
    const parts = tail === undefined ? this.pending : [...this.pending, tail];
    this.pending = [];
    this.pendingBytes = 0;
    if (parts.length === 1) return parts[0] as Uint8Array;
    return Buffer.concat(parts);
  }
}
