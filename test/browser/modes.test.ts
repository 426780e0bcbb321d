// What the dashboard serves, and to whom, with tend as PID 1: by default
// the page on the inet server and the control socket (never on [health]);
// ui=readonly shows everything and offers no action, and refuses its POSTs;
// ui=off serves nothing while XML-RPC goes on; with a username, nothing
// without credentials; and no other web site can drive it, neither by a
// crafted request nor from a real page in Chromium.

import { describe, expect, test } from "bun:test";
import {
  basic,
  eventually,
  freePort,
  methodCall,
  pidNamespaces,
  type Tend,
} from "../harness/index.ts";
import { launchDashboardTend, openDashboard, openPage, sharedBrowser } from "./browser.ts";

const PROGRAMS = `
[program:web]
command=sleep infinity
startsecs=0
[group:workers]
programs=w1,w2
[program:w1]
command=sleep infinity
startsecs=0
[program:w2]
command=sleep infinity
startsecs=0
`;
const NAMESPECS = ["web", "workers:w1", "workers:w2"];

/** Every GET route of the dashboard. */
const GETS = [
  "/",
  "/ui/app.js",
  "/ui/app.css",
  "/ui/events",
  "/ui/process?name=web",
  "/ui/log?name=web&stream=stdout",
  "/ui/log?main",
];

const STOP_WEB = JSON.stringify({ action: "stop", target: "web" });

async function stateOf(tend: Tend, namespec: string): Promise<string> {
  const info = (await tend.rpc("supervisor.getProcessInfo", [namespec])) as { statename: string };
  return info.statename;
}

/** tend on PROGRAMS with `inet` lines in [inet_http_server], every program RUNNING. */
async function served(inet = "", headers: Record<string, string> = {}) {
  const it = await launchDashboardTend(PROGRAMS, inet);
  try {
    await eventually(async () => {
      for (const ns of NAMESPECS)
        if (
          (await it.tend
            .rpc("supervisor.getProcessInfo", [ns], headers)
            .then((i) => (i as { statename: string }).statename)) !== "RUNNING"
        )
          return false;
      return true;
    }, "every program RUNNING");
    return it;
  } catch (error) {
    await it.tend.dispose();
    throw error;
  }
}

/** The status of a request, its body read (or, for an event stream, abandoned). */
async function statusOf(url: string, init: RequestInit = {}): Promise<number> {
  const controller = new AbortController();
  const reply = await fetch(url, { ...init, signal: controller.signal });
  controller.abort();
  return reply.status;
}

/** XML-RPC over TCP, as supervisorctl -s sends it; the reply's status and body. */
async function rpcOverTcp(url: string, method: string, headers: Record<string, string> = {}) {
  const reply = await fetch(`${url}/RPC2`, {
    method: "POST",
    headers: { "Content-Type": "text/xml", ...headers },
    body: methodCall(method),
  });
  return { status: reply.status, body: await reply.text() };
}

const browser = sharedBrowser();

describe.skipIf(!pidNamespaces.ok)("where and to whom the dashboard is served", () => {
  test("by default on the inet server and the control socket, never on [health]", async () => {
    const health = freePort();
    await using it = await launchDashboardTend(
      `${PROGRAMS}\n[health]\nport=${health}\nhost=127.0.0.1\n`,
    );
    const page = await fetch(`${it.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type") ?? "").toContain("text/html");
    const script = await fetch(`${it.url}/ui/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type") ?? "").toContain("javascript");
    expect((await fetch(`${it.url}/ui/app.css`)).headers.get("content-type") ?? "").toContain(
      "text/css",
    );
    const overSocket = await fetch("http://localhost/", { unix: it.tend.socket });
    expect(overSocket.status).toBe(200);
    expect(await overSocket.text()).toBe(await page.text());
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${health}/livez`)).status === 200,
      "the health listener up",
    );
    for (const path of GETS)
      expect({ path, status: await statusOf(`http://127.0.0.1:${health}${path}`) }).toEqual({
        path,
        status: 404,
      });
  }, 30_000);

  test("ui=readonly: every process shown and live, no action offered, action POSTs refused", async () => {
    await using it = await served("ui=readonly");
    const { tend, url } = it;
    await using page = await openDashboard(browser(), url);
    await page.live();
    expect(await page.visible("#readonly-badge")).toBe(true);
    expect((await page.rows()).sort()).toEqual([...NAMESPECS].sort());
    expect(await page.count("[data-action]")).toBe(0);
    await page.screenshot("readonly");

    // Details and logs still there, and still no action.
    await page.openLog("web");
    expect(await page.count("[data-action]")).toBe(0);
    await page.page.keyboard.press("Escape");

    // The server refuses what the page does not offer, however well formed.
    const reply = await fetch(`${url}/ui/action`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: url },
      body: STOP_WEB,
    });
    expect(reply.status).toBe(403);
    expect(await stateOf(tend, "web")).toBe("RUNNING");

    // XML-RPC keeps its own rules: a stop there shows on the read-only page.
    await tend.rpc("supervisor.stopProcess", ["web"]);
    await page.waitState("web", "STOPPED", 1_000);
    expect(await page.count("[data-action]")).toBe(0);
    expect(page.foreign).toEqual([]);
    expect(page.errors).toEqual([]);
  }, 60_000);

  test("ui=off: the page and every /ui/ route are 404 on both listeners; XML-RPC still answers", async () => {
    await using it = await served("ui=off");
    const { tend, url } = it;
    for (const path of GETS) {
      expect({ path, status: await statusOf(`${url}${path}`) }).toEqual({ path, status: 404 });
      expect({
        path,
        socket: await statusOf(`http://localhost${path}`, { unix: tend.socket } as RequestInit),
      }).toEqual({ path, socket: 404 });
    }
    const action = await fetch(`${url}/ui/action`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: STOP_WEB,
    });
    expect(action.status).toBe(404);
    expect(await stateOf(tend, "web")).toBe("RUNNING");
    const state = await rpcOverTcp(url, "supervisor.getState");
    expect(state.status).toBe(200);
    expect(state.body).toContain("<string>RUNNING</string>");

    // What a browser gets: a 404, and no dashboard.
    await using page = await openPage(browser(), url);
    const response = await page.page.goto(`${url}/`);
    expect(response?.status()).toBe(404);
    expect(await page.count("#processes")).toBe(0);
  }, 60_000);

  test("with a username: 401 without credentials or with wrong ones; the page works with them", async () => {
    const auth = basic("admin", "s3cret");
    await using it = await served("username=admin\npassword=s3cret", { Authorization: auth });
    const { tend, url } = it;
    for (const path of GETS) {
      for (const [who, headers] of [
        ["nobody", {}],
        ["a wrong password", { Authorization: basic("admin", "nope") }],
      ] as const) {
        const reply = await fetch(`${url}${path}`, { headers });
        expect({ path, who, status: reply.status }).toEqual({ path, who, status: 401 });
        expect(reply.headers.get("www-authenticate") ?? "").toMatch(/^Basic /);
        await reply.body?.cancel();
      }
      expect({
        path,
        status: await statusOf(`${url}${path}`, { headers: { Authorization: auth } }),
      }).toEqual({ path, status: 200 });
    }
    const anonymous = await fetch(`${url}/ui/action`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: STOP_WEB,
    });
    expect(anonymous.status).toBe(401);
    expect(await stateOf(tend, "web")).toBe("RUNNING");

    // A browser that knows the password: the page, live, and its actions.
    await using page = await openDashboard(browser(), url, {
      credentials: { username: "admin", password: "s3cret" },
    });
    await page.live();
    expect((await page.rows()).sort()).toEqual([...NAMESPECS].sort());
    await page.click('[data-action="stop"][data-target="web"]');
    await eventually(async () => (await stateOf(tend, "web")) === "STOPPED", "web STOPPED");
    await page.waitState("web", "STOPPED");
    expect(page.errors).toEqual([]);
  }, 60_000);

  test("cross-site: another Origin or a form's content type is refused (403) and does nothing", async () => {
    await using it = await served();
    const { tend, url } = it;
    const attempts: Record<string, Record<string, string>> = {
      "a foreign Origin": { "Content-Type": "application/json", Origin: "http://evil.example" },
      "a foreign Referer": {
        "Content-Type": "application/json",
        Referer: "http://evil.example/page",
      },
      "text/plain": { "Content-Type": "text/plain;charset=UTF-8" },
      "a urlencoded form": { "Content-Type": "application/x-www-form-urlencoded" },
      "a multipart form": { "Content-Type": "multipart/form-data; boundary=x" },
    };
    for (const [what, headers] of Object.entries(attempts)) {
      const reply = await fetch(`${url}/ui/action`, { method: "POST", headers, body: STOP_WEB });
      expect({ what, status: reply.status }).toEqual({ what, status: 403 });
    }
    expect(await stateOf(tend, "web")).toBe("RUNNING");

    // The request the page itself sends is the one that works (so the above could have).
    const ours = await fetch(`${url}/ui/action`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: url },
      body: STOP_WEB,
    });
    expect(ours.status).toBe(200);
    const answer = (await ours.json()) as { ok: boolean };
    expect(answer.ok).toBe(true);
    expect(await stateOf(tend, "web")).toBe("STOPPED");
  }, 30_000);

  test("cross-site from a real page: another site's form and fetches cannot stop a process", async () => {
    await using it = await served();
    const { tend, url } = it;
    // Another web site, on another port of this machine: a form that posts
    // JSON as text/plain (the classic trick), a no-cors fetch, and a fetch
    // that asks for CORS with application/json.
    const evil = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () =>
        new Response(
          `<!doctype html><html><body>
<form method="post" action="${url}/ui/action" enctype="text/plain">
<input name='{"action":"stop","target":"all","pad":"' value='"}'>
</form>
<script>
fetch(${JSON.stringify(`${url}/ui/action`)}, { method: "POST", mode: "no-cors",
  headers: { "Content-Type": "text/plain" }, body: ${JSON.stringify(STOP_WEB)} })
  .catch(() => {});
fetch(${JSON.stringify(`${url}/ui/action`)}, { method: "POST",
  headers: { "Content-Type": "application/json" }, body: ${JSON.stringify(STOP_WEB)} })
  .then((r) => { document.title = "cors " + r.status; }, () => { document.title = "cors refused"; });
</script></body></html>`,
          { headers: { "Content-Type": "text/html" } },
        ),
    });
    try {
      const site = `http://127.0.0.1:${evil.port}`;
      await using page = await openPage(browser(), site, { allow: [url] });
      await page.page.goto(`${site}/`);
      await page.page.waitForFunction("document.title.startsWith('cors')", { timeout: 5_000 });
      // The form, posted: the browser lands on tend's answer.
      const landed = page.page.waitForNavigation({ timeout: 5_000 });
      await page.page.evaluate("document.forms[0].submit()");
      const response = await landed;
      expect(response?.status()).toBe(403);
      const tries = page.requests.filter((r) => r.url === `${url}/ui/action`);
      expect(tries.length).toBeGreaterThanOrEqual(2);
      for (const ns of NAMESPECS)
        expect({ ns, state: await stateOf(tend, ns) }).toEqual({ ns, state: "RUNNING" });
      await tend.waitLog(/cross-site request refused/);
    } finally {
      await evil.stop(true);
    }
  }, 30_000);
});
