// Looking up users in /etc/passwd and groups in /etc/group: `user=` names are
// resolved when a program starts (so a config can be checked on a machine
// that lacks the user), `tend check` warns about unknown ones, and the
// control socket's `chown=user:group` is resolved here.

import { fs } from "./fs.ts";
import { dropPrivileges } from "./libc.ts";

export interface UserEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

function passwdEntries(path: string): UserEntry[] {
  let text: string;
  try {
    text = fs().readFileSync(path, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").flatMap((line) => {
    const [name, , uid, gid, , home] = line.split(":");
    if (!name || uid === undefined || gid === undefined) return [];
    return [{ name, uid: Number(uid), gid: Number(gid), home: home ?? "/" }];
  });
}

/** A user by name, or by numeric id as supervisord accepts. */
export function findUser(nameOrId: string, passwd = "/etc/passwd"): UserEntry | undefined {
  const entries = passwdEntries(passwd);
  if (/^\d+$/.test(nameOrId)) return entries.find((entry) => entry.uid === Number(nameOrId));
  return entries.find((entry) => entry.name === nameOrId);
}

function groupLines(groupFile: string): string[][] {
  try {
    return fs()
      .readFileSync(groupFile, "utf8")
      .split("\n")
      .map((line) => line.split(":"));
  } catch {
    return [];
  }
}

/** A group's id by name, or the number itself. */
export function findGroupId(nameOrId: string, groupFile = "/etc/group"): number | undefined {
  if (/^\d+$/.test(nameOrId)) return Number(nameOrId);
  const found = groupLines(groupFile).find(
    ([name, , gid]) => name === nameOrId && gid !== undefined,
  );
  return found === undefined ? undefined : Number(found[2]);
}

/** The ids of every group `user` belongs to: its primary group and those listing it in /etc/group. */
export function groupsOf(user: UserEntry, groupFile = "/etc/group"): number[] {
  const groups = new Set<number>([user.gid]);
  for (const [, , gid, members] of groupLines(groupFile)) {
    if (gid !== undefined && members?.split(",").includes(user.name)) groups.add(Number(gid));
  }
  return [...groups];
}

/**
 * `[supervisord] user` (or supervisord's -u): tend itself becomes that user,
 * with its groups, as supervisord does at start. Nothing to do when it is
 * that user already; only root can switch. Why not, when it could not.
 */
export function becomeUser(nameOrId: string): string | undefined {
  const user = findUser(nameOrId);
  if (!user)
    return /^\d+$/.test(nameOrId)
      ? `Can't find uid ${nameOrId}`
      : `Can't find username '${nameOrId}'`;
  const uid = process.getuid?.() ?? 0;
  if (uid === user.uid) return undefined;
  if (uid !== 0) return "Can't drop privilege as nonroot user";
  try {
    dropPrivileges(user.uid, user.gid, groupsOf(user));
    return undefined;
  } catch (error) {
    return `Could not switch to user ${user.name}: ${(error as Error).message}`;
  }
}
