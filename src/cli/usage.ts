// The text of `tend --help`, kept apart from parsing so both stay short.

export const USAGE = `Usage:
  tend [-c FILE]                      supervise the programs in FILE (run mode)
  tend [--single-child] -- CMD [ARG...]
                                      run one command as PID 1 (tini-style)
  tend ctl [ACTION [ARGS...]]         control a running tend
  tend check [-c FILE]                validate a config, start nothing
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
