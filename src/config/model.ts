// The one typed, immutable model both syntaxes produce. Field names are
// supervisord's keys, because they are also what users write and what
// `tend check` prints.

import type { EventTypeName } from "../core/events.ts";
import type {
  GROUP_KEYS,
  HEALTH_KEYS,
  INET_HTTP_SERVER_KEYS,
  PROGRAM_KEYS,
  Settings,
  SUPERVISORCTL_KEYS,
  SUPERVISORD_KEYS,
  UNIX_HTTP_SERVER_KEYS,
} from "./schema.ts";

export interface SourcePosition {
  readonly file: string;
  readonly line: number | undefined;
  /** Each key written (not defaulted), with its line, for checks made once the whole config is read. */
  readonly keyLines?: Readonly<Record<string, number>>;
}

export type ProgramSettings = Settings<typeof PROGRAM_KEYS>;

/** One process to run: a program, or one of its numprocs copies. */
export interface ProcessConfig extends Omit<ProgramSettings, "command" | "process_name"> {
  /** The process name (process_name expanded). */
  readonly name: string;
  readonly group: string;
  /** The [program:x] it comes from. */
  readonly program: string;
  readonly process_num: number;
  readonly command: readonly string[];
  readonly source: SourcePosition;
}

export interface GroupConfig {
  readonly name: string;
  readonly priority: number;
  /** In start order: ascending priority, then name. */
  readonly processes: readonly ProcessConfig[];
  /** Declared by a [group:x] section, not made for a lone program. */
  readonly explicit: boolean;
  /** An [eventlistener:x] pool: the events its processes hear, and its buffer. */
  readonly listener?: ListenerSettings;
}

export interface ListenerSettings {
  /** The event types subscribed to, upper case, each once. */
  readonly events: readonly EventTypeName[];
  /** How many events wait for a free listener; a full buffer drops its oldest. */
  readonly buffer_size: number;
  /** supervisord's result handler (only its default is supported). */
  readonly result_handler: string;
}

export type SupervisordConfig = Settings<typeof SUPERVISORD_KEYS>;
export type UnixHttpServerConfig = Settings<typeof UNIX_HTTP_SERVER_KEYS>;
export type InetHttpServerConfig = Omit<Settings<typeof INET_HTTP_SERVER_KEYS>, "port"> & {
  readonly host: string;
  readonly port: number;
};
export type HealthConfig = Omit<Settings<typeof HEALTH_KEYS>, "port"> & {
  readonly port: number;
};
export type SupervisorctlConfig = Settings<typeof SUPERVISORCTL_KEYS>;
export type GroupSettings = Settings<typeof GROUP_KEYS>;

export interface Config {
  /** Every file read, the main one first. */
  readonly files: readonly string[];
  readonly supervisord: SupervisordConfig;
  /** In start order: ascending priority, then name. */
  readonly groups: readonly GroupConfig[];
  readonly unix_http_server: UnixHttpServerConfig | undefined;
  readonly inet_http_server: InetHttpServerConfig | undefined;
  readonly supervisorctl: SupervisorctlConfig;
  /** tend's [health] listener, when asked for (or $TEND_HEALTH_PORT). */
  readonly health: HealthConfig | undefined;
}
