// `tend check [-c FILE] [--yaml]`: load the config, print every warning and
// error on stderr and the effective config on stdout; exit 0 or 2. Starts
// nothing. stdout stays a config tend reads back: what tend check has to say
// about it (the shutdown order and its worst case, what each program waits
// for and how it is checked, which values came from TEND_ variables) is in
// comments there. stderr has the problems, a shutdown longer than the grace
// period among them.

import { isYamlPath } from "../config/files.ts";
import { loadConfig } from "../config/load.ts";
import type { Config } from "../config/model.ts";
import { printIni, printYaml } from "../config/print.ts";
import { formatProblem, type Problem } from "../config/problems.ts";
import { checkNotes, gracePeriod, shutdownPlan, shutdownWarning } from "../config/summary.ts";
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
  if (!result.ok) {
    report([...result.warnings, ...result.errors]);
    writeStderr(`${path}: ${result.errorCount} error(s); nothing would start\n`);
    return ExitCode.USAGE;
  }
  const { config } = result;
  const { grace, problem: graceProblem } = gracePeriod(process.env);
  const plan = shutdownPlan(config);
  const slow = shutdownWarning(plan, grace, config.files[0] ?? path);
  report([
    ...result.warnings,
    ...missingUsers(config),
    ...(graceProblem ? [graceProblem] : []),
    ...(slow ? [slow] : []),
  ]);
  const notes = checkNotes(config, result.overridden, plan, grace);
  const yaml = options.yaml || isYamlPath(path);
  writeStdout(yaml ? printYaml(config, notes) : printIni(config, notes));
  return ExitCode.OK;
}

/** A user= that does not exist here: tend itself only reports it when the program starts. */
function missingUsers(config: Config): Problem[] {
  return config.groups.flatMap((group) =>
    group.processes.flatMap((process): Problem[] =>
      process.user !== undefined && findUser(process.user) === undefined
        ? [
            {
              severity: "warning",
              file: process.source.file,
              line: process.source.line,
              section: `program:${process.program}`,
              key: "user",
              message: `user ${JSON.stringify(process.user)} does not exist on this machine; ${process.name} will fail to start here`,
            },
          ]
        : [],
    ),
  );
}

function report(problems: readonly Problem[]): void {
  for (const problem of sortProblems(problems)) writeStderr(`${formatProblem(problem)}\n`);
}

/** By file and line; a count of problems not listed comes last. */
function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      (a.more === undefined ? 0 : 1) - (b.more === undefined ? 0 : 1) ||
      (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0)),
  );
}
