import { describe, expect, test } from "bun:test";
import { decodeWaitStatus, ExitCode, exitCodeOf } from "../../../src/core/exit-codes.ts";

describe("exitCodeOf", () => {
  test("every exit code 0..255 passes through unchanged", () => {
    for (let code = 0; code <= 255; code++) {
      expect(exitCodeOf({ kind: "exited", code })).toBe(code);
    }
  });

  test("death by signal N gives 128 + N for every signal 1..64", () => {
    for (let signal = 1; signal <= 64; signal++) {
      expect(exitCodeOf({ kind: "signaled", signal })).toBe((128 + signal) & 0xff);
    }
    expect(exitCodeOf({ kind: "signaled", signal: 9 })).toBe(137);
    expect(exitCodeOf({ kind: "signaled", signal: 11 })).toBe(139);
    expect(exitCodeOf({ kind: "signaled", signal: 15 })).toBe(143);
  });

  test("tend's own codes follow the shell's conventions", () => {
    expect(ExitCode).toMatchObject({ OK: 0, FAILURE: 1, USAGE: 2 });
    expect(ExitCode.NOT_EXECUTABLE).toBe(126);
    expect(ExitCode.NOT_FOUND).toBe(127);
  });
});

describe("decodeWaitStatus", () => {
  test("every normal exit code round-trips through the raw status", () => {
    for (let code = 0; code <= 255; code++) {
      expect(decodeWaitStatus(code << 8)).toEqual({ kind: "exited", code });
    }
  });

  test("a death by signal, with or without core dump", () => {
    expect(decodeWaitStatus(9)).toEqual({ kind: "signaled", signal: 9 });
    expect(decodeWaitStatus(11 | 0x80)).toEqual({ kind: "signaled", signal: 11 });
  });

  test("stopped and continued are not ends", () => {
    expect(decodeWaitStatus((19 << 8) | 0x7f)).toBeUndefined();
    expect(decodeWaitStatus(0xffff)).toBeUndefined();
  });
});
