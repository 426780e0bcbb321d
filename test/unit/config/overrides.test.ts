// TEND_<KEY> overrides of [supervisord]: which variables count, precedence
// (command line > environment > file), errors that name the variable, and
// every key reachable. Through loadConfig on real files where it matters.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LoadOptions, type LoadResult, loadConfig } from "../../../src/config/load.ts";
import {
  ENVIRONMENT_SECTIONS,
  environmentOverrides,
  variableOf,
} from "../../../src/config/overrides.ts";
import { formatProblem } from "../../../src/config/problems.ts";
import { SUPERVISORD_KEYS } from "../../../src/config/schema.ts";

const root = mkdtempSync(join(tmpdir(), "tend-overrides-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;

function load(text: string, env: Record<string, string>, options: LoadOptions = {}, ext = "ini") {
  const path = join(root, `${count++}.${ext}`);
  writeFileSync(path, text);
  return {
    path,
    result: loadConfig(path, { env: { HOME: "/root", ...env }, hostname: "h", ...options }),
  };
}

function ok(result: LoadResult) {
  if (!result.ok) throw new Error(result.errors.map(formatProblem).join("\n"));
  return result;
}

const PROGRAM = "[program:web]\ncommand=/bin/cat\n";

/** tend's other variables: never a setting, whatever keys [supervisord] gains. */
const OTHER_VARIABLES = ["TEND_CONFIG", "TEND_SOCKET", "TEND_GRACE_PERIOD"];

describe("which variables count", () => {
  test("TEND_<KEY> for a key of [supervisord], in upper case, not empty", () => {
    expect(
      environmentOverrides({
        TEND_LOGLEVEL: "debug",
        TEND_LOG_FORMAT: "json",
        TEND_SOCKET: "/run/x.sock",
        TEND_CONFIG: "/etc/x.ini",
        TEND_GRACE_PERIOD: "30",
        TEND_UNDER_TEST: "/x/tend",
        TEND_HARNESS: "1",
        TEND_NO_SUCH_KEY: "x",
        tend_log_prefix: "false",
        TEND_PIDFILE: "",
        LOGLEVEL: "warn",
      }),
    ).toEqual([
      {
        section: "supervisord",
        key: "loglevel",
        value: "debug",
        origin: "environment TEND_LOGLEVEL",
      },
      {
        section: "supervisord",
        key: "log_format",
        value: "json",
        origin: "environment TEND_LOG_FORMAT",
      },
    ]);
  });

  test("every [supervisord] key has its variable, and none is one of tend's other variables", () => {
    const env = Object.fromEntries(
      Object.keys(SUPERVISORD_KEYS).map((key) => [`TEND_${key.toUpperCase()}`, "v"]),
    );
    expect(environmentOverrides(env).map((o) => o.key)).toEqual(Object.keys(SUPERVISORD_KEYS));
    const names = ENVIRONMENT_SECTIONS.flatMap(({ prefix, keys }) =>
      Object.keys(keys).map((key) => variableOf(prefix, key)),
    );
    expect(new Set(names).size).toBe(names.length);
    for (const name of OTHER_VARIABLES) expect(names).not.toContain(name);
  });
});

/** A value for each [supervisord] key as a TEND_ variable, and what the model then holds. */
const EVERY_KEY: Record<keyof typeof SUPERVISORD_KEYS, [string, unknown]> = {
  logfile: ["/var/log/tend.log", "/var/log/tend.log"],
  logfile_maxbytes: ["1MB", 1024 * 1024],
  logfile_backups: ["3", 3],
  shutdown_delay: ["2.5", 2.5],
  loglevel: ["debug", "debug"],
  pidfile: ["/run/tend.pid", "/run/tend.pid"],
  umask: ["077", 0o77],
  nodaemon: ["true", true],
  silent: ["yes", true],
  minfds: ["4096", 4096],
  minprocs: ["50", 50],
  nocleanup: ["on", true],
  childlogdir: ["/tmp/logs", "/tmp/logs"],
  user: ["nobody", "nobody"],
  directory: ["/srv", "/srv"],
  strip_ansi: ["1", true],
  environment: ['A="100%",B=2', { A: "100%", B: "2" }],
  identifier: ["pod-7 at 100%", "pod-7 at 100%"],
  log_format: ["json", "json"],
  log_prefix: ["false", false],
};

describe("through loadConfig", () => {
  const everyKey = Object.entries(EVERY_KEY).map(
    ([key, pair]) => [`TEND_${key.toUpperCase()}`, key, pair] as const,
  );
  test.each(everyKey)("%s sets it, taken as given", (variable, key, [value, expected]) => {
    // The file's value would not even convert (umask=/root): the override replaces it unread.
    const { result } = load(`[supervisord]\n${key}=%(ENV_HOME)s\n${PROGRAM}`, {
      [variable]: value,
    });
    const loaded = ok(result);
    expect(loaded.config.supervisord[key as keyof typeof SUPERVISORD_KEYS] as unknown).toEqual(
      expected,
    );
    expect(loaded.overridden).toEqual([
      { section: "supervisord", key, value, origin: `environment ${variable}` },
    ]);
  });

  test("precedence: command line > environment > file", () => {
    const file = `[supervisord]\nloglevel=warn\nidentifier=from-file\n${PROGRAM}`;
    const env = { TEND_LOGLEVEL: "debug", TEND_IDENTIFIER: "from-env" };
    const onlyFile = ok(load(file, {}).result);
    expect(onlyFile.config.supervisord).toMatchObject({
      loglevel: "warn",
      identifier: "from-file",
    });
    expect(onlyFile.overridden).toEqual([]);
    const withEnv = ok(load(file, env).result);
    expect(withEnv.config.supervisord).toMatchObject({ loglevel: "debug", identifier: "from-env" });
    const commandLine = [{ key: "loglevel", value: "error", origin: "command line -e" }];
    const all = ok(load(file, env, { overrides: commandLine }).result);
    expect(all.config.supervisord).toMatchObject({ loglevel: "error", identifier: "from-env" });
    expect(all.overridden.map((o) => o.origin)).toEqual([
      "command line -e",
      "environment TEND_IDENTIFIER",
    ]);
  });

  test("a config without [supervisord], in YAML too", () => {
    for (const [text, ext] of [
      [PROGRAM, "ini"],
      ["programs:\n  web: { command: /bin/cat }\n", "yaml"],
    ] as const) {
      const loaded = ok(load(text, { TEND_LOG_FORMAT: "json" }, {}, ext).result);
      expect(loaded.config.supervisord.log_format).toBe("json");
    }
  });

  test("a bad value is an error naming the variable, and nothing loads", () => {
    const { result } = load(`[supervisord]\nloglevel=info\n${PROGRAM}`, { TEND_LOGLEVEL: "loud" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map(formatProblem)).toEqual([
      'error: environment TEND_LOGLEVEL: [supervisord] loglevel: got "loud"; expected one of critical, error, warn, info, debug, trace, blather',
    ]);
  });

  test("[supervisord] environment from TEND_ENVIRONMENT feeds later %(ENV_X)s, as the file's would", () => {
    const text = `[unix_http_server]\nfile=%(ENV_SOCK)s\n${PROGRAM}`;
    const loaded = ok(
      load(text, { TEND_ENVIRONMENT: "SOCK=/run/pod.sock", SOCK: "/run/host.sock" }).result,
    );
    expect(loaded.config.unix_http_server?.file).toBe("/run/pod.sock");
  });
});

describe("[health] and its variables", () => {
  test("[health] port= and host=, in INI and YAML", () => {
    const ini = ok(load(`[health]\nport=8089\nhost=127.0.0.1\n${PROGRAM}`, {}).result);
    expect(ini.config.health).toEqual({ host: "127.0.0.1", port: 8089 });
    const yaml = ok(
      load("health: {port: 8089}\nprograms:\n  web: {command: /bin/cat}\n", {}, {}, "yaml").result,
    );
    expect(yaml.config.health).toEqual({ host: "", port: 8089 });
    expect(ok(load(PROGRAM, {}).result).config.health).toBeUndefined();
  });

  test("TEND_HEALTH_PORT alone turns the listener on; it overrides the file's port", () => {
    const alone = ok(load(PROGRAM, { TEND_HEALTH_PORT: "9100" }).result);
    expect(alone.config.health).toEqual({ host: "", port: 9100 });
    expect(alone.overridden).toEqual([
      { section: "health", key: "port", value: "9100", origin: "environment TEND_HEALTH_PORT" },
    ]);
    const over = ok(load(`[health]\nport=8089\n${PROGRAM}`, { TEND_HEALTH_PORT: "9100" }).result);
    expect(over.config.health?.port).toBe(9100);
  });

  test("TEND_HEALTH_HOST alone asks for no listener", () => {
    const loaded = ok(load(PROGRAM, { TEND_HEALTH_HOST: "127.0.0.1" }).result);
    expect(loaded.config.health).toBeUndefined();
  });

  test("a [health] section without a port, or a bad one: an error at its place", () => {
    const missing = load(`${PROGRAM}[health]\nhost=0.0.0.0\n`, {});
    expect(missing.result.ok).toBe(false);
    if (!missing.result.ok)
      expect(missing.result.errors.map(formatProblem)).toEqual([
        `error: ${missing.path}:3: [health] port: missing; expected the port of the health listener, such as 8089`,
      ]);
    const bad = load(`[health]\nport=80890\n${PROGRAM}`, {});
    if (bad.result.ok) throw new Error("loaded");
    expect(bad.result.errors.map(formatProblem)).toEqual([
      `error: ${bad.path}:2: [health] port: got "80890"; expected an integer from 1 to 65535`,
    ]);
    const env = load(PROGRAM, { TEND_HEALTH_PORT: "http" });
    if (env.result.ok) throw new Error("loaded");
    expect(env.result.errors.map(formatProblem)).toEqual([
      'error: environment TEND_HEALTH_PORT: [health] port: got "http"; expected an integer from 1 to 65535',
    ]);
  });

  test("TEND_SHUTDOWN_DELAY: seconds, decimals allowed; not a duration is an error", () => {
    expect(
      ok(load(PROGRAM, { TEND_SHUTDOWN_DELAY: "2.5" }).result).config.supervisord,
    ).toMatchObject({ shutdown_delay: 2.5 });
    expect(load(PROGRAM, { TEND_SHUTDOWN_DELAY: "5s" }).result.ok).toBe(false);
  });
});
