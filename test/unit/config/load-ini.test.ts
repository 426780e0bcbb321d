// The INI dialect as supervisord's configparser reads it.

import { describe, expect, test } from "bun:test";
import { loadIni } from "../../../src/config/load-ini.ts";
import { Problems } from "../../../src/config/problems.ts";

function parse(text: string) {
  const problems = new Problems();
  const sections = loadIni(text, "/etc/x.ini", "/etc", problems);
  const values = Object.fromEntries(
    sections.map((s) => [s.name, Object.fromEntries([...s.entries].map(([k, e]) => [k, e.value]))]),
  );
  const lines = Object.fromEntries(
    sections.map((s) => [s.name, Object.fromEntries([...s.entries].map(([k, e]) => [k, e.line]))]),
  );
  return { values, lines, sections, problems: problems.list };
}

describe("INI dialect", () => {
  test("a ; without whitespace before it stays in the value", () => {
    expect(parse("[program:x]\ncommand=echo a;b\n").values).toEqual({
      "program:x": { command: "echo a;b" },
    });
  });

  test("; and # after whitespace start a comment", () => {
    const { values } = parse(
      "[program:x]\ncommand=/bin/cat ; the program\nstopsignal=QUIT\t# why\n",
    );
    expect(values["program:x"]).toEqual({ command: "/bin/cat", stopsignal: "QUIT" });
  });

  test("full-line comments with ; or #, indented or not", () => {
    const { values } = parse("; top\n[a]\n# one\n  ; two\nk=v\n");
    expect(values).toEqual({ a: { k: "v" } });
  });

  test("indented lines continue the value, joined by newlines", () => {
    const { values, lines } = parse(
      "[program:x]\ncommand=/bin/sh\n  -c\n  'echo hi'\nautostart=true\n",
    );
    expect(values["program:x"]).toEqual({ command: "/bin/sh\n-c\n'echo hi'", autostart: "true" });
    expect(lines["program:x"]).toEqual({ command: 2, autostart: 5 });
  });

  test("a blank line inside a continued value is kept, trailing ones are dropped", () => {
    const { values } = parse("[a]\nk=one\n\n  two\n\n\n[b]\n");
    expect(values.a).toEqual({ k: "one\n\ntwo" });
  });

  test("':' works as the delimiter, and the first of = or : wins", () => {
    const { values } = parse("[a]\ncommand: /bin/cat\nurl=http://x:80\nk : v=w\n");
    expect(values.a).toEqual({ command: "/bin/cat", url: "http://x:80", k: "v=w" });
  });

  test("keys are lowercased, section names are kept as written", () => {
    const { values } = parse("[program:Web.v2-x]\nCommand=/bin/cat\n");
    expect(values).toEqual({ "program:Web.v2-x": { command: "/bin/cat" } });
  });

  test("values keep quotes and percent signs (expansion comes later)", () => {
    const { values } = parse(
      "[a]\nenvironment=A=\"x,y\",B='z'\nprocess_name=%(program_name)s_%(process_num)02d\n",
    );
    expect(values.a).toEqual({
      environment: "A=\"x,y\",B='z'",
      process_name: "%(program_name)s_%(process_num)02d",
    });
  });

  test("an empty value is an empty string", () => {
    expect(parse("[a]\nk=\n").values.a).toEqual({ k: "" });
  });

  test("CRLF line endings", () => {
    expect(parse("[a]\r\nk=v\r\n").values.a).toEqual({ k: "v" });
  });

  test("a section given twice is merged, with a warning naming both lines", () => {
    const { values, problems } = parse("[a]\nx=1\ny=1\n[b]\n[a]\ny=2\n");
    expect(values.a).toEqual({ x: "1", y: "2" });
    expect(problems).toEqual([
      {
        severity: "warning",
        file: "/etc/x.ini",
        line: 5,
        section: "a",
        message: "section given twice (first at line 1); their keys are merged, later values win",
      },
      {
        severity: "warning",
        file: "/etc/x.ini",
        line: 6,
        section: "a",
        key: "y",
        message: "given twice (first at line 3); this later value wins",
      },
    ]);
  });

  test("a key given twice: the later wins, with a warning", () => {
    const { values, problems } = parse("[a]\nk=1\nk=2\n");
    expect(values.a).toEqual({ k: "2" });
    expect(problems[0]).toMatchObject({ severity: "warning", line: 3, section: "a", key: "k" });
  });

  test("a key before any section is an error naming the line", () => {
    const { problems } = parse("\ncommand=/bin/cat\n[a]\n");
    expect(problems).toEqual([
      {
        severity: "error",
        file: "/etc/x.ini",
        line: 2,
        message: 'expected a [section] header before "command=/bin/cat"',
      },
    ]);
  });

  test("a line without = or : is an error naming section and line", () => {
    const { problems } = parse("[program:x]\ncommand=/bin/cat\nautostart\n");
    expect(problems).toEqual([
      {
        severity: "error",
        file: "/etc/x.ini",
        line: 3,
        section: "program:x",
        message: 'expected key=value, got "autostart"',
      },
    ]);
  });

  test("sections remember their file, line and directory", () => {
    const { sections } = parse("\n\n[program:x]\ncommand=/bin/cat\n");
    expect(sections[0]).toMatchObject({
      name: "program:x",
      file: "/etc/x.ini",
      line: 3,
      here: "/etc",
    });
  });
});
