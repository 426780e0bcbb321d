// Where a program's stdout and stderr go until log capture exists (issue 5):
// AUTO is tend's own stdout / stderr, NONE is /dev/null, /dev/stdout,
// /dev/stderr and /dev/fd/N name tend's descriptors, and a path is a file
// opened for appending (not rotated yet). stdin is /dev/null.

import type { ProcessConfig } from "../config/model.ts";
import { fs } from "../os/fs.ts";
import type { StdioTarget } from "../os/spawn.ts";

export interface OpenedStdio {
  readonly targets: readonly [StdioTarget, StdioTarget, StdioTarget];
  /** Descriptors opened for the spawn, closed by tend once the child has them. */
  readonly opened: readonly number[];
}

function target(logfile: string, own: 1 | 2, opened: number[]): StdioTarget {
  if (logfile === "AUTO") return own === 1 ? "inherit" : 2;
  if (logfile === "NONE") return "ignore";
  if (logfile === "/dev/stdout") return 1;
  if (logfile === "/dev/stderr") return 2;
  const fd = /^\/dev\/fd\/(\d+)$/.exec(logfile);
  if (fd) return Number(fd[1]);
  try {
    const opened1 = fs().openSync(logfile, "a");
    opened.push(opened1);
    return opened1;
  } catch {
    return own === 1 ? "inherit" : 2;
  }
}

export function openStdio(process: ProcessConfig): OpenedStdio {
  const opened: number[] = [];
  const stdout = target(process.stdout_logfile, 1, opened);
  const stderr = process.redirect_stderr ? stdout : target(process.stderr_logfile, 2, opened);
  return { targets: ["ignore", stdout === "inherit" ? 1 : stdout, stderr], opened };
}

export function closeStdio(stdio: OpenedStdio): void {
  for (const fd of stdio.opened) fs().closeSync(fd);
}
