import { describe, expect, test } from "bun:test";
import { splitCommand, splitKeyValuePairs } from "../../../src/config/shlex.ts";

describe("splitCommand (shlex.split)", () => {
  test.each([
    ["a b  c", ["a", "b", "c"]],
    ["'a b' \"c d\"", ["a b", "c d"]],
    ["a'b c'd", ["ab cd"]],
    ['"a\\"b"', ['a"b']],
    ['"a\\nb"', ["a\\nb"]],
    ["'a\\b'", ["a\\b"]],
    ["a\\ b", ["a b"]],
    ["''", [""]],
    ["", []],
    ["a\tb\nc", ["a", "b", "c"]],
    ["#not-a-comment", ["#not-a-comment"]],
  ])("%p", (text, words) => {
    expect(splitCommand(text)).toEqual({ ok: true, value: words });
  });
});

describe("splitKeyValuePairs (supervisord's dict_of_key_value_pairs)", () => {
  test.each([
    ["A=1,B=2", { A: "1", B: "2" }],
    ['A="1,2",B="x=y"', { A: "1,2", B: "x=y" }],
    ["A=a b", { A: "a" }], // shlex drops the word where a comma should be, as supervisord does
    ["A=x#comment", { A: "x" }],
    ["A=1,", { A: "1" }],
    ["PYTHONPATH=/app:/lib,LANG=C.UTF-8", { PYTHONPATH: "/app:/lib", LANG: "C.UTF-8" }],
  ])("%p", (text, pairs) => {
    expect(splitKeyValuePairs(text)).toEqual({ ok: true, value: pairs });
  });

  test.each(["A", "A=", "=1", "A=1,B", "A x"])("%p is not KEY=value pairs", (text) => {
    expect(splitKeyValuePairs(text).ok).toBe(false);
  });
});
