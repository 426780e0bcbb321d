// From raw sections to the model: classify sections, read [supervisord]
// first (its environment feeds later expansions), then groups and programs
// (numprocs copies, per-process expansions), then the servers; check what
// spans several keys or sections. Pure: the environment and host name are
// arguments, problems are collected, and any error means no model.

import type { Expansions } from "./expand.ts";
import type {
  Config,
  GroupConfig,
  InetHttpServerConfig,
  ProcessConfig,
  SupervisorctlConfig,
  SupervisordConfig,
  UnixHttpServerConfig,
} from "./model.ts";
import type { Problems, Where } from "./problems.ts";
import type { RawSection } from "./raw.ts";
import {
  GROUP_KEYS,
  INET_HTTP_SERVER_KEYS,
  PROGRAM_KEYS,
  SUPERVISORCTL_KEYS,
  SUPERVISORD_KEYS,
  UNIX_HTTP_SERVER_KEYS,
} from "./schema.ts";
import { type KeyTable, readKeys, warnUnknownKeys } from "./sections.ts";
import { didYouMean } from "./suggest.ts";

export interface BuildContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly hostname: string;
  /** The main config file: where problems without a section are reported. */
  readonly mainFile: string;
  readonly files: readonly string[];
}

const SINGLE_SECTIONS: Record<string, KeyTable> = {
  supervisord: SUPERVISORD_KEYS,
  unix_http_server: UNIX_HTTP_SERVER_KEYS,
  inet_http_server: INET_HTTP_SERVER_KEYS,
  supervisorctl: SUPERVISORCTL_KEYS,
};
const KNOWN_SECTIONS = [
  ...Object.keys(SINGLE_SECTIONS),
  "program:NAME",
  "group:NAME",
  "include",
  "rpcinterface:NAME",
  "eventlistener:NAME",
  "fcgi-program:NAME",
  "ctlplugin:NAME",
];

interface Classified {
  single: Map<string, RawSection>;
  programs: Map<string, RawSection>;
  groups: Map<string, RawSection>;
}

/**
 * configparser's [DEFAULT]: its keys are defaults for every other section
 * (supervisord reads only the keys it knows in each, so they are not
 * reported as unknown).
 */
function applyDefaults(sections: readonly RawSection[]): RawSection[] {
  const defaults = new Map(
    sections.filter((s) => s.name === "DEFAULT").flatMap((s) => [...s.entries]),
  );
  const others = sections.filter((s) => s.name !== "DEFAULT");
  if (defaults.size === 0) return others;
  return others.map((section) => ({
    ...section,
    entries: new Map([...defaults, ...section.entries]),
    inherited: new Set([...defaults.keys()].filter((key) => !section.entries.has(key))),
  }));
}

function classify(sections: readonly RawSection[], problems: Problems): Classified {
  const single = new Map<string, RawSection>();
  const programs = new Map<string, RawSection>();
  const groups = new Map<string, RawSection>();
  for (const section of sections) {
    const at: Where = { file: section.file, line: section.line, section: section.name };
    const [kind = "", name] = splitSectionName(section.name);
    if (section.name in SINGLE_SECTIONS) {
      const earlier = single.get(section.name);
      if (earlier) {
        problems.error(at, `section given again (first in ${placeOf(earlier)})`);
      } else single.set(section.name, section);
    } else if ((kind === "program" || kind === "group") && name !== undefined) {
      const table = kind === "program" ? programs : groups;
      const earlier = table.get(name);
      if (earlier)
        problems.error(
          at,
          `${kind} ${JSON.stringify(name)} is defined twice (first in ${placeOf(earlier)})`,
        );
      else table.set(name, section);
    } else if (kind === "eventlistener" || kind === "fcgi-program") {
      problems.warn(at, `${kind} sections are not supported by tend; this one is ignored`);
    } else if (kind === "rpcinterface" || kind === "ctlplugin") {
      // supervisord plugin wiring: tend has its interface built in.
    } else {
      const guess = didYouMean(
        kind || section.name,
        KNOWN_SECTIONS.map((known) => known.split(":")[0] as string),
      );
      problems.error(
        at,
        `unknown section; expected one of [${KNOWN_SECTIONS.join("], [")}]${guess}`,
      );
    }
  }
  return { single, programs, groups };
}

function splitSectionName(name: string): [string, string | undefined] {
  const colon = name.indexOf(":");
  return colon === -1 ? [name, undefined] : [name.slice(0, colon), name.slice(colon + 1)];
}

function placeOf(section: RawSection): string {
  return section.line === undefined ? section.file : `${section.file}:${section.line}`;
}

function envExpansions(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const expansions: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) expansions[`ENV_${k}`] = v;
  return expansions;
}

function envToExpansions(env: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [`ENV_${k}`, v]));
}

export function buildConfig(
  sections: readonly RawSection[],
  context: BuildContext,
  problems: Problems,
): Config | undefined {
  const { single, programs, groups } = classify(applyDefaults(sections), problems);
  const whereOf = (name: string, section: RawSection | undefined) => ({
    file: section?.file ?? context.mainFile,
    section: name,
  });
  const readSingle = (name: string, expansions: Expansions) => {
    const section = single.get(name);
    const table = SINGLE_SECTIONS[name] as KeyTable;
    if (section) warnUnknownKeys(section, Object.keys(table), problems);
    return readKeys(
      table,
      section,
      whereOf(name, section),
      { expansions: { ...expansions, here: section?.here ?? "" } },
      problems,
    );
  };

  const baseExpansions: Record<string, string | number> = {
    ...envExpansions(context.env),
    host_node_name: context.hostname,
  };
  const supervisord = readSingle("supervisord", baseExpansions) as unknown as SupervisordConfig;
  // [supervisord] environment= is visible to every later expansion.
  Object.assign(baseExpansions, envToExpansions(supervisord.environment ?? {}));

  const builtGroups = buildGroups(programs, groups, baseExpansions, supervisord, problems);

  const unix = single.has("unix_http_server")
    ? (readSingle("unix_http_server", baseExpansions) as unknown as UnixHttpServerConfig)
    : undefined;
  const inet = single.has("inet_http_server")
    ? readInet(single.get("inet_http_server") as RawSection, baseExpansions, problems)
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
  });
}

function readInet(
  section: RawSection,
  expansions: Expansions,
  problems: Problems,
): InetHttpServerConfig | undefined {
  warnUnknownKeys(section, Object.keys(INET_HTTP_SERVER_KEYS), problems);
  const where = { file: section.file, section: section.name };
  const values = readKeys(
    INET_HTTP_SERVER_KEYS,
    section,
    where,
    { expansions: { ...expansions, here: section.here } },
    problems,
  );
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

function buildGroups(
  programs: ReadonlyMap<string, RawSection>,
  groupSections: ReadonlyMap<string, RawSection>,
  expansions: Readonly<Record<string, string | number>>,
  supervisord: SupervisordConfig,
  problems: Problems,
): GroupConfig[] {
  const groups: GroupConfig[] = [];
  const inExplicitGroup = new Set<string>();

  for (const [groupName, section] of groupSections) {
    warnUnknownKeys(section, Object.keys(GROUP_KEYS), problems);
    const where = { file: section.file, section: section.name };
    checkName(groupName, { ...where, line: section.line }, "group", problems);
    const settings = readKeys(
      GROUP_KEYS,
      section,
      where,
      { expansions: { ...expansions, here: section.here } },
      problems,
    );
    const members = (settings.programs as string[] | undefined) ?? [];
    if (settings.programs !== undefined && members.length === 0) {
      problems.error(
        { ...where, line: section.entries.get("programs")?.line ?? section.line, key: "programs" },
        "missing; expected a comma-separated list of program names",
      );
    }
    const processes: ProcessConfig[] = [];
    for (const member of members) {
      const program = programs.get(member);
      if (!program) {
        // supervisord refuses this; tend warns, so that a group can be
        // declared before (or without) every member, as real configs do.
        problems.warn(
          { ...where, line: section.entries.get("programs")?.line, key: "programs" },
          `names ${JSON.stringify(member)}, but there is no [program:${member}]; it is left out${didYouMean(member, [...programs.keys()])}`,
        );
        continue;
      }
      inExplicitGroup.add(member);
      processes.push(
        ...buildProcesses(member, groupName, program, expansions, supervisord, problems),
      );
    }
    groups.push({
      name: groupName,
      priority: (settings.priority as number | undefined) ?? 999,
      processes: sortByPriority(processes),
      explicit: true,
    });
  }

  for (const [programName, section] of programs) {
    if (inExplicitGroup.has(programName)) continue;
    const processes = buildProcesses(
      programName,
      programName,
      section,
      expansions,
      supervisord,
      problems,
    );
    const priority = processes[0]?.priority ?? 999;
    groups.push({
      name: programName,
      priority,
      processes: sortByPriority(processes),
      explicit: false,
    });
  }
  checkProcessNamesUnique(groups, programs, problems);
  return sortByPriority(groups);
}

function checkName(name: string, where: Where, what: string, problems: Problems): boolean {
  if (name !== "" && !/[ :/]/.test(name)) return true;
  problems.error(
    where,
    `${what} name ${JSON.stringify(name)} must not be empty or contain spaces, colons or slashes`,
  );
  return false;
}

function sortByPriority<T extends { priority: number; name: string }>(items: T[]): T[] {
  return items.sort(
    (a, b) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

function checkProcessNamesUnique(
  groups: readonly GroupConfig[],
  programs: ReadonlyMap<string, RawSection>,
  problems: Problems,
): void {
  for (const group of groups) {
    const seen = new Map<string, ProcessConfig>();
    for (const process of group.processes) {
      const earlier = seen.get(process.name);
      if (earlier) {
        problems.error(
          {
            file: process.source.file,
            line:
              programs.get(process.program)?.entries.get("process_name")?.line ??
              process.source.line,
            section: `program:${process.program}`,
            key: "process_name",
          },
          `process name ${JSON.stringify(process.name)} is used twice in group ${JSON.stringify(group.name)} (also by [program:${earlier.program}])`,
        );
      }
      seen.set(process.name, process);
    }
  }
}

const PER_PROGRAM = (key: string) => !PROGRAM_KEYS[key as keyof typeof PROGRAM_KEYS].perProcess;
const PER_PROCESS = (key: string) =>
  PROGRAM_KEYS[key as keyof typeof PROGRAM_KEYS].perProcess === true;

/** The processes of one [program:x]: numprocs copies, expanded per process. */
function buildProcesses(
  programName: string,
  groupName: string,
  section: RawSection,
  expansions: Readonly<Record<string, string | number>>,
  supervisord: SupervisordConfig,
  problems: Problems,
): ProcessConfig[] {
  const where = { file: section.file, section: section.name };
  const at = (key?: string): Where => ({
    ...where,
    line: key === undefined ? section.line : (section.entries.get(key)?.line ?? section.line),
    key,
  });
  if (!checkName(programName, at(), "program", problems)) return [];
  warnUnknownKeys(section, Object.keys(PROGRAM_KEYS), problems);

  const programExpansions = {
    ...expansions,
    here: section.here,
    program_name: programName,
    group_name: groupName,
  };
  const program = readKeys(
    PROGRAM_KEYS,
    section,
    where,
    { expansions: programExpansions, only: PER_PROGRAM },
    problems,
  );
  const errorsBefore = problems.errors.length;

  if (!section.entries.has("command")) {
    problems.error({ ...at(), key: "command" }, "missing; every program needs a command");
  }
  if (program.stopasgroup === true && program.killasgroup === false) {
    problems.error(
      at("killasgroup"),
      "is false while stopasgroup is true; stopasgroup needs killasgroup (leave killasgroup out: it follows stopasgroup)",
    );
  }
  const numprocs = (program.numprocs as number | undefined) ?? 1;
  const rawProcessName = section.entries.get("process_name")?.value ?? "%(program_name)s";
  if (numprocs > 1 && !String(rawProcessName).includes("%(process_num)")) {
    problems.error(
      at("process_name"),
      `must contain %(process_num) when numprocs > 1 (numprocs is ${numprocs}), for example %(program_name)s_%(process_num)02d`,
    );
  }
  for (const stream of ["stdout", "stderr"] as const) {
    if (
      section.entries.get(`${stream}_logfile`)?.value.toString().trim().toLowerCase() === "syslog"
    ) {
      problems.warn(
        at(`${stream}_logfile`),
        `=syslog is deprecated (as in supervisord); it means ${stream}_syslog=true`,
      );
    }
  }
  const redirected = section.entries.get("stderr_logfile");
  if (program.redirect_stderr === true && redirected !== undefined) {
    problems.warn(
      at("stderr_logfile"),
      "is ignored: redirect_stderr=true sends stderr to stdout's log",
    );
  }
  if (problems.errors.length > errorsBefore) return [];

  const processes: ProcessConfig[] = [];
  const start = (program.numprocs_start as number | undefined) ?? 0;
  for (let processNum = start; processNum < start + numprocs; processNum++) {
    const processExpansions: Record<string, string | number> = {
      ...programExpansions,
      process_num: processNum,
      numprocs,
    };
    // environment= first: its variables are ENV_ expansions for the other keys.
    const { environment } = readKeys(
      PROGRAM_KEYS,
      section,
      where,
      { expansions: processExpansions, only: (key) => key === "environment" },
      problems,
    );
    if (environment === undefined) return [];
    Object.assign(processExpansions, envToExpansions(environment as Record<string, string>));
    const own = readKeys(
      PROGRAM_KEYS,
      section,
      where,
      {
        expansions: processExpansions,
        only: (key) => PER_PROCESS(key) && key !== "environment",
        earlier: program,
      },
      problems,
    );
    if (problems.errors.length > errorsBefore) return [];
    const { process_name, command, ...settings } = own as Record<string, unknown> & {
      process_name: string;
      command: string[];
    };
    processes.push({
      ...(settings as unknown as Omit<
        ProcessConfig,
        "name" | "group" | "program" | "process_num" | "command" | "source" | "environment"
      >),
      environment: { ...supervisord.environment, ...(environment as Record<string, string>) },
      ...syslogRewrite("stdout", settings),
      ...syslogRewrite("stderr", settings),
      ...(program.redirect_stderr === true ? { stderr_logfile: "NONE" } : {}),
      name: process_name,
      group: groupName,
      program: programName,
      process_num: processNum,
      command,
      source: { file: section.file, line: section.line },
    });
  }
  return processes;
}

/** supervisord's rewrite of the deprecated `X_logfile=syslog` into `X_syslog=true`. */
function syslogRewrite(
  stream: "stdout" | "stderr",
  settings: Record<string, unknown>,
): Record<string, unknown> {
  return settings[`${stream}_logfile`] === "SYSLOG"
    ? { [`${stream}_logfile`]: "NONE", [`${stream}_syslog`]: true }
    : {};
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
