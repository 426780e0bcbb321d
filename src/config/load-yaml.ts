// tend's YAML form of the same sections (docs/configuration.md): `supervisord:`,
// `programs: {name: {...}}`, `groups: {name: {...}}`, `include: [globs]`,
// and the server sections. Produces the same raw sections as the INI loader,
// with line numbers from the yaml package. Scalars keep their source text
// (`umask: 022` stays "022"), so both syntaxes meet the same converters.

import type { Node, YAMLMap } from "yaml";
import { type Problems, quote } from "./problems.ts";
import type { RawEntry, RawScalar, RawSection, RawValue } from "./raw.ts";
import { didYouMean } from "./suggest.ts";

/** Top-level keys that hold one section each, as INI names the section. */
const SINGLE_SECTIONS = ["supervisord", "unix_http_server", "inet_http_server", "supervisorctl"];
/** Top-level keys that hold named sections: `programs: {web: ...}` is [program:web]. */
const NAMED_SECTIONS: Record<string, string> = {
  programs: "program",
  groups: "group",
  eventlisteners: "eventlistener",
  fcgi_programs: "fcgi-program",
  rpcinterfaces: "rpcinterface",
  ctlplugins: "ctlplugin",
};

// The yaml package is loaded on first use: an INI-configured tend never
// needs it, and importing it costs an idle tend about 2 MiB.
type Yaml = typeof import("yaml");
let yamlPackage: Yaml | undefined;
export const yaml = (): Yaml => {
  yamlPackage ??= require("yaml") as Yaml;
  return yamlPackage;
};

export function loadYaml(
  source: string,
  file: string,
  here: string,
  problems: Problems,
): RawSection[] {
  const { isMap, isScalar, LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const lineOf = (node: Node | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;

  for (const error of doc.errors) {
    problems.error(
      { file, line: lineCounter.linePos(error.pos[0]).line },
      `invalid YAML: ${firstLine(error.message)}`,
    );
  }
  for (const warning of doc.warnings) {
    problems.warn(
      { file, line: lineCounter.linePos(warning.pos[0]).line },
      `YAML: ${firstLine(warning.message)}`,
    );
  }
  if (doc.errors.length > 0) return [];
  if (doc.contents === null) return [];
  if (!isMap(doc.contents)) {
    problems.error(
      { file, line: lineOf(doc.contents) },
      `expected a mapping of sections (programs:, supervisord:, ...), got ${describe(doc.contents)}`,
    );
    return [];
  }

  const sections: RawSection[] = [];
  const section = (name: string, node: Node | null, keyLine: number | undefined): void => {
    if (!isMap(node)) {
      problems.error(
        { file, line: lineOf(node) ?? keyLine, section: name },
        `expected a mapping of keys, got ${describe(node)}`,
      );
      return;
    }
    sections.push({ name, file, line: keyLine, here, entries: entriesOf(node, name) });
  };
  const entriesOf = (map: YAMLMap, sectionName: string): Map<string, RawEntry> => {
    const entries = new Map<string, RawEntry>();
    for (const pair of map.items) {
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      const line = lineOf(pair.key as Node);
      const value = rawValue(pair.value as Node | null);
      if (value === undefined) {
        problems.error(
          { file, line, section: sectionName, key },
          `expected a value, a list of values or a mapping of names to values, got ${describe(pair.value as Node)}`,
        );
        continue;
      }
      entries.set(key, { value, line });
    }
    return entries;
  };

  for (const pair of doc.contents.items) {
    const top = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const keyLine = lineOf(pair.key as Node);
    const node = pair.value as Node | null;
    if (top === "include") {
      const value = rawValue(node);
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
      if (!isMap(node)) {
        problems.error(
          { file, line: lineOf(node) ?? keyLine, section: top },
          `expected a mapping of names to ${top}, got ${describe(node)}`,
        );
        continue;
      }
      for (const named of node.items) {
        const name = String(isScalar(named.key) ? named.key.value : named.key);
        section(
          `${NAMED_SECTIONS[top]}:${name}`,
          named.value as Node | null,
          lineOf(named.key as Node),
        );
      }
    } else {
      const known = ["include", ...SINGLE_SECTIONS, ...Object.keys(NAMED_SECTIONS)];
      problems.error(
        { file, line: keyLine, section: top },
        () => `unknown top-level key; expected one of ${known.join(", ")}${didYouMean(top, known)}`,
      );
    }
  }
  return sections;
}

/** A scalar as its source text; a list of scalars; a mapping of scalars. */
function rawValue(node: Node | null): RawValue | undefined {
  const { isMap, isScalar, isSeq } = yaml();
  if (node === null || node === undefined) return "";
  if (isScalar(node)) return scalar(node);
  if (isSeq(node)) {
    const items: RawScalar[] = [];
    for (const item of node.items) {
      if (!isScalar(item)) return undefined;
      items.push(scalar(item));
    }
    return items;
  }
  if (isMap(node)) {
    const map: Record<string, RawScalar> = {};
    for (const pair of node.items) {
      if (!isScalar(pair.value) && pair.value !== null) return undefined;
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      map[key] = pair.value === null ? "" : scalar(pair.value);
    }
    return map;
  }
  return undefined;
}

function scalar(node: { value: unknown; source?: string }): RawScalar {
  if (typeof node.value === "string") return node.value;
  if (node.value === null) return "";
  // Numbers and booleans as written, so that 022 stays octal-looking.
  return node.source ?? String(node.value);
}

/** What a node holds, for messages: `a list [...]`, `"text"`. */
function describe(node: Node | null | undefined): string {
  if (node === null || node === undefined) return "nothing";
  return quote(node.toJSON());
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
