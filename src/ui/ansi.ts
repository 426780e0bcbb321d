// Terminal text → styled segments for the log view. SGR colours and attributes
// become classes (256-colour and true-colour an inline colour), every other
// escape sequence (cursor moves, OSC titles and links) is dropped, and control
// characters other than tab are shown in caret notation, never obeyed. Pure.

/** A palette index 0–15 (a class) or a `#rrggbb` colour (set through element.style). */
export type Colour = number | string;

/** The SGR attributes in force, carried from one line to the next as a terminal does. */
export interface SgrState {
  readonly fg?: Colour;
  readonly bg?: Colour;
  readonly bold: boolean;
  readonly dim: boolean;
  readonly italic: boolean;
  readonly underline: boolean;
  readonly strike: boolean;
  readonly inverse: boolean;
}

/** A run of text in one style. */
export interface Segment {
  readonly text: string;
  readonly classes: readonly string[];
  /** Inline colours for what no class names (256-colour and true-colour). */
  readonly color?: string;
  readonly background?: string;
}

type Mutable = { -readonly [K in keyof SgrState]: SgrState[K] };

export const PLAIN: SgrState = {
  bold: false,
  dim: false,
  italic: false,
  underline: false,
  strike: false,
  inverse: false,
};

const ESC = "\x1b";
const BEL = "\x07";

/** Splits `text` into styled segments, starting in `start`; `end` is the style in force after it. */
export function parseAnsi(
  text: string,
  start: SgrState = PLAIN,
): { segments: Segment[]; end: SgrState } {
  const out = new SegmentWriter(start);
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x1b) {
      const sequence = readEscape(text, i);
      if (sequence.sgr !== undefined) out.style = applySgr(out.style, sequence.sgr);
      i = sequence.next;
    } else if (isControl(code)) {
      out.control(controlSymbol(code));
      i += 1;
    } else {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== 0x1b && !isControl(text.charCodeAt(j)))
        j += 1;
      out.text(text.slice(i, j));
      i = j;
    }
  }
  return { segments: out.finish(), end: out.style };
}

/** The text a line shows, without its escape sequences (what the log filter searches). */
export function plainText(segments: readonly Segment[]): string {
  return segments.map((segment) => segment.text).join("");
}

/** C0 controls but tab, DEL, and the C1 controls (U+0080–U+009F). */
function isControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09) || (code >= 0x7f && code <= 0x9f);
}

/**
 * A control character as something to look at, in caret notation (`^@`,
 * `^G`, `^[`, `^?` for DEL) that every font can show, and `<9B>` for C1.
 */
function controlSymbol(code: number): string {
  if (code < 0x20) return `^${String.fromCharCode(0x40 + code)}`;
  if (code === 0x7f) return "^?";
  return `<${code.toString(16).toUpperCase()}>`;
}

/**
 * Reads the escape sequence at `text[at]` (an ESC), per ECMA-48: CSI
 * (`ESC [` parameters, intermediates, a final byte), OSC and the other
 * string sequences (up to BEL or `ESC \`), or a short `ESC` + intermediates
 * + final. Only a complete CSI ending in `m` with plain parameters is kept
 * (as `sgr`); an unfinished sequence swallows the rest of the text, since it
 * would have swallowed it on a terminal too.
 */
function readEscape(text: string, at: number): { next: number; sgr?: string } {
  const kind = text[at + 1];
  if (kind === undefined) return { next: at + 1 };
  if (kind === "[") return readCsi(text, at + 2);
  if (kind === "]" || kind === "P" || kind === "X" || kind === "^" || kind === "_")
    return { next: stringEnd(text, at + 2) };
  let i = at + 1;
  while (i < text.length && inRange(text.charCodeAt(i), 0x20, 0x2f)) i += 1;
  if (i < text.length && inRange(text.charCodeAt(i), 0x30, 0x7e)) return { next: i + 1 };
  // ESC followed by a control or nothing sensible: drop the ESC alone.
  return { next: at + 1 };
}

function readCsi(text: string, from: number): { next: number; sgr?: string } {
  let i = from;
  while (i < text.length && inRange(text.charCodeAt(i), 0x30, 0x3f)) i += 1;
  const params = text.slice(from, i);
  while (i < text.length && inRange(text.charCodeAt(i), 0x20, 0x2f)) i += 1;
  if (i >= text.length) return { next: i };
  const final = text.charCodeAt(i);
  // A byte that cannot be in a CSI ends it unfinished; it is read as text again.
  if (!inRange(final, 0x40, 0x7e)) return { next: i };
  const plain = /^[0-9;:]*$/.test(params) && i === from + params.length;
  return final === 0x6d && plain ? { next: i + 1, sgr: params } : { next: i + 1 };
}

/** Where an OSC, DCS, SOS, PM or APC string ends: after BEL or ST (`ESC \`), or at the end. */
function stringEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i += 1) {
    if (text[i] === BEL) return i + 1;
    if (text[i] === ESC) return text[i + 1] === "\\" ? i + 2 : i;
  }
  return text.length;
}

function inRange(code: number, low: number, high: number): boolean {
  return code >= low && code <= high;
}

/** The state after an SGR sequence's parameters (`1;31`, `38;5;208`, `38:2::255:0:0`). */
export function applySgr(state: SgrState, params: string): SgrState {
  const codes = params === "" ? [[0]] : params.split(";").map(subParameters);
  let next: Mutable = { ...state };
  for (let i = 0; i < codes.length; i += 1) {
    const group = codes[i] ?? [0];
    const code = group[0] ?? 0;
    if (code === 38 || code === 48) {
      // 38;5;n and 38;2;r;g;b take the next parameters; 38:5:n and 38:2::r:g:b their own.
      const rest = group.length > 1 ? group.slice(1) : codes.slice(i + 1).map((g) => g[0] ?? 0);
      const colour = extendedColour(rest, group.length > 1);
      if (group.length === 1) i += colour.used;
      if (colour.value !== undefined) {
        if (code === 38) next.fg = colour.value;
        else next.bg = colour.value;
      }
      continue;
    }
    next = applyCode(next, code, group[1]);
  }
  return next;
}

/** `4:3` → [4, 3]; an empty parameter means 0. */
function subParameters(param: string): number[] {
  return param.split(":").map((part) => (part === "" ? 0 : Number.parseInt(part, 10)));
}

function applyCode(state: Mutable, code: number, sub: number | undefined): Mutable {
  if (code >= 30 && code <= 37) return { ...state, fg: code - 30 };
  if (code >= 90 && code <= 97) return { ...state, fg: code - 90 + 8 };
  if (code >= 40 && code <= 47) return { ...state, bg: code - 40 };
  if (code >= 100 && code <= 107) return { ...state, bg: code - 100 + 8 };
  switch (code) {
    case 0:
      return { ...PLAIN };
    case 1:
      return { ...state, bold: true };
    case 2:
      return { ...state, dim: true };
    case 3:
      return { ...state, italic: true };
    case 4:
      // 4:0 is "no underline"; 4:1 … 4:5 are underline styles, all shown as one.
      return { ...state, underline: sub !== 0 };
    case 7:
      return { ...state, inverse: true };
    case 9:
      return { ...state, strike: true };
    case 21:
      return { ...state, underline: true };
    case 22:
      return { ...state, bold: false, dim: false };
    case 23:
      return { ...state, italic: false };
    case 24:
      return { ...state, underline: false };
    case 27:
      return { ...state, inverse: false };
    case 29:
      return { ...state, strike: false };
    case 39: {
      const { fg: _, ...rest } = state;
      return rest;
    }
    case 49: {
      const { bg: _, ...rest } = state;
      return rest;
    }
    default:
      return state;
  }
}

/**
 * The colour of `5;n` or `2;r;g;b` (after a 38 or 48), and how many
 * parameters it took. With colons, `2` may be followed by a colour-space id
 * (`38:2::r:g:b` or `38:2:id:r:g:b`).
 */
function extendedColour(
  rest: readonly number[],
  colons: boolean,
): { value?: Colour; used: number } {
  const mode = rest[0];
  if (mode === 5) {
    const n = rest[1];
    if (n === undefined || !Number.isInteger(n) || n < 0 || n > 255) return { used: 2 };
    return { value: n < 16 ? n : palette256(n), used: 2 };
  }
  if (mode === 2) {
    const rgb = colons && rest.length >= 5 ? rest.slice(2, 5) : rest.slice(1, 4);
    if (rgb.length < 3 || rgb.some((v) => !Number.isInteger(v))) return { used: rest.length };
    return { value: hex(rgb[0] ?? 0, rgb[1] ?? 0, rgb[2] ?? 0), used: 4 };
  }
  return { used: mode === undefined ? 0 : 1 };
}

/** xterm's 256 colours from 16 on: a 6×6×6 cube, then 24 greys. */
export function palette256(n: number): string {
  if (n >= 232) {
    const grey = 8 + (n - 232) * 10;
    return hex(grey, grey, grey);
  }
  const index = n - 16;
  const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
  return hex(level(Math.floor(index / 36)), level(Math.floor(index / 6) % 6), level(index % 6));
}

function hex(r: number, g: number, b: number): string {
  const part = (v: number) => Math.max(0, Math.min(255, v)).toString(16).padStart(2, "0");
  return `#${part(r)}${part(g)}${part(b)}`;
}

/** Collects text into segments, one per run of equal style. */
class SegmentWriter {
  private readonly segments: Segment[] = [];
  private pending = "";
  private pendingStyle: SgrState;

  constructor(public style: SgrState) {
    this.pendingStyle = style;
  }

  text(text: string): void {
    if (this.pendingStyle !== this.style && !sameStyle(this.pendingStyle, this.style)) this.flush();
    this.pendingStyle = this.style;
    this.pending += text;
  }

  control(symbol: string): void {
    this.flush();
    this.segments.push(segmentOf(symbol, this.style, ["ctl"]));
  }

  finish(): Segment[] {
    this.flush();
    return this.segments;
  }

  private flush(): void {
    if (this.pending !== "") this.segments.push(segmentOf(this.pending, this.pendingStyle, []));
    this.pending = "";
    this.pendingStyle = this.style;
  }
}

function sameStyle(a: SgrState, b: SgrState): boolean {
  return (
    a.fg === b.fg &&
    a.bg === b.bg &&
    a.bold === b.bold &&
    a.dim === b.dim &&
    a.italic === b.italic &&
    a.underline === b.underline &&
    a.strike === b.strike &&
    a.inverse === b.inverse
  );
}

/**
 * A segment in a style: `fg-N`/`bg-N` for the 16 palette colours, `bold`,
 * `dim`, `italic`, `underline`, `strike`; inverse swaps the colours (the
 * page's own foreground and background when none is set: `fg-bg`, `bg-fg`).
 */
function segmentOf(text: string, style: SgrState, extra: readonly string[]): Segment {
  const fg = style.inverse ? (style.bg ?? "bg") : style.fg;
  const bg = style.inverse ? (style.fg ?? "fg") : style.bg;
  const classes: string[] = [];
  let color: string | undefined;
  let background: string | undefined;
  if (typeof fg === "number" || fg === "bg") classes.push(`fg-${fg}`);
  else if (fg !== undefined) color = fg;
  if (typeof bg === "number" || bg === "fg") classes.push(`bg-${bg}`);
  else if (bg !== undefined) background = bg;
  if (style.bold) classes.push("bold");
  if (style.dim) classes.push("dim");
  if (style.italic) classes.push("italic");
  if (style.underline) classes.push("underline");
  if (style.strike) classes.push("strike");
  classes.push(...extra);
  return {
    text,
    classes,
    ...(color === undefined ? {} : { color }),
    ...(background === undefined ? {} : { background }),
  };
}
