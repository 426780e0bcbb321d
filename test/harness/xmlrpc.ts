// Talking to a control socket as a client would, with code of the tests'
// own (not tend's parser): XML-RPC calls (supervisord's /RPC2), tend's JSON
// endpoint (/api), plain HTTP requests and raw bytes.

import { connect } from "node:net";

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

export function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function encodeValue(value: Value): string {
  if (typeof value === "string") return `<value><string>${xmlEscape(value)}</string></value>`;
  if (typeof value === "boolean") return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
  if (typeof value === "number")
    return Number.isInteger(value)
      ? `<value><int>${value}</int></value>`
      : `<value><double>${value}</double></value>`;
  if (value === null) return "<value><nil/></value>";
  if (Array.isArray(value))
    return `<value><array><data>${value.map(encodeValue).join("")}</data></array></value>`;
  const members = Object.entries(value)
    .map(([name, v]) => `<member><name>${xmlEscape(name)}</name>${encodeValue(v)}</member>`)
    .join("");
  return `<value><struct>${members}</struct></value>`;
}

/** A methodCall document. */
export function methodCall(method: string, params: readonly Value[] = []): string {
  const values = params.map((p) => `<param>${encodeValue(p)}</param>`).join("");
  return `<?xml version="1.0"?>\n<methodCall><methodName>${method}</methodName><params>${values}</params></methodCall>\n`;
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
    if (e[0] !== "#") return named[e.toLowerCase()] ?? "";
    return String.fromCodePoint(
      e[1] === "x" ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)),
    );
  });
}

/** A methodResponse as {value} or {fault}; throws on anything that is not one. */
export function decodeResponse(xml: string): {
  value?: Value;
  fault?: { code: number; string: string };
} {
  const tokens: { tag?: string; close?: boolean; empty?: boolean; text?: string }[] = [];
  const re = /<\?[^>]*\?>|<(\/?)([A-Za-z][\w.]*)\s*(\/?)>|([^<]+)/gy;
  let end = 0;
  for (let m = re.exec(xml); m !== null; m = re.exec(xml)) {
    end = re.lastIndex;
    if (m[0].startsWith("<?")) continue;
    if (m[2] !== undefined) tokens.push({ tag: m[2], close: m[1] === "/", empty: m[3] === "/" });
    else if (m[4] !== undefined && m[4].trim() !== "") tokens.push({ text: unescapeXml(m[4]) });
    else if (m[4] !== undefined) tokens.push({ text: m[4] });
  }
  if (end !== xml.length) throw new Error(`not XML at ${end}: ${xml.slice(end, end + 40)}`);
  let i = 0;
  const skipSpace = () => {
    while (tokens[i]?.text !== undefined && tokens[i]?.text?.trim() === "") i++;
  };
  const open = (tag: string) => {
    skipSpace();
    const t = tokens[i++];
    if (t?.tag !== tag || t.close) throw new Error(`expected <${tag}>, got ${JSON.stringify(t)}`);
    return t;
  };
  const close = (tag: string) => {
    skipSpace();
    const t = tokens[i++];
    if (t?.tag !== tag || !t.close) throw new Error(`expected </${tag}>, got ${JSON.stringify(t)}`);
  };
  const text = (tag: string): string => {
    let s = "";
    while (tokens[i]?.text !== undefined) s += tokens[i++]?.text;
    close(tag);
    return s;
  };
  const value = (): Value => {
    open("value");
    const t = tokens[i];
    if (t?.text !== undefined && tokens[i + 1]?.tag === "value" && tokens[i + 1]?.close) {
      i++;
      close("value");
      return t.text;
    }
    if (t?.tag === "value" && t.close) {
      close("value");
      return "";
    }
    skipSpace();
    const type = tokens[i++];
    let result: Value;
    switch (type?.tag) {
      case "string":
        result = type.empty ? "" : text("string");
        break;
      case "int":
      case "i4":
        result = Number(text(type.tag));
        if (!Number.isInteger(result)) throw new Error("bad int");
        break;
      case "double":
        result = Number(text("double"));
        break;
      case "boolean":
        result = text("boolean") === "1";
        break;
      case "base64":
        result = Buffer.from(text("base64"), "base64").toString("latin1");
        break;
      case "nil":
        result = null;
        if (!type.empty) close("nil");
        break;
      case "array": {
        open("data");
        const items: Value[] = [];
        for (skipSpace(); tokens[i]?.tag === "value" && !tokens[i]?.close; skipSpace())
          items.push(value());
        close("data");
        close("array");
        result = items;
        break;
      }
      case "struct": {
        const members: Record<string, Value> = {};
        for (skipSpace(); tokens[i]?.tag === "member"; skipSpace()) {
          open("member");
          open("name");
          const name = text("name");
          members[name] = value();
          close("member");
        }
        close("struct");
        result = members;
        break;
      }
      default:
        throw new Error(`unknown value type ${JSON.stringify(type)}`);
    }
    close("value");
    return result;
  };
  open("methodResponse");
  skipSpace();
  if (tokens[i]?.tag === "fault") {
    open("fault");
    const fault = value() as { faultCode: number; faultString: string };
    close("fault");
    close("methodResponse");
    return { fault: { code: fault.faultCode, string: fault.faultString } };
  }
  open("params");
  open("param");
  const result = value();
  close("param");
  close("params");
  close("methodResponse");
  skipSpace();
  if (i !== tokens.length) throw new Error("trailing content after </methodResponse>");
  return { value: result };
}

/** The value of an Authorization header for basic auth. */
export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/** A POST to `path` on the unix socket. */
export async function post(
  socket: string,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const response = await fetch(`http://localhost${path}`, {
    unix: socket,
    method: "POST",
    body,
    headers: { "Content-Type": "text/xml", ...headers },
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** A fault a server answered, as an error: `CODE_NAME: details` in its message, the code kept. */
export class Fault extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    readonly faultString: string,
  ) {
    super(`${method}: fault ${code} ${faultString}`);
  }
}

/** An XML-RPC call; throws a Fault, or an Error on anything but a 200 methodResponse. */
export async function rpc(
  socket: string,
  method: string,
  params: readonly Value[] = [],
  headers: Record<string, string> = {},
): Promise<Value> {
  const reply = await post(socket, "/RPC2", methodCall(method, params), headers);
  if (reply.status !== 200) throw new Error(`${method}: HTTP ${reply.status}: ${reply.body}`);
  const decoded = decodeResponse(reply.body);
  if (decoded.fault) throw new Fault(method, decoded.fault.code, decoded.fault.string);
  return decoded.value as Value;
}

/** A call to tend's JSON endpoint (/api); a fault is thrown as an Error with its string. */
export async function api(socket: string, method: string, ...params: unknown[]): Promise<unknown> {
  const reply = await fetch("http://localhost/api", {
    unix: socket,
    method: "POST",
    body: JSON.stringify({ method, params }),
  });
  const body = (await reply.json()) as { result?: unknown; fault?: { string: string } };
  if (body.fault) throw new Error(body.fault.string);
  return body.result;
}

export interface RawResult {
  /** What the server sent back. */
  readonly reply: string;
  /** Whether the server closed the connection before `ms` passed. */
  readonly closed: boolean;
}

/**
 * Sends `chunks` on a raw connection to `socket`. `vanish`: the client
 * destroys the connection right after writing. Otherwise it waits up to `ms`
 * for the server to answer and close.
 */
export function raw(
  socket: string,
  chunks: readonly (string | Uint8Array)[],
  options: { vanish?: boolean; ms?: number } = {},
): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const connection = connect({ path: socket });
    const received: Buffer[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = (closed: boolean) => {
      clearTimeout(timer);
      connection.destroy();
      resolve({ reply: Buffer.concat(received).toString("latin1"), closed });
    };
    connection.on("data", (data) => received.push(Buffer.from(data)));
    // A reset after the server refused the rest is a close too.
    connection.on("error", (error: NodeJS.ErrnoException) =>
      error.code === "ECONNRESET" || error.code === "EPIPE" ? done(true) : reject(error),
    );
    connection.on("close", () => done(true));
    connection.on("connect", () => {
      for (const chunk of chunks) connection.write(chunk);
      if (options.vanish) {
        connection.destroy();
        return;
      }
      timer = setTimeout(() => done(false), options.ms ?? 2_000);
    });
  });
}

/** The HTTP status of a raw reply, or undefined when there was none. */
export function statusOf(reply: string): number | undefined {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(reply);
  return m ? Number(m[1]) : undefined;
}

/** A TCP port on 127.0.0.1 that nothing listens on just now (for an [inet_http_server]). */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}
