// [program:x] and [group:x] sections into groups of processes: group
// membership, numprocs copies, per-process expansions (process_num, the
// program's own environment), and the checks that span several keys.

import type { EventTypeName } from "../core/events.ts";
import { envExpansions } from "./expand.ts";
import type { GroupConfig, ProcessConfig, SupervisordConfig } from "./model.ts";
import { type Problems, thousands, type Where } from "./problems.ts";
import type { RawSection } from "./raw.ts";
import { GROUP_KEYS, LISTENER_POOL_KEYS, LISTENER_PROCESS_KEYS, PROGRAM_KEYS } from "./schema.ts";
import { type KeyTable, readKeys, readSection, warnUnknownKeys } from "./sections.ts";
import { didYouMean } from "./suggest.ts";
import { checkRestartPolicy } from "./tend-checks.ts";

/**
 * The most processes one config may define, numprocs copies included: far
 * beyond a real supervisor's, and what loads in well under a second.
 */
export const MAX_PROCESSES = 20_000;

/** Processes defined so far, across the programs of one config. */
interface Tally {
  processes: number;
  /** Whether the limit has been reported (once). */
  reported: boolean;
}

export function buildGroups(
  programs: ReadonlyMap<string, RawSection>,
  groupSections: ReadonlyMap<string, RawSection>,
  listenerSections: ReadonlyMap<string, RawSection>,
  expansions: Readonly<Record<string, string | number>>,
  supervisord: SupervisordConfig,
  problems: Problems,
): GroupConfig[] {
  const groups: GroupConfig[] = [];
  const inExplicitGroup = new Set<string>();
  const tally: Tally = { processes: 0, reported: false };

  for (const [groupName, section] of groupSections) {
    const where = { file: section.file, section: section.name };
    checkName(groupName, { ...where, line: section.line }, "group", problems);
    const settings = readSection(GROUP_KEYS, section, where, expansions, problems);
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
          () =>
            `names ${JSON.stringify(member)}, but there is no [program:${member}]; it is left out${didYouMean(member, programs.keys())}`,
        );
        continue;
      }
      inExplicitGroup.add(member);
      processes.push(
        ...buildProcesses(member, groupName, program, expansions, supervisord, problems, tally),
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
      tally,
    );
    const priority = processes[0]?.priority ?? 999;
    groups.push({
      name: programName,
      priority,
      processes: sortByPriority(processes),
      explicit: false,
    });
  }
  for (const [poolName, section] of listenerSections) {
    const pool = buildListenerPool(poolName, section, expansions, supervisord, problems, tally);
    if (!pool) continue;
    const clash = groups.find((group) => group.name === poolName);
    if (clash)
      problems.error(
        { file: section.file, line: section.line, section: section.name },
        `the event listener pool ${JSON.stringify(poolName)} has the name of a group of programs; give one of them another name`,
      );
    else groups.push(pool);
  }
  checkProcessNamesUnique(groups, programs, problems);
  return sortByPriority(groups);
}

/** An [eventlistener:x]: its processes (a program's keys) and the pool's own settings. */
function buildListenerPool(
  poolName: string,
  section: RawSection,
  expansions: Readonly<Record<string, string | number>>,
  supervisord: SupervisordConfig,
  problems: Problems,
  tally: Tally,
): GroupConfig | undefined {
  const where = { file: section.file, section: section.name };
  const at = (key: string) => ({
    ...where,
    line: section.entries.get(key)?.line ?? section.line,
    key,
  });
  const errorsBefore = problems.errorCount;
  const pool = readKeys(LISTENER_POOL_KEYS, section, where, { expansions }, problems);
  const events = (pool.events as EventTypeName[] | undefined) ?? [];
  if (pool.events !== undefined && events.length === 0)
    problems.error(
      at("events"),
      "missing; a listener needs the event types it hears, for example events=PROCESS_STATE_FATAL",
    );
  const handler = pool.result_handler as string | undefined;
  if (handler !== undefined && handler !== "supervisor.dispatchers:default_handler")
    problems.warn(
      at("result_handler"),
      `${JSON.stringify(handler)} is Python code tend cannot run; the default handler is used (OK processes an event, anything else rejects it)`,
    );
  const processes = buildProcesses(
    poolName,
    poolName,
    section,
    expansions,
    supervisord,
    problems,
    tally,
    "eventlistener",
  );
  if (processes.some((process) => process.redirect_stderr))
    problems.error(
      at("redirect_stderr"),
      "must not be true for an event listener: its stdout speaks the listener protocol, which stderr would garble",
    );
  if (problems.errorCount > errorsBefore || processes.length === 0) return undefined;
  return {
    name: poolName,
    priority: processes[0]?.priority ?? -1,
    processes: sortByPriority(processes),
    explicit: true,
    listener: {
      events,
      buffer_size: (pool.buffer_size as number | undefined) ?? 10,
      result_handler: handler ?? "supervisor.dispatchers:default_handler",
    },
  };
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

const PER_PROGRAM = (key: string) => !PROGRAM_KEYS[key as keyof typeof PROGRAM_KEYS]?.perProcess;
const PER_PROCESS = (key: string) =>
  PROGRAM_KEYS[key as keyof typeof PROGRAM_KEYS]?.perProcess === true;

/** The processes of one [program:x] (or [eventlistener:x]): numprocs copies, expanded per process. */
function buildProcesses(
  programName: string,
  groupName: string,
  section: RawSection,
  expansions: Readonly<Record<string, string | number>>,
  supervisord: SupervisordConfig,
  problems: Problems,
  tally: Tally,
  kind: "program" | "eventlistener" = "program",
): ProcessConfig[] {
  const table: KeyTable = kind === "program" ? PROGRAM_KEYS : LISTENER_PROCESS_KEYS;
  const where = { file: section.file, section: section.name };
  const at = (key?: string): Where => ({
    ...where,
    line: key === undefined ? section.line : (section.entries.get(key)?.line ?? section.line),
    key,
  });
  if (!checkName(programName, at(), kind, problems)) return [];
  const known = Object.keys(table);
  warnUnknownKeys(
    section,
    kind === "program" ? known : [...known, ...Object.keys(LISTENER_POOL_KEYS)],
    problems,
  );

  const programExpansions = {
    ...expansions,
    here: section.here,
    program_name: programName,
    group_name: groupName,
  };
  const program = readKeys(
    table,
    section,
    where,
    { expansions: programExpansions, only: PER_PROGRAM },
    problems,
  );
  const errorsBefore = problems.errorCount;

  if (!section.entries.has("command")) {
    problems.error({ ...at(), key: "command" }, "missing; every program needs a command");
  }
  if (program.stopasgroup === true && program.killasgroup === false) {
    problems.error(
      at("killasgroup"),
      "is false while stopasgroup is true; stopasgroup needs killasgroup (leave killasgroup out: it follows stopasgroup)",
    );
  }
  checkRestartPolicy(program, at, problems);
  const numprocs = (program.numprocs as number | undefined) ?? 1;
  const givenProcessName = section.entries.get("process_name")?.value;
  if (numprocs > 1 && !String(givenProcessName ?? "").includes("%(process_num)")) {
    // Point at what the user wrote: the process_name that lacks it, or else numprocs.
    if (givenProcessName !== undefined)
      problems.error(
        at("process_name"),
        `must contain %(process_num) when numprocs > 1 (numprocs is ${numprocs}), for example %(program_name)s_%(process_num)02d`,
      );
    else
      problems.error(
        at("numprocs"),
        `is ${numprocs}, so each copy needs its own name: add a process_name that contains %(process_num), for example process_name=%(program_name)s_%(process_num)02d`,
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
  if (problems.errorCount > errorsBefore) return [];
  tally.processes += numprocs;
  if (tally.processes > MAX_PROCESSES) {
    if (!tally.reported)
      problems.error(
        at(section.entries.has("numprocs") ? "numprocs" : undefined),
        `makes more than ${thousands(MAX_PROCESSES)} processes in this config (${thousands(tally.processes)} so far); tend supervises at most ${thousands(MAX_PROCESSES)}`,
      );
    tally.reported = true;
    return [];
  }

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
      table,
      section,
      where,
      { expansions: processExpansions, only: (key) => key === "environment" },
      problems,
    );
    if (environment === undefined) return [];
    Object.assign(processExpansions, envExpansions(environment as Record<string, string>));
    const own = readKeys(
      table,
      section,
      where,
      {
        expansions: processExpansions,
        only: (key) => PER_PROCESS(key) && key !== "environment",
        earlier: program,
      },
      problems,
    );
    if (problems.errorCount > errorsBefore) return [];
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
      source: { file: section.file, line: section.line, keyLines: keyLinesOf(section) },
    });
  }
  return processes;
}

/** Every key written in the section, with its line (the section's when a key has none). */
function keyLinesOf(section: RawSection): Record<string, number> {
  const lines: Record<string, number> = {};
  for (const [key, entry] of section.entries) lines[key] = entry.line ?? section.line ?? 0;
  return lines;
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
