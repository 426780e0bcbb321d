// systemd's notify messages as tend reads them: datagrams may arrive run
// together, so READY=1 and STATUS= are found at a line's start or right
// after another assignment, and a STATUS text ends where the next key of
// systemd's vocabulary begins.

import { describe, expect, test } from "bun:test";
import { parseNotify } from "../../../src/core/sd-notify.ts";

const ready = { kind: "ready" } as const;
const status = (text: string) => ({ kind: "status", text }) as const;

describe("parseNotify", () => {
  test("one message per datagram, as sd_notify sends them", () => {
    expect(parseNotify("READY=1")).toEqual([ready]);
    expect(parseNotify("STATUS=Accepting connections")).toEqual([status("Accepting connections")]);
    expect(parseNotify("READY=1\nSTATUS=up\nMAINPID=42\n")).toEqual([ready, status("up")]);
  });

  test("datagrams run together: split where a known key follows", () => {
    expect(parseNotify("STATUS=warmingREADY=1\nSTATUS=up")).toEqual([
      status("warming"),
      ready,
      status("up"),
    ]);
    expect(parseNotify("READY=1STATUS=upWATCHDOG=1")).toEqual([ready, status("up")]);
    expect(parseNotify("X_APP=1READY=1")).toEqual([ready]);
    expect(parseNotify("STATUS=a=b, c=dEXIT_STATUS=3")).toEqual([status("a=b, c=d")]);
  });

  test("what is not readiness: other values, other keys, lines that are not assignments", () => {
    expect(parseNotify("READY=0")).toEqual([]);
    expect(parseNotify("STOPPING=1\nRELOADING=1\nWATCHDOG_USEC=100\nEXIT_STATUS=1")).toEqual([]);
    expect(parseNotify("hello READY=1")).toEqual([]);
    expect(parseNotify("ready=1")).toEqual([]);
    expect(parseNotify("")).toEqual([]);
  });

  test("an empty STATUS is a status too (it clears the description)", () => {
    expect(parseNotify("STATUS=")).toEqual([status("")]);
  });
});
