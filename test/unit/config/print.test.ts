// `tend check` prints the effective config in a form tend reads back to the
// same model, in INI and in YAML.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processesNamed } from "../../../src/config/dependencies.ts";
import { loadConfig } from "../../../src/config/load.ts";
import type { Config } from "../../../src/config/model.ts";
import { printIni, printYaml } from "../../../src/config/print.ts";

const root = mkdtempSync(join(tmpdir(), "tend-print-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;

function loadText(text: string, ext: string): Config {
  const path = join(root, `${count++}.${ext}`);
  writeFileSync(path, text);
  const result = loadConfig(path, { env: { HOME: "/root" }, hostname: "h" });
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.line}: ${e.message}`).join("\n"));
  return result.config;
}

/**
 * The model without where it came from, nor how copies were numbered: the
 * printed form lists numprocs copies as programs of their group (and names
 * what a dependency stands for, when the program's name is gone, by its
 * processes).
 */
function comparable(config: Config): unknown {
  const meant = (target: string) =>
    processesNamed(target, config.groups).map((p) => `${p.group}:${p.name}`);
  return {
    ...config,
    files: [],
    groups: config.groups.map((g) => ({
      ...g,
      explicit: true,
      processes: g.processes.map((p) => ({
        ...p,
        program: "",
        source: null,
        numprocs: 0,
        numprocs_start: 0,
        process_num: 0,
        depends_on: p.depends_on.flatMap((d) => meant(d.target).map((t) => [t, d.condition])),
      })),
    })),
  };
}

const CONFIGS: Record<string, string> = {
  "single program": "[program:web]\ncommand=python3 -m http.server 8080\n",
  "numprocs workers":
    "[program:w]\ncommand=work %(process_num)d\nprocess_name=%(program_name)s_%(process_num)02d\nnumprocs=3\npriority=5\n",
  "group, quoting and percent": [
    "[supervisord]\nloglevel=debug\nenvironment=TZ=UTC\n[unix_http_server]\nfile=/tmp/t.sock\nchmod=0770\nusername=u\npassword={SHA}abc\n",
    "[inet_http_server]\nport=127.0.0.1:9001\n[supervisorctl]\nserverurl=unix:///tmp/t.sock\n",
    "[group:web]\nprograms=nginx,php\npriority=10\n",
    "[program:nginx]\ncommand=nginx -g 'daemon off;'\nstopsignal=QUIT\numask=002\nstopasgroup=true\n",
    '[program:php]\ncommand=sh -c "date +%%s; echo it\'s 100%%"\nenvironment=A="x,y=z",B=2\nexitcodes=0,2\nautorestart=false\nredirect_stderr=true\nuser=www-data\ndirectory=/srv\n',
  ].join(""),
  "every key of tend's own": [
    "[program:db]\ncommand=postgres\nready_check=tcp:5432\nready_initial_delay=0.5\nready_period=2\n",
    "ready_timeout=0.25\nready_success_threshold=2\nready_failure_threshold=5\n",
    "live_check=pg_isready -h 127.0.0.1 -q\nlive_initial_delay=10\nlive_period=30\nlive_timeout=5\n",
    "live_failure_threshold=4\nstartretries=unlimited\nbackoff=exponential\nbackoff_initial=0.5\n",
    "backoff_multiplier=1.5\nbackoff_max=120\nbackoff_jitter=0.25\nbackoff_reset=300\n",
    "critical=true\nstdout_tail_bytes=1MB\nstderr_tail_bytes=0\n",
    "[program:migrate]\ncommand=migrate up\nautorestart=false\nstartsecs=0\nbackoff_jitter=0.0000001\n",
    "[program:web]\ncommand=web --port 8080\ndepends_on=db:ready, migrate:done, cache\ndepends_timeout=30\n",
    "ready_check=http://127.0.0.1:8080/health\nlive_check=https://127.0.0.1:8443/live?full=1\n",
    "[program:cache]\ncommand=redis-server\nready_check=log:Ready to accept .* 100%% [a-z]+$\nstopwaitsecs=20\n",
    "[program:notifier]\ncommand=notifier\nready_check=notify\ndepends_on=web:exited,jobs:done:started\n",
    // A process named like a condition: jobs:done, printed without its condition, would mean the group jobs, done.
    "[group:jobs]\nprograms=done\n[program:done]\ncommand=true\n",
    "[program:s6]\ncommand=s6svc\nready_check=fd:3\ndepends_on=notifier:started,web:ready\n",
    "[program:files]\ncommand=x\nready_check=file:/run/x.ready\nlive_check=unix:/run/x.sock\n",
    "[group:site]\nprograms=worker,api\n",
    "[program:worker]\ncommand=work %(process_num)d\nprocess_name=worker_%(process_num)d\nnumprocs=2\n",
    "[program:api]\ncommand=api\ndepends_on=worker:ready,site:worker_1:done,files\n",
    "[eventlistener:mail]\ncommand=crashmail\nevents=PROCESS_STATE\ndepends_on=db\n",
  ].join(""),
};

describe("printed config reads back to the same model", () => {
  for (const [name, text] of Object.entries(CONFIGS)) {
    test(`${name}: INI`, () => {
      const original = loadText(text, "ini");
      expect(comparable(loadText(printIni(original), "ini"))).toEqual(comparable(original));
    });
    test(`${name}: YAML`, () => {
      const original = loadText(text, "ini");
      expect(comparable(loadText(printYaml(original), "yaml"))).toEqual(comparable(original));
    });
  }
});

describe("tend's own keys as printed", () => {
  const config = loadText(CONFIGS["every key of tend's own"] as string, "ini");
  const ini = printIni(config);

  test("checks as written, unlimited as a word, decimals as decimals", () => {
    for (const line of [
      "ready_check=tcp:5432",
      "live_check=pg_isready -h 127.0.0.1 -q",
      "ready_check=log:Ready to accept .* 100%% [a-z]+$",
      "ready_check=fd:3",
      "ready_check=notify",
      "startretries=unlimited",
      "ready_timeout=0.25",
      "backoff_jitter=0.0000001",
    ])
      expect(ini).toContain(`\n${line}\n`);
    expect(printYaml(config)).toContain("\n    startretries: unlimited\n");
  });

  test("depends_on with each condition spelled out; a renamed program by its processes", () => {
    expect(ini).toContain("\ndepends_on=db:ready,migrate:done,cache:started\n");
    expect(ini).toContain(
      "\ndepends_on=site:worker_0:ready,site:worker_1:ready,site:worker_1:done,files:started\n",
    );
    expect(ini).toContain("\n[program:db]\ncommand=postgres\n");
    expect(printYaml(config)).toContain(
      "\n    depends_on:\n      - db:ready\n      - migrate:done\n",
    );
  });
});

describe("notes, as comments that leave the config as it is", () => {
  const config = loadText(CONFIGS["every key of tend's own"] as string, "ini");
  const notes = {
    header: ["Shutdown: at worst 10 s", "  1. up to 10 s: web"],
    sections: {
      "program:web": ["web waits for db (ready)"],
      "eventlistener:mail": ["mail waits for db (started)"],
    },
    keys: {
      "supervisord loglevel": "from environment TEND_LOGLEVEL",
      "supervisord environment": "from environment TEND_ENVIRONMENT",
    },
  };

  test("INI: ; lines before everything and before a section, ; after a value", () => {
    const ini = printIni(config, notes);
    expect(ini).toStartWith("; Shutdown: at worst 10 s\n;   1. up to 10 s: web\n\n[supervisord]\n");
    expect(ini).toContain("\n\n; web waits for db (ready)\n[program:web]\n");
    expect(ini).toContain("\n\n; mail waits for db (started)\n[eventlistener:mail]\n");
    expect(ini).toContain("\nloglevel=info ; from environment TEND_LOGLEVEL\n");
    expect(ini).toContain("\nenvironment= ; from environment TEND_ENVIRONMENT\n");
    expect(comparable(loadText(ini, "ini"))).toEqual(comparable(config));
  });

  test("YAML: # lines before everything and before a section; # after a scalar, before a mapping", () => {
    const text = printYaml(config, notes);
    expect(text).toStartWith("# Shutdown: at worst 10 s\n#   1. up to 10 s: web\n\nsupervisord:\n");
    expect(text).toContain("\n  # web waits for db (ready)\n  web:\n");
    expect(text).toContain("\n  # mail waits for db (started)\n  mail:\n");
    expect(text).toContain("\n  loglevel: info # from environment TEND_LOGLEVEL\n");
    expect(text).toContain("\n  # from environment TEND_ENVIRONMENT\n  environment: {}\n");
    expect(comparable(loadText(text, "yaml"))).toEqual(comparable(config));
  });

  test("without notes, no comment at all", () => {
    expect(printIni(config)).not.toMatch(/^;/m);
    expect(printYaml(config)).not.toMatch(/#/);
  });
});
