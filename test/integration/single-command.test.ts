// `tend -- CMD` as a real PID 1: exit codes, exec failures, the child's own
// session, and tend never killing on its own.

import { describe, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BUN,
  childrenOf,
  FIXTURES,
  isAlive,
  pidNamespaces,
  readLines,
  run,
  scratchDir,
  start,
  waitFor,
} from "../harness/index.ts";

describe.skipIf(!pidNamespaces.ok)("single-command mode as PID 1", () => {
  test.each([0, 1, 3, 255])("exit code %d of the command is tend's exit code", async (code) => {
    const result = await run(["--", "sh", "-c", `exit ${code}`]);
    expect(result.code).toBe(code);
  });

  test.each([
    ["KILL", 137],
    ["SEGV", 139],
  ])("a command killed by SIG%s gives %d", async (signal, expected) => {
    const result = await run(["--", "sh", "-c", `kill -${signal} $$`]);
    expect(result.code).toBe(expected);
  });

  test("the command is a child of PID 1 and leads its own session and process group", async () => {
    // /proc/self/stat fields 4-6: ppid, process group, session.
    const result = await run(["--", "sh", "-c", "echo $$; cut -d' ' -f4-6 /proc/$$/stat"]);
    const [pid, stat] = result.stdout.split("\n");
    expect(stat).toBe(`1 ${pid} ${pid}`);
    expect(result.code).toBe(0);
  });

  test("a .env or bunfig.toml in the working directory reaches neither tend nor the command", async () => {
    // Bun's compiled executables read both by default; supervisord never did.
    const { dir } = scratchDir("tend-dotenv-");
    writeFileSync(join(dir, ".env"), "TEND_DOTENV_PROBE=leaked\n");
    writeFileSync(join(dir, "bunfig.toml"), "this is = not [ toml\n");
    const script = 'echo "probe=$' + '{TEND_DOTENV_PROBE-unset}"';
    await using tend = start(["--", "sh", "-c", script], {
      cwd: dir,
    });
    const result = await tend.finished;
    expect(result.stdout.trim()).toBe("probe=unset");
    expect(result.code).toBe(0);
  });

  test("a missing command exits 127 with a message naming it", async () => {
    const result = await run(["--", "/no/such/command", "arg"]);
    expect(result.code).toBe(127);
    expect(result.stderr).toContain("/no/such/command");
    expect(result.stderr).toContain("no such file or directory");
  });

  test("a command not on PATH exits 127: command not found", async () => {
    const result = await run(["--", "tend-no-such-program-anywhere"]);
    expect(result.code).toBe(127);
    expect(result.stderr).toContain("tend-no-such-program-anywhere: command not found");
  });

  test("a file that is not executable exits 126", async () => {
    using scratch = scratchDir();
    const script = join(scratch.dir, "not-executable.sh");
    writeFileSync(script, "#!/bin/sh\nexit 0\n");
    chmodSync(script, 0o644);
    const result = await run(["--", script]);
    expect(result.code).toBe(126);
    expect(result.stderr).toContain(`${script}: permission denied`);
  });

  test("SIGTERM to tend while the command ignores it: tend keeps running until the command exits", async () => {
    using scratch = scratchDir();
    const out = join(scratch.dir, "child.signals");
    await using tend = start(["--", BUN, join(FIXTURES, "print-signals.ts"), "--out", out]);
    const tendPid = await tend.initPid;
    await waitFor(() => readLines(out).includes("ready"), "the command to be ready");
    process.kill(tendPid, "SIGTERM");
    await waitFor(() => readLines(out).includes("SIGTERM"), "the command to record SIGTERM");
    await Bun.sleep(500); // tend must not act on its own meanwhile
    expect(isAlive(tendPid)).toBe(true);
    const child = childrenOf(tendPid)[0];
    expect(child).toBeDefined();
    process.kill(child as number, "SIGKILL");
    expect((await tend.finished).code).toBe(137);
  });
});

describe("command line", () => {
  test("--version prints the version and exits 0", async () => {
    const result = await run(["--version"], false);
    expect(result.stdout).toMatch(/^tend \d+\.\d+\.\d+\n$/);
    expect(result.code).toBe(0);
  });

  test("--help prints usage and exits 0", async () => {
    const result = await run(["--help"], false);
    expect(result.stdout).toContain("tend [--single-child] -- CMD [ARG...]");
    expect(result.code).toBe(0);
  });

  test.each([
    [["--no-such-option"], "unknown option '--no-such-option'"],
    [["--"], "no command given after '--'"],
    [["sleep", "1"], "tend -- sleep 1"],
  ])("%j is a usage error: exit 2", async (args, message) => {
    const result = await run(args, false);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
