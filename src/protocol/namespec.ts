// supervisord's namespecs (options.py split_namespec, make_namespec): how a
// process is named on the wire — `name` when its group is named after it,
// else `group:name` — and how `group:*` (or `group:`) names a whole group.

export interface NamespecParts {
  readonly groupName: string;
  /** Undefined when the namespec names the whole group (`group:*`, `group:`). */
  readonly processName: string | undefined;
}

/** `g:name`, `g:*` or `g:` (the group), or `name` (the process of the group named after it). */
export function splitNamespec(namespec: string): NamespecParts {
  const colon = namespec.indexOf(":");
  if (colon < 0) return { groupName: namespec, processName: namespec };
  const processName = namespec.slice(colon + 1);
  return {
    groupName: namespec.slice(0, colon),
    processName: processName === "" || processName === "*" ? undefined : processName,
  };
}

/** `name` when the group is named after the process, else `group:name`. */
export function makeNamespec(groupName: string, processName: string): string {
  return groupName === processName ? processName : `${groupName}:${processName}`;
}
