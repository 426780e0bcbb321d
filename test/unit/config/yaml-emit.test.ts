// The YAML tend check prints: read back by the yaml package as the same
// values, and laid out as the package's own stringify lays them out.

import { describe, expect, test } from "bun:test";
import { parse, stringify } from "yaml";
import { type EmitValue, emitYaml } from "../../../src/config/yaml-emit.ts";

const TRICKY = [
  "plain",
  "-n",
  "%(x)s",
  "echo hi",
  "a: b",
  "a:\tb",
  "a #b",
  "a\t#b",
  "yes",
  "022",
  "1.0",
  "0x1F",
  "0o17",
  ".inf",
  "-.INF",
  ".nan",
  "1e3",
  "true",
  "False",
  "~",
  "null",
  "",
  " lead",
  "trail ",
  "x\ny",
  "x\n\ny",
  "x\ny\n",
  " x\ny",
  "x \ny",
  "a\r\nb",
  "'q'",
  '"d"',
  "a,b",
  "[x]",
  "{x}",
  "<<",
  "-",
  "?",
  ":",
  "- x",
  "? x",
  ": x",
  "@x",
  "`x",
  "x:",
  "é",
  "😀",
  "\u0085x",
  "\u007f",
  "\u0000",
  "\u001b[31m",
  "\ufeffbom",
  "a\tb",
  "---",
  "...",
  "#x",
  "&a",
  "*a",
  "!tag",
  "|x",
  ">x",
  "https://x:1/y",
  "k".repeat(2000),
];

describe("emitYaml", () => {
  test.each(TRICKY.map((s) => [s]))(
    "%p reads back as itself as a value, an item and a key",
    (s) => {
      const value: EmitValue = { k: s, l: [s, 1, true], m: { [s]: s } };
      expect(parse(emitYaml({ top: value }))).toEqual({ top: value });
    },
  );

  test("random strings read back as themselves", () => {
    const alphabet = [
      "a",
      " ",
      "\t",
      "\n",
      ":",
      "#",
      "-",
      "?",
      "'",
      '"',
      "\\",
      "%",
      "[",
      "{",
      ",",
      "0",
      ".",
      "é",
      "\u0085",
      "\u007f",
      "\u0001",
      "<",
    ];
    let seed = 1;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 2000; i++) {
      const s = Array.from(
        { length: Math.floor(random() * 8) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join("");
      expect(parse(emitYaml({ k: s, l: [s], m: { [s || "x"]: s } }))).toEqual({
        k: s,
        l: [s],
        m: { [s || "x"]: s },
      });
    }
  });

  test("laid out as the yaml package lays out the same values", () => {
    const value = {
      supervisord: {
        logfile: "/dev/stdout",
        nodaemon: true,
        minfds: 1024,
        environment: { TZ: "UTC", N: "1" },
      },
      programs: {
        web: {
          command: ["/bin/sh", "-c", "echo hi; exit 0"],
          exitcodes: [0, 2],
          empty: [],
          none: {},
        },
        "%(x)s": { umask: "022", text: "two\nlines" },
      },
    };
    expect(emitYaml(value)).toBe(stringify(value, { lineWidth: 0 }));
  });
});
