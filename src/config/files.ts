// Reading config files: the main one and every [include] (nested includes
// too, which supervisord ignores), each parsed by the loader its extension
// names. Detects include cycles; never throws for an unreadable file.

import { dirname, isAbsolute, join, resolve } from "node:path";
import { fs, os } from "../os/fs.ts";
import { listOfGlobs } from "./converters.ts";
import { envExpansions, expand } from "./expand.ts";
import { glob } from "./glob.ts";
import { loadIni } from "./load-ini.ts";
import { loadYaml } from "./load-yaml.ts";
import { type Problems, quote, type Where } from "./problems.ts";
import type { RawSection } from "./raw.ts";

export function isYamlPath(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}

/** The file's text, or undefined after reporting why it cannot be used. */
function readText(path: string, problems: Problems): string | undefined {
  const where = { file: path };
  let bytes: Uint8Array;
  try {
    if (fs().statSync(path).isDirectory()) {
      problems.error(where, "is a directory, not a config file");
      return undefined;
    }
    bytes = fs().readFileSync(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : (error as Error).message;
    problems.error(where, `cannot read the config file: ${reason}`);
    return undefined;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    problems.error({ file: path, line: lineOfInvalidUtf8(bytes) }, "is not valid UTF-8");
    return undefined;
  }
}

/** The line of the first byte sequence that is not UTF-8. */
function lineOfInvalidUtf8(bytes: Uint8Array): number {
  let line = 1;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
  }
  return 1;
}

export interface ReadOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Every section of `mainPath` and of the files it includes, in reading order.
 * `include` sections are consumed here.
 */
export function readSections(
  mainPath: string,
  options: ReadOptions,
  problems: Problems,
): {
  sections: RawSection[];
  files: string[];
} {
  const files: string[] = [];
  const sections: RawSection[] = [];
  const fromEnv = envExpansions(options.env);

  const visit = (path: string, chain: string[], includedAt?: Where): void => {
    const absolute = resolve(path);
    if (chain.includes(absolute)) {
      problems.error(
        includedAt ?? { file: absolute },
        `include cycle: ${[...chain, absolute].join(" -> ")}`,
      );
      return;
    }
    if (files.includes(absolute)) return; // included twice (a diamond), read once
    const text = readText(absolute, problems);
    if (text === undefined) return;
    files.push(absolute);
    const here = dirname(absolute);
    const loaded = isYamlPath(absolute)
      ? loadYaml(text, absolute, here, problems)
      : loadIni(text, absolute, here, problems);
    if (loaded.length === 0 && chain.length === 0 && !problems.hasErrors) {
      problems.error({ file: absolute }, "contains no sections: nothing to run");
    }
    for (const section of loaded) {
      if (section.name !== "include") {
        sections.push(section);
        continue;
      }
      const entry = section.entries.get("files");
      if (!entry) {
        problems.error(
          { file: absolute, line: section.line, section: "include" },
          "has no files= key",
        );
        continue;
      }
      const where = { file: absolute, line: entry.line, section: "include", key: "files" };
      const globs = listOfGlobs(entry.value);
      if (!globs.ok) {
        problems.error(where, `got ${quote(entry.value)}; expected ${globs.expected}`);
        continue;
      }
      for (const pattern of globs.value) {
        const expanded = expand(pattern, {
          ...fromEnv,
          here,
          host_node_name: os().hostname(),
        });
        if (!expanded.ok) {
          problems.error(where, expanded.message);
          continue;
        }
        const matches = matchFiles(
          isAbsolute(expanded.value) ? expanded.value : join(here, expanded.value),
        );
        if (!matches.ok) {
          problems.error(where, `${JSON.stringify(expanded.value)}: ${matches.message}`);
          continue;
        }
        if (matches.paths.length === 0) {
          problems.warn(where, `no file matches ${JSON.stringify(expanded.value)}`);
        }
        for (const match of matches.paths) visit(match, [...chain, absolute], where);
      }
    }
  };

  visit(mainPath, []);
  return { sections, files };
}

/**
 * The regular files (symbolic links followed) among the paths a glob
 * matches, sorted as supervisord sorts them; or why the glob failed.
 */
function matchFiles(
  pattern: string,
): { ok: true; paths: string[] } | { ok: false; message: string } {
  const matched = glob(pattern);
  if (!matched.ok) return matched;
  return { ok: true, paths: matched.paths.filter(isFile) };
}

function isFile(path: string): boolean {
  try {
    return fs().statSync(path).isFile();
  } catch {
    return false;
  }
}
