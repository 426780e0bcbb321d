// The texts of `tend --help` and `tend check --help`, kept apart from parsing
// so both stay short. (`tend ctl --help` is supervisorctl's, in ctl/options.ts.)

import type { Usage } from "./args.ts";

export const USAGE = `Usage:
  tend [-c FILE]                      supervise the programs in FILE (run mode)
  tend [--single-child] -- CMD [ARG...]
                                      run one command as PID 1 (tini-style)
  tend ctl [ACTION [ARGS...]]         control a running tend
  tend check [-c FILE] [--yaml]       validate a config, start nothing
  tend --version | --help

Single-command mode:
  The command runs in its own session. tend reaps every zombie, forwards
  every catchable signal it receives to the command's process group, and
  exits with the command's exit code (128+N if signal N killed it).

Options:
  --single-child      forward signals to the command only, not its group
  -c, --configuration FILE
                      the config file (run mode)
  -h, --help          show this help
  -v, --version       show tend's version
`;

export const CHECK_USAGE = `Usage: tend check [-c FILE] [--yaml]

Loads the config as run mode would, prints every warning and error on
stderr and the effective config on stdout, and starts nothing. Exits 0 when
the config would run, 2 when it has errors.

Options:
  -c, --configuration FILE
                      the config file (default: searched for as run mode does)
  --yaml              print the effective config as YAML (default: the
                      format of the config file)
  -h, --help          show this help
`;

/** The text -h/--help prints. */
export function usageText(usage: Usage): string {
  return usage === "check" ? CHECK_USAGE : USAGE;
}
