// Which heads look like a web page acting on another site's behalf.

import { describe, expect, test } from "bun:test";
import { crossSiteReason } from "../../../src/control/browser-safety.ts";
import type { Head } from "../../../src/control/http1-head.ts";

function head(method: string, headers: Record<string, string>): Head {
  return { method, target: "/RPC2", headers: new Headers(headers), keepAlive: true, length: 0 };
}

const XML = { host: "localhost:9001", "content-type": "text/xml" };

describe("cross-site requests", () => {
  test.each([
    ["supervisorctl over TCP", head("POST", XML)],
    ["tend ctl over TCP", head("POST", { ...XML, "content-type": "text/xml; charset=utf-8" })],
    [
      "curl with a JSON body",
      head("POST", { host: "127.0.0.1:9001", "content-type": "application/json" }),
    ],
    ["a page of tend's own origin", head("POST", { ...XML, origin: "http://localhost:9001" })],
    ["a GET from anywhere without Origin", head("GET", { host: "localhost:9001" })],
    [
      "a link to tend followed from another site",
      head("GET", {
        host: "localhost:9001",
        "sec-fetch-site": "cross-site",
        "sec-fetch-mode": "navigate",
      }),
    ],
    [
      "the dashboard's own requests",
      head("POST", {
        host: "localhost:9001",
        "content-type": "application/json",
        origin: "http://localhost:9001",
        "sec-fetch-site": "same-origin",
        "sec-fetch-mode": "cors",
      }),
    ],
    ["a typed URL", head("GET", { host: "localhost:9001", "sec-fetch-site": "none" })],
  ])("allowed: %s", (_, h) => {
    expect(crossSiteReason(h, true)).toBeUndefined();
  });

  test.each([
    ["another origin", head("POST", { ...XML, origin: "http://evil.example" })],
    ["another port of the same host", head("POST", { ...XML, origin: "http://localhost:8080" })],
    ["Origin: null (a sandboxed page)", head("POST", { ...XML, origin: "null" })],
    [
      "a no-cors HEAD from another site, without Origin or Referer",
      head("HEAD", {
        host: "localhost:9001",
        "sec-fetch-site": "cross-site",
        "sec-fetch-mode": "no-cors",
      }),
    ],
    [
      "a fetch from another port of the same host",
      head("GET", {
        host: "localhost:9001",
        "sec-fetch-site": "same-site",
        "sec-fetch-mode": "cors",
      }),
    ],
    ["no Origin, another Referer", head("POST", { ...XML, referer: "https://evil.example/page" })],
    [
      "a form post",
      head("POST", { host: "localhost:9001", "content-type": "application/x-www-form-urlencoded" }),
    ],
    [
      "a multipart form",
      head("POST", { host: "localhost:9001", "content-type": "multipart/form-data; boundary=x" }),
    ],
    [
      "text/plain (fetch without preflight)",
      head("POST", { host: "localhost:9001", "content-type": "text/plain;charset=UTF-8" }),
    ],
    ["a POST without a content type (a Blob body)", head("POST", { host: "localhost:9001" })],
  ])("refused: %s", (_, h) => {
    expect(crossSiteReason(h, true)).toBeString();
  });

  test("on the unix socket (no browser reaches it) a form content type is fine, a foreign Origin is not", () => {
    const form = head("POST", { host: "", "content-type": "application/x-www-form-urlencoded" });
    expect(crossSiteReason(form, false)).toBeUndefined();
    expect(
      crossSiteReason(head("POST", { ...XML, origin: "http://evil.example" }), false),
    ).toBeString();
  });
});
