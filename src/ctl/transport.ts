// How `tend ctl` reaches a server: XML-RPC calls POSTed to /RPC2 and the
// /logtail and /mainlogtail streams read with GET, over a unix socket or
// TCP, as supervisorctl does. Actions see only the small `Server` interface,
// so they run against a fake in the unit tests.

import { acceptsConnections } from "../os/listening.ts";
import { RemoteFault } from "../protocol/faults.ts";
import { encodeMethodCall, parseMethodResponse, type XmlRpcValue } from "../protocol/xmlrpc.ts";

export interface Rpc {
  /** The method's value; throws RemoteFault, HttpStatusError or Unreachable. */
  call(method: string, ...params: XmlRpcValue[]): Promise<XmlRpcValue>;
}

/** How a followed stream ended. */
export type FollowEnd =
  | { readonly kind: "ended" }
  | { readonly kind: "stopped" }
  | { readonly kind: "status"; readonly status: number }
  | { readonly kind: "error"; readonly message: string };

export interface Server extends Rpc {
  /** Writes the body of GET `path` to `onData` as it arrives, until the server ends it or `stop` fires. */
  follow(path: string, onData: (bytes: Uint8Array) => void, stop: AbortSignal): Promise<FollowEnd>;
}

export interface ServerAddress {
  /** `unix:///path` or `http://host:port`, as given (messages quote it). */
  readonly url: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
}

/** The server answered with an HTTP status other than 200 (xmlrpclib's ProtocolError). */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(`${status} ${reason}`);
    this.name = "HttpStatusError";
  }
}

export type UnreachableReason = "refused" | "no-such-file" | "other";

/** Nothing answered at the address. */
export class Unreachable extends Error {
  constructor(
    readonly url: string,
    readonly reason: UnreachableReason,
    detail: string,
  ) {
    super(detail);
    this.name = "Unreachable";
  }
}

/** The address has a scheme supervisorctl cannot use (its transport's ValueError). */
export class BadServerUrl extends Error {
  constructor(readonly url: string) {
    super(`Unknown protocol for serverurl ${url}`);
    this.name = "BadServerUrl";
  }
}

interface Endpoint {
  /** `http://host:port` (for a unix socket the host is a placeholder). */
  readonly origin: string;
  readonly unix: string | undefined;
}

function endpointOf(url: string): Endpoint {
  if (url.startsWith("unix://")) return { origin: "http://localhost", unix: url.slice(7) };
  if (url.startsWith("http://")) {
    // Only host and port count: supervisorctl always posts to /RPC2.
    const parsed = URL.parse(url);
    if (parsed) return { origin: `http://${parsed.host}`, unix: undefined };
  }
  throw new BadServerUrl(url);
}

/** How long discovery waits for a TCP server to accept before it asks the next candidate. */
const ANSWER_TIMEOUT_MS = 1000;

/** Whether something accepts connections where `url` points (nothing is sent); false for a bad URL. */
export function serverAnswers(url: string): Promise<boolean> {
  let endpoint: Endpoint;
  try {
    endpoint = endpointOf(url);
  } catch {
    return Promise.resolve(false);
  }
  if (endpoint.unix !== undefined) return acceptsConnections({ path: endpoint.unix });
  const { hostname, port } = new URL(endpoint.origin);
  // An IPv6 host comes bracketed ([::1]); connect() wants it bare.
  const host = hostname.replace(/^\[(.*)\]$/, "$1");
  return acceptsConnections({ host, port: Number(port || 80) }, ANSWER_TIMEOUT_MS);
}

/** The real server at `address`. */
export function httpServer(address: ServerAddress): Server {
  const endpoint = endpointOf(address.url);
  const headers: Record<string, string> = { Accept: "text/xml" };
  // As supervisorctl: credentials go only when both are given.
  if (address.username !== undefined && address.password !== undefined) {
    const token = Buffer.from(`${address.username}:${address.password}`).toString("base64");
    headers.Authorization = `Basic ${token}`;
  }
  const request = (path: string, init: RequestInit) =>
    fetch(`${endpoint.origin}${path}`, {
      ...init,
      ...(endpoint.unix === undefined ? {} : { unix: endpoint.unix }),
      // A stop may wait out a long stopwaitsecs, a tail -f runs for hours.
      timeout: false,
    });

  return {
    async call(method, ...params) {
      let response: Response;
      try {
        response = await request("/RPC2", {
          method: "POST",
          headers: { ...headers, "Content-Type": "text/xml" },
          body: encodeMethodCall(method, params),
        });
      } catch (error) {
        throw unreachable(address.url, error);
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new HttpStatusError(response.status, response.statusText);
      }
      const reply = parseMethodResponse(await response.text());
      if (!reply.ok) throw new RemoteFault(reply.code, reply.message);
      return reply.value;
    },

    async follow(path, onData, stop) {
      let response: Response;
      try {
        response = await request(path, { method: "GET", headers, signal: stop });
      } catch (error) {
        if (stop.aborted) return { kind: "stopped" };
        return { kind: "error", message: `Cannot connect, error: ${describeNetworkError(error)}` };
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        return { kind: "status", status: response.status };
      }
      try {
        for await (const chunk of response.body ?? []) onData(chunk);
      } catch (error) {
        if (stop.aborted) return { kind: "stopped" };
        return { kind: "error", message: `Cannot connect, error: ${describeNetworkError(error)}` };
      }
      return stop.aborted ? { kind: "stopped" } : { kind: "ended" };
    },
  };
}

function unreachable(url: string, error: unknown): Unreachable {
  const code = (error as { code?: unknown }).code;
  const reason: UnreachableReason =
    code === "ECONNREFUSED" ? "refused" : code === "ENOENT" ? "no-such-file" : "other";
  return new Unreachable(url, reason, describeNetworkError(error));
}

function describeNetworkError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === "string" && !message.startsWith(code) ? `${code}: ${message}` : message;
}
