// The config pipeline's entry: files → raw sections → model, or every
// problem found. A config with any error yields no model.

import { dirname, resolve } from "node:path";
import { os } from "../os/fs.ts";
import { buildConfig } from "./build.ts";
import { readSections } from "./files.ts";
import type { Config } from "./model.ts";
import { type Problem, Problems } from "./problems.ts";
import type { RawSection } from "./raw.ts";

export type LoadResult =
  | { readonly ok: true; readonly config: Config; readonly warnings: readonly Problem[] }
  | {
      readonly ok: false;
      /** The first errors (MAX_PROBLEMS_KEPT), then one that counts the rest. */
      readonly errors: readonly Problem[];
      readonly warnings: readonly Problem[];
      /** Every error found, listed or not. */
      readonly errorCount: number;
    };

/** A [supervisord] setting given outside the files (a supervisord command-line option). */
export interface Override {
  readonly key: string;
  readonly value: string;
  /** Where it came from, for its errors: `command line -e`. */
  readonly origin: string;
}

export interface LoadOptions {
  /** The environment for %(ENV_X)s; tend's own by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly hostname?: string;
  /** [supervisord] settings that win over the files'. */
  readonly overrides?: readonly Override[];
}

export function loadConfig(path: string, options: LoadOptions = {}): LoadResult {
  const problems = new Problems();
  const env = options.env ?? process.env;
  const mainFile = resolve(path);
  const read = readSections(mainFile, { env }, problems);
  const sections = withOverrides(read.sections, options.overrides ?? [], mainFile);
  const { files } = read;
  const config = problems.hasErrors
    ? undefined
    : buildConfig(
        sections,
        { env, hostname: options.hostname ?? os().hostname(), mainFile, files },
        problems,
      );
  if (config === undefined || problems.hasErrors) {
    return {
      ok: false,
      errors: problems.errors,
      warnings: problems.warnings,
      errorCount: problems.errorCount,
    };
  }
  return { ok: true, config, warnings: problems.warnings };
}

/** The [supervisord] section with the overrides in place of the files' values. */
function withOverrides(
  sections: readonly RawSection[],
  overrides: readonly Override[],
  mainFile: string,
): readonly RawSection[] {
  if (overrides.length === 0) return sections;
  const index = sections.findIndex((section) => section.name === "supervisord");
  const base: RawSection = sections[index] ?? {
    name: "supervisord",
    file: mainFile,
    line: undefined,
    here: dirname(mainFile),
    entries: new Map(),
  };
  const entries = new Map(base.entries);
  // Taken as given: a literal percent stays one (the files' values are %-expanded).
  for (const { key, value, origin } of overrides)
    entries.set(key, { value: value.replaceAll("%", "%%"), line: undefined, origin });
  const merged = { ...base, entries };
  return index < 0 ? [merged, ...sections] : sections.map((s, i) => (i === index ? merged : s));
}
