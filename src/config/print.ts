// The effective config as `tend check` prints it: every section and process
// with its resolved values, in INI or YAML, in a form tend reads back to the
// same model (percent signs doubled, commands quoted, numprocs copies as
// programs of an explicit group).

import { signalName } from "../core/signals.ts";
import type { Config, GroupConfig, ProcessConfig } from "./model.ts";
import { PROGRAM_KEYS } from "./schema.ts";
import { type EmitValue, emitYaml } from "./yaml-emit.ts";

/** Text printed as it is, with its %( expansions left for the reader to expand. */
class Verbatim {
  constructor(readonly text: string) {}
}

type Value =
  | string
  | number
  | boolean
  | Verbatim
  | readonly string[]
  | Readonly<Record<string, string>>
  | readonly number[];
type Section = { name: string; values: [string, Value][] };

const OCTAL_KEYS = new Set(["umask", "chmod"]);
const SIGNAL_KEYS = new Set(["stopsignal"]);
const PROCESS_ONLY = new Set([
  "name",
  "group",
  "program",
  "process_num",
  "source",
  "numprocs",
  "numprocs_start",
]);

function settingsOf(record: object, skip: ReadonlySet<string> = new Set()): [string, Value][] {
  const values: [string, Value][] = [];
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined || skip.has(key)) continue;
    if (OCTAL_KEYS.has(key)) values.push([key, `0${(value as number).toString(8)}`]);
    else if (SIGNAL_KEYS.has(key))
      values.push([key, signalName(value as number).replace(/^SIG/, "")]);
    else values.push([key, value as Value]);
  }
  return values;
}

/** Groups as sections: a group is explicit unless it is one process named as it is. */
function needsGroupSection(group: GroupConfig): boolean {
  return group.explicit || group.processes.length !== 1 || group.processes[0]?.name !== group.name;
}

function sectionsOf(config: Config): Section[] {
  const sections: Section[] = [{ name: "supervisord", values: settingsOf(config.supervisord) }];
  if (config.unix_http_server)
    sections.push({ name: "unix_http_server", values: settingsOf(config.unix_http_server) });
  if (config.inet_http_server) {
    const { host, port, ...rest } = config.inet_http_server;
    sections.push({
      name: "inet_http_server",
      values: [["port", `${host}:${port}`], ...settingsOf(rest)],
    });
  }
  sections.push({ name: "supervisorctl", values: settingsOf(config.supervisorctl) });
  for (const group of config.groups) {
    if (group.listener) {
      sections.push(listenerSection(group));
      continue;
    }
    if (needsGroupSection(group)) {
      sections.push({
        name: `group:${group.name}`,
        values: [
          ["programs", group.processes.map((p) => p.name)],
          ["priority", group.priority],
        ],
      });
    }
    for (const process of group.processes) sections.push(processSection(process));
  }
  return sections;
}

/**
 * An [eventlistener:x] pool as one section: its settings, then its first
 * process's (the copies differ only by what %(process_num) changes).
 */
function listenerSection(group: GroupConfig): Section {
  const settings = group.listener;
  const first = group.processes[0];
  if (!settings || !first) return { name: `eventlistener:${group.name}`, values: [] };
  const copies: [string, Value][] =
    group.processes.length === 1
      ? first.name === group.name
        ? []
        : [["process_name", first.name]]
      : [
          ["process_name", new Verbatim(processNamePattern(group.processes))],
          ["numprocs", group.processes.length],
          ["numprocs_start", first.process_num],
        ];
  const { values } = processSection(first);
  return {
    name: `eventlistener:${group.name}`,
    values: [
      ["events", [...settings.events]],
      ["buffer_size", settings.buffer_size],
      ["result_handler", settings.result_handler],
      ...copies,
      ...values,
    ],
  };
}

/** The process_name that names every copy: the number in the first name made %(process_num)d. */
function processNamePattern(processes: readonly ProcessConfig[]): string {
  const first = processes[0] as ProcessConfig;
  const match = new RegExp(`0*${first.process_num}(?!.*\\d)`).exec(first.name);
  if (!match) return `${first.name}_%(process_num)d`;
  const width = match[0].length;
  const format =
    width > String(first.process_num).length ? `%(process_num)0${width}d` : "%(process_num)d";
  return first.name.slice(0, match.index) + format + first.name.slice(match.index + width);
}

/** A process's settings in the order of the key table (command first). */
function processSection(process: ProcessConfig): Section {
  const ordered = Object.fromEntries(
    Object.keys(PROGRAM_KEYS).flatMap((key) =>
      key in process ? [[key, process[key as keyof ProcessConfig]]] : [],
    ),
  );
  return { name: `program:${process.name}`, values: settingsOf(ordered, PROCESS_ONLY) };
}

// ---------------------------------------------------------------- INI

/** A word as shlex.split reads it back. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
}

function iniValue(key: string, value: Value): string {
  if (value instanceof Verbatim) return value.text;
  let text: string;
  if (key === "command") text = (value as string[]).map(shellQuote).join(" ");
  else if (key === "environment") {
    text = Object.entries(value as Record<string, string>)
      .map(([k, v]) => `${k}="${v}"`)
      .join(",");
  } else if (Array.isArray(value)) text = value.join(",");
  else text = String(value);
  return text.replaceAll("%", "%%");
}

export function printIni(config: Config): string {
  return sectionsOf(config)
    .map(({ name, values }) =>
      [`[${name}]`, ...values.map(([k, v]) => `${k}=${iniValue(k, v)}`)].join("\n"),
    )
    .join("\n\n")
    .concat("\n");
}

// ---------------------------------------------------------------- YAML

function yamlValue(value: Value): unknown {
  if (value instanceof Verbatim) return value.text;
  if (typeof value === "string") return value.replaceAll("%", "%%");
  if (Array.isArray(value))
    return value.map((item) => (typeof item === "string" ? item.replaceAll("%", "%%") : item));
  if (typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, String(v).replaceAll("%", "%%")]),
    );
  }
  return value;
}

export function printYaml(config: Config): string {
  const out: Record<string, unknown> = {};
  for (const { name, values } of sectionsOf(config)) {
    const body = Object.fromEntries(values.map(([k, v]) => [k, yamlValue(v)]));
    const [kind, rest] = name.includes(":")
      ? [name.slice(0, name.indexOf(":")), name.slice(name.indexOf(":") + 1)]
      : [name, undefined];
    if (rest === undefined) out[kind] = body;
    else {
      const plural =
        kind === "program" ? "programs" : kind === "group" ? "groups" : "eventlisteners";
      // added in place: a copy per program made printing 10,000 quadratic
      const named = (out[plural] ?? {}) as Record<string, unknown>;
      named[rest] = body;
      out[plural] = named;
    }
  }
  return emitYaml(out as Record<string, EmitValue>);
}
