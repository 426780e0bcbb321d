// tend's own keys refused at load with what was expected: a check that the
// probe could not carry out, a duration a timer cannot hold.

import { describe, expect, test } from "bun:test";
import { parseCheck } from "../../../src/config/check-spec.ts";
import { MAX_SECONDS, seconds } from "../../../src/config/tend-converters.ts";

describe("checks", () => {
  test.each([
    "http://127.0.0.1:8080/health",
    "https://user:p%40ss@127.0.0.1:8443/",
    "tcp:5432",
    "unix:/run/app.sock",
    "file:/run/app.ready",
    "log:^ready$",
    "fd:3",
    "notify",
    "pg_isready -q",
  ])("%s is a check", (text) => {
    expect(parseCheck(text).ok).toBe(true);
  });

  test.each([
    ["", /a check such as/],
    ["http://", /URL/],
    ["http://us%zz:pw@127.0.0.1:8080/", /URL/],
    ["http://user:p%E0%A4%A@127.0.0.1/", /URL/],
  ])("%j is refused", (text, expected) => {
    const parsed = parseCheck(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.expected).toMatch(expected);
  });
});

describe("durations", () => {
  test("up to 24 days; longer would overflow a timer and fire at once", () => {
    expect(seconds()(String(MAX_SECONDS))).toEqual({ ok: true, value: MAX_SECONDS });
    expect(seconds()(String(MAX_SECONDS + 1)).ok).toBe(false);
    expect(seconds()("1e9").ok).toBe(false);
  });
});
