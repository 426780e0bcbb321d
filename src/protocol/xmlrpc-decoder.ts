// Turns the elements the XML reader yields into XML-RPC values, and whole
// documents into a method call (the server's side) or a method response
// (the client's side), read as Python's xmlrpc.client reads them.

import { type StartTag, XmlReader } from "./xml-reader.ts";
import { isStruct, MAX_NESTING, type XmlRpcStruct, type XmlRpcValue } from "./xmlrpc-value.ts";

export type MethodResponse =
  | { readonly ok: true; readonly value: XmlRpcValue }
  | { readonly ok: false; readonly code: number; readonly message: string };

const WHITESPACE_ONLY = /^[ \t\n\r]*$/;
const INTEGER = /^[+-]?[0-9]+$/;
const DOUBLE = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DATE_TIME = /^([0-9]{4})-?([0-9]{2})-?([0-9]{2})T([0-9]{2}):?([0-9]{2}):?([0-9]{2})Z?$/;
const INTEGER_TAGS = new Set(["int", "i4", "i8", "i1", "i2", "biginteger"]);
const TYPE_TAGS = [
  ...INTEGER_TAGS,
  "double",
  "float",
  "boolean",
  "string",
  "base64",
  "dateTime.iso8601",
  "nil",
  "array",
  "struct",
];

/** Trims what Python's int()/float() would also tolerate around a number. */
function trimXmlSpace(text: string): string {
  return text.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, "");
}

/** Adds a struct member; a plain assignment to "__proto__" would replace the prototype instead. */
function setMember(struct: XmlRpcStruct, key: string, value: XmlRpcValue): void {
  if (key === "__proto__") {
    Object.defineProperty(struct, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    struct[key] = value;
  }
}

// The readers below take the XmlReader as an explicitly typed parameter, so
// that TypeScript sees reader.fail() and reader.expected() never return.

/** A `<value>`, `nesting` arrays and structs deep. */
function readValue(reader: XmlReader, nesting: number): XmlRpcValue {
  const open = reader.startTag(["value"]);
  if (open.selfClosing) return "";
  const text = reader.readText();
  // No typed element: the text is a string, whitespace and all (as in Python).
  if (reader.endTagFollows()) {
    reader.endTag(open);
    return text;
  }
  if (!WHITESPACE_ONLY.test(text)) reader.expected(`</value> after the text of an untyped <value>`);
  const typed = reader.startTag(TYPE_TAGS, "a type such as <string> or <int>");
  const value = readTyped(reader, typed, nesting);
  reader.endTag(open);
  return value;
}

function readTyped(reader: XmlReader, open: StartTag, nesting: number): XmlRpcValue {
  const at = open.at;
  switch (open.local) {
    case "string":
      return reader.textOf(open);
    case "boolean": {
      const text = trimXmlSpace(reader.textOf(open));
      if (text === "1") return true;
      if (text === "0") return false;
      return reader.fail(`bad boolean ${JSON.stringify(text)} (expected 0 or 1)`, at);
    }
    case "double":
    case "float": {
      const text = trimXmlSpace(reader.textOf(open));
      const value = Number(text);
      if (!DOUBLE.test(text) || !Number.isFinite(value)) {
        reader.fail(`bad double ${JSON.stringify(text)}`, at);
      }
      return value;
    }
    case "base64": {
      const text = reader.textOf(open).replace(/[ \t\n\r]+/g, "");
      if (text.length % 4 !== 0 || !BASE64.test(text)) reader.fail("bad base64 data", at);
      // Copied out of Buffer's shared pool so the caller owns plain bytes.
      return Uint8Array.from(Buffer.from(text, "base64"));
    }
    case "dateTime.iso8601":
      return readDateTime(reader, trimXmlSpace(reader.textOf(open)), at);
    case "nil":
      if (!WHITESPACE_ONLY.test(reader.textOf(open)))
        reader.fail(`<${open.name}> must be empty`, at);
      return null;
    case "array":
      return readArray(reader, open, nesting + 1);
    case "struct":
      return readStruct(reader, open, nesting + 1);
    default: {
      // Every integer tag Python reads: int, i4, i8, i1, i2, biginteger.
      const text = trimXmlSpace(reader.textOf(open));
      const value = Number(text);
      if (!INTEGER.test(text)) reader.fail(`bad integer ${JSON.stringify(text)}`, at);
      if (!Number.isSafeInteger(value)) {
        reader.fail(`integer ${text} does not fit a double without losing precision`, at);
      }
      return value;
    }
  }
}

function readDateTime(reader: XmlReader, text: string, at: number): Date {
  const parts = DATE_TIME.exec(text);
  if (!parts) reader.fail(`bad dateTime.iso8601 ${JSON.stringify(text)}`, at);
  const [year, month, day, hours, minutes, seconds] = parts.slice(1).map(Number) as number[];
  // XML-RPC dateTimes carry no zone; tend reads and writes them as UTC.
  const date = new Date(0);
  date.setUTCFullYear(year ?? 0, (month ?? 0) - 1, day);
  date.setUTCHours(hours ?? 0, minutes, seconds, 0);
  // Date would roll 2026-02-30 over into March; a real calendar date must come back unchanged.
  if (
    date.getUTCMonth() + 1 !== month ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hours
  ) {
    reader.fail(`bad dateTime.iso8601 ${JSON.stringify(text)}`, at);
  }
  return date;
}

function checkNesting(reader: XmlReader, nesting: number, at: number): void {
  if (nesting > MAX_NESTING) {
    reader.fail(`arrays and structs nest deeper than ${MAX_NESTING} (a guard)`, at);
  }
}

function readArray(reader: XmlReader, open: StartTag, nesting: number): XmlRpcValue[] {
  checkNesting(reader, nesting, open.at);
  const items: XmlRpcValue[] = [];
  if (open.selfClosing) return items;
  const data = reader.startTag(["data"]);
  if (!data.selfClosing) {
    while (!reader.atEndTag()) items.push(readValue(reader, nesting));
    reader.endTag(data);
  }
  reader.endTag(open);
  return items;
}

function readStruct(reader: XmlReader, open: StartTag, nesting: number): XmlRpcStruct {
  checkNesting(reader, nesting, open.at);
  const struct: XmlRpcStruct = {};
  if (open.selfClosing) return struct;
  while (!reader.atEndTag()) {
    const member = reader.startTag(["member"]);
    if (member.selfClosing) reader.expected("<name> inside <member>", member.at);
    const name = reader.textOf(reader.startTag(["name"]));
    // As in Python's dict, a repeated name keeps the last value.
    setMember(struct, name, readValue(reader, nesting));
    reader.endTag(member);
  }
  reader.endTag(open);
  return struct;
}

/** The values of the `<params>` just opened; an empty `<params/>` means none. */
function readParams(reader: XmlReader, open: StartTag): XmlRpcValue[] {
  const params: XmlRpcValue[] = [];
  if (open.selfClosing) return params;
  while (!reader.atEndTag()) {
    const param = reader.startTag(["param"]);
    if (param.selfClosing) reader.expected("<value> inside <param>", param.at);
    params.push(readValue(reader, 0));
    reader.endTag(param);
  }
  reader.endTag(open);
  return params;
}

export function parseMethodCall(xml: string): { method: string; params: XmlRpcValue[] } {
  // Typed explicitly so that TypeScript sees reader.fail() never returns.
  const reader: XmlReader = new XmlReader(xml);
  const root = reader.startTag(["methodCall"]);
  if (root.selfClosing) reader.expected("<methodName> inside <methodCall>", root.at);
  const method = trimXmlSpace(reader.textOf(reader.startTag(["methodName"])));
  if (method === "") reader.fail("empty <methodName>");
  // No <params> at all means no parameters, as an empty one does.
  const params = reader.atEndTag()
    ? []
    : readParams(reader, reader.startTag(["params"], "<params> or </methodCall>"));
  reader.endTag(root);
  reader.endOfDocument(root);
  return { method, params };
}

export function parseMethodResponse(xml: string): MethodResponse {
  // Typed explicitly so that TypeScript sees reader.fail() never returns.
  const reader: XmlReader = new XmlReader(xml);
  const root = reader.startTag(["methodResponse"]);
  if (root.selfClosing) reader.expected("<params> or <fault> inside <methodResponse>", root.at);
  const body = reader.startTag(["params", "fault"]);
  let response: MethodResponse;
  if (body.local === "fault") {
    if (body.selfClosing) reader.expected("<value> inside <fault>", body.at);
    const fault = readValue(reader, 0);
    reader.endTag(body);
    const code = isStruct(fault) ? fault.faultCode : undefined;
    const message = isStruct(fault) ? fault.faultString : undefined;
    if (typeof code !== "number" || !Number.isInteger(code) || typeof message !== "string") {
      reader.fail(
        "a <fault> must hold a struct of faultCode (int) and faultString (string)",
        body.at,
      );
    }
    response = { ok: false, code, message };
  } else {
    const values = readParams(reader, body);
    const [value] = values;
    if (values.length !== 1 || value === undefined) {
      reader.fail(`a methodResponse carries exactly one <param>, not ${values.length}`, body.at);
    }
    response = { ok: true, value };
  }
  reader.endTag(root);
  reader.endOfDocument(root);
  return response;
}
