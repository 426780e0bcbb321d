// The only module that touches bun:ffi: the few C library calls that Bun and
// Node do not expose (waitpid on one pid, prctl). bun:ffi and the C library
// are loaded on first use: importing bun:ffi alone costs an idle tend over
// 1 MiB of resident memory, and as PID 1 it may never need them.

import type * as Ffi from "bun:ffi";

const ffi = (): typeof Ffi => require("bun:ffi") as typeof Ffi;

const WNOHANG = 1;
const PR_SET_CHILD_SUBREAPER = 36;

// Types by name, so that declaring them needs nothing from bun:ffi at runtime.
const symbols = {
  waitpid: { args: ["i32", "ptr", "i32"], returns: "i32" },
  prctl: { args: ["i32", "u64", "u64", "u64", "u64"], returns: "i32" },
  __errno_location: { args: [], returns: "ptr" },
  setgroups: { args: ["u64", "ptr"], returns: "i32" },
  setgid: { args: ["u32"], returns: "i32" },
  setuid: { args: ["u32"], returns: "i32" },
  execvp: { args: ["ptr", "ptr"], returns: "i32" },
  strerror: { args: ["i32"], returns: "cstring" },
} as const;

type Libc = ReturnType<typeof Ffi.dlopen<typeof symbols>>["symbols"];

/**
 * glibc names its C library libc.so.6; musl (Alpine) ships one file that is
 * both the dynamic loader and libc, linked as libc.musl-<arch>.so.1.
 */
function libcCandidates(): string[] {
  const muslArch = process.arch === "arm64" ? "aarch64" : "x86_64";
  return ["libc.so.6", `libc.musl-${muslArch}.so.1`, `/lib/ld-musl-${muslArch}.so.1`, "libc.so"];
}

let loaded: Libc | undefined;

function libc(): Libc {
  if (loaded) return loaded;
  const failures: string[] = [];
  for (const name of libcCandidates()) {
    try {
      loaded = ffi().dlopen(name, symbols).symbols;
      return loaded;
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new Error(`cannot load the C library (${failures.join("; ")})`);
}

function errno(lib: Libc): number {
  const where = lib.__errno_location();
  if (where === null) return 0;
  return new Int32Array(ffi().toArrayBuffer(where, 0, 4))[0] ?? 0;
}

const statusCell = new Int32Array(1);

/**
 * waitpid(pid, &status, WNOHANG) for one pid. Returns the raw status when the
 * pid was reaped, `undefined` when it is still running or not our child.
 */
export function reapIfExited(pid: number): number | undefined {
  // 0: still running; -1 (ECHILD): not a child of ours, or already reaped.
  return libc().waitpid(pid, ffi().ptr(statusCell), WNOHANG) === pid ? statusCell[0] : undefined;
}

/**
 * Makes this process the reaper of its descendants' orphans, as PID 1 is in a
 * container (prctl(2) PR_SET_CHILD_SUBREAPER, Linux 3.4+).
 */
export function becomeChildSubreaper(): void {
  const lib = libc();
  if (lib.prctl(PR_SET_CHILD_SUBREAPER, 1n, 0n, 0n, 0n) !== 0) {
    throw new Error(`prctl(PR_SET_CHILD_SUBREAPER) failed with errno ${errno(lib)}`);
  }
}

function check(result: number, what: string): void {
  if (result === 0) return;
  const lib = libc();
  const code = errno(lib);
  throw new Error(`${what} failed: ${String(lib.strerror(code))} (errno ${code})`);
}

/**
 * Drops to `uid`, `gid` and the supplementary `groups`, in the order that
 * works (groups and gid while still privileged, uid last). Bun's spawner
 * sets only uid and gid, leaving root's supplementary groups in place.
 */
export function dropPrivileges(uid: number, gid: number, groups: readonly number[]): void {
  const list = new Uint32Array(groups.length === 0 ? 1 : groups.length);
  list.set(groups);
  check(libc().setgroups(BigInt(groups.length), ffi().ptr(list)), "setgroups");
  check(libc().setgid(gid), `setgid(${gid})`);
  check(libc().setuid(uid), `setuid(${uid})`);
}

/**
 * execvp(2): replaces this process with `argv` (searching PATH). Returns only
 * on failure, with the reason.
 */
export function execvp(argv: readonly string[]): string {
  const { ptr } = ffi();
  const strings = argv.map((arg) => Buffer.from(`${arg}\0`, "utf8"));
  const pointers = new BigUint64Array(argv.length + 1);
  strings.forEach((bytes, i) => {
    pointers[i] = BigInt(ptr(bytes));
  });
  const lib = libc();
  lib.execvp(ptr(strings[0] as Buffer), ptr(pointers));
  const code = errno(lib);
  return `${String(lib.strerror(code))} (errno ${code})`;
}
