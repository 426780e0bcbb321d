// supervisord's events as data: the type hierarchy listeners subscribe by,
// each payload's words, the envelope, a pool's buffer with its serials and
// overflow, capture mode's tokens, and Python's repr of text and bytes.

import { describe, expect, test } from "bun:test";
import { CommunicationCapture } from "../../../src/core/communication.ts";
import { EventBuffer, Serial, type SharedEvent } from "../../../src/core/event-pool.ts";
import {
  EVENT_TYPES,
  envelope,
  isKindOf,
  processCommunicationEvent,
  processGroupEvent,
  processLogEvent,
  processStateEvent,
  remoteCommunicationEvent,
  supervisorStateEvent,
  tickEvent,
  timeslice,
} from "../../../src/core/events.ts";
import { pyBytesRepr, pyRepr } from "../../../src/core/python-repr.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("event types", () => {
  test("every type supervisord names, each a kind of its parent, EVENT the root", () => {
    expect(Object.keys(EVENT_TYPES)).toHaveLength(27);
    for (const type of Object.keys(EVENT_TYPES) as (keyof typeof EVENT_TYPES)[])
      expect(isKindOf(type, "EVENT")).toBe(true);
  });

  test("a listener on PROCESS_STATE hears every PROCESS_STATE_*, nothing else", () => {
    expect(isKindOf("PROCESS_STATE_FATAL", "PROCESS_STATE")).toBe(true);
    expect(isKindOf("PROCESS_STATE_FATAL", "PROCESS_STATE_EXITED")).toBe(false);
    expect(isKindOf("PROCESS_LOG_STDOUT", "PROCESS_STATE")).toBe(false);
    expect(isKindOf("TICK_60", "TICK")).toBe(true);
  });
});

describe("payloads (events.py)", () => {
  const facts = { name: "web", group: "g", pid: 42, tries: 2, expected: true } as const;
  test.each([
    ["STARTING", "processname:web groupname:g from_state:STOPPED tries:2"],
    ["BACKOFF", "processname:web groupname:g from_state:STOPPED tries:2"],
    ["RUNNING", "processname:web groupname:g from_state:STOPPED pid:42"],
    ["STOPPING", "processname:web groupname:g from_state:STOPPED pid:42"],
    ["STOPPED", "processname:web groupname:g from_state:STOPPED pid:42"],
    ["EXITED", "processname:web groupname:g from_state:STOPPED expected:1 pid:42"],
    ["FATAL", "processname:web groupname:g from_state:STOPPED"],
    ["UNKNOWN", "processname:web groupname:g from_state:STOPPED"],
  ] as const)("PROCESS_STATE_%s", (to, payload) => {
    expect(processStateEvent({ ...facts, from: "STOPPED", to })).toEqual({
      type: `PROCESS_STATE_${to}`,
      payload,
    });
  });

  test("EXITED unexpected: expected:0", () => {
    const event = processStateEvent({ ...facts, from: "RUNNING", to: "EXITED", expected: false });
    expect(event.payload).toEndWith("expected:0 pid:42");
  });

  test("PROCESS_LOG: a header line, then the bytes as text or Undecodable", () => {
    expect(processLogEvent("web", "g", 7, "stderr", bytes("oops\n"))).toEqual({
      type: "PROCESS_LOG_STDERR",
      payload: "processname:web groupname:g pid:7 channel:stderr\noops\n",
    });
    expect(processLogEvent("web", "g", 7, "stdout", new Uint8Array([0x88, 10])).payload).toBe(
      "processname:web groupname:g pid:7 channel:stdout\nUndecodable: b'\\x88\\n'",
    );
  });

  test("the others", () => {
    expect(processCommunicationEvent("web", "g", 7, "stdout", bytes("hi")).payload).toBe(
      "processname:web groupname:g pid:7\nhi",
    );
    expect(remoteCommunicationEvent("kind", "data")).toEqual({
      type: "REMOTE_COMMUNICATION",
      payload: "type:kind\ndata",
    });
    expect(supervisorStateEvent("STOPPING")).toEqual({
      type: "SUPERVISOR_STATE_CHANGE_STOPPING",
      payload: "",
    });
    expect(tickEvent("TICK_60", 1_700_000_040)).toEqual({
      type: "TICK_60",
      payload: "when:1700000040",
    });
    expect(processGroupEvent("ADDED", "web")).toEqual({
      type: "PROCESS_GROUP_ADDED",
      payload: "groupname:web\n",
    });
  });

  test("timeslice: the start of the period", () => {
    expect(timeslice(5, 1_700_000_003.9)).toBe(1_700_000_000);
    expect(timeslice(60, 1_700_000_059)).toBe(1_700_000_040);
  });
});

describe("the envelope", () => {
  test("supervisord's header line; len counts characters, not bytes", () => {
    const event = remoteCommunicationEvent("k", "données");
    expect(envelope(event, { serial: 3, pool: "rec", poolSerial: 1, server: "supervisor" })).toBe(
      "ver:3.0 server:supervisor serial:3 pool:rec poolserial:1 eventname:REMOTE_COMMUNICATION len:14\ntype:k\ndonnées",
    );
  });
});

describe("a pool's buffer", () => {
  const shared = (n: number): SharedEvent => ({ event: tickEvent("TICK_5", n), serial: undefined });
  const logged: string[] = [];
  const buffer = (size: number, global = new Serial()) =>
    new EventBuffer("rec", size, global, (level, message) => logged.push(`${level} ${message}`));

  test("serials: global from the first pool that takes an event, per pool for each", () => {
    const global = new Serial();
    const a = buffer(10, global);
    const b = buffer(10, global);
    const first = shared(1);
    a.accept(first);
    b.accept(first);
    const second = shared(2);
    b.accept(second);
    expect([a.take(), b.take(), b.take()].map((q) => [q?.serial, q?.poolSerial])).toEqual([
      [0, 0],
      [0, 0],
      [1, 1],
    ]);
  });

  test("full: the oldest is dropped, with supervisord's error line", () => {
    logged.length = 0;
    const pool = buffer(2);
    for (const n of [1, 2, 3]) pool.accept(shared(n));
    expect(pool.serialsWaiting()).toEqual([1, 2]);
    expect(logged).toEqual(["error pool rec event buffer overflowed, discarding event 0"]);
  });

  test("a rejected event goes back to the head, with its serials, and is logged as rebuffered", () => {
    logged.length = 0;
    const pool = buffer(5);
    pool.accept(shared(1));
    pool.accept(shared(2));
    const head = pool.take();
    if (!head) throw new Error("empty");
    pool.accept(head.shared, true);
    const again = pool.take();
    expect([again?.serial, again?.poolSerial]).toEqual([0, 0]);
    expect(logged).toEqual(["debug rebuffering event 0 for pool rec (buf size=1, max=5)"]);
  });
});

describe("capture mode (PROCESS_COMMUNICATION)", () => {
  const text = (parts: readonly Uint8Array[]) => parts.map((p) => new TextDecoder().decode(p));

  test("between the tokens: captured and raised at the end token; the rest logged", () => {
    const capture = new CommunicationCapture(1024);
    const out = capture.push(
      bytes("before<!--XSUPERVISOR:BEGIN-->hi there<!--XSUPERVISOR:END-->and a tail to log\n"),
    );
    expect(out.pieces.map((p) => [new TextDecoder().decode(p.bytes), p.captured])).toEqual([
      ["before", false],
      ["hi there", true],
    ]);
    expect(text(out.events)).toEqual(["hi there"]);
    // No longer than a token: it waits for more output, as in supervisord.
    const later = capture.push(bytes("and more than a token's worth\n"));
    expect(later.pieces.map((p) => new TextDecoder().decode(p.bytes))).toEqual([
      "and a tail to log\nand more than a token's worth\n",
    ]);
  });

  test("a token cut between two writes is still found; short output waits for more (as supervisord)", () => {
    const capture = new CommunicationCapture(1024);
    expect(capture.push(bytes("ab")).pieces).toEqual([]);
    const first = capture.push(bytes("cdefghijklmnopqrstuvwxyz<!--XSUPER"));
    expect(first.pieces.map((p) => new TextDecoder().decode(p.bytes))).toEqual([
      "abcdefghijklmnopqrstuvwxyz",
    ]);
    const second = capture.push(bytes("VISOR:BEGIN-->x<!--XSUPERVISOR:END-->"));
    expect(text(second.events)).toEqual(["x"]);
  });

  test("more than maxbytes between the tokens: supervisord's BoundIO drops what came first", () => {
    const capture = new CommunicationCapture(40);
    capture.push(bytes(`<!--XSUPERVISOR:BEGIN-->${"a".repeat(30)}`));
    const out = capture.push(bytes(`${"b".repeat(30)}<!--XSUPERVISOR:END-->`));
    // 30 + 30 > 40: before the b's are kept, as many bytes (all the a's) go.
    expect(text(out.events)).toEqual(["b".repeat(30)]);
  });
});

describe("Python's repr", () => {
  test.each([
    ["a", "'a'"],
    ["it's", `"it's"`],
    ["a\nb\\", "'a\\nb\\\\'"],
    ["café", "'café'"],
  ])("repr(%p) = %s", (value, repr) => expect(pyRepr(value)).toBe(repr));

  test.each([
    [[0x88, 0x0a], "b'\\x88\\n'"],
    [[...bytes("it's")], `b"it's"`],
    [[...bytes(`a'b"`)], `b'a\\'b"'`],
    [[0x09, 0x0d, 0x7f, 0x5c], "b'\\t\\r\\x7f\\\\'"],
  ])("repr(bytes(%p)) = %s", (value, repr) =>
    expect(pyBytesRepr(new Uint8Array(value))).toBe(repr),
  );
});
