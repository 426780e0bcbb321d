// tend's reader for plain YAML (config/yaml-simple.ts) against the yaml
// package: wherever the plain reader answers, the sections, values, lines and
// problems are the package's own. It must answer for the layouts tend's
// examples and generated configs use, and leave everything else to the
// package.

import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadYaml } from "../../../src/config/load-yaml.ts";
import { Problems } from "../../../src/config/problems.ts";
import { coreValue, parseSimpleYaml } from "../../../src/config/yaml-simple.ts";

function read(text: string, simple: boolean) {
  const problems = new Problems();
  const sections = loadYaml(text, "/etc/tend.yaml", "/etc", problems, { simple });
  return {
    sections: sections.map((s) => ({ ...s, entries: [...s.entries] })),
    problems: problems.list,
  };
}

/** The plain reader's answer equals the package's; whether it answered. */
function agree(text: string): boolean {
  const answered = parseSimpleYaml(text) !== undefined;
  if (answered) expect(read(text, true)).toEqual(read(text, false));
  return answered;
}

const CORPUS = join(import.meta.dir, "../../fixtures/configs/corpus");

describe("the plain YAML reader", () => {
  // A block scalar (|-) and a double-quoted escape (\n) are the package's to read.
  const LEFT_TO_THE_PACKAGE = ["django-celery/tend.yaml", "odd-syntax/tend.yaml"];
  test.each(
    readdirSync(CORPUS)
      .map((dir) => join(CORPUS, dir, "tend.yaml"))
      .filter(existsSync)
      .map((path) => [path.slice(CORPUS.length + 1)]),
  )("%s: read as the yaml package reads it", (path) => {
    const answered = agree(readFileSync(join(CORPUS, path as string), "utf8"));
    expect(answered).toBe(!LEFT_TO_THE_PACKAGE.includes(path as string));
  });

  const PLAIN = [
    'programs:\n  web:\n    command: [/usr/bin/env, python3, -m, worker, --queue, q1, --id, "%(process_num)d"]\n    priority: 101\n    environment: { APP: app-1, SHARD: "3", PATH: "/usr/bin:/bin" }\n    exitcodes: [0, 2]\n',
    "---\n# comment\nsupervisord: { nodaemon: true, logfile: /dev/stdout, logfile_maxbytes: 0 }\nprograms:\n  a:\n    command:\n      - /bin/sh\n      - -c\n      - 'echo ''hi'' # not a comment'\n",
    'programs:\n  a:\n    command:\n    - /bin/cat\n    - -n\n    umask: 022\n    startsecs: 1.0\n    autostart: yes\n    user: ~\n    directory: null\n    stopsignal: "TERM" # quoted\n',
    'programs:\n  a:\n    command: /bin/cat   \n    environment:\n      A: x\n      B: "y z"\n      C:\n  b: { command: b }\n',
    "include: [conf.d/*.ini, 'extra/*.yaml']\nprograms:\n  a:\n    command: a#not-a-comment\n",
    "programs:\n  a:\n    command: x\n    command: y\n",
    "programs:\n  web: /bin/cat\n  api:\n",
    "programs: [web, db]\n",
    "unknown:\n  a: 1\n",
    "programs:\n  a:\n    exitcodes: []\n    environment: {}\n    numprocs: 0x10\n    priority: -5\n    x: .inf\n",
    "programs:\r\n  a:\r\n    command: /bin/cat\r\n",
    "groups:\n  g0: { programs: [app-0, app-1, 'app-2'], priority: 0 }\n  g1: { programs: [] }\n",
  ];
  test.each(PLAIN.map((text) => [text]))("%p: read as the yaml package reads it", (text) => {
    expect(agree(text as string)).toBe(true);
  });

  const NOT_PLAIN = [
    "programs:\n  a: &a { command: x }\n  b: *a\n",
    "programs:\n  a:\n    command: |\n      x\n",
    'programs:\n  a:\n    command: "x\\ty"\n',
    "programs:\n  a:\n    command: long\n      continued\n",
    "programs:\n\ta: {}\n",
    "programs:\n  a:\n    command: [x,\n      y]\n",
    "programs:\n  ? a\n  : { command: x }\n",
    'programs:\n  "a": { command: x }\n',
    "programs:\n  1: { command: x }\n",
    "---\na: 1\n---\nb: 2\n",
    "programs:\n  a:\n    command: a: b\n",
    "programs:\n  a:\n    - x\n  b: y\n   c: z\n",
    "programs: !!map\n  a: {}\n",
    "\ufeffprograms: {}\n",
  ];
  test.each(NOT_PLAIN.map((text) => [text]))("%p: left to the yaml package", (text) => {
    expect(parseSimpleYaml(text as string)).toBeUndefined();
  });

  test("3,000 generated documents: wherever it answers, it agrees", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const GOOD = [
      "{ programs: [a, b], priority: 1 }",
      "{A: [x, 'y'], B: []}",
      "x",
      "/bin/cat",
      "-n",
      "0",
      "022",
      "1.5",
      "true",
      "yes",
      "~",
      "'a''b'",
      '"q"',
      "a:b",
      "[a, b]",
      "{A: 1, B: x}",
      "é",
    ];
    const scalar = () => (random() < 0.8 ? pick(GOOD) : pick(SCALARS));
    const key = () => (random() < 0.9 ? pick(KEYS.slice(0, 7)) : pick(KEYS));
    const SCALARS = [
      "x",
      "/bin/cat",
      "-n",
      "0",
      "022",
      "1.5",
      "1e3",
      "true",
      "yes",
      "~",
      "null",
      "''",
      "'a''b'",
      '"q"',
      '"a: b"',
      "a#b",
      "a #c",
      "a:b",
      "a: b",
      "x:",
      "[]",
      "{}",
      "[a, b]",
      "[a,b]",
      "[a, 'b, c']",
      "[a, ]",
      "{A: 1, B: x}",
      "{A: 1,B: 2}",
      "{ A: }",
      "&x y",
      "*x",
      "!t y",
      "|",
      "@x",
      "`x",
      "%x",
      "-",
      "- x",
      "?x",
      "é",
      "  spaced  ",
    ];
    const KEYS = [
      "command",
      "priority",
      "a",
      "b",
      "A",
      "web.v2",
      "app-1",
      "1",
      "true",
      '"q"',
      "<<",
      "a b",
      "-k",
    ];
    let answered = 0;
    for (let n = 0; n < 3000; n++) {
      const lines: string[] = [];
      if (random() < 0.1) lines.push("---");
      const top = pick(["programs", "supervisord", "groups", "include", "nope"]);
      lines.push(`${top}:${random() < 0.1 ? " # c" : ""}`);
      for (let p = 0; p < 1 + Math.floor(random() * 3); p++) {
        lines.push(`  ${key()}:`);
        for (let k = 0; k < Math.floor(random() * 4); k++) {
          const indent = pick(["    ", "    ", "    ", "   ", "     "]);
          const shape = random();
          if (shape < 0.6) lines.push(`${indent}${key()}: ${scalar()}`);
          else if (shape < 0.8) {
            lines.push(`${indent}${key()}:`);
            const item = pick(["  - ", "- ", "  -  ", "    - "]);
            for (let i = 0; i < 1 + Math.floor(random() * 3); i++)
              lines.push(`${indent}${item}${scalar()}`);
          } else {
            lines.push(`${indent}${key()}:`);
            for (let i = 0; i < 1 + Math.floor(random() * 3); i++)
              lines.push(`${indent}  ${key()}: ${scalar()}`);
          }
          if (random() < 0.05) lines.push(pick(["", "# c", "   # c", "  "]));
        }
      }
      if (agree(`${lines.join("\n")}\n`)) answered++;
    }
    expect(answered).toBeGreaterThan(1000);
  });

  test.each([
    ["~", null],
    ["", null],
    ["Null", null],
    ["TRUE", true],
    ["False", false],
    ["022", 22],
    ["0o17", 15],
    ["0x1F", 31],
    ["-.inf", Number.NEGATIVE_INFINITY],
    [".NaN", Number.NaN],
    ["1e3", 1000],
    ["1.", 1],
    [".5", 0.5],
    ["yes", "yes"],
    ["0b1", "0b1"],
    ["1_000", "1_000"],
  ])("core schema: %p is %p", (text, value) => {
    expect(coreValue(text as string)).toEqual(value);
  });
});
