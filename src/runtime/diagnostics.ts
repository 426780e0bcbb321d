// tend's messages about itself before any log is configured: one line on
// stderr, prefixed so it stands out among the programs' output; and the
// search for a config file, which is the first thing that may need one.

import { findConfig } from "../config/search.ts";
import { writeStderr } from "../os/output.ts";

export function warn(message: string): void {
  writeStderr(`tend: ${message}\n`);
}

/** The config file when -c is not given (tend's places, then supervisord's), or undefined after saying where it looked. */
export function locateConfig(): string | undefined {
  const search = findConfig(process.env, process.execPath);
  if ("found" in search) return search.found;
  warn(`no config file found; looked at: ${search.lookedAt.join(", ")} (give one with -c FILE)`);
  return undefined;
}
