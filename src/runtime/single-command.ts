// Single-command mode (`tend -- CMD`): tend as tini or dumb-init. Runs one
// command in its own session, forwards signals to it, reaps every orphan, and
// ends with the command's exit code.

import { ExitCode, exitCodeOf } from "../core/exit-codes.ts";
import { FORWARDED_SIGNALS, type SignalName } from "../core/signals.ts";
import { adoptOrphans, reapOrphans } from "../os/reaper.ts";
import { onLastChanceExit, onSignals, sendSignal } from "../os/signals.ts";
import { SpawnError, type SpawnedChild, spawnChild } from "../os/spawn.ts";
import { warn } from "./diagnostics.ts";
import { settleAfter } from "./memory.ts";

/** After this long, the start's garbage is collected and its pages of the executable released. */
const START_SETTLE_MS = 1000;

export interface SingleCommandOptions {
  readonly argv: readonly string[];
  /** Signals go to the child alone instead of its process group. */
  readonly singleChild: boolean;
}

export async function runSingleCommand(options: SingleCommandOptions): Promise<number> {
  let child: SpawnedChild | undefined;
  let childRunning = false;

  const forward = (name: SignalName): void => {
    if (!child || !childRunning) return;
    try {
      sendSignal(child.pid, name, !options.singleChild);
    } catch (error) {
      warn(`could not forward ${name} to pid ${child.pid}: ${(error as Error).message}`);
    }
  };
  onSignals(FORWARDED_SIGNALS, forward);
  onSignals(["SIGCHLD"], reapQuietly);

  const notAdopting = adoptOrphans();
  if (notAdopting) warn(`orphans of the command will not be reaped by tend: ${notAdopting}`);

  try {
    child = spawnChild({ argv: options.argv, newSession: true });
  } catch (error) {
    if (!(error instanceof SpawnError)) throw error;
    warn(error.message);
    return error.code === "ENOENT" ? ExitCode.NOT_FOUND : ExitCode.NOT_EXECUTABLE;
  }
  childRunning = true;

  // Last chance: if tend itself dies while the command runs, take the
  // command's process group with it rather than leave it unsupervised.
  const spawned = child;
  onLastChanceExit(() => {
    if (childRunning) sendSignal(spawned.pid, "SIGKILL", !options.singleChild);
  });

  const cancelSettle = settleAfter(START_SETTLE_MS);
  const status = await child.exited;
  cancelSettle();
  childRunning = false;
  reapQuietly();
  return exitCodeOf(status);
}

function reapQuietly(): void {
  try {
    reapOrphans();
  } catch (error) {
    warn(`reaping failed: ${(error as Error).message}`);
  }
}
