// The health endpoints with tend as PID 1, probed over real sockets as a
// kubelet or Prometheus would: /livez, /readyz (verbose, exclude, per
// name) as programs become ready, the [health] listener serving nothing
// else, the same paths behind the control servers' auth, $TEND_HEALTH_PORT,
// 503 from the first TERM, shutdown_delay measured from timestamps, and
// every metric moving when its event happens, checked by promtool.

import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import packageJson from "../../package.json" with { type: "json" };
import {
  basic,
  eventually,
  FIXTURES,
  freePort,
  launchTend,
  pidNamespaces,
  readLines,
  runCommand,
  supervisor,
  TEND,
  type Tend,
  waitFor,
  withTend,
} from "../harness/index.ts";

const TERM_TRAP = `sh ${join(FIXTURES, "term-trap.sh")}`;

interface Answer {
  readonly status: number;
  readonly body: string;
}

async function get(
  where: number | string,
  path: string,
  init: RequestInit & { unix?: string } = {},
): Promise<Answer> {
  const response =
    typeof where === "number"
      ? await fetch(`http://127.0.0.1:${where}${path}`, init)
      : await fetch(`http://localhost${path}`, { ...init, unix: where });
  return { status: response.status, body: await response.text() };
}

/** The value of one sample of /metrics (`name{labels}` as written), or undefined. */
function sampleOf(metrics: string, series: string): number | undefined {
  const line = metrics.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const health = (port: number) => `[health]\nport=${port}\nhost=127.0.0.1\n`;

describe.skipIf(!pidNamespaces.ok)("the health endpoints, tend as PID 1", () => {
  test.concurrent("/livez and /readyz as programs get ready; the listener serves nothing else", async () => {
    const port = freePort();
    await withTend(
      {
        server: "",
        programs: `${health(port)}
[program:web]
command=sleep infinity
ready_check=file:DIR/go
ready_period=0.1
startsecs=60
depends_on=migrate:done
[program:migrate]
command=sh -c 'while [ ! -e DIR/migrated ]; do sleep 0.05; done'
autorestart=false
[program:manual]
command=sleep infinity
autostart=false
[group:workers]
programs=w1,w2
[program:w1]
command=sleep infinity
startsecs=0
[program:w2]
command=sleep infinity
startsecs=0
`,
      },
      async (tend) => {
        await tend.ready();
        expect(await get(port, "/livez")).toEqual({ status: 200, body: "ok" });
        expect(await get(port, "/healthz")).toEqual({ status: 200, body: "ok" });
        expect(await get(port, "/livez?verbose")).toEqual({
          status: 200,
          body: "[+]ping ok\nlivez check passed\n",
        });
        // migrate, a one-shot web waits for, is not ready while it runs
        await eventually(
          async () => (await tend.infos()).get("migrate")?.statename === "RUNNING",
          "migrate running",
        );
        expect(await get(port, "/readyz/migrate")).toEqual({
          status: 503,
          body: "migrate running, not done yet\n",
        });
        const early = await runCommand([
          TEND,
          "ctl",
          "-s",
          `unix://${tend.socket}`,
          "wait",
          "migrate",
          "--timeout",
          "0",
        ]);
        expect(early.code).toBe(1);
        writeFileSync(tend.path("migrated"), "");
        // web then waits for its check (once that check has answered once)
        const waiting = await eventually(async () => {
          const answer = await get(port, "/readyz");
          return (
            answer.body.includes("[+]migrate ok") &&
            !answer.body.includes("no answer yet") &&
            answer
          );
        }, "migrate done, web's first check answered");
        expect(waiting).toEqual({
          status: 503,
          body: [
            "[+]migrate ok",
            "[-]web starting, not ready: no such file",
            "[+]workers:w1 ok",
            "[+]workers:w2 ok",
            "readyz check failed",
            "",
          ].join("\n"),
        });
        expect(await get(port, "/readyz?exclude=web")).toEqual({ status: 200, body: "ok" });
        expect((await get(port, "/readyz?verbose&exclude=web&exclude=nope")).body).toBe(
          '[+]migrate ok\n[+]web excluded: ok\n[+]workers:w1 ok\n[+]workers:w2 ok\nwarn: some health checks cannot be excluded: no matches for "nope"\nreadyz check passed\n',
        );
        expect(await get(port, "/readyz/workers")).toEqual({ status: 200, body: "ok" });
        expect(await get(port, "/readyz/workers:w1")).toEqual({ status: 200, body: "ok" });
        expect((await get(port, "/readyz/web")).status).toBe(503);
        expect(await get(port, "/readyz/manual")).toEqual({
          status: 503,
          body: "manual not started\n",
        });
        expect((await get(port, "/readyz/nope")).status).toBe(404);
        // HEAD: the status without a body
        const head = await fetch(`http://127.0.0.1:${port}/readyz/workers`, { method: "HEAD" });
        expect(head.status).toBe(200);
        expect(head.headers.get("content-length")).toBe("2"); // as the GET's "ok"

        writeFileSync(tend.path("go"), "");
        const ready = await eventually(async () => {
          const answer = await get(port, "/readyz");
          return answer.status === 200 && answer;
        }, "/readyz 200 once web is ready");
        expect(ready.body).toBe("ok");
        expect((await get(port, "/readyz?verbose")).body).toEndWith(
          "[+]web ok\n[+]workers:w1 ok\n[+]workers:w2 ok\nreadyz check passed\n",
        );

        // Read-only: no control, no web UI, no other method.
        const stop = await fetch(`http://127.0.0.1:${port}/RPC2`, {
          method: "POST",
          headers: { "Content-Type": "text/xml" },
          body: "<?xml version='1.0'?><methodCall><methodName>supervisor.stopProcess</methodName><params><param><value><string>web</string></value></param></params></methodCall>",
        });
        expect(stop.status).toBe(404);
        const api = await fetch(`http://127.0.0.1:${port}/api`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ method: "supervisor.shutdown", params: [] }),
        });
        expect(api.status).toBe(404);
        expect((await get(port, "/")).status).toBe(404);
        expect((await get(port, "/logtail/web")).status).toBe(404);
        const post = await fetch(`http://127.0.0.1:${port}/readyz`, { method: "POST", body: "x" });
        expect(post.status).toBe(405);
        expect(post.statusText).toBe("Method Not Allowed");
        expect(post.headers.get("allow")).toBe("GET, HEAD");
        expect((await tend.infos()).get("web")?.statename).toBe("RUNNING");

        // supervisorctl and tend ctl are unaffected
        const ours = await runCommand([
          TEND,
          "ctl",
          "-s",
          `unix://${tend.socket}`,
          "status",
          "web",
        ]);
        expect(ours.stdout).toMatch(/^web\s+RUNNING/);
        if (supervisor.ok) {
          const theirs = await runCommand([
            "supervisorctl",
            "-s",
            `unix://${tend.socket}`,
            "status",
            "web",
          ]);
          expect(theirs.stdout).toMatch(/^web\s+RUNNING/);
        }
      },
    );
  });

  test.concurrent("the same paths on the control socket and the inet server, behind their auth", async () => {
    const inet = freePort();
    await withTend(
      {
        server: "username=admin\npassword=secret",
        programs: `[inet_http_server]\nport=127.0.0.1:${inet}\nusername=admin\npassword={SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4\n[program:web]\ncommand=sleep infinity\nstartsecs=0\n`,
      },
      async (tend) => {
        const auth = { Authorization: basic("admin", "secret") };
        await tend.ready(auth);
        for (const where of [tend.socket, inet]) {
          for (const path of ["/livez", "/readyz", "/readyz/web", "/metrics"]) {
            expect({ where, path, status: (await get(where, path)).status }).toEqual({
              where,
              path,
              status: 401,
            });
          }
          expect(await get(where, "/livez", { headers: auth })).toEqual({
            status: 200,
            body: "ok",
          });
          const ready = await eventually(async () => {
            const answer = await get(where, "/readyz?verbose", { headers: auth });
            return answer.status === 200 && answer;
          }, "ready over the control server");
          expect(ready.body).toBe("[+]web ok\nreadyz check passed\n");
          const metrics = await get(where, "/metrics", { headers: auth });
          expect(metrics.body).toContain('node_supervisord_up{name="web",group="web"} 1\n');
        }
      },
    );
  });

  test.concurrent("no host: every interface, IPv6 and IPv4 (a kubelet probes the pod's address)", async () => {
    const port = freePort();
    await withTend(
      `[health]\nport=${port}\n[program:web]\ncommand=sleep infinity\nstartsecs=0\n`,
      async () => {
        await eventually(async () => (await get(port, "/livez")).body === "ok", "IPv4");
        const v6 = await fetch(`http://[::1]:${port}/livez`);
        expect(await v6.text()).toBe("ok");
      },
    );
  });

  test.concurrent("$TEND_HEALTH_PORT alone turns the listener on; tend check says where it came from", async () => {
    const port = freePort();
    await withTend(
      {
        env: { TEND_HEALTH_PORT: String(port) },
        programs: "[program:web]\ncommand=sleep infinity\nstartsecs=0\n",
      },
      async (tend) => {
        await eventually(async () => (await get(port, "/livez")).body === "ok", "/livez");
        const check = await runCommand([TEND, "check", "-c", tend.config], {
          env: { TEND_HEALTH_PORT: String(port) },
        });
        expect(check.stdout).toContain(
          `[health]\nport=${port} ; from environment TEND_HEALTH_PORT\n\n`,
        );
      },
    );
  });

  test.concurrent("a [health] port already taken: an error naming it, nothing started", async () => {
    const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      await using tend = await launchTend({
        programs: `${health(taken.port)}[program:web]\ncommand=sleep infinity\n`,
      });
      const end = await tend.finished();
      expect(end.code).toBe(2);
      expect(tend.messages().join("\n")).toContain(
        `cannot listen on 127.0.0.1:${taken.port} ([health]):`,
      );
      expect(tend.count("spawned:")).toBe(0);
    } finally {
      taken.stop(true);
    }
  });
});

describe.skipIf(!pidNamespaces.ok)("shutting down: /readyz fails from the first TERM", () => {
  test.concurrent("without shutdown_delay: 503 while the programs stop, /livez still ok", async () => {
    const port = freePort();
    await withTend(
      `${health(port)}[program:slow]\ncommand=${TERM_TRAP} DIR/events slow 1.5\nstartsecs=0\n`,
      async (tend) => {
        await eventually(async () => (await get(port, "/readyz")).status === 200, "ready");
        tend.signal("SIGTERM");
        await waitFor(
          () => readLines(tend.path("events")).some((l) => l.startsWith("slow term")),
          "slow's TERM",
        );
        expect(await get(port, "/readyz/shutdown")).toEqual({
          status: 503,
          body: "shutdown failed: tend is shutting down\n",
        });
        const during = await get(port, "/readyz?verbose");
        expect(during.status).toBe(503);
        expect(during.body.split("\n")[0]).toBe("[-]shutdown failed: tend is shutting down");
        expect(await get(port, "/livez")).toEqual({ status: 200, body: "ok" });
        expect((await tend.finished()).code).toBe(0);
      },
    );
  });

  test.concurrent("shutdown_delay=1.5: 503 at once, the programs run 1.5 s more, then stop in order", async () => {
    await draining(1.5, "", async (tend, port) => {
      const sent = Date.now();
      tend.signal("SIGTERM");
      // Not ready at once, while web runs on untouched.
      const first = await eventually(async () => {
        const answer = await get(port, "/readyz");
        return answer.status === 503 && Date.now();
      }, "/readyz 503");
      expect(first - sent).toBeLessThan(500);
      expect(termOf(tend, "web")).toBeUndefined();
      // web itself is still fine (the control methods answer SHUTDOWN_STATE now, as supervisord's)
      expect(await get(port, "/readyz/web")).toEqual({ status: 200, body: "ok" });
      expect((await tend.finished()).code).toBe(0);
      // web heard its TERM 1.5 s after tend did (within what a loaded machine adds).
      const termAt = termOf(tend, "web") ?? 0;
      expect(termAt - sent).toBeGreaterThanOrEqual(1500);
      expect(termAt - sent).toBeLessThan(2500);
      const received = await tend.waitLog(/^received SIGTERM indicating exit request/);
      const over = await tend.waitLog("shutdown_delay is over: stopping the programs");
      expect(over.time - received.time).toBeGreaterThanOrEqual(1490);
      expect(over.time - received.time).toBeLessThan(2000);
      expect(received.message).toBe(
        "received SIGTERM indicating exit request: not ready from now on; stopping the programs in 1.5 s (shutdown_delay)",
      );
    });
  });

  test.concurrent("a second TERM during shutdown_delay stops the programs at once, still in order", async () => {
    await draining(30, "", async (tend) => {
      tend.signal("SIGTERM");
      await tend.waitLog("stopping the programs in 30 s (shutdown_delay)");
      const second = Date.now();
      tend.signal("SIGTERM");
      expect((await tend.finished(5000)).code).toBe(0);
      // web stopped by its TERM and finished its clean-up: not killed
      expect(readLines(tend.path("events")).some((l) => l.startsWith("web done"))).toBe(true);
      expect((termOf(tend, "web") ?? Infinity) - second).toBeLessThan(1000);
      await tend.waitLog("received SIGTERM again: stopping the programs now");
    });
  });

  test.concurrent("a critical program's end during shutdown_delay stops everything now, with its code", async () => {
    const critical = `[program:job]\ncommand=sh -c 'while [ ! -e DIR/die ]; do sleep 0.05; done; exit 3'\nstartsecs=0\nautorestart=false\ncritical=true\n`;
    await draining(30, critical, async (tend) => {
      tend.signal("SIGTERM");
      await tend.waitLog("stopping the programs in 30 s (shutdown_delay)");
      const died = Date.now();
      writeFileSync(tend.path("die"), "");
      expect((await tend.finished(5000)).code).toBe(3);
      expect((termOf(tend, "web") ?? Infinity) - died).toBeLessThan(1000);
      expect(readLines(tend.path("events")).some((l) => l.startsWith("web done"))).toBe(true);
    });
  });
});

/**
 * A tend with `shutdown_delay` and web, a program that records its TERM in
 * DIR/events (and takes 0.2 s to clean up), plus `more` programs; `body`
 * runs once /readyz says everything is ready.
 */
async function draining(
  delay: number,
  more: string,
  body: (tend: Tend, port: number) => Promise<void>,
): Promise<void> {
  const port = freePort();
  await withTend(
    {
      supervisord: `shutdown_delay=${delay}`,
      programs: `${health(port)}[program:web]\ncommand=${TERM_TRAP} DIR/events web 0.2\nstartsecs=0\n${more}`,
    },
    async (tend) => {
      await eventually(async () => (await get(port, "/readyz")).status === 200, "ready");
      await body(tend, port);
    },
  );
}

/** When (epoch ms) the term-trap program `name` recorded its TERM, if it has. */
function termOf(tend: Tend, name: string): number | undefined {
  const line = readLines(tend.path("events")).find((l) => l.startsWith(`${name} term `));
  return line === undefined ? undefined : Number(line.split(" ")[2]) * 1000;
}

describe.skipIf(!pidNamespaces.ok)("/metrics, tend as PID 1", () => {
  test("every series moves when its event happens; promtool check metrics is clean", async () => {
    // (flaky's restarts and crash's backoff need a few seconds of real time)
    const port = freePort();
    await using tend = await launchTend({
      server: "",
      programs: `${health(port)}
[program:web]
command=sleep infinity
ready_check=file:DIR/go
ready_period=0.1
live_check=file:DIR/alive
live_period=0.1
live_failure_threshold=1000
startsecs=60
[program:talker]
command=sh -c 'printf 0123456789; printf abc >&2; trap "" USR1; exec sleep infinity'
startsecs=0
[program:flaky]
command=sh -c 'sleep 0.2; exit 1'
startsecs=0
autorestart=true
[program:crash]
command=sh -c 'exit 3'
startsecs=1
backoff=exponential
backoff_initial=5
backoff_jitter=0
startretries=unlimited
[program:orphans]
command=sh ${join(FIXTURES, "spawn-orphans.sh")} 3 0.1 1000 0
startsecs=0
`,
    });
    const metrics = async () => (await get(port, "/metrics")).body;
    const sample = async (series: string) => sampleOf(await metrics(), series);
    const until = (series: string, holds: (value: number) => boolean) =>
      eventually(async () => {
        const value = await sample(series);
        return value !== undefined && holds(value) && value;
      }, `${series} to move`);
    const labels = (name: string, extra = "") => `{name="${name}",group="${name}"${extra}}`;
    await eventually(async () => (await get(port, "/livez")).status === 200, "the listener");

    // Content type Prometheus asks for
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");

    // log bytes per stream, exactly what was written
    await until(`tend_log_bytes_total${labels("talker", ',stream="stdout"')}`, (v) => v === 10);
    await until(`tend_log_bytes_total${labels("talker", ',stream="stderr"')}`, (v) => v === 3);

    // restarts and the exporters' series for a program that keeps exiting 1
    await until(`tend_process_restarts_total${labels("flaky")}`, (v) => v >= 2);
    expect(await sample(`node_supervisord_exit_status${labels("flaky")}`)).toBe(1);

    // backoff: an exponential first wait of 5 s, counting down
    const backoff = await until(`tend_process_backoff_seconds${labels("crash")}`, (v) => v > 0);
    expect(backoff).toBeLessThanOrEqual(5);
    expect(await sample(`node_supervisord_state${labels("crash")}`)).toBe(30);
    expect(await sample(`node_supervisord_up${labels("crash")}`)).toBe(0);

    // orphans reaped: the three the fixture double-forked
    await until("tend_orphans_reaped_total", (v) => v >= 3);

    // ready and live checks: failures until their files exist, then successes (the
    // live check runs only once web is RUNNING, that is ready)
    await until(
      `tend_check_total${labels("web", ',check="ready",result="failure"')}`,
      (v) => v > 0,
    );
    expect(await sample(`tend_process_ready${labels("web")}`)).toBe(0);
    expect(await sample(`node_supervisord_up${labels("web")}`)).toBe(1);
    writeFileSync(tend.path("go"), "");
    await until(
      `tend_check_total${labels("web", ',check="ready",result="success"')}`,
      (v) => v > 0,
    );
    await until(`tend_process_ready${labels("web")}`, (v) => v === 1);
    await until(`tend_check_total${labels("web", ',check="live",result="failure"')}`, (v) => v > 0);
    writeFileSync(tend.path("alive"), "");
    await until(`tend_check_total${labels("web", ',check="live",result="success"')}`, (v) => v > 0);
    const started = await sample(`node_supervisord_start_time_seconds${labels("web")}`);
    expect(Math.abs((started ?? 0) - Date.now() / 1000)).toBeLessThan(60);

    // a forwarded USR1
    expect(await sample('tend_signals_forwarded_total{signal="SIGUSR1"}')).toBeUndefined();
    tend.signal("SIGUSR1");
    await until('tend_signals_forwarded_total{signal="SIGUSR1"}', (v) => v === 1);

    // config reloads: SIGHUP with the same config, then with a broken one
    expect(await sample('tend_config_reloads_total{result="success"}')).toBe(0);
    tend.signal("SIGHUP");
    await until('tend_config_reloads_total{result="success"}', (v) => v === 1);
    const config = await Bun.file(tend.config).text();
    writeFileSync(tend.config, `${config}\n[program:broken]\n`);
    tend.signal("SIGHUP");
    await until('tend_config_reloads_total{result="failure"}', (v) => v === 1);
    // supervisorctl's reread (reloadConfig) reads it too
    await runCommand([TEND, "ctl", "-s", `unix://${tend.socket}`, "reread"]);
    expect(await sample('tend_config_reloads_total{result="failure"}')).toBe(2);

    // build info and tend's own process series
    const text = await metrics();
    expect(sampleOf(text, `tend_build_info{version="${packageJson.version}"}`)).toBe(1);
    expect(sampleOf(text, "process_resident_memory_bytes")).toBeGreaterThan(1024 * 1024);
    expect(sampleOf(text, "process_open_fds")).toBeGreaterThan(3);
    expect(sampleOf(text, "process_cpu_seconds_total")).toBeGreaterThan(0);
    const startTime = sampleOf(text, "process_start_time_seconds") ?? 0;
    expect(Math.abs(startTime - Date.now() / 1000)).toBeLessThan(120);

    // Prometheus' own linter on the real output, with every family present
    const promtool = Bun.which("promtool");
    if (promtool === null)
      throw new Error("promtool is missing: install Debian's prometheus package");
    const checked = await runCommand([promtool, "check", "metrics"], { stdin: text });
    expect({ code: checked.code, stdout: checked.stdout, stderr: checked.stderr }).toEqual({
      code: 0,
      stdout: "",
      stderr: "",
    });
  }, 30_000);
});
