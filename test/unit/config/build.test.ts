// supervisord's semantics of a whole config: groups, numprocs, expansions,
// defaults, environment merging, ordering. Through loadConfig on real files.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type LoadResult, loadConfig } from "../../../src/config/load.ts";
import type { Config } from "../../../src/config/model.ts";

const root = mkdtempSync(join(tmpdir(), "tend-build-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;

const ENV = { HOME: "/root", APP_ENV: "production" };

function load(files: Record<string, string>, main = Object.keys(files)[0] as string): LoadResult {
  const dir = join(root, String(count++));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return loadConfig(join(dir, main), { env: ENV, hostname: "tend-host" });
}

function config(files: Record<string, string>): Config {
  const result = load(files);
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join("\n"));
  return result.config;
}

const processes = (c: Config) => c.groups.flatMap((g) => g.processes);

describe("programs and groups", () => {
  test("a lone program is a group of one, named after it, with supervisord's defaults", () => {
    const c = config({ "a.ini": "[program:web]\ncommand=/bin/cat\n" });
    expect(c.groups.map((g) => [g.name, g.priority, g.processes.map((p) => p.name)])).toEqual([
      ["web", 999, ["web"]],
    ]);
    expect(processes(c)[0]).toMatchObject({
      command: ["/bin/cat"],
      priority: 999,
      autostart: true,
      startsecs: 1,
      startretries: 3,
      autorestart: "unexpected",
      exitcodes: [0],
      stopsignal: 15,
      stopwaitsecs: 10,
      stopasgroup: false,
      killasgroup: false,
      redirect_stderr: false,
      stdout_logfile: "AUTO",
      stdout_logfile_maxbytes: 50 * 1024 * 1024,
      stdout_logfile_backups: 10,
      stderr_logfile: "AUTO",
      environment: {},
      serverurl: "AUTO",
      user: undefined,
      directory: undefined,
      umask: undefined,
      critical: false,
    });
  });

  test("numprocs makes copies named by process_name, numbered from numprocs_start", () => {
    const c = config({
      "a.ini":
        "[program:worker]\ncommand=work --id %(process_num)d of %(numprocs)d\nprocess_name=%(program_name)s_%(process_num)02d\nnumprocs=3\nnumprocs_start=8\n",
    });
    expect(processes(c).map((p) => [p.name, p.group, p.process_num, p.command.join(" ")])).toEqual([
      ["worker_08", "worker", 8, "work --id 8 of 3"],
      ["worker_09", "worker", 9, "work --id 9 of 3"],
      ["worker_10", "worker", 10, "work --id 10 of 3"],
    ]);
  });

  test("[group:x] gathers programs under its name and priority; group_name expands to it", () => {
    const c = config({
      "a.ini":
        "[group:web]\nprograms=nginx,php\npriority=5\n[program:nginx]\ncommand=nginx -g 'daemon off;'\npriority=20\n[program:php]\ncommand=php-fpm --group %(group_name)s\npriority=10\n[program:cron]\ncommand=cron -f\n",
    });
    expect(c.groups.map((g) => [g.name, g.priority, g.processes.map((p) => p.name)])).toEqual([
      ["web", 5, ["php", "nginx"]],
      ["cron", 999, ["cron"]],
    ]);
    expect(processes(c)[0]?.command).toEqual(["php-fpm", "--group", "web"]);
    expect(processes(c)[1]?.command).toEqual(["nginx", "-g", "daemon off;"]);
  });

  test("groups and processes are ordered by priority, then name", () => {
    const c = config({
      "a.ini":
        "[program:b]\ncommand=b\n[program:a]\ncommand=a\n[program:z]\ncommand=z\npriority=1\n",
    });
    expect(c.groups.map((g) => g.name)).toEqual(["z", "a", "b"]);
  });

  test("stopasgroup implies killasgroup", () => {
    const c = config({ "a.ini": "[program:x]\ncommand=x\nstopasgroup=true\n" });
    expect(processes(c)[0]).toMatchObject({ stopasgroup: true, killasgroup: true });
  });

  test("redirect_stderr drops the stderr log file", () => {
    const c = config({ "a.ini": "[program:x]\ncommand=x\nredirect_stderr=true\n" });
    expect(processes(c)[0]?.stderr_logfile).toBe("NONE");
  });

  test("stdout_logfile=syslog becomes stdout_syslog=true, with a deprecation warning", () => {
    const result = load({ "a.ini": "[program:x]\ncommand=x\nstdout_logfile=syslog\n" });
    if (!result.ok) throw new Error("expected to load");
    expect(processes(result.config)[0]).toMatchObject({
      stdout_logfile: "NONE",
      stdout_syslog: true,
    });
    expect(result.warnings.map((w) => w.key)).toEqual(["stdout_logfile"]);
  });

  test("no [supervisord] section: tend's defaults (log to stdout, no pidfile)", () => {
    const c = config({ "a.ini": "[program:x]\ncommand=x\n" });
    expect(c.supervisord).toMatchObject({
      logfile: "/dev/stdout",
      pidfile: undefined,
      loglevel: "info",
      umask: 0o22,
      identifier: "supervisor",
    });
    expect(c.unix_http_server).toBeUndefined();
  });
});

describe("expansions and environment", () => {
  test("ENV_, here, host_node_name, program_name in any value", () => {
    const c = config({
      "a.ini":
        "[program:x]\ncommand=%(here)s/run --env %(ENV_APP_ENV)s --host %(host_node_name)s\ndirectory=%(ENV_HOME)s/%(program_name)s\n",
    });
    const p = processes(c)[0];
    expect(p?.command.slice(1)).toEqual(["--env", "production", "--host", "tend-host"]);
    expect(p?.command[0]).toEndWith("/run");
    expect(p?.directory).toBe("/root/x");
  });

  test("[supervisord] environment is merged into every program's, and expands later values", () => {
    const c = config({
      "a.ini":
        '[supervisord]\nenvironment=REGION=eu,A=global\n[program:x]\ncommand=run --region %(ENV_REGION)s\nenvironment=A=local,B="%(ENV_REGION)s-1"\n',
    });
    expect(processes(c)[0]?.environment).toEqual({ REGION: "eu", A: "local", B: "eu-1" });
    expect(processes(c)[0]?.command).toEqual(["run", "--region", "eu"]);
  });

  test("a program's environment expands its own later keys", () => {
    const c = config({
      "a.ini":
        "[program:x]\nenvironment=PORT=80%(process_num)d\ncommand=serve --port %(ENV_PORT)s\n",
    });
    expect(processes(c)[0]?.command).toEqual(["serve", "--port", "800"]);
  });

  test("%% is a literal percent", () => {
    const c = config({ "a.ini": "[program:x]\ncommand=date +%%s\n" });
    expect(processes(c)[0]?.command).toEqual(["date", "+%s"]);
  });
});

describe("includes", () => {
  test("globs relative to the including file, in sorted order, %(here)s of each file", () => {
    const c = config({
      "etc/main.ini": "[supervisord]\nnodaemon=true\n[include]\nfiles=conf.d/*.conf\n",
      "etc/conf.d/b.conf": "[program:b]\ncommand=%(here)s/b\n",
      "etc/conf.d/a.conf": "[program:a]\ncommand=a\n",
    });
    expect(c.groups.map((g) => g.name)).toEqual(["a", "b"]);
    expect(processes(c)[1]?.command[0]).toEndWith("/etc/conf.d/b");
    expect(c.files.map((f) => f.split("/").slice(-2).join("/"))).toEqual([
      "etc/main.ini",
      "conf.d/a.conf",
      "conf.d/b.conf",
    ]);
  });

  test("YAML includes INI and the reverse", () => {
    const c = config({
      "main.yaml": "include: [more.ini]\nprograms:\n  a: { command: [a] }\n",
      "more.ini": "[include]\nfiles=last.yaml\n[program:b]\ncommand=b\n",
      "last.yaml": "programs:\n  c:\n    command: c\n",
    });
    expect(c.groups.map((g) => g.name)).toEqual(["a", "b", "c"]);
  });
});

describe("YAML", () => {
  test("native types and INI strings give the same model", () => {
    const yaml = config({
      "a.yaml": [
        "supervisord: { loglevel: debug }",
        "programs:",
        "  web:",
        "    command: [python3, -m, http.server, '8080']",
        "    autostart: false",
        "    startsecs: 0",
        "    exitcodes: [0, 2]",
        "    umask: 022",
        "    environment: { PORT: 8080, DEBUG: 'true' }",
        "    stdout_logfile_maxbytes: 10MB",
        "    stopsignal: INT",
      ].join("\n"),
    });
    const ini = config({
      "a.ini":
        "[supervisord]\nloglevel=debug\n[program:web]\ncommand=python3 -m http.server 8080\nautostart=false\nstartsecs=0\nexitcodes=0,2\numask=022\nenvironment=PORT=8080,DEBUG=true\nstdout_logfile_maxbytes=10MB\nstopsignal=INT\n",
    });
    const strip = (c: Config) => ({
      ...c,
      files: [],
      groups: c.groups.map((g) => ({
        ...g,
        processes: g.processes.map((p) => ({ ...p, source: null })),
      })),
    });
    expect(strip(yaml)).toEqual(strip(ini));
  });

  test("command as a string is split like supervisord's shlex", () => {
    const c = config({ "a.yaml": "programs:\n  x:\n    command: sh -c 'echo a b'\n" });
    expect(processes(c)[0]?.command).toEqual(["sh", "-c", "echo a b"]);
  });
});

describe("the model", () => {
  test("is deeply frozen", () => {
    const c = config({ "a.ini": "[program:x]\ncommand=x\nenvironment=A=1\n" });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(processes(c)[0]?.environment)).toBe(true);
    expect(Object.isFrozen(processes(c)[0]?.command)).toBe(true);
  });
});
