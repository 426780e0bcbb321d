// Finding a program's executable before spawning it, with supervisord's
// checks and words (supervisor/options.py check_execv_args), so that a bad
// command is a clear spawn error rather than an exec failure.

import { join } from "../core/paths.ts";
import { fs } from "./fs.ts";

/** Why a command cannot run: supervisord's NotFound, or NotExecutable / NoPermission. */
export type CommandProblemKind = "not-found" | "not-executable";

export type Resolved =
  | { readonly ok: true; readonly filename: string }
  | { readonly ok: false; readonly problem: CommandProblemKind; readonly message: string };

const notFound = (program: string): Resolved => ({
  ok: false,
  problem: "not-found",
  message: `can't find command '${program}'`,
});

const notExecutable = (message: string): Resolved => ({
  ok: false,
  problem: "not-executable",
  message,
});

export function resolveCommand(program: string, path: string | undefined): Resolved {
  let filename = program;
  if (!program.includes("/")) {
    const dirs = (path ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(
      ":",
    );
    const found = dirs
      .map((dir) => join(dir || ".", program))
      .find((candidate) => exists(candidate));
    if (found === undefined) return notFound(program);
    filename = found;
  }
  let stat: import("node:fs").Stats;
  try {
    stat = fs().statSync(filename);
  } catch {
    return notFound(program);
  }
  if (stat.isDirectory()) return notExecutable(`command at '${filename}' is a directory`);
  if ((Number(stat.mode) & 0o111) === 0)
    return notExecutable(`command at '${filename}' is not executable`);
  try {
    fs().accessSync(filename, fs().constants.X_OK);
  } catch {
    return notExecutable(`no permission to run command '${program}'`);
  }
  return { ok: true, filename };
}

function exists(path: string): boolean {
  try {
    fs().statSync(path);
    return true;
  } catch {
    return false;
  }
}
