// The HTTP transport against a small real server on a unix socket and on
// TCP: XML-RPC calls and faults, Basic auth, HTTP errors, streams, and the
// two ways a server can be missing.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BadServerUrl,
  HttpStatusError,
  httpServer,
  type ServerAddress,
  serverAnswers,
  Unreachable,
} from "../../../src/ctl/transport.ts";
import { RemoteFault } from "../../../src/protocol/faults.ts";
import {
  encodeFault,
  encodeMethodResponse,
  parseMethodCall,
} from "../../../src/protocol/xmlrpc.ts";

const dir = mkdtempSync(join(tmpdir(), "tend-ctl-transport-"));
const socket = join(dir, "s.sock");
const seen: { path: string; auth: string | null; type: string | null; body: string }[] = [];

const handler = async (request: Request): Promise<Response> => {
  const url = new URL(request.url);
  const body = await request.text();
  seen.push({
    path: url.pathname,
    auth: request.headers.get("authorization"),
    type: request.headers.get("content-type"),
    body,
  });
  if (url.pathname === "/RPC2") {
    const { method, params } = parseMethodCall(body);
    if (method === "secret" && request.headers.get("authorization") === null) {
      return new Response("", { status: 401, statusText: "Unauthorized" });
    }
    if (method === "broken")
      return new Response("", { status: 500, statusText: "Internal Server Error" });
    if (method === "fails") return new Response(encodeFault(10, "BAD_NAME: x"));
    return new Response(encodeMethodResponse({ method, params }));
  }
  if (url.pathname === "/logtail/web/stdout") {
    const stream = new ReadableStream({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode("one\n"));
        await Bun.sleep(20);
        controller.enqueue(new TextEncoder().encode("two\n"));
        if (url.searchParams.has("end")) controller.close();
      },
    });
    return new Response(stream);
  }
  return new Response("", { status: 404 });
};

const unixServer = Bun.serve({ unix: socket, fetch: handler });
const tcpServer = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handler });
afterAll(() => {
  unixServer.stop(true);
  tcpServer.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

const at = (url: string, username?: string, password?: string): ServerAddress => ({
  url,
  username,
  password,
});

describe("XML-RPC calls", () => {
  test("POST /RPC2 as text/xml; the reply's value", async () => {
    const server = httpServer(at(`unix://${socket}`));
    expect(await server.call("supervisor.startProcess", "web", true)).toEqual({
      method: "supervisor.startProcess",
      params: ["web", true],
    });
    expect(seen.at(-1)).toMatchObject({ path: "/RPC2", type: "text/xml", auth: null });
  });

  test("over TCP, whatever path the URL has", async () => {
    const server = httpServer(at(`http://127.0.0.1:${tcpServer.port}/ignored`));
    expect(await server.call("m")).toEqual({ method: "m", params: [] });
    expect(seen.at(-1)?.path).toBe("/RPC2");
  });

  test("Basic auth only when both a user and a password are given", async () => {
    await httpServer(at(`unix://${socket}`, "user", "123")).call("secret");
    expect(seen.at(-1)?.auth).toBe(`Basic ${btoa("user:123")}`);
    const userOnly = httpServer(at(`unix://${socket}`, "user"));
    const error = await userOnly.call("secret").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).status).toBe(401);
  });

  test("a fault is a RemoteFault with the server's code and string", async () => {
    const error = await httpServer(at(`unix://${socket}`))
      .call("fails")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteFault);
    expect(error).toMatchObject({ code: 10, faultString: "BAD_NAME: x" });
  });

  test("another status is an HttpStatusError with its reason", async () => {
    const error = await httpServer(at(`unix://${socket}`))
      .call("broken")
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 500, reason: "Internal Server Error" });
  });
});

describe("unreachable servers", () => {
  test("a missing socket file", async () => {
    const error = await httpServer(at(`unix://${dir}/none.sock`))
      .call("m")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Unreachable);
    expect(error).toMatchObject({ reason: "no-such-file", url: `unix://${dir}/none.sock` });
  });

  test("a file nobody listens on, a closed port: refused", async () => {
    const plain = join(dir, "plain");
    writeFileSync(plain, "");
    expect(
      await httpServer(at(`unix://${plain}`))
        .call("m")
        .catch((e: unknown) => e),
    ).toMatchObject({
      reason: "refused",
    });
    expect(
      await httpServer(at("http://127.0.0.1:1"))
        .call("m")
        .catch((e: unknown) => e),
    ).toMatchObject({
      reason: "refused",
    });
  });

  test("a URL of another scheme", () => {
    expect(() => httpServer(at("ftp://x"))).toThrow(BadServerUrl);
    expect(() => httpServer(at("HTTP://x"))).toThrow("Unknown protocol for serverurl HTTP://x");
  });
});

describe("streams", () => {
  test("chunks as they come until the server ends the stream", async () => {
    const chunks: string[] = [];
    const end = await httpServer(at(`unix://${socket}`)).follow(
      "/logtail/web/stdout?end",
      (bytes) => chunks.push(new TextDecoder().decode(bytes)),
      new AbortController().signal,
    );
    expect(end).toEqual({ kind: "ended" });
    expect(chunks.join("")).toBe("one\ntwo\n");
  });

  test("stopped on request", async () => {
    const stop = new AbortController();
    const chunks: string[] = [];
    const end = await httpServer(at(`unix://${socket}`)).follow(
      "/logtail/web/stdout",
      (bytes) => {
        chunks.push(new TextDecoder().decode(bytes));
        if (chunks.join("").includes("two")) stop.abort();
      },
      stop.signal,
    );
    expect(end).toEqual({ kind: "stopped" });
  });

  test("a refusal gives its status", async () => {
    const end = await httpServer(at(`unix://${socket}`)).follow(
      "/logtail/nosuch/stdout",
      () => {},
      new AbortController().signal,
    );
    expect(end).toEqual({ kind: "status", status: 404 });
  });
});

describe("whether a server answers (discovery's question)", () => {
  test("a listening unix socket or host:port answers", async () => {
    expect(await serverAnswers(`unix://${socket}`)).toBe(true);
    expect(await serverAnswers(`http://127.0.0.1:${tcpServer.port}`)).toBe(true);
  });

  test("a missing socket, a file that is not one, a closed port or a bad URL does not", async () => {
    const plainFile = join(dir, "not-a-socket");
    writeFileSync(plainFile, "");
    expect(await serverAnswers(`unix://${join(dir, "none.sock")}`)).toBe(false);
    expect(await serverAnswers(`unix://${plainFile}`)).toBe(false);
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const port = closed.port;
    closed.stop(true);
    expect(await serverAnswers(`http://127.0.0.1:${port}`)).toBe(false);
    expect(await serverAnswers("ftp://example.org")).toBe(false);
  });
});
