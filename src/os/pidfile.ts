// `[supervisord] pidfile=`: tend's pid written where supervisord writes it
// (one line), so scripts that read it keep working, and removed at exit.

import { fs } from "./fs.ts";

/** Writes `pid` to `path`; why not, when it cannot. */
export function writePidfile(path: string, pid: number): string | undefined {
  try {
    fs().writeFileSync(path, `${pid}\n`);
    return undefined;
  } catch (error) {
    return `could not write pidfile ${path}: ${(error as Error).message}`;
  }
}

export function removePidfile(path: string): void {
  try {
    fs().unlinkSync(path);
  } catch {
    // already gone
  }
}
