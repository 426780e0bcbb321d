// A YAML file into one document of the yaml package's nodes, with limits a
// config needs: collections nest at most MAX_YAML_DEPTH deep (checked while
// parsing, so a million `[` costs nothing), one document per file, keys
// unique in each mapping (checked here in linear time: the package's own
// check compares every key with every other), and every alias resolved to
// its anchor once. Line numbers come from the lexer's newlines, looked up
// only for what is reported.

import type { Alias, Document, Node, Pair } from "yaml";
import { MAX_GENERAL_YAML_NODES, MAX_YAML_NODES } from "./limits.ts";
import type { Problems } from "./problems.ts";
import { parseSimpleYaml, TooManyNodes } from "./yaml-simple.ts";

/** How deep YAML collections may nest (a config needs five or six). */
export const MAX_YAML_DEPTH = 64;

// The yaml package is loaded on first use: an INI-configured tend never
// needs it, and importing it costs an idle tend about 2 MiB.
type Yaml = typeof import("yaml");
let yamlPackage: Yaml | undefined;
export const yaml = (): Yaml => {
  yamlPackage ??= require("./yaml-package.ts") as Yaml;
  return yamlPackage;
};

export interface ParsedYaml {
  readonly contents: Node | null;
  /** The 1-based line of a node (of its first character). */
  lineOf(node: Node | null | undefined): number | undefined;
  /** The node an alias names (the last anchor of that name before it), if any. */
  target(alias: Alias): Node | undefined;
}

/**
 * The document of `source`, or undefined after reporting why there is none.
 * Plain layouts are read by tend's own reader (yaml-simple.ts), anything
 * else by the yaml package; `simple: false` always uses the package.
 */
export function parseYaml(
  source: string,
  file: string,
  problems: Problems,
  options: { readonly simple?: boolean } = {},
): ParsedYaml | undefined {
  const root = options.simple === false ? undefined : parseSimpleYaml(source);
  if (root instanceof TooManyNodes) {
    tooMany(problems, file, lineFinder(source)(root.offset), root.limit);
    return undefined;
  }
  if (root !== undefined) return document(root, file, problems, lineFinder(source));
  const { CST, Composer, Lexer, LineCounter, Parser } = yaml();
  const lines = new LineCounter();
  const lineAt = (offset: number) => lines.linePos(offset).line;
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0);
  const composer = new Composer({ uniqueKeys: false });
  const docs: Document.Parsed[] = [];
  const take = (tokens: Iterable<Parameters<typeof composer.next>[0]>) => {
    for (const token of tokens) for (const doc of composer.next(token)) docs.push(doc);
  };
  let nodes = 0;
  /** Open flow collections: the parser's stack does not always show them (`{a: {a: ...`). */
  let flowDepth = 0;
  /** Where the lexer is: the parser's own offset lags behind inside flow collections. */
  let offset = 0;
  for (const lexeme of new Lexer().lex(source)) {
    take(parser.next(lexeme));
    const type = CST.tokenType(lexeme) ?? "";
    if (!CONTROL_TOKENS.has(type)) offset += lexeme.length;
    if (NODE_TOKENS.has(type) && ++nodes > MAX_GENERAL_YAML_NODES) {
      tooMany(problems, file, lineAt(offset), MAX_GENERAL_YAML_NODES);
      return undefined;
    }
    if (type === "flow-map-start" || type === "flow-seq-start") flowDepth++;
    else if ((type === "flow-map-end" || type === "flow-seq-end") && flowDepth > 0) flowDepth--;
    // The parser's stack holds the document, each open collection and a scalar.
    if (parser.stack.length > MAX_YAML_DEPTH + 2 || flowDepth > MAX_YAML_DEPTH) {
      problems.error(
        { file, line: lineAt(offset) },
        `YAML collections nest deeper than ${MAX_YAML_DEPTH} levels here; tend reads at most ${MAX_YAML_DEPTH}`,
      );
      return undefined;
    }
    if (docs.length > 1) break;
  }
  if (docs.length <= 1) {
    take(parser.end());
    for (const doc of composer.end(true, source.length)) docs.push(doc);
  }
  const doc = docs[0] as Document.Parsed;
  const second = docs[1];
  if (second !== undefined)
    problems.error(
      { file, line: lineAt(second.range[0]) },
      "invalid YAML: Source contains multiple documents; a config is one document",
    );
  for (const error of doc.errors)
    problems.error(
      { file, line: lineAt(error.pos[0]) },
      `invalid YAML: ${firstLine(error.message)}`,
    );
  for (const warning of doc.warnings)
    problems.warn({ file, line: lineAt(warning.pos[0]) }, `YAML: ${firstLine(warning.message)}`);
  if (doc.errors.length > 0 || second !== undefined) return undefined;
  return document(doc.contents, file, problems, lineAt);
}

/** The lexemes the lexer adds that are not text of the source. */
const CONTROL_TOKENS = new Set(["doc-mode", "flow-error-end", "scalar"]);

/** The lexemes that make a node (block collections always hold one). */
const NODE_TOKENS = new Set([
  "alias",
  "flow-map-start",
  "flow-seq-start",
  "scalar",
  "single-quoted-scalar",
  "double-quoted-scalar",
  "block-scalar",
]);

function tooMany(problems: Problems, file: string, line: number, limit: number): void {
  const most = limit.toLocaleString("en-US");
  const where =
    limit === MAX_YAML_NODES ? "" : " written beyond plain YAML (anchors, block scalars...)";
  problems.error(
    { file, line },
    `more than ${most} YAML nodes (keys, values, lists and mappings) in this file; tend reads at most ${most} in a file${where}`,
  );
}

/** A parsed root with its aliases resolved and its keys checked for repeats. */
function document(
  contents: Node | null,
  file: string,
  problems: Problems,
  lineAt: (offset: number) => number,
): ParsedYaml | undefined {
  const targets = new Map<Alias, Node | undefined>();
  if (
    !walk(contents, targets, (pair) =>
      problems.error({ file, line: lineAt(pair) }, "invalid YAML: Map keys must be unique"),
    )
  )
    return undefined;
  return {
    contents,
    lineOf: (node) => (node?.range ? lineAt(node.range[0]) : undefined),
    target: (alias) => targets.get(alias),
  };
}

/**
 * Every node in document order (a pair's key before its value): records
 * what each alias names, and reports a key given twice in one mapping (at
 * the offset of the second). False when a key was given twice.
 */
function walk(
  root: Node | null,
  targets: Map<Alias, Node | undefined>,
  duplicate: (offset: number) => void,
): boolean {
  const { isAlias, isMap, isScalar, isSeq } = yaml();
  const anchors = new Map<string, Node>();
  let unique = true;
  const stack: (Node | null | undefined)[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || node === undefined) continue;
    if (isAlias(node)) {
      targets.set(node, anchors.get(node.source));
      continue;
    }
    if ("anchor" in node && typeof node.anchor === "string" && node.anchor !== "")
      anchors.set(node.anchor, node);
    if (isMap(node)) {
      const seen = new Set<unknown>();
      const next: (Node | null)[] = [];
      for (const pair of node.items as Pair<Node | null, Node | null>[]) {
        const key = pair.key;
        if (isScalar(key)) {
          if (seen.has(key.value)) {
            unique = false;
            duplicate(key.range?.[0] ?? 0);
          }
          seen.add(key.value);
        }
        next.push(key, pair.value);
      }
      // a stack: pushed in reverse to be visited in order
      for (let i = next.length - 1; i >= 0; i--) stack.push(next[i]);
    } else if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i] as Node | null);
    }
  }
  return unique;
}

/** The 1-based line of an offset, from the offsets where lines start. */
function lineFinder(source: string): (offset: number) => number {
  const starts = [0];
  for (let i = source.indexOf("\n"); i !== -1; i = source.indexOf("\n", i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] as number) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
