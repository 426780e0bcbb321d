// The executable's own pages in tend's resident set. Bun's runtime is one
// 110 MiB file; starting up touches some 40 MiB of its code and constants
// once (the bytecode loader, the config reader, spawning, the servers'
// setup), and those pages stay counted in tend's RSS although an idle tend
// never runs them again. After start, tend drops them from its page tables:
// they stay in the page cache (shared with every other tend on the machine,
// and reclaimable by the kernel as before), and a page that is needed again
// comes back through a minor fault, without reading the disk.

import { fs } from "./fs.ts";
import { forgetFilePages } from "./libc.ts";

interface Mapping {
  readonly start: number;
  readonly end: number;
  readonly perms: string;
  readonly path: string;
  rss: number;
  anonymous: number;
}

/** The mappings of /proc/self/smaps with their Rss and Anonymous sizes (bytes). */
export function parseSmaps(text: string): Mapping[] {
  const mappings: Mapping[] = [];
  let current: Mapping | undefined;
  for (const line of text.split("\n")) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      current = {
        start: Number.parseInt(head[1] ?? "", 16),
        end: Number.parseInt(head[2] ?? "", 16),
        perms: head[3] ?? "",
        path: head[4] ?? "",
        rss: 0,
        anonymous: 0,
      };
      mappings.push(current);
      continue;
    }
    const field = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (field && current) {
      if (field[1] === "Rss") current.rss = Number(field[2]) * 1024;
      else current.anonymous = Number(field[2]) * 1024;
    }
  }
  return mappings;
}

/**
 * The mappings whose pages may be dropped: the executable's, read-only and
 * private, and never written (no anonymous copy of any page, which
 * MADV_DONTNEED would lose).
 */
export function releasable(mappings: readonly Mapping[], executable: string): Mapping[] {
  return mappings.filter(
    (m) =>
      m.path === executable &&
      (m.perms === "r-xp" || m.perms === "r--p") &&
      m.anonymous === 0 &&
      m.rss > 0,
  );
}

/** Drops the executable's read-only pages from tend's resident set; the bytes they held, 0 if none or on any failure. */
export function releaseImagePages(): number {
  try {
    const executable = fs().readlinkSync("/proc/self/exe");
    const mappings = releasable(
      parseSmaps(fs().readFileSync("/proc/self/smaps", "latin1")),
      executable,
    );
    let released = 0;
    for (const m of mappings) if (forgetFilePages(m.start, m.end - m.start)) released += m.rss;
    return released;
  } catch {
    return 0;
  }
}
