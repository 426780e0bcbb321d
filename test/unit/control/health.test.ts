// The health endpoints' answers, edge by edge, over processes whose status
// the test sets by hand (listed in start order: priority, then name): kube-apiserver's vocabulary, ?verbose, ?exclude,
// /readyz/NAME, the shutdown check, methods, URLs without a host.

import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import {
  type HealthSource,
  healthResponse,
  isHealthPath,
  splitUrl,
} from "../../../src/control/health.ts";
import { FakeSupervisor, groupsOf, removeConfigFiles } from "./fake-supervisor.ts";

const CONFIG = `
[program:web]
command=/bin/true
ready_check=tcp:8080
depends_on=migrate:done
[program:migrate]
command=/bin/true
autorestart=false
startsecs=0
[program:manual]
command=/bin/true
autostart=false
[group:workers]
programs=w1,w2
[program:w1]
command=/bin/true
[program:w2]
command=/bin/true
`;

let fake: FakeSupervisor;
let stopping = false;
const source: HealthSource = {
  processes: () => fake.groups().flatMap((group) => group.slots),
  stopping: () => stopping,
  metrics: () => "metrics\n",
};

afterAll(removeConfigFiles);
beforeEach(() => {
  fake = new FakeSupervisor(groupsOf(CONFIG));
  stopping = false;
  // Everything fine: web ready, migrate done, the workers running.
  fake.set("web", { state: "RUNNING", ready: true, pid: 10 });
  fake.set("migrate", { state: "EXITED", exitstatus: 0 });
  fake.set("workers:w1", { state: "RUNNING", pid: 11 });
  fake.set("workers:w2", { state: "RUNNING", pid: 12 });
});

async function get(url: string, method = "GET"): Promise<{ status: number; body: string }> {
  const { path, query } = splitUrl(url);
  const response = healthResponse(method, path, query, source);
  return { status: response.status, body: await response.text() };
}

describe("/readyz", () => {
  test("every autostart program ready or done: 200 ok (a stopped autostart=false one does not count)", async () => {
    expect(await get("/readyz")).toEqual({ status: 200, body: "ok" });
  });

  test("?verbose: one line per program (no shutdown line while it passes), then 'readyz check passed'", async () => {
    expect(await get("/readyz?verbose")).toEqual({
      status: 200,
      body: "[+]migrate ok\n[+]web ok\n[+]workers:w1 ok\n[+]workers:w2 ok\nreadyz check passed\n",
    });
  });

  test("a program not ready: 503 and always the list, with its reason", async () => {
    fake.set("web", { state: "RUNNING", ready: false, checkMessage: "connection refused" });
    expect(await get("/readyz")).toEqual({
      status: 503,
      body: "[+]migrate ok\n[-]web not ready: connection refused\n[+]workers:w1 ok\n[+]workers:w2 ok\nreadyz check failed\n",
    });
  });

  test("STARTING, BACKOFF, FATAL, a one-shot that failed, a stopped autostart program: not ready", async () => {
    fake.set("workers:w1", { state: "STARTING" });
    fake.set("workers:w2", { state: "FATAL", spawnerr: "Exited too quickly" });
    fake.set("migrate", { state: "EXITED", exitstatus: 3 });
    fake.set("web", { state: "STOPPED", laststart: 5 });
    const { status, body } = await get("/readyz");
    expect(status).toBe(503);
    expect(body.split("\n")).toEqual([
      "[-]migrate exited with status 3",
      "[-]web stopped",
      "[-]workers:w1 starting",
      "[-]workers:w2 FATAL: Exited too quickly",
      "readyz check failed",
      "",
    ]);
  });

  test("a one-shot (others wait for it with :done) counts only once done, not while it runs", async () => {
    fake.set("migrate", { state: "RUNNING", pid: 9, ready: true });
    expect(await get("/readyz")).toEqual({
      status: 503,
      body: "[-]migrate running, not done yet\n[+]web ok\n[+]workers:w1 ok\n[+]workers:w2 ok\nreadyz check failed\n",
    });
    expect(await get("/readyz/migrate")).toEqual({
      status: 503,
      body: "migrate running, not done yet\n",
    });
    // a RUNNING program nobody waits for to end is ready as usual
    expect(await get("/readyz/workers:w1")).toEqual({ status: 200, body: "ok" });
  });

  test("a one-shot waited for only with :exited counts once ended, whatever its code", async () => {
    const exited = new FakeSupervisor(
      groupsOf(
        "[program:warmup]\ncommand=/bin/true\nautorestart=false\n[program:app]\ncommand=/bin/true\ndepends_on=warmup:exited\n",
      ),
    );
    exited.set("warmup", { state: "EXITED", exitstatus: 1 });
    exited.set("app", { state: "RUNNING", pid: 3 });
    const over = { ...source, processes: () => exited.groups().flatMap((g) => g.slots) };
    const response = healthResponse("GET", "/readyz", new URLSearchParams(), over);
    expect({ status: response.status, body: await response.text() }).toEqual({
      status: 200,
      body: "ok",
    });
  });

  test("a program called shutdown: its own line and name; tend's check keeps kube's words", async () => {
    const named = new FakeSupervisor(groupsOf("[program:shutdown]\ncommand=/bin/true\n"));
    named.set("shutdown", { state: "STOPPED", laststart: 5 });
    let down = false;
    const over = {
      ...source,
      processes: () => named.groups().flatMap((g) => g.slots),
      stopping: () => down,
    };
    const ask = async (path: string) => {
      const { path: p, query } = splitUrl(path);
      const response = healthResponse("GET", p, query, over);
      return { status: response.status, body: await response.text() };
    };
    expect(await ask("/readyz/shutdown")).toEqual({ status: 503, body: "shutdown stopped\n" });
    down = true;
    expect((await ask("/readyz")).body).toBe(
      "[-]shutdown failed: tend is shutting down\n[-]shutdown stopped\nreadyz check failed\n",
    );
  });

  test("shutting down: 503 with the shutdown check failed, whatever the programs", async () => {
    stopping = true;
    const { status, body } = await get("/readyz");
    expect(status).toBe(503);
    expect(body.split("\n")[0]).toBe("[-]shutdown failed: tend is shutting down");
    expect(body).toEndWith("readyz check failed\n");
  });

  test("?exclude leaves a process, a group, or several (repeated or comma-separated) out", async () => {
    fake.set("web", { state: "BACKOFF", spawnerr: "boom" });
    fake.set("workers:w1", { state: "STARTING" });
    expect((await get("/readyz?exclude=web")).status).toBe(503);
    expect(await get("/readyz?exclude=web&exclude=workers")).toEqual({ status: 200, body: "ok" });
    expect((await get("/readyz?exclude=web,workers:w1")).status).toBe(200);
    expect((await get("/readyz?verbose&exclude=web&exclude=workers:w1")).body).toBe(
      "[+]migrate ok\n[+]web excluded: ok\n[+]workers:w1 excluded: ok\n[+]workers:w2 ok\nreadyz check passed\n",
    );
  });

  test("?exclude of a name that matches nothing: a warning line, as kube-apiserver's", async () => {
    const { status, body } = await get("/readyz?verbose&exclude=nope&exclude=web");
    expect(status).toBe(200);
    expect(body).toContain(
      '[+]migrate ok\n[+]web excluded: ok\n[+]workers:w1 ok\n[+]workers:w2 ok\nwarn: some health checks cannot be excluded: no matches for "nope"\nreadyz check passed\n',
    );
  });

  test("?exclude=shutdown leaves out the shutdown check (listed as excluded)", async () => {
    stopping = true;
    expect(await get("/readyz?exclude=shutdown")).toEqual({ status: 200, body: "ok" });
    expect((await get("/readyz?exclude=shutdown&verbose")).body).toStartWith(
      "[+]shutdown excluded: ok\n[+]migrate ok\n",
    );
  });
});

describe("/readyz/NAME", () => {
  test("one process, a group (all its processes), a group member, the shutdown check", async () => {
    expect(await get("/readyz/web")).toEqual({ status: 200, body: "ok" });
    expect(await get("/readyz/workers")).toEqual({ status: 200, body: "ok" });
    expect(await get("/readyz/workers:w2")).toEqual({ status: 200, body: "ok" });
    expect(await get("/readyz/shutdown")).toEqual({ status: 200, body: "ok" });
    fake.set("workers:w2", { state: "STARTING" });
    expect(await get("/readyz/workers")).toEqual({ status: 503, body: "workers:w2 starting\n" });
    expect(await get("/readyz/workers:w1")).toEqual({ status: 200, body: "ok" });
    stopping = true;
    expect(await get("/readyz/shutdown")).toEqual({
      status: 503,
      body: "shutdown failed: tend is shutting down\n",
    });
  });

  test("an autostart=false program can be asked for by name", async () => {
    expect(await get("/readyz/manual")).toEqual({ status: 503, body: "manual not started\n" });
    fake.set("manual", { state: "RUNNING", pid: 5 });
    expect(await get("/readyz/manual")).toEqual({ status: 200, body: "ok" });
  });

  test("an unknown name: 404", async () => {
    expect(await get("/readyz/nope")).toEqual({
      status: 404,
      body: "no such process or group: nope\n",
    });
  });

  test("a name escaped in the URL is decoded", async () => {
    expect(await get("/readyz/workers%3Aw1")).toEqual({ status: 200, body: "ok" });
  });
});

describe("/livez, /healthz, /metrics, methods", () => {
  test("/livez and /healthz: ok, the ping check with ?verbose; ok while shutting down", async () => {
    stopping = true;
    expect(await get("/livez")).toEqual({ status: 200, body: "ok" });
    expect(await get("/healthz")).toEqual({ status: 200, body: "ok" });
    expect(await get("/livez?verbose")).toEqual({
      status: 200,
      body: "[+]ping ok\nlivez check passed\n",
    });
  });

  test("/metrics: the source's text as Prometheus' content type", async () => {
    const response = healthResponse("GET", "/metrics", new URLSearchParams(), source);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(await response.text()).toBe("metrics\n");
  });

  test("GET and HEAD only: anything else is 405 with Allow", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const response = healthResponse(method, "/readyz", new URLSearchParams(), source);
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, HEAD");
    }
    expect((await get("/readyz", "HEAD")).status).toBe(200);
  });

  test("answers are never cached and never sniffed", () => {
    const response = healthResponse("GET", "/readyz", new URLSearchParams(), source);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });

  test("which paths are health paths", () => {
    for (const path of ["/livez", "/healthz", "/readyz", "/readyz/web", "/metrics"])
      expect(isHealthPath(path)).toBe(true);
    for (const path of ["/", "/RPC2", "/api", "/readyzz", "/metrics/x", "/livez/x"])
      expect(isHealthPath(path)).toBe(false);
  });

  test("URLs as Bun hands them over: with a host, without one (unix socket), with a fragment", () => {
    expect(splitUrl("http://localhost:8089/readyz?verbose")).toEqual({
      path: "/readyz",
      query: new URLSearchParams("verbose"),
    });
    expect(splitUrl("http:///readyz/a%20b?exclude=x#frag").path).toBe("/readyz/a b");
    expect(splitUrl("http:///readyz/a%20b?exclude=x#frag").query.getAll("exclude")).toEqual(["x"]);
    expect(splitUrl("http://h/readyz/%E0%A4%A").path).toBe("/readyz/%E0%A4%A");
    expect(splitUrl("http://h").path).toBe("/");
  });
});
