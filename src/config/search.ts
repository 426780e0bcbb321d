// Where run mode, `check` and `ctl` look for a config when -c is not given
// (docs/configuration.md): tend's own places, then supervisord's search list.

import { dirname, join } from "../core/paths.ts";
import { fs } from "../os/fs.ts";

export function configCandidates(
  env: Readonly<Record<string, string | undefined>>,
  executable: string,
): string[] {
  const exeDir = dirname(executable);
  return [
    ...(env.TEND_CONFIG ? [env.TEND_CONFIG] : []),
    "./tend.yaml",
    "./tend.yml",
    "./tend.ini",
    "/etc/tend/tend.yaml",
    "/etc/tend/tend.ini",
    join(exeDir, "../etc/supervisord.conf"),
    join(exeDir, "../supervisord.conf"),
    "./supervisord.conf",
    "./etc/supervisord.conf",
    "/etc/supervisord.conf",
    "/etc/supervisor/supervisord.conf",
  ];
}

/** The first candidate that exists, or the list of places looked at. */
export function findConfig(
  env: Readonly<Record<string, string | undefined>>,
  executable: string,
  exists: (path: string) => boolean = (path) => fs().existsSync(path),
): { found: string } | { lookedAt: string[] } {
  const candidates = configCandidates(env, executable);
  const found = candidates.find((path) => exists(path));
  return found === undefined ? { lookedAt: candidates } : { found };
}
