// Reads the subset of XML that XML-RPC uses, tag by tag, for the decoder:
// hand-written so that no general XML machinery faces the socket. No DTDs,
// no entity expansion (billion-laughs safe), linear time on big documents
// (a log tail can be megabytes of one string); the decoder bounds nesting.

/** A document that is not a well-formed XML-RPC call or response. */
export class XmlRpcParseError extends Error {
  override name = "XmlRpcParseError";
}

export interface StartTag {
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
const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};
const UTF16 = new TextDecoder("utf-16le");
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

export class XmlReader {
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
  private skipMisc(): void {
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

  /**
   * Character data in doc[start, end) with its references resolved, in one
   * pass into one buffer: a body of 800,000 `&amp;` must not cost a second
   * and 100 MiB of small strings (as pieces joined did).
   */
  private decodeText(start: number, end: number): string {
    // Slice first: searching the whole document from every chunk would be quadratic.
    const raw = this.doc.slice(start, end);
    if (!raw.includes("&")) return raw;
    // A reference is never shorter than what it stands for: raw.length code units suffice.
    const out = new Uint16Array(raw.length);
    let n = 0;
    for (let i = 0; i < raw.length; i++) {
      const code = raw.charCodeAt(i);
      if (code !== 0x26) {
        out[n++] = code;
        continue;
      }
      const semicolon = raw.indexOf(";", i + 1);
      if (semicolon === -1 || semicolon - i > MAX_REFERENCE_LENGTH) {
        this.expected("an entity or character reference after &", start + i);
      }
      const char = this.resolveReference(raw.slice(i + 1, semicolon), start + i);
      out[n++] = char.charCodeAt(0);
      if (char.length > 1) out[n++] = char.charCodeAt(1);
      i = semicolon;
    }
    return UTF16.decode(out.subarray(0, n));
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

  // --- tags

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

  /** Whether an end tag starts right here, nothing skipped (after the text of an element). */
  endTagFollows(): boolean {
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
}
