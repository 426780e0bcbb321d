// What the dashboard's page and tend's server say to each other (the page
// lives in src/ui/, the server side in control/dashboard*.ts). Types only:
// the page imports them too, and nothing of the server's code may reach it.
//
// Routes, all on the control listeners (unix socket and inet server):
//   GET  /                      the page (404 with ui=off)
//   GET  /ui/app.js, /ui/app.css  its script and style, built into tend
//   GET  /ui/events             server-sent events: "snapshot", then "change"
//   GET  /ui/process?name=NS    ProcessDetails as JSON (404 for an unknown name)
//   GET  /ui/log?name=NS&stream=stdout|stderr, GET /ui/log?main
//                               server-sent events: "tail", then "append", "cleared"
//   POST /ui/action             ActionRequest as application/json → ActionReply
//                               (403 with ui=readonly)
// Every time is in milliseconds since the epoch, as the server's clock says;
// each event carries the server's `now` so the page can count uptimes and
// backoff countdowns on its own clock without asking again.

/** `[inet_http_server] ui=`: the whole dashboard, one without actions, or none. */
export type UiMode = "full" | "readonly" | "off";

export interface DashboardTend {
  /** `[supervisord] identifier`. */
  readonly identification: string;
  /** supervisord's getState name: RUNNING, RESTARTING, SHUTDOWN. */
  readonly state: string;
  readonly pid: number;
  readonly version: string;
  /** ui=readonly: the page offers no action (and the server refuses them). */
  readonly readonly: boolean;
}

/** One row of the process table. */
export interface DashboardProcess {
  /** `name`, or `group:name` when they differ: the name actions take. */
  readonly namespec: string;
  readonly group: string;
  readonly name: string;
  /** STOPPED, STARTING, RUNNING, BACKOFF, STOPPING, EXITED, FATAL, UNKNOWN. */
  readonly statename: string;
  /** 0 when not running. */
  readonly pid: number;
  /** When it last started and stopped; 0 for never. */
  readonly start: number;
  readonly stop: number;
  /** How its last run ended, as a person reads it: `exit 0`, `exit 3 (unexpected)`, `killed by SIGKILL`; "" before any end. */
  readonly lastExit: string;
  /** Restarts tend made by itself (autorestart and retries), as /metrics counts them. */
  readonly restarts: number;
  /** Ready (RUNNING and its check passed, or a one-shot done). */
  readonly ready: boolean;
  /** Why it is not ready, "" when it is: `waiting for db (ready)`, `not ready: connection refused`. */
  readonly readiness: string;
  /** What `tend ctl status` shows after the state, as of the event. */
  readonly description: string;
  /** In BACKOFF: when the next try is due; 0 otherwise. */
  readonly nextTry: number;
  /** Its ready check as written (`tcp:8080`), "" for none. */
  readonly readyCheck: string;
  readonly autostart: boolean;
  readonly critical: boolean;
}

/** The first event of /ui/events, and again whenever the page missed too much to catch up. */
export interface DashboardSnapshot {
  readonly now: number;
  readonly tend: DashboardTend;
  /** In start order (groups by priority, then their processes). */
  readonly processes: readonly DashboardProcess[];
}

/** What changed since the previous event: whole rows of the processes that changed. */
export interface DashboardChange {
  readonly now: number;
  /** Present when tend's own state changed. */
  readonly tend?: DashboardTend;
  /** New or changed rows (a new process is added where the snapshot order would put it: at the end). */
  readonly processes: readonly DashboardProcess[];
  /** Namespecs of processes that left (a group removed by an update). */
  readonly removed: readonly string[];
}

/** A `depends_on` entry of the process, and where it stands now. */
export interface DependencyView {
  /** As written: a program, `group:name` or `group:*`. */
  readonly target: string;
  /** started, ready, done or exited. */
  readonly condition: string;
  readonly outcome: "met" | "waiting" | "failed";
}

/** One change of readiness, newest last. */
export interface ReadinessEvent {
  readonly at: number;
  readonly ready: boolean;
  /** Why not, "" when ready. */
  readonly reason: string;
}

export interface CheckView {
  readonly which: "ready" | "live";
  /** As written: `tcp:8080`, `http://:8080/health`. */
  readonly spec: string;
  readonly successes: number;
  readonly failures: number;
  /** Its last results (at most 5), oldest first. */
  readonly recent: readonly CheckResult[];
}

/** One result of a polled check (tcp, http, command, ...). */
export interface CheckResult {
  readonly at: number;
  readonly ok: boolean;
  /** Why it failed, "" when it passed. */
  readonly message: string;
}

/** GET /ui/process?name=NS */
export interface ProcessDetails {
  readonly namespec: string;
  /** Its effective settings, as an INI section (defaults filled in, expansions done). */
  readonly config: string;
  readonly dependsOn: readonly DependencyView[];
  /** The processes whose depends_on names this one, with their condition. */
  readonly neededBy: readonly { readonly namespec: string; readonly condition: string }[];
  readonly checks: readonly CheckView[];
  /** The last changes of readiness (at most 20). */
  readonly history: readonly ReadinessEvent[];
  /** Which logs it has: stdout always; stderr unless redirect_stderr. */
  readonly streams: readonly ("stdout" | "stderr")[];
}

export type ActionName = "start" | "stop" | "restart" | "signal";

/** POST /ui/action */
export interface ActionRequest {
  readonly action: ActionName;
  /** A namespec, `group:*`, or `all`. */
  readonly target: string;
  /** For signal: a name (`HUP`, `SIGUSR1`) or a number. */
  readonly signal?: string;
}

/** The answer to an action: ok, or what went wrong per process, or the fault that refused it whole. */
export interface ActionReply {
  readonly ok: boolean;
  /** Per process, for a group or all; one entry for a single process. */
  readonly results: readonly {
    readonly namespec: string;
    readonly ok: boolean;
    /** supervisord's fault string or description: `NOT_RUNNING: web`, `ABNORMAL_TERMINATION: web`. */
    readonly message: string;
  }[];
  /** The fault that refused the whole action (BAD_NAME, SHUTDOWN_STATE, ...): `BAD_NAME: nope`. */
  readonly fault?: string;
}

/** The first event of a log stream: its last bytes, from the start of a line. */
export interface LogTail {
  readonly text: string;
  /** The log held more before this (the page shows that it starts mid-way). */
  readonly partial: boolean;
}

/** Bytes that came since, decoded (a byte that is not UTF-8 becomes U+FFFD). */
export interface LogAppend {
  readonly text: string;
  /** Bytes that were never shown: the page fell so far behind that the log no longer held them. */
  readonly skipped: number;
}
