// supervisord's "capture mode" (dispatchers.py, POutputDispatcher): with
// `stdout_capture_maxbytes` set, what a program writes between
// <!--XSUPERVISOR:BEGIN--> and <!--XSUPERVISOR:END--> is kept out of its log
// and raised as one PROCESS_COMMUNICATION event (at most the last maxbytes
// of it). Pure: output goes in, log bytes and event payloads come out.

const encoder = new TextEncoder();
export const BEGIN_TOKEN = encoder.encode("<!--XSUPERVISOR:BEGIN-->");
export const END_TOKEN = encoder.encode("<!--XSUPERVISOR:END-->");

export interface CapturePiece {
  readonly bytes: Uint8Array;
  /** Between the tokens: kept out of the program's log file (not out of tend's debug log). */
  readonly captured: boolean;
}

export interface CaptureOutput {
  /** The output in order, the tokens taken out. */
  readonly pieces: CapturePiece[];
  /** What was captured between the tokens, one payload per END. */
  readonly events: Uint8Array[];
}

export class CommunicationCapture {
  private buffer: Uint8Array = new Uint8Array(0);
  private capturing = false;
  private captured: Uint8Array = new Uint8Array(0);

  constructor(private readonly maxBytes: number) {}

  /** The program wrote `chunk`. */
  push(chunk: Uint8Array): CaptureOutput {
    this.buffer = concat(this.buffer, chunk);
    const out: CaptureOutput = { pieces: [], events: [] };
    this.record(out);
    return out;
  }

  /** supervisord's record_output: waits for more than a token's length, then splits at the token. */
  private record(out: CaptureOutput): void {
    for (;;) {
      const token = this.capturing ? END_TOKEN : BEGIN_TOKEN;
      if (this.buffer.length <= token.length) return;
      const data = this.buffer;
      this.buffer = new Uint8Array(0);
      const at = indexOf(data, token);
      if (at < 0) {
        // A token may be starting at the very end: keep that part back.
        const keep = prefixAtEnd(data, token);
        if (keep > 0) this.buffer = data.slice(data.length - keep);
        this.emit(data.subarray(0, data.length - keep), out);
        return;
      }
      this.emit(data.subarray(0, at), out);
      this.toggle(out);
      this.buffer = data.slice(at + token.length);
      if (this.buffer.length === 0) return;
    }
  }

  private emit(bytes: Uint8Array, out: CaptureOutput): void {
    if (bytes.length === 0) return;
    out.pieces.push({ bytes, captured: this.capturing });
    if (!this.capturing) return;
    // supervisord's BoundIO: a write past maxbytes first drops as many bytes from the front.
    const kept =
      this.captured.length + bytes.length > this.maxBytes
        ? this.captured.subarray(bytes.length)
        : this.captured;
    this.captured = concat(kept, bytes);
  }

  private toggle(out: CaptureOutput): void {
    this.capturing = !this.capturing;
    if (this.capturing) return;
    out.events.push(this.captured);
    this.captured = new Uint8Array(0);
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  for (
    let at = haystack.indexOf(first as number);
    at >= 0;
    at = haystack.indexOf(first as number, at + 1)
  ) {
    if (at + needle.length > haystack.length) return -1;
    if (needle.every((byte, i) => haystack[at + i] === byte)) return at;
  }
  return -1;
}

/** How long a beginning of `needle` the end of `haystack` is (asynchat's find_prefix_at_end). */
function prefixAtEnd(haystack: Uint8Array, needle: Uint8Array): number {
  for (let length = needle.length - 1; length > 0; length--) {
    if (haystack.length < length) continue;
    let match = true;
    for (let i = 0; i < length; i++) {
      if (haystack[haystack.length - length + i] !== needle[i]) {
        match = false;
        break;
      }
    }
    if (match) return length;
  }
  return 0;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
