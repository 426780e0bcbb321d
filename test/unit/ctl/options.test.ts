// `tend ctl`'s options as Python's getopt parses supervisorctl's: bundles,
// long prefixes, the first non-option ends them, and the usage errors.

import { describe, expect, test } from "bun:test";
import { parseCtlOptions } from "../../../src/ctl/options.ts";
import { ctl, FakeServer } from "./fake-server.ts";

function options(args: string[]) {
  const parsed = parseCtlOptions(args);
  if (parsed.kind !== "options") throw new Error(`not options: ${JSON.stringify(parsed)}`);
  return parsed.options;
}

function usageError(args: string[]): string {
  const parsed = parseCtlOptions(args);
  if (parsed.kind !== "usage-error") throw new Error(`no usage error: ${JSON.stringify(parsed)}`);
  return parsed.message;
}

describe("ctl options", () => {
  test("short, long, --name=value, bundled, value attached", () => {
    expect(
      options(["-c", "a.conf", "--serverurl", "unix:///x", "-uuser", "--password=pw", "status"]),
    ).toEqual({
      configFile: "a.conf",
      serverUrl: "unix:///x",
      username: "user",
      password: "pw",
      historyFile: undefined,
      interactive: false,
      args: ["status"],
    });
    expect(options(["-ic", "a.conf", "status"])).toMatchObject({
      interactive: true,
      configFile: "a.conf",
    });
    expect(options(["-r", "/tmp/h"])).toMatchObject({ historyFile: "/tmp/h" });
  });

  test("a unique prefix of a long option will do", () => {
    expect(options(["--server=http://localhost:9001", "--config", "x", "--inter"])).toMatchObject({
      serverUrl: "http://localhost:9001",
      configFile: "x",
      interactive: true,
    });
  });

  test("options end at the first action word or `--`; what follows is the action's", () => {
    expect(options(["status", "-c", "x"]).args).toEqual(["status", "-c", "x"]);
    expect(options(["--", "-c"]).args).toEqual(["-c"]);
    expect(options(["tail", "-f", "web"]).args).toEqual(["tail", "-f", "web"]);
  });

  test("no action means the shell", () => {
    expect(options([]).interactive).toBe(true);
    expect(options(["-c", "x"]).interactive).toBe(true);
  });

  test("-h, -? and --help ask for the usage", () => {
    for (const flag of ["-h", "-?", "--help", "--he"])
      expect(parseCtlOptions([flag])).toEqual({ kind: "help" });
  });

  test.each([
    [["-x"], "option -x not recognized"],
    [["-s"], "option -s requires argument"],
    [["--bogus"], "option --bogus not recognized"],
    [["--serverurl"], "option --serverurl requires argument"],
    [["--help=x"], "option --help must not have an argument"],
    [["--h"], "option --h not a unique prefix"],
    [["-s", "foo"], "invalid value for -s 'foo': value 'foo' is not a URL"],
    [["-s", "http://"], "invalid value for -s 'http://': value 'http://' is not a URL"],
    [["-c", "a", "-c", "b"], "conflicting command line option '-c'"],
    [["-i", "-i"], "conflicting command line option '-i'"],
  ])("%p: %s", (args, message) => {
    expect(usageError(args)).toBe(message);
  });

  test("a usage error: the message and where to get help on stderr, exit 2", async () => {
    expect(await ctl(["-x"], new FakeServer(), { programName: "supervisorctl" })).toEqual({
      code: 2,
      stdout: "",
      stderr: "Error: option -x not recognized\nFor help, use supervisorctl -h\n",
    });
  });

  test("-h prints the usage, exit 0", async () => {
    const ran = await ctl(["-h"], new FakeServer());
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain("Usage: tend ctl [options] [action [arguments]]");
    expect(ran.stdout).toContain("unix:///run/tend.sock");
  });
});
