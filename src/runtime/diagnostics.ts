// tend's messages about itself before any log is configured: one line on
// stderr, prefixed so it stands out among the programs' output.

export function warn(message: string): void {
  try {
    process.stderr.write(`tend: ${message}\n`);
  } catch {
    // stderr is gone; nothing left to tell.
  }
}
