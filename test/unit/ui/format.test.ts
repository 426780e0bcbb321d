import { describe, expect, test } from "bun:test";
import {
  formatClock,
  formatCountdown,
  formatHeld,
  formatSkipped,
  formatUptime,
  liveDescription,
} from "../../../src/ui/format.ts";

describe("formatUptime", () => {
  test("seconds", () => expect(formatUptime(5_000)).toBe("0:00:05"));
  test("a part of a second is not counted", () => expect(formatUptime(5_999)).toBe("0:00:05"));
  test("minutes and hours", () =>
    expect(formatUptime((3 * 3600 + 2 * 60 + 1) * 1000)).toBe("3:02:01"));
  test("just under a day", () => expect(formatUptime(86_399_000)).toBe("23:59:59"));
  test("a day exactly", () => expect(formatUptime(86_400_000)).toBe("1d 00:00:00"));
  test("days, hours padded", () =>
    expect(formatUptime(((26 * 24 + 2) * 3600 + 3 * 60 + 4) * 1000)).toBe("26d 02:03:04"));
  test("negative (server clock ahead) is 0", () => expect(formatUptime(-2_000)).toBe("0:00:00"));
});

describe("formatCountdown", () => {
  test("a part of a second counts as one", () =>
    expect(formatCountdown(2_001)).toBe("next try in 3 s"));
  test("whole seconds", () => expect(formatCountdown(3_000)).toBe("next try in 3 s"));
  test("just due", () => expect(formatCountdown(0)).toBe("next try now"));
  test("overdue", () => expect(formatCountdown(-1_500)).toBe("next try now"));
  test("59 s", () => expect(formatCountdown(59_000)).toBe("next try in 59 s"));
  test("a minute", () => expect(formatCountdown(60_000)).toBe("next try in 1 min"));
  test("minutes and seconds", () => expect(formatCountdown(125_000)).toBe("next try in 2 min 5 s"));
});

describe("formatClock", () => {
  const at = new Date(2024, 0, 2, 3, 4, 5).getTime();
  test("the same day: the time alone", () =>
    expect(formatClock(at, new Date(2024, 0, 2, 23, 0, 0).getTime())).toBe("03:04:05"));
  test("another day: with the date", () =>
    expect(formatClock(at, new Date(2024, 0, 3, 0, 0, 1).getTime())).toBe("2024-01-02 03:04:05"));
  test("a year before, same month and day", () =>
    expect(formatClock(at, new Date(2025, 0, 2, 3, 4, 5).getTime())).toBe("2024-01-02 03:04:05"));
});

describe("counts", () => {
  test("held lines", () => {
    expect(formatHeld(1)).toBe("1 new line");
    expect(formatHeld(12)).toBe("12 new lines");
  });
  test("skipped bytes", () => {
    expect(formatSkipped(1)).toBe("1 byte skipped");
    expect(formatSkipped(4096)).toBe("4096 bytes skipped");
  });
});

describe("liveDescription", () => {
  const row = { statename: "RUNNING", description: "", readiness: "", nextTry: 0 };

  test("RUNNING: pid and uptime (their own columns, and they age) are left out", () =>
    expect(liveDescription({ ...row, description: "pid 12, uptime 0:00:05" }, 0)).toBe(""));

  test("RUNNING: a note after them stays", () =>
    expect(
      liveDescription({ ...row, description: "pid 12, uptime 2 days, 1:02:03, not ready" }, 0),
    ).toBe("not ready"));

  test("RUNNING and not ready: why", () =>
    expect(
      liveDescription(
        {
          ...row,
          description: "pid 12, uptime 0:00:05",
          readiness: "not ready: connection refused",
        },
        0,
      ),
    ).toBe("not ready: connection refused"));

  test("STARTING and waiting: said once when the description already says it", () =>
    expect(
      liveDescription(
        {
          ...row,
          statename: "STARTING",
          description: "waiting for db (ready)",
          readiness: "waiting for db (ready)",
        },
        0,
      ),
    ).toBe("waiting for db (ready)"));

  test("BACKOFF: a countdown to the next try on the page's clock", () =>
    expect(
      liveDescription(
        { ...row, statename: "BACKOFF", description: "Exited too quickly", nextTry: 10_000 },
        7_500,
      ),
    ).toBe("next try in 3 s; Exited too quickly"));

  test("BACKOFF (exponential): the server's frozen countdown is replaced", () =>
    expect(
      liveDescription(
        {
          ...row,
          statename: "BACKOFF",
          description: "backoff, next try in 8 s: it failed",
          nextTry: 5_000,
        },
        4_000,
      ),
    ).toBe("next try in 1 s; it failed"));

  test("BACKOFF with no time for the next try: the description alone", () =>
    expect(liveDescription({ ...row, statename: "BACKOFF", description: "spawn error" }, 0)).toBe(
      "spawn error",
    ));

  test("STOPPED: the description as it is, readiness not repeated", () =>
    expect(
      liveDescription(
        { ...row, statename: "STOPPED", description: "Not started", readiness: "not running" },
        0,
      ),
    ).toBe("Not started"));
});
