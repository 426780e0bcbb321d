// Run mode (`tend -c FILE`) as a real PID 1: supervisord's restart and
// backoff timing, autorestart against exitcodes, priority order at start and
// at shutdown, stop escalation and process groups, the identity a program
// runs with, spawn failures, shutdown of many programs, critical programs,
// a second TERM, and orphans. Programs record what happens to them in files;
// tend's own log goes to a file so it can be watched while tend runs.

import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import {
  childrenOf,
  FIXTURES,
  isAlive,
  parentOf,
  pidNamespaces,
  procStatus,
  readLines,
  stateOf,
  waitFor,
  withTend,
  zombieChildrenOf,
} from "../harness/index.ts";

const RECORD_RUN = `sh ${join(FIXTURES, "record-run.sh")}`;
const TERM_TRAP = `sh ${join(FIXTURES, "term-trap.sh")}`;
const IGNORE_TERM = `sh ${join(FIXTURES, "ignore-term.sh")}`;
const SPAWN_ORPHANS = `sh ${join(FIXTURES, "spawn-orphans.sh")}`;

/** A mark a fixture wrote: `LABEL... <epoch seconds>`, as [label, seconds]. */
function marks(path: string): { label: string; t: number }[] {
  return readLines(path).map((line) => {
    const at = line.lastIndexOf(" ");
    return { label: line.slice(0, at), t: Number(line.slice(at + 1)) };
  });
}

function timesOf(path: string, label: string): number[] {
  return marks(path)
    .filter((mark) => mark.label === label)
    .map((mark) => mark.t);
}

function onlyTimeOf(path: string, label: string): number {
  const times = timesOf(path, label);
  if (times.length !== 1) throw new Error(`expected one "${label}" in ${path}: ${times}`);
  return times[0] as number;
}

describe.skipIf(!pidNamespaces.ok)("supervision as PID 1", () => {
  test.concurrent("a program that always fails fast is retried after 1, 2 and 3 s, then FATAL; tend stays up", async () => {
    await withTend(
      (dir) => `[program:flop]\ncommand=${RECORD_RUN} ${dir}/runs 0 1\n`,
      async (tend) => {
        await tend.waitLog(
          "gave up: flop entered FATAL state, too many start retries too quickly",
          12_000,
        );
        // A window past the 4 s a fifth attempt would wait: FATAL is final, and
        // tend, with nothing left to run, stays up.
        await Bun.sleep(4_500);
        const starts = timesOf(join(tend.dir, "runs"), "start");
        const exits = timesOf(join(tend.dir, "runs"), "exit");
        expect(starts).toHaveLength(4);
        // The n-th retry comes n seconds after the failure it follows (from
        // that exit, as supervisord counts it, so a slow spawn under load
        // does not blur the delay).
        const gaps = starts.slice(1).map((t, i) => t - (exits[i] as number));
        gaps.forEach((gap, i) => {
          // never early, by the program's own clock...
          expect(gap).toBeGreaterThan(i + 1 - 0.05);
        });
        // ...and on time by tend's log (what a loaded machine adds to a shell's
        // start before it writes its record is not tend's delay).
        const entries = tend.entries();
        const at = (pattern: RegExp) =>
          entries.filter((e) => pattern.test(e.message)).map((e) => e.time / 1000);
        const exited = at(/^exited: flop /);
        const spawned = at(/^spawned: 'flop' with pid /);
        spawned.slice(1).forEach((t, i) => {
          expect(Math.abs(t - (exited[i] as number) - (i + 1))).toBeLessThan(0.4);
        });
        expect(tend.count("spawned: 'flop' with pid")).toBe(4);
        expect(tend.count("exited: flop (exit status 1; not expected)")).toBe(4);
        expect(tend.count("gave up: flop")).toBe(1);
        expect(isAlive(tend.pid)).toBe(true);

        tend.signal("SIGTERM");
        expect((await tend.finished()).code).toBe(0);
        expect(timesOf(join(tend.dir, "runs"), "start")).toHaveLength(4);
      },
    );
  }, 20_000);

  test.concurrent("a program that ran past startsecs and fails is restarted at once, not backed off", async () => {
    await withTend(
      (dir) =>
        `[program:slow]\ncommand=${RECORD_RUN} ${dir}/runs 1.3 3\nstartsecs=1\nautorestart=unexpected\n`,
      async (tend) => {
        const runs = join(tend.dir, "runs");
        await waitFor(() => timesOf(runs, "start").length >= 3, "three starts of slow", 8_000);
        const starts = timesOf(runs, "start");
        const exits = timesOf(runs, "exit");
        for (const i of [0, 1]) {
          const restartDelay = (starts[i + 1] as number) - (exits[i] as number);
          expect(restartDelay).toBeGreaterThanOrEqual(0);
          // a backoff would be 1 s or more; what is left is a loaded machine's delay
          expect(restartDelay).toBeLessThan(0.7);
        }
        const messages = tend.messages();
        const success = messages.indexOf(
          "success: slow entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)",
        );
        const exited = messages.indexOf("exited: slow (exit status 3; not expected)");
        expect(success).toBeGreaterThanOrEqual(0);
        expect(exited).toBeGreaterThan(success);
        expect(tend.count("gave up:")).toBe(0);

        tend.signal("SIGTERM");
        expect((await tend.finished()).code).toBe(0);
      },
    );
  }, 15_000);

  test.concurrent("autorestart true / false / unexpected against exitcodes", async () => {
    const program = (name: string, code: number, settings: string) => (dir: string) =>
      `[program:${name}]\ncommand=${RECORD_RUN} ${dir}/${name} 0.4 ${code}\nstartsecs=0\n${settings}\n`;
    const programs = [
      program("expected2", 2, "autorestart=unexpected\nexitcodes=0,2"),
      program("unexpected3", 3, "autorestart=unexpected\nexitcodes=0,2"),
      program("always0", 0, "autorestart=true"),
      program("never3", 3, "autorestart=false"),
    ];
    await withTend(
      (dir) => programs.map((p) => p(dir)).join("\n"),
      async (tend) => {
        const startsOf = (name: string) => timesOf(join(tend.dir, name), "start").length;
        await tend.waitLog("exited: expected2 (exit status 2; expected)");
        await tend.waitLog("exited: never3 (exit status 3; not expected)");
        // The restarting ones go round at least twice more: a window in which a
        // restart of the others (which would be immediate) would have shown.
        await waitFor(
          () => startsOf("unexpected3") >= 3 && startsOf("always0") >= 3,
          "three starts of unexpected3 and always0",
          8_000,
        );
        expect(startsOf("expected2")).toBe(1);
        expect(startsOf("never3")).toBe(1);
        expect(tend.count("spawned: 'expected2'")).toBe(1);
        expect(tend.count("spawned: 'never3'")).toBe(1);
        expect(tend.count("exited: unexpected3 (exit status 3; not expected)")).toBeGreaterThan(0);
        expect(tend.count("exited: always0 (exit status 0; expected)")).toBeGreaterThan(0);

        tend.signal("SIGTERM");
        expect((await tend.finished()).code).toBe(0);
      },
    );
  }, 15_000);

  test.concurrent("priorities: ascending at start; descending at shutdown, each level after the one above is down, equal ones together", async () => {
    // Neither the file's order nor the names' order is the priority order.
    const programs: [string, number][] = [
      ["alpha", 300],
      ["zeta", 100],
      ["mid2", 200],
      ["mid", 200],
    ];
    await withTend(
      (dir) =>
        programs
          .map(
            ([name, priority]) =>
              `[program:${name}]\ncommand=${TERM_TRAP} ${dir}/marks ${name} 0.3\npriority=${priority}\n`,
          )
          .join("\n"),
      async (tend) => {
        const file = join(tend.dir, "marks");
        await waitFor(
          () => marks(file).filter((m) => m.label.endsWith(" start")).length === 4,
          "every program to be ready",
        );
        await tend.waitCount(/^spawned: /, 4);
        const spawnOrder = tend
          .messages()
          .map((m) => /^spawned: '(\w+)'/.exec(m)?.[1])
          .filter((name) => name !== undefined);
        expect(spawnOrder).toEqual(["zeta", "mid", "mid2", "alpha"]);

        tend.signal("SIGTERM");
        expect((await tend.finished()).code).toBe(0);
        const term = (name: string) => onlyTimeOf(file, `${name} term`);
        const done = (name: string) => onlyTimeOf(file, `${name} done`);
        // 300 first; 200 only once 300 is down; 100 only once both 200s are.
        expect(term("mid")).toBeGreaterThan(done("alpha"));
        expect(term("mid2")).toBeGreaterThan(done("alpha"));
        expect(Math.abs(term("mid") - term("mid2"))).toBeLessThan(0.2);
        expect(term("zeta")).toBeGreaterThan(Math.max(done("mid"), done("mid2")));
      },
    );
  }, 15_000);

  test.concurrent("a program that ignores TERM gets SIGKILL after stopwaitsecs; tend exits 0", async () => {
    await withTend(
      (dir) => `[program:stubborn]\ncommand=${IGNORE_TERM} ${dir}/ready\nstopwaitsecs=1\n`,
      async (tend) => {
        await waitFor(() => readLines(join(tend.dir, "ready")).length === 1, "stubborn ready");
        const pid = await tend.spawnedPid("stubborn");
        const sent = Date.now();
        tend.signal("SIGTERM");
        const result = await tend.finished();
        const took = Date.now() - sent;
        expect(result.code).toBe(0);
        expect(took).toBeGreaterThan(900);
        expect(took).toBeLessThan(2_500);
        const log = tend.entries();
        const received = log.find((e) => e.message === "received SIGTERM indicating exit request");
        const killing = log.find((e) => e.message === `killing 'stubborn' (${pid}) with SIGKILL`);
        expect(received).toBeDefined();
        expect(killing).toBeDefined();
        const waited = (killing?.time ?? 0) - (received?.time ?? 0);
        expect(waited).toBeGreaterThanOrEqual(950);
        expect(waited).toBeLessThan(1_500);
        expect(tend.messages()).toContain("stopped: stubborn (terminated by SIGKILL)");
        // As supervisord: the unstopped ones are named at once when shutdown begins.
        const waiting = log.find((e) => e.message === "waiting for stubborn to die");
        expect(waiting).toBeDefined();
        expect((waiting?.time ?? 0) - (received?.time ?? 0)).toBeLessThan(200);
      },
    );
  }, 10_000);

  test.concurrent("stopasgroup signals the whole process group; without it the grandchild is orphaned to tend and dies with the namespace", async () => {
    await withTend(
      (dir) =>
        [
          // TERM to the group kills its grandchild at once; SIGKILL the rest.
          `[program:grouped]\ncommand=${IGNORE_TERM} ${dir}/grouped default\nstopasgroup=true\nstopwaitsecs=1\npriority=200\n`,
          // Everyone ignores TERM: the group SIGKILL takes the grandchild too.
          `[program:grouped_ign]\ncommand=${IGNORE_TERM} ${dir}/grouped_ign ignore\nstopasgroup=true\nstopwaitsecs=1\npriority=200\n`,
          // No group: TERM and SIGKILL reach the program only.
          `[program:loner]\ncommand=${IGNORE_TERM} ${dir}/loner default\nstopwaitsecs=1\npriority=200\n`,
          // Stops last and slowly: tend is still running while we look.
          `[program:anchor]\ncommand=${TERM_TRAP} ${dir}/anchor anchor 1.5\npriority=100\n`,
        ].join("\n"),
      async (tend) => {
        for (const name of ["grouped", "grouped_ign", "loner"]) {
          await waitFor(() => readLines(join(tend.dir, name)).length === 1, `${name} ready`);
        }
        await waitFor(
          () => timesOf(join(tend.dir, "anchor"), "anchor start").length === 1,
          "anchor",
        );
        const nsPids: Record<string, number> = {};
        for (const name of ["grouped", "grouped_ign", "loner"]) {
          nsPids[name] = await tend.spawnedPid(name);
        }
        const grandchild = (name: string) => {
          const kids = childrenOf(tend.outerPidOf(name));
          expect(kids).toHaveLength(1);
          return kids[0] as number;
        };
        const gcGrouped = grandchild("grouped");
        const gcGroupedIgn = grandchild("grouped_ign");
        const gcLoner = grandchild("loner");

        tend.signal("SIGTERM");
        // The stop signal went to grouped's whole group: its grandchild dies
        // long before any SIGKILL.
        await waitFor(() => !isAlive(gcGrouped), "grouped's grandchild to die of TERM", 900);
        expect(tend.count("killing '")).toBe(0);
        expect(isAlive(gcGroupedIgn)).toBe(true);
        expect(isAlive(gcLoner)).toBe(true);

        for (const name of ["grouped", "grouped_ign", "loner"]) {
          await tend.waitLog(`stopped: ${name} (terminated by SIGKILL)`, 3_000);
          expect(tend.messages()).toContain(`killing '${name}' (${nsPids[name]}) with SIGKILL`);
        }
        // The group SIGKILL took grouped_ign's grandchild; tend reaped both.
        await waitFor(
          () => stateOf(gcGroupedIgn) === undefined && stateOf(gcGrouped) === undefined,
          "the grouped grandchildren to be killed and reaped",
          1_000,
        );
        // loner's grandchild got neither signal: orphaned, re-parented to tend.
        expect(isAlive(gcLoner)).toBe(true);
        expect(parentOf(gcLoner)).toBe(tend.pid);
        // All of this was seen while tend was still shutting down.
        expect(timesOf(join(tend.dir, "anchor"), "anchor done")).toHaveLength(0);
        expect(isAlive(tend.pid)).toBe(true);

        expect((await tend.finished()).code).toBe(0);
        // tend's exit ended the namespace, and the orphan with it.
        await waitFor(
          () => stateOf(gcLoner) === undefined,
          "the orphan to go with the namespace",
          2_000,
        );
      },
    );
  }, 15_000);

  test.concurrent("user, umask, directory and environment as the program sees them; supplementary groups dropped", async () => {
    await withTend(
      (dir) => {
        mkdirSync(join(dir, "work"));
        return [
          "[program:ident]",
          "command=sh -c 'umask; pwd; exec sleep 1000'",
          "user=nobody",
          "umask=027",
          `directory=${dir}/work`,
          'environment=A="x,y",B=2',
          `stdout_logfile=${dir}/ident.out`,
          "",
        ].join("\n");
      },
      async (tend) => {
        const out = join(tend.dir, "ident.out");
        await waitFor(() => readLines(out).length === 2, "ident to print umask and pwd");
        expect(readLines(out)).toEqual(["0027", join(tend.dir, "work")]);
        // exec keeps the pid: what /proc shows is what the program runs with.
        const pid = await waitFor(() => {
          try {
            const outer = tend.outerPidOf("ident");
            return readFileSync(`/proc/${outer}/cmdline`, "latin1").startsWith("sleep") && outer;
          } catch {
            return undefined;
          }
        }, "ident to exec sleep");
        const nobodyGroups = spawnSync(["id", "-G", "nobody"]).stdout.toString().trim().split(" ");
        expect(procStatus(pid, "Uid").split(/\s+/)).toEqual(["65534", "65534", "65534", "65534"]);
        expect(procStatus(pid, "Gid").split(/\s+/)).toEqual(["65534", "65534", "65534", "65534"]);
        const groups = procStatus(pid, "Groups").split(/\s+/).filter(Boolean);
        expect(groups).not.toContain("0");
        expect(new Set(groups)).toEqual(new Set(nobodyGroups));
        expect(procStatus(pid, "Umask")).toBe("0027");
        expect(readlinkSync(`/proc/${pid}/cwd`)).toBe(join(tend.dir, "work"));

        const env = Object.fromEntries(
          readFileSync(`/proc/${pid}/environ`, "latin1")
            .split("\0")
            .filter(Boolean)
            .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
        );
        expect(env.A).toBe("x,y");
        expect(env.B).toBe("2");
        expect(env.SUPERVISOR_ENABLED).toBe("1");
        expect(env.SUPERVISOR_PROCESS_NAME).toBe("ident");
        expect(env.SUPERVISOR_GROUP_NAME).toBe("ident");
        // The harness gives each tend its own control socket ($TEND_SOCKET).
        expect(env.SUPERVISOR_SERVER_URL).toBe(`unix://${tend.socket}`);
        // tend's own environment is passed on.
        expect(env.PATH).toBe(process.env.PATH);

        tend.signal("SIGTERM");
        expect((await tend.finished()).code).toBe(0);
      },
    );
  }, 10_000);

  test.concurrent("a missing command, directory or user ends FATAL with a reason; tend and the other programs carry on", async () => {
    await withTend(
      () =>
        [
          "[program:nobin]\ncommand=/nonexistent/bin/tend-test\nstartretries=1",
          "[program:nodir]\ncommand=sleep 1000\ndirectory=/nonexistent/dir\nstartretries=1",
          "[program:nouser]\ncommand=sleep 1000\nuser=no-such-user-xyz\nstartretries=1",
          "[program:steady]\ncommand=sleep 1000",
          "",
        ].join("\n"),
      async (tend) => {
        for (const name of ["nobin", "nodir", "nouser"]) {
          await tend.waitLog(
            `gave up: ${name} entered FATAL state, too many start retries too quickly`,
            5_000,
          );
        }
        await tend.waitLog("success: steady entered RUNNING state");
        expect(tend.messages()).toContain(
          "spawnerr: can't find command '/nonexistent/bin/tend-test'",
        );
        expect(tend.count("no-such-user-xyz")).toBeGreaterThan(0);
        expect(isAlive(tend.pid)).toBe(true);
        expect(isAlive(tend.outerPidOf("steady"))).toBe(true);

        tend.signal("SIGTERM");
        const result = await tend.finished();
        expect(result.code).toBe(0);
        expect(tend.messages()).toContain("stopped: steady (terminated by SIGTERM)");
        // supervisord says why in the program's stderr, tend in its log: either names the directory.
        const everything = [readLines(tend.logPath).join("\n"), result.stdout, result.stderr];
        expect(everything.join("\n")).toContain("couldn't chdir to /nonexistent/dir");
      },
    );
  }, 10_000);

  test.concurrent("shutdown with 20 programs stops them all together, within one stopwaitsecs", async () => {
    const numprocs = (name: string, n: number, command: string, extra = "") =>
      `[program:${name}]\ncommand=${command}\nnumprocs=${n}\nprocess_name=%(program_name)s_%(process_num)d\n${extra}\n`;
    await withTend(
      (dir) =>
        [
          numprocs("sleeper", 7, "sleep 1000"),
          numprocs("stubborn", 7, `${IGNORE_TERM} ${dir}/stubborn`, "stopwaitsecs=1"),
          numprocs("polite", 6, `${TERM_TRAP} ${dir}/polite polite_%(process_num)d 0.3`),
        ].join("\n"),
      async (tend) => {
        await tend.waitCount(/^success: /, 20, 8_000);
        await waitFor(() => readLines(join(tend.dir, "stubborn")).length === 7, "stubborn ready");
        await waitFor(() => readLines(join(tend.dir, "polite")).length === 6, "polite ready");
        const sent = Date.now();
        tend.signal("SIGTERM");
        const result = await tend.finished();
        const took = Date.now() - sent;
        expect(result.code).toBe(0);
        // Seven TERM-ignoring programs, stopwaitsecs=1 each: one after the
        // other would take 7 s; together, about 1 s.
        expect(took).toBeGreaterThan(900);
        expect(took).toBeLessThan(3_000);
        expect(tend.count(/^stopped: /)).toBe(20);
        const kills = tend.entries().filter((e) => e.message.startsWith("killing '"));
        expect(kills).toHaveLength(7);
        const times = kills.map((e) => e.time);
        expect(Math.max(...times) - Math.min(...times)).toBeLessThan(300);
        expect(
          marks(join(tend.dir, "polite")).filter((m) => m.label.endsWith(" done")),
        ).toHaveLength(6);
        expect(tend.messages().at(-1)).toBe("tend stopped: every program is down");
      },
    );
  }, 15_000);

  describe("critical programs", () => {
    const bystander = (dir: string) =>
      `[program:bystander]\ncommand=${TERM_TRAP} ${dir}/bystander by 0.1\n`;

    test.concurrent("a critical program that exits unexpectedly with autorestart=false shuts tend down with its code", async () => {
      await withTend(
        (dir) =>
          `[program:crit]\ncommand=${RECORD_RUN} ${dir}/crit 1.3 3\nstartsecs=1\nautorestart=false\ncritical=true\n\n${bystander(dir)}`,
        async (tend) => {
          const result = await tend.finished();
          expect(result.code).toBe(3);
          expect(tend.count("success: crit entered RUNNING state")).toBe(1);
          expect(tend.count("critical program crit entered EXITED")).toBe(1);
          expect(tend.messages()).toContain("stopped: bystander (exit status 0)");
          expect(timesOf(join(tend.dir, "bystander"), "by term")).toHaveLength(1);
        },
      );
    }, 10_000);

    test.concurrent("a critical program that ends FATAL gives its last exit code", async () => {
      await withTend(
        (dir) =>
          `[program:crit]\ncommand=${RECORD_RUN} ${dir}/crit 0 4\nstartretries=0\ncritical=true\n\n${bystander(dir)}`,
        async (tend) => {
          const result = await tend.finished();
          expect(result.code).toBe(4);
          expect(tend.count("gave up: crit entered FATAL state")).toBe(1);
          expect(timesOf(join(tend.dir, "bystander"), "by term")).toHaveLength(1);
        },
      );
    }, 10_000);

    test.concurrent("a critical program whose command is missing gives exit code 1", async () => {
      await withTend(
        (dir) =>
          `[program:crit]\ncommand=/nonexistent/bin/tend-test\nstartretries=0\ncritical=true\n\n${bystander(dir)}`,
        async (tend) => {
          const result = await tend.finished();
          expect(result.code).toBe(1);
          expect(tend.count("gave up: crit entered FATAL state")).toBe(1);
        },
      );
    }, 10_000);

    test.concurrent("an expected exit, or an unexpected one that is restarted, does not end tend", async () => {
      await withTend(
        (dir) =>
          [
            `[program:calm]\ncommand=${RECORD_RUN} ${dir}/calm 0.2 0\nstartsecs=0\nautorestart=false\ncritical=true`,
            `[program:bouncy]\ncommand=${RECORD_RUN} ${dir}/bouncy 0.3 3\nstartsecs=0\ncritical=true`,
            "",
          ].join("\n"),
        async (tend) => {
          await tend.waitLog("exited: calm (exit status 0; expected)");
          await waitFor(
            () => timesOf(join(tend.dir, "bouncy"), "start").length >= 3,
            "bouncy to be restarted twice",
            5_000,
          );
          expect(isAlive(tend.pid)).toBe(true);
          expect(tend.count("critical program")).toBe(0);
          tend.signal("SIGTERM");
          expect((await tend.finished()).code).toBe(0);
        },
      );
    }, 10_000);
  });

  test.concurrent("a second SIGTERM during shutdown kills what is left at once", async () => {
    await withTend(
      (dir) => `[program:stubborn]\ncommand=${IGNORE_TERM} ${dir}/ready\nstopwaitsecs=30\n`,
      async (tend) => {
        await waitFor(() => readLines(join(tend.dir, "ready")).length === 1, "stubborn ready");
        const pid = await tend.spawnedPid("stubborn");
        tend.signal("SIGTERM");
        await tend.waitLog("received SIGTERM indicating exit request");
        await Bun.sleep(500); // a user who gets impatient
        expect(isAlive(tend.pid)).toBe(true);
        const sent = Date.now();
        tend.signal("SIGTERM");
        const result = await tend.finished();
        expect(Date.now() - sent).toBeLessThan(1_000);
        expect(result.code).toBe(0);
        expect(tend.messages()).toContain(`killing 'stubborn' (${pid}) with SIGKILL`);
        expect(tend.messages()).toContain("stopped: stubborn (terminated by SIGKILL)");
      },
    );
  }, 10_000);

  test.concurrent("orphans of programs are reaped and logged; the programs' own exit statuses stay exact", async () => {
    // Four programs, each with 40 orphans that end just before it does: a
    // reaper that waited for any child would sometimes take a program's exit.
    const names = [0, 1, 2, 3].map((n) => `parent_${n}`);
    await withTend(
      () =>
        `[program:parent]\ncommand=${SPAWN_ORPHANS} 40 1.5 1.5 5\nnumprocs=4\nprocess_name=%(program_name)s_%(process_num)d\nstartsecs=1\nautorestart=false\n`,
      async (tend) => {
        await tend.waitCount(/^exited: parent_/, 4, 8_000);
        await tend.waitCount(/^reaped unknown pid \d+ \(exit status 0\)$/, 160, 3_000);
        const messages = tend.messages();
        const reaped = messages
          .map((m) => /^reaped unknown pid (\d+)/.exec(m)?.[1])
          .filter((pid) => pid !== undefined);
        expect(reaped).toHaveLength(160);
        expect(new Set(reaped).size).toBe(160);
        for (const name of names) {
          expect(reaped).not.toContain(String(tend.nsPidOf(name)));
          // Started once, RUNNING, then ended with its own exit code.
          expect(tend.count(`spawned: '${name}'`)).toBe(1);
          const success = messages.indexOf(
            `success: ${name} entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)`,
          );
          expect(success).toBeGreaterThanOrEqual(0);
          const exits = messages.filter((m) => m.startsWith(`exited: ${name} `));
          expect(exits).toEqual([`exited: ${name} (exit status 5; not expected)`]);
          expect(messages.indexOf(exits[0] as string)).toBeGreaterThan(success);
        }
        expect(zombieChildrenOf(tend.pid)).toEqual([]);
        expect(childrenOf(tend.pid)).toEqual([]);
        // Nothing left to supervise is no reason for tend to leave.
        expect(isAlive(tend.pid)).toBe(true);

        tend.signal("SIGTERM");
        expect((await tend.finished()).code).toBe(0);
      },
    );
  }, 15_000);
});
