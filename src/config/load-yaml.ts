// tend's YAML form of the same sections (docs/configuration.md): `supervisord:`,
// `programs: {name: {...}}`, `groups: {name: {...}}`, `include: [globs]`,
// and the server sections. Produces the same raw sections as the INI loader,
// with line numbers. Scalars keep their source text (`umask: 022` stays
// "022"), so both syntaxes meet the same converters.
//
// Anchors, aliases and merge keys (`<<: *base`, `<<: [*a, *b]`) are read as
// YAML means them: an alias stands for its anchor's node, and a merge adds
// the keys of one or more mappings that the mapping does not set itself
// (the first mapping of a list wins). What aliases and merges copy is
// counted: more than MAX_ALIAS_COPIES values, or merges of merges deeper
// than MAX_YAML_DEPTH, is an error at the alias, never a billion laughs.

import type { Alias, Node, Pair, Scalar, YAMLMap } from "yaml";
import { type Problems, quote, type Where } from "./problems.ts";
import type { RawEntry, RawScalar, RawSection, RawValue } from "./raw.ts";
import { didYouMean } from "./suggest.ts";
import { MAX_YAML_DEPTH, type ParsedYaml, parseYaml, yaml } from "./yaml-parse.ts";

export { yaml } from "./yaml-parse.ts";

/** How many values aliases and merge keys may copy in one file. */
export const MAX_ALIAS_COPIES = 250_000;

/** Top-level keys that hold one section each, as INI names the section. */
const SINGLE_SECTIONS = [
  "supervisord",
  "unix_http_server",
  "inet_http_server",
  "supervisorctl",
  "health",
];
/** Top-level keys that hold named sections: `programs: {web: ...}` is [program:web]. */
const NAMED_SECTIONS: Record<string, string> = {
  programs: "program",
  groups: "group",
  eventlisteners: "eventlistener",
  fcgi_programs: "fcgi-program",
  rpcinterfaces: "rpcinterface",
  ctlplugins: "ctlplugin",
};

/** A problem that ends reading the file (too many copies, a cycle of aliases). */
class Stop extends Error {
  constructor(
    readonly node: Node | null | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** One key of a mapping, merges applied: its name, its value and where it was written. */
interface Entry {
  readonly key: string;
  readonly value: Node | null;
  readonly line: number | undefined;
}

export function loadYaml(
  source: string,
  file: string,
  here: string,
  problems: Problems,
  /** `simple: false` reads with the yaml package even a plain layout (tests compare the two). */
  options: { readonly simple?: boolean } = {},
): RawSection[] {
  const parsed = parseYaml(source, file, problems, options);
  if (parsed === undefined || parsed.contents === null) return [];
  const reader = new Reader(parsed, file, here, problems);
  try {
    return reader.sections(parsed.contents);
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    problems.error({ file, line: parsed.lineOf(error.node) }, error.message);
    return [];
  }
}

class Reader {
  private copies = 0;
  /** Each mapping's entries with its merges applied, computed once. */
  private readonly merged = new Map<YAMLMap, Entry[]>();
  /** The mappings whose merges are being applied: a merge of one of them is a cycle. */
  private readonly merging = new Set<YAMLMap>();

  constructor(
    private readonly parsed: ParsedYaml,
    private readonly file: string,
    /** `%(here)s` of every section of the file. */
    private readonly here: string,
    private readonly problems: Problems,
  ) {}

  private where(node: Node | null | undefined): Where {
    return { file: this.file, line: this.parsed.lineOf(node) };
  }

  sections(contents: Node): RawSection[] {
    const { file, problems } = this;
    const root = this.resolve(contents);
    if (!yaml().isMap(root)) {
      problems.error(
        this.where(contents),
        `expected a mapping of sections (programs:, supervisord:, ...), got ${this.describe(root)}`,
      );
      return [];
    }
    const sections: RawSection[] = [];
    const here = this.here;
    const section = (name: string, node: Node | null, keyLine: number | undefined): void => {
      const map = this.resolve(node);
      if (!yaml().isMap(map)) {
        problems.error(
          { file, line: this.parsed.lineOf(node) ?? keyLine, section: name },
          `expected a mapping of keys, got ${this.describe(map)}`,
        );
        return;
      }
      sections.push({ name, file, line: keyLine, here, entries: this.rawEntries(map, name, node) });
    };
    for (const { key: top, value: node, line: keyLine } of this.entries(root)) {
      if (top === "include") {
        const value = this.rawValue(node);
        if (value === undefined)
          problems.error(
            { file, line: keyLine, section: "include" },
            "expected a list of file globs",
          );
        else
          sections.push({
            name: "include",
            file,
            line: keyLine,
            here,
            entries: new Map([["files", { value, line: keyLine }]]),
          });
      } else if (SINGLE_SECTIONS.includes(top)) {
        section(top, node, keyLine);
      } else if (top in NAMED_SECTIONS) {
        const named = this.resolve(node);
        if (!yaml().isMap(named)) {
          problems.error(
            { file, line: this.parsed.lineOf(node) ?? keyLine, section: top },
            `expected a mapping of names to ${top}, got ${this.describe(named)}`,
          );
          continue;
        }
        for (const entry of this.entries(named, node))
          section(`${NAMED_SECTIONS[top]}:${entry.key}`, entry.value, entry.line);
      } else if (top.startsWith("x-")) {
        // Compose's convention: `x-` keys hold anchors for the rest of the file
      } else {
        const known = ["include", ...SINGLE_SECTIONS, ...Object.keys(NAMED_SECTIONS)];
        problems.error(
          { file, line: keyLine, section: top },
          () =>
            `unknown top-level key; expected one of ${known.join(", ")}${didYouMean(top, known)}`,
        );
      }
    }
    return sections;
  }

  /** A section's keys as raw entries; a value that is not one is reported. */
  private rawEntries(map: YAMLMap, sectionName: string, from: Node | null): Map<string, RawEntry> {
    const entries = new Map<string, RawEntry>();
    for (const { key, value, line } of this.entries(map, from)) {
      const raw = this.rawValue(value);
      if (raw === undefined) {
        this.problems.error(
          { file: this.file, line, section: sectionName, key },
          `expected a value, a list of values or a mapping of names to values, got ${this.describe(value)}`,
        );
        continue;
      }
      entries.set(key, { value: raw, line });
    }
    return entries;
  }

  // ---------------------------------------------------------------- aliases and merges

  /** The node itself, or the one an alias names (counted as copies when `from` was an alias). */
  private resolve(node: Node | null | undefined): Node | null {
    if (node === null || node === undefined) return null;
    if (!yaml().isAlias(node)) return node;
    const target = this.parsed.target(node as Alias);
    if (target === undefined)
      throw new Stop(
        node,
        `unknown alias *${(node as Alias).source}: no anchor &${(node as Alias).source} before it`,
      );
    return target;
  }

  private copy(node: Node | null | undefined, count = 1): void {
    this.copies += count;
    if (this.copies > MAX_ALIAS_COPIES)
      throw new Stop(
        node,
        `aliases and merge keys copy more than ${MAX_ALIAS_COPIES} values; tend reads at most ${MAX_ALIAS_COPIES} (is it an alias of aliases of aliases?)`,
      );
  }

  /**
   * A mapping's keys in order, merge keys applied (`from`: the node that led
   * here, an alias when the mapping is copied, which then counts).
   */
  private entries(map: YAMLMap, from?: Node | null): Entry[] {
    const entries = this.mergedEntries(map, 0);
    if (from !== undefined && from !== null && yaml().isAlias(from))
      this.copy(from, entries.length);
    return entries;
  }

  private mergedEntries(map: YAMLMap, depth: number): Entry[] {
    const done = this.merged.get(map);
    if (done) return done;
    this.merging.add(map);
    const { isMap, isSeq } = yaml();
    const pairs = map.items as Pair<Node | null, Node | null>[];
    const own = new Set<string>();
    for (const pair of pairs) if (!isMerge(pair.key)) own.add(this.keyOf(pair.key));
    const entries: Entry[] = [];
    const added = new Set<string>();
    for (const pair of pairs) {
      if (!isMerge(pair.key)) {
        const key = this.keyOf(pair.key);
        entries.push({ key, value: pair.value, line: this.parsed.lineOf(pair.key) });
        added.add(key);
        continue;
      }
      const value = this.resolve(pair.value);
      const sources = isSeq(value) ? (value.items as Node[]) : [pair.value];
      for (const source of sources) {
        const merged = this.resolve(source);
        if (!isMap(merged))
          throw new Stop(
            source ?? pair.key,
            `a merge key (<<) takes a mapping, an alias of one or a list of them, got ${this.describe(merged)}`,
          );
        if (this.merging.has(merged))
          throw new Stop(source, "a merge key (<<) merges the mapping that contains it");
        if (depth >= MAX_YAML_DEPTH)
          throw new Stop(source, `merge keys (<<) nest deeper than ${MAX_YAML_DEPTH} levels`);
        const inherited = this.mergedEntries(merged, depth + 1);
        this.copy(source, inherited.length);
        for (const entry of inherited) {
          if (own.has(entry.key) || added.has(entry.key)) continue;
          entries.push(entry);
          added.add(entry.key);
        }
      }
    }
    this.merging.delete(map);
    this.merged.set(map, entries);
    return entries;
  }

  /** A key as text: a scalar's value as YAML read it (1.0 is "1"), an alias's target's. */
  private keyOf(node: Node | null): string {
    const key = this.resolve(node);
    if (key === null) return "null";
    if (yaml().isScalar(key)) return String((key as Scalar).value);
    throw new Stop(node, `expected a name as key, got ${this.describe(key)}`);
  }

  // ---------------------------------------------------------------- values

  /** A scalar as its source text; a list of scalars; a mapping of scalars. */
  private rawValue(node: Node | null): RawValue | undefined {
    const { isMap, isScalar, isSeq } = yaml();
    const value = this.resolve(node);
    const copied = node !== null && yaml().isAlias(node);
    if (value === null) return "";
    if (isScalar(value)) {
      if (copied) this.copy(node);
      return scalar(value);
    }
    if (isSeq(value)) {
      const items: RawScalar[] = [];
      for (const item of value.items as (Node | null)[]) {
        const resolved = this.resolve(item);
        if (!isScalar(resolved)) return undefined;
        if (item !== resolved) this.copy(item);
        items.push(scalar(resolved));
      }
      if (copied) this.copy(node, items.length + 1);
      return items;
    }
    if (isMap(value)) {
      const map: Record<string, RawScalar> = {};
      for (const entry of this.entries(value, node)) {
        const item = this.resolve(entry.value);
        if (item === null) map[entry.key] = "";
        else if (isScalar(item)) map[entry.key] = scalar(item);
        else return undefined;
      }
      return map;
    }
    return undefined;
  }

  /** What a node holds, for messages: `a list [...]`, `"text"`; cut short, aliases not followed far. */
  private describe(node: Node | null | undefined): string {
    let budget = 50;
    const plain = (n: Node | null | undefined): unknown => {
      if (--budget < 0) return "...";
      if (n === null || n === undefined) return null;
      const { isAlias, isMap, isScalar, isSeq } = yaml();
      if (isAlias(n)) return `*${(n as Alias).source}`;
      if (isScalar(n)) return (n as Scalar).value;
      if (isSeq(n)) return (n.items as Node[]).slice(0, 20).map(plain);
      if (isMap(n)) {
        const out: Record<string, unknown> = {};
        for (const pair of (n.items as Pair<Node, Node>[]).slice(0, 20))
          out[String(isScalar(pair.key) ? pair.key.value : "?")] = plain(pair.value);
        return out;
      }
      return null;
    };
    if (node === null || node === undefined) return "nothing";
    const text = quote(plain(node));
    return text.length > 200 ? `${text.slice(0, 200)}...` : text;
  }
}

/** `<<` written plainly (a quoted "<<" is an ordinary key). */
function isMerge(node: Node | null): boolean {
  return (
    node !== null &&
    yaml().isScalar(node) &&
    (node as Scalar).value === "<<" &&
    (node as Scalar).type === "PLAIN"
  );
}

function scalar(node: { value: unknown; source?: string }): RawScalar {
  if (typeof node.value === "string") return node.value;
  if (node.value === null) return "";
  // Numbers and booleans as written, so that 022 stays octal-looking.
  return node.source ?? String(node.value);
}
