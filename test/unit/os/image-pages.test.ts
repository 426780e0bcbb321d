// The executable's read-only pages leave the resident set: which mappings
// qualify (read from a real smaps layout), and the real kernel doing it to
// this very process, which keeps running from the pages it faults back in.

import { describe, expect, test } from "bun:test";
import { readFileSync, readlinkSync } from "node:fs";
import { parseSmaps, releasable, releaseImagePages } from "../../../src/os/image-pages.ts";

const EXE = "/usr/local/bin/tend";

const SMAPS = `00200000-01a39000 r--p 00000000 fd:01 123 ${EXE}
Size:              24804 kB
Rss:                6308 kB
Anonymous:             0 kB
01a40000-0684a000 r-xp 01838000 fd:01 123 ${EXE}
Size:              80000 kB
Rss:               29372 kB
Anonymous:             0 kB
06867000-06e8f000 rw-p 06666000 fd:01 123 ${EXE}
Rss:                3584 kB
Anonymous:          1200 kB
06e8f000-06e90000 r--p 06c8e000 fd:01 123 ${EXE}
Rss:                   4 kB
Anonymous:             4 kB
06e90000-06e92000 rw-p 06c8f000 fd:01 123 ${EXE}
Rss:                   8 kB
Anonymous:             0 kB
07000000-07001000 r--p 00000000 fd:01 123 ${EXE}
Rss:                   0 kB
Anonymous:             0 kB
7f28d2fca000-7f28d3120000 r-xp 00026000 fd:01 456 /usr/lib/x86_64-linux-gnu/libc.so.6
Rss:                1048 kB
Anonymous:             0 kB
3b60e400000-3b64e400000 rw-p 00000000 00:00 0 
Rss:                6948 kB
Anonymous:          6948 kB
`;

function residentFileKiB(): number {
  return Number(/^RssFile:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "latin1"))?.[1]);
}

describe("which pages may go", () => {
  test("smaps mappings with their range, permissions, path, Rss and Anonymous", () => {
    const mappings = parseSmaps(SMAPS);
    expect(mappings).toHaveLength(8);
    expect(mappings[1]).toEqual({
      start: 0x1a40000,
      end: 0x684a000,
      perms: "r-xp",
      path: EXE,
      rss: 29372 * 1024,
      anonymous: 0,
    });
    expect(mappings[7]?.path).toBe("");
  });

  test("only the executable's read-only private mappings that hold pages and were never written", () => {
    const chosen = releasable(parseSmaps(SMAPS), EXE).map((m) => m.start.toString(16));
    // Not: the writable data (written to or not), a read-only mapping with a written (anonymous) page,
    // an empty one, another file's code, anonymous memory.
    expect(chosen).toEqual(["200000", "1a40000"]);
  });
});

describe("releaseImagePages (this process, the real kernel)", () => {
  test("the executable's resident pages drop, and the process runs on", () => {
    const executable = readlinkSync("/proc/self/exe");
    const before = releasable(parseSmaps(readFileSync("/proc/self/smaps", "latin1")), executable);
    const heldBefore = before.reduce((sum, m) => sum + m.rss, 0);
    expect(heldBefore).toBeGreaterThan(1024 * 1024);
    const fileBefore = residentFileKiB();
    const released = releaseImagePages();
    const fileAfter = residentFileKiB();
    // What it held when it was released (a little more than just before: this test ran meanwhile).
    expect(released).toBeGreaterThanOrEqual(heldBefore * 0.9);
    // What this test's own code touched since comes back; most stays out.
    expect(fileBefore - fileAfter).toBeGreaterThan(released / 1024 / 2);
    // The runtime still works: code and constants fault back in.
    expect(JSON.parse(JSON.stringify({ still: [1, 2, 3] }))).toEqual({ still: [1, 2, 3] });
    expect(new TextDecoder().decode(new TextEncoder().encode("é"))).toBe("é");
  });
});
