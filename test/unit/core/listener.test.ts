// The event listener protocol, edge by edge, against supervisord 4.2.5's
// PEventListenerDispatcher: what each state does with what the listener
// writes, the words it logs, and when an event counts as processed or
// rejected.

import { describe, expect, test } from "bun:test";
import {
  FRESH_LISTENER,
  type ListenerProtocol,
  listenerOutput,
  listenerSent,
} from "../../../src/core/listener.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const feed = (protocol: ListenerProtocol, ...texts: string[]) => {
  let current = protocol;
  const effects: unknown[] = [];
  for (const text of texts) {
    const step = listenerOutput(current, bytes(text), "rec");
    current = step.protocol;
    effects.push(...step.effects);
  }
  return { protocol: current, effects };
};
const logs = (effects: unknown[]) =>
  effects.flatMap((effect) => {
    const e = effect as { type: string; level?: string; message?: string };
    return e.type === "log" ? [`${e.level} ${e.message}`] : [];
  });
const kinds = (effects: unknown[]) =>
  effects.map((effect) => (effect as { type: string }).type).filter((type) => type !== "log");

const ready = () => feed(FRESH_LISTENER, "READY\n").protocol;
const busy = () => listenerSent(ready());

describe("ACKNOWLEDGED (just spawned, or after a result)", () => {
  test("READY\\n → READY", () => {
    const { protocol, effects } = feed(FRESH_LISTENER, "READY\n");
    expect(protocol.state).toBe("READY");
    expect(logs(effects)).toEqual(["debug rec: ACKNOWLEDGED -> READY"]);
    expect(kinds(effects)).toEqual(["ready"]);
  });

  test("READY\\n in pieces: nothing is decided before six bytes", () => {
    const partial = feed(FRESH_LISTENER, "REA");
    expect(partial.protocol.state).toBe("ACKNOWLEDGED");
    expect(partial.effects).toEqual([]);
    expect(feed(partial.protocol, "DY\n").protocol.state).toBe("READY");
  });

  test("anything else → UNKNOWN, with supervisord's warning", () => {
    const { protocol, effects } = feed(FRESH_LISTENER, "HELLO\n");
    expect(protocol.state).toBe("UNKNOWN");
    expect(logs(effects)).toEqual([
      "debug rec: ACKNOWLEDGED -> UNKNOWN",
      "warn rec: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol",
    ]);
  });
});

describe("READY", () => {
  test("more output while waiting for an event → UNKNOWN (strict)", () => {
    expect(feed(ready(), "x").protocol.state).toBe("UNKNOWN");
    // READY and then more in one write: the rest is spurious too.
    expect(feed(FRESH_LISTENER, "READY\nextra").protocol.state).toBe("UNKNOWN");
  });

  test("an event sent: READY → BUSY, with nothing logged", () => {
    expect(listenerSent(ready()).state).toBe("BUSY");
  });
});

describe("BUSY", () => {
  test("RESULT 2\\nOK → processed, ACKNOWLEDGED", () => {
    const { protocol, effects } = feed(busy(), "RESULT 2\nOK");
    expect(protocol.state).toBe("ACKNOWLEDGED");
    expect(kinds(effects)).toEqual(["processed"]);
    expect(logs(effects)).toEqual([
      "debug rec: event was processed",
      "debug rec: BUSY -> ACKNOWLEDGED",
    ]);
  });

  test("RESULT 4\\nFAIL → rejected (supervisord's default handler), ACKNOWLEDGED", () => {
    const { protocol, effects } = feed(busy(), "RESULT 4\nFAIL");
    expect(protocol.state).toBe("ACKNOWLEDGED");
    expect(kinds(effects)).toEqual(["rejected"]);
    expect(logs(effects)).toContain("warn rec: event was rejected");
  });

  test("the result and the next READY in one write (OKREADY): processed, then READY", () => {
    const { protocol, effects } = feed(busy(), "RESULT 2\nOKREADY\n");
    expect(protocol.state).toBe("READY");
    expect(kinds(effects)).toEqual(["processed", "ready"]);
  });

  test("the result line and body in pieces, however cut", () => {
    const { protocol, effects } = feed(busy(), "RES", "ULT 2", "\n", "O", "K");
    expect(protocol.state).toBe("ACKNOWLEDGED");
    expect(kinds(effects)).toEqual(["processed"]);
  });

  test("a result body longer than OK is rejected (it is not OK)", () => {
    expect(kinds(feed(busy(), "RESULT 3\nOK!").effects)).toEqual(["rejected"]);
  });

  test("a bad result line → UNKNOWN, the event rejected, the line quoted", () => {
    const { protocol, effects } = feed(busy(), "RESULT two\n");
    expect(protocol.state).toBe("UNKNOWN");
    expect(kinds(effects)).toEqual(["rejected"]);
    expect(logs(effects)[0]).toBe("warn rec: bad result line: 'RESULT two'");
  });

  test("RESULT 0 with nothing after it waits (as supervisord), and is settled by the next output", () => {
    const waiting = feed(busy(), "RESULT 0\n");
    expect(waiting.protocol.state).toBe("BUSY");
    const { protocol, effects } = feed(waiting.protocol, "READY\n");
    // An empty body is not OK: rejected, then READY.
    expect(kinds(effects)).toEqual(["rejected", "ready"]);
    expect(protocol.state).toBe("READY");
  });
});

describe("UNKNOWN", () => {
  test("is for good: whatever comes is dropped", () => {
    const unknown = feed(FRESH_LISTENER, "nonsense").protocol;
    const { protocol, effects } = feed(unknown, "READY\n");
    expect(protocol.state).toBe("UNKNOWN");
    expect(effects).toEqual([]);
  });
});
