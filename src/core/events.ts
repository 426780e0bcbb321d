// supervisord's events (supervisor/events.py): the event types and their
// hierarchy (a listener subscribed to PROCESS_STATE hears every
// PROCESS_STATE_*), the payload of each, and the envelope a listener reads:
// `ver:3.0 server:ID serial:N pool:P poolserial:M eventname:NAME len:L`, a
// newline, then the payload. Wire protocol, so the words are supervisord's.

import { pyBytesRepr } from "./python-repr.ts";
import type { ProcessStateName } from "./states.ts";

/** Every event type a listener may name, with the type it is a kind of. */
export const EVENT_TYPES = {
  EVENT: undefined,
  PROCESS_STATE: "EVENT",
  PROCESS_STATE_STOPPED: "PROCESS_STATE",
  PROCESS_STATE_EXITED: "PROCESS_STATE",
  PROCESS_STATE_STARTING: "PROCESS_STATE",
  PROCESS_STATE_STOPPING: "PROCESS_STATE",
  PROCESS_STATE_BACKOFF: "PROCESS_STATE",
  PROCESS_STATE_FATAL: "PROCESS_STATE",
  PROCESS_STATE_RUNNING: "PROCESS_STATE",
  PROCESS_STATE_UNKNOWN: "PROCESS_STATE",
  PROCESS_COMMUNICATION: "EVENT",
  PROCESS_COMMUNICATION_STDOUT: "PROCESS_COMMUNICATION",
  PROCESS_COMMUNICATION_STDERR: "PROCESS_COMMUNICATION",
  PROCESS_LOG: "EVENT",
  PROCESS_LOG_STDOUT: "PROCESS_LOG",
  PROCESS_LOG_STDERR: "PROCESS_LOG",
  REMOTE_COMMUNICATION: "EVENT",
  SUPERVISOR_STATE_CHANGE: "EVENT",
  SUPERVISOR_STATE_CHANGE_RUNNING: "SUPERVISOR_STATE_CHANGE",
  SUPERVISOR_STATE_CHANGE_STOPPING: "SUPERVISOR_STATE_CHANGE",
  TICK: "EVENT",
  TICK_5: "TICK",
  TICK_60: "TICK",
  TICK_3600: "TICK",
  PROCESS_GROUP: "EVENT",
  PROCESS_GROUP_ADDED: "PROCESS_GROUP",
  PROCESS_GROUP_REMOVED: "PROCESS_GROUP",
} as const;

export type EventTypeName = keyof typeof EVENT_TYPES;

/** The types events are raised as (never an abstract one such as PROCESS_STATE). */
export type RaisedEventName = Exclude<
  EventTypeName,
  | "EVENT"
  | "PROCESS_STATE"
  | "PROCESS_COMMUNICATION"
  | "PROCESS_LOG"
  | "SUPERVISOR_STATE_CHANGE"
  | "TICK"
  | "PROCESS_GROUP"
>;

export function isEventTypeName(name: string): name is EventTypeName {
  return Object.hasOwn(EVENT_TYPES, name);
}

/** Whether a listener subscribed to `subscribed` hears an event of type `raised`. */
export function isKindOf(raised: EventTypeName, subscribed: EventTypeName): boolean {
  let type: EventTypeName | undefined = raised;
  while (type !== undefined) {
    if (type === subscribed) return true;
    type = EVENT_TYPES[type];
  }
  return false;
}

/** One event as raised: its type and its payload text. */
export interface TendEvent {
  readonly type: RaisedEventName;
  readonly payload: string;
}

/** The tick periods and their event types (supervisord's TICK_EVENTS). */
export const TICKS = [
  { period: 5, type: "TICK_5" },
  { period: 60, type: "TICK_60" },
  { period: 3600, type: "TICK_3600" },
] as const;

/** The start of the period `when` (seconds) falls in: supervisord's timeslice. */
export function timeslice(period: number, when: number): number {
  return Math.trunc(when - (when % period));
}

/** What a process state event says about the process, as it was when it changed. */
export interface ProcessStateFacts {
  readonly name: string;
  readonly group: string;
  readonly from: ProcessStateName;
  readonly to: ProcessStateName;
  /** The process's pid at that moment (0 when none ran). */
  readonly pid: number;
  /** Its count of consecutive failed starts (supervisord's backoff). */
  readonly tries: number;
  readonly expected: boolean;
}

/** PROCESS_STATE_*: `processname:N groupname:G from_state:S` and the state's extras. */
export function processStateEvent(facts: ProcessStateFacts): TendEvent {
  const head = `processname:${facts.name} groupname:${facts.group} from_state:${facts.from}`;
  const extras: Partial<Record<ProcessStateName, string>> = {
    STARTING: ` tries:${facts.tries}`,
    BACKOFF: ` tries:${facts.tries}`,
    EXITED: ` expected:${facts.expected ? 1 : 0} pid:${facts.pid}`,
    RUNNING: ` pid:${facts.pid}`,
    STOPPING: ` pid:${facts.pid}`,
    STOPPED: ` pid:${facts.pid}`,
  };
  return { type: `PROCESS_STATE_${facts.to}`, payload: head + (extras[facts.to] ?? "") };
}

/** PROCESS_LOG_*: the bytes as read, after a header line. */
export function processLogEvent(
  name: string,
  group: string,
  pid: number,
  channel: "stdout" | "stderr",
  data: Uint8Array,
): TendEvent {
  return {
    type: channel === "stdout" ? "PROCESS_LOG_STDOUT" : "PROCESS_LOG_STDERR",
    payload: `processname:${name} groupname:${group} pid:${pid} channel:${channel}\n${textOf(data)}`,
  };
}

/** PROCESS_COMMUNICATION_*: what a program wrote between the capture tokens. */
export function processCommunicationEvent(
  name: string,
  group: string,
  pid: number,
  channel: "stdout" | "stderr",
  data: Uint8Array,
): TendEvent {
  return {
    type: channel === "stdout" ? "PROCESS_COMMUNICATION_STDOUT" : "PROCESS_COMMUNICATION_STDERR",
    payload: `processname:${name} groupname:${group} pid:${pid}\n${textOf(data)}`,
  };
}

/** REMOTE_COMMUNICATION, from sendRemoteCommEvent. */
export function remoteCommunicationEvent(type: string, data: string): TendEvent {
  return { type: "REMOTE_COMMUNICATION", payload: `type:${type}\n${data}` };
}

export function supervisorStateEvent(state: "RUNNING" | "STOPPING"): TendEvent {
  return { type: `SUPERVISOR_STATE_CHANGE_${state}`, payload: "" };
}

export function tickEvent(type: "TICK_5" | "TICK_60" | "TICK_3600", when: number): TendEvent {
  return { type, payload: `when:${when}` };
}

export function processGroupEvent(change: "ADDED" | "REMOVED", group: string): TendEvent {
  return { type: `PROCESS_GROUP_${change}`, payload: `groupname:${group}\n` };
}

/** Where one event goes: its global serial, the pool and the pool's own serial. */
export interface Delivery {
  readonly serial: number;
  readonly pool: string;
  readonly poolSerial: number;
  /** `[supervisord] identifier`. */
  readonly server: string;
}

/**
 * The header line and payload a listener reads. `len` counts characters, as
 * supervisord's Python does, not bytes: a listener reading its stdin as text
 * (as supervisor's childutils does) reads exactly the payload.
 */
export function envelope(event: TendEvent, delivery: Delivery): string {
  const length = [...event.payload].length;
  return (
    `ver:3.0 server:${delivery.server} serial:${delivery.serial} pool:${delivery.pool} ` +
    `poolserial:${delivery.poolSerial} eventname:${event.type} len:${length}\n${event.payload}`
  );
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Bytes as text, or `Undecodable: b'...'` when they are not UTF-8 (supervisord's words). */
export function textOf(data: Uint8Array): string {
  try {
    return strictUtf8.decode(data);
  } catch {
    return `Undecodable: ${pyBytesRepr(data)}`;
  }
}
