// `tend check [-c FILE] [--yaml]`: load the config, print every warning and
// error on stderr and the effective config on stdout; exit 0 or 2. Starts
// nothing.

import { isYamlPath } from "../config/files.ts";
import { loadConfig } from "../config/load.ts";
import { printIni, printYaml } from "../config/print.ts";
import { formatProblem, type Problem } from "../config/problems.ts";
import { ExitCode } from "../core/exit-codes.ts";
import { writeStderr, writeStdout } from "../os/output.ts";
import { findUser } from "../os/users.ts";
import { locateConfig } from "./diagnostics.ts";

export interface CheckOptions {
  readonly configPath: string | undefined;
  readonly yaml: boolean;
}

export function runCheck(options: CheckOptions): number {
  const path = options.configPath ?? locateConfig();
  if (path === undefined) return ExitCode.USAGE;
  const result = loadConfig(path);
  const problems: Problem[] = [...result.warnings];
  if (result.ok) {
    for (const group of result.config.groups) {
      for (const process of group.processes) {
        if (process.user !== undefined && findUser(process.user) === undefined) {
          problems.push({
            severity: "warning",
            file: process.source.file,
            line: process.source.line,
            section: `program:${process.program}`,
            key: "user",
            message: `user ${JSON.stringify(process.user)} does not exist on this machine; ${process.name} will fail to start here`,
          });
        }
      }
    }
  } else for (const error of result.errors) problems.push(error);
  for (const problem of sortProblems(problems)) writeStderr(`${formatProblem(problem)}\n`);
  if (!result.ok) {
    writeStderr(`${path}: ${result.errorCount} error(s); nothing would start\n`);
    return ExitCode.USAGE;
  }
  const yaml = options.yaml || isYamlPath(path);
  writeStdout(yaml ? printYaml(result.config) : printIni(result.config));
  return ExitCode.OK;
}

/** By file and line; a count of problems not listed comes last. */
function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      (a.more === undefined ? 0 : 1) - (b.more === undefined ? 0 : 1) ||
      (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0)),
  );
}
