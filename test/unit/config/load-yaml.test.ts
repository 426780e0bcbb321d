// The YAML loader beyond the corpus twins: anchors, aliases and merge keys
// read as YAML means them, with the lines of what was written.

import { describe, expect, test } from "bun:test";
import { loadYaml } from "../../../src/config/load-yaml.ts";
import { Problems } from "../../../src/config/problems.ts";
import type { RawSection } from "../../../src/config/raw.ts";

function load(text: string): { sections: RawSection[]; problems: Problems } {
  const problems = new Problems();
  const sections = loadYaml(text, "/etc/tend.yaml", "/etc", problems);
  return { sections, problems };
}

/** Each section as name -> key -> [value, line]. */
function shape(sections: readonly RawSection[]) {
  return Object.fromEntries(
    sections.map((s) => [
      s.name,
      Object.fromEntries([...s.entries].map(([k, e]) => [k, [e.value, e.line]])),
    ]),
  );
}

describe("YAML anchors, aliases and merge keys", () => {
  test("<<: *base adds the keys a program does not set, at their own lines", () => {
    const { sections, problems } = load(
      [
        "programs:", // 1
        "  web: &base", // 2
        "    command: /bin/web", // 3
        "    autorestart: true", // 4
        "    environment: &env { A: 1, B: two }", // 5
        "  api:", // 6
        "    <<: *base", // 7
        "    command: /bin/api", // 8
        "  worker:", // 9
        "    command: /bin/worker", // 10
        "    environment: *env", // 11
        "",
      ].join("\n"),
    );
    expect(problems.list).toEqual([]);
    expect(shape(sections)).toEqual({
      "program:web": {
        command: ["/bin/web", 3],
        autorestart: ["true", 4],
        environment: [{ A: "1", B: "two" }, 5],
      },
      "program:api": {
        autorestart: ["true", 4],
        environment: [{ A: "1", B: "two" }, 5],
        command: ["/bin/api", 8],
      },
      "program:worker": {
        command: ["/bin/worker", 10],
        environment: [{ A: "1", B: "two" }, 11],
      },
    });
  });

  test("top-level x- keys hold anchors and are otherwise ignored; other unknown keys are errors", () => {
    const { sections, problems } = load(
      [
        "x-defaults: &defaults", // 1
        "  autorestart: false", // 2
        "programs:", // 3
        "  web:", // 4
        "    <<: *defaults", // 5
        "    command: /bin/web", // 6
        "defaults: {}", // 7
        "",
      ].join("\n"),
    );
    expect(shape(sections)).toEqual({
      "program:web": { autorestart: ["false", 2], command: ["/bin/web", 6] },
    });
    expect(problems.list.map((p) => [p.severity, p.line, p.section])).toEqual([
      ["error", 7, "defaults"],
    ]);
  });

  test("a list of merges: the first mapping wins; the mapping's own keys win wherever they are", () => {
    const { sections, problems } = load(
      [
        "programs:",
        "  a: &a { command: /bin/a, priority: 1, startsecs: 1 }",
        "  b: &b { command: /bin/b, priority: 2, stopsignal: INT }",
        "  c:",
        "    startsecs: 3",
        "    <<: [*a, *b]",
        "",
      ].join("\n"),
    );
    expect(problems.list).toEqual([]);
    const c = sections.find((s) => s.name === "program:c");
    expect(Object.fromEntries([...(c?.entries ?? [])].map(([k, e]) => [k, e.value]))).toEqual({
      startsecs: "3",
      command: "/bin/a",
      priority: "1",
      stopsignal: "INT",
    });
  });

  test("merges of merges, aliases of scalars and lists, a whole section, an alias as a name", () => {
    const { sections, problems } = load(
      [
        "programs:",
        "  base: &base { command: [&sh /bin/sh, -c, &script 'echo hi'], startsecs: &zero 0 }",
        "  mid: &mid { <<: *base, priority: 5 }",
        "  top: { <<: *mid, startretries: *zero }",
        "  copy: *mid",
        "  alone: { command: [*sh, -c, *script] }",
        "groups:",
        "  g: { programs: [*zero] }",
        "",
      ].join("\n"),
    );
    expect(problems.list).toEqual([]);
    const values = (name: string) =>
      Object.fromEntries(
        [...(sections.find((s) => s.name === name)?.entries ?? [])].map(([k, e]) => [k, e.value]),
      );
    const command = ["/bin/sh", "-c", "echo hi"];
    expect(values("program:top")).toEqual({
      command,
      startsecs: "0",
      priority: "5",
      startretries: "0",
    });
    expect(values("program:copy")).toEqual({ command, startsecs: "0", priority: "5" });
    expect(values("program:alone")).toEqual({ command });
    expect(values("group:g")).toEqual({ programs: ["0"] });
  });

  test('a quoted "<<" is an ordinary key', () => {
    const { sections } = load('programs:\n  a: { command: x, "<<": y }\n');
    expect([...(sections[0]?.entries.keys() ?? [])]).toEqual(["command", "<<"]);
  });

  test.each([
    ["an unknown alias", "programs:\n  a:\n    command: *nowhere\n", 3, /unknown alias \*nowhere/],
    [
      "a merge of a scalar",
      "programs:\n  a: &x { command: y }\n  b:\n    <<: *x\n    c: &s text\n  d: { <<: *s }\n",
      6,
      /merge key \(<<\) takes a mapping.*got "text"/,
    ],
    [
      "a mapping that merges itself through another",
      "programs:\n  a: &a { <<: *b }\n  b: &b { <<: *a }\n",
      2,
      /unknown alias \*b/,
    ],
    [
      "a key that is a list",
      "programs:\n  ? [a, b]\n  : { command: x }\n",
      2,
      /expected a name as key, got a list/,
    ],
  ])("%s: an error at its line", (_, text, line, message) => {
    const { sections, problems } = load(text);
    expect(sections).toEqual([]);
    expect(problems.errors.map((p) => [p.line, p.message])).toEqual([
      [line, expect.stringMatching(message)],
    ]);
  });

  test("aliases copy at most MAX_ALIAS_COPIES values", () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `    k${i}: ${i}`);
    const aliases = Array.from({ length: 300 }, (_, i) => `  b${i}: *a`);
    const { sections, problems } = load(
      ["programs:", "  a: &a", "    command: x", ...keys, ...aliases, ""].join("\n"),
    );
    expect(sections).toEqual([]);
    expect(problems.errors.map((p) => [p.line, p.message])).toEqual([
      [1004 + 249, expect.stringMatching(/copy more than 250000 values/)],
    ]);
  });
});
