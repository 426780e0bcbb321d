// Every signal tend forwards (FORWARDED_SIGNALS in src/core/signals.ts) sent
// to tend as PID 1 reaches the command, and its process group unless
// --single-child.

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { FORWARDED_SIGNALS } from "../../src/core/signals.ts";
import {
  BUN,
  childrenOf,
  FIXTURES,
  pidNamespaces,
  readLines,
  scratchDir,
  start,
  waitFor,
} from "../harness/index.ts";

async function sendAllSignals(mode: string[]): Promise<{ child: string[]; grandchild: string[] }> {
  using scratch = scratchDir();
  const childOut = join(scratch.dir, "child");
  const grandchildOut = join(scratch.dir, "grandchild");
  const fixture = [BUN, join(FIXTURES, "print-signals.ts")];
  await using tend = start([
    ...mode,
    "--",
    ...fixture,
    "--out",
    childOut,
    "--grandchild",
    grandchildOut,
  ]);
  const tendPid = await tend.initPid;
  await waitFor(() => readLines(childOut).includes("ready"), "the command to be ready");
  await waitFor(() => readLines(grandchildOut).includes("ready"), "the grandchild to be ready");

  // One at a time: the kernel discards a pending SIGCONT when a stop signal
  // (TSTP, TTIN, TTOU) is sent, and pending stop signals on SIGCONT, so a
  // burst would lose some by design, in tend's queue or in the child's.
  for (const name of FORWARDED_SIGNALS) {
    process.kill(tendPid, name);
    await waitFor(() => readLines(childOut).includes(name), `the command to record ${name}`);
  }
  await Bun.sleep(300); // let the grandchild's copies land too, if any were sent

  process.kill(childrenOf(tendPid)[0] as number, "SIGKILL");
  expect((await tend.finished).code).toBe(137);
  return { child: readLines(childOut), grandchild: readLines(grandchildOut) };
}

describe.skipIf(!pidNamespaces.ok)("signal forwarding as PID 1", () => {
  test("default: every forwardable signal reaches the command and its process group", async () => {
    const { child, grandchild } = await sendAllSignals([]);
    expect(new Set(child)).toEqual(new Set(["ready", ...FORWARDED_SIGNALS]));
    expect(new Set(grandchild)).toEqual(new Set(["ready", ...FORWARDED_SIGNALS]));
  }, 20_000);

  test("--single-child: the command receives every signal, its group does not", async () => {
    const { child, grandchild } = await sendAllSignals(["--single-child"]);
    expect(new Set(child)).toEqual(new Set(["ready", ...FORWARDED_SIGNALS]));
    expect(grandchild).toEqual(["ready"]);
  }, 20_000);
});
