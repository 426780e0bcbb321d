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

Loads the config as run mode would (TEND_<KEY> variables included), prints
every warning and error on stderr and the effective config on stdout, and
starts nothing. In the config, comments give the shutdown order and its
worst case, what each program waits for and its checks, and the values set
by TEND_ variables. A shutdown longer than docker stop's 10 s (or
$TEND_GRACE_PERIOD seconds) is a warning. Exits 0 when the config would
run, 2 when it has errors.

Options:
  -c, --configuration FILE
                      the config file (default: searched for as run mode does)
  --yaml              print the effective config as YAML (default: the
                      format of the config file)
  -h, --help          show this help
`;

/**
 * `supervisord -h` (or `-?`) when tend runs through a link named
 * supervisord: supervisord's options, one a line, in supervisord's layout
 * (tools look for its first words), with what each does in tend.
 */
export const SUPERVISORD_USAGE = `supervisord -- run a set of applications as daemons (here tend, in supervisord's place).

Usage: supervisord [options]

Options:
-c/--configuration FILENAME -- the config file (searched for when not given)
-n/--nodaemon -- stay in the foreground (tend always does)
-s/--silent -- keep tend's own log off stdout (silent=true)
-h/--help -- print this message and exit (so does -?)
-v/--version -- print the supervisord version tend follows and exit
-u/--user USER -- the user (name or uid) tend runs as; it must start as root
-m/--umask UMASK -- accepted (supervisord applies it only when daemonizing)
-d/--directory DIRECTORY -- accepted (supervisord changes to it only when daemonizing)
-l/--logfile FILENAME -- use FILENAME as tend's own log (logfile=)
-y/--logfile_maxbytes BYTES -- rotate tend's log once it reaches BYTES
-z/--logfile_backups NUM -- keep NUM rotated copies of tend's log
-e/--loglevel LEVEL -- critical, error, warn, info, debug, trace or blather
-j/--pidfile FILENAME -- write tend's pid to FILENAME
-i/--identifier STR -- the identifier getIdentification answers
-q/--childlogdir DIRECTORY -- accepted (AUTO logs go to tend's stdout)
-k/--nocleanup -- accepted (tend leaves no automatic logs to clean up)
-a/--minfds NUM -- descriptors kept for programs (tend does not raise the limit)
-t/--strip_ansi -- remove ANSI escape sequences from program output
--minprocs NUM -- accepted (tend does not raise resource limits)
--profile_options OPTIONS -- accepted and ignored (there is no Python profiler in tend)
`;

/** The text -h/--help prints. */
export function usageText(usage: Usage): string {
  if (usage === "supervisord") return SUPERVISORD_USAGE;
  return usage === "check" ? CHECK_USAGE : USAGE;
}
