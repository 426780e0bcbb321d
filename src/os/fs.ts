// node:fs and node:os, loaded on first use. Bun's bundle imports every Node
// built-in at start, and these two cost an idle tend about 5 MiB of
// resident memory; single-command mode and an idle PID 1 may never need
// them. Modules call fs() / os() instead of importing them.

type Fs = typeof import("node:fs");
type Os = typeof import("node:os");

let fsModule: Fs | undefined;
let osModule: Os | undefined;

export const fs = (): Fs => {
  fsModule ??= require("node:fs") as Fs;
  return fsModule;
};

export const os = (): Os => {
  osModule ??= require("node:os") as Os;
  return osModule;
};

/** Closes descriptors tend owns, ignoring ones already closed. */
export function closeQuietly(...fds: number[]): void {
  for (const fd of fds) {
    try {
      fs().closeSync(fd);
    } catch {
      // already closed
    }
  }
}
