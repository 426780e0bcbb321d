// Zombie reaping: as PID 1 every orphan is reaped without touching the
// command's own exit status; outside a PID namespace tend is a subreaper. A
// control run under an init that never reaps shows the observation can fail.

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  BUN,
  childrenOf,
  FIXTURES,
  pidNamespaces,
  start,
  waitFor,
  zombieChildrenOf,
} from "../harness/index.ts";

const SPAWN_ORPHANS = join(FIXTURES, "spawn-orphans.sh");

/**
 * Watches the init's children while orphans come and go: returns the most
 * children seen at once, after the init is back to its one command and no
 * zombie is left.
 */
async function watchOrphansDrain(
  initPid: number,
  expectAtLeast: number,
  drainMs = 20_000,
): Promise<number> {
  let most = 0;
  await waitFor(() => {
    most = Math.max(most, childrenOf(initPid).length);
    return most > expectAtLeast;
  }, `more than ${expectAtLeast} children of the init`);
  await waitFor(
    () => childrenOf(initPid).length === 1 && zombieChildrenOf(initPid).length === 0,
    "every orphan to be reaped",
    drainMs,
  );
  return most;
}

describe.skipIf(!pidNamespaces.ok)("reaping as PID 1", () => {
  test("2,000 double-forked orphans leave no zombie; the exit code is still the command's", async () => {
    await using tend = start(["--", "sh", SPAWN_ORPHANS, "2000", "1", "3", "7"]);
    const tendPid = await tend.initPid;
    // Making 2,000 processes takes a 2-core machine most of that time when
    // other tests run beside this one; what is asserted is that none stays.
    await watchOrphansDrain(tendPid, 100, 45_000);
    const result = await tend.finished;
    expect(result.stdout).toBe("spawned 2000\n");
    expect(result.code).toBe(7);
  }, 60_000);

  test("control: under an init that never reaps, the same orphans stay zombies", async () => {
    await using init = start(["sh", SPAWN_ORPHANS, "50", "0", "3", "0"], {
      binary: [BUN, join(FIXTURES, "no-reap-init.ts")],
    });
    const initPid = await init.initPid;
    await waitFor(() => zombieChildrenOf(initPid).length >= 50, "50 zombies to pile up");
  });
});

describe("reaping outside a PID namespace", () => {
  test("tend is a child subreaper: the command's orphans become tend's and are reaped", async () => {
    await using tend = start(["--", "sh", SPAWN_ORPHANS, "20", "0.5", "2", "5"], { asPid1: false });
    const tendPid = await tend.initPid;
    const most = await watchOrphansDrain(tendPid, 10);
    expect(most).toBeGreaterThan(10);
    expect((await tend.finished).code).toBe(5);
  });
});
