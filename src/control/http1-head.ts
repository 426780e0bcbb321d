// The head of an HTTP/1.x request (request line and header fields), read
// strictly: whatever a proxy in front of tend could read differently is
// refused (RFC 9112 §6.3: an invalid Content-Length is an unrecoverable
// error), so that no request can be smuggled past it.

export interface Head {
  readonly method: string;
  readonly target: string;
  readonly headers: Headers;
  readonly keepAlive: boolean;
  /** The body's length from Content-Length; 0 without one. */
  readonly length: number;
}

/** Why a head was refused: the status and its one-line reason. */
export interface Refusal {
  readonly status: 400 | 411;
  readonly text: string;
}

/** The request line and headers (without the blank line that ends them), or why they are refused. */
export function parseHead(text: string): Head | Refusal {
  const [requestLine = "", ...headerLines] = text.split("\r\n");
  const match = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(requestLine);
  if (!match) return bad("not an HTTP/1.x request line");
  const [, method = "", target = "", minor] = match;
  if (!target.startsWith("/")) return bad("the target must be a path");
  const headers = new Headers();
  const lengths: string[] = [];
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon <= 0) return bad("malformed header");
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "content-length") lengths.push(value);
    try {
      headers.append(name, value);
    } catch {
      return bad("malformed header");
    }
  }
  // tend takes no chunked (or otherwise encoded) request bodies.
  if (headers.has("transfer-encoding")) return { status: 411, text: "Length Required" };
  const length = contentLength(lengths);
  if (length === undefined) return bad("Content-Length must be one decimal number");
  const connection = (headers.get("connection") ?? "").toLowerCase();
  const keepAlive = minor === "1" ? connection !== "close" : connection === "keep-alive";
  return { method, target, headers, keepAlive, length };
}

export function isRefusal(head: Head | Refusal): head is Refusal {
  return "status" in head;
}

/**
 * The body length the Content-Length fields give: digits only (RFC 9110
 * §8.6; no sign, point, exponent or hex, which Number() would take), and
 * one value however many fields or list members repeat it. 0 without any;
 * undefined when invalid. A value too large to be exact is still a number
 * (over any limit), so that it is refused as too large.
 */
export function contentLength(values: readonly string[]): number | undefined {
  if (values.length === 0) return 0;
  const members = values.flatMap((value) => value.split(",").map((member) => member.trim()));
  const first = members[0] ?? "";
  if (!/^[0-9]+$/.test(first)) return undefined;
  if (members.some((member) => member !== first)) return undefined;
  return Number(first);
}

function bad(reason: string): Refusal {
  return { status: 400, text: `Bad Request: ${reason}` };
}
