// The config pipeline's entry: files → raw sections → model, or every
// problem found. A config with any error yields no model.

import { resolve } from "node:path";
import { os } from "../os/fs.ts";
import { buildConfig } from "./build.ts";
import { readSections } from "./files.ts";
import type { Config } from "./model.ts";
import { type Problem, Problems } from "./problems.ts";

export type LoadResult =
  | { readonly ok: true; readonly config: Config; readonly warnings: readonly Problem[] }
  | {
      readonly ok: false;
      readonly errors: readonly Problem[];
      readonly warnings: readonly Problem[];
    };

export interface LoadOptions {
  /** The environment for %(ENV_X)s; tend's own by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly hostname?: string;
}

export function loadConfig(path: string, options: LoadOptions = {}): LoadResult {
  const problems = new Problems();
  const env = options.env ?? process.env;
  const mainFile = resolve(path);
  const { sections, files } = readSections(mainFile, { env }, problems);
  const config = problems.hasErrors
    ? undefined
    : buildConfig(
        sections,
        { env, hostname: options.hostname ?? os().hostname(), mainFile, files },
        problems,
      );
  if (config === undefined || problems.hasErrors) {
    return { ok: false, errors: problems.errors, warnings: problems.warnings };
  }
  return { ok: true, config, warnings: problems.warnings };
}
