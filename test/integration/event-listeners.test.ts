// Event listeners, tend (as PID 1) beside supervisord 4.2.5 on the same
// config: a listener that records every event it hears (header and payload)
// runs under both, and the two records must be the same once pids, serials
// and tick times are set aside. One case per event family, then the
// handshake's edge cases: a listener that answers FAIL, one that dies
// mid-event, one that never says READY (its buffer overflows), and the
// one-liner that stops the supervisor when a program goes FATAL.

import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  eventually,
  FIXTURES,
  launchServer,
  pidNamespaces,
  readLines,
  type Server,
  type ServerKind,
  scratchDir,
  start,
  supervisor,
  TEND,
  within,
  writeConfig,
} from "../harness/index.ts";

const LISTENER = join(FIXTURES, "record-listener.py");
const KINDS: readonly ServerKind[] = ["supervisord", "tend"];

/** A listener pool that records into %(here)s/record. */
function listener(events: string, mode = "ok", extra = ""): string {
  return `[eventlistener:rec]
command=python3 ${LISTENER} %(here)s/record ${mode}
events=${events}
${extra}
`;
}

/** The events a record holds, as written (header line, newline, payload). */
function rawEventsOf(server: Server): string[] {
  const path = join(server.dir, "record");
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n---\n")
    .filter((event) => event !== "");
}

/** The events a record holds, in order, with what may differ between servers replaced. */
function eventsOf(server: Server): string[] {
  return rawEventsOf(server).map((event) =>
    event
      .replace(/\bserial:\d+/g, "serial:N")
      .replace(/\bpoolserial:\d+/g, "poolserial:N")
      .replace(/\bpid:\d+/g, "pid:N")
      .replace(/\bwhen:\d+/g, "when:N")
      .replace(/\blen:\d+/, "len:N"),
  );
}

/** Each event's `len:` is its payload's length in characters (checked before it is set aside). */
function expectLengthsRight(server: Server): void {
  for (const event of rawEventsOf(server)) {
    const newline = event.indexOf("\n");
    const declared = Number(/\blen:(\d+)/.exec(event.slice(0, newline))?.[1]);
    expect({ event, length: [...event.slice(newline + 1)].length }).toEqual({
      event,
      length: declared,
    });
  }
}

const names = (events: readonly string[]) => events.map((e) => /eventname:(\S+)/.exec(e)?.[1]);

/**
 * Runs `scenario` on a server of each kind, both at once, and returns each
 * one's record once `done` says it is complete.
 */
async function recordBoth(
  programs: string,
  done: (events: string[]) => boolean,
  scenario: (server: Server) => Promise<void> = async () => {},
  files: Record<ServerKind, Record<string, string>> = { supervisord: {}, tend: {} },
): Promise<Record<ServerKind, string[]>> {
  const records = await Promise.all(
    KINDS.map(async (kind) => {
      await using server = await launchServer(kind, { programs });
      await scenario(server);
      const events = await eventually(
        async () => {
          const events = eventsOf(server);
          return done(events) && events;
        },
        `${kind}'s listener to hear it all`,
        20_000,
      );
      expectLengthsRight(server);
      // A file gets an unfinished line a moment later (tend: after 100 ms quiet).
      for (const name of Object.keys(files[kind]))
        files[kind][name] = await eventually(
          async () => readFileSync(join(server.dir, name), "utf8") || false,
          `${name} to be written`,
        );
      return events;
    }),
  );
  return { supervisord: records[0] as string[], tend: records[1] as string[] };
}

/** Until `name` is in `state` on `server`. */
function until(server: Server, name: string, state: string): Promise<unknown> {
  return eventually(async () => {
    const info = (await server.call("supervisor.getProcessInfo", name)) as { statename: string };
    return info.statename === state;
  }, `${name} to be ${state}`);
}

const has =
  (type: string, count = 1) =>
  (events: string[]) =>
    names(events).filter((name) => name === type).length >= count;

describe.skipIf(!pidNamespaces.ok || !supervisor.ok)(
  "event listeners, tend beside supervisord 4.2.5",
  () => {
    test("PROCESS_STATE: every state change of every process, with tries, from_state, expected and pid", async () => {
      const records = await recordBoth(
        `${listener("PROCESS_STATE")}
[program:short]
command=sh -c 'sleep 2.5; exit 3'
autorestart=false
`,
        has("PROCESS_STATE_EXITED"),
      );
      expect(records.tend).toEqual(records.supervisord);
      expect(names(records.tend)).toEqual([
        "PROCESS_STATE_STARTING",
        "PROCESS_STATE_STARTING",
        "PROCESS_STATE_RUNNING",
        "PROCESS_STATE_RUNNING",
        "PROCESS_STATE_EXITED",
      ]);
    }, 60_000);

    test("PROCESS_LOG: stdout and stderr as read, with stdout_events_enabled and stderr_events_enabled", async () => {
      const records = await recordBoth(
        `${listener("PROCESS_LOG")}
[program:talker]
command=sh -c 'sleep 1.5; echo one; sleep 0.5; echo oops >&2; sleep 0.5; printf "caf\\303\\251 \\210\\n"; sleep 100'
stdout_events_enabled=true
stderr_events_enabled=true
`,
        has("PROCESS_LOG_STDOUT", 2),
      );
      expect(records.tend).toEqual(records.supervisord);
      expect(names(records.tend)).toEqual([
        "PROCESS_LOG_STDOUT",
        "PROCESS_LOG_STDERR",
        "PROCESS_LOG_STDOUT",
      ]);
      expect(records.tend[2]).toContain("Undecodable: b'caf\\xc3\\xa9 \\x88\\n'");
    }, 60_000);

    test("PROCESS_COMMUNICATION: what a program writes between the capture tokens, kept out of its log", async () => {
      const logs = { supervisord: { "teller.log": "" }, tend: { "teller.log": "" } };
      const records = await recordBoth(
        `${listener("PROCESS_COMMUNICATION")}
[program:teller]
command=sh -c 'sleep 1.5; printf "before<!--XSUPERVISOR:BEGIN-->hello\\ncomm<!--XSUPERVISOR:END-->after\\n"; sleep 100'
stdout_capture_maxbytes=1MB
stdout_logfile=%(here)s/teller.log
`,
        has("PROCESS_COMMUNICATION_STDOUT"),
        async () => {},
        logs,
      );
      expect(records.tend).toEqual(records.supervisord);
      expect(logs.tend["teller.log"]).toBe(logs.supervisord["teller.log"]);
      // "after" waits for more output, as in supervisord's capture mode.
      expect(logs.tend["teller.log"]).toBe("before");
      expect(records.tend[0]).toEndWith("processname:teller groupname:teller pid:N\nhello\ncomm");
    }, 60_000);

    test("REMOTE_COMMUNICATION: sendRemoteCommEvent's type and data (as supervisord sends them)", async () => {
      const records = await recordBoth(
        listener("REMOTE_COMMUNICATION"),
        has("REMOTE_COMMUNICATION"),
        async (server) => {
          await until(server, "rec", "RUNNING");
          await server.call("supervisor.sendRemoteCommEvent", "kind", "données 1");
        },
      );
      expect(records.tend).toEqual(records.supervisord);
      expect(records.tend).toHaveLength(1);
    }, 60_000);

    test("SUPERVISOR_STATE_CHANGE and PROCESS_GROUP: start-up, groups added and removed, then STOPPING", async () => {
      const programs = `${listener("SUPERVISOR_STATE_CHANGE,PROCESS_GROUP", "linger", "stopwaitsecs=2\n")}
[program:alpha]
command=sleep 100
priority=10
`;
      const records = await recordBoth(
        programs,
        has("SUPERVISOR_STATE_CHANGE_STOPPING"),
        async (server) => {
          await until(server, "rec", "RUNNING");
          const config = readFileSync(server.config, "utf8");
          writeFileSync(server.config, `${config}\n[program:extra]\ncommand=sleep 100\n`);
          await server.call("supervisor.reloadConfig");
          await server.call("supervisor.addProcessGroup", "extra");
          await until(server, "extra", "RUNNING");
          await server.call("supervisor.stopProcessGroup", "extra");
          await server.call("supervisor.removeProcessGroup", "extra");
          await eventually(
            async () => has("PROCESS_GROUP_REMOVED")(eventsOf(server)),
            "the removal",
          );
          await server.call("supervisor.shutdown");
        },
      );
      expect(records.tend).toEqual(records.supervisord);
      expect(names(records.tend)).toEqual([
        "PROCESS_GROUP_ADDED",
        "PROCESS_GROUP_ADDED",
        "SUPERVISOR_STATE_CHANGE_RUNNING",
        "PROCESS_GROUP_ADDED",
        "PROCESS_GROUP_REMOVED",
        "SUPERVISOR_STATE_CHANGE_STOPPING",
      ]);
    }, 60_000);

    test("TICK_5: when the five-second period turns", async () => {
      const records = await recordBoth(listener("TICK_5"), has("TICK_5"));
      expect(records.tend.slice(0, 1)).toEqual(records.supervisord.slice(0, 1));
      expect(records.tend[0]).toContain("eventname:TICK_5 len:");
    }, 60_000);

    test("a listener that answers FAIL: the event is rejected and sent again", async () => {
      const records = await recordBoth(
        `${listener("PROCESS_STATE_RUNNING", "fail-first")}
[program:later]
command=sh -c 'sleep 1; exec sleep 100'
startsecs=2
`,
        has("PROCESS_STATE_RUNNING", 3),
      );
      expect(records.tend).toEqual(records.supervisord);
      // The first event, twice: the same serials, then the next one.
      const [first, again] = records.tend;
      expect(again).toBe(first);
    }, 60_000);

    test("a listener that dies mid-event: restarted, it hears the same event again", async () => {
      const records = await recordBoth(
        `${listener("PROCESS_STATE_RUNNING", "die-first", "autorestart=true\n")}`,
        has("PROCESS_STATE_RUNNING", 3),
      );
      expect(records.tend).toEqual(records.supervisord);
      expect(records.tend[1]).toBe(records.tend[0]);
    }, 60_000);

    test("a listener that never says READY: its buffer overflows, the oldest are dropped and logged", async () => {
      const overflows = await Promise.all(
        KINDS.map(async (kind) => {
          await using server = await launchServer(kind, {
            programs: `${listener("PROCESS_STATE", "never-ready", "buffer_size=2\n")}
[program:flaky]
command=sh -c 'exit 1'
startretries=2
`,
          });
          await until(server, "flaky", "FATAL");
          return readLines(server.log)
            .filter((line) => line.includes("event buffer overflowed"))
            .map((line) => line.replace(/^.*? ERRO /, "").replace(/\d+$/, "N"));
        }),
      );
      expect(overflows[1]).toEqual(overflows[0] as string[]);
      expect(overflows[1]).toContain("pool rec event buffer overflowed, discarding event N");
    }, 60_000);

    // The one-liner images use to stop supervisord when a program goes
    // FATAL (supervisord's own end-to-end suite, issue 733).
    for (const signal of ["SIGTERM", "SIGQUIT"]) {
      test(`the ${signal} one-liner on PROCESS_STATE_FATAL ends tend as it ends supervisord, with the same exit code`, async () => {
        const codes = await Promise.all(
          KINDS.map(async (kind) => {
            // Not launchServer: it waits for an answer, and tend may be gone by then.
            using scratch = scratchDir(`tend-${kind}-`);
            const { config } = writeConfig(
              scratch.dir,
              `[program:nonexistent]
command=%(here)s/nonexistent
startsecs=0
startretries=0
autorestart=false

[eventlistener:fatalexit]
events=PROCESS_STATE_FATAL
command=sh -c 'while true; do printf "READY\\n"; read line; kill -${signal.slice(3)} $PPID; printf "RESULT 2\\n"; printf "OK"; done'
startsecs=0
startretries=0
`,
            );
            await using run = start(
              kind === "supervisord" ? ["-n", "-c", config] : ["-c", config],
              {
                binary: [kind === "supervisord" ? "supervisord" : TEND],
                cwd: scratch.dir,
              },
            );
            const finished = await within(run.finished, 20_000, `${kind} to end`);
            return finished.code;
          }),
        );
        expect(codes).toEqual([0, 0]);
      }, 60_000);
    }
  },
);
