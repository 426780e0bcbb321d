// One event listener's side of supervisord's protocol, as a pure reducer
// over what the listener writes to its stdout (supervisor/dispatchers.py,
// PEventListenerDispatcher): ACKNOWLEDGED until it writes `READY\n`, READY
// until an event is sent (BUSY), then `RESULT <len>\n` and <len> bytes:
// `OK` means processed, anything else rejected; either way ACKNOWLEDGED
// again. Anything out of turn is UNKNOWN, where it hears no more events.

import type { LogLevel } from "./program.ts";
import { pyBytesRepr } from "./python-repr.ts";

export type ListenerState = "ACKNOWLEDGED" | "READY" | "BUSY" | "UNKNOWN";

/** supervisord's numeric codes of the listener states (states.py). */
export const ListenerStateCode: Record<ListenerState, number> = {
  READY: 10,
  BUSY: 20,
  ACKNOWLEDGED: 30,
  UNKNOWN: 40,
};

export interface ListenerProtocol {
  readonly state: ListenerState;
  /** What the listener wrote that is not consumed yet. */
  readonly buffer: Uint8Array;
  /** The length announced by `RESULT <len>`, once its line is read. */
  readonly resultLength: number | undefined;
  readonly result: Uint8Array;
}

/** A listener just spawned: it owes its first READY. */
export const FRESH_LISTENER: ListenerProtocol = {
  state: "ACKNOWLEDGED",
  buffer: new Uint8Array(0),
  resultLength: undefined,
  result: new Uint8Array(0),
};

export type ListenerEffect =
  | { readonly type: "log"; readonly level: LogLevel; readonly message: string }
  /** The event being handled was processed (`OK`). */
  | { readonly type: "processed" }
  /** The event being handled was refused or mishandled: it goes back to the pool. */
  | { readonly type: "rejected" }
  /** The listener can take an event now. */
  | { readonly type: "ready" };

export interface ListenerStep {
  readonly protocol: ListenerProtocol;
  readonly effects: readonly ListenerEffect[];
}

const READY_TOKEN = new TextEncoder().encode("READY\n");
const RESULT_PREFIX_LENGTH = "RESULT ".length;
const OK = "OK";

/** The listener wrote `bytes` to its stdout. */
export function listenerOutput(
  protocol: ListenerProtocol,
  bytes: Uint8Array,
  name: string,
): ListenerStep {
  const step = new Step({ ...protocol, buffer: concat(protocol.buffer, bytes) }, name);
  // supervisord handles the buffer until it is empty or too short to decide.
  while (step.protocol.buffer.length > 0 && step.advance()) {}
  return step.done();
}

/** An event was written to the listener: READY → BUSY (supervisord logs nothing here). */
export function listenerSent(protocol: ListenerProtocol): ListenerProtocol {
  return { ...protocol, state: "BUSY", resultLength: undefined, result: new Uint8Array(0) };
}

class Step {
  readonly effects: ListenerEffect[] = [];

  constructor(
    public protocol: ListenerProtocol,
    private readonly name: string,
  ) {}

  /** One decision on the buffer; false when it needs more bytes. */
  advance(): boolean {
    const { state, buffer } = this.protocol;
    switch (state) {
      case "UNKNOWN":
        // A fatal state: whatever it writes is dropped.
        this.set({ buffer: new Uint8Array(0) });
        return false;
      case "ACKNOWLEDGED":
        if (buffer.length < READY_TOKEN.length) return false;
        if (startsWith(buffer, READY_TOKEN)) {
          this.change("READY");
          this.set({ buffer: buffer.subarray(READY_TOKEN.length) });
          this.effects.push({ type: "ready" });
        } else {
          this.change("UNKNOWN");
          this.set({ buffer: new Uint8Array(0) });
        }
        return true;
      case "READY":
        // Spurious data while waiting for an event: be strict about it.
        this.change("UNKNOWN");
        this.set({ buffer: new Uint8Array(0) });
        return false;
      case "BUSY":
        return this.busy();
    }
  }

  private busy(): boolean {
    const { buffer, resultLength, result } = this.protocol;
    if (resultLength === undefined) {
      const newline = buffer.indexOf(10);
      if (newline < 0) return false;
      const line = buffer.subarray(0, newline);
      this.set({ buffer: buffer.subarray(newline + 1) });
      const length = pythonInt(line.subarray(RESULT_PREFIX_LENGTH));
      if (length === undefined) {
        this.log("warn", `${this.name}: bad result line: '${lineText(line)}'`);
        this.change("UNKNOWN");
        this.set({ buffer: new Uint8Array(0) });
        this.effects.push({ type: "rejected" });
        return false;
      }
      this.set({ resultLength: length });
      return true;
    }
    const needed = resultLength - result.length;
    let collected = result;
    if (needed > 0) {
      collected = concat(result, buffer.subarray(0, needed));
      this.set({ result: collected, buffer: buffer.subarray(needed) });
    }
    if (resultLength - collected.length === 0) {
      this.handleResult(collected);
      this.set({ resultLength: undefined, result: new Uint8Array(0) });
    }
    return true;
  }

  /** supervisord's default result handler: `OK` is processed, anything else rejected. */
  private handleResult(result: Uint8Array): void {
    if (new TextDecoder().decode(result) === OK && result.length === OK.length) {
      this.log("debug", `${this.name}: event was processed`);
      this.change("ACKNOWLEDGED");
      this.effects.push({ type: "processed" });
    } else {
      this.log("warn", `${this.name}: event was rejected`);
      this.change("ACKNOWLEDGED");
      this.effects.push({ type: "rejected" });
    }
  }

  private change(to: ListenerState): void {
    this.log("debug", `${this.name}: ${this.protocol.state} -> ${to}`);
    this.set({ state: to });
    if (to === "UNKNOWN")
      this.log(
        "warn",
        `${this.name}: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol`,
      );
  }

  private log(level: LogLevel, message: string): void {
    this.effects.push({ type: "log", level, message });
  }

  set(patch: Partial<ListenerProtocol>): void {
    this.protocol = { ...this.protocol, ...patch };
  }

  done(): ListenerStep {
    return { protocol: this.protocol, effects: this.effects };
  }
}

/** Python's int() of bytes: optional blanks and sign around digits (and single underscores). */
function pythonInt(bytes: Uint8Array): number | undefined {
  const text = new TextDecoder("latin1").decode(bytes);
  if (!/^\s*[+-]?\d+(?:_\d+)*\s*$/.test(text)) return undefined;
  return Number(text.replace(/_/g, "").trim());
}

function lineText(line: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(line);
  } catch {
    return `Undecodable: ${pyBytesRepr(line)}`;
  }
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.every((byte, index) => bytes[index] === byte);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  if (b.length === 0) return a;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
