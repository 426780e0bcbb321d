// tend against the real supervisord 4.2.5 on the same INI config, side by side.
//
// Both run as PID 1 of a fresh pid namespace (`unshare --pid --fork
// --mount-proc`, needs root), one after the other, each on its own copy of the
// config with `[supervisord] logfile=` a temp file at loglevel info; every time
// below comes from the timestamps the supervisor wrote in that log (ms),
// except the SIGTERM and the exit of the supervisor, which the bench takes
// from the same wall clock.
//  1. fast-fail: `sh -c 'exit 1'`, startsecs=1, startretries=3: the offset of
//     every spawn from the first one (supervisord: +0, +1, +3, +6 s plus the
//     jitter of its 1 s tick), the `gave up` line, and whether the
//     supervisor is still running 2 s after the program went FATAL.
//     supervisord has a reap race that sometimes turns an instant exit into
//     a `success:` one tick later (and restarts the backoff): such a run is
//     reported and supervisord is run again, up to 3 times.
//  2. stop escalation: a program that ignores SIGTERM, stopwaitsecs=2; the
//     bench sends SIGTERM to the supervisor once the program is RUNNING and
//     times the `killing ... with SIGKILL` line and the supervisor's exit.
// Prints a Markdown report (tables, then both logs without timestamps and
// pids) and writes it to bench/compare-supervisord.md. Exits 1 when tend's
// timeline breaks supervisord's semantics: a different number of attempts, a
// gap between attempts (or before `gave up`, or before the SIGKILL) more than
// 1.2 s away from supervisord's, or no SIGKILL at all.
// Run: `npm run build && bun bench/compare-supervisord.ts`.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  attempt,
  initPidOf,
  type LogEntry,
  machine,
  normalize,
  readLog,
  runDir,
  type Supervisor,
  spawnAsPid1,
  stop,
  supervisors,
  tempDir,
  tendBuild,
  versionOf,
  waitForLog,
  wallNow,
  writeConfig,
} from "./harness.ts";

const TOLERANCE_S = 1.2;
const STILL_RUNNING_CHECK_MS = 2000;
const TMP = tempDir("tend-bench-compare-");

const FAST_FAIL = `[program:ff]
command=sh -c 'exit 1'
startsecs=1
startretries=3
stdout_logfile=NONE
stderr_logfile=NONE
`;

const STUBBORN = `[program:stubborn]
command=sh -c "trap '' TERM; while :; do sleep 0.1; done"
startsecs=1
stopwaitsecs=2
stdout_logfile=NONE
stderr_logfile=NONE
`;

// ---------------------------------------------------------------- 1. fast-fail

interface FastFail {
  /** When the bench spawned the namespace. */
  readonly execAt: number;
  readonly entries: LogEntry[];
  readonly spawns: number[];
  readonly gaveUp: number;
  /** When the supervisor exited on its own, if it did within 2 s of `gave up`. */
  readonly exitedAt: number | undefined;
  readonly exitCode: number | null;
  /**
   * `success:` lines for a program that exits at once. supervisord reaps only
   * once per pass of its loop: when the pipes' EOF wakes it before the child
   * is a zombie, nothing wakes it again until its 1 s poll timeout, the child
   * looks as if it had stayed up for startsecs, goes RUNNING and its backoff
   * starts over.
   */
  readonly bogusSuccess: number;
}

const SUPERVISORD_TRIES = 3;

/** supervisord's run without its reap race, and the racy runs before it. */
async function fastFailReference(sup: Supervisor): Promise<{ run: FastFail; racy: FastFail[] }> {
  const racy: FastFail[] = [];
  for (;;) {
    const run = await fastFail(sup);
    if (run.bogusSuccess === 0 || racy.length + 1 >= SUPERVISORD_TRIES) return { run, racy };
    console.error(`supervisord hit its reap race (${run.spawns.length} attempts), once more…`);
    racy.push(run);
  }
}

async function fastFail(sup: Supervisor): Promise<FastFail> {
  const { config, log } = writeConfig(runDir(TMP, `fastfail-${sup.name}`), FAST_FAIL);
  const execAt = wallNow();
  const ns = spawnAsPid1([sup.bin, "-c", config]);
  try {
    const isGaveUp = (e: LogEntry) => e.message.startsWith("gave up: ff ");
    const first = await waitForLog(log, "gave up", 30_000, (es) => es.some(isGaveUp));
    const gaveUp = first.find(isGaveUp)?.time ?? Number.NaN;
    // supervisord keeps running with a FATAL program; does tend?
    const wait = STILL_RUNNING_CHECK_MS - (wallNow() - gaveUp);
    const exitedAt = await Promise.race([
      ns.exited.then(() => wallNow()),
      Bun.sleep(Math.max(0, wait)).then(() => undefined),
    ]);
    const entries = readLog(log);
    const spawns = entries.filter((e) => e.message.startsWith("spawned: 'ff'")).map((e) => e.time);
    const bogusSuccess = entries.filter((e) => e.message.startsWith("success: ff ")).length;
    return { execAt, entries, spawns, gaveUp, exitedAt, exitCode: ns.exitCode, bogusSuccess };
  } finally {
    await stop(ns);
  }
}

// ---------------------------------------------------------------- 2. stop escalation

interface StopRun {
  readonly termAt: number;
  readonly entries: LogEntry[];
  readonly received: LogEntry | undefined;
  readonly killing: LogEntry | undefined;
  readonly stopped: LogEntry | undefined;
  readonly exitedAt: number | undefined;
  readonly exitCode: number | null;
}

async function stopEscalation(sup: Supervisor): Promise<StopRun> {
  const { config, log } = writeConfig(runDir(TMP, `stop-${sup.name}`), STUBBORN);
  const ns = spawnAsPid1([sup.bin, "-c", config]);
  try {
    const pid = await initPidOf(ns);
    await waitForLog(log, "RUNNING", 15_000, (es) =>
      es.some((e) => e.message.startsWith("success: stubborn ")),
    );
    await Bun.sleep(200);
    const termAt = wallNow();
    process.kill(pid, "SIGTERM");
    const exitedAt = await Promise.race([
      ns.exited.then(() => wallNow()),
      Bun.sleep(20_000).then(() => undefined),
    ]);
    const entries = readLog(log);
    const find = (prefix: string) => entries.find((e) => e.message.startsWith(prefix));
    return {
      termAt,
      entries,
      received: find("received SIGTERM"),
      killing: find("killing 'stubborn'"),
      stopped: find("stopped: stubborn"),
      exitedAt,
      exitCode: ns.exitCode,
    };
  } finally {
    await stop(ns);
  }
}

// ---------------------------------------------------------------- report

const s = (ms: number | undefined): string =>
  ms === undefined || !Number.isFinite(ms)
    ? "—"
    : `${ms >= 0 ? "+" : ""}${(ms / 1000).toFixed(3)} s`;

const gapsOf = (spawns: number[]): number[] =>
  spawns.slice(1).map((at, i) => at - (spawns[i] ?? at));

/** Known, explained differences between the two logs, by a pattern of the normalized line. */
const EXPLAINED: [RegExp, string][] = [
  [
    /Supervisor is running as root/,
    "deliberate: a container init runs as root, tend does not complain about it",
  ],
  [
    /RPC interface 'supervisor' initialized|running without any HTTP authentication/,
    "tend has no control server yet (README: `tend ctl` not yet)",
  ],
  [/<name> started with pid N/, "same line, tend adds its version"],
  [/tend stopped: every program is down/, "tend's own closing line"],
];

function explain(line: string): string {
  const hit = EXPLAINED.find(([pattern]) => pattern.test(line));
  return hit ? ` — ${hit[1]}` : "";
}

/** Normalized lines that one log has more often than the other. */
function onlyIn(a: LogEntry[], b: LogEntry[]): string[] {
  const counts = new Map<string, number>();
  for (const e of b) counts.set(normalize(e), (counts.get(normalize(e)) ?? 0) + 1);
  const extra: string[] = [];
  for (const e of a) {
    const line = normalize(e);
    const n = counts.get(line) ?? 0;
    if (n > 0) counts.set(line, n - 1);
    else extra.push(line);
  }
  return extra;
}

function logBlock(title: string, entries: LogEntry[], origin: number): string[] {
  return [
    `${title}:`,
    "",
    "```",
    ...entries.map((e) => `${s(e.time - origin).padStart(10)}  ${normalize(e)}`),
    "```",
    "",
  ];
}

function diffBlock(tend: LogEntry[], sd: LogEntry[]): string[] {
  const lines: string[] = [];
  const onlyTend = onlyIn(tend, sd);
  const onlySd = onlyIn(sd, tend);
  lines.push("Lines only in tend's log:", "");
  lines.push(
    ...(onlyTend.length > 0 ? onlyTend.map((l) => `- \`${l}\`${explain(l)}`) : ["- none"]),
  );
  lines.push("", "Lines only in supervisord's log:", "");
  lines.push(...(onlySd.length > 0 ? onlySd.map((l) => `- \`${l}\`${explain(l)}`) : ["- none"]));
  lines.push("");
  return lines;
}

function fastFailSection(
  tend: FastFail,
  sd: FastFail,
  racy: FastFail[],
  failures: string[],
): string[] {
  const t0 = tend.spawns[0] ?? Number.NaN;
  const s0 = sd.spawns[0] ?? Number.NaN;
  const rows: string[][] = [
    ["first spawn, after the exec of the supervisor", s(t0 - tend.execAt), s(s0 - sd.execAt), ""],
  ];
  const attempts = Math.max(tend.spawns.length, sd.spawns.length);
  const tendGaps = gapsOf(tend.spawns);
  const sdGaps = gapsOf(sd.spawns);
  for (let i = 0; i < attempts; i++) {
    const ta = tend.spawns[i];
    const sa = sd.spawns[i];
    const gap = i === 0 ? "" : `gap ${s(tendGaps[i - 1])} vs ${s(sdGaps[i - 1])}`;
    rows.push([
      `spawn ${i + 1}, from the first spawn`,
      s(ta === undefined ? undefined : ta - t0),
      s(sa === undefined ? undefined : sa - s0),
      gap,
    ]);
  }
  const tendLast = tend.spawns.at(-1) ?? Number.NaN;
  const sdLast = sd.spawns.at(-1) ?? Number.NaN;
  rows.push([
    "gave up (FATAL), from the first spawn",
    s(tend.gaveUp - t0),
    s(sd.gaveUp - s0),
    `after the last spawn: ${s(tend.gaveUp - tendLast)} vs ${s(sd.gaveUp - sdLast)}`,
  ]);
  rows.push(["attempts", String(tend.spawns.length), String(sd.spawns.length), ""]);
  const alive = (run: FastFail) =>
    run.exitedAt === undefined
      ? "yes"
      : `no: exited (code ${run.exitCode}) ${s(run.exitedAt - run.gaveUp)} after gave up`;
  rows.push([
    `still running ${STILL_RUNNING_CHECK_MS / 1000} s after FATAL`,
    alive(tend),
    alive(sd),
    "",
  ]);

  if (tend.bogusSuccess > 0) {
    failures.push(`fast-fail: tend logged ${tend.bogusSuccess} success: line(s) for 'exit 1'`);
  }
  if (tend.spawns.length !== sd.spawns.length) {
    failures.push(
      `fast-fail: tend made ${tend.spawns.length} attempts, supervisord ${sd.spawns.length}`,
    );
  }
  tendGaps.forEach((gap, i) => {
    const other = sdGaps[i];
    if (other !== undefined && Math.abs(gap - other) > TOLERANCE_S * 1000) {
      failures.push(`fast-fail: gap ${i + 1} is ${s(gap)} in tend, ${s(other)} in supervisord`);
    }
  });
  const gaveUpDiff = tend.gaveUp - tendLast - (sd.gaveUp - sdLast);
  if (!(Math.abs(gaveUpDiff) <= TOLERANCE_S * 1000)) {
    failures.push(`fast-fail: gave up ${s(gaveUpDiff)} off supervisord (after the last spawn)`);
  }

  return [
    "## 1. Fast-fail timeline",
    "",
    "`command=sh -c 'exit 1'`, startsecs=1, startretries=3 (supervisord: attempts at +0, +1, +3, +6 s, each delayed by up to one 1 s tick).",
    "",
    "| event | tend | supervisord | note |",
    "|---|---:|---:|---|",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    "",
    ...racyNote(racy, sd),
    ...logBlock("tend's log (offsets from its first spawn)", tend.entries, t0),
    ...logBlock("supervisord's log (offsets from its first spawn)", sd.entries, s0),
    ...diffBlock(tend.entries, sd.entries),
  ];
}

function racyNote(racy: FastFail[], sd: FastFail): string[] {
  if (racy.length === 0) return [];
  const runs = racy.map((run) => {
    const first = run.spawns[0] ?? 0;
    const offsets = run.spawns.map((at) => s(at - first)).join(", ");
    return `- ${run.spawns.length} attempts, ${run.bogusSuccess} \`success: ff entered RUNNING state\` line(s): ${offsets}`;
  });
  return [
    `supervisord's reap race: ${racy.length} of ${racy.length + 1} runs logged \`success:\` for \`exit 1\` (an exit reaped one 1 s tick late looks like startsecs passed; RUNNING resets the backoff), so it was run again${sd.bogusSuccess > 0 ? " (every try raced: the table shows the last)" : ""}:`,
    "",
    ...runs,
    "",
  ];
}

/** From the supervisor's `received SIGTERM` line to its `killing` line. */
function afterReceived(run: StopRun): number | undefined {
  if (!run.received || !run.killing) return undefined;
  return run.killing.time - run.received.time;
}

function stopSection(tend: StopRun, sd: StopRun, failures: string[]): string[] {
  const at = (run: StopRun, entry: LogEntry | undefined) =>
    entry === undefined ? undefined : entry.time - run.termAt;
  const level = (entry: LogEntry | undefined) => (entry ? ` (${entry.level})` : "");
  const rows: string[][] = [
    [
      "`received SIGTERM indicating exit request`",
      `${s(at(tend, tend.received))}${level(tend.received)}`,
      `${s(at(sd, sd.received))}${level(sd.received)}`,
    ],
    ["`killing 'stubborn' (N) with SIGKILL`", s(at(tend, tend.killing)), s(at(sd, sd.killing))],
    [
      "… after the `received SIGTERM` line (stopwaitsecs=2)",
      s(afterReceived(tend)),
      s(afterReceived(sd)),
    ],
    [
      "`stopped: stubborn (terminated by SIGKILL)`",
      s(at(tend, tend.stopped)),
      s(at(sd, sd.stopped)),
    ],
    [
      "supervisor exited",
      tend.exitedAt === undefined ? "not within 20 s" : s(tend.exitedAt - tend.termAt),
      sd.exitedAt === undefined ? "not within 20 s" : s(sd.exitedAt - sd.termAt),
    ],
    ["exit code", String(tend.exitCode), String(sd.exitCode)],
  ];
  const tendKill = afterReceived(tend);
  const sdKill = afterReceived(sd);
  if (tendKill === undefined) failures.push("stop: tend logged no SIGKILL after SIGTERM");
  else if (sdKill !== undefined && Math.abs(tendKill - sdKill) > TOLERANCE_S * 1000) {
    failures.push(
      `stop: SIGKILL ${s(tendKill)} after SIGTERM in tend, ${s(sdKill)} in supervisord`,
    );
  }
  if (tend.exitedAt === undefined) failures.push("stop: tend did not exit within 20 s of SIGTERM");

  return [
    "## 2. Stop escalation",
    "",
    "`command=sh -c \"trap '' TERM; while :; do sleep 0.1; done\"`, startsecs=1, stopwaitsecs=2; SIGTERM to the supervisor 0.2 s after `success:`. Times from that SIGTERM.",
    "",
    "| event | tend | supervisord |",
    "|---|---:|---:|",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    "",
    ...logBlock("tend's log (offsets from the SIGTERM)", tend.entries, tend.termAt),
    ...logBlock("supervisord's log (offsets from the SIGTERM)", sd.entries, sd.termAt),
    ...diffBlock(tend.entries, sd.entries),
  ];
}

/** Observable differences outside the timeline that the check itself accepts. */
function otherDifferences(
  ffTend: FastFail | undefined,
  ffSd: FastFail | undefined,
  stTend: StopRun | undefined,
  stSd: StopRun | undefined,
): string[] {
  const found: string[] = [];
  if (ffTend && ffSd && ffTend.exitedAt !== undefined && ffSd.exitedAt === undefined) {
    found.push(
      `tend exited on its own (code ${ffTend.exitCode}) ${s(ffTend.exitedAt - ffTend.gaveUp)} after its only program went FATAL; supervisord keeps running with a FATAL program.`,
    );
  }
  if (ffTend && ffSd) {
    const tendAfter = ffTend.gaveUp - (ffTend.spawns.at(-1) ?? Number.NaN);
    const sdAfter = ffSd.gaveUp - (ffSd.spawns.at(-1) ?? Number.NaN);
    if (Math.abs(tendAfter - sdAfter) > 500) {
      found.push(
        `\`gave up\` comes ${s(tendAfter)} after the last spawn in tend, ${s(sdAfter)} in supervisord (its next tick).`,
      );
    }
  }
  if (stTend?.received && stSd?.received && stTend.received.level !== stSd.received.level) {
    found.push(
      `\`received SIGTERM indicating exit request\` is ${stTend.received.level} in tend, ${stSd.received.level} in supervisord.`,
    );
  }
  if (stTend && stSd) {
    const waiting = (run: StopRun) =>
      run.entries.some((e) => e.message.startsWith("waiting for stubborn to die"));
    if (waiting(stSd) && !waiting(stTend)) {
      found.push(
        "supervisord logs `waiting for stubborn to die` (INFO) while stopping; tend does not.",
      );
    }
    const reaped = (run: StopRun) =>
      run.entries.some((e) => e.message.startsWith("reaped unknown pid"));
    if (reaped(stSd) && !reaped(stTend)) {
      found.push(
        "supervisord logs `reaped unknown pid N` for the orphaned `sleep 0.1` of the killed shell; tend reaps it silently.",
      );
    }
    if (stSd.received) {
      const late = stSd.received.time - stSd.termAt;
      if (late > 200) {
        found.push(
          `supervisord noticed the SIGTERM only ${s(late)} later (its 1 s tick); tend at ${s(stTend.received ? stTend.received.time - stTend.termAt : undefined)}.`,
        );
      }
    }
  }
  return found;
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const [tendSup, sdSup] = supervisors("bench/compare-supervisord.ts");
  if (!tendSup || !sdSup) return 1;
  const failures: string[] = [];
  const sections: string[] = [];

  console.error("fast-fail: tend…");
  const ffTend = await attempt("tend fast-fail", () => fastFail(tendSup));
  console.error("fast-fail: supervisord…");
  const ffSd = await attempt("supervisord fast-fail", () => fastFailReference(sdSup));
  if (ffTend && ffSd) sections.push(...fastFailSection(ffTend, ffSd.run, ffSd.racy, failures));
  else failures.push("fast-fail: a run failed (see above)");

  console.error("stop escalation: tend…");
  const stTend = await attempt("tend stop", () => stopEscalation(tendSup));
  console.error("stop escalation: supervisord…");
  const stSd = await attempt("supervisord stop", () => stopEscalation(sdSup));
  if (stTend && stSd) sections.push(...stopSection(stTend, stSd, failures));
  else failures.push("stop: a run failed (see above)");

  const others = otherDifferences(ffTend, ffSd?.run, stTend, stSd);
  const verdict =
    failures.length === 0
      ? [
          `**Verdict: tend follows supervisord's timeline** (attempts equal, every gap within ${TOLERANCE_S} s).`,
        ]
      : ["**Verdict: tend deviates from supervisord:**", "", ...failures.map((f) => `- ${f}`)];
  const report = [
    "# tend vs supervisord: the same config side by side",
    "",
    `Date: ${new Date().toISOString()}  `,
    `Machine: ${machine()}  `,
    `Versions: tend ${versionOf(tendSup.bin).replace(/^tend /, "")} (${tendBuild()}), supervisord ${versionOf(sdSup.bin)}  `,
    "Command: `bun bench/compare-supervisord.ts`  ",
    "Mode: each supervisor runs as PID 1 of its own pid namespace (`unshare --pid --fork --mount-proc`), one after the other; times come from the timestamps of its own log (`logfile=`, `loglevel=info`). Log lines below are shown without timestamps and with pids replaced by N.",
    "",
    ...verdict,
    "",
    ...(others.length > 0
      ? ["Other differences (they do not fail the check):", "", ...others.map((o) => `- ${o}`), ""]
      : []),
    ...sections,
  ].join("\n");
  console.log(report);
  writeFileSync(join(import.meta.dir, "compare-supervisord.md"), report);
  return failures.length === 0 ? 0 : 1;
}

process.exitCode = await main();
