// examples/from-supervisord: the same supervisord.conf in a supervisord +
// tini image and in the migrated tend image. Both run it; supervisorctl
// works in both; a program that goes FATAL ends the old image with 0 (its
// event listener) and the migrated one with the program's code (critical).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Check, eventually, expect, expectEqual } from "./checks.ts";
import { EXAMPLES, IMAGE } from "./images.ts";
import { type Container, runToEnd, withContainer } from "./podman.ts";

const CONFIG = "/etc/supervisor/supervisord.conf";
const PROGRAMS = ["app", "worker:worker_00", "worker:worker_01"];

/** Names of the RUNNING processes in `supervisorctl status`, once all of `names` are. */
async function runningOnce(ctr: Container, names: string[]): Promise<string[]> {
  const status = await eventually(
    async () => {
      const status = await ctr.exec(["supervisorctl", "status"]);
      const running = [...status.stdout.matchAll(/^(\S+)\s+RUNNING\s+pid \d+/gm)].map((m) => m[1]);
      return names.every((name) => running.includes(name)) && running;
    },
    `supervisorctl status to show ${names.join(", ")} RUNNING`,
    15_000,
  );
  return status.filter((name): name is string => name !== undefined).sort();
}

async function configIn(image: string): Promise<string> {
  const read = await runToEnd(image, [CONFIG], { tag: "config", entrypoint: "cat" });
  expectEqual(read.code, 0, `cat ${CONFIG} in ${image}`, read.stderr);
  return read.stdout;
}

const sameConfig: Check = {
  name: "from-supervisord: both images carry the example's supervisord.conf unchanged",
  async run() {
    const original = readFileSync(join(EXAMPLES, "from-supervisord/supervisord.conf"), "utf8");
    for (const image of [IMAGE.fromSupervisordBefore, IMAGE.fromSupervisord])
      expect(
        (await configIn(image)) === original,
        `${CONFIG} in ${image} differs from the example's`,
      );
  },
};

const supervisorctlWorks: Check = {
  name: "from-supervisord: supervisorctl status lists the same programs under supervisord and tend",
  async run() {
    const before = await withContainer(IMAGE.fromSupervisordBefore, [], { tag: "before" }, (ctr) =>
      runningOnce(ctr, PROGRAMS),
    );
    // The old image also runs its fatal-exit listener, which the migration deleted.
    expectEqual(
      before.join(" "),
      ["app", "fatal-exit", ...PROGRAMS.slice(1)].join(" "),
      "under supervisord",
    );
    const after = await withContainer(IMAGE.fromSupervisord, [], { tag: "after" }, async (ctr) => {
      const running = await runningOnce(ctr, PROGRAMS);
      const ctl = await ctr.exec(["tend", "ctl", "status"]);
      expectEqual(ctl.code, 0, "tend ctl status's exit code", ctl.stdout + ctl.stderr);
      return running;
    });
    expectEqual(after.join(" "), PROGRAMS.join(" "), "under tend");
  },
};

const fatalEndsContainer: Check = {
  name: "from-supervisord: a FATAL program ends the old image with 0, the migrated one with its code",
  async run() {
    const options = { tag: "fatal", env: { APP_FAIL: "1" }, timeoutMs: 60_000 };
    const [before, after] = await Promise.all([
      runToEnd(IMAGE.fromSupervisordBefore, [], options),
      runToEnd(IMAGE.fromSupervisord, [], options),
    ]);
    const beforeOutput = before.stdout + before.stderr;
    expect(
      beforeOutput.includes("fatal-exit: "),
      "the old image's listener did not act",
      beforeOutput,
    );
    expectEqual(before.code, 0, "the old image's exit code (the listener's way)", beforeOutput);
    const afterOutput = after.stdout + after.stderr;
    expectEqual(after.code, 5, "the migrated image's exit code (app exits 5)", afterOutput);
    expect(afterOutput.includes("app entered FATAL state"), "app did not go FATAL", afterOutput);
  },
};

export const FROM_SUPERVISORD_CHECKS: readonly Check[] = [
  sameConfig,
  supervisorctlWorks,
  fatalEndsContainer,
];
