// `tend check` on a generated config of 1,000 programs (or as many as the
// first argument says): time from exec to exit,
// median of 10 runs, for INI and the same config written in YAML. For comparison, the same INI
// read by supervisord's own parser (Debian's python3 with `supervisor`, from
// bench/setup.sh), when installed. Run: `npm run build && bun bench/check.ts`.

import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { scratchDir, supervisorPython, TEND } from "../test/harness/index.ts";

const PROGRAMS = Number(process.argv[2] ?? 1000);
const RUNS = 10;

interface Program {
  readonly name: string;
  readonly priority: number;
  readonly queue: number;
  readonly shard: number;
}

const programs: Program[] = Array.from({ length: PROGRAMS }, (_, i) => ({
  name: `app-${i}`,
  priority: 100 + (i % 50),
  queue: i % 17,
  shard: i % 8,
}));
const groups = Array.from({ length: 10 }, (_, g) => ({
  name: `g${g}`,
  priority: g,
  members: programs.slice(g * 10, g * 10 + 10).map((p) => p.name),
}));

function generateIni(): string {
  const lines = ["[supervisord]", "nodaemon=true", "logfile=/dev/stdout", "logfile_maxbytes=0", ""];
  for (const p of programs) {
    lines.push(
      `[program:${p.name}]`,
      `command=/usr/bin/env python3 -m worker --queue q${p.queue} --id %(process_num)d`,
      "directory=/tmp",
      `priority=${p.priority}`,
      `environment=APP="${p.name}",SHARD="${p.shard}",PATH="/usr/bin:/bin"`,
      "stdout_logfile=/dev/stdout",
      "stdout_logfile_maxbytes=0",
      "stopsignal=INT",
      "stopwaitsecs=5",
      "autorestart=unexpected",
      "exitcodes=0,2",
      "",
    );
  }
  for (const g of groups)
    lines.push(
      `[group:${g.name}]`,
      `programs=${g.members.join(",")}`,
      `priority=${g.priority}`,
      "",
    );
  return lines.join("\n");
}

/** The same config in tend's YAML form, written as a person would. */
function generateYaml(): string {
  const lines = [
    "supervisord: { nodaemon: true, logfile: /dev/stdout, logfile_maxbytes: 0 }",
    "programs:",
  ];
  for (const p of programs) {
    lines.push(
      `  ${p.name}:`,
      `    command: [/usr/bin/env, python3, -m, worker, --queue, q${p.queue}, --id, "%(process_num)d"]`,
      "    directory: /tmp",
      `    priority: ${p.priority}`,
      `    environment: { APP: ${p.name}, SHARD: "${p.shard}", PATH: "/usr/bin:/bin" }`,
      "    stdout_logfile: /dev/stdout",
      "    stdout_logfile_maxbytes: 0",
      "    stopsignal: INT",
      "    stopwaitsecs: 5",
      "    autorestart: unexpected",
      "    exitcodes: [0, 2]",
    );
  }
  lines.push("groups:");
  for (const g of groups)
    lines.push(`  ${g.name}: { programs: [${g.members.join(", ")}], priority: ${g.priority} }`);
  return `${lines.join("\n")}\n`;
}

function medianMs(argv: string[]): number {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const result = spawnSync(argv, { stdout: "ignore", stderr: "pipe" });
    times.push(performance.now() - start);
    if (result.exitCode !== 0)
      throw new Error(`${argv.join(" ")}: exit ${result.exitCode}: ${result.stderr}`);
  }
  times.sort((a, b) => a - b);
  return ((times[4] as number) + (times[5] as number)) / 2;
}

const SUPERVISORD_PARSE = `
import sys
from supervisor.options import ServerOptions
o = ServerOptions(); o.configfile = sys.argv[1]; o.here = "/tmp"
o.read_config(sys.argv[1])
`;

{
  using scratch = scratchDir("tend-bench-check-");
  const { dir } = scratch;
  const ini = join(dir, "tend.ini");
  writeFileSync(ini, generateIni());
  const yaml = join(dir, "tend.yaml");
  writeFileSync(yaml, generateYaml());

  const rows: [string, number][] = [
    ["tend check (INI)", medianMs([TEND, "check", "-c", ini])],
    ["tend check (the same in YAML)", medianMs([TEND, "check", "-c", yaml])],
  ];
  const python = supervisorPython();
  if (existsSync(python) && spawnSync([python, "-c", "import supervisor"]).exitCode === 0) {
    rows.push([
      "supervisord's parser (read_config)",
      medianMs([python, "-c", SUPERVISORD_PARSE, ini]),
    ]);
  } else {
    console.error(`supervisor is not installed for ${python} (bench/setup.sh): no comparison`);
  }
  const base = rows[0]?.[1] ?? 1;
  console.log(`${PROGRAMS} programs (+10 groups), median of ${RUNS} runs, exec to exit:\n`);
  console.log("| config load | ms | × tend INI |\n|---|---:|---:|");
  for (const [name, ms] of rows)
    console.log(`| ${name} | ${ms.toFixed(0)} | ${(ms / base).toFixed(1)}× |`);
}
