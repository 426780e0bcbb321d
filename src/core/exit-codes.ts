// Every exit code tend itself produces, in one table, and how a child's end
// becomes the container's exit code (shell convention, as tini and dumb-init)
// and supervisord's words for it.

import { signalName } from "./signals.ts";

/** tend's own exit codes (docs/command-line.md). */
export const ExitCode = {
  OK: 0,
  /** tend itself failed at something other than usage or config. */
  FAILURE: 1,
  /** Bad command line or config: nothing was started. */
  USAGE: 2,
  /** The command exists but cannot be executed (shell convention). */
  NOT_EXECUTABLE: 126,
  /** The command was not found (shell convention). */
  NOT_FOUND: 127,
  /** Added to the signal number when a child was killed by a signal. */
  SIGNAL_BASE: 128,
} as const;

/** How a process ended, as reported by the runtime's wait. */
export type ExitStatus =
  | { readonly kind: "exited"; readonly code: number }
  | { readonly kind: "signaled"; readonly signal: number };

/**
 * The exit code a shell would report for a child that ended this way:
 * its own code, or 128 + N when signal N killed it.
 */
export function exitCodeOf(status: ExitStatus): number {
  if (status.kind === "exited") return status.code & 0xff;
  return (ExitCode.SIGNAL_BASE + status.signal) & 0xff;
}

/** Decodes the raw `int status` of waitpid(2): WIFEXITED / WIFSIGNALED. */
export function decodeWaitStatus(raw: number): ExitStatus | undefined {
  const termsig = raw & 0x7f;
  if (termsig === 0) return { kind: "exited", code: (raw >> 8) & 0xff };
  // 0x7f is WIFSTOPPED / WIFCONTINUED (0xffff), not an end.
  if (termsig !== 0x7f) return { kind: "signaled", signal: termsig };
  return undefined;
}

/** supervisord's decode_wait_status: the exit status and its description. */
export function describeExit(status: ExitStatus): { es: number; text: string } {
  if (status.kind === "exited") return { es: status.code, text: `exit status ${status.code}` };
  return { es: -1, text: `terminated by ${signalName(status.signal)}` };
}
