// The effective config as `tend check` prints it: every section and process
// with its resolved values, in INI or YAML, in a form tend reads back to the
// same model (percent signs doubled, commands quoted, numprocs copies as
// programs of an explicit group). Notes about it go in as comments (`;` in
// INI, `#` in YAML), so the output stays a config.

import type { DependencySpec } from "../core/dependencies.ts";
import { signalName } from "../core/signals.ts";
import type { CheckSpec } from "./check-spec.ts";
import { processesNamed } from "./dependencies.ts";
import type { Config, GroupConfig, ProcessConfig } from "./model.ts";
import { PROGRAM_KEYS } from "./schema.ts";
import { type EmitComments, type EmitValue, emitYaml } from "./yaml-emit.ts";

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

/** Comments to print with the config; none by default. */
export interface Notes {
  /** Lines before everything. */
  readonly header?: readonly string[];
  /** Lines before a section, by its INI name: `program:web`, `eventlistener:mail`. */
  readonly sections?: Readonly<Record<string, readonly string[]>>;
  /** A comment after one value, by `section key`: `supervisord loglevel`. */
  readonly keys?: Readonly<Record<string, string>>;
}

const OCTAL_KEYS = new Set(["umask", "chmod"]);
const SIGNAL_KEYS = new Set(["stopsignal"]);
const CHECK_KEYS = new Set(["ready_check", "live_check"]);
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
  return settingsOfEntries(Object.entries(record), skip);
}

function settingsOfEntries(
  entries: Iterable<[string, unknown]>,
  skip: ReadonlySet<string> = new Set(),
): [string, Value][] {
  const values: [string, Value][] = [];
  for (const [key, value] of entries) {
    if (value === undefined || skip.has(key)) continue;
    if (OCTAL_KEYS.has(key)) values.push([key, `0${(value as number).toString(8)}`]);
    else if (SIGNAL_KEYS.has(key))
      values.push([key, signalName(value as number).replace(/^SIG/, "")]);
    // A check as written (its meaning is parsed again on reading).
    else if (CHECK_KEYS.has(key)) values.push([key, (value as CheckSpec).text]);
    else if (typeof value === "number") values.push([key, numberValue(value)]);
    else values.push([key, value as Value]);
  }
  return values;
}

/** `unlimited` for startretries' Infinity; decimals never in exponent form (1e-7), which no key reads. */
function numberValue(value: number): number | string {
  if (value === Number.POSITIVE_INFINITY) return "unlimited";
  if (!/e/i.test(String(value))) return value;
  return value.toFixed(20).replace(/\.?0+$/, "");
}

/**
 * `depends_on` as names that mean the same processes in the printed config.
 * A program whose processes are printed under other names (numprocs copies
 * in a [group:x]) is named by those processes.
 */
export function printedDependencies(
  dependencies: readonly DependencySpec[],
  config: Config,
): DependencySpec[] {
  return dependencies.flatMap(({ target, condition }) => {
    const meant = processesNamed(target, config.groups);
    const group = target.includes(":")
      ? undefined
      : config.groups.find((candidate) => candidate.name === target);
    const printed = target.includes(":")
      ? meant
      : (group?.processes ??
        config.groups.flatMap((g) => g.processes.filter((process) => process.name === target)));
    const same = printed.length === meant.length && printed.every((p) => meant.includes(p));
    const names = same ? [target] : meant.map((process) => `${process.group}:${process.name}`);
    return names.map((name) => ({ target: name, condition }));
  });
}

/** Each with its condition spelled out, so `g:done` is never read as the group g's condition. */
function dependencyValue(dependencies: readonly DependencySpec[], config: Config): string[] {
  return printedDependencies(dependencies, config).map((d) => `${d.target}:${d.condition}`);
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
  if (config.health) {
    // No host: every interface, the default, left unsaid.
    const { port, host } = config.health;
    const values: [string, Value][] = [["port", port]];
    if (host !== "") values.push(["host", host]);
    sections.push({ name: "health", values });
  }
  for (const group of config.groups) {
    if (group.listener) {
      sections.push(listenerSection(group, config));
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
    for (const process of group.processes) sections.push(processSection(process, config));
  }
  return sections;
}

/**
 * An [eventlistener:x] pool as one section: its settings, then its first
 * process's (the copies differ only by what %(process_num) changes).
 */
function listenerSection(group: GroupConfig, config: Config): Section {
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
  const { values } = processSection(first, config);
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
function processSection(
  process: ProcessConfig,
  config: Config | undefined,
  name = `program:${process.name}`,
): Section {
  const ordered: [string, unknown][] = [];
  for (const key of PROGRAM_KEY_NAMES) {
    if (!(key in process)) continue;
    const value =
      key === "depends_on"
        ? config === undefined
          ? process.depends_on.map((d) => `${d.target}:${d.condition}`)
          : dependencyValue(process.depends_on, config)
        : process[key as keyof ProcessConfig];
    ordered.push([key, value]);
  }
  return { name, values: settingsOfEntries(ordered, PROCESS_ONLY) };
}

/**
 * One process's effective settings as an INI section (the dashboard shows
 * it): defaults filled in, expansions done, depends_on as written.
 */
export function printProcessIni(process: ProcessConfig, section: string): string {
  const { name, values } = processSection(process, undefined, section);
  return [`[${name}]`, ...values.map(([k, v]) => `${k}=${iniValue(k, v)}`)].join("\n").concat("\n");
}

const PROGRAM_KEY_NAMES = Object.keys(PROGRAM_KEYS);

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

export function printIni(config: Config, notes: Notes = {}): string {
  const comments = (lines: readonly string[] | undefined) =>
    (lines ?? []).map((line) => `; ${line}`);
  const header = comments(notes.header);
  /** The sections with a note on a key: the others need no lookup per key. */
  const noted = new Set(Object.keys(notes.keys ?? {}).map((where) => where.split(" ")[0]));
  const sections = sectionsOf(config).map(({ name, values }) =>
    [
      ...comments(notes.sections?.[name]),
      `[${name}]`,
      ...values.map(([k, v]) => {
        const note = noted.has(name) ? notes.keys?.[`${name} ${k}`] : undefined;
        // A comment after a value needs whitespace before its `;`.
        return `${k}=${iniValue(k, v)}${note === undefined ? "" : ` ; ${note}`}`;
      }),
    ].join("\n"),
  );
  return [...(header.length > 0 ? [header.join("\n")] : []), ...sections].join("\n\n").concat("\n");
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

export function printYaml(config: Config, notes: Notes = {}): string {
  const out: Record<string, unknown> = {};
  /** Where each section lands: its path in the document. */
  const paths = new Map<string, string[]>();
  for (const { name, values } of sectionsOf(config)) {
    const body = Object.fromEntries(values.map(([k, v]) => [k, yamlValue(v)]));
    const [kind, rest] = name.includes(":")
      ? [name.slice(0, name.indexOf(":")), name.slice(name.indexOf(":") + 1)]
      : [name, undefined];
    if (rest === undefined) {
      out[kind] = body;
      paths.set(name, [kind]);
    } else {
      const plural =
        kind === "program" ? "programs" : kind === "group" ? "groups" : "eventlisteners";
      // added in place: a copy per program made printing 10,000 quadratic
      const named = (out[plural] ?? {}) as Record<string, unknown>;
      named[rest] = body;
      out[plural] = named;
      paths.set(name, [plural, rest]);
    }
  }
  /** The section and key at a path of the document, as the notes name them. */
  const sectionAt = new Map([...paths].map(([name, path]) => [path.join("\0"), name]));
  const comments: EmitComments = {
    header: notes.header ?? [],
    before: (path) => notes.sections?.[sectionAt.get(path.join("\0")) ?? ""],
    after: (path) => {
      const section = sectionAt.get(path.slice(0, -1).join("\0"));
      return section === undefined ? undefined : notes.keys?.[`${section} ${path.at(-1)}`];
    },
  };
  return emitYaml(out as Record<string, EmitValue>, comments);
}
