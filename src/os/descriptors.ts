// tend's own descriptors: how many it may open (the soft RLIMIT_NOFILE, as
// /proc/self/limits shows it) and how many are open now. The control
// server keeps its connections below what programs need (docs/control.md).

import { fs } from "./fs.ts";

/** The soft limit on open files, or undefined when /proc says "unlimited" or cannot be read. */
export function openFileLimit(): number | undefined {
  try {
    const limits = fs().readFileSync("/proc/self/limits", "latin1");
    const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
    const value = Number(soft);
    return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** How many descriptors tend has open now, or undefined when /proc cannot tell. */
export function openDescriptorCount(): number | undefined {
  try {
    return fs().readdirSync("/proc/self/fd").length;
  } catch {
    return undefined;
  }
}
