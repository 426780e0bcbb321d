// The control server: HTTP/1.1 on the unix socket (and on the inet port when
// configured), as supervisord serves it — XML-RPC at /RPC2, the /logtail and
// /mainlogtail streams — plus a JSON endpoint (/api) over the same command
// layer. Whatever a client sends, tend answers with an error or closes the
// connection; nothing a client does reaches the supervision.

import { nextWrite } from "../logging/followers.ts";
import type { LogReader } from "../logging/log-reader.ts";
import { faultFrom } from "../protocol/faults.ts";
import {
  encodeFault,
  encodeMethodResponse,
  parseMethodCall,
  XmlRpcParseError,
  type XmlRpcValue,
} from "../protocol/xmlrpc.ts";
import { MAX_NESTING } from "../protocol/xmlrpc-value.ts";
import { crossSiteReason } from "./browser-safety.ts";
import type { ClientPool } from "./client-pool.ts";
import type { Dashboard } from "./dashboard.ts";
import { type HealthSource, healthResponse, isHealthPath, splitUrl } from "./health.ts";
import { type Http1Server, type Rejection, STREAM_HEADER, serveHttp1 } from "./http1.ts";
import type { Head } from "./http1-head.ts";
import { plain } from "./replies.ts";
import { clientText, Throttle } from "./throttle.ts";

/** No XML-RPC request of supervisorctl comes near this; a bigger body is refused (413) unread. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
/** How far back a /logtail stream begins (supervisord: 1024 bytes). */
const TAIL_HEAD_BYTES = 1024;
const TAIL_CHUNK_BYTES = 64 * 1024;

export interface Credentials {
  readonly username: string | undefined;
  readonly password: string | undefined;
}

/** Where /logtail finds a process's log: a reader, "none" (no log), or undefined (no such process). */
export type LogLookup = (
  namespec: string,
  channel: "stdout" | "stderr",
) => LogReader | "none" | undefined;

/**
 * Runs one method of the command layer; a fault is thrown as RpcFault. The
 * signal is aborted when the client goes away, so a waiting method gives up.
 */
export type Call = (
  method: string,
  params: readonly XmlRpcValue[],
  context: { readonly signal?: AbortSignal },
) => Promise<XmlRpcValue>;

export interface ControlServerOptions {
  readonly call: Call;
  readonly processLog: LogLookup;
  readonly mainLog: () => LogReader | undefined;
  readonly report: (level: "warn" | "error", message: string) => void;
  /** Connections and buffered bytes, shared by every listener. */
  readonly pool: ClientPool;
  /** /livez, /readyz, /metrics, behind this server's auth. */
  readonly health?: HealthSource | undefined;
  /** The dashboard at / and /ui/, behind this server's auth. */
  readonly dashboard?: Dashboard | undefined;
  /** Told, after each answer, the larger of its request's body and its reply (sent whole). */
  readonly afterAnswer?: ((bytes: number) => void) | undefined;
}

export type Listen =
  | { readonly kind: "unix"; readonly path: string; readonly credentials: Credentials }
  | {
      readonly kind: "inet";
      readonly host: string;
      readonly port: number;
      readonly credentials: Credentials;
    };

/** The largest request line and headers: supervisorctl's are a few hundred bytes. */
export const MAX_HEADER_BYTES = 64 * 1024;
/** A connection that does not complete a request within this is closed. */
export const IDLE_SECONDS = 60;

/** Serves the control API on one listener; stop() closes it. */
export function serveControl(listen: Listen, options: ControlServerOptions): Http1Server {
  const where = listen.kind === "unix" ? `unix://${listen.path}` : `${listen.host}:${listen.port}`;
  // Credentials are checked on the head, before any of the body is read.
  const unauthorized = new Throttle(
    (message) => options.report("warn", message),
    "unauthorized requests",
  );
  const crossSite = new Throttle(
    (message) => options.report("warn", message),
    "cross-site requests refused",
  );
  const screen = (head: Head): Rejection | undefined => {
    const reason = crossSiteReason(head, listen.kind === "inet");
    if (reason !== undefined) {
      crossSite.note(() => `control: cross-site request refused on ${where}: ${reason}`);
      return { status: 403, text: "Forbidden: a cross-site request" };
    }
    if (authorized(head.headers, listen.credentials)) return undefined;
    unauthorized.note(
      () => `control: unauthorized request (${describeUser(head.headers)}) on ${where}`,
    );
    return {
      status: 401,
      text: "Unauthorized",
      headers: { "WWW-Authenticate": 'Basic realm="default"' },
    };
  };
  const handler = (request: Request): Promise<Response> =>
    route(request, options).catch((error: unknown) => {
      options.report("error", `control: ${error instanceof Error ? error.message : String(error)}`);
      return plain(500, "Internal Server Error\n");
    });
  const limits = {
    maxBodyBytes: MAX_REQUEST_BYTES,
    maxHeaderBytes: MAX_HEADER_BYTES,
    idleSeconds: IDLE_SECONDS,
    afterAnswer: options.afterAnswer,
  };
  const http = { limits, pool: options.pool, screen, handler };
  const server =
    listen.kind === "unix"
      ? serveHttp1({ unix: listen.path }, http)
      : serveHttp1({ hostname: listen.host, port: listen.port }, http);
  return {
    stop: () => {
      server.stop();
      unauthorized.close();
      crossSite.close();
    },
  };
}

async function route(request: Request, options: ControlServerOptions): Promise<Response> {
  const { path, query } = splitUrl(request.url);
  if (path === "/RPC2") {
    if (request.method !== "POST") return plain(400, "Bad Request: XML-RPC wants POST\n");
    return xmlRpc(await request.text(), options.call, request.signal);
  }
  if (path === "/api") {
    if (request.method !== "POST") return plain(400, "Bad Request: the JSON API wants POST\n");
    return jsonApi(await request.text(), options.call, request.signal);
  }
  if (path === "/mainlogtail" || path.startsWith("/logtail/")) {
    if (request.method !== "GET") return plain(400, "Bad Request\n");
    const log = path === "/mainlogtail" ? options.mainLog() : processLogOf(path, options);
    if (log === undefined) return plain(404, "Not Found\n");
    return followLog(log, request.signal);
  }
  if (options.health !== undefined && isHealthPath(path))
    return healthResponse(request.method, path, query, options.health);
  if (options.dashboard !== undefined && isDashboardPath(path))
    return dashboardCode().dashboardResponse(request, path, query, options.dashboard);
  return plain(404, "Not Found\n");
}

/** `/logtail/NAME[/CHANNEL]`, channel stdout by default, as supervisord's logtail handler. */
function processLogOf(path: string, options: ControlServerOptions): LogReader | undefined {
  const rest = path.slice("/logtail/".length).replace(/^\/+/, "");
  const slash = rest.indexOf("/");
  const name = slash < 0 ? rest : rest.slice(0, slash);
  const channel = slash < 0 ? "stdout" : rest.slice(slash + 1);
  if (channel !== "stdout" && channel !== "stderr") return undefined;
  const log = options.processLog(name, channel);
  return log === "none" ? undefined : log;
}

async function xmlRpc(body: string, call: Call, signal: AbortSignal): Promise<Response> {
  let request: { method: string; params: XmlRpcValue[] };
  try {
    request = parseMethodCall(body);
  } catch (error) {
    if (error instanceof XmlRpcParseError) return plain(400, `Bad Request: ${error.message}\n`);
    throw error;
  }
  let xml: string;
  try {
    xml = encodeMethodResponse(await call(request.method, request.params, { signal }));
  } catch (error) {
    const fault = faultFrom(error);
    xml = encodeFault(fault.code, fault.message);
  }
  return new Response(xml, { headers: { "Content-Type": "text/xml" } });
}

/**
 * tend's JSON endpoint: POST {"method", "params"} → {"result"} or
 * {"fault": {"code", "string"}}, for curl and scripts.
 */
async function jsonApi(body: string, call: Call, signal: AbortSignal): Promise<Response> {
  // JSON.parse takes any depth; a client's [[[[...]]]] would cost tend ~100 MiB per MiB.
  if (nestedDeeper(body, MAX_NESTING + 2))
    return plain(400, `Bad Request: arrays and objects nest deeper than ${MAX_NESTING}\n`);
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch (error) {
    return plain(400, `Bad Request: ${(error as Error).message}\n`);
  }
  const { method, params = [] } = (request ?? {}) as { method?: unknown; params?: unknown };
  if (typeof method !== "string" || !Array.isArray(params))
    return plain(400, 'Bad Request: expected {"method": "...", "params": [...]}\n');
  let reply: unknown;
  try {
    reply = { result: await call(method, params as XmlRpcValue[], { signal }) };
  } catch (error) {
    const fault = faultFrom(error);
    reply = { fault: { code: fault.code, string: fault.message } };
  }
  return new Response(`${JSON.stringify(reply, jsonBytes)}\n`, {
    headers: { "Content-Type": "application/json" },
  });
}

/** Whether JSON text nests arrays and objects deeper than `most` (strings skipped). */
export function nestedDeeper(text: string, most: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > most) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

function jsonBytes(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value;
}

/**
 * A stream of a log as it grows: the last 1 KiB first, then new bytes as
 * they are written, "==> File truncated <==" when it was cleared, until the
 * client goes away. Woken by the log's writes, never by a timer.
 */
function followLog(log: LogReader, gone: AbortSignal): Response {
  let position = Math.max(0, log.size() - TAIL_HEAD_BYTES);
  const cancelled = new AbortController();
  const ended = AbortSignal.any([gone, cancelled.signal]);
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Resolves once something was sent (Bun then asks for more).
      for (;;) {
        try {
          const size = log.size();
          if (size < position) {
            position = 0;
            controller.enqueue(new TextEncoder().encode("==> File truncated <==\n"));
            return;
          }
          if (size > position) {
            const bytes = log.read(position, Math.min(size - position, TAIL_CHUNK_BYTES));
            position += bytes.length;
            if (bytes.length > 0) {
              controller.enqueue(bytes);
              return;
            }
            position = size;
          }
        } catch {
          controller.close();
          return;
        }
        const change = await nextWrite(log, position, ended);
        if (ended.aborted || change.kind === "ended") {
          controller.close();
          return;
        }
      }
    },
    cancel: () => cancelled.abort(),
  });
  return new Response(stream, {
    headers: {
      "Content-Type": "text/plain;charset=utf-8",
      "X-Accel-Buffering": "no",
      [STREAM_HEADER]: "1",
    },
  });
}

/** Basic auth as supervisord: plain password, or `{SHA}` and the SHA-1 hex of it. */
export function authorized(headers: Headers, credentials: Credentials): boolean {
  if (credentials.username === undefined) return true;
  const header = headers.get("authorization") ?? "";
  const match = /^Basic\s+(\S+)$/i.exec(header);
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  const user = decoded.slice(0, colon);
  const given = decoded.slice(colon + 1);
  const stored = credentials.password ?? "";
  const expected = stored.startsWith("{SHA}")
    ? `{SHA}${crypto().createHash("sha1").update(given).digest("hex")}`
    : given;
  return sameText(user, credentials.username) && sameText(expected, stored);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && crypto().timingSafeEqual(left, right);
}

/** node:crypto, loaded by the first request that carries credentials: it costs run mode's start about 3 ms. */
function crypto(): typeof import("node:crypto") {
  return require("node:crypto") as typeof import("node:crypto");
}

/** Which credentials a refused request gave: the user name escaped (it is the client's text). */
function describeUser(headers: Headers): string {
  const header = headers.get("authorization");
  if (!header) return "no credentials";
  const match = /^Basic\s+(\S+)$/i.exec(header);
  if (!match?.[1]) return "malformed credentials";
  const user = Buffer.from(match[1], "base64").toString("utf8").split(":")[0] ?? "";
  return `bad credentials for user ${clientText(user)}`;
}

/** The dashboard's routes: `/` and everything under `/ui/`. */
function isDashboardPath(path: string): boolean {
  return path === "/" || path.startsWith("/ui/");
}

/**
 * The dashboard's code (its page, feed, streams and actions, ~100 KB), read
 * by the first request for it: a tend nobody opens the page of never loads it.
 */
function dashboardCode(): typeof import("./dashboard.ts") {
  return require("./dashboard.ts") as typeof import("./dashboard.ts");
}
