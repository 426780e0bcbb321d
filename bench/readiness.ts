// Readiness benchmark: what checks cost tend, and how fast a chain of
// dependents comes up. tend and supervisord run as PID 1 of a fresh pid
// namespace (`unshare --pid --fork --mount-proc`, needs root and cc).
//  1. check cost: 100 programs (`sleep 1000`) each with a 1 s ready check
//     against one listener outside tend (a tiny C server: TCP accept and
//     close, or an HTTP 200), once all are ready and 2 s have passed, tend's
//     CPU over a 20 s window (schedstat of its threads) divided by the
//     number of probes in it; and its wake-ups (context switches of its
//     threads) per second. The same 100 programs without checks, and with a
//     push check (fd:3, written once), are the baseline: a push check must
//     cost nothing while idle.
//  2. chain: 10 programs, each depends_on the one before (`:ready`), each a
//     C program that records whether the one before was listening when it
//     began, waits 100 ms and listens on its port; ready_check=tcp:PORT,
//     ready_period=0.1. Time from exec of the namespace to the log line of
//     the last one ready (floor: 10 × 100 ms = 1 s). supervisord on the same
//     chain, ordered by priority alone (it cannot wait): time to its last
//     RUNNING, and how many programs found the one before not yet listening.
// Prints a Markdown table and writes it to bench/readiness-results.md.
// Run: `npm run build && bun bench/readiness.ts`.

import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "bun";
import {
  attempt,
  compile,
  fmt,
  initPidOf,
  type LogEntry,
  machine,
  median,
  readProc,
  runDir,
  type Supervisor,
  spawnAsPid1,
  stop,
  supervisors,
  tempDir,
  tendBuild,
  threadCpu,
  versionOf,
  waitForLog,
  wallNow,
  writeConfig,
} from "./harness.ts";

const PROGRAMS = 100;
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 20_000);
const SETTLE_MS = 2000;
const CHAIN = 10;
const CHAIN_RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TMP = tempDir("tend-bench-readiness-");

/** A listener outside tend: `server tcp|http PORT`, or a chain link `server link PORT PREV_PORT OUT`. */
const SERVER_C = `#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

static int listen_on(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET; a.sin_port = htons(port); a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 1024) < 0) { perror("listen"); exit(1); }
  return s;
}

static int reachable(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET; a.sin_port = htons(port); a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0;
  close(s);
  return ok;
}

int main(int argc, char **argv) {
  const char *mode = argv[1];
  int port = atoi(argv[2]);
  if (strcmp(mode, "link") == 0) {
    int prev = atoi(argv[3]);
    FILE *out = fopen(argv[4], "a");
    fprintf(out, "%d %s\\n", port, prev == 0 ? "first" : reachable(prev) ? "yes" : "no");
    fclose(out);
    usleep(100000);
  }
  int s = listen_on(port);
  const char *reply = "HTTP/1.0 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n";
  char buf[1024];
  for (;;) {
    int c = accept(s, 0, 0);
    if (c < 0) continue;
    if (strcmp(mode, "http") == 0) { read(c, buf, sizeof buf); write(c, reply, strlen(reply)); }
    close(c);
  }
}
`;

function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

const isReady = (e: LogEntry) => / entered RUNNING state/.test(e.message);

// ---------------------------------------------------------------- 1. check cost

type Kind = "none" | "push" | "tcp" | "http";

function checkedPrograms(kind: Kind, port: number): string {
  const sections: string[] = [];
  for (let i = 0; i < PROGRAMS; i++) {
    const check =
      kind === "tcp"
        ? `ready_check=tcp:${port}\n`
        : kind === "http"
          ? `ready_check=http://127.0.0.1:${port}/\n`
          : kind === "push"
            ? "ready_check=fd:3\n"
            : "";
    const command = kind === "push" ? `sh -c 'echo >&3; exec sleep 1000'` : "sleep 1000";
    sections.push(
      `[program:p${i}]\ncommand=${command}\nstartsecs=${kind === "none" ? 0 : 30}\n${check}stdout_logfile=NONE\nstderr_logfile=NONE\n`,
    );
  }
  return sections.join("\n");
}

/** Context switches of every thread of `pid` (voluntary + not): how often it ran. */
function switches(pid: number): number {
  let total = 0;
  for (const line of readProc(pid, "status").split("\n")) {
    const match = /^(?:non)?voluntary_ctxt_switches:\s+(\d+)/.exec(line);
    if (match) total += Number(match[1]);
  }
  return total;
}

interface Cost {
  readonly kind: Kind;
  readonly cpuMsPer10s: number;
  readonly wakeupsPerSecond: number;
  /** tend's CPU per probe, ms (polled kinds). */
  readonly perCheckMs: number | undefined;
}

async function checkCost(tend: Supervisor, server: string, kind: Kind): Promise<Cost> {
  const port = freePort();
  const listener =
    kind === "tcp" || kind === "http"
      ? spawn([server, kind, String(port)], { stdout: "ignore", stderr: "inherit" })
      : undefined;
  const dir = runDir(TMP, `cost-${kind}`);
  const { config, log } = writeConfig(dir, checkedPrograms(kind, port));
  const ns = spawnAsPid1([tend.bin, "-c", config]);
  try {
    const pid = await initPidOf(ns);
    await waitForLog(
      log,
      `${PROGRAMS} ready`,
      60_000,
      (es) => es.filter(isReady).length >= PROGRAMS,
    );
    await Bun.sleep(SETTLE_MS);
    const before = taskSwitches(pid);
    const cpu = await threadCpu(pid, WINDOW_MS);
    const after = taskSwitches(pid);
    const probes = kind === "tcp" || kind === "http" ? PROGRAMS * (WINDOW_MS / 1000) : 0;
    return {
      kind,
      cpuMsPer10s: (cpu.ms * 10_000) / WINDOW_MS,
      wakeupsPerSecond: (after - before) / (WINDOW_MS / 1000),
      perCheckMs: probes > 0 ? cpu.ms / probes : undefined,
    };
  } finally {
    await stop(ns);
    listener?.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Context switches summed over the threads alive now (one that ended meanwhile counts 0). */
function taskSwitches(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += switches(Number(task));
    } catch {
      // a thread that ended meanwhile
    }
  }
  return total;
}

// ---------------------------------------------------------------- 2. chain

function chainPrograms(sup: Supervisor, server: string, ports: number[], out: string): string {
  return ports
    .map((port, i) => {
      const prev = i === 0 ? 0 : (ports[i - 1] as number);
      const lines = [
        `[program:link${i}]`,
        `command=${server} link ${port} ${prev} ${out}`,
        `priority=${i + 1}`,
        "stdout_logfile=NONE",
        "stderr_logfile=NONE",
      ];
      // supervisord ignores the keys it does not know; it can only order by priority.
      if (sup.name === "tend") {
        lines.push(`ready_check=tcp:${port}`, "ready_period=0.1", "startsecs=10");
        if (i > 0) lines.push(`depends_on=link${i - 1}:ready`);
      }
      return `${lines.join("\n")}\n`;
    })
    .join("\n");
}

interface ChainRun {
  /** exec of the namespace → the last link ready (tend) or RUNNING (supervisord), ms. */
  readonly lastMs: number;
  /** Links that began before the one before them listened. */
  readonly early: number;
}

async function chainOnce(sup: Supervisor, server: string): Promise<ChainRun> {
  const dir = runDir(TMP, `chain-${sup.name}`);
  const out = join(dir, "links.txt");
  const ports = Array.from({ length: CHAIN }, () => freePort());
  const { config, log } = writeConfig(dir, chainPrograms(sup, server, ports, out));
  const before = wallNow();
  const ns = spawnAsPid1([sup.bin, "-c", config]);
  try {
    const entries = await waitForLog(
      log,
      `${CHAIN} links up`,
      30_000,
      (es) => es.filter(isReady).length >= CHAIN,
    );
    const last = entries.filter(isReady)[CHAIN - 1];
    if (!last) throw new Error("no last link");
    const links = readFileSync(out, "utf8").trim().split("\n");
    return { lastMs: last.time - before, early: links.filter((l) => l.endsWith(" no")).length };
  } finally {
    await stop(ns);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- report

async function main(): Promise<void> {
  const all = supervisors("bench/readiness.ts");
  const tend = all.find((sup) => sup.name === "tend") as Supervisor;
  const server = compile(TMP, "server", SERVER_C);

  const costs: Cost[] = [];
  for (const kind of ["none", "push", "tcp", "http"] as const) {
    console.error(`check cost: ${PROGRAMS} programs, ${kind}…`);
    const cost = await attempt(`cost ${kind}`, () => checkCost(tend, server, kind));
    if (cost) costs.push(cost);
  }

  const chains = new Map<string, ChainRun[]>(all.map((sup) => [sup.name, []]));
  for (let run = -1; run < CHAIN_RUNS; run++) {
    for (const sup of all) {
      console.error(`chain: ${sup.name}, run ${run + 1}…`);
      const sample = await attempt(`${sup.name} chain`, () => chainOnce(sup, server));
      if (sample && run >= 0) chains.get(sup.name)?.push(sample);
    }
  }

  const none = costs.find((c) => c.kind === "none");
  const costRows = costs.map((c) => {
    const extra = none ? c.cpuMsPer10s - none.cpuMsPer10s : Number.NaN;
    return `| ${c.kind === "none" ? "no check" : c.kind === "push" ? "fd:3 (push)" : `${c.kind}, every 1 s`} | ${fmt(c.cpuMsPer10s, 2)} | ${c.kind === "none" ? "" : fmt(extra, 2)} | ${fmt(c.wakeupsPerSecond, 1)} | ${c.perCheckMs === undefined ? "" : fmt(c.perCheckMs, 3)} |`;
  });
  const chainRow = (sup: Supervisor) => {
    const runs = chains.get(sup.name) ?? [];
    const ms = median(runs.map((r) => r.lastMs));
    const early = runs.map((r) => r.early).join(", ");
    return { ms, early };
  };
  const t = chainRow(tend);
  const sd = chainRow(all.find((sup) => sup.name === "supervisord") as Supervisor);
  const markdown = [
    `| ${PROGRAMS} programs | tend CPU, ms per 10 s | over no check | tend wake-ups per s | tend CPU per probe, ms |`,
    "|---|---:|---:|---:|---:|",
    ...costRows,
    "",
    `| chain of ${CHAIN}, each ready 100 ms after it starts | exec → last ready, ms (median of ${CHAIN_RUNS}) | vs the 1 s floor | links that started before the one before listened (per run) |`,
    "|---|---:|---:|---|",
    `| tend (depends_on :ready, tcp check, ready_period=0.1) | ${fmt(t.ms, 0)} | ${(t.ms / 1000).toFixed(2)}× | ${t.early} |`,
    `| supervisord (priority order only) | ${fmt(sd.ms, 0)} | ${(sd.ms / 1000).toFixed(2)}× | ${sd.early} |`,
  ].join("\n");
  console.log(markdown);
  const versions = all.map((sup) => `- ${sup.name}: ${versionOf(sup.bin)}`);
  versions[0] += ` (${tendBuild()})`;
  writeFileSync(
    join(import.meta.dir, "readiness-results.md"),
    [
      "# Readiness benchmark",
      "",
      `Date: ${new Date().toISOString()}  `,
      `Machine: ${machine()}  `,
      "Command: `npm run build && bun bench/readiness.ts`  ",
      `Window: ${WINDOW_MS / 1000} s, ${SETTLE_MS / 1000} s after the last program was ready; CPU from the schedstat of tend's threads, wake-ups from their context switches. supervisord's time is to its last RUNNING (startsecs=1), since it cannot wait for readiness.`,
      "",
      "Versions:",
      "",
      ...versions,
      "",
      markdown,
      "",
    ].join("\n"),
  );
}

await main();
