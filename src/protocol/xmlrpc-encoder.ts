// Writes XML-RPC documents: method calls, responses and faults, laid out as
// Python's xmlrpc.client dumps them, so that what tend writes loads in the
// real supervisorctl (expat underneath) and in supervisord.

import { MAX_NESTING, type XmlRpcValue } from "./xmlrpc-value.ts";

const I4_MIN = -(2 ** 31);
const I4_MAX = 2 ** 31 - 1;
const XML_HEADER = "<?xml version='1.0'?>\n";

/** Python's loads wants `<int>` in 32 bits; any other number travels as `<double>`. */
function isI4(value: number): boolean {
  return Number.isInteger(value) && value >= I4_MIN && value <= I4_MAX;
}

// Characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF),
// plus the ones that must be escaped. In `u` mode a surrogate range matches lone halves only.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NEEDS_ESCAPE = /[&<>\r]|[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/u;
const ESCAPES: Readonly<Record<number, string>> = {
  38: "&amp;",
  60: "&lt;",
  62: "&gt;",
  // expat turns a literal CR into LF; a character reference survives.
  13: "&#13;",
};
const REPLACEMENT = 0xfffd;
const UTF16 = new TextDecoder("utf-16le");

/**
 * Escapes text for element content. Characters XML cannot carry at all become
 * U+FFFD: log tails and process output can hold arbitrary bytes, and one NUL
 * must not make the whole response unreadable to supervisorctl. Text that
 * needs it is escaped in one pass into one buffer, so that a reply of a
 * million `<` costs milliseconds, not a callback per character.
 */
function escapeText(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  const out = new Uint16Array(escapedLength(text));
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const replacement = ESCAPES[code];
    if (replacement !== undefined) {
      for (let k = 0; k < replacement.length; k++) out[n++] = replacement.charCodeAt(k);
    } else if (code >= 0xd800 && code <= 0xdbff && isLow(text.charCodeAt(i + 1))) {
      out[n++] = code;
      out[n++] = text.charCodeAt(++i);
    } else out[n++] = isForbidden(code) ? REPLACEMENT : code;
  }
  return UTF16.decode(out);
}

function escapedLength(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const replacement = ESCAPES[code];
    if (replacement !== undefined) length += replacement.length;
    else if (code >= 0xd800 && code <= 0xdbff && isLow(text.charCodeAt(i + 1))) {
      length += 2;
      i++;
    } else length += 1;
  }
  return length;
}

function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** A code unit XML cannot carry (a surrogate here is a lone one: pairs are taken before). */
function isForbidden(code: number): boolean {
  return (
    (code < 0x20 && code !== 0x9 && code !== 0xa && code !== 0xd) ||
    code === 0xfffe ||
    code === 0xffff ||
    (code >= 0xd800 && code <= 0xdfff)
  );
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

/** Python's form, `20261121T19:20:00`: no zone, so tend always means UTC; milliseconds are dropped. */
function formatDateTime(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new TypeError("cannot encode an invalid Date");
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new TypeError(`cannot encode the year ${year} as dateTime`);
  return (
    `${pad(year, 4)}${pad(date.getUTCMonth() + 1, 2)}${pad(date.getUTCDate(), 2)}T` +
    `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}`
  );
}

function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Appends `<value>…</value>\n` to out, laid out as Python's dumps lays it out. */
function encodeValue(value: unknown, out: string[], depth: number): void {
  if (typeof value === "string") {
    out.push("<value><string>", escapeText(value), "</string></value>\n");
  } else if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`cannot encode ${value} in XML-RPC`);
    if (isI4(value)) out.push("<value><int>", String(value), "</int></value>\n");
    // String() is round-trippable and Python's float() reads it ("1e+21" included).
    else out.push("<value><double>", String(value), "</double></value>\n");
  } else if (typeof value === "boolean") {
    out.push("<value><boolean>", value ? "1" : "0", "</boolean></value>\n");
  } else if (value === null) {
    out.push("<value><nil/></value>\n");
  } else if (value instanceof Date) {
    out.push("<value><dateTime.iso8601>", formatDateTime(value), "</dateTime.iso8601></value>\n");
  } else if (value instanceof Uint8Array) {
    out.push("<value><base64>", encodeBase64(value), "</base64></value>\n");
  } else if (typeof value === "object") {
    // Also stops a cyclic value before it exhausts the stack.
    if (depth >= MAX_NESTING)
      throw new TypeError(`cannot encode nesting deeper than ${MAX_NESTING}`);
    if (Array.isArray(value)) {
      out.push("<value><array><data>\n");
      for (const item of value) encodeValue(item, out, depth + 1);
      out.push("</data></array></value>\n");
    } else {
      out.push("<value><struct>\n");
      for (const [key, member] of Object.entries(value)) {
        out.push("<member>\n<name>", escapeText(key), "</name>\n");
        encodeValue(member, out, depth + 1);
        out.push("</member>\n");
      }
      out.push("</struct></value>\n");
    }
  } else {
    throw new TypeError(`cannot encode a ${typeof value} in XML-RPC`);
  }
}

export function encodeMethodResponse(value: XmlRpcValue): string {
  const out = [XML_HEADER, "<methodResponse>\n<params>\n<param>\n"];
  encodeValue(value, out, 0);
  out.push("</param>\n</params>\n</methodResponse>\n");
  return out.join("");
}

export function encodeFault(code: number, message: string): string {
  if (!isI4(code)) throw new TypeError(`a fault code must be a 32-bit integer, not ${code}`);
  const out = [XML_HEADER, "<methodResponse>\n<fault>\n"];
  encodeValue({ faultCode: code, faultString: message }, out, 0);
  out.push("</fault>\n</methodResponse>\n");
  return out.join("");
}

export function encodeMethodCall(method: string, params: readonly XmlRpcValue[]): string {
  if (method === "") throw new TypeError("a method call needs a method name");
  const out = [XML_HEADER, "<methodCall>\n<methodName>", escapeText(method), "</methodName>\n"];
  out.push("<params>\n");
  for (const param of params) {
    out.push("<param>\n");
    encodeValue(param, out, 0);
    out.push("</param>\n");
  }
  out.push("</params>\n</methodCall>\n");
  return out.join("");
}
