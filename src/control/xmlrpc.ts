// The XML-RPC codec of the control protocol: the server (/RPC2) parses calls
// and encodes responses and faults with it, and `tend ctl` encodes calls and
// parses responses. The real supervisorctl talks to tend through it, so what
// it writes must load in Python's xmlrpc.client (expat underneath) and what it
// reads is what Python's dumps writes.
//
// The parser is hand-written for exactly the XML that XML-RPC uses, so that no
// dependency and no general XML machinery faces the socket: no DTDs, no entity
// expansion (billion-laughs safe), bounded nesting, and linear time on big
// documents (a log tail can be megabytes of one string).

export type XmlRpcValue =
  | string
  | number
  | boolean
  | null
  | Date
  | Uint8Array
  | XmlRpcValue[]
  | { [key: string]: XmlRpcValue };

/** A document that is not a well-formed XML-RPC call or response. */
export class XmlRpcParseError extends Error {
  override name = "XmlRpcParseError";
}

export type MethodResponse =
  | { readonly ok: true; readonly value: XmlRpcValue }
  | { readonly ok: false; readonly code: number; readonly message: string };

/** Arrays and structs may nest this deep: a guard against stack exhaustion, far above any real use. */
const MAX_NESTING = 100;
const I4_MIN = -(2 ** 31);
const I4_MAX = 2 ** 31 - 1;
const XML_HEADER = "<?xml version='1.0'?>\n";

// ---------------------------------------------------------------------------
// Encoding

/** Python's loads wants `<int>` in 32 bits; any other number travels as `<double>`. */
function isI4(value: number): boolean {
  return Number.isInteger(value) && value >= I4_MIN && value <= I4_MAX;
}

// Characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF),
// plus the ones that must be escaped. In `u` mode a surrogate range matches lone halves only.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const NEEDS_ESCAPE = /[&<>\r]|[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/gu;
const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  // expat turns a literal CR into LF; a character reference survives.
  "\r": "&#13;",
};

/**
 * Escapes text for element content. Characters XML cannot carry at all become
 * U+FFFD: log tails and process output can hold arbitrary bytes, and one NUL
 * must not make the whole response unreadable to supervisorctl.
 */
function escapeText(text: string): string {
  return text.replace(NEEDS_ESCAPE, (char) => ESCAPES[char] ?? "\uFFFD");
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

// ---------------------------------------------------------------------------
// Parsing

interface StartTag {
  /** The name as written, which the end tag must repeat. */
  readonly name: string;
  /** The name without a namespace prefix: Python matches `ex:nil` as `nil`. */
  readonly local: string;
  readonly selfClosing: boolean;
  readonly at: number;
}

const NAME = /[A-Za-z_:][A-Za-z0-9._:-]*/y;
const ATTRIBUTE = /[ \t\n]+[A-Za-z_:][A-Za-z0-9._:-]*[ \t\n]*=[ \t\n]*(?:"([^"<]*)"|'([^'<]*)')/y;
const TAG_CLOSE = /[ \t\n]*(\/?)>/y;
const END_TAG = /<\/([A-Za-z_:][A-Za-z0-9._:-]*)[ \t\n]*>/y;
const XML_DECLARATION = /<\?xml[ \t\n][^?]*\?>/y;
const DECLARED_ENCODING = /encoding[ \t\n]*=[ \t\n]*["']([^"']*)["']/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const ILLEGAL_CHARACTER = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/u;
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
const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};
/** Longer than any reference XML-RPC needs (`&#x10FFFF;`), short enough to fail fast. */
const MAX_REFERENCE_LENGTH = 32;

function isXmlCodePoint(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** Trims what Python's int()/float() would also tolerate around a number. */
function trimXmlSpace(text: string): string {
  return text.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, "");
}

/** Adds a struct member; a plain assignment to "__proto__" would replace the prototype instead. */
function setMember(struct: { [key: string]: XmlRpcValue }, key: string, value: XmlRpcValue): void {
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

class Parser {
  private readonly doc: string;
  private pos = 0;

  constructor(xml: string) {
    // XML's end-of-line handling, as expat does it: a literal CR (or CRLF) reads as LF.
    this.doc = xml.includes("\r") ? xml.replace(/\r\n?/g, "\n") : xml;
    const illegal = ILLEGAL_CHARACTER.exec(this.doc);
    if (illegal) {
      const code = (illegal[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
      this.fail(`character U+${code} is not allowed in XML`, illegal.index);
    }
    if (this.doc.charCodeAt(0) === 0xfeff) this.pos = 1;
    this.readDeclaration();
  }

  // --- errors

  private where(at: number): string {
    let line = 1;
    let lineStart = 0;
    for (let i = this.doc.indexOf("\n"); i !== -1 && i < at; i = this.doc.indexOf("\n", i + 1)) {
      line++;
      lineStart = i + 1;
    }
    return `line ${line}, column ${at - lineStart + 1}`;
  }

  private found(at: number): string {
    if (at >= this.doc.length) return "end of document";
    const snippet = this.doc.slice(at, at + 24);
    return JSON.stringify(at + 24 < this.doc.length ? `${snippet}…` : snippet);
  }

  fail(message: string, at = this.pos): never {
    throw new XmlRpcParseError(`${message} at ${this.where(at)}`);
  }

  expected(what: string, at = this.pos): never {
    throw new XmlRpcParseError(`expected ${what} at ${this.where(at)}, found ${this.found(at)}`);
  }

  // --- lexical layer

  private readDeclaration(): void {
    XML_DECLARATION.lastIndex = this.pos;
    const declaration = XML_DECLARATION.exec(this.doc);
    if (!declaration) return;
    // The caller decoded the bytes already; a document declaring another encoding was misread.
    const encoding = DECLARED_ENCODING.exec(declaration[0])?.[1];
    if (encoding !== undefined && !/^(utf-?8|us-ascii|ascii)$/i.test(encoding)) {
      this.fail(`encoding "${encoding}" is not supported (only UTF-8)`);
    }
    this.pos = XML_DECLARATION.lastIndex;
  }

  /** Fails on markup the subset leaves out, if it starts at pos. */
  private rejectDeclarations(): void {
    const doc = this.doc;
    if (doc.startsWith("<!DOCTYPE", this.pos)) {
      this.fail("DOCTYPE is not allowed (no DTDs, no entity definitions)");
    }
    if (doc.startsWith("<?", this.pos)) {
      this.fail("processing instructions are not allowed (only the <?xml ?> declaration first)");
    }
  }

  private skipComment(): void {
    const end = this.doc.indexOf("-->", this.pos + 4);
    if (end === -1) this.fail("unterminated comment");
    this.pos = end + 3;
  }

  /** Skips what may stand between elements: whitespace and comments. */
  skipMisc(): void {
    const doc = this.doc;
    for (;;) {
      let pos = this.pos;
      while (pos < doc.length) {
        const code = doc.charCodeAt(pos);
        if (code !== 0x20 && code !== 0x9 && code !== 0xa) break;
        pos++;
      }
      this.pos = pos;
      if (doc.startsWith("<!--", pos)) this.skipComment();
      else break;
    }
    this.rejectDeclarations();
  }

  /** Resolves one reference (the text between & and ;) to its character. */
  private resolveReference(name: string, at: number): string {
    const predefined = PREDEFINED_ENTITIES[name];
    if (predefined !== undefined) return predefined;
    let code = Number.NaN;
    if (/^#x[0-9A-Fa-f]+$/.test(name)) code = Number.parseInt(name.slice(2), 16);
    else if (/^#[0-9]+$/.test(name)) code = Number.parseInt(name.slice(1), 10);
    else {
      this.fail(
        `unknown entity &${name}; (only &amp; &lt; &gt; &quot; &apos; and character references)`,
        at,
      );
    }
    if (!isXmlCodePoint(code)) this.fail(`&${name}; is not a character XML allows`, at);
    return String.fromCodePoint(code);
  }

  /** Character data in doc[start, end) with its references resolved. */
  private decodeText(start: number, end: number): string {
    // Slice first: searching the whole document from every chunk would be quadratic.
    const raw = this.doc.slice(start, end);
    if (!raw.includes("&")) return raw;
    const pieces: string[] = [];
    let from = 0;
    for (let amp = raw.indexOf("&"); amp !== -1; amp = raw.indexOf("&", from)) {
      pieces.push(raw.slice(from, amp));
      const semicolon = raw.indexOf(";", amp + 1);
      if (semicolon === -1 || semicolon - amp > MAX_REFERENCE_LENGTH) {
        this.expected("an entity or character reference after &", start + amp);
      }
      pieces.push(this.resolveReference(raw.slice(amp + 1, semicolon), start + amp));
      from = semicolon + 1;
    }
    pieces.push(raw.slice(from));
    return pieces.join("");
  }

  /** Reads character data (references, CDATA sections, comments) up to the next tag. */
  readText(): string {
    const doc = this.doc;
    const pieces: string[] = [];
    for (;;) {
      const lt = doc.indexOf("<", this.pos);
      const end = lt === -1 ? doc.length : lt;
      if (end > this.pos) pieces.push(this.decodeText(this.pos, end));
      this.pos = end;
      if (doc.startsWith("<!--", end)) {
        this.skipComment();
      } else if (doc.startsWith("<![CDATA[", end)) {
        const close = doc.indexOf("]]>", end + 9);
        if (close === -1) this.fail("unterminated CDATA section");
        pieces.push(doc.slice(end + 9, close));
        this.pos = close + 3;
      } else {
        this.rejectDeclarations();
        break;
      }
    }
    return pieces.length === 1 ? (pieces[0] as string) : pieces.join("");
  }

  /** Reads a start tag (after whitespace and comments) whose local name is one of `allowed`. */
  startTag(allowed: readonly string[], description?: string): StartTag {
    // Built only on failure: this runs for every element of a big response.
    const what = (): string => description ?? allowed.map((name) => `<${name}>`).join(" or ");
    this.skipMisc();
    const doc = this.doc;
    const at = this.pos;
    if (doc.charCodeAt(at) !== 0x3c || doc.charCodeAt(at + 1) === 0x2f) this.expected(what());
    NAME.lastIndex = at + 1;
    const name = NAME.exec(doc)?.[0];
    if (name === undefined) this.expected(what());
    let pos = NAME.lastIndex;
    // Attributes (say xmlns:ex on an Apache-style response) mean nothing to XML-RPC.
    for (;;) {
      ATTRIBUTE.lastIndex = pos;
      const attribute = ATTRIBUTE.exec(doc);
      if (!attribute) break;
      const value = attribute[1] ?? attribute[2] ?? "";
      this.decodeText(ATTRIBUTE.lastIndex - 1 - value.length, ATTRIBUTE.lastIndex - 1);
      pos = ATTRIBUTE.lastIndex;
    }
    TAG_CLOSE.lastIndex = pos;
    const close = TAG_CLOSE.exec(doc);
    if (!close) this.expected(`> to end the <${name}> tag`, pos);
    const local = name.slice(name.lastIndexOf(":") + 1);
    if (!allowed.includes(local)) this.fail(`unexpected <${name}>; expected ${what()}`, at);
    this.pos = TAG_CLOSE.lastIndex;
    return { name, local, selfClosing: close[1] === "/", at };
  }

  /** Whether an end tag is next, after whitespace and comments. */
  atEndTag(): boolean {
    this.skipMisc();
    return this.doc.startsWith("</", this.pos);
  }

  endTag(open: StartTag): void {
    if (open.selfClosing) return;
    this.skipMisc();
    END_TAG.lastIndex = this.pos;
    const end = END_TAG.exec(this.doc);
    if (!end) this.expected(`</${open.name}>`);
    if (end[1] !== open.name) {
      this.fail(`mismatched tags: </${end[1]}> closes <${open.name}> (${this.where(open.at)})`);
    }
    this.pos = END_TAG.lastIndex;
  }

  /** The text of an element that holds only text, and its end tag. */
  textOf(open: StartTag): string {
    if (open.selfClosing) return "";
    const text = this.readText();
    this.endTag(open);
    return text;
  }

  endOfDocument(root: StartTag): void {
    this.skipMisc();
    if (this.pos < this.doc.length) this.expected(`nothing after </${root.name}>`);
  }

  // --- values

  value(nesting: number): XmlRpcValue {
    const open = this.startTag(["value"]);
    if (open.selfClosing) return "";
    const text = this.readText();
    // No typed element: the text is a string, whitespace and all (as in Python).
    if (this.doc.startsWith("</", this.pos)) {
      this.endTag(open);
      return text;
    }
    if (!WHITESPACE_ONLY.test(text)) this.expected(`</value> after the text of an untyped <value>`);
    const typed = this.startTag(TYPE_TAGS, "a type such as <string> or <int>");
    const value = this.typed(typed, nesting);
    this.endTag(open);
    return value;
  }

  private typed(open: StartTag, nesting: number): XmlRpcValue {
    const at = open.at;
    switch (open.local) {
      case "string":
        return this.textOf(open);
      case "boolean": {
        const text = trimXmlSpace(this.textOf(open));
        if (text === "1") return true;
        if (text === "0") return false;
        return this.fail(`bad boolean ${JSON.stringify(text)} (expected 0 or 1)`, at);
      }
      case "double":
      case "float": {
        const text = trimXmlSpace(this.textOf(open));
        const value = Number(text);
        if (!DOUBLE.test(text) || !Number.isFinite(value)) {
          this.fail(`bad double ${JSON.stringify(text)}`, at);
        }
        return value;
      }
      case "base64": {
        const text = this.textOf(open).replace(/[ \t\n\r]+/g, "");
        if (text.length % 4 !== 0 || !BASE64.test(text)) this.fail("bad base64 data", at);
        // Copied out of Buffer's shared pool so the caller owns plain bytes.
        return Uint8Array.from(Buffer.from(text, "base64"));
      }
      case "dateTime.iso8601":
        return this.dateTime(trimXmlSpace(this.textOf(open)), at);
      case "nil":
        if (!WHITESPACE_ONLY.test(this.textOf(open))) this.fail(`<${open.name}> must be empty`, at);
        return null;
      case "array":
        return this.array(open, nesting + 1);
      case "struct":
        return this.struct(open, nesting + 1);
      default: {
        // Every integer tag Python reads: int, i4, i8, i1, i2, biginteger.
        const text = trimXmlSpace(this.textOf(open));
        const value = Number(text);
        if (!INTEGER.test(text)) this.fail(`bad integer ${JSON.stringify(text)}`, at);
        if (!Number.isSafeInteger(value)) {
          this.fail(`integer ${text} does not fit a double without losing precision`, at);
        }
        return value;
      }
    }
  }

  private dateTime(text: string, at: number): Date {
    const parts = DATE_TIME.exec(text);
    if (!parts) this.fail(`bad dateTime.iso8601 ${JSON.stringify(text)}`, at);
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
      this.fail(`bad dateTime.iso8601 ${JSON.stringify(text)}`, at);
    }
    return date;
  }

  private checkNesting(nesting: number, at: number): void {
    if (nesting > MAX_NESTING) {
      this.fail(`arrays and structs nest deeper than ${MAX_NESTING} (a guard)`, at);
    }
  }

  private array(open: StartTag, nesting: number): XmlRpcValue[] {
    this.checkNesting(nesting, open.at);
    const items: XmlRpcValue[] = [];
    if (open.selfClosing) return items;
    const data = this.startTag(["data"]);
    if (!data.selfClosing) {
      while (!this.atEndTag()) items.push(this.value(nesting));
      this.endTag(data);
    }
    this.endTag(open);
    return items;
  }

  private struct(open: StartTag, nesting: number): { [key: string]: XmlRpcValue } {
    this.checkNesting(nesting, open.at);
    const struct: { [key: string]: XmlRpcValue } = {};
    if (open.selfClosing) return struct;
    while (!this.atEndTag()) {
      const member = this.startTag(["member"]);
      if (member.selfClosing) this.expected("<name> inside <member>", member.at);
      const name = this.textOf(this.startTag(["name"]));
      // As in Python's dict, a repeated name keeps the last value.
      setMember(struct, name, this.value(nesting));
      this.endTag(member);
    }
    this.endTag(open);
    return struct;
  }

  /** The values of the `<params>` just opened; an empty `<params/>` means none. */
  params(open: StartTag): XmlRpcValue[] {
    const params: XmlRpcValue[] = [];
    if (open.selfClosing) return params;
    while (!this.atEndTag()) {
      const param = this.startTag(["param"]);
      if (param.selfClosing) this.expected("<value> inside <param>", param.at);
      params.push(this.value(0));
      this.endTag(param);
    }
    this.endTag(open);
    return params;
  }
}

export function parseMethodCall(xml: string): { method: string; params: XmlRpcValue[] } {
  // Typed explicitly so that TypeScript sees parser.fail() never returns.
  const parser: Parser = new Parser(xml);
  const root = parser.startTag(["methodCall"]);
  if (root.selfClosing) parser.expected("<methodName> inside <methodCall>", root.at);
  const method = trimXmlSpace(parser.textOf(parser.startTag(["methodName"])));
  if (method === "") parser.fail("empty <methodName>");
  // No <params> at all means no parameters, as an empty one does.
  const params = parser.atEndTag()
    ? []
    : parser.params(parser.startTag(["params"], "<params> or </methodCall>"));
  parser.endTag(root);
  parser.endOfDocument(root);
  return { method, params };
}

export function parseMethodResponse(xml: string): MethodResponse {
  // Typed explicitly so that TypeScript sees parser.fail() never returns.
  const parser: Parser = new Parser(xml);
  const root = parser.startTag(["methodResponse"]);
  if (root.selfClosing) parser.expected("<params> or <fault> inside <methodResponse>", root.at);
  const body = parser.startTag(["params", "fault"]);
  let response: MethodResponse;
  if (body.local === "fault") {
    if (body.selfClosing) parser.expected("<value> inside <fault>", body.at);
    const fault = parser.value(0);
    parser.endTag(body);
    const isStruct =
      typeof fault === "object" &&
      fault !== null &&
      !Array.isArray(fault) &&
      !(fault instanceof Date) &&
      !(fault instanceof Uint8Array);
    const code = isStruct ? fault.faultCode : undefined;
    const message = isStruct ? fault.faultString : undefined;
    if (typeof code !== "number" || !Number.isInteger(code) || typeof message !== "string") {
      parser.fail(
        "a <fault> must hold a struct of faultCode (int) and faultString (string)",
        body.at,
      );
    }
    response = { ok: false, code, message };
  } else {
    const values = parser.params(body);
    const [value] = values;
    if (values.length !== 1 || value === undefined) {
      parser.fail(`a methodResponse carries exactly one <param>, not ${values.length}`, body.at);
    }
    response = { ok: true, value };
  }
  parser.endTag(root);
  parser.endOfDocument(root);
  return response;
}
