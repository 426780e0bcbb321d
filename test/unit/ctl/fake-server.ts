// A scripted server for the `tend ctl` unit tests: methods answer from a
// table (unknown ones fault UNKNOWN_METHOD, as supervisord), every call is
// recorded, and runCtl runs against it with captured stdout and stderr.

import { Readable } from "node:stream";
import { ProcessState, type ProcessStateName } from "../../../src/core/states.ts";
import { Interrupts } from "../../../src/ctl/controller.ts";
import { type CtlIo, runCtl } from "../../../src/ctl/main.ts";
import type { FollowEnd, Server } from "../../../src/ctl/transport.ts";
import { type FaultName, Faults, RemoteFault } from "../../../src/protocol/faults.ts";
import type { XmlRpcValue } from "../../../src/protocol/xmlrpc.ts";

export type Handler = (...params: XmlRpcValue[]) => XmlRpcValue | Promise<XmlRpcValue>;

/** A stream the fake serves at a /logtail or /mainlogtail path. */
export interface FakeStream {
  readonly chunks: readonly string[];
  /** How it ends; "hold" keeps it open until stopped. */
  readonly end: FollowEnd | "hold";
}

export class FakeServer implements Server {
  readonly calls: { method: string; params: XmlRpcValue[] }[] = [];
  readonly streams = new Map<string, FakeStream>();
  readonly followed: string[] = [];
  /** Called once a followed stream has sent its chunks. */
  onStreaming: () => void = () => {};

  constructor(public handlers: Record<string, Handler> = {}) {
    this.handlers = { "supervisor.getVersion": () => "3.0", ...handlers };
  }

  async call(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue> {
    this.calls.push({ method, params });
    const handler = this.handlers[method];
    if (!handler) throw new RemoteFault(Faults.UNKNOWN_METHOD, "UNKNOWN_METHOD");
    return handler(...params);
  }

  async follow(
    path: string,
    onData: (bytes: Uint8Array) => void,
    stop: AbortSignal,
  ): Promise<FollowEnd> {
    this.followed.push(path);
    const stream = this.streams.get(path) ?? { chunks: [], end: { kind: "status", status: 404 } };
    for (const chunk of stream.chunks) onData(new TextEncoder().encode(chunk));
    this.onStreaming();
    if (stream.end !== "hold") return stream.end;
    if (!stop.aborted)
      await new Promise((resolve) => stop.addEventListener("abort", resolve, { once: true }));
    return { kind: "stopped" };
  }

  /** The methods called, without the upcheck's getVersion. */
  methods(): string[] {
    return this.calls
      .map((call) => call.method)
      .filter((method) => method !== "supervisor.getVersion");
  }
}

/** Throws the fault supervisord raises: `NAME` or `NAME: detail`. */
export function fault(name: FaultName, detail?: string): never {
  throw new RemoteFault(Faults[name], detail === undefined ? name : `${name}: ${detail}`);
}

/** A getProcessInfo struct. */
export function info(
  namespec: string,
  statename: ProcessStateName,
  description = "",
  pid = 0,
): Record<string, XmlRpcValue> {
  const [group, name] = namespec.includes(":") ? namespec.split(":") : [namespec, namespec];
  return {
    name: name as string,
    group: group as string,
    state: ProcessState[statename],
    statename,
    description,
    pid,
  };
}

/** A result struct of the *All / *Group methods. */
export function result(
  namespec: string,
  status: FaultName,
  description = "OK",
): Record<string, XmlRpcValue> {
  const [group, name] = namespec.includes(":") ? namespec.split(":") : [namespec, namespec];
  return { name: name as string, group: group as string, status: Faults[status], description };
}

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** runCtl against `server`, no config, nothing from the environment. */
export async function ctl(
  args: readonly string[],
  server: Server,
  io: Partial<CtlIo> & { input?: string } = {},
): Promise<Ran> {
  let stdout = "";
  let stderr = "";
  const { input, ...rest } = io;
  const code = await runCtl(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stdin: Readable.from(input === undefined ? [] : [input]),
    env: {},
    searchConfig: () => undefined,
    connect: () => server,
    interrupts: new Interrupts(),
    ...rest,
  });
  return { code, stdout, stderr };
}

/** The lines of some output, without the final newline's empty one. */
export function lines(text: string): string[] {
  return text.replace(/\n$/, "").split("\n");
}
