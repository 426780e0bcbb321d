// The request head as tend reads it: the request line, the headers, and a
// Content-Length that is digits and nothing else (RFC 9110 §8.6, RFC 9112
// §6.3): every other form a lenient parser (Number()) would take is a 400.

import { describe, expect, test } from "bun:test";
import { contentLength, isRefusal, parseHead } from "../../../src/control/http1-head.ts";

const head = (...headers: string[]) => ["POST /RPC2 HTTP/1.1", "Host: x", ...headers].join("\r\n");

describe("Content-Length", () => {
  test.each([
    [[], 0],
    [["0"], 0],
    [["107"], 107],
    [["000107"], 107],
    [["107", "107"], 107],
    [["107, 107"], 107],
    [["99999999999999999999"], 1e20],
  ])("%p is %p", (values, expected) => {
    expect(contentLength(values)).toBe(expected);
  });

  test.each([
    [["0x6b"]],
    [["107e0"]],
    [["1e3"]],
    [["+107"]],
    [["-0"]],
    [["-1"]],
    [["107.0"]],
    [[".5"]],
    [["107 x"]],
    [["1 07"]],
    [[""]],
    [["Infinity"]],
    [["٣"]],
    [["107", "108"]],
    [["107, 108"]],
    [["107,"]],
    [["107", ""]],
  ])("%p is invalid", (values) => {
    expect(contentLength(values)).toBeUndefined();
  });
});

describe("parseHead", () => {
  test("a request with a body", () => {
    const parsed = parseHead(head("Content-Length: 12", "Connection: close"));
    expect(isRefusal(parsed)).toBe(false);
    if (isRefusal(parsed)) return;
    expect(parsed).toMatchObject({ method: "POST", target: "/RPC2", length: 12, keepAlive: false });
    expect(parsed.headers.get("host")).toBe("x");
  });

  test("HTTP/1.0 closes unless asked to keep alive; HTTP/1.1 keeps alive unless asked to close", () => {
    expect(parseHead("GET / HTTP/1.0")).toMatchObject({ keepAlive: false, length: 0 });
    expect(parseHead("GET / HTTP/1.0\r\nConnection: keep-alive")).toMatchObject({
      keepAlive: true,
    });
    expect(parseHead("GET / HTTP/1.1")).toMatchObject({ keepAlive: true });
  });

  test.each([
    ["a bad Content-Length", head("Content-Length: +5"), 400],
    ["two different Content-Lengths", head("Content-Length: 5", "content-length: 6"), 400],
    ["Transfer-Encoding", head("Transfer-Encoding: chunked"), 411],
    [
      "Transfer-Encoding and Content-Length",
      head("Content-Length: 5", "Transfer-Encoding: chunked"),
      411,
    ],
    ["no request line", "HELLO", 400],
    ["HTTP/2", "GET / HTTP/2.0", 400],
    ["a target that is no path", "GET http://x/ HTTP/1.1", 400],
    ["a header without a colon", head("NoColon"), 400],
    ["a header without a name", head(": x"), 400],
    ["a header with a bad name", head("Bad Name: x"), 400],
  ])("%s is refused", (_what, text, status) => {
    expect(parseHead(text)).toMatchObject({ status });
  });
});
