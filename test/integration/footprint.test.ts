// What an idle tend keeps resident: once its start has settled, the pages of
// the executable that starting touched leave its resident set (they stay in
// the page cache), also when a program never stops flapping; tend answers as
// before afterwards, faulting back in what it needs. Observed from outside
// through /proc/PID/status of tend as PID 1.

import { describe, expect, test } from "bun:test";
import {
  childrenOf,
  launchTend,
  memoryOf,
  pidNamespaces,
  start,
  waitFor,
} from "../harness/index.ts";

/** Far below the ~40 MiB of the executable that a start touches, far above what idling needs. */
const SETTLED_FILE_MIB = 20;

const SLEEPERS = ["a", "b", "c"]
  .map((name) => `[program:${name}]\ncommand=sleep infinity\nstartsecs=0\n`)
  .join("\n");

describe.skipIf(!pidNamespaces.ok)("footprint of an idle tend", () => {
  test("once started, the executable's start-up pages leave the resident set; tend still answers", async () => {
    await using tend = await launchTend({ programs: SLEEPERS, server: "" });
    await waitFor(() => tend.count(/^success: /) === 3, "every program RUNNING");
    const started = memoryOf(tend.pid).fileMiB;
    expect(started).toBeGreaterThan(SETTLED_FILE_MIB);
    await waitFor(
      () => memoryOf(tend.pid).fileMiB < SETTLED_FILE_MIB,
      `tend's file-backed resident memory (${started.toFixed(1)} MiB started) under ${SETTLED_FILE_MIB} MiB`,
      15_000,
      100,
    );
    const infos = await tend.infos();
    expect([...infos.values()].map((p) => p.statename)).toEqual(["RUNNING", "RUNNING", "RUNNING"]);
  }, 30_000);

  test("what a status call reads back in is released a second after it", async () => {
    await using tend = await launchTend({ programs: SLEEPERS, server: "" });
    await waitFor(() => tend.count(/^success: /) === 3, "every program RUNNING");
    await waitFor(
      () => memoryOf(tend.pid).fileMiB < SETTLED_FILE_MIB,
      "the settle after start",
      15_000,
      100,
    );
    await Bun.sleep(500);
    const settled = memoryOf(tend.pid).fileMiB;
    await tend.rpc("supervisor.getAllProcessInfo");
    const answered = memoryOf(tend.pid).fileMiB;
    // The call ran code that the settle had released (otherwise this test shows nothing).
    expect(answered).toBeGreaterThan(settled + 8);
    // At least half of it leaves again (Bun's collector, on its timer, reads a few MiB back meanwhile).
    const halfway = settled + (answered - settled) / 2;
    await waitFor(
      () => memoryOf(tend.pid).fileMiB < halfway,
      `file-backed resident memory under ${halfway.toFixed(1)} MiB (${settled.toFixed(1)} settled, ${answered.toFixed(1)} after the call)`,
      5_000,
      100,
    );
  }, 30_000);

  test("single-command mode releases them too, a second after its command started", async () => {
    await using tend = start(["--", "sleep", "30"]);
    const pid = await tend.initPid;
    await waitFor(() => childrenOf(pid).length > 0, "the command");
    await waitFor(
      () => memoryOf(pid).fileMiB < SETTLED_FILE_MIB,
      `tend's file-backed resident memory under ${SETTLED_FILE_MIB} MiB`,
      10_000,
      100,
    );
  }, 15_000);

  test("a program that flaps for ever does not hold it off: it comes 10 s after start at the latest", async () => {
    await using tend = await launchTend({
      programs: `${SLEEPERS}\n[program:flap]\ncommand=sh -c 'sleep 0.2'\nstartsecs=0\nautorestart=true\n`,
      server: "",
    });
    await tend.spawnedPid("flap");
    const since = performance.now();
    await waitFor(
      () => memoryOf(tend.pid).fileMiB < SETTLED_FILE_MIB,
      `tend's file-backed resident memory under ${SETTLED_FILE_MIB} MiB`,
      20_000,
      100,
    );
    // Still flapping: the start never went quiet, the deadline did it.
    const spawnsBefore = tend.count(/^spawned: 'flap'/);
    await waitFor(() => tend.count(/^spawned: 'flap'/) > spawnsBefore, "flap to be spawned again");
    expect(performance.now() - since).toBeGreaterThan(5_000);
  }, 40_000);

  test("each silent program costs tend less than 66 KiB of anonymous memory (its tail rings made by a first write)", async () => {
    const settled = async (count: number): Promise<number> => {
      const programs = Array.from(
        { length: count },
        (_, i) =>
          `[program:p${i}]\ncommand=sleep infinity\nstartsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n`,
      ).join("\n");
      await using tend = await launchTend({ programs, server: "" });
      await waitFor(() => tend.count(/^success: /) === count, `${count} programs RUNNING`, 30_000);
      // The settle after start (a full collection, the start-up pages released).
      await waitFor(() => memoryOf(tend.pid).fileMiB < SETTLED_FILE_MIB, "the settle", 15_000, 100);
      // mimalloc gives freed pages back a little later.
      await Bun.sleep(3000);
      return memoryOf(tend.pid).anonMiB;
    };
    const one = await settled(1);
    const many = await settled(201);
    const perProgramKiB = ((many - one) * 1024) / 200;
    expect(perProgramKiB).toBeGreaterThan(0);
    expect(perProgramKiB).toBeLessThan(66);
  }, 90_000);
});
