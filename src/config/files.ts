// Reading config files: the main one and every [include] (nested includes
// too, which supervisord ignores), each parsed by the loader its extension
// names. Detects include cycles, bounds nesting and the number of files;
// never throws for an unreadable file.

import { dirname, isAbsolute, join, resolveFrom } from "../core/paths.ts";
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

/** The largest config file tend reads: far beyond any real one (10,000 programs take 3 MB). */
export const MAX_CONFIG_FILE_BYTES = 16 * 1024 * 1024;

class TooLarge extends Error {}

/**
 * The file's text, or undefined after reporting why it cannot be used.
 * `included`: a file an include glob found, which the user did not name;
 * it is read without blocking (a glob over /proc finds /proc/kmsg, whose
 * read waits for the kernel's next message).
 */
function readText(path: string, problems: Problems, included: boolean): string | undefined {
  const where = { file: path };
  let bytes: Uint8Array;
  try {
    if (fs().statSync(path).isDirectory()) {
      problems.error(where, "is a directory, not a config file");
      return undefined;
    }
    bytes = readAtMost(path, MAX_CONFIG_FILE_BYTES, included);
  } catch (error) {
    if (error instanceof TooLarge) {
      problems.error(
        where,
        `is larger than ${MAX_CONFIG_FILE_BYTES / 1024 / 1024} MiB: too large to be a config file`,
      );
      return undefined;
    }
    const code = (error as { code?: string }).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EAGAIN"
            ? "it has nothing to read now (a device or a FIFO?)"
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

/**
 * A file's bytes, read in chunks so that a device or /proc file that never
 * ends (or claims a size it does not have) cannot exhaust memory.
 */
function readAtMost(path: string, limit: number, nonBlocking: boolean): Uint8Array {
  const { O_NONBLOCK, O_RDONLY } = fs().constants;
  const fd = fs().openSync(path, nonBlocking ? O_RDONLY | O_NONBLOCK : O_RDONLY);
  try {
    // The size it claims (0 for most of /proc) as a first guess, one more byte to see the end.
    const claimed = fs().fstatSync(fd).size;
    let buffer = new Uint8Array(Math.min(claimed > 0 ? claimed + 1 : 64 * 1024, limit + 1));
    let total = 0;
    for (;;) {
      if (total === buffer.length) {
        if (total > limit) throw new TooLarge();
        const larger = new Uint8Array(Math.min(buffer.length * 2, limit + 1));
        larger.set(buffer);
        buffer = larger;
      }
      const n = fs().readSync(fd, buffer, total, buffer.length - total, null);
      if (n === 0) return buffer.subarray(0, total);
      total += n;
    }
  } finally {
    fs().closeSync(fd);
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

/** How deep includes may nest: the main file includes (1), which include (2), ... */
export const MAX_INCLUDE_DEPTH = 10;
/** How many files one config may read, the main one and every include. */
export const MAX_CONFIG_FILES = 10_000;

/**
 * Every section of `mainPath` and of the files it includes, in reading order.
 * `include` sections are consumed here. A file is read once however often it
 * is included; an include that closes a cycle is reported once for each
 * [include] that closes one, and includes nested deeper than
 * MAX_INCLUDE_DEPTH once, so that no web of files multiplies the errors.
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
  /** The files being read, outermost first: the include chain. */
  const chain: string[] = [];
  const inChain = new Set<string>();
  const read = new Set<string>();
  /** The [include] keys (file:line) that have reported a cycle. */
  const closedCycle = new Set<string>();
  const globs = new Map<string, ReturnType<typeof matchFiles>>();
  const reported = { depth: false, count: false };

  const visit = (absolute: string, includedAt?: Where): void => {
    if (inChain.has(absolute)) {
      const key = `${includedAt?.file}:${includedAt?.line}`;
      if (closedCycle.has(key)) return;
      closedCycle.add(key);
      const cycle = [...chain.slice(chain.indexOf(absolute)), absolute];
      problems.error(includedAt ?? { file: absolute }, `include cycle: ${cycle.join(" -> ")}`);
      return;
    }
    if (read.has(absolute)) return; // included twice (a diamond), read once
    if (chain.length > MAX_INCLUDE_DEPTH) {
      if (!reported.depth)
        problems.error(
          includedAt ?? { file: absolute },
          `includes nested deeper than ${MAX_INCLUDE_DEPTH} files (${chain.length} here); ${absolute} is not read`,
        );
      reported.depth = true;
      return;
    }
    if (read.size >= MAX_CONFIG_FILES) {
      if (!reported.count)
        problems.error(
          includedAt ?? { file: absolute },
          `more than ${MAX_CONFIG_FILES} config files; ${absolute} and the rest are not read`,
        );
      reported.count = true;
      return;
    }
    read.add(absolute);
    const text = readText(absolute, problems, includedAt !== undefined);
    if (text === undefined) return;
    files.push(absolute);
    const here = dirname(absolute);
    const loaded = isYamlPath(absolute)
      ? loadYaml(text, absolute, here, problems)
      : loadIni(text, absolute, here, problems);
    if (loaded.length === 0 && chain.length === 0 && !problems.hasErrors) {
      problems.error({ file: absolute }, "contains no sections: nothing to run");
    }
    chain.push(absolute);
    inChain.add(absolute);
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
      const globbed = listOfGlobs(entry.value);
      if (!globbed.ok) {
        problems.error(where, `got ${quote(entry.value)}; expected ${globbed.expected}`);
        continue;
      }
      for (const pattern of globbed.value) {
        const expanded = expand(pattern, {
          ...fromEnv,
          here,
          host_node_name: os().hostname(),
        });
        if (!expanded.ok) {
          problems.error(where, expanded.message);
          continue;
        }
        const absolutePattern = isAbsolute(expanded.value)
          ? expanded.value
          : join(here, expanded.value);
        let matches = globs.get(absolutePattern);
        if (matches === undefined) {
          matches = matchFiles(absolutePattern);
          globs.set(absolutePattern, matches);
        }
        if (!matches.ok) {
          problems.error(where, `${JSON.stringify(expanded.value)}: ${matches.message}`);
          continue;
        }
        if (matches.paths.length === 0) {
          problems.warn(where, `no file matches ${JSON.stringify(expanded.value)}`);
        }
        for (const match of matches.paths) visit(match, where);
      }
    }
    chain.pop();
    inChain.delete(absolute);
  };

  visit(resolveFrom(process.cwd(), mainPath));
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
  // resolved once here, not at each of the (many) visits of a match
  return {
    ok: true,
    paths: matched.paths.filter(isFile).map((path) => resolveFrom(process.cwd(), path)),
  };
}

function isFile(path: string): boolean {
  try {
    return fs().statSync(path).isFile();
  } catch {
    return false;
  }
}
