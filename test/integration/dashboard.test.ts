// The dashboard's server side with tend as PID 1, over real sockets (the
// browser suite, npm run test:browser, drives the page itself): the page on
// the inet port and the socket and never on [health]; the table pushed as a
// supervisorctl change happens; a log view following a program's output;
// actions carried out (checked over XML-RPC) and refused cross-site;
// ui=readonly and ui=off; basic auth.

import { describe, expect, test } from "bun:test";
import {
  basic,
  freePort,
  pidNamespaces,
  runCommand,
  supervisor,
  TEND,
  type Tend,
  withTend,
} from "../harness/index.ts";

const PROGRAMS = `[program:web]
command=sleep infinity
startsecs=0
[program:talk]
command=sh -c 'echo first; while [ ! -e DIR/more ]; do sleep 0.05; done; echo second; sleep infinity'
startsecs=0
`;

function inet(port: number, extra = ""): string {
  return `[inet_http_server]\nport=127.0.0.1:${port}\n${extra}`;
}

/** A server-sent event stream, read one event at a time. */
async function openEvents(url: string, init: RequestInit & { unix?: string } = {}) {
  const response = await fetch(url, init);
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const next = async (): Promise<{ type: string; data: Record<string, unknown> }> => {
    for (;;) {
      const end = buffered.indexOf("\n\n");
      if (end >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (type !== undefined && data !== undefined) return { type, data: JSON.parse(data) };
        continue;
      }
      const chunk = await reader?.read();
      if (!chunk || chunk.done) throw new Error("the stream ended");
      buffered += decoder.decode(chunk.value, { stream: true });
    }
  };
  return { response, next, close: () => reader?.cancel() };
}

interface Row {
  readonly namespec: string;
  readonly statename: string;
}

async function stateOf(tend: Tend, name: string): Promise<string | undefined> {
  return (await tend.infos()).get(name)?.statename;
}

describe.skipIf(!pidNamespaces.ok)("the dashboard, tend as PID 1", () => {
  test.concurrent("the page on the inet port and on the socket, never on [health]", async () => {
    const port = freePort();
    const healthPort = freePort();
    await withTend(
      {
        server: "",
        programs: `${PROGRAMS}${inet(port)}\n[health]\nport=${healthPort}\nhost=127.0.0.1\n`,
      },
      async (tend) => {
        await tend.settled();
        const page = await fetch(`http://127.0.0.1:${port}/`);
        expect(page.status).toBe(200);
        expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
        expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
        const html = await page.text();
        expect(html).toContain("ui/app.js");
        for (const [path, type] of [
          ["/ui/app.js", "text/javascript; charset=utf-8"],
          ["/ui/app.css", "text/css; charset=utf-8"],
        ] as const) {
          const asset = await fetch(`http://127.0.0.1:${port}${path}`);
          expect([path, asset.status, asset.headers.get("content-type")]).toEqual([
            path,
            200,
            type,
          ]);
        }
        const overSocket = await fetch("http://localhost/", { unix: tend.socket });
        expect(overSocket.status).toBe(200);
        expect(await overSocket.text()).toBe(html);
        for (const path of ["/", "/ui/app.js", "/ui/events"]) {
          const health = await fetch(`http://127.0.0.1:${healthPort}${path}`);
          expect([path, health.status]).toEqual([path, 404]);
        }
      },
    );
  });

  test.concurrent("the table is pushed: a supervisorctl stop arrives as an event, no request asked", async () => {
    const port = freePort();
    await withTend({ server: "", programs: `${PROGRAMS}${inet(port)}` }, async (tend) => {
      await tend.settled();
      const events = await openEvents(`http://127.0.0.1:${port}/ui/events`);
      expect(events.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
      const snapshot = await events.next();
      expect(snapshot.type).toBe("snapshot");
      const rows = snapshot.data.processes as Row[];
      expect(rows.map((row) => [row.namespec, row.statename])).toEqual([
        ["talk", "RUNNING"],
        ["web", "RUNNING"],
      ]);
      const ctl = supervisor.ok
        ? ["supervisorctl", "-s", `http://127.0.0.1:${port}`, "stop", "web"]
        : [TEND, "ctl", "-s", `unix://${tend.socket}`, "stop", "web"];
      expect((await runCommand(ctl)).code).toBe(0);
      for (;;) {
        const event = await events.next();
        expect(event.type).toBe("change");
        const web = (event.data.processes as Row[]).find((row) => row.namespec === "web");
        if (web?.statename === "STOPPED") break;
      }
      await events.close();
    });
  });

  test.concurrent("a log view: the last lines at once, then what the program writes", async () => {
    const port = freePort();
    await withTend({ server: "", programs: `${PROGRAMS}${inet(port)}` }, async (tend) => {
      await tend.settled();
      const log = await openEvents(`http://127.0.0.1:${port}/ui/log?name=talk&stream=stdout`);
      expect(await log.next()).toEqual({ type: "tail", data: { text: "first\n", partial: false } });
      await Bun.write(tend.path("more"), "");
      expect(await log.next()).toEqual({ type: "append", data: { text: "second\n", skipped: 0 } });
      await log.close();
      const main = await openEvents(`http://127.0.0.1:${port}/ui/log?main`);
      const tail = await main.next();
      expect(String(tail.data.text)).toContain("spawned: 'talk' with pid");
      await main.close();
      expect((await fetch(`http://127.0.0.1:${port}/ui/log?name=nope`)).status).toBe(404);
    });
  });

  test.concurrent("actions: stop and start from POST /ui/action (seen over XML-RPC); cross-site refused", async () => {
    const port = freePort();
    const url = `http://127.0.0.1:${port}/ui/action`;
    await withTend({ server: "", programs: `${PROGRAMS}${inet(port)}` }, async (tend) => {
      await tend.settled();
      const act = (body: object, headers: Record<string, string> = {}) =>
        fetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json", ...headers },
          body: JSON.stringify(body),
        });
      const stopped = await act({ action: "stop", target: "web" });
      expect(await stopped.json()).toEqual({
        ok: true,
        results: [{ namespec: "web", ok: true, message: "" }],
      });
      expect(await stateOf(tend, "web")).toBe("STOPPED");
      expect(await (await act({ action: "stop", target: "web" })).json()).toEqual({
        ok: false,
        results: [{ namespec: "web", ok: false, message: "NOT_RUNNING: web" }],
      });
      // What a web page elsewhere could send: refused, nothing done.
      const foreign = await act(
        { action: "start", target: "web" },
        { Origin: "http://evil.example" },
      );
      expect(foreign.status).toBe(403);
      const form = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "text/plain" },
        body: JSON.stringify({ action: "start", target: "web" }),
      });
      expect(form.status).toBe(403);
      expect(await stateOf(tend, "web")).toBe("STOPPED");
      // The page's own origin is fine.
      const started = await act(
        { action: "start", target: "web" },
        { Origin: `http://127.0.0.1:${port}` },
      );
      expect(((await started.json()) as { ok: boolean }).ok).toBe(true);
      expect(await stateOf(tend, "web")).toBe("RUNNING");
      const details = await fetch(`http://127.0.0.1:${port}/ui/process?name=web`);
      expect(await details.json()).toMatchObject({
        namespec: "web",
        streams: ["stdout", "stderr"],
      });
      expect((await fetch(`http://127.0.0.1:${port}/ui/process?name=nope`)).status).toBe(404);
    });
  });

  test.concurrent("what a hostile page or client could send: refused, bounded, never left hanging", async () => {
    const port = freePort();
    const base = `http://127.0.0.1:${port}`;
    await withTend({ server: "", programs: `${PROGRAMS}${inet(port)}` }, async (tend) => {
      await tend.settled();
      // A HEAD of an endless stream is refused (its body would never end).
      for (const path of ["/ui/events", "/ui/log?main", "/logtail/talk"]) {
        const head = await fetch(`${base}${path}`, { method: "HEAD" });
        expect([path, head.status]).toEqual([path, path.startsWith("/ui/") ? 405 : 400]);
      }
      // A no-cors request from another site sends no Origin, but says where it comes from.
      const foreign = await fetch(`${base}/ui/events`, {
        headers: { "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors" },
      });
      expect(foreign.status).toBe(403);
      // An action is small: a big body is refused unread.
      const big = await fetch(`${base}/ui/action`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "[".repeat(100_000),
      });
      expect(big.status).toBe(413);
      expect(await stateOf(tend, "web")).toBe("RUNNING");
    });
  });

  test.concurrent("a log view ends when its process is replaced by an update; the page then reconnects to the new one", async () => {
    const port = freePort();
    await withTend({ server: "", programs: `${PROGRAMS}${inet(port)}` }, async (tend) => {
      await tend.settled();
      const log = await openEvents(`http://127.0.0.1:${port}/ui/log?name=talk&stream=stdout`);
      expect((await log.next()).type).toBe("tail");
      tend.rewrite(PROGRAMS.replace("echo first", "echo again"));
      expect((await runCommand([TEND, "ctl", "-s", `unix://${tend.socket}`, "update"])).code).toBe(
        0,
      );
      await expect(log.next()).rejects.toThrow("the stream ended");
    });
  });

  test.concurrent("ui=readonly: everything shown, no action taken, XML-RPC as before", async () => {
    const port = freePort();
    await withTend(
      { server: "", programs: `${PROGRAMS}${inet(port, "ui=readonly\n")}` },
      async (tend) => {
        await tend.settled();
        expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
        const events = await openEvents(`http://127.0.0.1:${port}/ui/events`);
        const snapshot = await events.next();
        expect((snapshot.data.tend as { readonly: boolean }).readonly).toBe(true);
        await events.close();
        const refused = await fetch(`http://127.0.0.1:${port}/ui/action`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ action: "stop", target: "web" }),
        });
        expect(refused.status).toBe(403);
        const overSocket = await fetch("http://localhost/ui/action", {
          unix: tend.socket,
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ action: "stop", target: "all" }),
        });
        expect(overSocket.status).toBe(403);
        expect(await stateOf(tend, "web")).toBe("RUNNING");
        expect(await tend.call("supervisor.stopProcess", "web")).toBe(true);
      },
    );
  });

  test.concurrent("ui=off: nothing at / or /ui/ on either listener; XML-RPC as before", async () => {
    const port = freePort();
    await withTend(
      { server: "", programs: `${PROGRAMS}${inet(port, "ui=off\n")}` },
      async (tend) => {
        await tend.settled();
        for (const path of [
          "/",
          "/ui/app.js",
          "/ui/events",
          "/ui/log?main",
          "/ui/process?name=web",
        ]) {
          expect([path, (await fetch(`http://127.0.0.1:${port}${path}`)).status]).toEqual([
            path,
            404,
          ]);
          expect([
            path,
            (await fetch(`http://localhost${path}`, { unix: tend.socket })).status,
          ]).toEqual([path, 404]);
        }
        const action = await fetch(`http://127.0.0.1:${port}/ui/action`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ action: "stop", target: "web" }),
        });
        expect(action.status).toBe(404);
        expect(await stateOf(tend, "web")).toBe("RUNNING");
        expect((await tend.infos()).size).toBe(2);
      },
    );
  });

  test.concurrent("basic auth: 401 without credentials for the page, its streams and actions", async () => {
    const port = freePort();
    await withTend(
      { server: "", programs: `${PROGRAMS}${inet(port, "username=admin\npassword=s3cret\n")}` },
      async (tend) => {
        await tend.settled();
        for (const path of ["/", "/ui/app.js", "/ui/events", "/ui/log?main"]) {
          const refused = await fetch(`http://127.0.0.1:${port}${path}`);
          expect([path, refused.status]).toEqual([path, 401]);
          expect(refused.headers.get("www-authenticate")).toBe('Basic realm="default"');
        }
        const wrong = await fetch(`http://127.0.0.1:${port}/`, {
          headers: { Authorization: basic("admin", "nope") },
        });
        expect(wrong.status).toBe(401);
        const page = await fetch(`http://127.0.0.1:${port}/`, {
          headers: { Authorization: basic("admin", "s3cret") },
        });
        expect(page.status).toBe(200);
        const action = await fetch(`http://127.0.0.1:${port}/ui/action`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ action: "stop", target: "web" }),
        });
        expect(action.status).toBe(401);
        expect(await stateOf(tend, "web")).toBe("RUNNING");
      },
    );
  });
});
