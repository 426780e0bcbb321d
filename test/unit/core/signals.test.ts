import { describe, expect, test } from "bun:test";
import { constants } from "node:os";
import {
  FORWARDED_SIGNALS,
  parseSignal,
  SIGNAL_NUMBERS,
  signalName,
} from "../../../src/core/signals.ts";

describe("signal table", () => {
  test("every number matches the platform's own", () => {
    const platform = constants.signals as Record<string, number>;
    for (const [name, num] of Object.entries(SIGNAL_NUMBERS)) {
      if (name in platform) expect([name, platform[name]]).toEqual([name, num]);
    }
  });

  // Every catchable signal but CHLD (tend's own), the faults that describe
  // tend itself (SEGV, BUS, FPE, ILL), and PWR and STKFLT (Bun cannot catch them).
  test("the forwarded set is exactly the documented list", () => {
    const documented =
      "HUP INT QUIT USR1 USR2 TERM WINCH CONT ALRM PIPE TSTP TTIN TTOU URG IO XCPU XFSZ VTALRM PROF SYS TRAP ABRT";
    expect<string[]>([...FORWARDED_SIGNALS].sort()).toEqual(
      documented
        .split(" ")
        .map((s) => `SIG${s}`)
        .sort(),
    );
  });

  test("uncatchable signals and SIGCHLD are never forwarded", () => {
    for (const name of ["SIGKILL", "SIGSTOP", "SIGCHLD"] as const) {
      expect(FORWARDED_SIGNALS).not.toContain(name);
    }
  });
});

describe("parseSignal and signalName", () => {
  test.each([
    ["SIGKILL", 9],
    ["SIGTERM", 15],
    [15, 15],
    ["SIG34", 34],
    ["SIGRTMIN", 34],
    ["SIGRTMIN+1", 35],
    ["SIGRTMAX", 64],
    ["SIGRTMAX-2", 62],
  ] as const)("%p is signal %d", (value, expected) => {
    expect(parseSignal(value)).toBe(expected);
  });

  test.each(["TERM", "SIGNOPE", "", "SIG0", "SIG65"] as const)("%p is not a signal", (value) => {
    expect(parseSignal(value)).toBeUndefined();
  });

  test.each([0, -1, 65, 1.5])("number %p is not a signal", (value) => {
    expect(parseSignal(value)).toBeUndefined();
  });

  test("names round-trip, unnamed numbers get SIGn", () => {
    for (const [name, num] of Object.entries(SIGNAL_NUMBERS)) expect(signalName(num)).toBe(name);
    expect(signalName(40)).toBe("SIG40");
  });
});
