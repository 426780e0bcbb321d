import { describe, expect, test } from "bun:test";
import { expand, MAX_EXPANDED_LENGTH } from "../../../src/config/expand.ts";

const names = {
  program_name: "web",
  process_num: 3,
  numprocs: 12,
  ENV_HOME: "/root",
  group_name: "g",
};

describe("expand (Python %-format with a mapping)", () => {
  test.each([
    ["plain", "plain"],
    ["%(program_name)s", "web"],
    ["%(program_name)s_%(process_num)02d", "web_03"],
    ["%(process_num)d/%(numprocs)d", "3/12"],
    ["%(process_num)3d|", "  3|"],
    ["%(process_num)-3d|", "3  |"],
    ["%(program_name)5s|", "  web|"],
    ["%(program_name)-5s|", "web  |"],
    ["%(program_name).2s", "we"],
    ["%(process_num)x", "3"],
    ["%(process_num)s", "3"],
    ["%(ENV_HOME)s/app", "/root/app"],
    ["100%%", "100%"],
    ["date +%%s", "date +%s"],
    ["%%(program_name)s", "%(program_name)s"],
  ])("%p -> %p", (text, expected) => {
    expect(expand(text, names)).toEqual({ ok: true, value: expected });
  });

  test("an unknown name lists what is available", () => {
    expect(expand("%(ENV_MISSING)s", names)).toEqual({
      ok: false,
      message:
        '"%(ENV_MISSING)s" names %(ENV_MISSING) which cannot be expanded; available: ENV_HOME, group_name, numprocs, process_num, program_name',
    });
  });

  test.each(["date +%s", "100%", "%(program_name)", "%(program_name)q", "50% off"])(
    "%p is badly formatted (a literal percent must be %%)",
    (text) => {
      const result = expand(text, names);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toContain("badly formatted");
    },
  );

  test("%d needs a number", () => {
    const result = expand("%(program_name)d", names);
    expect(result).toEqual({
      ok: false,
      message:
        '"%(program_name)d" is badly formatted: %(program_name)d needs a number, but program_name is "web"',
    });
  });

  test("a width beyond the limit is an error, not gigabytes of spaces", () => {
    expect(expand(`%(program_name)${MAX_EXPANDED_LENGTH}s`, names)).toMatchObject({ ok: true });
    for (const width of [String(MAX_EXPANDED_LENGTH + 1), "100000000000000000000"]) {
      const result = expand(`x %(program_name)${width}s`, names);
      expect(result).toEqual({
        ok: false,
        message: `"x %(program_name)${width}s": the width ${width} in "%(program_name)${width}s" is too large (at most ${MAX_EXPANDED_LENGTH})`,
      });
    }
  });

  test("a value that expands beyond the limit is an error; a long literal is not", () => {
    const many = "%(program_name)100s".repeat(MAX_EXPANDED_LENGTH / 50);
    const result = expand(many, names);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toEndWith(
        `..." expands to more than ${MAX_EXPANDED_LENGTH} characters`,
      );
      expect(result.message.length).toBeLessThan(300);
    }
    const literal = `${"x".repeat(2 * MAX_EXPANDED_LENGTH)} %(ENV_HOME)s`;
    expect(expand(literal, names)).toEqual({
      ok: true,
      value: literal.replace("%(ENV_HOME)s", "/root"),
    });
  });
});
