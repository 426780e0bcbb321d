// The bad-input suite: every config here is wrong, and
// loading it must fail as a whole (no model escapes) with an error that names
// the file, the line, the section and the key, says what was received and
// what was expected. A second table holds mistakes supervisord only warns
// about: they produce a warning at the right place and the config still loads.

import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { type LoadResult, loadConfig } from "../../../src/config/load.ts";
import type { Problem } from "../../../src/config/problems.ts";

/** A file's content: text, raw bytes, a directory, or text with a mode. */
type FileSpec = string | Uint8Array | { readonly dir: true } | { text: string; mode: number };

interface Expected {
  /** Relative to the case's temp dir. */
  readonly file: string;
  readonly line?: number;
  readonly section?: string;
  readonly key?: string;
  readonly message: RegExp;
}

interface Case {
  readonly name: string;
  readonly files: Readonly<Record<string, FileSpec>>;
  /** The file given to loadConfig; the first of `files` by default. */
  readonly main?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Why this case cannot run here, if it cannot. */
  readonly skip?: string | false;
}

interface BadCase extends Case {
  readonly error: Expected;
}

interface WarnCase extends Case {
  readonly warning: Expected;
}

const ENV = { HOME: "/root", APP_ENV: "production" };
const root = realpathSync(mkdtempSync(join(tmpdir(), "tend-bad-input-")));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;

function load(c: Case): { dir: string; result: LoadResult } {
  const dir = join(root, String(count++));
  mkdirSync(dir);
  for (const [path, spec] of Object.entries(c.files)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    if (typeof spec === "string" || spec instanceof Uint8Array) writeFileSync(target, spec);
    else if ("dir" in spec) mkdirSync(target);
    else {
      writeFileSync(target, spec.text);
      chmodSync(target, spec.mode);
    }
  }
  const main = c.main ?? (Object.keys(c.files)[0] as string);
  const result = loadConfig(join(dir, main), { env: c.env ?? ENV, hostname: "tend-host" });
  return { dir, result };
}

/** A problem as the tables write it: file relative, every place field present. */
function place(dir: string, p: Problem) {
  return {
    file: relative(dir, p.file),
    line: p.line,
    section: p.section,
    key: p.key,
    message: p.message,
  };
}

function expected(e: Expected) {
  return {
    file: e.file,
    line: e.line,
    section: e.section,
    key: e.key,
    message: expect.stringMatching(e.message),
  };
}

const WEB = "[program:web]\ncommand=/bin/cat\n";
const bytes = (...parts: (string | number[])[]): Uint8Array =>
  new Uint8Array(
    parts.flatMap((part) => (typeof part === "string" ? [...Buffer.from(part)] : part)),
  );

const BAD: BadCase[] = [
  // ---- files --------------------------------------------------------------
  {
    name: "missing file",
    files: {},
    main: "nowhere.ini",
    error: { file: "nowhere.ini", message: /cannot read the config file: no such file/ },
  },
  {
    name: "a directory instead of a file",
    files: { "conf.ini": { dir: true } },
    error: { file: "conf.ini", message: /is a directory, not a config file/ },
  },
  {
    name: "unreadable file: its parent is a file (ENOTDIR)",
    files: { "a.ini": WEB },
    main: "a.ini/tend.ini",
    error: { file: "a.ini/tend.ini", message: /cannot read the config file: .*not a directory/i },
  },
  {
    name: "unreadable file: mode 000",
    skip: process.getuid?.() === 0 && "root reads a file whatever its mode",
    files: { "a.ini": { text: WEB, mode: 0o000 } },
    error: { file: "a.ini", message: /cannot read the config file: permission denied/ },
  },
  {
    name: "invalid UTF-8 (the line of the bad byte)",
    files: { "a.ini": bytes("[program:web]\ncommand=/bin/echo caf", [0xe9], "\nautostart=true\n") },
    error: { file: "a.ini", line: 2, message: /not valid UTF-8/ },
  },
  {
    name: "empty file",
    files: { "a.ini": "" },
    error: { file: "a.ini", message: /contains no sections/ },
  },
  {
    name: "a file with only comments",
    files: { "a.ini": "; nothing here\n# nor here\n\n" },
    error: { file: "a.ini", message: /contains no sections/ },
  },
  {
    name: "include cycle: a includes b includes a",
    files: {
      "a.ini": `${WEB}[include]\nfiles=b.ini\n`,
      "b.ini": "[program:db]\ncommand=/bin/cat\n[include]\nfiles=a.ini\n",
    },
    error: {
      file: "b.ini",
      line: 4,
      section: "include",
      key: "files",
      message: /include cycle: .*a\.ini -> .*b\.ini -> .*a\.ini/,
    },
  },
  {
    name: "duplicate program across two files",
    files: {
      "a.ini": `${WEB}[include]\nfiles=b.ini\n`,
      "b.ini": "\n[program:web]\ncommand=/bin/sleep 1\n",
    },
    error: {
      file: "b.ini",
      line: 2,
      section: "program:web",
      message: /program "web" is defined twice \(first in .*a\.ini:1\)/,
    },
  },
  {
    name: "[supervisord] in two files",
    files: {
      "a.ini": `[supervisord]\nloglevel=info\n${WEB}[include]\nfiles=b.ini\n`,
      "b.ini": "[supervisord]\nloglevel=debug\n",
    },
    error: {
      file: "b.ini",
      line: 1,
      section: "supervisord",
      message: /given again \(first in .*a\.ini:1\)/,
    },
  },
  {
    name: "include glob with a bad expansion",
    files: { "a.ini": `${WEB}[include]\nfiles=%(nosuch)s/*.ini\n` },
    error: {
      file: "a.ini",
      line: 4,
      section: "include",
      key: "files",
      message: /%\(nosuch\).*cannot be expanded/,
    },
  },
  {
    name: "[include] without files=",
    files: { "a.ini": `${WEB}[include]\nfile=b.ini\n` },
    error: { file: "a.ini", line: 3, section: "include", message: /no files= key/ },
  },

  // ---- INI syntax ---------------------------------------------------------
  {
    name: "a key line before any section",
    files: { "a.ini": `command=/bin/cat\n${WEB}` },
    error: { file: "a.ini", line: 1, message: /\[section\] header before "command=\/bin\/cat"/ },
  },
  {
    name: "a line without = or :",
    files: { "a.ini": `${WEB}autostart\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      message: /expected key=value, got "autostart"/,
    },
  },
  {
    name: "unknown section [progam:web], with a did-you-mean",
    files: { "a.ini": "[progam:web]\ncommand=/bin/cat\n" },
    error: {
      file: "a.ini",
      line: 1,
      section: "progam:web",
      message: /unknown section.*did you mean program\?/,
    },
  },

  // ---- [program:x] values -------------------------------------------------
  {
    name: "bad boolean",
    files: { "a.ini": `${WEB}autostart=maybe\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "autostart",
      message: /got "maybe"; expected true or false/,
    },
  },
  {
    name: "negative startsecs",
    files: { "a.ini": `${WEB}startsecs=-1\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "startsecs",
      message: /got "-1"; expected an integer >= 0/,
    },
  },
  {
    name: "fractional startsecs",
    files: { "a.ini": `${WEB}startsecs=1.5\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "startsecs",
      message: /got "1\.5"; expected an integer >= 0/,
    },
  },
  {
    name: "non-numeric startretries",
    files: { "a.ini": `${WEB}startretries=three\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "startretries",
      message: /got "three"; expected an integer/,
    },
  },
  {
    name: "non-numeric priority",
    files: { "a.ini": `${WEB}priority=high\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "priority",
      message: /got "high"; expected an integer/,
    },
  },
  {
    name: "unknown signal stopsignal=TERMINATE",
    files: { "a.ini": `${WEB}stopsignal=TERMINATE\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "stopsignal",
      message: /got "TERMINATE"; expected a signal name/,
    },
  },
  {
    name: "stopsignal number out of range",
    files: { "a.ini": `${WEB}stopsignal=99\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "stopsignal",
      // "or a number" alone misleads when a number was given: say which.
      message: /got "99"; expected .*1 to 64/,
    },
  },
  {
    name: "stopasgroup=true with killasgroup=false",
    files: { "a.ini": `${WEB}stopasgroup=true\nkillasgroup=false\n` },
    error: {
      file: "a.ini",
      line: 4,
      section: "program:web",
      key: "killasgroup",
      message: /false while stopasgroup is true/,
    },
  },
  {
    name: "numprocs=2 without %(process_num) in process_name",
    files: { "a.ini": `${WEB}numprocs=2\nprocess_name=%(program_name)s\n` },
    error: {
      file: "a.ini",
      line: 4,
      section: "program:web",
      key: "process_name",
      message: /must contain %\(process_num\) when numprocs > 1 \(numprocs is 2\)/,
    },
  },
  {
    // process_name is not given: the loader points at what the user wrote,
    // the numprocs line, and says what to add.
    name: "numprocs=2 without process_name",
    files: { "a.ini": `${WEB}numprocs=2\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "numprocs",
      message:
        /is 2, so each copy needs its own name: add a process_name that contains %\(process_num\)/,
    },
  },
  {
    name: "[eventlistener:x] without events",
    files: { "a.ini": `${WEB}[eventlistener:x]\ncommand=/bin/cat\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "eventlistener:x",
      key: "events",
      message: /missing; a listener needs the event types it hears/,
    },
  },
  {
    name: "[eventlistener:x] with an unknown event type",
    files: {
      "a.ini": `${WEB}[eventlistener:x]\ncommand=/bin/cat\nevents=PROCESS_STATE,PROCES_LOG\n`,
    },
    error: {
      file: "a.ini",
      line: 5,
      section: "eventlistener:x",
      key: "events",
      message: /"PROCES_LOG" is not one/,
    },
  },
  {
    name: "[eventlistener:x] with redirect_stderr=true",
    files: {
      "a.ini": `${WEB}[eventlistener:x]\ncommand=/bin/cat\nevents=TICK_5\nredirect_stderr=true\n`,
    },
    error: {
      file: "a.ini",
      line: 6,
      section: "eventlistener:x",
      key: "redirect_stderr",
      message: /must not be true for an event listener/,
    },
  },
  {
    name: "[eventlistener:x] with buffer_size=0",
    files: { "a.ini": `${WEB}[eventlistener:x]\ncommand=/bin/cat\nevents=TICK_5\nbuffer_size=0\n` },
    error: {
      file: "a.ini",
      line: 6,
      section: "eventlistener:x",
      key: "buffer_size",
      message: /expected an integer >= 1/,
    },
  },
  {
    name: "[eventlistener:web] beside a program named web",
    files: { "a.ini": `${WEB}[eventlistener:web]\ncommand=/bin/cat\nevents=TICK_5\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "eventlistener:web",
      message: /has the name of a group of programs/,
    },
  },
  {
    name: "numprocs=0",
    files: { "a.ini": `${WEB}numprocs=0\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "numprocs",
      message: /got "0"; expected an integer from 1 to 10000/,
    },
  },
  {
    name: "unterminated quote in environment",
    files: { "a.ini": `${WEB}environment=A="one,B=2\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "environment",
      message: /got "A=\\"one,B=2"; expected .*no closing quotation/,
    },
  },
  {
    name: "environment pair without =",
    files: { "a.ini": `${WEB}environment=A=1,B\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "environment",
      // Said once: not "expected KEY=value pairs ...: the value expected KEY=value pairs ...".
      message: /got "A=1,B"; expected KEY=value pairs separated by commas(?!.*\bexpected\b)/,
    },
  },
  {
    name: "%(ENV_MISSING)s with a fixed environment",
    files: { "a.ini": "[program:web]\ncommand=/bin/echo %(ENV_MISSING)s\n" },
    error: {
      file: "a.ini",
      line: 2,
      section: "program:web",
      key: "command",
      message:
        /"\/bin\/echo %\(ENV_MISSING\)s" names %\(ENV_MISSING\) which cannot be expanded; available: .*ENV_APP_ENV, ENV_HOME/,
    },
  },
  {
    name: "%(nosuch)s",
    files: { "a.ini": `${WEB}directory=/srv/%(nosuch)s\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "directory",
      message: /"\/srv\/%\(nosuch\)s" names %\(nosuch\) which cannot be expanded/,
    },
  },
  {
    // supervisord 4.2.5 does not reject this one: Python's "date +%s" % {...}
    // formats the whole expansion dict into the command. tend refusing it is
    // a deliberate difference.
    name: "a lone % (command=date +%s; % must be %%)",
    files: { "a.ini": "[program:web]\ncommand=date +%s\n" },
    error: {
      file: "a.ini",
      line: 2,
      section: "program:web",
      key: "command",
      message: /"date \+%s" is badly formatted at "%s".*write %% for a literal percent/,
    },
  },
  {
    name: "%(process_num)d in a key that is not per process (priority)",
    files: {
      "a.ini": `${WEB}numprocs=2\nprocess_name=w%(process_num)d\npriority=%(process_num)d\n`,
    },
    error: {
      file: "a.ini",
      line: 5,
      section: "program:web",
      key: "priority",
      message: /"%\(process_num\)d" names %\(process_num\) which cannot be expanded/,
    },
  },
  {
    name: "%(program_name)d: a number format for a string",
    files: { "a.ini": "[program:web]\ncommand=/bin/echo %(program_name)d\n" },
    error: {
      file: "a.ini",
      line: 2,
      section: "program:web",
      key: "command",
      message: /%\(program_name\)d needs a number, but program_name is "web"/,
    },
  },
  {
    name: "unterminated quote in command",
    files: { "a.ini": "[program:web]\ncommand=/bin/sh -c 'echo hi\n" },
    error: {
      file: "a.ini",
      line: 2,
      section: "program:web",
      key: "command",
      message:
        /got "\/bin\/sh -c 'echo hi"; expected a command line with balanced quotes: it has no closing quotation/,
    },
  },
  {
    name: "empty command",
    files: { "a.ini": "[program:web]\ncommand=\n" },
    error: {
      file: "a.ini",
      line: 2,
      section: "program:web",
      key: "command",
      message: /got ""; expected a non-empty command/,
    },
  },
  {
    // The key is absent, so no key line: the section's line, and the key
    // named in the message (the loader's choice; [inet_http_server] port
    // puts it in `key` instead).
    name: "missing command",
    files: { "a.ini": "[program:web]\nautostart=true\n" },
    error: {
      file: "a.ini",
      line: 1,
      section: "program:web",
      key: "command",
      message: /missing; every program needs a command/,
    },
  },
  {
    name: "bad size 10XB",
    files: { "a.ini": `${WEB}stdout_logfile_maxbytes=10XB\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "stdout_logfile_maxbytes",
      message: /got "10XB"; expected a size in bytes/,
    },
  },
  {
    name: "negative size",
    files: { "a.ini": `${WEB}stderr_logfile_maxbytes=-1MB\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "stderr_logfile_maxbytes",
      message: /got "-1MB"; expected a size in bytes/,
    },
  },
  {
    name: "negative logfile backups",
    files: { "a.ini": `${WEB}stdout_logfile_backups=-1\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "stdout_logfile_backups",
      message: /got "-1"; expected an integer >= 0/,
    },
  },
  {
    name: "bad octal umask 089",
    files: { "a.ini": `${WEB}umask=089\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "umask",
      message: /got "089"; expected an octal number/,
    },
  },
  {
    name: "exitcodes=256",
    files: { "a.ini": `${WEB}exitcodes=0,256\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "exitcodes",
      message: /got "0,256"; expected a list of exit codes from 0 to 255/,
    },
  },
  {
    name: "exitcodes=a,b",
    files: { "a.ini": `${WEB}exitcodes=a,b\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "exitcodes",
      message: /got "a,b"; expected a list of exit codes/,
    },
  },
  {
    name: "autorestart=sometimes",
    files: { "a.ini": `${WEB}autorestart=sometimes\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "autorestart",
      message: /got "sometimes"; expected true, false or unexpected/,
    },
  },
  {
    name: "bad serverurl in a program",
    files: { "a.ini": `${WEB}serverurl=localhost:9001\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "serverurl",
      message: /got "localhost:9001"; expected AUTO or a URL/,
    },
  },
  {
    name: "program name with a space",
    files: { "a.ini": "[program:my web]\ncommand=/bin/cat\n" },
    error: {
      file: "a.ini",
      line: 1,
      section: "program:my web",
      message: /program name "my web" must not .*contain spaces/,
    },
  },
  {
    name: "program name with a colon",
    files: { "a.ini": "[program:web:1]\ncommand=/bin/cat\n" },
    error: {
      file: "a.ini",
      line: 1,
      section: "program:web:1",
      message: /program name "web:1" must not .*colons/,
    },
  },
  {
    name: "process_name with a space",
    files: { "a.ini": `${WEB}process_name=my web\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "process_name",
      message: /got "my web"; expected a name without spaces, colons or slashes/,
    },
  },
  {
    name: "process_name with a colon (after expansion)",
    files: { "a.ini": `${WEB}process_name=%(program_name)s:1\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "process_name",
      message: /got "web:1"; expected a name without spaces, colons or slashes/,
    },
  },

  // ---- [group:x] ----------------------------------------------------------
  {
    name: "[group:x] with empty programs",
    files: { "a.ini": `${WEB}[group:x]\nprograms=\n` },
    error: {
      file: "a.ini",
      line: 4,
      section: "group:x",
      key: "programs",
      message: /expected a comma-separated list of program names/,
    },
  },
  {
    name: "[group:x] programs with a bad name",
    files: { "a.ini": `${WEB}[group:x]\nprograms=web db\n` },
    error: {
      file: "a.ini",
      line: 4,
      section: "group:x",
      key: "programs",
      message: /got "web db"; expected a comma-separated list of program names/,
    },
  },
  {
    name: "two processes with the same name in a group",
    files: {
      "a.ini":
        "[group:g]\nprograms=a,b\n[program:a]\ncommand=/bin/cat\nprocess_name=dup\n[program:b]\ncommand=/bin/cat\nprocess_name=dup\n",
    },
    error: {
      file: "a.ini",
      line: 8,
      section: "program:b",
      key: "process_name",
      message: /process name "dup" is used twice in group "g"/,
    },
  },

  // ---- [supervisord] and the servers --------------------------------------
  {
    name: "bad loglevel",
    files: { "a.ini": `[supervisord]\nloglevel=loud\n${WEB}` },
    error: {
      file: "a.ini",
      line: 2,
      section: "supervisord",
      key: "loglevel",
      message: /got "loud"; expected one of critical, error, warn, info, debug/,
    },
  },
  {
    name: "bad log_format",
    files: { "a.ini": `[supervisord]\nlog_format=xml\n${WEB}` },
    error: {
      file: "a.ini",
      line: 2,
      section: "supervisord",
      key: "log_format",
      message: /got "xml"; expected one of text, json/,
    },
  },
  {
    name: "bad environment in [supervisord]",
    files: { "a.ini": `[supervisord]\nenvironment=A='x\n${WEB}` },
    error: {
      file: "a.ini",
      line: 2,
      section: "supervisord",
      key: "environment",
      message: /got "A='x"; expected .*no closing quotation/,
    },
  },
  {
    name: "[inet_http_server] without port",
    files: { "a.ini": `${WEB}[inet_http_server]\nusername=u\npassword=p\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "inet_http_server",
      key: "port",
      message: /missing; expected a port/,
    },
  },
  {
    name: "[inet_http_server] port 70000",
    files: { "a.ini": `${WEB}[inet_http_server]\nport=127.0.0.1:70000\n` },
    error: {
      file: "a.ini",
      line: 4,
      section: "inet_http_server",
      key: "port",
      message: /got "127\.0\.0\.1:70000"; expected a port/,
    },
  },
  {
    name: "[inet_http_server] ui=on",
    files: { "a.ini": `${WEB}[inet_http_server]\nport=9001\nui=on\n` },
    error: {
      file: "a.ini",
      line: 5,
      section: "inet_http_server",
      key: "ui",
      message: /"on".*full, readonly.*off/,
    },
  },
  {
    name: "username without password in [unix_http_server]",
    files: { "a.ini": `${WEB}[unix_http_server]\nfile=/tmp/t.sock\nusername=admin\n` },
    error: {
      file: "a.ini",
      line: 3,
      section: "unix_http_server",
      key: "password",
      message: /missing; a username and a password go together/,
    },
  },
  {
    name: "bad chmod in [unix_http_server]",
    files: { "a.ini": `${WEB}[unix_http_server]\nchmod=0799\n` },
    error: {
      file: "a.ini",
      line: 4,
      section: "unix_http_server",
      key: "chmod",
      message: /got "0799"; expected an octal number/,
    },
  },
  {
    name: "bad serverurl in [supervisorctl]",
    files: { "a.ini": `${WEB}[supervisorctl]\nserverurl=localhost:9001\n` },
    error: {
      file: "a.ini",
      line: 4,
      section: "supervisorctl",
      key: "serverurl",
      message: /got "localhost:9001"; expected AUTO or a URL/,
    },
  },

  // ---- YAML ---------------------------------------------------------------
  {
    name: "YAML: syntax error (bad indentation), with its line",
    files: { "a.yaml": "programs:\n  web:\n    command: /bin/cat\n   autostart: true\n" },
    error: { file: "a.yaml", line: 4, message: /invalid YAML: .*same column/ },
  },
  {
    name: "YAML: a tab as indentation, with its line",
    files: { "a.yaml": "programs:\n  web:\n\tcommand: /bin/cat\n" },
    error: { file: "a.yaml", line: 3, message: /invalid YAML: Tabs are not allowed/ },
  },
  {
    name: "YAML: empty file",
    files: { "a.yaml": "# nothing\n" },
    error: { file: "a.yaml", message: /contains no sections/ },
  },
  {
    name: "YAML: top level is a list",
    files: { "a.yaml": "- web\n- db\n" },
    error: { file: "a.yaml", line: 1, message: /expected a mapping of sections.*got a list/ },
  },
  {
    name: "YAML: programs is a list instead of a mapping",
    files: { "a.yaml": "programs: [web, db]\n" },
    error: {
      file: "a.yaml",
      line: 1,
      section: "programs",
      message: /expected a mapping of names to programs.*got a list/,
    },
  },
  {
    name: "YAML: a program that is a string",
    files: { "a.yaml": "programs:\n  web: /bin/cat\n" },
    error: {
      file: "a.yaml",
      line: 2,
      section: "program:web",
      message: /expected a mapping of keys.*got "\/bin\/cat"/,
    },
  },
  {
    name: "YAML: a mapping where a scalar is expected",
    files: { "a.yaml": "programs:\n  web:\n    command: /bin/cat\n    startsecs: { a: 1 }\n" },
    error: {
      file: "a.yaml",
      line: 4,
      section: "program:web",
      key: "startsecs",
      message: /got a mapping \{"a":"1"\}; expected an integer >= 0/,
    },
  },
  {
    name: "YAML: a nested mapping two levels deep",
    files: {
      "a.yaml": "programs:\n  web:\n    command: /bin/cat\n    environment:\n      A: { B: 1 }\n",
    },
    error: {
      file: "a.yaml",
      line: 4,
      section: "program:web",
      key: "environment",
      message: /expected .*mapping of names to values.*got/,
    },
  },
  {
    name: "YAML: an empty command list",
    files: { "a.yaml": "programs:\n  web:\n    command: []\n" },
    error: {
      file: "a.yaml",
      line: 3,
      section: "program:web",
      key: "command",
      message: /got a list \[\]; expected a non-empty command/,
    },
  },
  {
    name: "YAML: exit code out of range in a list",
    files: { "a.yaml": "programs:\n  web:\n    command: /bin/cat\n    exitcodes: [0, 300]\n" },
    error: {
      file: "a.yaml",
      line: 4,
      section: "program:web",
      key: "exitcodes",
      message: /got a list \["0","300"\]; expected a list of exit codes from 0 to 255/,
    },
  },
  {
    name: "YAML: duplicate keys",
    files: { "a.yaml": "programs:\n  web:\n    command: /bin/cat\n    command: /bin/sleep\n" },
    error: { file: "a.yaml", line: 4, message: /invalid YAML: .*unique/ },
  },
  {
    name: "YAML: unknown top-level key",
    files: { "a.yaml": "programz:\n  web:\n    command: /bin/cat\n" },
    error: {
      file: "a.yaml",
      line: 1,
      section: "programz",
      message: /unknown .*did you mean programs\?/,
    },
  },
  {
    name: "YAML: include is a mapping",
    files: { "a.yaml": "programs:\n  web: { command: /bin/cat }\ninclude: { a: b.yaml }\n" },
    error: {
      file: "a.yaml",
      line: 3,
      section: "include",
      key: "files",
      message: /got a mapping .*; expected space-separated file globs or a list/,
    },
  },
];

const WARN: WarnCase[] = [
  {
    name: "unknown key stopwaitsec, with a did-you-mean",
    files: { "a.ini": `${WEB}stopwaitsec=5\n` },
    warning: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "stopwaitsec",
      message: /unknown key, ignored; did you mean stopwaitsecs\?/,
    },
  },
  {
    name: "unknown key in [supervisord]",
    files: { "a.ini": `[supervisord]\nlogfiel=/dev/null\n${WEB}` },
    warning: {
      file: "a.ini",
      line: 2,
      section: "supervisord",
      key: "logfiel",
      message: /unknown key, ignored; did you mean logfile\?/,
    },
  },
  {
    name: "YAML: unknown key in a program",
    files: { "a.yaml": "programs:\n  web:\n    command: /bin/cat\n    autostrat: false\n" },
    warning: {
      file: "a.yaml",
      line: 4,
      section: "program:web",
      key: "autostrat",
      message: /unknown key, ignored; did you mean autostart\?/,
    },
  },
  {
    name: "include glob that matches nothing",
    files: { "a.ini": `${WEB}\n[include]\nfiles=conf.d/*.ini\n` },
    warning: {
      file: "a.ini",
      line: 5,
      section: "include",
      key: "files",
      message: /no file matches "conf\.d\/\*\.ini"/,
    },
  },
  {
    name: "missing included file given literally",
    files: { "a.ini": `${WEB}[include]\nfiles=extra.ini\n` },
    warning: {
      file: "a.ini",
      line: 4,
      section: "include",
      key: "files",
      message: /no file matches ".*extra\.ini"/,
    },
  },
  {
    name: "[eventlistener:x] with a result_handler tend cannot run",
    files: {
      "a.ini": `${WEB}[eventlistener:x]\ncommand=/bin/cat\nevents=PROCESS_STATE\nresult_handler=my.module:handler\n`,
    },
    warning: {
      file: "a.ini",
      line: 6,
      section: "eventlistener:x",
      key: "result_handler",
      message: /"my.module:handler" is Python code tend cannot run; the default handler is used/,
    },
  },
  {
    name: "[fcgi-program:x] is not supported",
    files: { "a.ini": `${WEB}[fcgi-program:x]\ncommand=/bin/cat\nsocket=tcp://localhost:9000\n` },
    warning: {
      file: "a.ini",
      line: 3,
      section: "fcgi-program:x",
      message: /fcgi-program sections are not supported/,
    },
  },
  {
    name: "group naming a program that does not exist",
    files: { "a.ini": `${WEB}[group:g]\nprograms=web,wbe2\n` },
    warning: {
      file: "a.ini",
      line: 4,
      section: "group:g",
      key: "programs",
      message: /names "wbe2", but there is no \[program:wbe2\]/,
    },
  },
  {
    name: "redirect_stderr with stderr_logfile set",
    files: { "a.ini": `${WEB}redirect_stderr=true\nstderr_logfile=/tmp/err.log\n` },
    warning: {
      file: "a.ini",
      line: 4,
      section: "program:web",
      key: "stderr_logfile",
      message: /is ignored: redirect_stderr=true/,
    },
  },
  {
    name: "a key given twice in one section",
    files: { "a.ini": `${WEB}startsecs=1\nstartsecs=2\n` },
    warning: {
      file: "a.ini",
      line: 4,
      section: "program:web",
      key: "startsecs",
      message: /given twice \(first at line 3\)/,
    },
  },
  {
    name: "a section given twice in one file",
    files: { "a.ini": `${WEB}[program:web]\nstartsecs=2\n` },
    warning: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      message: /section given twice \(first at line 1\)/,
    },
  },
  {
    name: "stdout_logfile=syslog is deprecated",
    files: { "a.ini": `${WEB}stdout_logfile=syslog\n` },
    warning: {
      file: "a.ini",
      line: 3,
      section: "program:web",
      key: "stdout_logfile",
      message: /deprecated/,
    },
  },
];

describe("bad input: loading fails, naming file, line, section and key", () => {
  for (const c of BAD) {
    test.skipIf(Boolean(c.skip))(c.name, () => {
      const { dir, result } = load(c);
      expect(result.ok).toBe(false);
      expect("config" in result).toBe(false);
      if (result.ok) return;
      expect(result.errors.map((p) => place(dir, p))).toEqual([expected(c.error)]);
      expect(result.errors.every((p) => p.severity === "error")).toBe(true);
    });
  }
});

describe("warnings: the config still loads", () => {
  for (const c of WARN) {
    test.skipIf(Boolean(c.skip))(c.name, () => {
      const { dir, result } = load(c);
      if (!result.ok) {
        throw new Error(
          `expected a config, got errors:\n${result.errors.map((p) => p.message).join("\n")}`,
        );
      }
      expect(result.config.groups.length).toBeGreaterThan(0);
      expect(result.warnings.map((p) => place(dir, p))).toEqual([expected(c.warning)]);
    });
  }
});

test("every error is reported at once", () => {
  const { dir, result } = load({
    name: "five errors",
    files: {
      "a.ini": [
        "[supervisord]", // 1
        "loglevel=loud", // 2
        "[program:a]", // 3
        "command=/bin/cat", // 4
        "startsecs=-1", // 5
        "autostart=maybe", // 6
        "[program:b]", // 7
        "command=/bin/sh -c 'x", // 8
        "[inet_http_server]", // 9
        "port=70000", // 10
        "",
      ].join("\n"),
    },
  });
  expect(result.ok).toBe(false);
  expect("config" in result).toBe(false);
  if (result.ok) return;
  const where = result.errors.map((p) => {
    const { file, line, section, key } = place(dir, p);
    return [file, line, section, key];
  });
  expect(where.sort()).toEqual(
    [
      ["a.ini", 2, "supervisord", "loglevel"],
      ["a.ini", 5, "program:a", "startsecs"],
      ["a.ini", 6, "program:a", "autostart"],
      ["a.ini", 8, "program:b", "command"],
      ["a.ini", 10, "inet_http_server", "port"],
    ].sort(),
  );
});

test("the suite holds at least 45 bad configs", () => {
  expect(BAD.length).toBeGreaterThanOrEqual(45);
});
