// tend's exec trampoline: `tend --internal-exec-as UID GID GROUPS FDS -- CMD...`
// drops to the user's uid, gid and supplementary groups, then becomes CMD
// (same pid, so the supervisor's bookkeeping is unchanged). It exists
// because Bun's spawner sets uid and gid but not supplementary groups. FDS
// (comma-separated, maybe empty) are the descriptors past stderr that CMD
// must get (fd:N's notification pipe): Bun starting up marked them
// close-on-exec, so the trampoline clears that before it execs.

import { dropPrivileges, execvp, keepAcrossExec } from "./libc.ts";
import { writeStderr } from "./output.ts";

/** Never returns: execs, or exits 127 after saying why on stderr. */
export function execAs(args: readonly string[]): never {
  const [uid, gid, groups, fds, separator, ...argv] = args;
  if (
    uid === undefined ||
    gid === undefined ||
    groups === undefined ||
    fds === undefined ||
    separator !== "--" ||
    argv.length === 0
  ) {
    fail("usage: tend --internal-exec-as UID GID GROUP,... FD,... -- CMD [ARG...]");
  }
  for (const fd of fds === "" ? [] : fds.split(",").map(Number)) {
    if (!keepAcrossExec(fd)) fail(`couldn't pass descriptor ${fd} on: it is not open`);
  }
  try {
    dropPrivileges(Number(uid), Number(gid), groups === "" ? [] : groups.split(",").map(Number));
  } catch (error) {
    fail(`couldn't setuid to ${uid}: ${(error as Error).message}`);
  }
  fail(`couldn't exec ${argv[0]}: ${execvp(argv)}`);
}

function fail(message: string): never {
  writeStderr(`${message}\n`);
  process.exit(127);
}
