// Ready checks with tend as PID 1, seen from outside (its log, XML-RPC,
// `tend ctl status`): for each kind of check, a program that becomes ready
// only when the test opens its gate is STARTING with its process running
// and `not ready: REASON` until then, and RUNNING and ready right after,
// with the success line naming the check. Then what a ready check decides
// beyond that: the startsecs deadline (BACKOFF, FATAL), a check command that
// hangs (killed at its timeout, with its process group; tend answers
// meanwhile), and readiness lost and regained while RUNNING without a
// restart. Every program has startsecs=60 unless the test is about it, so
// that RUNNING can only come from its check.

import { describe, expect, test } from "bun:test";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  descendantsOf,
  FIXTURES,
  innerPidOf,
  isAlive,
  launchTend,
  pidNamespaces,
  readLines,
  scratchDir,
  selfSignedCertificate,
  type Tend,
  waitFor,
  waitingForInput,
  withTend,
} from "../harness/index.ts";
import {
  becomesReady,
  ctl,
  freePort,
  gate,
  type Info,
  infoOf,
  READY_NOTIFY,
  READY_SERVER,
  startingNotReady,
  statusLine,
  untilInfo,
} from "./checks-support.ts";

const TERM_TRAP = `sh ${join(FIXTURES, "term-trap.sh")}`;

/** Program sections with startsecs=60: RUNNING only through the check. */
const program = (name: string, lines: string) =>
  `[program:${name}]\n${lines}\nstartsecs=60\nstopwaitsecs=2\n\n`;

/** Creates DIR/NAME (a gate the program waits for). */
const touch = (tend: Tend, name: string) => () => writeFileSync(tend.path(name), "");

describe.skipIf(!pidNamespaces.ok)("ready checks, tend as PID 1", () => {
  test.concurrent("http://: 503 is not ready; 200 and a redirect (302, not followed) are", async () => {
    const [okPort, movedPort] = [await freePort(), await freePort()];
    const url = (port: number) => `http://127.0.0.1:${port}/healthz`;
    const server = (port: number, status: number) =>
      `command=${READY_SERVER} http ${port} --gate DIR/go-${status} --path /healthz --status ${status}\nready_check=${url(port)}`;
    await withTend(
      program("web", server(okPort, 200)) + program("moved", server(movedPort, 302)),
      async (tend) => {
        const web = await startingNotReady(tend, "web", "HTTP 503");
        const moved = await startingNotReady(tend, "moved", "HTTP 503");
        await becomesReady(tend, "web", url(okPort), web, touch(tend, "go-200"));
        await becomesReady(tend, "moved", url(movedPort), moved, touch(tend, "go-302"));
      },
    );
  }, 20_000);

  test.concurrent("https:// with a self-signed certificate (not verified)", async () => {
    using certs = scratchDir("tend-certs-");
    const made = selfSignedCertificate(certs.dir);
    expect(made).toMatchObject({ ok: true });
    const port = await freePort();
    const url = `https://127.0.0.1:${port}/healthz`;
    await withTend(
      program(
        "secure",
        `command=${READY_SERVER} https ${port} --gate DIR/go --cert ${certs.path("cert.pem")} --key ${certs.path("key.pem")}\nready_check=${url}`,
      ),
      async (tend) => {
        // An HTTP status, not a handshake failure: TLS works before the app is ready.
        const before = await startingNotReady(tend, "secure", "HTTP 503");
        await becomesReady(tend, "secure", url, before, touch(tend, "go"));
      },
    );
  }, 20_000);

  test.concurrent("tcp:PORT: ready once the port accepts connections", async () => {
    const port = await freePort();
    await withTend(
      program("db", `command=${READY_SERVER} tcp ${port} --gate DIR/go\nready_check=tcp:${port}`),
      async (tend) => {
        const before = await startingNotReady(tend, "db", "connection refused");
        await becomesReady(tend, "db", `tcp:${port}`, before, touch(tend, "go"));
      },
    );
  }, 20_000);

  test.concurrent("unix:/PATH: ready once the socket accepts connections", async () => {
    await withTend(
      program(
        "sock",
        `command=${READY_SERVER} unix DIR/app.sock --gate DIR/go\nready_check=unix:DIR/app.sock`,
      ),
      async (tend) => {
        const before = await startingNotReady(tend, "sock", "no such file");
        await becomesReady(
          tend,
          "sock",
          `unix:${tend.path("app.sock")}`,
          before,
          touch(tend, "go"),
        );
      },
    );
  }, 20_000);

  test.concurrent("file:/PATH: ready once the file exists; one left from before tend or from the previous run is removed before each start", async () => {
    // The program makes the flag once its gate opens, and uses the gate up.
    await using tend = await launchTend({
      files: { "ready.flag": "stale, from before tend started\n" },
      programs: program(
        "flagger",
        `command=sh -c '${gate("DIR/go")}; rm DIR/go; touch DIR/ready.flag; exec sleep 1000'\nready_check=file:DIR/ready.flag`,
      ),
    });
    const flag = tend.path("ready.flag");
    const first = await startingNotReady(tend, "flagger", "no such file");
    expect(existsSync(flag)).toBe(false);
    await becomesReady(tend, "flagger", `file:${flag}`, first, touch(tend, "go"));

    // The flag of the first run is there when the second starts: removed.
    await tend.rpc("supervisor.stopProcess", ["flagger"]);
    expect(existsSync(flag)).toBe(true);
    await tend.rpc("supervisor.startProcess", ["flagger", false]);
    const second = await startingNotReady(tend, "flagger", "no such file");
    expect(second.pid).not.toBe(first.pid);
    expect(existsSync(flag)).toBe(false);
    await becomesReady(tend, "flagger", `file:${flag}`, second, touch(tend, "go"));
  }, 20_000);

  test.concurrent("log:REGEX: a line of stdout or of stderr (even written in pieces) after the spawn; a near miss, or a line of the previous run, does not count", async () => {
    const check = "log:listening on port \\d+";
    const talker = (name: string, to: string) =>
      program(
        name,
        `command=sh -c 'echo "listening on port soon"${to}; ${gate(`DIR/go-${name}`)}; rm DIR/go-${name}; printf "server listening on "${to}; sleep 0.2; echo "port 8080"${to}; exec sleep 1000'
ready_check=${check}
stdout_logfile=DIR/${name}.out
stderr_logfile=DIR/${name}.err`,
      );
    await using tend = await launchTend({
      programs: talker("out", "") + talker("err", " >&2"),
    });
    for (const [name, stream] of [
      ["out", "out"],
      ["err", "err"],
    ] as const) {
      await waitFor(
        () => readLines(tend.path(`${name}.${stream}`)).includes("listening on port soon"),
        `${name}'s first line`,
      );
      const before = await startingNotReady(tend, name, "");
      await becomesReady(tend, name, check, before, touch(tend, `go-${name}`));
    }

    // Started again: the line in its log from the first run does not count.
    await tend.rpc("supervisor.stopProcess", ["out"]);
    await tend.rpc("supervisor.startProcess", ["out", false]);
    await waitFor(
      () =>
        readLines(tend.path("out.out")).filter((l) => l === "listening on port soon").length === 2,
      "out's first line of its second run",
    );
    await waitFor(() => waitingForInput(tend.pid), "tend to have read it");
    const again = await startingNotReady(tend, "out", "");
    await becomesReady(tend, "out", check, again, touch(tend, "go-out"));
  }, 20_000);

  test.concurrent("log:REGEX: a line from a process the previous run left behind does not make the new one ready", async () => {
    // The first run leaves a child behind (stopasgroup=false: only the shell
    // is stopped) that still writes to the first run's stdout.
    await using tend = await launchTend({
      programs: program(
        "wrapper",
        `command=sh -c 'if [ -e DIR/second ]; then echo second run; exec sleep 1000; fi; touch DIR/second; (${gate("DIR/say")}; echo READY) & echo first run; exec sleep 1000'
ready_check=log:^READY$
stdout_logfile=DIR/wrapper.out`,
      ),
    });
    await startingNotReady(tend, "wrapper", "");
    await tend.rpc("supervisor.stopProcess", ["wrapper"]);
    await tend.rpc("supervisor.startProcess", ["wrapper", false]);
    await waitFor(
      () => readLines(tend.path("wrapper.out")).includes("second run"),
      "the second run",
    );
    writeFileSync(tend.path("say"), "");
    // The leftover's line reaches tend (and the log file, as under supervisord)...
    await waitFor(
      () => readLines(tend.path("wrapper.out")).includes("READY"),
      "the leftover's line",
    );
    await tend.waitLog(/^reaped unknown pid \d+ \(exit status 0\)$/);
    await waitFor(() => waitingForInput(tend.pid), "tend to have read it");
    // ...but it is not the new process's: it stays not ready.
    expect(await infoOf(tend, "wrapper")).toMatchObject({ statename: "STARTING", ready: false });
    expect(tend.count("success: wrapper")).toBe(0);
  }, 20_000);

  test.concurrent("fd:3: ready when the program writes a newline to its descriptor 3", async () => {
    await withTend(
      program(
        "s6style",
        `command=sh -c '${gate("DIR/go")}; echo >&3; exec sleep 1000'\nready_check=fd:3`,
      ),
      async (tend) => {
        const before = await startingNotReady(tend, "s6style", "");
        await becomesReady(tend, "s6style", "fd:3", before, touch(tend, "go"));
      },
    );
  }, 20_000);

  test.concurrent("notify: READY=1 on $NOTIFY_SOCKET (python3, systemd-notify); STATUS= text shows in the description", async () => {
    await withTend(
      program("daemon", `command=${READY_NOTIFY} DIR/go\nready_check=notify`) +
        program(
          "sdnotify",
          `command=sh -c '${gate("DIR/go-sd")}; systemd-notify --ready --status="serving (systemd-notify)"; exec sleep 1000'\nready_check=notify`,
        ),
      async (tend) => {
        const daemon = await untilInfo(
          tend,
          "daemon",
          (i) => i.description === "warming up",
          "STARTING, saying it warms up",
        );
        expect(daemon.statename).toBe("STARTING");
        expect(await statusLine(tend, "daemon")).toMatch(
          /^daemon +STARTING +warming up, not ready: no answer yet$/,
        );
        await becomesReady(tend, "daemon", "notify", daemon, touch(tend, "go"));
        expect((await infoOf(tend, "daemon")).description).toMatch(
          /^pid \d+, uptime 0:00:\d\d, serving$/,
        );
        expect(await statusLine(tend, "daemon")).toMatch(/, serving, ready$/);

        const sd = await startingNotReady(tend, "sdnotify", "");
        await becomesReady(tend, "sdnotify", "notify", sd, touch(tend, "go-sd"));
        expect((await infoOf(tend, "sdnotify")).description).toEndWith(
          ", serving (systemd-notify)",
        );
      },
    );
  }, 20_000);

  test.concurrent("a command: ready once it exits 0", async () => {
    await withTend(
      program("cmd", "command=sleep 1000\nready_check=test -e DIR/go"),
      async (tend) => {
        const before = await startingNotReady(tend, "cmd", "exit status 1");
        await becomesReady(tend, "cmd", `test -e ${tend.path("go")}`, before, touch(tend, "go"));
      },
    );
  }, 20_000);

  test.concurrent("a check command that hangs is killed with its process group at ready_timeout, one at a time; tend answers meanwhile", async () => {
    // Each probe records its shell's pid and its background child's.
    await using tend = await launchTend({
      programs: `[program:stuck]
command=sleep 1000
ready_check=sh -c 'sleep 1000 & echo $! >> DIR/pids; echo $$ >> DIR/pids; wait'
ready_timeout=0.3
startsecs=0
`,
    });
    const recorded = () => readLines(tend.path("pids")).map(Number);
    /** The recorded pids that still exist in tend's namespace (zombies too). */
    const inside = (alive: boolean) => {
      const pids = descendantsOf(tend.pid).filter((pid) => !alive || isAlive(pid));
      const inner = new Set(pids.map(innerPidOf));
      return recorded().filter((pid) => inner.has(pid));
    };
    const present = () => inside(false);
    await startingNotReady(tend, "stuck", "timed out after 0.3 s");
    let most = 0;
    await waitFor(() => {
      most = Math.max(most, inside(true).length);
      return recorded().length >= 8;
    }, "four probes");
    // Never more than one probe's shell and child at once.
    expect(most).toBeLessThanOrEqual(2);
    // Each probe's processes are gone by the time the next one has started.
    const earlier = recorded().slice(0, -2);
    await waitFor(
      () => earlier.every((pid) => !present().includes(pid)),
      "the earlier probes gone",
    );
    const { stdout, ms } = await ctl(tend, "status");
    expect(stdout).toMatch(/^stuck +STARTING +not ready: timed out after 0\.3 s\n$/);
    expect(ms).toBeLessThan(5_000);
    // Stopped, it is probed no more, and the probe that was out is killed too.
    await tend.rpc("supervisor.stopProcess", ["stuck"]);
    await waitFor(() => present().length === 0, "every check process gone");
    const probes = recorded().length;
    await waitFor(() => waitingForInput(tend.pid), "tend idle");
    expect(recorded().length).toBe(probes);
  }, 20_000);

  test.concurrent("not ready within startsecs: stopped (TERM), BACKOFF `not ready after N s: REASON`, retried, FATAL after the retries; an exit 0 at the stop is no success", async () => {
    const port = await freePort();
    await withTend(
      (dir) => `[program:late]
command=${TERM_TRAP} ${dir}/marks late 0
ready_check=tcp:${port}
startsecs=1
startretries=2
`,
      async (tend) => {
        // Every state seen from the start until FATAL: BACKOFF lasts 1 s, then
        // 2 s, which a busy machine may not sample often.
        const seen: Info[] = [];
        const fatal = await untilInfo(
          tend,
          "late",
          (i) => seen.push(i) > 0 && i.statename === "FATAL",
          "FATAL",
          15_000,
        );
        const why = "not ready after 1 s: connection refused";
        const states = seen.map(
          (i) =>
            `${i.statename} ${i.pid > 0 ? "pid" : "no pid"} [${i.ready_error}] [${i.spawnerr}]`,
        );
        expect(states).toContain("STARTING pid [connection refused] []");
        expect(states).toContain(`BACKOFF no pid [connection refused] [${why}]`);
        expect(seen.find((i) => i.statename === "BACKOFF")?.description).toBe(why);
        expect(fatal).toMatchObject({ spawnerr: why, description: why, pid: 0, ready: false });
        // Two retries, which tend made by itself.
        expect(fatal.restarts).toBe(2);
        expect(tend.count("spawned: 'late' with pid")).toBe(3);
        expect(
          tend.count("not ready: late is not ready after 1 s (connection refused); stopping it"),
        ).toBe(3);
        // Each run was stopped with its stopsignal, and exited 0 after it.
        expect(readLines(join(tend.dir, "marks")).map((l) => l.split(" ")[1])).toEqual(
          Array(3).fill(["start", "term", "done"]).flat(),
        );
        expect(
          tend.count("gave up: late entered FATAL state, too many start retries too quickly"),
        ).toBe(1);
        expect(tend.count("success: late")).toBe(0);
      },
    );
  }, 25_000);

  test.concurrent("readiness while RUNNING: ready_failure_threshold failures make it not ready, ready_success_threshold passes ready again; never restarted", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    await withTend(
      `[program:api]
command=${READY_SERVER} http ${port} --sick DIR/sick --requests DIR/requests
ready_check=${url}
ready_period=0.2
ready_failure_threshold=3
ready_success_threshold=2
startsecs=60
`,
      async (tend) => {
        const requests = () => readLines(tend.path("requests"));
        await tend.waitLog(`success: api entered RUNNING state, ready (${url})`);
        const running = await infoOf(tend, "api");
        const sickFrom = requests().length;
        writeFileSync(tend.path("sick"), "");
        const sick = await untilInfo(tend, "api", (i) => !i.ready, "not ready");
        // The third 503 in a row did it (the server writes before it answers).
        const answers = requests().slice(sickFrom);
        expect(answers.filter((r) => r.startsWith("503")).length).toBeGreaterThanOrEqual(3);
        expect(sick).toMatchObject({
          statename: "RUNNING",
          pid: running.pid,
          ready_error: "HTTP 503",
        });
        expect(await statusLine(tend, "api")).toMatch(
          new RegExp(`^api +RUNNING +pid ${running.pid}, uptime 0:00:\\d\\d, not ready: HTTP 503$`),
        );
        await tend.waitLog("not ready: api: HTTP 503");

        const wellFrom = requests().length;
        rmSync(tend.path("sick"));
        const well = await untilInfo(tend, "api", (i) => i.ready, "ready again");
        const passes = requests()
          .slice(wellFrom)
          .filter((r) => r.startsWith("200"));
        expect(passes.length).toBeGreaterThanOrEqual(2);
        expect(well).toMatchObject({
          statename: "RUNNING",
          pid: running.pid,
          ready_error: "",
          restarts: 0,
        });
        await tend.waitLog(`ready: api is ready again (${url})`);
        expect(await statusLine(tend, "api")).toMatch(/, ready$/);
        expect(tend.count("spawned: 'api'")).toBe(1);
        expect(isAlive(tend.outerPidOf("api"))).toBe(true);
      },
    );
  }, 20_000);
});
