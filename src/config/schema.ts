// Every section's keys: converter and default (supervisord's, as raw text it
// would read, except where tend differs on purpose: docs/migrating.md). Adding a key is one line
// here; its type in the model follows from the converter.

import type { Converter } from "./converters.ts";
import * as c from "./converters.ts";
import type { RawValue } from "./raw.ts";
import * as t from "./tend-converters.ts";

export interface KeySpec<T> {
  readonly convert: Converter<T>;
  /** Raw default, expanded and converted like a given value; or from earlier keys. */
  readonly default:
    | RawValue
    | undefined
    | ((earlier: Readonly<Record<string, unknown>>) => RawValue);
  /** Expanded per process (with process_num), as supervisord does for these keys. */
  readonly perProcess?: boolean;
  /** Expanded twice, as supervisord does for these keys. */
  readonly expandTwice?: boolean;
}

const key = <T>(
  convert: Converter<T>,
  dflt: KeySpec<T>["default"],
  perProcess = false,
): KeySpec<T> => ({ convert, default: dflt, perProcess });

const twice = <T>(spec: KeySpec<T>): KeySpec<T> => ({ ...spec, expandTwice: true });

/** A key with no default: absent from the model unless given. */
const optional = <T>(convert: Converter<T>, perProcess = false): KeySpec<T | undefined> =>
  key(convert as Converter<T | undefined>, undefined, perProcess);

/** The most copies one program may have (supervisord has no limit; 10^12 hung tend). */
export const MAX_NUMPROCS = 10_000;

/** The [program:x] keys of supervisord 4.2.5, with its defaults. */
export const SUPERVISORD_PROGRAM_KEYS = {
  command: optional(c.command, true),
  process_name: key(c.name, "%(program_name)s", true),
  numprocs: key(c.integer(1, MAX_NUMPROCS), "1"),
  numprocs_start: key(c.integer(0), "0"),
  priority: key(c.integer(), "999"),
  autostart: key(c.boolean, "true"),
  startsecs: key(c.integer(0), "1"),
  // An integer, or `unlimited` (tend's, with backoff=exponential).
  startretries: key(t.startretries, "3"),
  autorestart: key(c.autorestart, "unexpected"),
  exitcodes: key(c.exitcodes, "0"),
  stopsignal: key(c.signal, "TERM"),
  stopwaitsecs: key(c.integer(0), "10"),
  stopasgroup: key(c.boolean, "false"),
  killasgroup: key(c.boolean, (earlier) => String(earlier.stopasgroup)),
  user: optional(c.string),
  redirect_stderr: key(c.boolean, "false"),
  stdout_logfile: twice(key(c.logfile, "AUTO", true)),
  stdout_logfile_maxbytes: key(c.byteSize, "50MB", true),
  stdout_logfile_backups: key(c.integer(0), "10", true),
  stdout_capture_maxbytes: key(c.byteSize, "0"),
  stdout_events_enabled: key(c.boolean, "false"),
  stdout_syslog: key(c.boolean, "false", true),
  stderr_logfile: twice(key(c.logfile, "AUTO", true)),
  stderr_logfile_maxbytes: key(c.byteSize, "50MB", true),
  stderr_logfile_backups: key(c.integer(0), "10", true),
  stderr_capture_maxbytes: key(c.byteSize, "0"),
  stderr_events_enabled: key(c.boolean, "false"),
  stderr_syslog: key(c.boolean, "false", true),
  environment: key(c.environment, "", true),
  directory: optional(c.string, true),
  umask: optional(c.octal),
  serverurl: key(c.serverurl, "AUTO"),
} satisfies Record<string, KeySpec<unknown>>;

/** tend's own [program:x] keys (container features beyond supervisord). */
export const TEND_PROGRAM_KEYS = {
  // A critical program's end ends tend.
  critical: key(c.boolean, "false"),
  // The in-memory tail of a stream with no log file.
  stdout_tail_bytes: key(c.byteSize, "64KB"),
  stderr_tail_bytes: key(c.byteSize, "64KB"),
  // Readiness: STARTING lasts until it passes; RUNNING keeps checking.
  ready_check: key(t.readyCheck, "", true),
  ready_initial_delay: key(t.seconds(), "0"),
  ready_period: key(t.seconds(0, true), "1"),
  ready_timeout: key(t.seconds(0, true), "1"),
  ready_success_threshold: key(c.integer(1), "1"),
  ready_failure_threshold: key(c.integer(1), "3"),
  // Liveness: while RUNNING; enough failures in a row restart the program.
  live_check: key(t.liveCheck, "", true),
  live_initial_delay: key(t.seconds(), "0"),
  live_period: key(t.seconds(0, true), "10"),
  live_timeout: key(t.seconds(0, true), "1"),
  live_failure_threshold: key(c.integer(1), "3"),
  // What it waits for before it is spawned.
  depends_on: key(t.dependencies, ""),
  depends_timeout: key(t.seconds(), "0"),
  // The restart policy: supervisord's linear one, or exponential.
  backoff: key(c.oneOf("supervisord", "exponential"), "supervisord"),
  backoff_initial: key(t.seconds(0, true), "1"),
  backoff_multiplier: key(t.number(1, 1000), "2"),
  backoff_max: key(t.seconds(0, true), "60"),
  backoff_jitter: key(t.number(0, 1), "0.1"),
  backoff_reset: key(t.seconds(), "60"),
} satisfies Record<string, KeySpec<unknown>>;

export const PROGRAM_KEYS = {
  ...SUPERVISORD_PROGRAM_KEYS,
  ...TEND_PROGRAM_KEYS,
} satisfies Record<string, KeySpec<unknown>>;

/** An [eventlistener:x]: a program's keys, a priority that starts it first and stops it last. */
export const LISTENER_PROCESS_KEYS = {
  ...PROGRAM_KEYS,
  priority: key(c.integer(), "-1"),
} satisfies Record<string, KeySpec<unknown>>;

/** What an [eventlistener:x] adds to a program's keys: the pool's settings. */
export const LISTENER_POOL_KEYS = {
  events: key(c.eventNames, ""),
  buffer_size: key(c.integer(1), "10"),
  result_handler: key(c.string, "supervisor.dispatchers:default_handler"),
} satisfies Record<string, KeySpec<unknown>>;

export const GROUP_KEYS = {
  programs: key(c.listOfNames, ""),
  priority: key(c.integer(), "999"),
} satisfies Record<string, KeySpec<unknown>>;

export const SUPERVISORD_KEYS = {
  // tend's log goes to its stdout unless told otherwise (a container's log).
  logfile: key(c.logfile, "/dev/stdout"),
  logfile_maxbytes: key(c.byteSize, "50MB"),
  logfile_backups: key(c.integer(0), "10"),
  loglevel: key(c.loglevel, "info"),
  pidfile: optional(c.string),
  umask: key(c.octal, "022"),
  nodaemon: key(c.boolean, "false"),
  silent: key(c.boolean, "false"),
  minfds: key(c.integer(0), "1024"),
  minprocs: key(c.integer(0), "200"),
  nocleanup: key(c.boolean, "false"),
  childlogdir: optional(c.string),
  user: optional(c.string),
  directory: optional(c.string),
  strip_ansi: key(c.boolean, "false"),
  environment: twice(key(c.environment, "")),
  identifier: key(c.string, "supervisor"),
  // tend's own: how program lines look on tend's stdout
  log_format: key(c.oneOf("text", "json"), "text"),
  log_prefix: key(c.boolean, "true"),
  // tend's own: after the first TERM, /readyz fails and programs keep running this long.
  shutdown_delay: key(t.seconds(), "0"),
} satisfies Record<string, KeySpec<unknown>>;

export const UNIX_HTTP_SERVER_KEYS = {
  file: key(c.string, "/run/tend.sock"),
  chmod: key(c.octal, "0700"),
  chown: optional(c.string),
  username: optional(c.string),
  password: optional(c.string),
} satisfies Record<string, KeySpec<unknown>>;

export const INET_HTTP_SERVER_KEYS = {
  port: optional(c.inetAddress),
  username: optional(c.string),
  password: optional(c.string),
  // tend's dashboard at / (here and on the socket): with its actions, without, or none.
  ui: key(c.oneOf("full", "readonly", "off"), "full"),
} satisfies Record<string, KeySpec<unknown>>;

/** tend's own [health] listener: /livez, /readyz, /metrics, no auth, no control. */
export const HEALTH_KEYS = {
  port: optional(c.integer(1, 65535)),
  // All interfaces by default: a kubelet probes the pod's IP.
  host: key(c.string, ""),
} satisfies Record<string, KeySpec<unknown>>;

export const SUPERVISORCTL_KEYS = {
  serverurl: optional(c.serverurl),
  username: optional(c.string),
  password: optional(c.string),
  prompt: key(c.string, "supervisor"),
  history_file: optional(c.string),
} satisfies Record<string, KeySpec<unknown>>;

/** The typed settings a key table produces. */
export type Settings<Keys extends Record<string, KeySpec<unknown>>> = {
  readonly [K in keyof Keys]: Keys[K] extends KeySpec<infer T> ? T : never;
};
