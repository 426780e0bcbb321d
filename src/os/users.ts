// Looking up users in /etc/passwd: `user=` names are resolved when a program
// starts (SPEC section 9), and `tend check` warns about unknown ones.

import { fs } from "./fs.ts";

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

/** The ids of every group `user` belongs to: its primary group and those listing it in /etc/group. */
export function groupsOf(user: UserEntry, groupFile = "/etc/group"): number[] {
  const groups = new Set<number>([user.gid]);
  let text = "";
  try {
    text = fs().readFileSync(groupFile, "utf8");
  } catch {
    return [...groups];
  }
  for (const line of text.split("\n")) {
    const [, , gid, members] = line.split(":");
    if (gid !== undefined && members?.split(",").includes(user.name)) groups.add(Number(gid));
  }
  return [...groups];
}
