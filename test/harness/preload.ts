// Loaded before every test file (bunfig.toml). When the whole run is over,
// nothing a test started may still run: whatever the harness still has
// registered, and any process carrying this run's mark (or still below
// this process), is killed, and the run fails naming each one and where it
// was started.

import { afterAll } from "bun:test";
import {
  cmdlineOf,
  descendantsOf,
  killQuietly,
  parentOf,
  processesWithEnv,
  stateOf,
} from "./proc.ts";
import { disposeAll } from "./registry.ts";
import { HARNESS_MARK } from "./spawn.ts";

/** Marked or descendant processes still alive (zombies are their parents' to reap). */
function strays(): number[] {
  const pids = new Set([
    ...processesWithEnv(HARNESS_MARK.name, HARNESS_MARK.value),
    ...descendantsOf(process.pid),
  ]);
  return [...pids].filter((pid) => {
    const state = stateOf(pid);
    return state !== undefined && state !== "Z";
  });
}

afterAll(async () => {
  const left = (await disposeAll()).filter((resource) => resource.process);
  const reports = left.map((r) => `${r.origin}: ${r.label} (still running at the end; killed)`);
  // What the harness did not start, or what outlived what it did: a moment
  // to go on its own (a namespace being torn down), then SIGKILL.
  const deadline = performance.now() + 2_000;
  let found = strays();
  while (found.length > 0 && performance.now() < deadline) {
    await Bun.sleep(20);
    found = strays();
  }
  // One line per tree: a leftover whose parent is one too is counted with it.
  const leftover = new Set(found);
  for (const pid of found) {
    if (leftover.has(parentOf(pid) ?? 0)) continue;
    const below = descendantsOf(pid).filter((child) => leftover.has(child)).length;
    const more = below > 0 ? ` and ${below} process(es) below it` : "";
    reports.push(`pid ${pid}: ${cmdlineOf(pid)}${more} (left running by a test; killed)`);
  }
  for (const pid of found) killQuietly(pid);
  if (reports.length > 0)
    throw new Error(`tests left processes running:\n  ${reports.join("\n  ")}`);
}, 30_000);
