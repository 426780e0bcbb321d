// The one conversion of a method's error into the fault the client sees.

import { describe, expect, test } from "bun:test";
import { Faults, faultFrom, faultName, RpcFault } from "../../../src/protocol/faults.ts";

describe("faultFrom", () => {
  test("a fault travels as it is", () => {
    const fault = new RpcFault("BAD_NAME", "web");
    expect(faultFrom(fault)).toBe(fault);
  });

  test("any other error is FAILED with its message (a bug of tend's, not the client's)", () => {
    const fault = faultFrom(new TypeError("x is undefined"));
    expect({ code: fault.code, message: fault.message }).toEqual({
      code: Faults.FAILED,
      message: "FAILED: x is undefined",
    });
    expect(faultFrom("thrown text").message).toBe("FAILED: thrown text");
  });
});

describe("fault names", () => {
  test("a code's name, or undefined for one supervisord does not define", () => {
    expect(faultName(70)).toBe("NOT_RUNNING");
    expect(faultName(5)).toBeUndefined();
  });
});
