// The interactive shell (no action given, as supervisorctl's cmdloop): runs
// `status` first, then one action per line after the `[supervisorctl]
// prompt`; ends at quit, exit, end of input (^D) or Ctrl-C. Tab completes
// actions, group and process names; history persists in `history_file`.

import { dirname } from "../core/paths.ts";
import { fs } from "../os/fs.ts";
import type { Controller } from "./controller.ts";
import { str, structs } from "./format.ts";

/** Runs the shell until it ends. Its exit status is always 0, as supervisorctl's. */
export async function runShell(ctl: Controller, prompt: string): Promise<void> {
  let interrupted: () => void = () => {};
  const interruption = new Promise<"interrupted">((resolve) => {
    interrupted = () => resolve("interrupted");
  });
  const release = ctl.terminal.interrupts.take(() => interrupted());
  let over = false;
  const loop = async (): Promise<"done"> => {
    let queued: string | undefined = "status";
    while (!over) {
      const line = queued ?? (await ctl.terminal.readLine(`${prompt}> `)) ?? "EOF";
      queued = undefined;
      if (over || (await ctl.onecmd(line))) break;
    }
    return "done";
  };
  try {
    // Ctrl-C anywhere but in tail -f or fg leaves the shell, as Python's KeyboardInterrupt does.
    if ((await Promise.race([loop(), interruption])) === "interrupted") ctl.output("");
  } finally {
    over = true; // a line still awaited is not run
    release();
  }
}

/** Completion as supervisorctl offers it: the action first, then names that suit it. */
export function shellCompleter(ctl: Controller): (line: string) => Promise<[string[], string]> {
  return async (line) => {
    const word = /\S*$/.exec(line)?.[0] ?? "";
    const words = line.trim().split(/\s+/);
    const completingAction = line.trim() === "" || (words.length === 1 && !line.endsWith(" "));
    const kind = completingAction ? "actions" : ctl.actions.get(words[0] ?? "")?.completes;
    let candidates: string[] = [];
    if (kind === "actions") {
      // supervisorctl's vocabulary: help, then the actions in alphabetical order.
      const names = [...ctl.actions.values()]
        .filter((action) => action.help !== undefined && action.name !== "help")
        .map((action) => action.name)
        .sort();
      candidates = ["help", ...names];
    } else if (kind === "groups") {
      candidates = [...new Set((await processInfos(ctl)).map((info) => str(info.group)))];
    } else if (kind === "processes") {
      candidates = [];
      for (const info of await processInfos(ctl)) {
        const group = str(info.group);
        const name = str(info.name);
        if (word.includes(":") || name !== group) {
          candidates.push(`${group}:${name}`);
          if (!candidates.includes(`${group}:*`)) candidates.push(`${group}:*`);
        } else candidates.push(name);
      }
    }
    return [candidates.filter((candidate) => candidate.startsWith(word)).map((c) => `${c} `), word];
  };
}

/** getAllProcessInfo once per command: readline asks on every Tab. */
async function processInfos(ctl: Controller) {
  ctl.completionInfo ??= ctl.server.call("supervisor.getAllProcessInfo").catch(() => []);
  return structs(await ctl.completionInfo);
}

/** The lines of a history file, oldest first; none when it cannot be read. */
export function readHistory(path: string): string[] {
  try {
    return fs()
      .readFileSync(path, "utf8")
      .split("\n")
      .filter((line) => line !== "");
  } catch {
    return [];
  }
}

/** Writes the history back (failures are ignored, as supervisorctl ignores them). */
export function writeHistory(path: string, lines: readonly string[]): void {
  try {
    if (!fs().existsSync(dirname(path))) return;
    fs().writeFileSync(path, lines.length === 0 ? "" : `${lines.join("\n")}\n`);
  } catch {
    // an unwritable history file costs only the history
  }
}
