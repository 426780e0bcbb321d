// A small HTTP/1.1 server over Bun's raw sockets, speaking web Request and
// Response to its handler. Not Bun.serve, because supervisorctl's `tail -f`
// client ends its request with one CRLF too many, which Bun.serve answers
// with a 400 in the middle of the stream (RFC 9112 §2.2 asks servers to
// ignore such empty lines), and sends an empty Host, which Bun.serve cannot
// turn into a request URL.
//
// Every client is a possible attacker, and tend is PID 1: a request's head
// is read (at most maxHeaderBytes) and screened (credentials) before any of
// its body is; a body is read into one buffer of its announced size, which
// must fit in a budget shared by every connection (ClientPool), as must
// replies a client is slow to take; connections are capped and the idle
// ones make way for new ones; a connection that does not complete a request
// in time, or stops taking its reply, is closed.

import type { Socket, TCPSocketListener, UnixSocketListener } from "bun";
import type { ClientPool, PoolMember } from "./client-pool.ts";
import { type Head, isRefusal, parseHead } from "./http1-head.ts";

export interface Http1Limits {
  /** A bigger body is refused with 413, before it is read. */
  readonly maxBodyBytes: number;
  /** A bigger request line + headers is refused with 431; also what a client may send ahead while answered. */
  readonly maxHeaderBytes: number;
  /** A connection that does not complete a request within this, or takes none of its reply for this long, is closed. */
  readonly idleSeconds: number;
  /**
   * Told, after each answer, the larger of its request's body and its reply
   * (sent whole): reading a big request leaves garbage as encoding a big reply
   * does (the process's memory policy listens).
   */
  readonly afterAnswer?: ((bytes: number) => void) | undefined;
}

/** A request refused on its head: status, one line of text, extra headers. */
export interface Rejection {
  readonly status: number;
  readonly text: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Http1Options {
  readonly limits: Http1Limits;
  /** Connections and buffered bytes, shared by every listener. */
  readonly pool: ClientPool;
  /** Sees each request's head before its body is read; a rejection is sent and the connection closed. */
  readonly screen?: (head: Head) => Rejection | undefined;
  readonly handler: Http1Handler;
}

export type Http1Handler = (request: Request) => Promise<Response> | Response;

export type Http1Address =
  | { readonly unix: string }
  | { readonly hostname: string; readonly port: number };

export interface Http1Server {
  stop(): void;
}

const CRLF = new Uint8Array([13, 10]);
const HEADER_END = Buffer.from("\r\n\r\n");
const EMPTY = Buffer.alloc(0);
/** How long a refused connection waits for its client to close before it is closed anyway. */
const LINGER_MS = 2_000;
const encoder = new TextEncoder();

/** Serves `options.handler` on a unix socket or a TCP port. */
export function serveHttp1(address: Http1Address, options: Http1Options): Http1Server {
  const socketHandler = {
    open(socket: Socket<Connection>) {
      const connection = new Connection(socket, options);
      socket.data = connection;
      if (options.pool.admit(connection)) socket.timeout(options.limits.idleSeconds);
      else connection.turnAway();
    },
    data(socket: Socket<Connection>, chunk: Buffer) {
      socket.data?.received(chunk);
    },
    drain(socket: Socket<Connection>) {
      socket.data?.flush();
    },
    close(socket: Socket<Connection>) {
      socket.data?.closed();
    },
    timeout(socket: Socket<Connection>) {
      socket.data?.timedOut();
    },
    error(socket: Socket<Connection>) {
      socket.data?.closed();
    },
  };
  let listener: UnixSocketListener<Connection> | TCPSocketListener<Connection>;
  if ("unix" in address) {
    listener = Bun.listen<Connection>({ unix: address.unix, socket: socketHandler });
  } else {
    listener = Bun.listen<Connection>({
      hostname: address.hostname,
      port: address.port,
      socket: socketHandler,
    });
  }
  return { stop: () => listener.stop(true) };
}

/** One client connection: requests one after another, each answered before the next is read. */
class Connection implements PoolMember {
  /** Bytes received and not yet taken: input.subarray(0, inputLength). */
  private input: Buffer = EMPTY;
  private inputLength = 0;
  /** Where the search for the end of the head resumes. */
  private scanFrom = 0;
  /** The body being received, in a buffer of its announced size. */
  private body: { head: Head; bytes: Buffer; filled: number } | undefined;
  /** The announced body's bytes, counted against the pool from its head until it is answered. */
  private reserved = 0;
  private output: Uint8Array[] = [];
  /** Bytes in `output`, counted against the pool's reply budget. */
  private queued = 0;
  private aborter: AbortController | undefined;
  private gone = false;
  /** Refused: what the client still sends is dropped. */
  private refused = false;
  private lingering: ReturnType<typeof setTimeout> | undefined;
  /** Set while a request is being answered (or refused). */
  busy = false;
  private flushed: (() => void) | undefined;
  private readonly limits: Http1Limits;
  private readonly pool: ClientPool;

  constructor(
    private readonly socket: Socket<Connection>,
    private readonly options: Http1Options,
  ) {
    this.limits = options.limits;
    this.pool = options.pool;
  }

  get held(): number {
    return this.inputLength + this.reserved;
  }

  received(chunk: Buffer): void {
    if (this.gone || this.refused) return;
    this.pool.touch(this);
    let rest = chunk;
    const body = this.body;
    if (body !== undefined) {
      const take = Math.min(rest.length, body.bytes.length - body.filled);
      rest.copy(body.bytes, body.filled, 0, take);
      body.filled += take;
      rest = rest.subarray(take);
      if (body.filled < body.bytes.length) return;
      this.body = undefined;
      if (!this.keep(rest)) return;
      void this.answer(body.head, body.bytes);
      return;
    }
    if (!this.keep(rest)) return;
    if (!this.busy) this.next();
  }

  /**
   * Adds bytes to the input, within the pool's budget. While a request is
   * answered, only what a head may hold is kept for later (a pipelined
   * request, supervisorctl's extra CRLF); a client that keeps sending is
   * cut off rather than buffered — tend's memory is not the client's.
   */
  private keep(bytes: Buffer): boolean {
    if (bytes.length === 0) return true;
    if (this.busy && this.inputLength + bytes.length > this.limits.maxHeaderBytes) {
      this.cut();
      return false;
    }
    if (!this.pool.takeRequestBytes(this, bytes.length)) {
      if (this.busy) this.cut();
      else this.refuse(503, "Service Unavailable: too many unfinished requests");
      return false;
    }
    const needed = this.inputLength + bytes.length;
    if (needed > this.input.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.input.length * 2, 1024));
      this.input.copy(grown, 0, 0, this.inputLength);
      this.input = grown;
    }
    bytes.copy(this.input, this.inputLength);
    this.inputLength = needed;
    return true;
  }

  /** Drops the first `count` bytes of the input. */
  private consume(count: number): void {
    this.input.copy(this.input, 0, count, this.inputLength);
    this.inputLength -= count;
    this.scanFrom = Math.max(0, this.scanFrom - count);
    this.pool.giveRequestBytes(count);
    if (this.inputLength === 0 && this.input.length > 64 * 1024) this.input = EMPTY;
  }

  /** Parses the next request from the input once its head is there; answers it once its body is. */
  private next(): void {
    // Empty lines before a request line are ignored (RFC 9112 §2.2).
    let start = 0;
    while (start + 1 < this.inputLength && this.input[start] === 13 && this.input[start + 1] === 10)
      start += 2;
    if (start > 0) this.consume(start);
    const end = this.input.subarray(0, this.inputLength).indexOf(HEADER_END, this.scanFrom);
    if (end < 0) {
      this.scanFrom = Math.max(0, this.inputLength - (HEADER_END.length - 1));
      if (this.inputLength > this.limits.maxHeaderBytes)
        this.refuse(431, "Request Header Fields Too Large");
      return;
    }
    if (end > this.limits.maxHeaderBytes) {
      this.refuse(431, "Request Header Fields Too Large");
      return;
    }
    const head = parseHead(this.input.toString("latin1", 0, end));
    this.consume(end + HEADER_END.length);
    this.scanFrom = 0;
    if (isRefusal(head)) {
      this.refuse(head.status, head.text);
      return;
    }
    if (head.length > this.limits.maxBodyBytes) {
      this.refuse(413, "Payload Too Large");
      return;
    }
    const rejection = this.options.screen?.(head);
    if (rejection) {
      this.refuse(rejection.status, rejection.text, rejection.headers);
      return;
    }
    if (head.length === 0) {
      void this.answer(head, EMPTY);
      return;
    }
    if (!this.pool.takeRequestBytes(this, head.length)) {
      this.refuse(503, "Service Unavailable: too many unfinished requests");
      return;
    }
    this.reserved = head.length;
    // Its own memory (never a slice of a shared pool): it becomes the Request's body.
    const bytes = Buffer.allocUnsafeSlow(head.length);
    const take = Math.min(this.inputLength, head.length);
    this.input.copy(bytes, 0, 0, take);
    this.consume(take);
    if (take === head.length) void this.answer(head, bytes);
    else this.body = { head, bytes, filled: take };
  }

  private async answer(head: Head, body: Buffer): Promise<void> {
    this.busy = true;
    this.socket.timeout(0);
    this.aborter = new AbortController();
    try {
      const request = new Request(`http://localhost${head.target}`, {
        method: head.method,
        headers: head.headers,
        body: head.method === "GET" || head.method === "HEAD" ? undefined : body,
        signal: this.aborter.signal,
      });
      const response = await this.options.handler(request);
      const replied = await this.write(response, head.method === "HEAD", head.keepAlive);
      this.limits.afterAnswer?.(Math.max(body.length, replied));
    } catch {
      await this.write(new Response("Internal Server Error\n", { status: 500 }), false, false);
      this.socket.end();
      return;
    } finally {
      this.busy = false;
      this.pool.giveRequestBytes(this.reserved);
      this.reserved = 0;
    }
    if (this.gone) return;
    if (!head.keepAlive) {
      this.socket.end();
      return;
    }
    this.socket.timeout(this.limits.idleSeconds);
    this.pool.touch(this);
    if (this.inputLength > 0) this.next();
  }

  /** Sends the response; resolves to the size of a body sent whole (0 for a stream). */
  private async write(response: Response, headOnly: boolean, keepAlive: boolean): Promise<number> {
    const lines = [`HTTP/1.1 ${response.status} ${response.statusText || reason(response.status)}`];
    response.headers.forEach((value, name) => {
      if (!HOP_HEADERS.has(name)) lines.push(`${name}: ${value}`);
    });
    lines.push(`Date: ${new Date().toUTCString()}`);
    if (!keepAlive) lines.push("Connection: close");
    // HEAD of a stream (a log followed, the dashboard's events): the head
    // alone; its body, which may never end, is not read.
    if (headOnly && !isFixed(response)) {
      void response.body?.cancel().catch(() => {});
      await this.send(encoder.encode(`${lines.join("\r\n")}\r\n\r\n`));
      return 0;
    }
    const stream = !headOnly && response.body && !isFixed(response) ? response.body : undefined;
    if (stream) {
      lines.push("Transfer-Encoding: chunked");
      await this.send(encoder.encode(`${lines.join("\r\n")}\r\n\r\n`));
      const reader = stream.getReader();
      const stop = () => void reader.cancel().catch(() => {});
      this.aborter?.signal.addEventListener("abort", stop, { once: true });
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done || this.gone) break;
          if (value.length === 0) continue;
          await this.send(
            Buffer.concat([encoder.encode(value.length.toString(16)), CRLF, value, CRLF]),
          );
        }
        await this.send(encoder.encode("0\r\n\r\n"));
      } finally {
        stop();
      }
      return 0;
    }
    const body = new Uint8Array(await response.arrayBuffer());
    // HEAD: the length a GET would carry, without the body.
    lines.push(`Content-Length: ${body.length}`);
    const bytes = headOnly ? new Uint8Array(0) : body;
    await this.send(Buffer.concat([encoder.encode(`${lines.join("\r\n")}\r\n\r\n`), bytes]));
    return bytes.length;
  }

  /**
   * Writes `bytes`; what the socket does not take at once waits, within the
   * pool's reply budget (past it the connection is cut), until the client
   * reads it. Resolves when everything queued is written.
   */
  private send(bytes: Uint8Array): Promise<void> {
    if (this.gone) return Promise.resolve();
    let rest = bytes;
    if (this.output.length === 0) {
      const written = this.socket.write(bytes);
      if (written >= bytes.length) return Promise.resolve();
      rest = bytes.subarray(Math.max(0, written));
    }
    if (!this.pool.takeReplyBytes(rest.length)) {
      this.cut();
      return Promise.resolve();
    }
    this.output.push(rest);
    this.queued += rest.length;
    // A client that takes none of it for this long is gone for our purposes.
    this.socket.timeout(this.limits.idleSeconds);
    return new Promise((resolve) => {
      const before = this.flushed;
      this.flushed = () => {
        before?.();
        resolve();
      };
    });
  }

  /** Writes what is queued; the socket calls again when it can take more. */
  flush(): void {
    let progress = false;
    while (this.output.length > 0 && !this.gone) {
      const head = this.output[0] as Uint8Array;
      const written = Math.max(0, this.socket.write(head));
      const taken = Math.min(written, head.length);
      if (taken > 0) {
        progress = true;
        this.queued -= taken;
        this.pool.giveReplyBytes(taken);
      }
      if (taken < head.length) {
        this.output[0] = head.subarray(taken);
        if (progress) this.socket.timeout(this.limits.idleSeconds);
        return;
      }
      this.output.shift();
    }
    if (this.busy && !this.refused && !this.gone) this.socket.timeout(0);
    const resolve = this.flushed;
    this.flushed = undefined;
    resolve?.();
  }

  closed(): void {
    if (this.gone) return;
    this.gone = true;
    clearTimeout(this.lingering);
    this.pool.leave(this);
    this.pool.giveRequestBytes(this.inputLength + this.reserved);
    this.pool.giveReplyBytes(this.queued);
    this.input = EMPTY;
    this.inputLength = 0;
    this.reserved = 0;
    this.body = undefined;
    this.output = [];
    this.queued = 0;
    this.aborter?.abort();
    const resolve = this.flushed;
    this.flushed = undefined;
    resolve?.();
  }

  /** Closed by the pool to make way for another. */
  evict(): void {
    this.cut();
  }

  /** Closes at once, whatever is pending. */
  private cut(): void {
    if (this.gone) return;
    this.socket.terminate();
    this.closed();
  }

  timedOut(): void {
    if (this.gone) return;
    // A request not completed in time, or a reply its client stopped taking.
    if (!this.busy || this.refused || this.output.length > 0) this.cut();
  }

  /** Not admitted (every connection is busy): told so, and closed. */
  turnAway(): void {
    this.gone = true;
    this.refused = true;
    this.socket.write(refusal(503, "Service Unavailable: too many connections"));
    this.socket.end();
  }

  /**
   * An error reply, then the connection is closed (what follows cannot be
   * trusted). What the client still sends is dropped, unread.
   */
  private refuse(
    status: number,
    text: string,
    headers: Readonly<Record<string, string>> = {},
  ): void {
    this.busy = true;
    this.refused = true;
    this.pool.giveRequestBytes(this.inputLength);
    this.input = EMPTY;
    this.inputLength = 0;
    this.socket.timeout(this.limits.idleSeconds);
    void this.send(refusal(status, text, headers)).then(() => this.linger());
  }

  /**
   * The refusal is out: the write side is shut (the client sees its end),
   * and the connection is closed once the client closes too, or after
   * LINGER_MS. Closed at once, a socket with the client's unread bytes sends
   * a reset, which can make the client lose the reply it has not read yet
   * (a body still being sent when a 401 or 413 came). While it lingers it
   * is idle for the pool: the first to make way.
   */
  private linger(): void {
    if (this.gone) return;
    this.busy = false;
    this.socket.shutdown();
    this.lingering = setTimeout(() => this.cut(), LINGER_MS);
  }
}

/** A plain-text error reply that closes the connection. */
function refusal(
  status: number,
  text: string,
  headers: Readonly<Record<string, string>> = {},
): Uint8Array {
  const body = encoder.encode(`${text}\n`);
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  const head = `HTTP/1.1 ${status} ${reason(status)}\r\n${extra.join("")}Content-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  return Buffer.concat([encoder.encode(head), body]);
}

/** The header a handler sets on a response whose body is a stream to send as it comes (chunked). */
export const STREAM_HEADER = "x-tend-stream";
const HOP_HEADERS = new Set(["content-length", "transfer-encoding", "connection", STREAM_HEADER]);

function isFixed(response: Response): boolean {
  return response.headers.get(STREAM_HEADER) === null;
}

function reason(status: number): string {
  const reasons: Record<number, string> = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Payload Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
  };
  return reasons[status] ?? "Unknown";
}
