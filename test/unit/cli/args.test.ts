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
    [[], { role: "run", configPath: undefined, overrides: [] }],
    [["-c", "/etc/tend.ini"], { role: "run", configPath: "/etc/tend.ini", overrides: [] }],
    [["--configuration=/x.yaml"], { role: "run", configPath: "/x.yaml", overrides: [] }],
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
      {
        role: "run",
        configPath: "/etc/supervisord.conf",
        overrides: [{ key: "nodaemon", value: "true", option: "-n" }],
      },
    ],
    [
      "supervisord",
      ["--nodaemon"],
      {
        role: "run",
        configPath: undefined,
        overrides: [{ key: "nodaemon", value: "true", option: "--nodaemon" }],
      },
    ],
  ] as const)("invoked as %s %j", (name, args, expected) => {
    expect(parseArgs(args, name)).toEqual(expected);
  });

  // supervisord 4.2.5's whole command line, as its getopt reads it: each
  // option sets the [supervisord] key of the same meaning.
  test.each([
    [
      ["-c", "x.conf", "-i", "from_command_line"],
      "x.conf",
      [["identifier", "from_command_line", "-i"]],
    ],
    [
      ["-nsk", "-t"],
      undefined,
      [
        ["nodaemon", "true", "-n"],
        ["silent", "true", "-s"],
        ["nocleanup", "true", "-k"],
        ["strip_ansi", "true", "-t"],
      ],
    ],
    [
      ["-edebug", "-l", "/tmp/l.log", "-y", "1MB", "-z", "3"],
      undefined,
      [
        ["loglevel", "debug", "-e"],
        ["logfile", "/tmp/l.log", "-l"],
        ["logfile_maxbytes", "1MB", "-y"],
        ["logfile_backups", "3", "-z"],
      ],
    ],
    [
      ["-u", "nobody", "-m", "077", "-d", "/tmp", "-j", "/tmp/p", "-q", "/tmp", "-a", "2048"],
      undefined,
      [
        ["user", "nobody", "-u"],
        ["umask", "077", "-m"],
        ["directory", "/tmp", "-d"],
        ["pidfile", "/tmp/p", "-j"],
        ["childlogdir", "/tmp", "-q"],
        ["minfds", "2048", "-a"],
      ],
    ],
    [
      [
        "--minprocs=300",
        "--loglev",
        "warn",
        "--configuration",
        "y.conf",
        "--profile_options=cumulative",
      ],
      "y.conf",
      [
        ["minprocs", "300", "--minprocs"],
        ["loglevel", "warn", "--loglevel"],
      ],
    ],
  ] as const)("supervisord %j", (args, configPath, overrides) => {
    expect(parseArgs(args, "supervisord")).toEqual({
      role: "run",
      configPath,
      overrides: overrides.map(([key, value, option]) => ({ key, value, option })),
    });
  });

  test.each([[["-h"]], [["-?"]], [["--help"]], [["-c", "x", "-?"]]] as const)(
    "supervisord %j: supervisord's usage",
    (args) =>
      expect(parseArgs(args, "supervisord")).toEqual({ role: "help", usage: "supervisord" }),
  );

  test("supervisord -v: the supervisord version tend follows", () => {
    expect(parseArgs(["-v"], "supervisord")).toEqual({ role: "supervisord-version" });
  });

  test.each([
    [["-x"], "option -x not recognized"],
    [["-c"], "option -c requires argument"],
    [["--log", "x"], "option --log not a unique prefix"],
    [["--nodaemon=1"], "option --nodaemon must not have an argument"],
    [["foo"], 'positional arguments are not supported: ["foo"]'],
  ] as const)("supervisord %j: %s", (args, message) => {
    expect(parseArgs(args, "supervisord")).toEqual({
      role: "usage-error",
      message,
      usage: "supervisord",
    });
  });

  test("supervisord's usage has its shape: its first words, one option a line", () => {
    const text = usageText("supervisord");
    expect(text).toStartWith("supervisord -- run a set of applications");
    expect(text).toContain("\n-l/--logfile FILENAME -- use FILENAME as");
    for (const option of [
      "-c/--configuration",
      "-u/--user",
      "-m/--umask",
      "-d/--directory",
      "-y/--logfile_maxbytes",
      "-z/--logfile_backups",
      "-e/--loglevel",
      "-j/--pidfile",
      "-i/--identifier",
      "-q/--childlogdir",
      "-k/--nocleanup",
      "-a/--minfds",
      "-t/--strip_ansi",
      "--minprocs",
      "--profile_options",
      "-s/--silent",
      "-n/--nodaemon",
      "-v/--version",
    ])
      expect(text).toContain(`\n${option} `);
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
