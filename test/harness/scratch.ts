// Scratch directories and the INI configs written into them.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trackDirectory } from "./registry.ts";

export interface Scratch extends Disposable {
  readonly dir: string;
  /** A path inside the directory. */
  path(name: string): string;
  /** Removes the directory and everything in it. */
  cleanup(): void;
}

/** A fresh directory for one test's (or bench run's) files, removed by cleanup() or at the end. */
export function scratchDir(prefix = "tend-test-", parent = tmpdir()): Scratch {
  const dir = mkdtempSync(join(parent, prefix));
  const resource = trackDirectory(dir);
  const cleanup = () => resource.disposeNow();
  return { dir, path: (name) => join(dir, name), cleanup, [Symbol.dispose]: cleanup };
}

/**
 * One INI file that tend and supervisord both accept: supervisord needs the
 * unix server, the rpcinterface and the supervisorctl sections, which tend
 * accepts too. Its main log goes to `dir/supervisor.log` at level info;
 * `supervisord` adds lines to the [supervisord] section.
 */
export function writeConfig(
  dir: string,
  programs: string,
  supervisord = "",
): { config: string; log: string; socket: string } {
  const config = join(dir, "supervisord.conf");
  const log = join(dir, "supervisor.log");
  const socket = join(dir, "supervisor.sock");
  writeFileSync(
    config,
    `[supervisord]
nodaemon=true
logfile=${log}
logfile_maxbytes=0
loglevel=info
pidfile=${dir}/supervisord.pid
childlogdir=${dir}
${supervisord}
[unix_http_server]
file=${socket}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://${socket}

${programs}`,
  );
  return { config, log, socket };
}
