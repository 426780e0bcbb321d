// One short conversation over a fresh connection, for a probe: connect (TCP,
// a unix socket, TLS without checking the certificate), maybe say something,
// listen until the answer decides, then close. Always settles within its
// timeout, leaves no timer behind and closes what it opened.
//
// Bun.connect costs half what node:net does per probe, but a connect it has
// started cannot be abandoned: against a host that drops SYNs it holds its
// socket until the kernel gives up (about two minutes). So once a probe of
// an endpoint has timed out with its connect still pending, the following
// probes of that endpoint use node:net, whose pending connect can be
// destroyed, until that connect ends: at most one such socket per endpoint.

import type { ProbeOutcome } from "./probes.ts";

export type Endpoint =
  | { readonly host: string; readonly port: number }
  | { readonly path: string; readonly host?: undefined };

export interface Conversation {
  /** TLS over the connection: the name for SNI (none for an IP address). */
  readonly tls?: { readonly servername: string | undefined } | undefined;
  /** What to say once connected; nothing: being connected is the answer. */
  readonly say?: string | undefined;
  /** Bytes arrived: an outcome ends the conversation, undefined reads on. */
  readonly hear?: ((bytes: Uint8Array) => ProbeOutcome | undefined) | undefined;
  /** The peer closed before an outcome. */
  readonly hungUp?: (() => ProbeOutcome) | undefined;
}

/** Endpoints with a Bun.connect still pending after its probe timed out. */
const stalled = new Map<string, number>();

const keyOf = (endpoint: Endpoint): string =>
  endpoint.host === undefined ? `unix:${endpoint.path}` : `${endpoint.host}:${endpoint.port}`;

/** Every probe through node:net, as for a stalled endpoint (tests of that path). */
let alwaysAbandonable = false;

export function useAbandonableConnects(on: boolean): void {
  alwaysAbandonable = on;
}

/** How many connects to endpoints are left to the kernel to end (for tests). */
export function stalledConnects(): number {
  let total = 0;
  for (const count of stalled.values()) total += count;
  return total;
}

export function converse(
  endpoint: Endpoint,
  talk: Conversation,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let close = () => {};
    const finish = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      close();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish(timedOut(timeoutMs)), timeoutMs);
    const via = alwaysAbandonable || stalled.has(keyOf(endpoint)) ? viaNode : viaBun;
    try {
      close = via(endpoint, talk, finish, () => settled);
      if (settled) close(); // it ended before it could be closed
    } catch (error) {
      finish(failure(error));
    }
  });
}

type Finish = (outcome: ProbeOutcome) => void;

const OK: ProbeOutcome = { ok: true, message: "" };

/** Connected (and through the TLS handshake): say, or succeed. Returns the unsent rest. */
function connected(talk: Conversation, write: (text: string) => number, finish: Finish): string {
  if (talk.say === undefined) {
    finish(OK);
    return "";
  }
  const written = write(talk.say);
  return written < 0 ? "" : talk.say.slice(written);
}

function viaBun(
  endpoint: Endpoint,
  talk: Conversation,
  finish: Finish,
  settled: () => boolean,
): () => void {
  let socket: Bun.Socket<undefined> | undefined;
  let rest = "";
  const start = (s: Bun.Socket<undefined>) => {
    rest = connected(talk, (text) => s.write(text), finish);
  };
  const handlers: Bun.SocketHandler<undefined> = {
    open(s) {
      socket = s;
      if (settled()) s.terminate();
      else if (!talk.tls) start(s);
    },
    handshake(s, _authorized, error) {
      // Not authorized (self-signed...) is fine; no cipher means no TLS at all.
      if (s.getCipher()?.name) start(s);
      else finish(handshakeFailure(error));
    },
    drain(s) {
      if (rest !== "") rest = rest.slice(Math.max(0, s.write(rest)));
    },
    data(_s, bytes) {
      const outcome = talk.hear?.(bytes);
      if (outcome) finish(outcome);
    },
    close(_s, error) {
      finish(error ? failure(error) : (talk.hungUp?.() ?? hungUp()));
    },
    error(_s, error) {
      finish(failure(error));
    },
    connectError(_s, error) {
      finish(failure(error));
    },
  };
  const tls = talk.tls && {
    rejectUnauthorized: false,
    ...(talk.tls.servername ? { serverName: talk.tls.servername } : {}),
  };
  const connecting =
    endpoint.host === undefined
      ? Bun.connect({ unix: endpoint.path, socket: handlers, ...(tls ? { tls } : {}) })
      : Bun.connect({
          hostname: endpoint.host,
          port: endpoint.port,
          socket: handlers,
          ...(tls ? { tls } : {}),
        });
  let pending = true;
  let stalledHere = false;
  const key = keyOf(endpoint);
  const ended = () => {
    pending = false;
    if (!stalledHere) return;
    const left = (stalled.get(key) ?? 1) - 1;
    if (left > 0) stalled.set(key, left);
    else stalled.delete(key);
  };
  connecting.then((s) => {
    ended();
    if (settled()) s.terminate();
  }, ended);
  return () => {
    if (socket) socket.terminate();
    else if (pending) {
      stalledHere = true;
      stalled.set(key, (stalled.get(key) ?? 0) + 1);
    }
  };
}

type NodeSocket = import("node:net").Socket;

function viaNode(
  endpoint: Endpoint,
  talk: Conversation,
  finish: Finish,
  _settled: () => boolean,
): () => void {
  // Loaded only on this path: Node's modules cost an idle tend memory.
  const net = require("node:net") as typeof import("node:net");
  const where =
    endpoint.host === undefined
      ? { path: endpoint.path }
      : { host: endpoint.host, port: endpoint.port };
  let socket: NodeSocket;
  /** Connected over TCP, not yet through the TLS handshake. */
  let handshaking = false;
  if (talk.tls) {
    const tls = require("node:tls") as typeof import("node:tls");
    socket = tls.connect({
      ...where,
      rejectUnauthorized: false,
      ...(talk.tls.servername ? { servername: talk.tls.servername } : {}),
    });
    socket.once("connect", () => {
      handshaking = true;
    });
    socket.once("secureConnect", () => {
      handshaking = false;
      connected(talk, write, finish);
    });
  } else {
    socket = net.connect(where);
    socket.once("connect", () => connected(talk, write, finish));
  }
  function write(text: string): number {
    socket.write(text); // node:net queues what does not fit
    return text.length;
  }
  socket.on("data", (bytes: Uint8Array) => {
    const outcome = talk.hear?.(bytes);
    if (outcome) finish(outcome);
  });
  socket.once("error", (error) => finish(handshaking ? handshakeFailure(error) : failure(error)));
  socket.once("close", () =>
    finish(handshaking ? handshakeFailure(null) : (talk.hungUp?.() ?? hungUp())),
  );
  return () => socket.destroy();
}

export function timedOut(timeoutMs: number): ProbeOutcome {
  return { ok: false, message: `timed out after ${Number((timeoutMs / 1000).toFixed(3))} s` };
}

const hungUp = (): ProbeOutcome => ({ ok: false, message: "connection closed" });

/** The system's errors in a few words. */
const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOENT: "no such file",
  ENOTDIR: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOTSOCK: "not a socket",
  EPROTOTYPE: "not a stream socket",
  ENOTFOUND: "host not found",
  EAI_NONAME: "host not found",
  EAI_AGAIN: "host not found (temporary failure in name resolution)",
  EAI_FAIL: "host not found",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EADDRNOTAVAIL: "address not available",
  ETIMEDOUT: "connection timed out",
  EPIPE: "connection closed",
};

export function failure(error: unknown): ProbeOutcome {
  const code = String((error as { code?: unknown })?.code ?? "");
  const reason = REASONS[code];
  if (reason) return { ok: false, message: reason };
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, message: code && !message.includes(code) ? `${message} (${code})` : message };
}

function handshakeFailure(error: Error | null): ProbeOutcome {
  const code = String((error as { code?: unknown } | null)?.code ?? "");
  if (error === null || code === "ECONNRESET" || code === "EPIPE")
    return { ok: false, message: "TLS handshake failed: connection closed" };
  // OpenSSL's "error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER".
  const openssl = /:([A-Z0-9_]+)$/.exec(error?.message ?? "")?.[1];
  const reason = openssl?.toLowerCase().replaceAll("_", " ") ?? error?.message ?? "unknown";
  return { ok: false, message: `TLS handshake failed: ${reason}` };
}
