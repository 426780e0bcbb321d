import { describe, expect, test } from "bun:test";
import { PROGRAM_KEYS } from "../../../src/config/schema.ts";
import { closest, didYouMean, MAX_SUGGESTED_LENGTH } from "../../../src/config/suggest.ts";

const KEYS = Object.keys(PROGRAM_KEYS);

describe("did you mean", () => {
  test.each([
    ["stopwaitsec", "stopwaitsecs"],
    ["autostrat", "autostart"],
    ["comand", "command"],
    ["COMMAND", "command"],
    ["redirect_stdrr", "redirect_stderr"],
    ["stdout_logfile_maxbyte", "stdout_logfile_maxbytes"],
    ["numproc", "numprocs"],
  ])("%p -> %p", (word, expected) => {
    expect(closest(word, KEYS)).toBe(expected);
  });

  test.each(["xyz", "completely_different", ""])("%p: no guess", (word) => {
    expect(didYouMean(word, KEYS)).toBe("");
  });

  test("the nearest wins, the first of equals", () => {
    expect(closest("abd", ["abc", "abd", "xbd"])).toBe("abd");
    expect(closest("abx", ["abc", "abd"])).toBe("abc");
  });

  test("no guess for a name longer than any real one, however near", () => {
    const long = "a".repeat(MAX_SUGGESTED_LENGTH + 1);
    expect(closest(long, [`${long}b`])).toBeUndefined();
    const short = "a".repeat(MAX_SUGGESTED_LENGTH);
    expect(closest(short, [`${short}b`])).toBe(`${short}b`);
  });

  test("a 1 MB name, and 100,000 candidates, cost little", () => {
    const started = performance.now();
    expect(closest("k".repeat(1024 * 1024), KEYS)).toBeUndefined();
    const many = Array.from({ length: 100_000 }, (_, i) => `program${i}`);
    for (let i = 0; i < 100; i++) closest(`progrm${i}`, many);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
