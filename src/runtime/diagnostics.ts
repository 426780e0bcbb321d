// tend's messages about itself before any log is configured: one line on
// stderr, prefixed so it stands out among the programs' output.

import { writeStderr } from "../os/output.ts";

export function warn(message: string): void {
  writeStderr(`tend: ${message}\n`);
}
