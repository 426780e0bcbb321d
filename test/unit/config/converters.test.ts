// Every converter with good and bad values, and the exact text of what it
// expected. The values are the forms supervisord 4.2.5 accepts.

import { describe, expect, test } from "bun:test";
import * as c from "../../../src/config/converters.ts";
import type { RawValue } from "../../../src/config/raw.ts";

function good<T>(convert: c.Converter<T>, cases: [RawValue, T][]): void {
  test.each(cases)("%p -> %p", (raw, expected) => {
    expect(convert(raw)).toEqual({ ok: true, value: expected });
  });
}

function bad<T>(convert: c.Converter<T>, expected: string, cases: RawValue[]): void {
  // Wrapped: test.each would spread a case that is itself a list.
  test.each(cases.map((raw) => [raw]))(`%p is refused: expected ${expected}`, (raw) => {
    expect(convert(raw)).toEqual({ ok: false, expected });
  });
}

describe("boolean", () => {
  good(c.boolean, [
    ["true", true],
    ["TRUE", true],
    ["yes", true],
    ["on", true],
    ["1", true],
    [true, true],
    [1, true],
    ["false", false],
    ["No", false],
    ["off", false],
    ["0", false],
    [false, false],
    [" false ", false],
  ]);
  bad(c.boolean, "true or false (also yes/no, on/off, 1/0)", ["maybe", "", "2", "t", ["true"]]);
});

describe("integer", () => {
  good(c.integer(), [
    ["10", 10],
    [" 7 ", 7],
    ["-3", -3],
    ["+4", 4],
    ["1_000", 1000],
    [5, 5],
  ]);
  bad(c.integer(), "an integer", ["1.5", "ten", "", "1__0", "0x10", true]);
  good(c.integer(0), [
    ["0", 0],
    ["60", 60],
  ]);
  bad(c.integer(0), "an integer >= 0", ["-1", "-10"]);
  bad(c.integer(1), "an integer >= 1", ["0"]);
  bad(c.integer(1, 65535), "an integer from 1 to 65535", ["0", "65536"]);
});

describe("byteSize", () => {
  good(c.byteSize, [
    ["0", 0],
    ["1024", 1024],
    ["1KB", 1024],
    ["10kb", 10240],
    ["50MB", 52428800],
    ["1GB", 1073741824],
    [" 2Mb ", 2097152],
    ["1 MB", 1048576],
    [100, 100],
  ]);
  bad(c.byteSize, "a size in bytes, optionally with KB, MB or GB (such as 50MB)", [
    "10XB",
    "MB",
    "-1",
    "1.5MB",
    "ten",
    "1 M B",
  ]);
});

describe("octal", () => {
  good(c.octal, [
    ["022", 0o22],
    ["22", 0o22],
    ["0o755", 0o755],
    ["0", 0],
    [22, 0o22],
    ["777", 0o777],
  ]);
  bad(c.octal, "an octal number such as 022", ["089", "8", "", "0x1f", "-022"]);
});

describe("signal", () => {
  good(c.signal, [
    ["TERM", 15],
    ["SIGTERM", 15],
    ["term", 15],
    ["sigint", 2],
    ["QUIT", 3],
    ["KILL", 9],
    ["HUP", 1],
    ["USR1", 10],
    ["USR2", 12],
    ["9", 9],
    [15, 15],
    ["IOT", 6],
    [" INT ", 2],
  ]);
  bad(c.signal, "a signal name such as TERM or a number", ["TERMINATE", "", "SIG", "-1", "15.0"]);
  bad(c.signal, "a signal number from 1 to 64, or a name such as TERM", ["0", "65", "99"]);
});

describe("autorestart", () => {
  good(c.autorestart, [
    ["true", "true"],
    ["false", "false"],
    ["unexpected", "unexpected"],
    ["UNEXPECTED", "unexpected"],
    ["yes", "true"],
    ["0", "false"],
    [true, "true"],
    [false, "false"],
  ]);
  bad(c.autorestart, "true, false or unexpected", ["sometimes", "", "always"]);
});

describe("exitcodes", () => {
  good(c.exitcodes, [
    ["0", [0]],
    ["0,2", [0, 2]],
    [" 0 , 2 ", [0, 2]],
    ["", []],
    [
      ["0", "3"],
      [0, 3],
    ],
    [1, [1]],
  ]);
  bad(c.exitcodes, "a list of exit codes from 0 to 255, such as 0,2", [
    "256",
    "a,b",
    "0,,2",
    "-1",
    "1.5",
  ]);
});

describe("environment", () => {
  good(c.environment, [
    ["A=1,B=2", { A: "1", B: "2" }],
    ['A="x,y=z",B=2', { A: "x,y=z", B: "2" }],
    ["A='single quoted'", { A: "single quoted" }],
    ["PATH=/usr/bin:/bin,HOME=/root", { PATH: "/usr/bin:/bin", HOME: "/root" }],
    ["URL=http://h:80/x", { URL: "http://h:80/x" }],
    ["A=1,\nB=2", { A: "1", B: "2" }],
    ["", {}],
    [
      { A: "1", B: 2 },
      { A: "1", B: "2" },
    ],
  ]);
  bad(
    c.environment,
    'KEY=value pairs separated by commas, but the value has no closing quotation (")',
    ['A="unterminated'],
  );
  test("a value with a character shlex splits on must be quoted, as in supervisord", () => {
    const result = c.environment("A=x@y");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.expected).toContain("quote values that contain characters");
  });
  bad(c.environment, "KEY=value pairs separated by commas, or a mapping", [["A=1"]]);
});

describe("command", () => {
  good(c.command, [
    ["/bin/cat", ["/bin/cat"]],
    ["python3 -m http.server 8080", ["python3", "-m", "http.server", "8080"]],
    ["sh -c 'echo a b'", ["sh", "-c", "echo a b"]],
    ['sh -c "echo \\"q\\""', ["sh", "-c", 'echo "q"']],
    ["echo a\\ b", ["echo", "a b"]],
    ["echo a;b", ["echo", "a;b"]],
    ["line\n  continued", ["line", "continued"]],
    [
      ["python3", "-c", "print('a b')"],
      ["python3", "-c", "print('a b')"],
    ],
  ]);
  bad(c.command, "a command line with balanced quotes: it has no closing quotation (')", [
    "sh -c 'echo",
  ]);
  bad(c.command, "a command line with balanced quotes: it ends with a lone backslash", ["echo \\"]);
  bad(c.command, "a non-empty command", ["", "   ", [], [""]]);
});

describe("name", () => {
  good(c.name, [
    ["web", "web"],
    ["web-1.v2", "web-1.v2"],
    [" web ", "web"],
    ["x_%", "x_%"],
  ]);
  bad(c.name, "a name without spaces, colons or slashes", ["", "a b", "a:b", "a/b"]);
});

describe("listOfNames", () => {
  good(c.listOfNames, [
    ["a,b", ["a", "b"]],
    [" a , b ", ["a", "b"]],
    ["", []],
    [
      ["a", "b"],
      ["a", "b"],
    ],
  ]);
  bad(c.listOfNames, "a comma-separated list of program names", ["a b,c", "x:y"]);
});

describe("listOfGlobs", () => {
  good(c.listOfGlobs, [
    ["conf.d/*.conf", ["conf.d/*.conf"]],
    ["a.ini  b/*.ini", ["a.ini", "b/*.ini"]],
    [["x.yaml"], ["x.yaml"]],
  ]);
});

describe("logfile", () => {
  good(c.logfile, [
    ["AUTO", "AUTO"],
    ["auto", "AUTO"],
    ["NONE", "NONE"],
    ["off", "NONE"],
    ["", "NONE"],
    ["syslog", "SYSLOG"],
    ["/dev/stdout", "/dev/stdout"],
    ["/var/log/x.log", "/var/log/x.log"],
  ]);
});

describe("loglevel", () => {
  good(c.loglevel, [
    ["info", "info"],
    ["WARN", "warn"],
    ["blather", "blather"],
    ["critical", "critical"],
  ]);
  bad(c.loglevel, "one of critical, error, warn, info, debug, trace, blather", [
    "warning",
    "verbose",
    "",
  ]);
});

describe("oneOf", () => {
  good(c.oneOf("text", "json"), [
    ["json", "json"],
    ["TEXT", "text"],
  ]);
  bad(c.oneOf("text", "json"), "one of text, json", ["xml"]);
});

describe("serverurl", () => {
  good(c.serverurl, [
    ["AUTO", "AUTO"],
    ["auto", "AUTO"],
    ["unix:///run/tend.sock", "unix:///run/tend.sock"],
    ["http://127.0.0.1:9001", "http://127.0.0.1:9001"],
  ]);
  bad(c.serverurl, "AUTO or a URL such as unix:///run/tend.sock", [
    "localhost:9001",
    "",
    "/run/tend.sock",
  ]);
});

describe("inetAddress", () => {
  good(c.inetAddress, [
    ["9001", { host: "", port: 9001 }],
    [":9001", { host: "", port: 9001 }],
    ["*:9001", { host: "", port: 9001 }],
    ["127.0.0.1:9001", { host: "127.0.0.1", port: 9001 }],
    ["LocalHost:80", { host: "localhost", port: 80 }],
    [9001, { host: "", port: 9001 }],
  ]);
  bad(c.inetAddress, "a port such as 9001 or 127.0.0.1:9001", ["70000", "0", "host:", "http", ""]);
});
