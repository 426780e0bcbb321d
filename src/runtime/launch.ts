// What starting a command on behalf of a program takes, resolved as
// supervisord resolves it: the environment (tend's, supervisord's
// SUPERVISOR_* variables, the program's environment=), the executable found
// on that environment's PATH, the user, directory and umask. Shared by the
// program's own spawn and its check commands, which run as the program does.

import type { ProcessConfig } from "../config/model.ts";
import { resolveCommand } from "../os/command.ts";
import type { Credentials, SpawnRequest } from "../os/spawn.ts";
import { findUser, groupsOf } from "../os/users.ts";
import { SpawnFailure } from "./ports.ts";

/**
 * Everything a spawn of `command` (argv, unresolved) for `process` needs but
 * its stdio; a SpawnFailure in supervisord's words when something is missing.
 */
export function launchRequest(
  process: ProcessConfig,
  command: readonly string[],
  /** SUPERVISOR_SERVER_URL for programs whose serverurl is AUTO. */
  serverUrl: string,
): SpawnRequest {
  const env: Record<string, string | undefined> = {
    ...globalThis.process.env,
    SUPERVISOR_ENABLED: "1",
    SUPERVISOR_PROCESS_NAME: process.name,
    SUPERVISOR_GROUP_NAME: process.group,
    SUPERVISOR_SERVER_URL: process.serverurl === "AUTO" ? serverUrl : process.serverurl,
    ...process.environment,
  };
  const [program = "", ...args] = command;
  const resolved = resolveCommand(program, env.PATH);
  if (!resolved.ok) throw new SpawnFailure(resolved.message);
  return {
    argv: [resolved.filename, ...args],
    argv0: program,
    newSession: true,
    env,
    cwd: process.directory,
    umask: process.umask,
    credentials: credentialsOf(process),
  };
}

/** The uid, gid and groups to run as, when `user=` asks for a change. */
function credentialsOf(process: ProcessConfig): Credentials | undefined {
  if (process.user === undefined) return undefined;
  const user = findUser(process.user);
  if (!user) throw new SpawnFailure(`user '${process.user}' does not exist`);
  const uid = globalThis.process.getuid?.() ?? 0;
  if (uid !== 0 && uid !== user.uid)
    throw new SpawnFailure(`can't run as user '${process.user}': tend is not running as root`);
  return uid === 0 ? { uid: user.uid, gid: user.gid, groups: groupsOf(user) } : undefined;
}
