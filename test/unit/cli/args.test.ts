import { describe, expect, test } from "bun:test";
import { parseArgs } from "../../../src/cli/args.ts";
import { usageText } from "../../../src/cli/usage.ts";

describe("parseArgs", () => {
  test.each([
    [["--", "sleep", "1"], { role: "single-command", argv: ["sleep", "1"], singleChild: false }],
    [
      ["--single-child", "--", "sh", "-c", "x"],
      { role: "single-command", argv: ["sh", "-c", "x"], singleChild: true },
    ],
    // Everything after "--" belongs to the command, options included.
    [
      ["--", "ls", "--", "-v"],
      { role: "single-command", argv: ["ls", "--", "-v"], singleChild: false },
    ],
    [[], { role: "run", configPath: undefined }],
    [["-c", "/etc/tend.ini"], { role: "run", configPath: "/etc/tend.ini" }],
    [["--configuration=/x.yaml"], { role: "run", configPath: "/x.yaml" }],
    [["--version"], { role: "version" }],
    [["-v"], { role: "version" }],
    [["--help"], { role: "help", usage: "tend" }],
    [["-h", "--", "x"], { role: "help", usage: "tend" }],
    [["ctl", "status", "web"], { role: "ctl", args: ["status", "web"] }],
    [["check", "-c", "x.ini"], { role: "check", configPath: "x.ini", yaml: false }],
    [["check", "--yaml"], { role: "check", configPath: undefined, yaml: true }],
  ] as const)("%j", (args, expected) => {
    expect(parseArgs(args)).toEqual(expected);
  });

  test.each([
    ["supervisorctl", ["status", "web"], { role: "ctl", args: ["status", "web"] }],
    [
      "tendctl",
      ["-c", "x.ini", "stop", "all"],
      { role: "ctl", args: ["-c", "x.ini", "stop", "all"] },
    ],
    [
      "supervisord",
      ["-n", "-c", "/etc/supervisord.conf"],
      { role: "run", configPath: "/etc/supervisord.conf" },
    ],
    ["supervisord", ["--nodaemon"], { role: "run", configPath: undefined }],
  ] as const)("invoked as %s %j", (name, args, expected) => {
    expect(parseArgs(args, name)).toEqual(expected);
  });

  // Every subcommand answers -h/--help with its own usage, wherever the flag stands among its options.
  test.each([
    [["check", "--help"]],
    [["check", "-h"]],
    [["check", "-c", "x.ini", "--yaml", "--help"]],
    [["check", "--configuration=x.ini", "-h"]],
  ] as const)("%j asks for check's usage", (args) => {
    expect(parseArgs(args)).toEqual({ role: "help", usage: "check" });
  });

  test.each([[["--single-child", "--help"]], [["-c", "x.ini", "-h"]]] as const)(
    "%j asks for tend's usage (run and single-command modes)",
    (args) => {
      expect(parseArgs(args)).toEqual({ role: "help", usage: "tend" });
    },
  );

  test("a usage text for each: tend's names every mode, check's its own options", () => {
    expect(usageText("tend")).toContain("tend [--single-child] -- CMD [ARG...]");
    expect(usageText("tend")).toContain("tend check [-c FILE] [--yaml]");
    expect(usageText("check")).toStartWith("Usage: tend check [-c FILE] [--yaml]\n");
    expect(usageText("check")).toContain("--yaml");
  });

  test.each([
    [["--"], "no command given after '--'"],
    [["--", ""], "no command given after '--'"],
    [["--bogus"], "unknown option '--bogus'"],
    [["-c"], "-c needs a file name"],
    [["--single-child"], "--single-child needs a command after '--'"],
    [["-c", "x.ini", "--", "sleep"], "-c and a command after '--' exclude each other"],
    [
      ["sleep", "5"],
      "unexpected argument 'sleep'; to run a command, put it after '--': tend -- sleep 5",
    ],
  ] as const)("%j is a usage error", (args, message) => {
    expect(parseArgs(args)).toEqual({ role: "usage-error", message });
  });
});
