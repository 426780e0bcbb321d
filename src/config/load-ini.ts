// supervisord's INI dialect, read as Python's configparser reads it for
// supervisord (inline_comment_prefixes=(";", "#"), strict=False): `=` or `:`
// between key and value, keys lowercased, a comment starts at ; or # at the
// start of a line or after whitespace (so `command=echo a;b` keeps `;b`),
// indented lines continue the previous value, and a section or key given
// twice merges (the later value wins; tend warns). Values stay raw strings.
//
// Not the `ini` package: it drops `;b` above, has no line numbers, no `:`
// delimiter or continuation lines, turns "true" into a boolean and nests
// sections on dots (`[program:web.v2]`).

import { MAX_CONFIG_KEYS } from "./limits.ts";
import type { Problems } from "./problems.ts";
import type { RawEntry, RawSection } from "./raw.ts";

interface MutableSection {
  name: string;
  line: number;
  entries: Map<string, { lines: string[]; line: number }>;
}

/** Where a comment starts in a line, as configparser decides, or -1. */
function commentStart(line: string): number {
  const trimmed = line.trimStart();
  if (trimmed.startsWith(";") || trimmed.startsWith("#")) return 0;
  // configparser scans prefix by prefix, occurrence by occurrence, and stops
  // at the first round in which some occurrence follows whitespace.
  const next: Record<string, number> = { ";": -1, "#": -1 };
  for (;;) {
    let best = -1;
    let any = false;
    for (const prefix of [";", "#"]) {
      const from = next[prefix] as number;
      if (from === -2) continue;
      const index = line.indexOf(prefix, from + 1);
      if (index === -1) {
        next[prefix] = -2;
        continue;
      }
      any = true;
      next[prefix] = index;
      if (index === 0 || /\s/.test(line[index - 1] as string)) {
        best = best === -1 ? index : Math.min(best, index);
      }
    }
    if (best !== -1 || !any) return best;
  }
}

/** The first `=` or `:` of a line, or -1. */
function delimiterAt(line: string): number {
  for (let i = 0; i < line.length; i++) if (line[i] === "=" || line[i] === ":") return i;
  return -1;
}

export function loadIni(
  source: string,
  file: string,
  here: string,
  problems: Problems,
): RawSection[] {
  const sections: MutableSection[] = [];
  const byName = new Map<string, MutableSection>();
  let current: MutableSection | undefined;
  let option: string | undefined;
  let indent = 0;
  const lines = source.split(/\r\n|\n|\r/);
  let keys = 0;
  let tooMany = false;

  lines.forEach((raw, index) => {
    if (tooMany) return;
    const lineNo = index + 1;
    const cut = commentStart(raw);
    const value = (cut === -1 ? raw : raw.slice(0, cut)).trim();
    if (value === "") {
      // A blank line inside a multi-line value is kept (configparser's
      // empty_lines_in_values; trailing ones are trimmed); comments vanish.
      if (cut === -1 && current && option) current.entries.get(option)?.lines.push("");
      return;
    }
    const lineIndent = raw.length - raw.trimStart().length;
    if (current && option && lineIndent > indent) {
      current.entries.get(option)?.lines.push(value);
      return;
    }
    indent = lineIndent;
    const header = /^\[(.+)\]/.exec(value);
    if (header) {
      const name = (header[1] as string).trim();
      option = undefined;
      const existing = byName.get(name);
      if (existing) {
        problems.warn(
          { file, line: lineNo, section: name },
          `section given twice (first at line ${existing.line}); their keys are merged, later values win`,
        );
        current = existing;
        return;
      }
      current = { name, line: lineNo, entries: new Map() };
      sections.push(current);
      byName.set(name, current);
      return;
    }
    if (!current) {
      problems.error(
        { file, line: lineNo },
        () => `expected a [section] header before ${JSON.stringify(value)}`,
      );
      return;
    }
    // configparser's (.*?)\s*[=:]\s*(.*), without the regular expression:
    // on a long line of spaces it backtracks for minutes.
    const at = delimiterAt(value);
    const key = at === -1 ? "" : value.slice(0, at).trimEnd().toLowerCase();
    if (key === "") {
      problems.error(
        { file, line: lineNo, section: current.name },
        () => `expected key=value, got ${JSON.stringify(value)}`,
      );
      option = undefined;
      return;
    }
    if (++keys > MAX_CONFIG_KEYS) {
      tooMany = true;
      problems.error(
        { file, line: lineNo, section: current.name },
        `more than ${MAX_CONFIG_KEYS.toLocaleString("en-US")} keys in this file; tend reads at most ${MAX_CONFIG_KEYS.toLocaleString("en-US")}`,
      );
      return;
    }
    const previous = current.entries.get(key);
    if (previous) {
      problems.warn(
        { file, line: lineNo, section: current.name, key },
        `given twice (first at line ${previous.line}); this later value wins`,
      );
      current.entries.delete(key); // keep the order of the winning line
    }
    current.entries.set(key, { lines: [value.slice(at + 1).trimStart()], line: lineNo });
    option = key;
  });

  return sections.map((section) => ({
    name: section.name,
    file,
    line: section.line,
    here,
    entries: new Map<string, RawEntry>(
      [...section.entries].map(([key, entry]) => [
        key,
        { value: entry.lines.join("\n").trimEnd(), line: entry.line },
      ]),
    ),
  }));
}
