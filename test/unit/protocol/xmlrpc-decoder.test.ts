// The XML-RPC decoder over the XML reader, table-driven: every type and tag
// Python reads, calls and responses (faults included), and the documents it
// must refuse: DTDs and entities, illegal characters, bad values, nesting past
// the guard, each with the line and column of the fault.

import { describe, expect, test } from "bun:test";
import {
  encodeFault,
  encodeMethodCall,
  encodeMethodResponse,
  parseMethodCall,
  parseMethodResponse,
  XmlRpcParseError,
  type XmlRpcValue,
} from "../../../src/protocol/xmlrpc.ts";

function callWith(params: string): string {
  return `<?xml version='1.0'?>\n<methodCall><methodName>m</methodName><params>${params}</params></methodCall>`;
}

/** The one parameter `<value>` XML carries, as the parser reads it. */
function parseValue(valueXml: string): XmlRpcValue | undefined {
  const { params } = parseMethodCall(callWith(`<param>${valueXml}</param>`));
  expect(params).toHaveLength(1);
  return params[0];
}

function parseErrorOf(parse: () => unknown): XmlRpcParseError {
  try {
    parse();
  } catch (error) {
    if (error instanceof XmlRpcParseError) return error;
    throw error;
  }
  throw new Error("the document was accepted");
}

function nestedArrays(depth: number): string {
  return `${"<value><array><data>".repeat(depth)}<value><int>1</int></value>${"</data></array></value>".repeat(depth)}`;
}

const NOV_21 = new Date(Date.UTC(2026, 10, 21, 19, 20, 0));

describe("parsing values", () => {
  test.each([
    ["<value><int>42</int></value>", 42],
    ["<value><i4>-7</i4></value>", -7],
    ["<value><i8>9007199254740991</i8></value>", 9007199254740991],
    ["<value><i8>-4294967296</i8></value>", -4294967296],
    ["<value><i1>1</i1></value>", 1],
    ["<value><i2>+3</i2></value>", 3],
    ["<value><ex:i8>5</ex:i8></value>", 5],
    ["<value><int> 12\n</int></value>", 12],
    ["<value><double>1.5</double></value>", 1.5],
    ["<value><double>1e+16</double></value>", 1e16],
    ["<value><double>-0.25</double></value>", -0.25],
    ["<value><double>1.0</double></value>", 1],
    ["<value><double>.5</double></value>", 0.5],
    ["<value><double>1e-07</double></value>", 1e-7],
    ["<value><boolean>1</boolean></value>", true],
    ["<value><boolean>0</boolean></value>", false],
    ["<value><string>a b </string></value>", "a b "],
    ["<value><string>\n  indented\n</string></value>", "\n  indented\n"],
    ["<value><string/></value>", ""],
    ["<value><string></string></value>", ""],
    // An untyped value is a string, whitespace included (as Python reads it).
    ["<value>  plain text </value>", "  plain text "],
    ["<value></value>", ""],
    ["<value/>", ""],
    ["<value><string>&lt;&gt;&amp;&quot;&apos;</string></value>", `<>&"'`],
    ["<value><string>&#65;&#x42;&#x1F600;&#13;&#9;&#0067;</string></value>", "AB😀\r\tC"],
    ["<value><string>😀 é ✓</string></value>", "😀 é ✓"],
    // XML end-of-line handling: a literal CR reads as LF, CRLF as one LF.
    ["<value><string>a\rb\r\nc</string></value>", "a\nb\nc"],
    ["<value><string><![CDATA[<raw & text>]]></string></value>", "<raw & text>"],
    ["<value><string>a<!-- not text -->b</string></value>", "ab"],
    ["<value><base64>AP8=</base64></value>", new Uint8Array([0, 255])],
    ["<value><base64>\nAAEC\nAwQ=\n</base64></value>", new Uint8Array([0, 1, 2, 3, 4])],
    ["<value><base64/></value>", new Uint8Array([])],
    ["<value><dateTime.iso8601>20261121T19:20:00</dateTime.iso8601></value>", NOV_21],
    ["<value><dateTime.iso8601>2026-11-21T19:20:00</dateTime.iso8601></value>", NOV_21],
    ["<value><nil/></value>", null],
    ["<value><ex:nil/></value>", null],
    ["<value><nil></nil></value>", null],
    [
      "<value><array><data><value><int>1</int></value><value>x</value></data></array></value>",
      [1, "x"],
    ],
    ["<value><array><data/></array></value>", []],
    ["<value><array><data>\n</data></array></value>", []],
    [
      "<value><struct><member><name>a</name><value><int>1</int></value></member></struct></value>",
      { a: 1 },
    ],
    ["<value><struct>\n</struct></value>", {}],
    ["<value><struct/></value>", {}],
    [
      "<value><struct><member><name> spaced key </name><value/></member></struct></value>",
      { " spaced key ": "" },
    ],
    // A repeated member name keeps the last value, as a Python dict does.
    [
      "<value><struct><member><name>k</name><value>1</value></member><member><name>k</name><value>2</value></member></struct></value>",
      { k: "2" },
    ],
    // Whitespace and comments between elements mean nothing.
    [
      `<value>
        <struct>
          <!-- a comment -->
          <member>
            <name>list</name>
            <value>
              <array><data>
                <value><struct><member><name>deep</name><value><boolean>1</boolean></value></member></struct></value>
                <value><i4>2</i4></value>
              </data></array>
            </value>
          </member>
        </struct>
      </value>`,
      { list: [{ deep: true }, 2] },
    ],
  ] as const)("%s", (xml, expected) => {
    expect(parseValue(xml)).toEqual(expected as XmlRpcValue);
  });

  test("a struct member named __proto__ is a member, not a prototype", () => {
    const value = parseValue(
      "<value><struct><member><name>__proto__</name><value><int>1</int></value></member></struct></value>",
    ) as Record<string, XmlRpcValue>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(["__proto__"]);
    expect(Object.getOwnPropertyDescriptor(value, "__proto__")?.value).toBe(1);
  });

  test("base64 comes back as a plain Uint8Array", () => {
    const bytes = parseValue("<value><base64>AP8=</base64></value>");
    expect(bytes?.constructor).toBe(Uint8Array);
  });
});

describe("responses and faults", () => {
  test("a fault encodes as Python writes it and parses back", () => {
    const xml = encodeFault(10, "BAD_NAME: <web>");
    expect(xml).toBe(
      "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n" +
        "<member>\n<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n" +
        "<member>\n<name>faultString</name>\n<value><string>BAD_NAME: &lt;web&gt;</string></value>\n</member>\n" +
        "</struct></value>\n</fault>\n</methodResponse>\n",
    );
    expect(parseMethodResponse(xml)).toEqual({ ok: false, code: 10, message: "BAD_NAME: <web>" });
  });

  test("a fault as Python writes it", () => {
    const xml =
      "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n" +
      "<member>\n<name>faultCode</name>\n<value><int>1</int></value>\n</member>\n" +
      "<member>\n<name>faultString</name>\n<value><string>UNKNOWN_METHOD</string></value>\n</member>\n" +
      "</struct></value>\n</fault>\n</methodResponse>\n";
    expect(parseMethodResponse(xml)).toEqual({ ok: false, code: 1, message: "UNKNOWN_METHOD" });
  });

  test("encodeFault refuses a code that is not a 32-bit integer", () => {
    expect(() => encodeFault(1.5, "x")).toThrow(TypeError);
    expect(() => encodeFault(2 ** 31, "x")).toThrow(TypeError);
  });

  test("a response carries its one value", () => {
    expect(parseMethodResponse(encodeMethodResponse("ok"))).toEqual({ ok: true, value: "ok" });
    expect(parseMethodResponse(encodeMethodResponse(null))).toEqual({ ok: true, value: null });
  });

  test.each([
    [
      "no param",
      "<methodResponse><params></params></methodResponse>",
      "exactly one <param>, not 0",
    ],
    ["empty params", "<methodResponse><params/></methodResponse>", "exactly one <param>, not 0"],
    [
      "two params",
      "<methodResponse><params><param><value>a</value></param><param><value>b</value></param></params></methodResponse>",
      "exactly one <param>, not 2",
    ],
    ["nothing inside", "<methodResponse></methodResponse>", "expected <params> or <fault>"],
    ["self-closed", "<methodResponse/>", "expected <params> or <fault>"],
    [
      "a fault that is not a struct",
      "<methodResponse><fault><value><string>x</string></value></fault></methodResponse>",
      "faultCode (int) and faultString (string)",
    ],
    [
      "a fault without faultString",
      "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member></struct></value></fault></methodResponse>",
      "faultCode (int) and faultString (string)",
    ],
    ["a call", encodeMethodCall("m", []), "unexpected <methodCall>; expected <methodResponse>"],
  ])("refuses %s", (_name, xml, message) => {
    expect(parseErrorOf(() => parseMethodResponse(xml)).message).toContain(message);
  });
});

describe("parsing calls", () => {
  test("a system.multicall request", () => {
    const xml = `<?xml version='1.0'?>
<methodCall>
<methodName>system.multicall</methodName>
<params>
<param>
<value><array><data>
<value><struct>
<member>
<name>methodName</name>
<value><string>supervisor.startProcess</string></value>
</member>
<member>
<name>params</name>
<value><array><data>
<value><string>web</string></value>
<value><boolean>0</boolean></value>
</data></array></value>
</member>
</struct></value>
<value><struct>
<member>
<name>methodName</name>
<value><string>supervisor.getState</string></value>
</member>
<member>
<name>params</name>
<value><array><data>
</data></array></value>
</member>
</struct></value>
</data></array></value>
</param>
</params>
</methodCall>
`;
    expect(parseMethodCall(xml)).toEqual({
      method: "system.multicall",
      params: [
        [
          { methodName: "supervisor.startProcess", params: ["web", false] },
          { methodName: "supervisor.getState", params: [] },
        ],
      ],
    });
  });

  test.each([
    ["no <params>", "<methodCall><methodName>a.b</methodName></methodCall>"],
    ["an empty <params/>", "<methodCall><methodName>a.b</methodName><params/></methodCall>"],
    [
      "an empty <params>",
      "<methodCall><methodName>a.b</methodName><params>\n</params></methodCall>",
    ],
    [
      "a BOM, a declaration with encoding, comments and CRLFs",
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- hi -->\r\n<methodCall>\r\n<methodName> a.b </methodName>\r\n</methodCall>\r\n<!-- bye -->\r\n',
    ],
    [
      "attributes, which mean nothing",
      `<methodCall xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions" a='&amp;'><methodName>a.b</methodName></methodCall>`,
    ],
  ])("%s means no parameters", (_name, xml) => {
    expect(parseMethodCall(xml)).toEqual({ method: "a.b", params: [] });
  });
});

describe("refusing malformed documents", () => {
  const valueIn = (value: string) => callWith(`<param>${value}</param>`);
  test.each([
    ["an empty document", "", "expected <methodCall>"],
    ["a response", encodeMethodResponse(1), "unexpected <methodResponse>; expected <methodCall>"],
    [
      "a DOCTYPE",
      `<!DOCTYPE methodCall><methodCall><methodName>m</methodName></methodCall>`,
      "DOCTYPE",
    ],
    [
      "entity definitions (billion laughs)",
      `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><methodCall><methodName>&lol2;</methodName></methodCall>`,
      "DOCTYPE is not allowed",
    ],
    ["a custom entity", valueIn("<value><string>&lol;</string></value>"), "unknown entity &lol;"],
    ["a bare &", valueIn("<value><string>fish & chips</string></value>"), "expected an entity"],
    [
      "a reference to NUL",
      valueIn("<value><string>&#0;</string></value>"),
      "&#0; is not a character",
    ],
    ["an uppercase &#X", valueIn("<value>&#X41;</value>"), "unknown entity &#X41;"],
    ["a reference past U+10FFFF", valueIn("<value>&#x110000;</value>"), "is not a character"],
    ["a raw NUL", valueIn("<value><string>a\0b</string></value>"), "U+0000 is not allowed"],
    ["a raw U+FFFF", valueIn("<value><string>\uFFFF</string></value>"), "U+FFFF is not allowed"],
    [
      "a lone surrogate",
      valueIn("<value><string>\uD800</string></value>"),
      "U+D800 is not allowed",
    ],
    ["an unknown type", valueIn("<value><float128>1</float128></value>"), "unexpected <float128>"],
    [
      "an unknown element",
      callWith("<parameter><value>1</value></parameter>"),
      "unexpected <parameter>",
    ],
    [
      "a mismatched end tag",
      valueIn("<value><int>1</i4></value>"),
      "mismatched tags: </i4> closes <int>",
    ],
    [
      "an unclosed document",
      "<methodCall><methodName>m</methodName>",
      "expected <params> or </methodCall>",
    ],
    [
      "text beside a typed value",
      valueIn("<value>x<int>1</int></value>"),
      "after the text of an untyped",
    ],
    ["two typed values", valueIn("<value><int>1</int><int>2</int></value>"), "expected </value>"],
    ["an empty int", valueIn("<value><int></int></value>"), 'bad integer ""'],
    ["a fractional int", valueIn("<value><int>1.5</int></value>"), 'bad integer "1.5"'],
    ["a word for an int", valueIn("<value><i4>ten</i4></value>"), 'bad integer "ten"'],
    ["a Python-style 1_000", valueIn("<value><int>1_000</int></value>"), "bad integer"],
    ["an int past 2^53", valueIn("<value><i8>9007199254740993</i8></value>"), "losing precision"],
    ["boolean 2", valueIn("<value><boolean>2</boolean></value>"), 'bad boolean "2"'],
    ["boolean true", valueIn("<value><boolean>true</boolean></value>"), 'bad boolean "true"'],
    ["an empty double", valueIn("<value><double/></value>"), 'bad double ""'],
    ["double 1.2.3", valueIn("<value><double>1.2.3</double></value>"), "bad double"],
    ["double nan", valueIn("<value><double>nan</double></value>"), "bad double"],
    ["double inf", valueIn("<value><double>inf</double></value>"), "bad double"],
    ["double 1e999", valueIn("<value><double>1e999</double></value>"), "bad double"],
    ["base64 of bad length", valueIn("<value><base64>AAA</base64></value>"), "bad base64"],
    ["base64 with a bad character", valueIn("<value><base64>AA$=</base64></value>"), "bad base64"],
    [
      "base64 with inner padding",
      valueIn("<value><base64>AA==AAAA</base64></value>"),
      "bad base64",
    ],
    [
      "a date in month 13",
      valueIn("<value><dateTime.iso8601>20261321T00:00:00</dateTime.iso8601></value>"),
      "bad dateTime",
    ],
    [
      "February 30",
      valueIn("<value><dateTime.iso8601>20260230T00:00:00</dateTime.iso8601></value>"),
      "bad dateTime",
    ],
    [
      "hour 24",
      valueIn("<value><dateTime.iso8601>20260101T24:00:00</dateTime.iso8601></value>"),
      "bad dateTime",
    ],
    [
      "a word for a date",
      valueIn("<value><dateTime.iso8601>tomorrow</dateTime.iso8601></value>"),
      "bad dateTime",
    ],
    ["a nil with content", valueIn("<value><nil>x</nil></value>"), "<nil> must be empty"],
    [
      "trailing garbage",
      `${callWith("")}junk`,
      'expected nothing after </methodCall> at line 2, column 69, found "junk"',
    ],
    ["a second root", `${callWith("")}<methodCall/>`, "expected nothing after </methodCall>"],
    [
      "no methodName",
      "<methodCall><params/></methodCall>",
      "unexpected <params>; expected <methodName>",
    ],
    ["a self-closed methodCall", "<methodCall/>", "expected <methodName> inside <methodCall>"],
    [
      "an empty methodName",
      "<methodCall><methodName> </methodName></methodCall>",
      "empty <methodName>",
    ],
    ["a param without a value", callWith("<param/>"), "expected <value> inside <param>"],
    [
      "a member without a name",
      valueIn("<value><struct><member><value>1</value></member></struct></value>"),
      "unexpected <value>; expected <name>",
    ],
    [
      "an array without data",
      valueIn("<value><array><value>1</value></array></value>"),
      "expected <data>",
    ],
    [
      "a processing instruction",
      `<?xml version="1.0"?><?php x ?><methodCall/>`,
      "processing instructions",
    ],
    ["an unterminated comment", "<methodCall><!-- ", "unterminated comment"],
    ["an unterminated CDATA section", valueIn("<value><![CDATA[x</value>"), "unterminated CDATA"],
    [
      "a Latin-1 document",
      `<?xml version="1.0" encoding="ISO-8859-1"?><methodCall/>`,
      'encoding "ISO-8859-1"',
    ],
    ["101 nested arrays (a guard)", valueIn(nestedArrays(101)), "nest deeper than 100 (a guard)"],
  ])("%s", (_name, xml, message) => {
    expect(parseErrorOf(() => parseMethodCall(xml)).message).toContain(message);
  });

  test("100 nested arrays are within the guard", () => {
    let value = parseValue(nestedArrays(100));
    for (let depth = 0; depth < 100; depth++) value = (value as XmlRpcValue[])[0];
    expect(value).toBe(1);
  });

  test("errors name the line and column", () => {
    const error = parseErrorOf(() => parseMethodCall(valueIn("<value><int>x</int></value>")));
    expect(error.message).toBe('bad integer "x" at line 2, column 61');
  });
});
