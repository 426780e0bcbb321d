// Where a stream's lines go, and in what shape: `name | line` on tend's
// stdout (the default), JSON objects, raw lines, or a rotated file. Each sink
// turns one block of lines into one write. Lines on a shared descriptor always
// end in a newline (a cut piece or a last line without one gets it), so no
// other program's line can be glued to them; a file gets the bytes exactly.

import type { Deliver } from "./lines.ts";
import type { RotatingFile } from "./rotating-file.ts";

/** Where sinks write on a descriptor shared by every program (tend's stdout...). */
export interface SharedOutput {
  write(bytes: Uint8Array): void;
}

export interface Sink {
  readonly deliver: Deliver;
}

const NEWLINE = 10;
const NEWLINE_BYTES = new Uint8Array([NEWLINE]);

/**
 * Copies each line of `block` into `out` after `prefix`, and returns how many
 * bytes it wrote, or -1 when `out` is too small; an unterminated block is one
 * line that gets a newline.
 */
export function prefixLines(
  block: Uint8Array,
  terminated: boolean,
  prefix: Uint8Array,
  out: Buffer,
): number {
  const source = Buffer.from(block.buffer, block.byteOffset, block.length);
  const prefixLength = prefix.length;
  let position = 0;
  let written = 0;
  // One native call per line for the search and one for the copy; the short
  // prefix is cheaper copied here than through another call.
  while (position < source.length) {
    const newline = source.indexOf(NEWLINE, position);
    const end = newline < 0 ? source.length : newline + 1;
    if (written + prefixLength + (end - position) + 1 > out.length) return -1;
    for (let i = 0; i < prefixLength; i++) out[written + i] = prefix[i] as number;
    written += prefixLength;
    written += source.copy(out, written, position, end);
    position = end;
  }
  if (!terminated) out[written++] = NEWLINE;
  return written;
}

/**
 * One scratch buffer for every prefix sink: a block is formatted and written
 * (or copied into a queue) before the next one is, so one is enough, and
 * memory does not grow with the number of programs.
 */
let scratch = Buffer.allocUnsafe(64 * 1024);

export class PrefixSink implements Sink {
  constructor(
    private readonly output: SharedOutput,
    private readonly prefix: Uint8Array,
  ) {}

  readonly deliver: Deliver = (block, terminated) => {
    // Ample for lines of ordinary length; the worst case (every byte a
    // newline) is allocated only when a block needs it.
    if (scratch.length < block.length * 2 + this.prefix.length + 1) {
      scratch = Buffer.allocUnsafe(block.length * 2 + this.prefix.length + 1);
    }
    let length = prefixLines(block, terminated, this.prefix, scratch);
    if (length < 0) {
      scratch = Buffer.allocUnsafe(
        block.length * (this.prefix.length + 1) + this.prefix.length + 1,
      );
      length = prefixLines(block, terminated, this.prefix, scratch);
    }
    this.output.write(scratch.subarray(0, length));
  };
}

export class RawSink implements Sink {
  constructor(private readonly output: SharedOutput) {}

  readonly deliver: Deliver = (block, terminated) => {
    this.output.write(block);
    if (!terminated) this.output.write(NEWLINE_BYTES);
  };
}

// ignoreBOM: a line that starts with EF BB BF keeps those bytes.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * One JSON object per line. A line that is not valid UTF-8 keeps its exact
 * bytes in `line_base64` next to a readable `line`.
 */
export function jsonLine(time: number, program: string, stream: string, line: Uint8Array): string {
  let text: string;
  let base64 = "";
  try {
    text = strictUtf8.decode(line);
  } catch {
    text = lenientUtf8.decode(line);
    base64 = Buffer.from(line.buffer, line.byteOffset, line.length).toString("base64");
  }
  const head = `{"time":${time},"program":${JSON.stringify(program)},"stream":"${stream}","line":${JSON.stringify(text)}`;
  return base64 === "" ? `${head}}\n` : `${head},"line_base64":"${base64}"}\n`;
}

export class JsonSink implements Sink {
  constructor(
    private readonly output: SharedOutput,
    private readonly program: string,
    private readonly stream: "stdout" | "stderr",
    private readonly now: () => number = Date.now,
  ) {}

  readonly deliver: Deliver = (block, terminated) => {
    const time = this.now();
    let text = "";
    let position = 0;
    while (position < block.length) {
      const newline = block.indexOf(NEWLINE, position);
      const end = newline < 0 ? block.length : newline;
      text += jsonLine(time, this.program, this.stream, block.subarray(position, end));
      position = end + 1;
    }
    if (!terminated && block.length === 0) return;
    this.output.write(Buffer.from(text, "utf8"));
  };
}

export class FileSink implements Sink {
  constructor(readonly file: RotatingFile) {}

  readonly deliver: Deliver = (block) => {
    this.file.write(block);
  };
}

const ESC = 0x1b;
const BRACKET = 0x5b;
/** The final bytes supervisord recognises as ending an escape sequence. */
const ESCAPE_ENDS = new Set(Array.from("HfABCDRsuJKhlpm", (c) => c.charCodeAt(0)));

/**
 * `[supervisord] strip_ansi=true`: drops every `ESC [ ... <end>` sequence as
 * supervisord does (its stripEscapes), everything else byte for byte.
 */
export function stripAnsi(block: Uint8Array): Uint8Array {
  let start = block.indexOf(ESC);
  if (start < 0) return block;
  const out = new Uint8Array(block.length);
  let written = 0;
  let position = 0;
  while (start >= 0) {
    if (block[start + 1] !== BRACKET) {
      start = block.indexOf(ESC, start + 1);
      continue;
    }
    out.set(block.subarray(position, start), written);
    written += start - position;
    let end = start + 2;
    while (end < block.length && !ESCAPE_ENDS.has(block[end] as number)) end++;
    position = end + 1;
    start = position < block.length ? block.indexOf(ESC, position) : -1;
  }
  if (position < block.length) {
    out.set(block.subarray(position), written);
    written += block.length - position;
  }
  // An escape left open at a line end must not take the newline with it:
  // the block was whole lines and stays whole lines.
  if (block[block.length - 1] === 10 && (written === 0 || out[written - 1] !== 10)) {
    out[written++] = 10;
  }
  return out.subarray(0, written);
}

/** `NONE`: the lines go nowhere (but still to the stream's tail ring). */
export const DISCARD: Sink = { deliver: () => {} };
