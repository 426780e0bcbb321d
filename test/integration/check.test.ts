// `tend check` as a user runs it: the compiled binary, real files, exit codes.

import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configCandidates } from "../../src/config/search.ts";
import { runCommand, scratchDir, TEND } from "../harness/index.ts";

async function check(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const { code, stdout, stderr } = await runCommand([TEND, "check", ...args], {
    cwd: options.cwd ?? "/",
    cleanEnv: true,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...options.env },
  });
  return { code, stdout, stderr };
}

describe("tend check", () => {
  test("a good config: exit 0, the effective config on stdout, warnings on stderr", async () => {
    using scratch = scratchDir();
    const { dir } = scratch;
    const path = join(dir, "app.ini");
    writeFileSync(path, "[program:web]\ncommand=/bin/cat\nstopwaitsec=3\n");
    const result = await check(["-c", path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("[program:web]\ncommand=/bin/cat\n");
    expect(result.stdout).toContain("stopwaitsecs=10\n");
    expect(result.stderr).toBe(
      `warning: ${path}:3: [program:web] stopwaitsec: unknown key, ignored; did you mean stopwaitsecs?\n`,
    );
  });

  test("every error at once, exit 2, nothing on stdout", async () => {
    using scratch = scratchDir();
    const { dir } = scratch;
    const path = join(dir, "bad.ini");
    writeFileSync(
      path,
      "[program:a]\ncommand=a\nstartsecs=-1\n[program:b]\ncommand=b\nstopsignal=TERMINATE\nautostart=maybe\n",
    );
    const result = await check(["-c", path]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.split("\n")).toEqual([
      `error: ${path}:3: [program:a] startsecs: got "-1"; expected an integer >= 0`,
      `error: ${path}:6: [program:b] stopsignal: got "TERMINATE"; expected a signal name such as TERM or a number`,
      `error: ${path}:7: [program:b] autostart: got "maybe"; expected true or false (also yes/no, on/off, 1/0)`,
      `${path}: 3 error(s); nothing would start`,
      "",
    ]);
  });

  test("--yaml prints YAML; a .yaml config prints YAML by default", async () => {
    using scratch = scratchDir();
    const { dir } = scratch;
    const ini = join(dir, "a.ini");
    const yaml = join(dir, "a.yaml");
    writeFileSync(ini, "[program:web]\ncommand=/bin/cat -n\n");
    writeFileSync(yaml, "programs:\n  web:\n    command: [/bin/cat, -n]\n");
    for (const args of [
      ["-c", ini, "--yaml"],
      ["-c", yaml],
    ]) {
      const result = await check(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        "programs:\n  web:\n    command:\n      - /bin/cat\n      - -n\n",
      );
    }
  });

  test("without -c: $TEND_CONFIG, then ./tend.yaml ...", async () => {
    using scratch = scratchDir();
    const { dir } = scratch;
    writeFileSync(join(dir, "tend.yaml"), "programs:\n  here: { command: x }\n");
    writeFileSync(join(dir, "other.ini"), "[program:env]\ncommand=x\n");
    expect((await check([], { cwd: dir })).stdout).toContain("here:");
    const fromEnv = await check([], { cwd: dir, env: { TEND_CONFIG: join(dir, "other.ini") } });
    expect(fromEnv.stdout).toContain("[program:env]");
  });

  // A machine with supervisord installed has /etc/supervisor/supervisord.conf,
  // which tend rightly finds; the search list itself is unit-tested.
  const systemConfig = configCandidates({}, TEND).find(
    (path) => path.startsWith("/") && existsSync(path),
  );
  test.skipIf(systemConfig !== undefined)(
    "no config anywhere: exit 2, naming every place looked at",
    async () => {
      using scratch = scratchDir();
      const { dir } = scratch;
      const result = await check([], { cwd: dir });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        "no config file found; looked at: ./tend.yaml, ./tend.yml, ./tend.ini",
      );
      expect(result.stderr).toContain("/etc/supervisor/supervisord.conf");
    },
  );

  test("a large effective config reaches a pipe whole (no output lost at exit)", async () => {
    using scratch = scratchDir();
    const { dir } = scratch;
    const path = join(dir, "big.ini");
    const programs = Array.from(
      { length: 1000 },
      (_, i) => `[program:p${i}]\ncommand=/bin/sleep ${i}\n`,
    );
    writeFileSync(path, programs.join(""));
    const result = await check(["-c", path, "--yaml"]);
    expect(result.code).toBe(0);
    expect(result.stdout.match(/\n {4}critical: false\n/g)).toHaveLength(1000);
    expect(result.stdout).toContain("\n  p999:\n    command:\n      - /bin/sleep\n");
    // The last key of the last program: the whole output arrived.
    expect(result.stdout.endsWith("    backoff_reset: 60\n")).toBe(true);
  });

  test.each([[["--help"]], [["-h"]], [["-c", "/no/such/tend.ini", "--help"]]])(
    "%j prints check's usage on stdout and exits 0, reading nothing",
    async (args) => {
      const result = await check(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toStartWith("Usage: tend check [-c FILE] [--yaml]\n");
      expect(result.stderr).toBe("");
    },
  );

  test("a missing file: exit 2 naming it", async () => {
    const result = await check(["-c", "/no/such/tend.ini"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "error: /no/such/tend.ini: cannot read the config file: no such file",
    );
  });
});
