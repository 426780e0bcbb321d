// A fast reader for the plain YAML most configs are written in: block
// mappings and sequences indented with spaces, scalars on one line (plain,
// 'single' or "double" quoted without escapes), and one-line flow lists and
// mappings of scalars, with comments. It builds the same nodes the yaml
// package would, with the same values and positions, and gives up
// (undefined) at anything else — anchors, tags, block scalars, multi-line
// scalars, escapes, tabs, odd keys, any error — so that the package reads
// the file instead. The package is exact but slow (10,000 programs took
// seconds); this covers tend's examples and generated configs in a fraction
// of that, and test/unit/config/yaml-simple.test.ts holds the two to the
// same answers.

import type { Node, Pair, YAMLMap, YAMLSeq } from "yaml";
import { MAX_GENERAL_YAML_NODES, MAX_YAML_NODES } from "./limits.ts";
import { MAX_YAML_DEPTH, yaml } from "./yaml-parse.ts";

/** YAML 1.2 core schema's resolution of a plain scalar: null, boolean, number or the text. */
export function coreValue(text: string): unknown {
  if (/^(?:~|[Nn]ull|NULL)?$/.test(text)) return null;
  if (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(text)) return text[0] === "t" || text[0] === "T";
  if (/^0o[0-7]+$/.test(text)) return Number.parseInt(text.slice(2), 8);
  if (/^[-+]?[0-9]+$/.test(text)) return Number.parseInt(text, 10);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(text))
    return text.slice(-3).toLowerCase() === "nan"
      ? Number.NaN
      : text[0] === "-"
        ? Number.NEGATIVE_INFINITY
        : Number.POSITIVE_INFINITY;
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(text))
    return Number.parseFloat(text);
  return text;
}

/** Keys read here: names as configs write them; anything else goes to the yaml package. */
const KEY = /^[A-Za-z0-9_$][A-Za-z0-9_.$/+@()-]*$/;
/** Characters that start something other than a plain scalar (or an error). */
const NOT_PLAIN_FIRST = /^[&*!|>%@`'"?:,[\]{}#]|^-(?: |$)/;
/** What may follow a value on its line: spaces, and a comment after one. */
const ENDS_LINE = /^(?: +#.*| *)$/;

class GiveUp extends Error {}

/** More than MAX_YAML_NODES nodes: an answer, not a reason to try the yaml package. */
export class TooManyNodes extends Error {
  constructor(
    readonly offset: number,
    /** The limit passed: MAX_YAML_NODES, or MAX_GENERAL_YAML_NODES for a text the package would read. */
    readonly limit: number,
  ) {
    super("too many nodes");
  }
}
const giveUp = (): never => {
  throw new GiveUp();
};

interface Frame {
  readonly node: YAMLMap | YAMLSeq;
  readonly indent: number;
}

/**
 * The document's root mapping, or undefined when the text is not in the
 * plain layout; TooManyNodes past MAX_YAML_NODES, or when the text is not
 * in the plain layout and has more nodes than the yaml package may read.
 */
export function parseSimpleYaml(source: string): YAMLMap | TooManyNodes | undefined {
  const count: NodeCount = { nodes: 0, pastGeneral: undefined };
  try {
    return parse(source, count);
  } catch (error) {
    if (error instanceof GiveUp)
      return count.pastGeneral === undefined
        ? undefined
        : new TooManyNodes(count.pastGeneral, MAX_GENERAL_YAML_NODES);
    if (error instanceof TooManyNodes) return error;
    throw error;
  }
}

/** Nodes made so far, counted as the yaml package's lexer counts them (yaml-parse.ts). */
interface NodeCount {
  nodes: number;
  /** Where the node past MAX_GENERAL_YAML_NODES was, once there is one. */
  pastGeneral: number | undefined;
}

function parse(source: string, count: NodeCount): YAMLMap | undefined {
  const { Pair, Scalar, YAMLMap, YAMLSeq } = yaml();
  /** Counts a scalar or a flow collection made at `offset`, up to MAX_YAML_NODES. */
  const made = (offset: number): void => {
    if (++count.nodes > MAX_YAML_NODES) throw new TooManyNodes(offset, MAX_YAML_NODES);
    if (count.nodes === MAX_GENERAL_YAML_NODES + 1) count.pastGeneral = offset;
  };
  const scalar = (value: unknown, text: string, offset: number, type: string): Node => {
    made(offset);
    const node = new Scalar(value);
    node.range = [offset, offset + text.length, offset + text.length];
    node.source = text;
    node.type = type as "PLAIN";
    return node;
  };

  /** A scalar in block context (after `key: ` or `- `), or a one-line flow collection. */
  const value = (text: string, offset: number, flowAllowed: boolean): Node | undefined => {
    const first = text[0];
    if (first === "'" || first === '"') {
      const end = quoteEnd(text, 0);
      if (!ENDS_LINE.test(text.slice(end + 1))) giveUp();
      return quotedNode(text.slice(0, end + 1), offset);
    }
    if (first === "[" || first === "{") {
      if (!flowAllowed) giveUp();
      return flow(text, offset);
    }
    const comment = text.search(/ #/);
    const plain = (comment === -1 ? text : text.slice(0, comment)).replace(/ +$/, "");
    if (plain === "") return undefined; // `key: # comment`: no value on this line
    if (NOT_PLAIN_FIRST.test(plain) || /: /.test(plain) || plain.endsWith(":")) giveUp();
    if (!printable(plain)) giveUp();
    return scalar(coreValue(plain), plain, offset, "PLAIN");
  };

  const quotedNode = (text: string, offset: number): Node => {
    const inner = text.slice(1, -1);
    if (!printable(inner)) giveUp();
    if (text[0] === '"') {
      if (inner.includes("\\")) giveUp();
      return scalar(inner, inner, offset, "QUOTE_DOUBLE");
    }
    const unquoted = inner.replaceAll("''", "'");
    return scalar(unquoted, unquoted, offset, "QUOTE_SINGLE");
  };

  /**
   * `[a, 'b']` or `{A: x, B: "y", C: [d, e]}` of scalars (and lists of them
   * in a mapping), alone on the rest of its line.
   */
  const flow = (text: string, offset: number): Node => {
    let at = 0;
    const spaces = () => {
      while (text[at] === " ") at++;
    };
    /** A scalar ending before `,` or a bracket (or `:` for a key). */
    const item = (key: boolean): Node => {
      const start = at;
      if (text[at] === "'" || text[at] === '"') {
        const end = quoteEnd(text, at);
        at = end + 1;
        return quotedNode(text.slice(start, end + 1), offset + start);
      }
      while (at < text.length && !/[,[\]{}]/.test(text[at] as string) && !(key && text[at] === ":"))
        at++;
      const plain = text.slice(start, at).replace(/ +$/, "");
      if (plain === "" || NOT_PLAIN_FIRST.test(plain) || /[:#]/.test(plain) || !printable(plain))
        giveUp();
      if (key && !KEY.test(plain)) giveUp();
      return scalar(coreValue(plain), plain, offset + start, "PLAIN");
    };
    const collection = (nested: boolean): Node => {
      const isSeq = text[at] === "[";
      const close = isSeq ? "]" : "}";
      made(offset + at);
      const node = isSeq ? new YAMLSeq() : new YAMLMap();
      node.range = [offset + at, offset + at, offset + at];
      node.flow = true;
      at++;
      spaces();
      if (text[at] !== close)
        for (;;) {
          if (isSeq) (node as YAMLSeq).items.push(item(false));
          else {
            const key = item(true);
            if (text[at] !== ":" || text[at + 1] !== " ") giveUp();
            at += 2;
            spaces();
            const value = text[at] === "[" && !nested ? collection(true) : item(false);
            (node as YAMLMap).items.push(new Pair(key, value));
          }
          spaces();
          if (text[at] === close) break;
          if (text[at] !== ",") giveUp();
          at++;
          spaces();
          if (text[at] === close || text[at] === ",") giveUp(); // [a, ] or [a,,b]
        }
      at++;
      return node;
    };
    const node = collection(false);
    if (!ENDS_LINE.test(text.slice(at))) giveUp();
    return node;
  };

  let root: YAMLMap | undefined;
  const stack: Frame[] = [];
  /** A key whose value is on the lines below (or is empty). */
  let pending: { pair: Pair; indent: number; offset: number } | undefined;
  const settle = () => {
    if (pending) pending.pair.value = scalar(null, "", pending.offset, "PLAIN");
    pending = undefined;
  };

  let offset = 0;
  let content = false;
  let started = false;
  for (const raw of source.split("\n")) {
    const lineStart = offset;
    offset += raw.length + 1;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.includes("\r") || line.includes("\t") || line.startsWith("\ufeff")) giveUp();
    const indent = line.length - line.trimStart().length;
    if (line.length - indent !== line.replace(/^ +/, "").length) giveUp(); // other spaces than ' '
    const rest = line.slice(indent);
    if (rest === "" || rest.startsWith("#")) continue;
    if (indent === 0 && (rest.startsWith("---") || rest.startsWith("..."))) {
      if (content || started || !/^---(?: +#.*| *)$/.test(rest)) giveUp();
      started = true;
      continue;
    }
    content = true;
    const at = lineStart + indent;
    const item = rest === "-" || rest.startsWith("- ");
    let key: string | undefined;
    let after = "";
    if (!item) {
      const colon = rest.indexOf(":");
      if (colon <= 0) giveUp();
      key = rest.slice(0, colon);
      after = rest.slice(colon + 1);
      if (after !== "" && !after.startsWith(" ")) giveUp();
      if (!KEY.test(key) || coreValue(key) !== key || key.length > 1000) giveUp();
    }

    if (pending) {
      if (item && indent >= pending.indent) {
        const seq = new YAMLSeq();
        seq.range = [at, at, at];
        pending.pair.value = seq;
        stack.push({ node: seq, indent });
        pending = undefined;
      } else if (!item && indent > pending.indent) {
        const map = new YAMLMap();
        map.range = [at, at, at];
        pending.pair.value = map;
        stack.push({ node: map, indent });
        pending = undefined;
      } else settle();
    }
    if (root === undefined) {
      if (item || indent !== 0) giveUp();
      root = new YAMLMap();
      root.range = [at, at, at];
      stack.push({ node: root, indent: 0 });
    }
    // Close what this line is outside of: deeper frames, and a compact
    // sequence (at its key's column) that a key of the mapping ends.
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as Frame;
      if (top.indent > indent || (top.indent === indent && !item && yaml().isSeq(top.node)))
        stack.pop();
      else break;
    }
    const top = stack[stack.length - 1];
    if (top === undefined || top.indent !== indent || stack.length > MAX_YAML_DEPTH) giveUp();
    const frame = top as Frame;

    if (item) {
      if (!yaml().isSeq(frame.node)) giveUp();
      const text = rest.slice(2).replace(/^ +/, "");
      const node = value(text, at + rest.length - text.length, false);
      // an empty item (its value on the lines below) is not read here
      if (node === undefined) giveUp();
      (frame.node as YAMLSeq).items.push(node);
    } else {
      if (!yaml().isMap(frame.node)) giveUp();
      const keyNode = scalar(key, key as string, at, "PLAIN");
      const text = after.replace(/^ +/, "");
      const node = text === "" ? undefined : value(text, at + rest.length - text.length, true);
      const pair = new Pair(keyNode, node ?? null);
      (frame.node as YAMLMap).items.push(pair);
      if (node === undefined) pending = { pair, indent, offset: at + (key as string).length + 1 };
    }
  }
  settle();
  return root;
}

/** Where the quote that opens text[from] closes, on the same line; gives up if it does not. */
function quoteEnd(text: string, from: number): number {
  const quote = text[from];
  for (let i = from + 1; i < text.length; i++) {
    if (text[i] !== quote) continue;
    if (quote === "'" && text[i + 1] === "'") {
      i++;
      continue;
    }
    return i;
  }
  return giveUp();
}

/** Printable as YAML requires (no control characters but in quoted text, no BOM). */
function printable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0xfeff || c === 0xfffe || c === 0xffff)
      return false;
    if (c >= 0xd800 && c <= 0xdfff) return false; // surrogates: left to the yaml package
  }
  return true;
}
