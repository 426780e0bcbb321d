// From raw sections to the model: classify sections, read [supervisord]
// first (its environment feeds later expansions), then groups and programs
// (numprocs copies, per-process expansions), then the servers; check what
// spans several keys or sections. Pure: the environment and host name are
// arguments, problems are collected, and any error means no model.

import { applyDefaults, classify, SINGLE_SECTIONS } from "./classify.ts";
import { checkDependencies } from "./dependencies.ts";
import { type Expansions, envExpansions } from "./expand.ts";
import { buildGroups } from "./groups.ts";
import type {
  Config,
  HealthConfig,
  InetHttpServerConfig,
  SupervisorctlConfig,
  SupervisordConfig,
  UnixHttpServerConfig,
} from "./model.ts";
import { withOneShotDefaults } from "./one-shots.ts";
import type { Problems } from "./problems.ts";
import type { RawSection } from "./raw.ts";
import { HEALTH_KEYS, INET_HTTP_SERVER_KEYS } from "./schema.ts";
import { type KeyTable, readSection } from "./sections.ts";

export interface BuildContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly hostname: string;
  /** The main config file: where problems without a section are reported. */
  readonly mainFile: string;
  readonly files: readonly string[];
}

export function buildConfig(
  sections: readonly RawSection[],
  context: BuildContext,
  problems: Problems,
): Config | undefined {
  const { single, programs, groups, listeners } = classify(applyDefaults(sections), problems);
  const whereOf = (name: string, section: RawSection | undefined) => ({
    file: section?.file ?? context.mainFile,
    section: name,
  });
  const readSingle = (name: string, expansions: Expansions) => {
    const section = single.get(name);
    return readSection(
      SINGLE_SECTIONS[name] as KeyTable,
      section,
      whereOf(name, section),
      expansions,
      problems,
    );
  };

  const baseExpansions: Record<string, string | number> = {
    ...envExpansions(context.env),
    host_node_name: context.hostname,
  };
  const supervisord = readSingle("supervisord", baseExpansions) as unknown as SupervisordConfig;
  // [supervisord] environment= is visible to every later expansion.
  Object.assign(baseExpansions, envExpansions(supervisord.environment ?? {}));

  const readGroups = buildGroups(
    programs,
    groups,
    listeners,
    baseExpansions,
    supervisord,
    problems,
  );

  checkDependencies(readGroups, problems);
  const builtGroups = withOneShotDefaults(readGroups);

  const unix = single.has("unix_http_server")
    ? (readSingle("unix_http_server", baseExpansions) as unknown as UnixHttpServerConfig)
    : undefined;
  const inet = single.has("inet_http_server")
    ? readInet(single.get("inet_http_server") as RawSection, baseExpansions, problems)
    : undefined;
  const health = single.has("health")
    ? readHealth(single.get("health") as RawSection, baseExpansions, problems)
    : undefined;
  const supervisorctl = readSingle(
    "supervisorctl",
    baseExpansions,
  ) as unknown as SupervisorctlConfig;
  for (const [name, server] of [
    ["unix_http_server", unix],
    ["inet_http_server", inet],
    ["supervisorctl", supervisorctl],
  ] as const) {
    checkCredentials(name, server, single.get(name), problems);
  }

  if (problems.hasErrors) return undefined;
  return deepFreeze({
    files: [...context.files],
    supervisord,
    groups: builtGroups,
    unix_http_server: unix,
    inet_http_server: inet,
    supervisorctl,
    health,
  });
}

/**
 * [health]: a port is what turns it on. A section made only by
 * $TEND_HEALTH_HOST (no port anywhere) asks for nothing.
 */
function readHealth(
  section: RawSection,
  expansions: Expansions,
  problems: Problems,
): HealthConfig | undefined {
  const where = { file: section.file, section: section.name };
  const values = readSection(HEALTH_KEYS, section, where, expansions, problems);
  if (values.port === undefined) {
    const fromFiles = section.line !== undefined;
    if (fromFiles && !section.entries.has("port"))
      problems.error(
        { ...where, line: section.line, key: "port" },
        "missing; expected the port of the health listener, such as 8089",
      );
    return undefined;
  }
  return { host: values.host as string, port: values.port as number };
}

function readInet(
  section: RawSection,
  expansions: Expansions,
  problems: Problems,
): InetHttpServerConfig | undefined {
  const where = { file: section.file, section: section.name };
  const values = readSection(INET_HTTP_SERVER_KEYS, section, where, expansions, problems);
  const port = values.port as { host: string; port: number } | undefined;
  if (port === undefined) {
    if (!section.entries.has("port"))
      problems.error(
        { ...where, line: section.line, key: "port" },
        "missing; expected a port such as 9001 or 127.0.0.1:9001",
      );
    return undefined;
  }
  return {
    username: values.username as string | undefined,
    password: values.password as string | undefined,
    ui: values.ui as InetHttpServerConfig["ui"],
    host: port.host,
    port: port.port,
  };
}

function checkCredentials(
  name: string,
  server: { username?: string | undefined; password?: string | undefined } | undefined,
  section: RawSection | undefined,
  problems: Problems,
): void {
  if (!server || !section) return;
  if ((server.username === undefined) !== (server.password === undefined)) {
    const missing = server.username === undefined ? "username" : "password";
    problems.error(
      { file: section.file, line: section.line, section: name, key: missing },
      "missing; a username and a password go together",
    );
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
