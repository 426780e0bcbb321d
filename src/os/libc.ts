// The only module that touches bun:ffi: the few C library calls that Bun and
// Node do not expose (waitpid on one pid, prctl, pipes with a chosen size, a
// write(2) that reports EAGAIN instead of waiting, a unix datagram socket). bun:ffi and the C library
// are loaded on first use: importing bun:ffi alone costs an idle tend over
// 1 MiB of resident memory, and as PID 1 it may never need them.

import type * as Ffi from "bun:ffi";
import { closeQuietly } from "./fs.ts";

const ffi = (): typeof Ffi => require("bun:ffi") as typeof Ffi;

const WNOHANG = 1;
const PR_SET_CHILD_SUBREAPER = 36;
const O_CLOEXEC = 0o2000000;
const O_NONBLOCK = 0o4000;
const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;
const F_GETFL = 3;
const F_SETFL = 4;
const F_SETPIPE_SZ = 1031;
const EAGAIN = 11;
const EINTR = 4;

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
  pipe2: { args: ["ptr", "i32"], returns: "i32" },
  fcntl: { args: ["i32", "i32", "i32"], returns: "i32" },
  write: { args: ["i32", "ptr", "u64"], returns: "i64" },
  socket: { args: ["i32", "i32", "i32"], returns: "i32" },
  bind: { args: ["i32", "ptr", "u32"], returns: "i32" },
  isatty: { args: ["i32"], returns: "i32" },
  madvise: { args: ["u64", "u64", "i32"], returns: "i32" },
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

const pipeEnds = new Int32Array(2);

const MADV_DONTNEED = 4;

/**
 * Drops this process's page-table entries for [start, start + bytes) of a
 * private, read-only file mapping: the pages leave its resident set and stay
 * in the page cache, read back by a minor fault when next touched.
 * madvise(2) MADV_DONTNEED; false if the kernel refused.
 */
export function forgetFilePages(start: number, bytes: number): boolean {
  return libc().madvise(BigInt(start), BigInt(bytes), MADV_DONTNEED) === 0;
}

/**
 * Whether `fd` is a terminal. node:tty answers the same, but loading it
 * (with node:net and the streams it brings) cost run mode's start 5 ms.
 */
export function isTerminal(fd: number): boolean {
  return libc().isatty(fd) === 1;
}

/**
 * pipe2(O_CLOEXEC): [read end, write end]. Close-on-exec on both, so a
 * program spawned at the same time never inherits another one's pipe (which
 * would keep it from ever reaching end of file).
 */
export function makePipe(): [number, number] {
  check(libc().pipe2(ffi().ptr(pipeEnds), O_CLOEXEC), "pipe2");
  return [pipeEnds[0] as number, pipeEnds[1] as number];
}

/**
 * fcntl(F_SETPIPE_SZ): asks for a bigger pipe buffer, so a program writing
 * fast hands over more per wake-up of tend. Returns the size granted, or -1
 * when refused (over /proc/sys/fs/pipe-max-size for an unprivileged user).
 */
export function setPipeSize(fd: number, bytes: number): number {
  return libc().fcntl(fd, F_SETPIPE_SZ, bytes);
}

/** Sets or clears O_NONBLOCK; returns the previous flags (for restoring), or -1. */
export function setNonBlocking(fd: number, on: boolean): number {
  const lib = libc();
  const flags = lib.fcntl(fd, F_GETFL, 0);
  if (flags < 0) return -1;
  lib.fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
  return flags;
}

/**
 * Clears close-on-exec, so that `fd` survives an exec. (Bun marks every
 * descriptor it inherits close-on-exec when it starts, tend's exec
 * trampoline included.) False when `fd` is not open.
 */
export function keepAcrossExec(fd: number): boolean {
  const lib = libc();
  const flags = lib.fcntl(fd, F_GETFD, 0);
  return flags >= 0 && lib.fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) === 0;
}

/** Puts back the flags setNonBlocking returned. */
export function restoreFlags(fd: number, flags: number): void {
  if (flags >= 0) libc().fcntl(fd, F_SETFL, flags);
}

/**
 * write(2) as it is: the number of bytes written, "again" when a
 * non-blocking descriptor is full (EAGAIN), or the error's name and text.
 * (Bun's fs.writeSync waits out EAGAIN, which would stall tend behind a
 * slow reader.)
 */
export function writeSome(
  fd: number,
  bytes: Uint8Array,
): number | "again" | { code: string; message: string } {
  if (bytes.length === 0) return 0;
  const lib = libc();
  for (;;) {
    const written = Number(lib.write(fd, ffi().ptr(bytes), bytes.length));
    if (written >= 0) return written;
    const code = errno(lib);
    if (code === EINTR) continue;
    if (code === EAGAIN) return "again";
    return { code: ERRNO_NAMES[code] ?? `errno ${code}`, message: String(lib.strerror(code)) };
  }
}

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = O_NONBLOCK;
const SOCK_CLOEXEC = O_CLOEXEC;
/** sizeof(struct sockaddr_un): a 2-byte family, then sun_path[108]. */
const SOCKADDR_UN_BYTES = 110;
/** The longest path sun_path holds, its terminating NUL aside. */
export const MAX_SOCKET_PATH_BYTES = 107;

/**
 * A unix datagram socket bound to `path` (which must not exist), non-blocking
 * and close-on-exec: the receiving end of systemd's notify protocol. Throws
 * with the reason when it cannot be made; closes what it made on failure.
 */
export function bindDatagramSocket(path: string): number {
  const bytes = Buffer.from(path, "utf8");
  if (bytes.length > MAX_SOCKET_PATH_BYTES)
    throw new Error(`socket path longer than ${MAX_SOCKET_PATH_BYTES} bytes: ${path}`);
  const lib = libc();
  const fd = lib.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) check(fd, "socket(AF_UNIX, SOCK_DGRAM)");
  const address = Buffer.alloc(SOCKADDR_UN_BYTES);
  address.writeUInt16LE(AF_UNIX, 0);
  bytes.copy(address, 2);
  const result = lib.bind(fd, ffi().ptr(address), 2 + bytes.length + 1);
  if (result !== 0) {
    const code = errno(lib);
    closeQuietly(fd);
    throw new Error(`bind(${path}) failed: ${String(lib.strerror(code))} (errno ${code})`);
  }
  return fd;
}

const ERRNO_NAMES: Record<number, string> = {
  5: "EIO",
  9: "EBADF",
  13: "EACCES",
  27: "EFBIG",
  28: "ENOSPC",
  32: "EPIPE",
  122: "EDQUOT",
};
