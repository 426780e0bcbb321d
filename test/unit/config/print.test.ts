// `tend check` prints the effective config in a form tend reads back to the
// same model, in INI and in YAML.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
 * printed form lists numprocs copies as programs of their group.
 */
function comparable(config: Config): unknown {
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
