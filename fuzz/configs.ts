// A seeded, time-bounded fuzzer for tend's config reader. Each input is a
// config tree in a scratch directory: INI, YAML, or a main file with
// includes mixing both, generated from scratch (programs, groups, event
// listeners, server sections, %(...)s expansions with flags and widths,
// numprocs, environment= quoting, unknown keys and sections, long names,
// NUL, CR, BOMs and invalid UTF-8; YAML nesting, anchors, aliases and merge
// keys, their cycles and bombs; include cycles, globs with **, [ and
// braces, dot-files, symlink loops, special files, directories only root
// can list, read as nobody through setpriv) or mutated from
// test/fixtures/configs (the corpus and the hostile cases: byte flips,
// lines duplicated, deleted, swapped and spliced, huge repetition).
//
// Each runs `dist/tend check -c MAIN` as a child, two at a time, killed
// after 10 s. It must exit 0 or 2, print no "tend: fatal", "internal
// error", "Maximum call stack" nor stack line, take at most 5 s and peak at
// 500 MB. Every 10th input instead goes to a running tend (PID 1 of its own
// namespace, through the test harness): its config is rewritten with a
// generated one and it gets SIGHUP; it must stay alive and answer
// supervisor.getState within 2 s. Every finding is kept in
// fuzz/findings/configs/SEED-N/: the input's files (files/), case.json
// (the main file, modes, symlinks), problem.txt and tend's stderr.
//
//   bun fuzz/configs.ts [--seed N] [--seconds S] [--jobs J]   (npm run fuzz:configs)
//   bun fuzz/configs.ts --replay fuzz/findings/configs/SEED-N

import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { HOSTILE } from "../test/fixtures/configs/hostile/cases.ts";
import {
  isAlive,
  launchTend,
  pidNamespaces,
  procStatus,
  ROOT,
  rpc,
  runCommand,
  scratchDir,
  TEND,
} from "../test/harness/index.ts";
import { option, seeded, within } from "./common.ts";

// ---------------------------------------------------------------- options and randomness

const SEED = Number(option("seed") ?? Date.now() % 1_000_000);
const SECONDS = Number(option("seconds") ?? 60);
const JOBS = Number(option("jobs") ?? 2);
const REPLAY = option("replay");
const DEADLINE_MS = 10_000;
const SLOW_MS = 5_000;
const RSS_LIMIT_BYTES = 500 * 1024 * 1024;
const LIVE_EVERY = 10;
const MAX_FILE = 24 * 1024 * 1024;
const FINDINGS = join(ROOT, "fuzz/findings/configs");
const CONFIGS = join(ROOT, "test/fixtures/configs");
const IS_ROOT = process.getuid?.() === 0;
/** A user whom file modes stop, for unreadable files and directories. */
const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
/** GNU time, to measure each check apart from this process (see check()). */
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

const { int, chance, pick, bytes: randomBytes } = seeded(SEED);

/**
 * Whether this input may have one more huge part (a megabyte value, a file
 * past 16 MiB): one or none per input, so that inputs stay tens of MB at
 * most and the fuzzer quick to make them.
 */
let hugeLeft = 0;
const huge = () => hugeLeft-- > 0;

const ODD = [
  "\0",
  "\r",
  "\n",
  "\r\n",
  "\t",
  " ",
  "'",
  '"',
  "\\",
  ";",
  "#",
  "=",
  ":",
  "[",
  "]",
  "%",
  "%%",
  "%(",
  "*",
  "&",
  "<<",
  "{",
  "}",
  ",",
  "- ",
  "é",
  "\u{1f600}",
  "\ud800",
  "\ufeff",
  "\x7f",
];
function text(max = 24): string {
  const length = chance(0.05) ? int(max * 10) : int(max);
  if (chance(0.15)) return pick(ODD).repeat(1 + length);
  let out = "";
  for (let i = 0; i < length; i++)
    out += chance(0.15) ? pick(ODD) : String.fromCharCode(32 + int(95));
  return out;
}

// ---------------------------------------------------------------- what an input is

interface Case {
  readonly kind: string;
  /** The config given to -c: relative to the case's directory, or absolute. */
  readonly main: string;
  readonly files: Record<string, Buffer>;
  readonly symlinks?: readonly (readonly [string, string])[];
  /** Made mode 000; the check then runs as nobody (when we are root). */
  readonly unreadable?: readonly string[];
  /** `tend check --yaml`. */
  readonly yamlOut?: boolean;
  /** Reloaded by a running tend (SIGHUP) instead of `tend check`. */
  readonly live?: boolean;
}

/** What a generator may do: a config for a running tend starts few, harmless processes. */
interface Context {
  readonly live: boolean;
}

// ---------------------------------------------------------------- values

const NAMES = ["web", "worker", "cat", "a", "b", "x-1", "my.app", "q_0", "dup", "sleeper"];
function name(): string {
  if (chance(0.85)) return pick(NAMES);
  return pick([
    () => "n".repeat(1 + int(huge() ? 100_000 : 300)),
    () => text(16),
    () => `${pick(NAMES)}${int(100)}`,
    () => expansion(),
    () => pick(["", " ", "a:b", "*", "[x]", "all", "a b", "é", "-", "."]),
  ])();
}

function expansion(): string {
  if (chance(0.1))
    return pick(["%", "%%", "%(", "%(x", "%()s", "%(here)", "%(here)z", "%%(here)s", "%(here)s%"]);
  const key = pick([
    "program_name",
    "process_num",
    "group_name",
    "host_node_name",
    "here",
    "numprocs",
    "ENV_HOME",
    "ENV_PATH",
    "ENV_NOPE",
    "ENV_",
    "",
    "Program_Name",
    "x".repeat(300),
  ]);
  const flags = pick(["", "", "", "-", "0", "+", " ", "#", "-0"]);
  const width = pick([
    "",
    "",
    "",
    "5",
    "03",
    "64",
    "1048576",
    "1048577",
    "2147483648",
    "9".repeat(20),
  ]);
  const precision = pick(["", "", "", ".3", ".0", ".1048577"]);
  const conv = pick([
    "s",
    "s",
    "s",
    "d",
    "d",
    "i",
    "x",
    "X",
    "o",
    "r",
    "f",
    "e",
    "c",
    "%",
    "z",
    "",
  ]);
  return `%(${key})${flags}${width}${precision}${conv}`;
}

const BOOL = ["true", "false", "TRUE", "yes", "no", "1", "0", "on", "off", "x", ""];
const INT = ["0", "1", "3", "10", "-1", "1e3", "0x10", "9".repeat(21), "", " 5 ", "1.5", "NaN"];
const SIZE = [
  "0",
  "1MB",
  "50MB",
  "1KB",
  "1GB",
  "1024",
  "-1",
  "1XB",
  "1.5MB",
  `${"9".repeat(16)}GB`,
];
const LOGFILE = [
  "AUTO",
  "NONE",
  "/dev/stdout",
  "/dev/stderr",
  "%(here)s/%(program_name)s.log",
  "/nonexistent/dir/x.log",
  "syslog",
  "",
  "/tmp",
];
const SIGNALS = ["TERM", "INT", "KILL", "HUP", "QUIT", "USR1", "SIGTERM", "term", "99", "0", "x"];

function command(ctx: Context): string {
  return pick([
    "/bin/cat",
    "sleep 1000",
    "/bin/sleep 100",
    "sh -c 'sleep 100'",
    "/bin/true",
    "/bin/false",
    `/bin/echo ${expansion()}`,
    "/nonexistent/x",
    "cat 'unterminated",
    'sh -c "echo \\"hi\\"; sleep 100"',
    "",
    "   ",
    "%(ENV_HOME)s/bin/x",
    `sleep ${pick(["1000", "%(process_num)d", "-1", "x"])}`,
    ...(ctx.live ? [] : [text(80), `/bin/echo ${"a ".repeat(1 + int(huge() ? 500_000 : 50))}`]),
  ]);
}

function environment(): string {
  const pairs = Array.from({ length: int(6) }, () => {
    const key = pick(["A", "B_2", "PATH", "HOME", "x y", "", "1X", "é", "a=b", text(8)]);
    const value = pick([
      () => `"${text(20)}"`,
      () => `'${text(20)}'`,
      () => text(20),
      () => '"a,b"',
      () => '"unterminated',
      () => "'unterminated",
      () => 'a"b"c',
      () => `"${expansion()}"`,
      () => "'it''s'",
      () => '"a\\"b"',
      () => "",
      () => "x=y",
      () => `"${'"'.repeat(int(1000))}"`,
      () => expansion(),
    ])();
    return chance(0.95) ? `${key}=${value}` : key;
  });
  return pairs.join(pick([",", ",", ", ", " ,", ",,"])) + (chance(0.1) ? "," : "");
}

/** A likely value for a key, by its name. */
function usual(key: string, ctx: Context): string {
  if (key === "command") return command(ctx);
  if (key === "numprocs")
    return ctx.live
      ? pick(["1", "2", "3", "0", "-1", "x", ""])
      : pick(["1", "2", "3", "10", "100", "10000", "10001", "20000", "0", "-1", "x", "1e4"]);
  if (key === "process_name")
    return pick([
      "%(program_name)s",
      "%(program_name)s_%(process_num)02d",
      "%(program_name)s-%(process_num)d",
      "%(process_num)d",
      name(),
      expansion(),
    ]);
  if (key === "environment") return environment();
  if (key === "events")
    return pick([
      "PROCESS_STATE",
      "TICK_5",
      "PROCESS_STATE_RUNNING,TICK_60",
      "NOPE",
      "",
      "EVENT",
      "PROCESS_COMMUNICATION",
      "PROCESS_STATE, ,TICK_5",
    ]);
  if (key === "result_handler")
    return pick(["supervisor.dispatchers:default_handler", "x:y", "x", ""]);
  if (key === "programs")
    return Array.from({ length: chance(0.02) ? 1 + int(5000) : int(5) }, name).join(
      pick([",", ", ", " "]),
    );
  if (key === "files") return globs(ctx).join(" ");
  if (key === "exitcodes") return pick(["0", "0,2", "0, 2", "", "x", "256", "-1", "0,,1"]);
  if (key === "umask") return pick(["022", "0o22", "777", "999", "x", "0"]);
  if (key === "user") return pick(["root", "nobody", "65534", "nosuchuser", "", "%(ENV_USER)s"]);
  if (key === "directory" || key === "childlogdir")
    return pick(["%(here)s", "/tmp", "/nonexistent", "", "relative/dir"]);
  if (key === "loglevel") return pick(["info", "debug", "trace", "blather", "warn", "x", ""]);
  if (key === "port") return pick(["127.0.0.1:9001", ":9001", "9001", "*:x", "", "[::1]:9001"]);
  if (key === "file") return pick(["%(here)s/s.sock", "/tmp/x.sock", "", "/nonexistent/s.sock"]);
  if (key === "chmod") return pick(["0700", "0777", "999", "x"]);
  if (key === "serverurl")
    return pick(["AUTO", "unix:///tmp/x.sock", "http://127.0.0.1:9001", "x", ""]);
  if (key === "stopsignal") return pick(SIGNALS);
  if (key === "autorestart") return pick(["true", "false", "unexpected", "x"]);
  if (/logfile$/.test(key)) return pick(LOGFILE);
  if (/maxbytes$/.test(key)) return pick(SIZE);
  if (
    /(enabled|syslog|^autostart|asgroup|stderr$|^nodaemon|^silent|nocleanup|strip_ansi)/.test(key)
  )
    return pick(BOOL);
  return pick(INT);
}

/** A value for a key: usually a likely one, else text, expansions, a huge run. */
function value(key: string, ctx: Context): string {
  if (chance(0.8)) return usual(key, ctx);
  return pick([
    () => text(40),
    () => `${text(8)}${expansion()}${text(8)}`,
    () => expansion(),
    () => "",
    () => pick(["x", "%", "%(here)s", " "]).repeat(int(!ctx.live && huge() ? 1_100_000 : 100)),
    () => `${usual(key, ctx)}${pick(ODD)}${usual(key, ctx)}`,
  ])();
}

// ---------------------------------------------------------------- a config, as sections

type Entry = [key: string, value: string];
interface Section {
  /** As INI names it: program:web, supervisord, include. */
  readonly name: string;
  readonly entries: Entry[];
}

const PROGRAM_KEYS = [
  "process_name",
  "numprocs",
  "numprocs_start",
  "priority",
  "autostart",
  "startsecs",
  "startretries",
  "autorestart",
  "exitcodes",
  "stopsignal",
  "stopwaitsecs",
  "stopasgroup",
  "killasgroup",
  "user",
  "redirect_stderr",
  "stdout_logfile",
  "stdout_logfile_maxbytes",
  "stdout_logfile_backups",
  "stdout_capture_maxbytes",
  "stdout_events_enabled",
  "stdout_syslog",
  "stderr_logfile",
  "stderr_logfile_maxbytes",
  "stderr_logfile_backups",
  "stderr_events_enabled",
  "environment",
  "directory",
  "umask",
  "serverurl",
];
const SUPERVISORD_KEYS = [
  "logfile",
  "logfile_maxbytes",
  "logfile_backups",
  "loglevel",
  "pidfile",
  "nodaemon",
  "silent",
  "minfds",
  "minprocs",
  "umask",
  "user",
  "directory",
  "environment",
  "identifier",
  "childlogdir",
  "nocleanup",
  "strip_ansi",
];
const TYPOS = ["stopwaitsec", "autostrat", "comand", "Command", "numproc", "enviroment", "x-y"];

function keys(pool: readonly string[], ctx: Context, count = int(8)): Entry[] {
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const key = chance(0.92)
      ? pick(pool)
      : pick([
          () => pick(TYPOS),
          () => text(12),
          () => "k".repeat(1 + int(huge() ? 300_000 : 100)),
          () => pick(PROGRAM_KEYS).toUpperCase(),
        ])();
    entries.push([key, value(key, ctx)]);
  }
  return entries;
}

function program(ctx: Context, prefix = "program"): Section {
  const entries: Entry[] = chance(0.92) ? [["command", value("command", ctx)]] : [];
  entries.push(...keys(PROGRAM_KEYS, ctx));
  if (prefix === "eventlistener")
    entries.push(
      ["events", usual("events", ctx)],
      ...keys(["buffer_size", "result_handler", "events"], ctx, int(3)),
    );
  return { name: `${prefix}:${name()}`, entries };
}

/** The sections of one file (without [include], which the tree adds). */
function sections(ctx: Context, suffix = ""): Section[] {
  const out: Section[] = [];
  if (chance(0.5)) out.push({ name: "supervisord", entries: keys(SUPERVISORD_KEYS, ctx) });
  const programs = chance(0.03) && !ctx.live ? 1 + int(3000) : int(chance(0.3) ? 9 : 4);
  for (let i = 0; i < programs; i++) {
    const section = program(ctx);
    out.push(chance(0.8) ? { ...section, name: `${section.name}${suffix}${i}` } : section);
  }
  for (let i = int(3); i > 0; i--)
    out.push({
      name: `group:${name()}`,
      entries: [
        ["programs", usual("programs", ctx)],
        ...keys(["priority", "programs"], ctx, int(2)),
      ],
    });
  if (chance(0.2)) out.push(program(ctx, "eventlistener"));
  if (!ctx.live) {
    if (chance(0.15))
      out.push({ name: "unix_http_server", entries: keys(["file", "chmod", "username"], ctx) });
    if (chance(0.15))
      out.push({ name: "inet_http_server", entries: keys(["port", "username", "password"], ctx) });
  }
  if (chance(0.15))
    out.push({ name: "supervisorctl", entries: keys(["serverurl", "username", "prompt"], ctx) });
  if (chance(0.1))
    out.push({
      name: "rpcinterface:supervisor",
      entries: [
        ["supervisor.rpcinterface_factory", "supervisor.rpcinterface:make_main_rpcinterface"],
      ],
    });
  if (chance(0.08))
    out.push({
      name: pick([
        "nope",
        "program:",
        "program",
        "group:",
        "fcgi-program:f",
        "ctlplugin:c",
        "eventlistener:",
        "x".repeat(1 + int(2000)),
        text(12),
        "DEFAULT",
        "Program:web",
        " program:web ",
      ]),
      entries: keys(PROGRAM_KEYS, ctx, int(3)),
    });
  if (chance(0.05) && out.length > 0) out.push({ ...pick(out), entries: keys(PROGRAM_KEYS, ctx) });
  return out;
}

// ---------------------------------------------------------------- INI and YAML

function ini(list: readonly Section[]): string {
  const eol = chance(0.9) ? "\n" : pick(["\r\n", "\r"]);
  const lines: string[] = chance(0.03) ? ["\ufeff"] : [];
  for (const section of list) {
    if (chance(0.05)) lines.push(pick(["; comment", "# comment", "", "   ", text()]));
    lines.push(
      chance(0.95) ? `[${section.name}]` : pick([` [${section.name}]`, `[${section.name}`]),
    );
    for (const [key, value] of section.entries) {
      const separator = chance(0.8) ? "=" : pick([" = ", ":", " : ", "\t=\t", "=="]);
      let line = `${key}${separator}${value}`;
      if (chance(0.05)) line += pick([" ; trailing", " # trailing", ";glued", "\t;tab"]);
      lines.push(line);
      if (chance(0.03))
        lines.push(pick(["  continued", "\tcontinued value", "  ; indented comment", " "]));
    }
  }
  return lines.join(eol) + eol;
}

const PLAIN = /^[A-Za-z0-9_/.][A-Za-z0-9_/. ,%()+=-]*$/;
function scalar(value: string): string {
  if (chance(0.05)) return value; // as it is, whatever YAML makes of it
  if (PLAIN.test(value) && !/[ ]$/.test(value) && chance(0.8)) return value;
  if (chance(0.7)) return JSON.stringify(value);
  if (chance(0.5)) return `'${value.replace(/'/g, "''")}'`;
  return `${pick(["|", ">", "|-", ">+"])}\n      ${value.replace(/\n/g, "\n      ")}`;
}

const SINGLE = ["supervisord", "unix_http_server", "inet_http_server", "supervisorctl"];
const PLURAL: Record<string, string> = {
  program: "programs",
  group: "groups",
  eventlistener: "eventlisteners",
  "fcgi-program": "fcgi_programs",
  rpcinterface: "rpcinterfaces",
  ctlplugin: "ctlplugins",
};

function yamlEntries(entries: readonly Entry[], indent: string): string[] {
  const lines: string[] = [];
  for (const [key, value] of entries) {
    const k = scalar(key);
    if (key === "environment" && chance(0.5)) {
      lines.push(`${indent}${k}:`);
      for (const pair of value.split(",")) {
        const at = pair.indexOf("=");
        lines.push(
          `${indent}  ${scalar(pair.slice(0, at < 0 ? undefined : at))}: ${scalar(at < 0 ? "" : pair.slice(at + 1))}`,
        );
      }
    } else if ((key === "programs" || key === "exitcodes" || key === "files") && chance(0.5)) {
      const items = value.split(/[ ,]+/).map(scalar);
      lines.push(
        chance(0.5)
          ? `${indent}${k}: [${items.join(", ")}]`
          : [`${indent}${k}:`, ...items.map((item) => `${indent}  - ${item}`)].join("\n"),
      );
    } else lines.push(`${indent}${k}: ${scalar(value)}`);
  }
  return lines;
}

function yaml(list: readonly Section[], ctx: Context): string {
  const top = new Map<string, string[]>();
  const inline = new Map<string, string>();
  const anchors: string[] = [];
  const add = (key: string, lines: string[]) => top.set(key, [...(top.get(key) ?? []), ...lines]);
  for (const section of list) {
    const colon = section.name.indexOf(":");
    const kind = colon < 0 ? section.name : section.name.slice(0, colon);
    const named = colon < 0 ? undefined : section.name.slice(colon + 1);
    if (section.name === "include") {
      const globs = section.entries.flatMap(([, v]) => v.split(/\s+/)).filter(Boolean);
      if (chance(0.8))
        add(
          "include",
          globs.map((glob) => `  - ${scalar(glob)}`),
        );
      else inline.set("include", scalar(globs[0] ?? ""));
    } else if (SINGLE.includes(section.name) || named === undefined)
      add(section.name, yamlEntries(section.entries, "  "));
    else {
      const plural = PLURAL[kind] ?? kind;
      let head = `  ${scalar(named)}:`;
      let body = yamlEntries(section.entries, "    ");
      if (plural === "programs" && anchors.length > 0 && chance(0.3)) {
        const a = pick(anchors);
        if (chance(0.15)) {
          head += ` *${a}`; // the whole program an alias
          body = [];
        } else
          body.unshift(
            chance(0.7)
              ? `    <<: *${a}`
              : `    <<: [${Array.from({ length: 1 + int(3) }, () => `*${pick([...anchors, "nope"])}`).join(", ")}]`,
          );
      }
      if (plural === "programs" && body.length > 0 && chance(0.3)) {
        const a = `p${anchors.length}`;
        head += ` &${a}`;
        anchors.push(a);
        if (chance(0.05)) body.unshift(`    <<: *${a}`); // merges itself
      }
      add(plural, [head, ...body]);
    }
  }
  const lines: string[] = [];
  if (chance(0.05)) lines.push(pick(["%YAML 1.2", "%YAML 1.1", "%TAG ! tag:x,2000:"]), "---");
  if (chance(0.1)) lines.push("x-common: &common", "  startsecs: 0", "  autostart: false");
  for (const [key, body] of top) lines.push(`${key}:`, ...body);
  for (const [key, v] of inline) lines.push(`${key}: ${v}`);
  if (!ctx.live && chance(0.25)) lines.push(...hostileYaml());
  if (chance(0.03)) lines.push("---", "programs: {}");
  let out = `${lines.join("\n")}\n`;
  if (chance(0.05)) out = out.replace(/^ {2}/gm, "\t");
  return out;
}

/** YAML no reader should take quietly: nesting, bombs, cycles, odd keys. */
function hostileYaml(): string[] {
  const n = pick([10, 63, 64, 65, 100, 1000, 100_000]);
  return pick<() => string[]>([
    () => [`x-deep: ${"[".repeat(n)}${chance(0.5) ? "]".repeat(n) : ""}`],
    () => [`x-deep: ${"{a: ".repeat(n)}1${"}".repeat(n)}`],
    () => [
      "x-deep:",
      ...Array.from(
        { length: Math.min(n, huge() ? 2000 : 100) },
        (_, i) => `${" ".repeat(i + 2)}k${i}:`,
      ),
    ],
    () => [`x-seq: ${"- ".repeat(n)}x`],
    () => {
      const width = 2 + int(20);
      const levels = 2 + int(9);
      const out = [`x-l0: &l0 [${Array(width).fill('"lol"').join(", ")}]`];
      for (let i = 1; i <= levels; i++)
        out.push(
          `x-l${i}: &l${i} [${Array(width)
            .fill(`*l${i - 1}`)
            .join(", ")}]`,
        );
      out.push(pick([`x-bomb: *l${levels}`, "programs:", `  bomb: { command: *l${levels} }`]));
      return out;
    },
    () => {
      const levels = 2 + int(12);
      const out = ["x-m0: &m0", ...Array.from({ length: 1 + int(200) }, (_, i) => `  k${i}: ${i}`)];
      for (let i = 1; i <= levels; i++)
        out.push(
          `x-m${i}: &m${i}`,
          `  <<: [${Array(2 + int(6))
            .fill(`*m${i - 1}`)
            .join(", ")}]`,
          `  own${i}: 1`,
        );
      return out;
    },
    () => ["x-cycle: &c", "  <<: *c", "  a: 1"],
    () => ["x-cycle: &c [*c]"],
    () => ["x-undefined: *nope", "x-dup: &d 1", "x-dup2: &d 2", "x-use: *d"],
    () => ["? [a, b]", ": c", "? {a: b}", ": d", `? ${"k".repeat(1 + int(3000))}`, ": e"],
    () => [
      `${"k".repeat(1025)}: 1`,
      "x-tags: !!binary aGk=",
      "x-t2: !custom 1",
      "x-t3: !!map {a: 1}",
    ],
    () => ["x-tab:", "\tkey: 1", "  other:\t2"],
    () => ["programs:", "  dup: {command: /bin/cat}", "  dup: {command: /bin/cat}", "programs: []"],
    () => [`x-alias-key: &k key`, `x-use: {*k : 1}`, "*k : 2"],
    () => ["x-flow: {a: [1, {b: [2, {c: 3}]}], d: !!str , e: ? f}"],
    () => [`x-long: "${"\\u0041".repeat(n)}"`, `x-esc: "\\x00\\ud800\\U0010FFFF\\N\\_"`],
  ])();
}

// ---------------------------------------------------------------- include trees

const DIRS = [
  "conf.d",
  "conf.d/sub",
  "conf.d/sub/deeper",
  ".hidden",
  "we[ird",
  "sp ace",
  "conf.d/.dot",
  "a*b",
  "x{y}",
];
function globs(ctx: Context): string[] {
  return Array.from({ length: 1 + int(3) }, () =>
    pick([
      "conf.d/*.conf",
      "conf.d/*.ini",
      "conf.d/**/*.conf",
      "conf.d/**/*",
      "**/*.yaml",
      "**/*",
      "*/*",
      "*",
      "conf.d/*",
      "conf.d/[a-z]*",
      "conf.d/[",
      "conf.d/[!f]*",
      "conf.d/[]]*",
      "conf.d/[^.]*",
      "we[[]ird/*",
      "we[ird/*",
      "sp ace/*",
      ".hidden/*",
      "conf.d/.*",
      ".*/*",
      "%(here)s/conf.d/*.yaml",
      "%(here)s/**/*.ini",
      "nonexistent/*.conf",
      "conf.d/*.{conf,ini}",
      "conf.d/?0.conf",
      "../*",
      "./*/./*",
      "conf.d/sub/../*",
      "*/*/*/*/*/*/*",
      "**/**/**/**/**/*",
      `conf.d/${"*".repeat(1 + int(60))}`,
      "conf.d/***",
      "conf.d\\*",
      "",
      expansion(),
      text(10),
      ...(ctx.live
        ? []
        : [
            "/dev/null",
            "/dev/zero",
            "/dev/urandom",
            "/dev/stdin",
            "/proc/self/fd/*",
            "/proc/self/status",
            "/proc/self/environ",
            "/etc/hostname",
            "/",
            "/*",
            "/etc/*",
          ]),
    ]),
  );
}

function file(path: string, ctx: Context, depth: number): Buffer {
  const list = sections(ctx, `_${depth}_`);
  if (chance(0.3))
    list.push({
      name: "include",
      entries: [
        [
          "files",
          chance(0.5)
            ? globs(ctx).join(pick([" ", "\n  ", "\t"]))
            : pick([
                "*",
                "../*",
                "%(here)s/*",
                "../main.ini",
                "../main.yaml",
                "../../*",
                `../${path}`,
              ]),
        ],
      ],
    });
  const text = /\.ya?ml$/.test(path) ? yaml(list, ctx) : ini(list);
  return encode(text);
}

/** UTF-8, sometimes latin1 (invalid UTF-8), sometimes with bytes no encoder writes. */
function encode(text: string): Buffer {
  let out = Buffer.from(text, chance(0.95) ? "utf8" : "latin1");
  if (chance(0.05)) {
    const at = int(out.length + 1);
    const odd = pick([
      [0xff],
      [0xc3],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xc0, 0x80],
      [0],
    ]);
    out = Buffer.concat([out.subarray(0, at), Buffer.from(odd), out.subarray(at)]);
  }
  return out;
}

/** A main file and files it includes (INI, YAML or both), as generated. */
function tree(ctx: Context): Case {
  const files: Record<string, Buffer> = {};
  const mainYaml = !ctx.live && chance(0.4);
  const main = mainYaml ? "main.yaml" : "main.ini";
  const count = chance(0.03) ? 200 + int(1500) : int(7);
  for (let i = 0; i < count; i++) {
    const dir = count > 50 ? "conf.d" : pick(DIRS);
    const base = `${pick(["", "", "", ".", "x[", "-"])}f${i}${pick([".conf", ".conf", ".ini", ".yaml", ".yml", ""])}`;
    const path = `${dir}/${base}`;
    files[path] = count > 50 ? encode(ini([program(ctx)])) : file(path, ctx, i);
  }
  const list = sections(ctx, "_m_");
  if (count > 0 || chance(0.5))
    list.splice(int(list.length + 1), 0, {
      name: "include",
      entries: [["files", globs(ctx).join(pick([" ", "\n  "]))]],
    });
  files[main] = encode(mainYaml ? yaml(list, ctx) : ini(list));
  const symlinks: [string, string][] = [];
  if (chance(0.1) && !ctx.live)
    symlinks.push(
      pick<[string, string]>([
        ["conf.d/loop", ".."],
        ["conf.d/self.conf", "self.conf"],
        ["conf.d/main-link.conf", "../main.ini"],
        ["conf.d/zero.conf", "/dev/zero"],
        ["conf.d/etc", "/etc"],
        ["conf.d/fd", "/proc/self/fd"],
      ]),
    );
  const unreadable =
    !ctx.live && IS_ROOT && chance(0.1)
      ? [pick([...DIRS.slice(0, 4), ...Object.keys(files).filter((p) => p !== main)])]
      : [];
  return {
    kind: `tree ${mainYaml ? "yaml" : "ini"} of ${count + 1} files`,
    main,
    files,
    ...(symlinks.length > 0 ? { symlinks } : {}),
    ...(unreadable.length > 0 ? { unreadable } : {}),
  };
}

// ---------------------------------------------------------------- mutations of the fixtures

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

/** Each corpus config directory's files (relative path -> bytes), without expected.json. */
const CORPUS = readdirSync(join(CONFIGS, "corpus")).map((name) => {
  const dir = join(CONFIGS, "corpus", name);
  const files: Record<string, Buffer> = {};
  for (const path of walk(dir))
    if (!path.endsWith(".json")) files[relative(dir, path)] = readFileSync(path);
  return { name, files };
});
const ALL_LINES = CORPUS.flatMap((c) => Object.values(c.files)).flatMap((bytes) =>
  bytes.toString("latin1").split("\n"),
);

const INTERESTING = [
  "\0",
  "\r",
  "\n",
  "\xff\xfe",
  "%(here)s",
  "%(",
  "%(process_num)1048577d",
  "&a ",
  "*a",
  "<<: ",
  "\n[include]\nfiles=*\n",
  "\n[program:x]\ncommand=/bin/cat\n",
  "  ",
  "\t",
  "[",
  "]",
  "=",
  ":",
  ";",
  "#",
  "{",
  "[[",
  "- ",
  "? ",
  "!!",
  "'",
  '"',
];

/** The bounds [start, end) of the line around `at`, its newline included. */
function lineAt(b: Buffer, at: number): [number, number] {
  const start = at === 0 ? 0 : b.lastIndexOf(10, at - 1) + 1;
  const newline = b.indexOf(10, at);
  return [start, newline < 0 ? b.length : newline + 1];
}

/** Bytes flipped, inserted, deleted, copied; lines duplicated, deleted, swapped, spliced, repeated. */
function mutate(input: Buffer): Buffer {
  let b = input;
  for (let k = 1 + int(6); k > 0; k--) {
    const at = int(b.length + 1);
    const [start, end] = lineAt(b, at);
    const line = b.subarray(start, end);
    const splice = (from: number, to: number, ...parts: Buffer[]) =>
      Buffer.concat([b.subarray(0, from), ...parts, b.subarray(to)]);
    switch (int(11)) {
      case 0:
        b = splice(at, at, randomBytes(1 + int(8)));
        break;
      case 1:
        b = splice(at, at, Buffer.from(pick(INTERESTING), "latin1"));
        break;
      case 2: {
        const from = int(b.length + 1);
        b = splice(at, at, Buffer.from(b.subarray(from, from + 1 + int(256))));
        break;
      }
      case 3:
        b = splice(at, at + 1 + int(64));
        break;
      case 4:
        b = splice(at, at + 1, Buffer.from([int(256)]));
        break;
      case 5:
        b = splice(start, start, Buffer.from(line));
        break;
      case 6:
        b = splice(start, end);
        break;
      case 7:
        b = splice(start, end, Buffer.from(`${pick(ALL_LINES)}\n`, "latin1"));
        break;
      case 8: {
        // swap with a later line
        const [start2, end2] = lineAt(b, end + int(b.length - end + 1));
        if (start2 >= end)
          b = Buffer.concat([
            b.subarray(0, start),
            Buffer.from(b.subarray(start2, end2)),
            b.subarray(end, start2),
            Buffer.from(line),
            b.subarray(end2),
          ]);
        break;
      }
      case 9: {
        const times = Math.min(
          1 + int(chance(0.2) ? 10_000 : 50),
          Math.ceil(2_000_000 / (line.length + 1)),
        );
        if (line.length > 0) b = splice(start, start, Buffer.alloc(line.length * times, line));
        break;
      }
      default: {
        // huge repetition, up to past the 16 MiB limit
        if (!huge() || line.length === 0) break;
        const target = pick([1_000_000, 10_000_000, 17_000_000]);
        b = splice(
          start,
          end,
          Buffer.alloc(Math.max(1, Math.floor(target / line.length)) * line.length, line),
        );
      }
    }
    if (b.length > MAX_FILE) b = b.subarray(0, MAX_FILE);
  }
  return b;
}

function mutated(): Case {
  if (chance(0.8)) {
    const source = pick(CORPUS);
    const files = { ...source.files };
    const main = chance(0.5) ? "supervisord.conf" : "tend.yaml";
    const paths = Object.keys(files);
    for (let k = 1 + int(2); k > 0; k--) {
      const path = chance(0.7) ? main : pick(paths);
      const bytes = files[path];
      if (bytes) files[path] = mutate(bytes);
    }
    return { kind: `mutated corpus/${source.name}/${main}`, main, files, yamlOut: chance(0.2) };
  }
  const source = pick(HOSTILE);
  const files: Record<string, Buffer> = {};
  for (const [path, content] of Object.entries(source.files()))
    files[path] = Buffer.from(content as Uint8Array | string);
  const main = source.main ?? Object.keys(files)[0] ?? "/dev/zero";
  const paths = Object.keys(files);
  if (paths.length > 0)
    for (let k = 1 + int(2); k > 0; k--) {
      const path = chance(0.7) && files[main] ? main : pick(paths);
      files[path] = mutate(files[path] as Buffer);
    }
  return { kind: `mutated hostile "${source.name}"`, main, files };
}

function generate(ctx: Context): Case {
  hugeLeft = chance(0.15) ? 1 : 0;
  if (ctx.live) return { ...tree(ctx), live: true };
  const c = chance(0.45) ? mutated() : tree(ctx);
  return chance(0.15) ? { ...c, yamlOut: true } : c;
}

// ---------------------------------------------------------------- running an input

interface Outcome {
  readonly problem?: string;
  /** crash, hang, slow, blow-up, other */
  readonly category?: string;
  readonly ms: number;
  readonly peakBytes: number;
  readonly stderr: string;
}

/** Writes the case's files into `dir`. */
function lay(c: Case, dir: string, skipMain = false): void {
  for (const [path, bytes] of Object.entries(c.files)) {
    if (skipMain && path === c.main) continue;
    const at = join(dir, path);
    mkdirSync(dirname(at), { recursive: true });
    writeFileSync(at, bytes);
  }
  for (const [path, target] of c.symlinks ?? []) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    try {
      symlinkSync(target, join(dir, path));
    } catch {}
  }
  for (const path of c.unreadable ?? [])
    if (existsSync(join(dir, path))) chmodSync(join(dir, path), 0o000);
}

const STACK = /tend: fatal|internal error|Maximum call stack|^\s+at /m;

async function check(c: Case): Promise<Outcome> {
  using scratch = scratchDir("tend-fuzz-");
  const dir = join(scratch.dir, "case");
  mkdirSync(dir);
  lay(c, dir);
  const asNobody = IS_ROOT && (c.unreadable?.length ?? 0) > 0;
  if (asNobody) for (const path of [scratch.dir, dir]) chmodSync(path, 0o755);
  const main = resolve(dir, c.main);
  const tend = [...(asNobody ? NOBODY : []), TEND, "check", ...(c.yamlOut ? ["--yaml"] : [])];
  // GNU time measures tend's wall time and peak memory, and timeout ends it
  // at the deadline, both apart from this process, whose event loop making
  // the next input may hold up: runCommand's time would count that, and its
  // peakRssBytes (the child's ru_maxrss) counts this process's own memory,
  // which a fork carries into the child and Linux keeps across exec.
  const timeFile = join(scratch.dir, "time.txt");
  const wrapped = TIME
    ? [TIME, "-o", timeFile, "-f", "%e %M", "timeout", "-k", "2", `${DEADLINE_MS / 1000}`]
    : [];
  const result = await runCommand([...wrapped, ...tend, "-c", main], {
    cleanEnv: true,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/root" },
    deadlineMs: DEADLINE_MS + (TIME ? 30_000 : 0),
  });
  const timed = TIME ? readFileSync(timeFile, "utf8").trim().split("\n") : [];
  const [seconds, kib] = (timed.at(-1) ?? "").split(" ").map(Number);
  const ms = seconds === undefined || Number.isNaN(seconds) ? result.ms : seconds * 1000;
  const peakBytes = (kib ?? 0) * 1024;
  const signal = /terminated by signal (\d+)/.exec(timed.join("\n"))?.[1];
  const base = { ms, peakBytes, stderr: result.stderr };
  const stack = STACK.exec(result.stderr);
  const verdict = (category: string, problem: string): Outcome => ({ ...base, category, problem });
  const timedOut =
    result.problem !== undefined ||
    (TIME && (result.code === 124 || (signal === "9" && ms >= DEADLINE_MS)));
  if (timedOut) return verdict("hang", `hang: still running after ${DEADLINE_MS} ms, killed`);
  if (signal !== undefined || result.signal !== null)
    return verdict("crash", `crash: killed by signal ${signal ?? result.signal}`);
  if (result.code !== 0 && result.code !== 2)
    return verdict("crash", `crash: exit code ${result.code}`);
  if (stack) return verdict("crash", `crash: stderr says ${JSON.stringify(stack[0].trim())}`);
  if (peakBytes > RSS_LIMIT_BYTES)
    return verdict("blow-up", `blow-up: peak RSS ${mib(peakBytes)} MiB`);
  if (ms > SLOW_MS) return verdict("slow", `slow: ${Math.round(ms)} ms`);
  return base;
}

const BASE_PROGRAM = "[program:base]\ncommand=sleep 1000\nstartsecs=0\n";

/** Rewrites a running tend's config with the case and sends SIGHUP; tend must live and answer. */
async function live(c: Case): Promise<Outcome> {
  const tend = await launchTend({ programs: BASE_PROGRAM });
  const started = performance.now();
  try {
    await tend.ready();
    const header = readFileSync(tend.config, "latin1");
    const keep = Buffer.from(header.slice(0, header.indexOf("[program:base]")), "latin1");
    lay(c, tend.dir, true);
    writeFileSync(tend.config, Buffer.concat([keep, c.files[c.main] ?? Buffer.alloc(0)]));
    tend.signal("SIGHUP");
    await Bun.sleep(100);
    const peakBytes = () =>
      isAlive(tend.pid) ? Number(procStatus(tend.pid, "VmHWM").replace(/ kB$/, "")) * 1024 : 0;
    const asked = performance.now();
    const answer = await within(rpc(tend.socket, "supervisor.getState"), 2_000);
    const took = performance.now() - asked;
    const log = (() => {
      try {
        return readFileSync(tend.logPath, "latin1");
      } catch {
        return "";
      }
    })();
    const base = {
      ms: performance.now() - started,
      peakBytes: peakBytes(),
      stderr: log.slice(-16_384),
    };
    if (tend.ended || !isAlive(tend.pid)) {
      const end = await within(tend.run.finished, 1_000);
      return {
        ...base,
        stderr: `${end?.stderr ?? ""}\n--- log ---\n${base.stderr}`,
        category: "crash",
        problem: `crash: tend ended after SIGHUP (exit ${end?.code}, signal ${end?.signal})`,
      };
    }
    if ((answer as { statename?: string } | undefined)?.statename !== "RUNNING" || took > 2_000)
      return {
        ...base,
        category: "hang",
        problem: `hang: getState after SIGHUP ${answer ? `took ${Math.round(took)} ms` : "got no answer in 2 s"}`,
      };
    const fatal = STACK.exec(log) ?? / CRIT .*/.exec(log);
    if (fatal) return { ...base, category: "other", problem: `logged: ${fatal[0].slice(0, 300)}` };
    if (base.peakBytes > RSS_LIMIT_BYTES)
      return {
        ...base,
        category: "blow-up",
        problem: `blow-up: tend's peak RSS ${mib(base.peakBytes)} MiB`,
      };
    return base;
  } finally {
    await tend.dispose();
  }
}

const run = (c: Case) => (c.live ? live(c) : check(c));
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

// ---------------------------------------------------------------- findings

function keep(n: number, c: Case, outcome: Outcome, again?: Outcome): string {
  const dir = join(FINDINGS, `${SEED}-${n}`);
  mkdirSync(join(dir, "files"), { recursive: true });
  for (const [path, bytes] of Object.entries(c.files)) {
    mkdirSync(dirname(join(dir, "files", path)), { recursive: true });
    writeFileSync(join(dir, "files", path), bytes);
  }
  const { files, ...rest } = c;
  writeFileSync(
    join(dir, "case.json"),
    `${JSON.stringify({ ...rest, files: Object.keys(files) }, null, 2)}\n`,
  );
  const replayed = again
    ? `run again: ${again.problem ?? "no problem"} (${Math.round(again.ms)} ms, ${mib(again.peakBytes)} MiB)\n`
    : "";
  writeFileSync(
    join(dir, "problem.txt"),
    `${outcome.problem}\n${c.kind}; ${Math.round(outcome.ms)} ms, peak RSS ${mib(outcome.peakBytes)} MiB\n${replayed}seed ${SEED}\n` +
      `replay: bun fuzz/configs.ts --replay ${relative(ROOT, dir)}\n`,
  );
  writeFileSync(join(dir, c.live ? "tend.log" : "stderr.txt"), outcome.stderr.slice(0, 256 * 1024));
  return dir;
}

function load(dir: string): Case {
  const saved = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as Omit<Case, "files"> & {
    files: string[];
  };
  const files: Record<string, Buffer> = {};
  for (const path of saved.files) files[path] = readFileSync(join(dir, "files", path));
  return { ...saved, files };
}

// ---------------------------------------------------------------- main

process.on("SIGINT", () => process.exit(130));

// Every scratch directory (tend check's and the running tend's) four levels
// down a directory of our own, so that an include of ../../* reads what the
// fuzzer wrote, not whatever else is in /tmp.
const BASE = mkdtempSync(join(tmpdir(), `tend-fuzz-${SEED}-`));
process.env.TMPDIR = join(BASE, "1/2/3/4");
mkdirSync(process.env.TMPDIR, { recursive: true });
chmodSync(BASE, 0o755); // nobody reads the unreadable cases' other files
process.on("exit", () => rmSync(BASE, { recursive: true, force: true }));

if (REPLAY !== undefined) {
  const c = load(REPLAY);
  const outcome = await run(c);
  console.log(
    outcome.problem ??
      `no problem (${c.kind}; ${Math.round(outcome.ms)} ms, peak RSS ${mib(outcome.peakBytes)} MiB)`,
  );
  if (outcome.problem) console.log(outcome.stderr.slice(0, 4000));
  process.exit(outcome.problem ? 1 : 0);
}

if (!existsSync(TEND) || statSync(TEND).mtimeMs < statSync(join(ROOT, "src/main.ts")).mtimeMs)
  console.log(`note: ${TEND} may be older than src/ (npm run fuzz:configs builds it first)`);

const began = performance.now();
const counts = {
  inputs: 0,
  checks: 0,
  reloads: 0,
  crash: 0,
  hang: 0,
  slow: 0,
  "blow-up": 0,
  other: 0,
};
let peakCheck = 0;
let peakLive = 0;
let findings = 0;
let generated = 0;
const liveOk = pidNamespaces.ok;
if (!TIME)
  console.log("note: no /usr/bin/time (GNU time): times as seen from here, no peak memory");
console.log(
  `fuzz:configs seed ${SEED}, ${SECONDS} s, ${JOBS} at a time${liveOk ? `, every ${LIVE_EVERY}th a SIGHUP to a running tend` : ` (no reloads: ${pidNamespaces.reason})`}`,
);

async function worker(): Promise<void> {
  while (performance.now() - began < SECONDS * 1000) {
    const n = ++generated;
    const c = generate({ live: liveOk && n % LIVE_EVERY === 0 });
    counts.inputs++;
    if (c.live) counts.reloads++;
    else counts.checks++;
    let outcome: Outcome;
    try {
      outcome = await run(c);
    } catch (error) {
      outcome = {
        ms: 0,
        peakBytes: 0,
        stderr: String(error),
        category: "other",
        problem: `harness: ${error}`,
      };
    }
    if (c.live) peakLive = Math.max(peakLive, outcome.peakBytes);
    else peakCheck = Math.max(peakCheck, outcome.peakBytes);
    if (outcome.problem === undefined) continue;
    // Time and memory under a loaded machine: measure once more, alone or not.
    const again =
      outcome.category === "slow" || outcome.category === "blow-up" ? await run(c) : undefined;
    const category = outcome.category ?? "other";
    counts[category as keyof typeof counts]++;
    const dir = keep(++findings, c, outcome, again);
    console.log(`finding: ${outcome.problem} (${c.kind})\n  kept in ${relative(ROOT, dir)}`);
  }
}

const progress = setInterval(
  () =>
    console.log(
      `  ${Math.round((performance.now() - began) / 1000)} s: ${counts.inputs} inputs, ${findings} findings`,
    ),
  30_000,
);
await Promise.all(Array.from({ length: JOBS }, worker));
clearInterval(progress);
const minutes = (performance.now() - began) / 60_000;
console.log(
  `seed ${SEED}: ${counts.inputs} inputs (${counts.checks} tend check, ${counts.reloads} reloads) in ${minutes.toFixed(1)} min; ` +
    `crashes ${counts.crash}, hangs ${counts.hang}, slow ${counts.slow}, blow-ups ${counts["blow-up"]}, other ${counts.other}; ` +
    `peak RSS tend check ${mib(peakCheck)} MiB, running tend ${mib(peakLive)} MiB (the fuzzer ${mib(Number(procStatus(process.pid, "VmHWM").replace(/ kB$/, "")) * 1024)} MiB)`,
);
process.exit(findings > 0 ? 1 : 0);
