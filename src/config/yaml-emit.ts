// The effective config as YAML text, written directly: mappings of
// mappings of scalars, lists of scalars and mappings of scalars, in the
// layout the yaml package prints (two spaces, `- ` items under their key,
// plain scalars where YAML reads them back as the same string, double
// quotes elsewhere, `|-` for lines of text). The package's stringify took
// seconds for 10,000 programs; this takes a fraction of that.

export type EmitScalar = string | number | boolean;
export type EmitValue = EmitScalar | readonly EmitScalar[] | { readonly [key: string]: EmitValue };

/** Strings YAML 1.2's core schema reads as something else: null, booleans, numbers. */
const NOT_A_STRING =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
/** Whether YAML can hold every character as it is (c-printable; tabs and line breaks too). */
function printable(text: string): boolean {
  for (const char of text) {
    const c = char.codePointAt(0) as number;
    if (c === 0x09 || c === 0x0a || c === 0x0d || c === 0x85) continue;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return false;
    if ((c >= 0xd800 && c <= 0xdfff) || c === 0xfeff || c === 0xfffe || c === 0xffff) return false;
  }
  return true;
}
const INDICATOR_FIRST = /^[,[\]{}#&*!|>'"%@`]/;

/** Whether a string can be written as a plain scalar and read back as itself. */
function plain(text: string, key: boolean): boolean {
  if (text === "" || text !== text.trim() || /[\n\r\u0085]/.test(text) || !printable(text))
    return false;
  if (INDICATOR_FIRST.test(text)) return false;
  // - ? : start a plain scalar only before a character that is not a space
  if (/^[-?:](?:$|\s)/.test(text)) return false;
  if (/:[ \t]|[ \t]#/.test(text) || text.endsWith(":")) return false;
  if (key && (text === "<<" || text.includes("\t"))) return false;
  return !NOT_A_STRING.test(text);
}

/** A double-quoted scalar: JSON's escapes, and \u escapes for what YAML cannot print. */
function quoted(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\u009f\ufeff\ufffe\uffff]/g,
    (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, "0")}`,
  );
}

/** Lines of text as a `|-` block: content indented under its key, no trailing newline. */
function literal(text: string, indent: string): string | undefined {
  const lines = text.split("\n");
  if (
    /[\r\u0085]/.test(text) ||
    !printable(text) ||
    /^\s/.test(text) ||
    text.endsWith("\n") ||
    lines.some((line) => /\s$/.test(line))
  )
    return undefined;
  return `|-\n${lines.map((line) => (line === "" ? "" : indent + line)).join("\n")}`;
}

function scalar(value: EmitScalar, indent: string): string {
  if (typeof value !== "string") return String(value);
  if (plain(value, false)) return value;
  if (value.includes("\n")) return literal(value, indent) ?? quoted(value);
  return quoted(value);
}

/** Comments written into the text; each line is written after `# `. */
export interface EmitComments {
  /** Lines before the document, then a blank line. */
  readonly header?: readonly string[];
  /** Lines before the key at `path` (`["programs", "web"]`). */
  before?(path: readonly string[]): readonly string[] | undefined;
  /** A comment after the scalar at `path`; for a list or a mapping, a line before its key. */
  after?(path: readonly string[]): string | undefined;
}

function emitEntries(
  map: { readonly [key: string]: EmitValue },
  indent: string,
  out: string[],
  path: readonly string[],
  comments: EmitComments,
) {
  for (const [key, value] of Object.entries(map)) {
    const here = [...path, key];
    for (const line of comments.before?.(here) ?? []) out.push(`${indent}# ${line}`);
    const after = comments.after?.(here);
    const isScalar = !Array.isArray(value) && typeof value !== "object";
    if (after !== undefined && !isScalar) out.push(`${indent}# ${after}`);
    // an implicit key is at most 1,024 characters; a longer one is explicit (? key)
    const head =
      key.length > 1000
        ? `${indent}? ${quoted(key)}\n${indent}:`
        : `${indent}${plain(key, true) ? key : quoted(key)}:`;
    if (Array.isArray(value)) {
      if (value.length === 0) out.push(`${head} []`);
      else {
        out.push(head);
        for (const item of value as EmitScalar[])
          out.push(`${indent}  - ${scalar(item, `${indent}    `)}`);
      }
    } else if (typeof value === "object") {
      const inner = value as { readonly [key: string]: EmitValue };
      if (Object.keys(inner).length === 0) out.push(`${head} {}`);
      else {
        out.push(head);
        emitEntries(inner, `${indent}  `, out, here, comments);
      }
    } else {
      const text = scalar(value as EmitScalar, `${indent}  `);
      // a comment cannot follow a block scalar's header on the same line as its text
      const trailing = after === undefined ? "" : text.startsWith("|") ? "" : ` # ${after}`;
      if (after !== undefined && trailing === "") out.push(`${indent}# ${after}`);
      out.push(`${head} ${text}${trailing}`);
    }
  }
}

/** A mapping as a YAML document, with comments where `comments` says. */
export function emitYaml(
  map: { readonly [key: string]: EmitValue },
  comments: EmitComments = {},
): string {
  const out: string[] = [];
  emitEntries(map, "", out, [], comments);
  const header = (comments.header ?? []).map((line) => `# ${line}`);
  const body = out.length === 0 ? "{}\n" : `${out.join("\n")}\n`;
  return header.length === 0 ? body : `${header.join("\n")}\n\n${body}`;
}
