// The corpus: real-world supervisord configs (test/fixtures/configs/corpus),
// each checked against what supervisord 4.2.5 itself resolved for it
// (expected.json, from oracle.py), and against its YAML twin.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../../src/config/load.ts";
import type { Config, ProcessConfig } from "../../../src/config/model.ts";
import { TEND_PROGRAM_KEYS } from "../../../src/config/schema.ts";
import { splitCommand } from "../../../src/config/shlex.ts";
import { findUser } from "../../../src/os/users.ts";

const CORPUS = join(import.meta.dir, "../../fixtures/configs/corpus");
// The oracle's fixed inputs (see oracle.py).
const ENV = {
  HOME: "/root",
  PATH: "/usr/local/bin:/usr/bin:/bin",
  APP_ENV: "production",
  WORKERS: "4",
};
const HOST = "tend-host";

interface Expected {
  supervisord: Record<string, unknown>;
  groups: { name: string; priority: number; processes: string[] }[];
  processes: (Record<string, unknown> & { group: string; name: string; command: string })[];
  unix_http_server: Record<string, unknown> | null;
  inet_http_server: Record<string, unknown> | null;
}

function load(path: string): Config {
  const result = loadConfig(path, { env: ENV, hostname: HOST });
  if (!result.ok)
    throw new Error(result.errors.map((e) => `${e.file}:${e.line} ${e.message}`).join("\n"));
  return result.config;
}

/** A process as the oracle describes one: supervisord's keys only (tend's own have no oracle). */
function asOracle(process: ProcessConfig): Record<string, unknown> {
  const user = process.user === undefined ? null : (findUser(process.user)?.name ?? process.user);
  const {
    program: _p,
    process_num: _n,
    numprocs: _c,
    numprocs_start: _s,
    source: _src,
    ...rest
  } = process;
  const supervisords = Object.fromEntries(
    Object.entries(rest).filter(([key]) => !(key in TEND_PROGRAM_KEYS)),
  );
  return {
    ...supervisords,
    user,
    directory: process.directory ?? null,
    umask: process.umask ?? null,
  };
}

/**
 * Drops, from both sides, the [supervisord] keys where the oracle shows
 * supervisord's own default, which tend replaces on purpose (as a container
 * init it logs to stdout and writes no pidfile).
 */
function withoutDeliberateDefaults(
  ours: Record<string, unknown>,
  theirs: Record<string, unknown>,
  here: string,
): [Record<string, unknown>, Record<string, unknown>] {
  const defaults: Record<string, unknown> = {
    logfile: `${here}/supervisord.log`,
    pidfile: `${here}/supervisord.pid`,
    childlogdir: "/tmp",
  };
  const a = { ...ours };
  const b = { ...theirs };
  for (const [key, value] of Object.entries(defaults)) {
    if (b[key] === value) {
      delete a[key];
      delete b[key];
    }
  }
  return [a, b];
}

const members = readdirSync(CORPUS).sort();

test("the corpus has at least 13 members, sample and the seeds among them", () => {
  expect(members.length).toBeGreaterThanOrEqual(13);
  expect(members).toContain("sample");
  expect(members).toContain("seed-ufa");
  expect(members).toContain("seed-cat");
});

describe.each(members)("corpus: %s", (member) => {
  const dir = join(CORPUS, member);
  const expected = JSON.parse(
    readFileSync(join(dir, "expected.json"), "utf8").replaceAll("@HERE@", dir),
  ) as Expected;

  test("loads without error and gives the values supervisord uses", () => {
    const config = load(join(dir, "supervisord.conf"));

    // Groups: same names in the same order, same priorities, same members.
    expect(
      config.groups.map((g) => [g.name, g.priority, g.processes.map((p) => p.name).sort()]),
    ).toEqual(expected.groups.map((g) => [g.name, g.priority, [...g.processes].sort()]));

    // Processes, each with every value supervisord resolved.
    const ours = new Map(
      config.groups.flatMap((g) => g.processes.map((p) => [`${g.name}:${p.name}`, p])),
    );
    expect([...ours.keys()].sort()).toEqual(
      expected.processes.map((p) => `${p.group}:${p.name}`).sort(),
    );
    for (const want of expected.processes) {
      const process = ours.get(`${want.group}:${want.name}`) as ProcessConfig;
      const argv = splitCommand(want.command);
      expect({ ...asOracle(process), command: process.command }).toEqual({
        ...want,
        command: argv.ok ? argv.value : [],
      });
    }

    // [supervisord], but for the defaults tend changes on purpose.
    const {
      log_format: _f,
      log_prefix: _p,
      shutdown_delay: _d,
      ...supervisord
    } = config.supervisord;
    const [oursSupervisord, theirsSupervisord] = withoutDeliberateDefaults(
      { ...supervisord, user: supervisord.user ?? null, directory: supervisord.directory ?? null },
      expected.supervisord,
      dir,
    );
    expect(oursSupervisord).toEqual(theirsSupervisord);

    // Servers.
    const unix = config.unix_http_server;
    if (expected.unix_http_server === null) expect(unix).toBeUndefined();
    else {
      const { chown: _chown, ...want } = expected.unix_http_server;
      expect({
        file: unix?.file,
        chmod: unix?.chmod,
        username: unix?.username ?? null,
        password: unix?.password ?? null,
      }).toEqual(want as never);
    }
    const inet = config.inet_http_server;
    if (expected.inet_http_server === null) expect(inet).toBeUndefined();
    else {
      // supervisord's keys; ui= is tend's (the dashboard), full unless set.
      const { ui, ...supervisords } = inet ?? { ui: undefined };
      expect(ui).toBe("full");
      expect({
        ...supervisords,
        username: inet?.username ?? null,
        password: inet?.password ?? null,
      }).toEqual(expected.inet_http_server as never);
    }
  });

  test("its YAML twin produces an identical model", () => {
    const strip = (config: Config) => ({
      ...config,
      files: config.files.length,
      groups: config.groups.map((g) => ({
        ...g,
        processes: g.processes.map((p) => ({ ...p, source: p.source.line === undefined })),
      })),
    });
    expect(strip(load(join(dir, "tend.yaml")))).toEqual(strip(load(join(dir, "supervisord.conf"))));
  });
});
