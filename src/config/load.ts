// The config pipeline's entry: files → raw sections (with the settings given
// by TEND_ variables and the command line in place) → model, or every
// problem found. A config with any error yields no model.

import { resolveFrom } from "../core/paths.ts";
import { os } from "../os/fs.ts";
import { buildConfig } from "./build.ts";
import { readSections } from "./files.ts";
import { MAX_CONFIG_VALUE_BYTES } from "./limits.ts";
import type { Config } from "./model.ts";
import {
  applyOverrides,
  environmentOverrides,
  type Override,
  winningOverrides,
} from "./overrides.ts";
import { type Problem, Problems } from "./problems.ts";
import { withValueBudget } from "./sections.ts";

export type LoadResult =
  | {
      readonly ok: true;
      readonly config: Config;
      readonly warnings: readonly Problem[];
      /** The settings given outside the files (TEND_ variables, the command line) that decided a value. */
      readonly overridden: readonly Override[];
    }
  | {
      readonly ok: false;
      /** The first errors (MAX_PROBLEMS_KEPT), then one that counts the rest. */
      readonly errors: readonly Problem[];
      readonly warnings: readonly Problem[];
      /** Every error found, listed or not. */
      readonly errorCount: number;
    };

export type { Override } from "./overrides.ts";

export interface LoadOptions {
  /** The environment: %(ENV_X)s, and the TEND_<KEY> overrides; tend's own by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly hostname?: string;
  /** Settings from the command line: they win over the environment's and the files'. */
  readonly overrides?: readonly Override[];
}

export function loadConfig(path: string, options: LoadOptions = {}): LoadResult {
  const problems = new Problems();
  const env = options.env ?? process.env;
  const mainFile = resolveFrom(process.cwd(), path);
  const read = readSections(mainFile, { env }, problems);
  // The environment first, so that the command line wins over it.
  const overrides = [...environmentOverrides(env), ...(options.overrides ?? [])];
  const sections = applyOverrides(read.sections, overrides, mainFile);
  const { files } = read;
  const config = problems.hasErrors
    ? undefined
    : withValueBudget(MAX_CONFIG_VALUE_BYTES, () =>
        buildConfig(
          sections,
          { env, hostname: options.hostname ?? os().hostname(), mainFile, files },
          problems,
        ),
      );
  if (config === undefined || problems.hasErrors) {
    return {
      ok: false,
      errors: problems.errors,
      warnings: problems.warnings,
      errorCount: problems.errorCount,
    };
  }
  return {
    ok: true,
    config,
    warnings: problems.warnings,
    overridden: winningOverrides(overrides),
  };
}
