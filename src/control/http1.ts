// A small HTTP/1.1 server over Bun's raw sockets, speaking web Request and
// Response to its handler. Not Bun.serve, because supervisorctl's `tail -f`
// client ends its request with one CRLF too many, which Bun.serve answers
// with a 400 in the middle of the stream (RFC 9112 §2.2 asks servers to
// ignore such empty lines), and sends an empty Host, which Bun.serve cannot
// turn into a request URL. Limits are explicit: header block, body size, idle
// time of a connection that has not finished a request.

import type { Socket, TCPSocketListener, UnixSocketListener } from "bun";
import { type Head, isRefusal, parseHead } from "./http1-head.ts";

export interface Http1Limits {
  /** A bigger body is refused with 413, before it is read. */
  readonly maxBodyBytes: number;
  /** A bigger request line + headers is refused with 431. */
  readonly maxHeaderBytes: number;
  /** A connection that does not complete a request within this is closed. */
  readonly idleSeconds: number;
  /** Told the size of every reply sent whole (the process's memory policy listens). */
  readonly afterReply?: ((bytes: number) => void) | undefined;
}

export type Http1Handler = (request: Request, peer: string) => Promise<Response> | Response;

export type Http1Address =
  | { readonly unix: string }
  | { readonly hostname: string; readonly port: number };

export interface Http1Server {
  stop(): void;
}

const CRLF = new Uint8Array([13, 10]);
const HEADER_END = Buffer.from("\r\n\r\n");
const encoder = new TextEncoder();

/** Serves `handler` on a unix socket or a TCP port. */
export function serveHttp1(
  address: Http1Address,
  limits: Http1Limits,
  handler: Http1Handler,
): Http1Server {
  const socketHandler = {
    open(socket: Socket<Connection>) {
      socket.data = new Connection(socket, limits, handler);
      socket.timeout(limits.idleSeconds);
    },
    data(socket: Socket<Connection>, chunk: Buffer) {
      socket.data.received(chunk);
    },
    drain(socket: Socket<Connection>) {
      socket.data.flush();
    },
    close(socket: Socket<Connection>) {
      socket.data?.closed();
    },
    timeout(socket: Socket<Connection>) {
      if (!socket.data?.busy) socket.end();
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
class Connection {
  private input: Buffer = Buffer.alloc(0);
  private early: Buffer[] = [];
  private earlyBytes = 0;
  private output: Uint8Array[] = [];
  private aborter: AbortController | undefined;
  private gone = false;
  /** Set while a request is being answered. */
  busy = false;
  private flushed: (() => void) | undefined;

  constructor(
    private readonly socket: Socket<Connection>,
    private readonly limits: Http1Limits,
    private readonly handler: Http1Handler,
  ) {}

  received(chunk: Buffer): void {
    if (this.busy) {
      // Nothing is read while a request is answered (a pipelined one waits);
      // a client that keeps sending beyond what one request may hold is cut
      // off rather than buffered — tend's memory is not the client's.
      this.early.push(chunk);
      this.earlyBytes += chunk.length;
      if (this.earlyBytes > this.limits.maxHeaderBytes + this.limits.maxBodyBytes) {
        this.early = [];
        this.socket.end();
        this.closed();
      }
      return;
    }
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    this.next();
  }

  /** What arrived while a request was answered, joined once the answer is out. */
  private takeEarly(): void {
    if (this.early.length === 0) return;
    this.input = Buffer.concat([this.input, ...this.early]);
    this.early = [];
    this.earlyBytes = 0;
  }

  closed(): void {
    if (this.gone) return;
    this.gone = true;
    this.aborter?.abort();
    this.flushed?.();
  }

  /** Writes what is queued; the socket calls again when it can take more. */
  flush(): void {
    while (this.output.length > 0 && !this.gone) {
      const head = this.output[0] as Uint8Array;
      const written = this.socket.write(head);
      if (written < head.length) {
        this.output[0] = head.subarray(Math.max(0, written));
        return;
      }
      this.output.shift();
    }
    const resolve = this.flushed;
    this.flushed = undefined;
    resolve?.();
  }

  private send(bytes: Uint8Array): Promise<void> {
    if (this.gone) return Promise.resolve();
    this.output.push(bytes);
    this.flush();
    if (this.output.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.flushed = resolve;
    });
  }

  /** Parses the next request from the input, if it is all there, and answers it. */
  private next(): void {
    // Empty lines before a request line are ignored (RFC 9112 §2.2).
    let start = 0;
    while (
      start + 1 < this.input.length &&
      this.input[start] === 13 &&
      this.input[start + 1] === 10
    )
      start += 2;
    if (start > 0) this.input = this.input.subarray(start);
    const end = this.input.indexOf(HEADER_END);
    if (end < 0) {
      if (this.input.length > this.limits.maxHeaderBytes)
        this.refuse(431, "Request Header Fields Too Large");
      return;
    }
    if (end > this.limits.maxHeaderBytes) {
      this.refuse(431, "Request Header Fields Too Large");
      return;
    }
    const head = parseHead(this.input.subarray(0, end).toString("latin1"));
    if (isRefusal(head)) {
      this.refuse(head.status, head.text);
      return;
    }
    const length = head.length;
    if (length > this.limits.maxBodyBytes) {
      this.refuse(413, "Payload Too Large");
      return;
    }
    const bodyStart = end + HEADER_END.length;
    if (this.input.length < bodyStart + length) return; // the rest of the body is on its way
    const body = this.input.subarray(bodyStart, bodyStart + length);
    this.input = Buffer.from(this.input.subarray(bodyStart + length));
    void this.answer(head, body);
  }

  private async answer(head: Head, body: Buffer): Promise<void> {
    this.busy = true;
    this.socket.timeout(0);
    this.aborter = new AbortController();
    const keepAlive = head.keepAlive;
    try {
      const request = new Request(`http://localhost${head.target}`, {
        method: head.method,
        headers: head.headers,
        body: head.method === "GET" || head.method === "HEAD" ? undefined : new Uint8Array(body),
        signal: this.aborter.signal,
      });
      const response = await this.handler(request, "");
      await this.write(response, head.method === "HEAD", keepAlive);
    } catch {
      await this.write(new Response("Internal Server Error\n", { status: 500 }), false, false);
      this.socket.end();
      return;
    } finally {
      this.busy = false;
    }
    if (this.gone) return;
    if (!keepAlive) {
      this.socket.end();
      return;
    }
    this.socket.timeout(this.limits.idleSeconds);
    this.takeEarly();
    if (this.input.length > 0) this.next();
  }

  private async write(response: Response, headOnly: boolean, keepAlive: boolean): Promise<void> {
    const lines = [`HTTP/1.1 ${response.status} ${response.statusText || reason(response.status)}`];
    response.headers.forEach((value, name) => {
      if (!HOP_HEADERS.has(name)) lines.push(`${name}: ${value}`);
    });
    lines.push(`Date: ${new Date().toUTCString()}`);
    if (!keepAlive) lines.push("Connection: close");
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
      return;
    }
    const bytes = headOnly ? new Uint8Array(0) : new Uint8Array(await response.arrayBuffer());
    lines.push(`Content-Length: ${bytes.length}`);
    await this.send(Buffer.concat([encoder.encode(`${lines.join("\r\n")}\r\n\r\n`), bytes]));
    this.limits.afterReply?.(bytes.length);
  }

  /** An error reply, then the connection is closed (what follows cannot be trusted). */
  private refuse(status: number, text: string): void {
    this.busy = true;
    this.input = Buffer.alloc(0);
    const body = `${text}\n`;
    void this.send(
      encoder.encode(
        `HTTP/1.1 ${status} ${reason(status)}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      ),
    ).then(() => this.socket.end());
  }
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
    404: "Not Found",
    411: "Length Required",
    413: "Payload Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
  };
  return reasons[status] ?? "Unknown";
}
