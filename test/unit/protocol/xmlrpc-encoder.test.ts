// The XML-RPC encoder, table-driven: every type as Python's dumps writes it,
// escaping of what XML cannot carry, the layout of calls and responses, and
// the values it refuses.

import { describe, expect, test } from "bun:test";
import {
  encodeMethodCall,
  encodeMethodResponse,
  parseMethodResponse,
  type XmlRpcValue,
} from "../../../src/protocol/xmlrpc.ts";

const NOV_21 = new Date(Date.UTC(2026, 10, 21, 19, 20, 0));

describe("encoding values", () => {
  test.each([
    [42, "<value><int>42</int></value>"],
    [0, "<value><int>0</int></value>"],
    [2 ** 31 - 1, "<value><int>2147483647</int></value>"],
    [-(2 ** 31), "<value><int>-2147483648</int></value>"],
    // Python's loads rejects nothing, but its dumps refuses ints past 32 bits: doubles go instead.
    [2 ** 31, "<value><double>2147483648</double></value>"],
    [-(2 ** 31) - 1, "<value><double>-2147483649</double></value>"],
    [2 ** 53, "<value><double>9007199254740992</double></value>"],
    [1.5, "<value><double>1.5</double></value>"],
    [1e21, "<value><double>1e+21</double></value>"],
    [1e-7, "<value><double>1e-7</double></value>"],
    [true, "<value><boolean>1</boolean></value>"],
    [false, "<value><boolean>0</boolean></value>"],
    ["", "<value><string></string></value>"],
    [`a<b>&c"'`, `<value><string>a&lt;b&gt;&amp;c"'</string></value>`],
    ["tab\tlf\ncr\rcrlf\r\n", "<value><string>tab\tlf\ncr&#13;crlf&#13;\n</string></value>"],
    ["😀 é", "<value><string>😀 é</string></value>"],
    // Characters XML cannot carry become U+FFFD (log tails hold arbitrary bytes).
    ["nul\0 esc\x1B ff\f", "<value><string>nul\uFFFD esc\uFFFD ff\uFFFD</string></value>"],
    ["\uFFFE\uFFFF", "<value><string>\uFFFD\uFFFD</string></value>"],
    ["lone \uD800 and \uDC00", "<value><string>lone \uFFFD and \uFFFD</string></value>"],
    ["\x7F\u0085\u2028", "<value><string>\x7F\u0085\u2028</string></value>"],
    [null, "<value><nil/></value>"],
    [NOV_21, "<value><dateTime.iso8601>20261121T19:20:00</dateTime.iso8601></value>"],
    [new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 999)), "<dateTime.iso8601>20260102T03:04:05<"],
    [new Uint8Array([0, 255]), "<value><base64>AP8=</base64></value>"],
    [new Uint8Array([1, 2, 3, 4]).subarray(1, 3), "<value><base64>AgM=</base64></value>"],
    [new Uint8Array([]), "<value><base64></base64></value>"],
    [[], "<value><array><data>\n</data></array></value>"],
    [{}, "<value><struct>\n</struct></value>"],
    [
      ["x", 1],
      "<value><array><data>\n<value><string>x</string></value>\n<value><int>1</int></value>\n",
    ],
    [{ "a<": 1 }, "<member>\n<name>a&lt;</name>\n<value><int>1</int></value>\n</member>\n"],
  ] as const)("%p", (value, expected) => {
    expect(encodeMethodResponse(value as XmlRpcValue)).toContain(expected);
  });

  test("a response is laid out as Python's dumps lays it out", () => {
    expect(encodeMethodResponse({ a: [1] })).toBe(
      "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n" +
        "<value><struct>\n<member>\n<name>a</name>\n" +
        "<value><array><data>\n<value><int>1</int></value>\n</data></array></value>\n" +
        "</member>\n</struct></value>\n" +
        "</param>\n</params>\n</methodResponse>\n",
    );
  });

  test("a call names its method and lists its params", () => {
    expect(encodeMethodCall("supervisor.startProcess", ["web", true])).toBe(
      "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.startProcess</methodName>\n" +
        "<params>\n<param>\n<value><string>web</string></value>\n</param>\n" +
        "<param>\n<value><boolean>1</boolean></value>\n</param>\n</params>\n</methodCall>\n",
    );
    expect(encodeMethodCall("supervisor.getState", [])).toContain("<params>\n</params>");
  });

  const cyclic: XmlRpcValue[] = [];
  cyclic.push(cyclic);
  test.each([
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["an invalid Date", new Date(Number.NaN)],
    ["a year past 9999", new Date(Date.UTC(10000, 0, 1))],
    ["undefined", undefined],
    ["a bigint", 1n],
    ["a function", () => 1],
    ["undefined in a struct", { a: undefined }],
    ["a cyclic array", cyclic],
    ["101 nested arrays", JSON.parse(`${"[".repeat(101)}${"]".repeat(101)}`)],
  ])("refuses %s with a TypeError", (_name, value) => {
    expect(() => encodeMethodResponse(value as XmlRpcValue)).toThrow(TypeError);
  });

  test("100 nested arrays are fine both ways", () => {
    const deep = JSON.parse(`${"[".repeat(100)}${"]".repeat(100)}`) as XmlRpcValue;
    expect(parseMethodResponse(encodeMethodResponse(deep))).toEqual({ ok: true, value: deep });
  });

  test("encodeMethodCall refuses an empty method name", () => {
    expect(() => encodeMethodCall("", [])).toThrow(TypeError);
  });
});
