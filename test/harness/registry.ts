// Everything the harness starts or creates is registered here until it is
// disposed of: processes (a namespace, a server, a client) and scratch
// directories. Tests dispose of their own (`await using`); whatever is left
// when the run ends, a test that failed or timed out left behind. The test
// preload (preload.ts) disposes of it and fails the run naming it; benches
// and a run that exits early have it killed on exit.

import { rmSync } from "node:fs";
import { relative } from "node:path";
import { ROOT } from "./paths.ts";

export interface Resource {
  /** What it is, for a report: a command line, a directory. */
  readonly label: string;
  /** Where it was started: the first test or bench line on the stack. */
  readonly origin: string;
  /** Whether it is a process (a leftover process fails the test run). */
  readonly process: boolean;
  /** Stops it (SIGKILL at the latest) and removes its files. */
  dispose(): Promise<void>;
  /** The same, synchronously, as far as possible (process exit). */
  disposeNow(): void;
}

const live = new Set<Resource>();

export function track(resource: Resource): void {
  live.add(resource);
}

export function untrack(resource: Resource): void {
  live.delete(resource);
}

/** Every resource not yet disposed of. */
export function liveResources(): Resource[] {
  return [...live];
}

/** The caller's place in a test or bench file, for leftover reports. */
export function origin(): string {
  const stack = new Error().stack?.split("\n") ?? [];
  for (const frame of stack) {
    const m = /\(?(\/[^():]+\.ts):(\d+):\d+\)?$/.exec(frame.trim());
    if (!m?.[1]) continue;
    const file = relative(ROOT, m[1]);
    if (file.startsWith("test/harness/") || file.startsWith("bench/harness")) continue;
    return `${file}:${m[2]}`;
  }
  return "unknown";
}

/** Disposes of everything still registered; returns what that was. */
export async function disposeAll(): Promise<Resource[]> {
  const left = [...live];
  await Promise.all(left.map((resource) => resource.dispose().catch(() => {})));
  return left;
}

/** A scratch directory removal, registered until done. */
export function trackDirectory(dir: string): Resource {
  const resource: Resource = {
    label: dir,
    origin: origin(),
    process: false,
    dispose: async () => resource.disposeNow(),
    disposeNow: () => {
      rmSync(dir, { recursive: true, force: true });
      untrack(resource);
    },
  };
  track(resource);
  return resource;
}

process.on("exit", () => {
  for (const resource of [...live]) resource.disposeNow();
});
