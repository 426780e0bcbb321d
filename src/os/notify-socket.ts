// The receiving end of systemd's notify protocol for one process: a unix
// datagram socket whose path the program gets as NOTIFY_SOCKET.
//
// The sockets live in a directory of tend's own, made on first use with a
// unique name (mkdtemp): /run/tend-XXXXXX when tend may write /run (root,
// as in a container), else $XDG_RUNTIME_DIR, else the temporary directory.
// The directory is mode 0711: anyone may pass through it, nobody but tend
// may list it. Each socket has a random name and mode 0666, as systemd's
// own /run/systemd/notify is world-writable: a program that starts as root
// and drops to its own user (gosu, su-exec, postgres) can still notify,
// while a process that was not told the name (the program's environment is
// readable only by its user and root) cannot find it. Sockets are removed
// when their process ends, the directory when tend exits.

import { join } from "../core/paths.ts";
import { closeQuietly, fs, os } from "./fs.ts";
import { bindDatagramSocket, MAX_SOCKET_PATH_BYTES } from "./libc.ts";

export interface NotifySocket {
  /** What NOTIFY_SOCKET says. */
  readonly path: string;
  /** The bound socket, non-blocking and close-on-exec: whoever reads it closes it. */
  readonly fd: number;
  /** Removes the socket's file (again: nothing). */
  unlink(): void;
}

let directory: string | undefined;

function baseDirectory(): string {
  const isRoot = process.getuid?.() === 0;
  const candidates = isRoot ? ["/run"] : [process.env.XDG_RUNTIME_DIR ?? ""];
  for (const candidate of candidates) {
    if (!candidate.startsWith("/")) continue;
    try {
      fs().accessSync(candidate, fs().constants.W_OK | fs().constants.X_OK);
      if (fs().statSync(candidate).isDirectory()) return candidate;
    } catch {
      // not there, or not ours to write
    }
  }
  return os().tmpdir();
}

/** tend's directory of notify sockets, made (again, if it went away) on demand. */
function notifyDirectory(): string {
  if (directory !== undefined && fs().existsSync(directory)) return directory;
  const made = fs().mkdtempSync(join(baseDirectory(), "tend-"));
  fs().chmodSync(made, 0o711);
  if (directory === undefined) process.once("exit", removeNotifyDirectory);
  directory = made;
  return made;
}

/** A new socket for one process (one start of it). Throws with the reason. */
export function openNotifySocket(): NotifySocket {
  const name = Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString("hex");
  const path = join(notifyDirectory(), `${name}.sock`);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES)
    throw new Error(`the notify socket path would be too long (${path})`);
  const fd = bindDatagramSocket(path);
  try {
    fs().chmodSync(path, 0o666);
  } catch (error) {
    closeQuietly(fd);
    removeQuietly(path);
    throw error;
  }
  return { path, fd, unlink: () => removeQuietly(path) };
}

/** Removes tend's notify directory and whatever is left in it (at exit). */
export function removeNotifyDirectory(): void {
  if (directory === undefined) return;
  try {
    fs().rmSync(directory, { recursive: true, force: true });
  } catch {
    // nothing more to do at exit
  }
}

/** Where the sockets live now (undefined until the first one). */
export function notifyDirectoryPath(): string | undefined {
  return directory;
}

function removeQuietly(path: string): void {
  try {
    fs().unlinkSync(path);
  } catch {
    // already gone
  }
}
