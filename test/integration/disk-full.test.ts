// A program's log file on a disk that fills up and empties again, several
// times (a small tmpfs and a file that eats its space): tend stays up,
// reports the trouble once per spell, writes again when space returns, and
// every line in the file is whole — a write cut short leaves no fragment
// for the next line to be glued to.

import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { launchTend, pidNamespaces, scratchDir, waitFor } from "../harness/index.ts";

/** A line of the program below: its number and a fixed-width body. */
const LINE = /^line \d+ x{60}$/;

describe.skipIf(!pidNamespaces.ok)("a log file on a full disk (tend as PID 1)", () => {
  test("fill and free the disk four times: tend stays up, says so once a spell, and every line in the file is whole", async () => {
    using scratch = scratchDir("tend-disk-");
    const disk = scratch.dir;
    const mounted = spawnSync(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", disk]);
    if (mounted.exitCode !== 0) throw new Error(`cannot mount a tmpfs: ${mounted.stderr}`);
    try {
      await using tend = await launchTend({
        programs: `[program:writer]
command=sh -c 'i=0; while :; do i=$((i+1)); echo "line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; [ $((i %% 50)) = 0 ] && sleep 0.01; done'
stdout_logfile=${disk}/out.log
stdout_logfile_maxbytes=64KB
stdout_logfile_backups=1
startsecs=0
`,
      });
      await tend.ready();
      const log = join(disk, "out.log");
      const filler = join(disk, "filler");
      for (let cycle = 1; cycle <= 4; cycle++) {
        await waitFor(
          () => existsSync(log) && readFileSync(log).length > 4096,
          "lines in the file",
        );
        // Fill what is left of the disk: the writes that follow fail (ENOSPC).
        spawnSync(["sh", "-c", `dd if=/dev/zero of=${filler} bs=4k 2>/dev/null; sync`]);
        await tend.waitCount(`cannot write log file ${log}`, cycle, 10_000);
        // Space again: writing resumes.
        rmSync(filler, { force: true });
        await tend.waitCount(`log file ${log} is writable again`, cycle, 10_000);
      }
      await tend.call("supervisor.stopProcess", "writer");
      // The file and its rotated copy: whole lines only.
      for (const file of [log, `${log}.1`].filter((path) => existsSync(path))) {
        const lines = readFileSync(file, "latin1").split("\n");
        expect(lines.pop()).toBe("");
        expect({ file, torn: lines.filter((line) => !LINE.test(line)) }).toEqual({
          file,
          torn: [],
        });
      }
      expect(tend.ended).toBe(false);
      // One report per spell, not one per lost line.
      expect(tend.count(`cannot write log file ${log}`)).toBe(4);
    } finally {
      spawnSync(["umount", "-l", disk]);
    }
  }, 90_000);
});
