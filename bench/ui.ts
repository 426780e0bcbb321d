// Dashboard benchmark: what tend's web dashboard ([inet_http_server] ui=)
// costs tend, against supervisord 4.2.5's web interface. Every server runs
// as PID 1 of its own pid namespace (`unshare --pid --fork --mount-proc`,
// needs root); tend with `[inet_http_server] port=127.0.0.1:P`, supervisord
// with the same section. Every reply is checked (status 200, what it must
// hold); every process is stopped at the end.
//  1. idle, no page open: PROGRAMS (default 50) `sleep infinity`, startsecs=0,
//     output discarded; two tends with ui=full and two with ui=off (two
//     identical ones show how far tends differ anyway) and one supervisord;
//  2. idle with pages open: in the same window, one more ui=full tend with
//     one `/ui/events` stream connected and one with two (a page's table:
//     the snapshot, checked, then nothing, since nothing changes), and one
//     with a bare TCP connection open on its port and no request on it (what
//     any open connection costs, dashboard or not);
//     all up at once, all programs RUNNING (getAllProcessInfo over each
//     one's socket), IDLE_SETTLE_MS (5 s), then the same IDLE_MS (30 s)
//     window for all: context switches of every thread (each a wake-up;
//     /proc/PID/task/TID/status, polled every 50 ms, also by thread name),
//     their schedstat CPU, VmRSS at the start and the end. Nothing is sent
//     to any server during the window; the pages must receive nothing.
//  3. streaming memory: one program, `chatty`, that writes LINES (default
//     100,000) lines of 100 bytes to its stdout as fast as it can each time
//     the bench opens a FIFO (bench/gen-lines.c, compiled here, in a shell
//     loop), its stdout to a log file (maxbytes=0: never rotated). Two
//     clients follow `/ui/log?name=chatty&stream=stdout` and two follow
//     `/ui/events` on tend; two follow `/logtail/chatty` on supervisord
//     (its tail -f stream). The log clients read everything and check every
//     line (its number in sequence, its text as the generator wrote it) and
//     add up the bytes tend reports as `skipped`. VmRSS of the server before
//     the burst, at its peak (read every 50 ms), right after both log
//     clients have the last line, and after AFTER_IDLE_MS (10 s) idle; then
//     the same burst again, to show whether memory keeps growing. Also tend
//     with the program's default stdout (no log file: tend's own stdout and
//     the 64 KiB in-memory tail a log view reads from), where a view that
//     falls behind skips; and, as the control, tend with the log file and no
//     client at all (its memory is what the bursts cost without the UI;
//     "arrived" is then when the log file holds the burst). BURSTS (default
//     2) sets the number of bursts. Throughput: LINES over the time from the
//     generator's first write to the moment both log clients have the last
//     line; the server's CPU (utime+stime) over the same stretch.
//  4. page weight: the bytes of tend's `/`, `/ui/app.js`, `/ui/app.css` and
//     whatever else the page references, against supervisord's status page
//     `/` (index.html) and the stylesheets and images it references (and
//     those its stylesheet references), fetched with `Accept-Encoding:
//     identity`; the gzip size beside them is computed here.
// The stream clients are in bench/ui-clients.ts. Prints a Markdown report
// (tables with ratios, notes); writes nothing.
// Run: `npm run bench:ui` (builds dist/tend first), or `bun bench/ui.ts` on
// an existing build.

import { closeSync, constants, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type Socket, spawnSync } from "bun";
import { decodeResponse } from "../test/harness/index.ts";
import { CLK_TCK, cpuTicksMs, type IdleCost, idleWindow } from "./costs.ts";
import {
  compile,
  failureLog,
  fmt,
  freePort,
  initPidOf,
  type Memory,
  machine,
  memoryOf,
  type Namespace,
  runDir,
  type Supervisor,
  sleeperPrograms,
  socketCall,
  spawnAsPid1,
  stop,
  tempDir,
  tendAndSupervisord,
  tendBuild,
  untilAllRunning,
  versionOf,
  waitFor,
  wallNow,
  writeConfig,
} from "./harness.ts";
import {
  LINE_BYTES,
  type LogFollower,
  LogTailFollower,
  LogViewFollower,
  TableFollower,
} from "./ui-clients.ts";

const PROGRAMS = Number(process.env.PROGRAMS ?? 50);
const LINES = Number(process.env.LINES ?? 100_000);
const IDLE_SETTLE_MS = 5_000;
const IDLE_MS = Number(process.env.IDLE_MS ?? 30_000);
/** Idle after a burst, to tell garbage not yet collected from memory kept. */
const AFTER_IDLE_MS = 10_000;
const PEAK_POLL_MS = 50;
const BURSTS = Number(process.env.BURSTS ?? 2);
const LOG_CLIENTS = 2;
const TABLE_CLIENTS = 2;
const READY_TIMEOUT_MS = 120_000;
const BURST_TIMEOUT_MS = 300_000;
/** gen-lines writes 10,000 lines per "MB" of its argument. */
const LINES_PER_UNIT = 10_000;
const TMP = tempDir("tend-bench-ui-");

if (!Number.isInteger(LINES / LINES_PER_UNIT) || LINES <= 0) {
  console.error(
    `LINES must be a positive multiple of ${LINES_PER_UNIT} (gen-lines writes them in tens of thousands)`,
  );
  process.exit(2);
}

// ---------------------------------------------------------------- configs and servers

/** How the burst program's stdout is kept: a log file (both servers), or tend's default (its stdout and the in-memory tail). */
type ChattyLog = "file" | "default";

interface Chatty {
  /** The FIFO whose opening starts a burst. */
  readonly go: string;
  /** gen-lines' stamps: CLOCK_REALTIME ns before its first write and after its last. */
  readonly stamp: string;
  readonly section: string;
}

function chatty(dir: string, gen: string, log: ChattyLog): Chatty {
  const go = join(dir, "go.fifo");
  const stamp = join(dir, "gen.stamp");
  const made = spawnSync(["mkfifo", go], { stderr: "pipe" });
  if (made.exitCode !== 0) throw new Error(`mkfifo ${go}: ${made.stderr.toString()}`);
  const command = `sh -c 'while ${gen} ${LINES / LINES_PER_UNIT} ${stamp} ${go}; do :; done'`;
  const file = log === "file" ? join(dir, "chatty.log") : undefined;
  const stdout = file ? `stdout_logfile=${file}\nstdout_logfile_maxbytes=0\n` : "";
  return {
    go,
    stamp,
    section: `[program:chatty]\ncommand=${command}\nstartsecs=0\n${stdout}stderr_logfile=NONE\n`,
  };
}

type Ui = "full" | "off";

interface Server {
  readonly label: string;
  readonly kind: "tend" | "supervisord";
  readonly ns: Namespace;
  readonly pid: number;
  readonly port: number;
  readonly socket: string;
  readonly dir: string;
  readonly programs: number;
}

/** Starts a server on `programs` with an inet port (tend: with `ui`), and waits until every program is RUNNING. */
async function launch(
  supervisor: Supervisor,
  label: string,
  ui: Ui | undefined,
  programs: (dir: string) => { text: string; count: number },
): Promise<Server> {
  const dir = runDir(TMP, label.replace(/[^a-z0-9-]+/gi, "-"));
  const port = freePort();
  const uiLine = supervisor.name === "tend" ? `ui=${ui ?? "full"}\n` : "";
  const { text, count } = programs(dir);
  const { config, socket } = writeConfig(
    dir,
    `[inet_http_server]\nport=127.0.0.1:${port}\n${uiLine}\n${text}`,
  );
  const ns = spawnAsPid1([supervisor.bin, "-c", config]);
  const pid = await initPidOf(ns);
  await untilAllRunning(socket, count, label, READY_TIMEOUT_MS);
  return { label, kind: supervisor.name, ns, pid, port, socket, dir, programs: count };
}

/** The size of a program's stdout log as the server counts it (tailProcessStdoutLog's offset). */
async function logSize(socket: string, name: string): Promise<number> {
  const reply = decodeResponse(
    await socketCall(socket, "supervisor.tailProcessStdoutLog", [name, 0, 0]),
  );
  const offset = Array.isArray(reply.value) ? reply.value[1] : undefined;
  if (typeof offset !== "number") throw new Error(`tailProcessStdoutLog: ${JSON.stringify(reply)}`);
  return offset;
}

function urlOf(server: Server, path: string): string {
  return `http://127.0.0.1:${server.port}${path}`;
}

/** A GET whose body is read whole, on a connection closed after it; throws unless 200 (or `status`). */
async function get(
  server: Server,
  path: string,
  status = 200,
): Promise<{ body: Uint8Array<ArrayBuffer>; type: string; encoding: string }> {
  const response = await fetch(urlOf(server, path), {
    headers: { Connection: "close", "Accept-Encoding": "identity" },
    keepalive: false,
    decompress: false,
  });
  const body = new Uint8Array(await response.arrayBuffer());
  if (response.status !== status)
    throw new Error(`${server.label} GET ${path}: HTTP ${response.status}, wanted ${status}`);
  const declared = response.headers.get("content-length");
  if (declared !== null && Number(declared) !== body.length)
    throw new Error(`${server.label} GET ${path}: ${body.length} bytes of ${declared}`);
  return {
    body,
    type: response.headers.get("content-type") ?? "",
    encoding: response.headers.get("content-encoding") ?? "",
  };
}

// ---------------------------------------------------------------- stream clients

function tableFollower(server: Server, expected: number): TableFollower {
  return new TableFollower(`${server.label} /ui/events`, urlOf(server, "/ui/events"), expected);
}

/** Both log clients follow `chatty`'s stdout: tend's dashboard view, or supervisord's tail stream. */
function logFollower(server: Server): LogFollower {
  return server.kind === "tend"
    ? new LogViewFollower(
        `${server.label} /ui/log`,
        urlOf(server, "/ui/log?name=chatty&stream=stdout"),
        LINES,
      )
    : new LogTailFollower(
        `${server.label} /logtail/chatty`,
        urlOf(server, "/logtail/chatty"),
        LINES,
      );
}

// ---------------------------------------------------------------- 1 and 2. idle

interface IdleRole {
  readonly ui: Ui | undefined;
  readonly pages: number;
  /** A TCP connection open on its port, with no request on it: what any open connection costs. */
  readonly bare?: boolean;
}

interface IdleResult extends IdleCost {
  readonly server: Server;
  readonly role: IdleRole;
  /** Events the pages received during the window (after their snapshot). */
  readonly eventsInWindow: number;
}

async function idle(tend: Supervisor, sd: Supervisor): Promise<IdleResult[]> {
  const roles: { supervisor: Supervisor; label: string; role: IdleRole }[] = [
    { supervisor: tend, label: "tend-full-a", role: { ui: "full", pages: 0 } },
    { supervisor: tend, label: "tend-full-b", role: { ui: "full", pages: 0 } },
    { supervisor: tend, label: "tend-off-a", role: { ui: "off", pages: 0 } },
    { supervisor: tend, label: "tend-off-b", role: { ui: "off", pages: 0 } },
    { supervisor: tend, label: "tend-full-1-page", role: { ui: "full", pages: 1 } },
    { supervisor: tend, label: "tend-full-2-pages", role: { ui: "full", pages: 2 } },
    { supervisor: tend, label: "tend-full-bare-tcp", role: { ui: "full", pages: 0, bare: true } },
    { supervisor: sd, label: "supervisord", role: { ui: undefined, pages: 0 } },
  ];
  const programs = () => ({ text: sleeperPrograms(PROGRAMS), count: PROGRAMS });
  const servers = await Promise.all(
    roles.map((r) => launch(r.supervisor, r.label, r.role.ui, programs)),
  );
  const pages: TableFollower[][] = [];
  const bare: Socket[] = [];
  try {
    // The dashboard is there with ui=full, and not with ui=off.
    for (const [i, server] of servers.entries()) {
      const ui = roles[i]?.role.ui;
      if (ui !== undefined) await get(server, "/", ui === "full" ? 200 : 404);
    }
    for (const [i, server] of servers.entries()) {
      const n = roles[i]?.role.pages ?? 0;
      pages.push(Array.from({ length: n }, () => tableFollower(server, PROGRAMS)));
      if (roles[i]?.role.bare)
        bare.push(
          await Bun.connect({ hostname: "127.0.0.1", port: server.port, socket: { data() {} } }),
        );
    }
    await waitFor(
      () => pages.flat().every((page) => page.snapshot !== undefined || page.failure),
      "the pages' snapshots",
      30_000,
    );
    for (const page of pages.flat()) if (page.failure) throw new Error(page.failure);
    await Bun.sleep(IDLE_SETTLE_MS);
    const before = pages.map((list) => list.reduce((n, page) => n + page.events(), 0));
    const costs = await idleWindow(
      servers.map((server) => server.pid),
      IDLE_MS,
    );
    for (const page of pages.flat()) if (page.failure) throw new Error(page.failure);
    return costs.map((cost, i) => ({
      ...cost,
      server: servers[i] as Server,
      role: roles[i]?.role as IdleRole,
      eventsInWindow: (pages[i] ?? []).reduce((n, page) => n + page.events(), 0) - (before[i] ?? 0),
    }));
  } finally {
    await Promise.all(pages.flat().map((page) => page.close()));
    for (const socket of bare) socket.end();
    await Promise.all(servers.map((server) => stop(server.ns)));
  }
}

// ---------------------------------------------------------------- 3. bursts

interface Burst {
  readonly before: Memory;
  readonly peakMiB: number;
  /** Right after both log clients had the last line. */
  readonly after: Memory;
  readonly idle: Memory;
  /** From the generator's first write to the last log client's last line. */
  readonly ms: number;
  /** The generator's own time, first write to last. */
  readonly genMs: number;
  /** The server's utime+stime from the trigger to the last line at the clients. */
  readonly cpuMs: number;
  /** Lines the log clients received in this burst, and bytes reported skipped, summed over the clients. */
  readonly lines: number;
  readonly skipped: number;
}

interface StreamRun {
  readonly label: string;
  readonly server: Server;
  readonly bursts: Burst[];
  readonly logClients: readonly LogFollower[];
  readonly tableClients: readonly TableFollower[];
  readonly bytes: number;
}

/** Opens the FIFO for writing once the generator waits on it (which lets it go), and closes it. */
async function trigger(go: string): Promise<void> {
  const fd = await waitFor(
    () => {
      try {
        return openSync(go, constants.O_WRONLY | constants.O_NONBLOCK);
      } catch {
        return undefined; // ENXIO: the generator is not waiting yet
      }
    },
    "the generator to wait for its go",
    30_000,
    5,
  );
  closeSync(fd);
}

function stamps(path: string): number[] {
  try {
    return readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => Number(line) / 1e6);
  } catch {
    return [];
  }
}

/**
 * Starts a server with `chatty`, the clients (none with `withClients`
 * false: the control, which shows what the bursts cost without the UI),
 * then runs the bursts.
 */
async function stream(
  supervisor: Supervisor,
  label: string,
  gen: string,
  log: ChattyLog,
  withClients: boolean,
): Promise<StreamRun> {
  let section: Chatty | undefined;
  const server = await launch(supervisor, label, "full", (dir) => {
    section = chatty(dir, gen, log);
    return { text: section.section, count: 1 };
  });
  const program = section as Chatty;
  const isTend = supervisor.name === "tend";
  const logClients: LogFollower[] = Array.from({ length: withClients ? LOG_CLIENTS : 0 }, () =>
    logFollower(server),
  );
  const tableClients =
    isTend && withClients
      ? Array.from({ length: TABLE_CLIENTS }, () => tableFollower(server, 1))
      : [];
  const clients = [...logClients, ...tableClients];
  const failed = () => clients.find((c) => c.failure !== undefined)?.failure;
  /**
   * When burst k has reached its readers: both log clients have its last
   * line, or (no client) the server's log of the program holds it all.
   */
  const arrived = async (k: number): Promise<number | undefined> => {
    if (withClients)
      return logClients.every((c) => c.lines.ends >= k)
        ? Math.max(...logClients.map((c) => c.lines.endTimes[k - 1] ?? Number.NaN))
        : undefined;
    return (await logSize(server.socket, "chatty")) >= k * LINES * LINE_BYTES
      ? wallNow()
      : undefined;
  };
  try {
    await waitFor(
      () =>
        failed() !== undefined ||
        (logClients.every((c) => c.tailSeen) && tableClients.every((c) => c.snapshot)),
      `${label}: the clients' first events`,
      30_000,
    );
    // supervisord's stream begins with nothing when the log is empty: give it a moment.
    await Bun.sleep(1_000);
    const bursts: Burst[] = [];
    for (let k = 1; k <= BURSTS; k++) {
      const problem = failed();
      if (problem) throw new Error(problem);
      const before = memoryOf(server.pid);
      const cpuBefore = cpuTicksMs(server.pid);
      const linesBefore = logClients.reduce((n, c) => n + c.lines.lines, 0);
      const skippedBefore = logClients.reduce((n, c) => n + c.skipped, 0);
      let peakMiB = before.rssMiB;
      rmSync(program.stamp, { force: true });
      await trigger(program.go);
      const deadline = performance.now() + BURST_TIMEOUT_MS;
      let lastLine = await arrived(k);
      while (lastLine === undefined) {
        const problem = failed();
        if (problem) throw new Error(problem);
        if (performance.now() > deadline)
          throw new Error(
            `${label}: burst ${k} not complete after ${BURST_TIMEOUT_MS} ms (${logClients.map((c) => c.lines.lines).join(", ")} lines)`,
          );
        peakMiB = Math.max(peakMiB, memoryOf(server.pid).rssMiB);
        await Bun.sleep(PEAK_POLL_MS);
        lastLine = await arrived(k);
      }
      const after = memoryOf(server.pid);
      const cpuMs = cpuTicksMs(server.pid) - cpuBefore;
      peakMiB = Math.max(peakMiB, after.rssMiB);
      const [genStart = Number.NaN, genEnd = Number.NaN] = await waitFor(
        () => {
          const s = stamps(program.stamp);
          return s.length >= 2 ? s : undefined;
        },
        `${label}: the generator's end stamp`,
        10_000,
      );
      await Bun.sleep(AFTER_IDLE_MS);
      bursts.push({
        before,
        peakMiB,
        after,
        idle: memoryOf(server.pid),
        ms: lastLine - genStart,
        genMs: genEnd - genStart,
        cpuMs,
        lines: withClients
          ? logClients.reduce((n, c) => n + c.lines.lines, 0) - linesBefore
          : Number.NaN,
        skipped: withClients
          ? logClients.reduce((n, c) => n + c.skipped, 0) - skippedBefore
          : Number.NaN,
      });
    }
    const problem = failed();
    if (problem) throw new Error(problem);
    for (const c of logClients)
      if (c.lines.bad > 0)
        throw new Error(`${c.label}: ${c.lines.bad} bad lines: ${c.lines.firstBad.join("; ")}`);
    return {
      label,
      server,
      bursts,
      logClients,
      tableClients,
      bytes: clients.reduce((n, c) => n + c.bytes, 0),
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await stop(server.ns);
  }
}

// ---------------------------------------------------------------- 4. page weight

interface Asset {
  readonly path: string;
  readonly bytes: number;
  readonly gzip: number;
  readonly type: string;
  /** Named only in a stylesheet: a browser loads it when an element on the page uses that rule. */
  readonly fromCss: boolean;
}

interface PageWeights {
  readonly tend: Asset[];
  readonly sd: Asset[];
  /** The table's data, which supervisord's page carries in its HTML: tend's /ui/events snapshot, bytes. */
  readonly snapshotBytes: number;
}

/**
 * What a page loads with it: `<link href>` (stylesheets, icons), `src=`
 * (scripts, images) and CSS `url()`, on the server itself, resolved against
 * `base`. Links a person follows (`<a href>`) are not part of it.
 */
function references(text: string, base: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /<link\b[^>]*\bhref\s*=\s*["']([^"']+)["']/gi,
    /\bsrc\s*=\s*["']([^"']+)["']/gi,
    /url\(\s*["']?([^"')]+)["']?\s*\)/gi,
  ];
  for (const pattern of patterns)
    for (const match of text.matchAll(pattern)) {
      const ref = match[1] ?? "";
      if (/^(?:[a-z]+:|#|\/\/)/i.test(ref)) continue;
      const url = new URL(ref, `http://127.0.0.1${base}`);
      found.add(url.pathname + url.search);
    }
  return [...found];
}

/** `/` and everything it references (stylesheets' references too), plus `also`; each checked 200 and whole. */
async function pageWeight(server: Server, also: readonly string[]): Promise<Asset[]> {
  const queue = ["/", ...also].map((path) => ({ path, fromCss: false }));
  const seen = new Set<string>();
  const assets: Asset[] = [];
  while (queue.length > 0) {
    const { path, fromCss } = queue.shift() as { path: string; fromCss: boolean };
    if (seen.has(path)) continue;
    seen.add(path);
    const reply = await get(server, path);
    if (reply.encoding !== "")
      throw new Error(`${server.label} ${path}: ${reply.encoding} though identity was asked`);
    assets.push({
      path,
      bytes: reply.body.length,
      gzip: Bun.gzipSync(reply.body).length,
      type: reply.type.split(";")[0] ?? "",
      fromCss,
    });
    if (/html|css/.test(reply.type)) {
      const css = reply.type.includes("css");
      for (const ref of references(new TextDecoder().decode(reply.body), path))
        queue.push({ path: ref, fromCss: css });
    }
  }
  return assets;
}

async function pages(tend: Supervisor, sd: Supervisor): Promise<PageWeights> {
  const programs = () => ({ text: sleeperPrograms(PROGRAMS), count: PROGRAMS });
  const servers = await Promise.all([
    launch(tend, "tend-page", "full", programs),
    launch(sd, "supervisord-page", undefined, programs),
  ]);
  try {
    const [t, s] = servers as [Server, Server];
    const table = tableFollower(t, PROGRAMS);
    try {
      await waitFor(() => table.snapshot !== undefined || table.failure, "the snapshot", 30_000);
      if (table.failure) throw new Error(table.failure);
      return {
        tend: await pageWeight(t, ["/ui/app.js", "/ui/app.css"]),
        sd: await pageWeight(s, []),
        snapshotBytes: table.bytes,
      };
    } finally {
      await table.close();
    }
  } finally {
    await Promise.all(servers.map((server) => stop(server.ns)));
  }
}

// ---------------------------------------------------------------- report

const count = (n: number): string => Math.round(n).toLocaleString("en-US");

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !(b > 0)) return "n/a";
  const r = a / b;
  return `${r.toFixed(r < 0.1 ? 3 : 2)}×`;
}

const mean = (values: readonly number[]): number | undefined =>
  values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;

const perS = (v: number) => v / (IDLE_MS / 1000);

interface Metric {
  readonly label: string;
  readonly value: (i: IdleResult) => number;
  readonly digits: number;
}

const IDLE_METRICS: readonly Metric[] = [
  {
    label: "wake-ups per s (context switches of all threads)",
    value: (i) => perS(i.switches),
    digits: 2,
  },
  { label: "of which the main thread, per s", value: (i) => perS(i.mainSwitches), digits: 2 },
  {
    label: `CPU, ms per ${IDLE_MS / 1000} s (schedstat of its threads)`,
    value: (i) => i.cpuMs,
    digits: 1,
  },
  { label: "VmRSS at the start of the window, MiB", value: (i) => i.rssStart.rssMiB, digits: 1 },
  { label: "VmRSS at the end of the window, MiB", value: (i) => i.rssEnd.rssMiB, digits: 1 },
];

function cells(results: readonly IdleResult[], metric: Metric): string {
  return results.length === 0
    ? "n/a"
    : results.map((r) => fmt(metric.value(r), metric.digits)).join(" / ");
}

const meanOf = (results: readonly IdleResult[], metric: Metric) => mean(results.map(metric.value));

function idleTables(results: readonly IdleResult[]): string[] {
  const full = results.filter((r) => r.role.ui === "full" && r.role.pages === 0 && !r.role.bare);
  const bare = results.filter((r) => r.role.bare);
  const off = results.filter((r) => r.role.ui === "off");
  const sd = results.filter((r) => r.server.kind === "supervisord");
  const one = results.filter((r) => r.role.pages === 1);
  const two = results.filter((r) => r.role.pages === 2);
  const first = [
    `| ${PROGRAMS} programs, ${IDLE_MS / 1000} s idle, no page open | tend ui=full | tend ui=off | full / off (means) | supervisord | tend ui=full / supervisord |`,
    "|---|---:|---:|---:|---:|---:|",
    ...IDLE_METRICS.map(
      (m) =>
        `| ${m.label} | ${cells(full, m)} | ${cells(off, m)} | ${ratio(meanOf(full, m), meanOf(off, m))} | ${cells(sd, m)} | ${ratio(meanOf(full, m), meanOf(sd, m))} |`,
    ),
  ];
  const second = [
    `| tend ui=full, ${PROGRAMS} programs, ${IDLE_MS / 1000} s idle | no page | 1 page | 2 pages | a bare TCP connection (no request) | 1 page / none | 2 pages / none | bare connection / none |`,
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...IDLE_METRICS.map(
      (m) =>
        `| ${m.label} | ${cells(full, m)} | ${cells(one, m)} | ${cells(two, m)} | ${cells(bare, m)} | ${ratio(meanOf(one, m), meanOf(full, m))} | ${ratio(meanOf(two, m), meanOf(full, m))} | ${ratio(meanOf(bare, m), meanOf(full, m))} |`,
    ),
    `| events the pages received in the window | — | ${one.map((r) => r.eventsInWindow).join(" / ") || "n/a"} | ${two.map((r) => r.eventsInWindow).join(" / ") || "n/a"} | — | | | |`,
  ];
  return [...first, "", ...second];
}

function byThread(results: readonly IdleResult[]): string {
  return results
    .map(
      (r) =>
        `${r.server.label}: ${
          [...r.byThread]
            .filter(([, n]) => n > 0)
            .map(([thread, n]) => `${thread} ${fmt(perS(n), 2)}`)
            .join(", ") || "none"
        } (${r.threads} threads)`,
    )
    .join("; ");
}

function streamTables(runs: readonly StreamRun[]): string[] {
  if (runs.length === 0) return ["(no streaming runs)"];
  const cell = (value: number, digits = 1) => fmt(value, digits);
  const memory = [
    `| VmRSS, MiB | burst | before | peak (read every ${PEAK_POLL_MS} ms) | when it had arrived | ${AFTER_IDLE_MS / 1000} s idle after | growth, before → idle after |`,
    "|---|---:|---:|---:|---:|---:|---:|",
    ...runs.flatMap((run) =>
      run.bursts.map(
        (b, k) =>
          `| ${run.label} | ${k + 1} | ${cell(b.before.rssMiB)} | ${cell(b.peakMiB)} | ${cell(b.after.rssMiB)} | ${cell(b.idle.rssMiB)} | ${cell(b.idle.rssMiB - b.before.rssMiB)} |`,
      ),
    ),
  ];
  const perBurst = (run: StreamRun, value: (b: Burst) => number, digits = 0) =>
    run.bursts.map((b) => cell(value(b), digits)).join(" / ");
  const meanBurst = (run: StreamRun | undefined, value: (b: Burst) => number) =>
    run ? mean(run.bursts.map(value)) : undefined;
  const metrics: { label: string; value: (b: Burst) => number; digits?: number }[] = [
    { label: "lines per s to its readers", value: (b) => LINES / (b.ms / 1000) },
    { label: "ms, first write → arrived", value: (b) => b.ms },
    { label: "ms, the generator's first → last write", value: (b) => b.genMs },
    { label: `server CPU, ms (${1000 / CLK_TCK} ms ticks)`, value: (b) => b.cpuMs },
    {
      label: `lines the ${LOG_CLIENTS} log clients got (of ${count(LOG_CLIENTS * LINES)})`,
      value: (b) => b.lines,
    },
    { label: "bytes reported skipped", value: (b) => b.skipped },
    {
      // After a skip the text resumes inside a line: that fragment is neither a line nor skipped.
      label: "% of the bytes sent that arrived as whole lines or were reported skipped",
      value: (b) => (100 * (b.lines * LINE_BYTES + b.skipped)) / (LOG_CLIENTS * LINES * LINE_BYTES),
      digits: 2,
    },
  ];
  const sd = runs.find((run) => run.server.kind === "supervisord");
  const throughput = [
    `| per burst (${runs[0]?.bursts.map((_, k) => `${k + 1}`).join(" / ")}) | ${metrics.map((m) => m.label).join(" | ")} |`,
    `|---|${metrics.map(() => "---:").join("|")}|`,
    ...runs.map(
      (run) =>
        `| ${run.label} | ${metrics.map((m) => perBurst(run, m.value, m.digits)).join(" | ")} |`,
    ),
    ...runs
      .filter((run) => run.server.kind === "tend")
      .map(
        (run) =>
          `| ${run.label} / supervisord (means) | ${metrics.map((m) => ratio(meanBurst(run, m.value), meanBurst(sd, m.value))).join(" | ")} |`,
      ),
  ];
  return [...memory, "", ...throughput];
}

function pageTable(weights: PageWeights | undefined): string[] {
  if (!weights) return ["(no page weights)"];
  const list = (assets: Asset[]) =>
    assets
      .map(
        (a) =>
          `\`${a.path}\` ${count(a.bytes)} B (${a.type || "no type"}${a.fromCss ? ", from the stylesheet" : ""})`,
      )
      .join(", ");
  const sum = (assets: Asset[], key: "bytes" | "gzip", css = true) =>
    assets.filter((a) => css || !a.fromCss).reduce((n, a) => n + a[key], 0);
  const row = (label: string, assets: Asset[]) =>
    `| ${label} | ${list(assets)} | ${count(sum(assets, "bytes"))} | ${count(sum(assets, "bytes", false))} | ${count(sum(assets, "gzip"))} | ${assets.length} |`;
  const { tend, sd } = weights;
  return [
    "| page | files | bytes | without stylesheet images | gzip (computed here) | requests |",
    "|---|---|---:|---:|---:|---:|",
    row("tend `/` (ui=full)", tend),
    row("supervisord `/`", sd),
    `| tend / supervisord | | ${ratio(sum(tend, "bytes"), sum(sd, "bytes"))} | ${ratio(sum(tend, "bytes", false), sum(sd, "bytes", false))} | ${ratio(sum(tend, "gzip"), sum(sd, "gzip"))} | |`,
    `| tend's table data: the \`/ui/events\` snapshot of ${PROGRAMS} programs (supervisord's is in its HTML) | | ${count(weights.snapshotBytes)} | | | 1 |`,
  ];
}

interface Results {
  readonly tend: Supervisor;
  readonly sd: Supervisor;
  readonly idle: IdleResult[] | undefined;
  readonly streams: StreamRun[];
  readonly pages: PageWeights | undefined;
  readonly failures: string[];
}

function report(results: Results): string {
  const tablesRun = results.streams.some((run) => run.tableClients.length > 0);
  const lines = [
    "# Dashboard benchmark: tend's web UI vs supervisord's",
    "",
    `Date: ${new Date().toISOString()}  `,
    `Machine: ${machine()}  `,
    "Command: `npm run bench:ui`  ",
    `Setup: each server PID 1 of its own pid namespace, with \`[inet_http_server] port=127.0.0.1:P\` (tend: \`ui=full\` or \`ui=off\`), no auth; clients (Bun's fetch) in the bench's own process on the same machine.`,
    "",
    "Versions:",
    "",
    `- tend: ${versionOf(results.tend.bin)} (${tendBuild()})`,
    `- supervisord: ${versionOf(results.sd.bin)}`,
    `- Bun (runs the bench and its clients): ${Bun.version}`,
    "",
    `## Idle: the UI's cost with no page open, and with pages open (${PROGRAMS} \`sleep infinity\`, ${IDLE_MS / 1000} s window)`,
    "",
    ...(results.idle ? idleTables(results.idle) : ["(no idle run)"]),
    "",
    `## Streaming: ${BURSTS} bursts of ${count(LINES)} lines of ${LINE_BYTES} bytes, to ${LOG_CLIENTS} log clients${tablesRun ? ` (and ${TABLE_CLIENTS} table clients on tend)` : ""}`,
    "",
    ...streamTables(results.streams),
    "",
    "## Page weight",
    "",
    ...pageTable(results.pages),
    "",
    "Notes:",
    "",
    `- idle: all ${results.idle?.length ?? 0} servers up at once, the window ${IDLE_SETTLE_MS / 1000} s after all programs were RUNNING (getAllProcessInfo over each one's socket, on a connection closed after it) and, for the pages, after each had its snapshot (${PROGRAMS} processes, all RUNNING); nothing sent during the window. Cells list the servers of that kind; ratios are of their means. Context switches per s by thread, named as in /proc/PID/task/TID/comm: ${results.idle ? byThread(results.idle) : "n/a"}.`,
    `- streaming: \`chatty\` is \`sh -c 'while gen-lines …; do :; done'\` (bench/gen-lines.c: ${LINE_BYTES}-byte lines numbered from 0, written in 64 KiB write(2)s), started by opening a FIFO. "tend (file)" and supervisord log it to a file (\`stdout_logfile=…\`, maxbytes=0); "tend (default)" keeps tend's default (\`AUTO\`: tend's stdout, here /dev/null, and the 64 KiB in-memory tail that a log view reads). "No client": the same without any client, the control for what the bursts cost tend without the UI. "Arrived": both log clients had the burst's last line, or, with no client, the server's log of the program held all of it (tailProcessStdoutLog's offset, polled every ${PEAK_POLL_MS} ms); "lines per s to its readers" is ${count(LINES)} over the time from the generator's first write to then. Every line the log clients got was checked (number in sequence, text as written); lines missing from the count were skipped, and tend said how many bytes. Bytes its clients received (the log views' events, or supervisord's stream, and the tables'): ${results.streams
      .filter((run) => run.logClients.length > 0)
      .map(
        (run) =>
          `${run.label} ${count(run.bytes)}${run.tableClients.length > 0 ? `, of which its table clients got ${run.tableClients.map((c) => c.events()).join(" and ")} events (the snapshot; nothing changed)` : ""}`,
      )
      .join("; ")}.`,
    `- page weight: \`Accept-Encoding: identity\`; each reply checked (200, all of its Content-Length); neither server compresses.`,
    ...(results.failures.length > 0
      ? ["", "Failures:", "", ...results.failures.map((f) => `- ${f}`)]
      : []),
  ];
  return lines.join("\n");
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const { tend, sd } = tendAndSupervisord("bench/ui.ts");
  const { failures, note } = failureLog();
  const gen = compile(TMP, "gen-lines", readFileSync(join(import.meta.dir, "gen-lines.c"), "utf8"));

  console.error(`idle: 7 tends and supervisord with ${PROGRAMS} programs, ${IDLE_MS / 1000} s...`);
  const idleResults = await note("idle", () => idle(tend, sd));

  const streams: StreamRun[] = [];
  const runs: [Supervisor, string, ChattyLog, boolean][] = [
    [tend, "tend (file)", "file", true],
    [tend, "tend (file, no client)", "file", false],
    [tend, "tend (default)", "default", true],
    [tend, "tend (default, no client)", "default", false],
    [sd, "supervisord", "file", true],
  ];
  // STREAMS="tend (file);supervisord" runs only those.
  const only = process.env.STREAMS?.split(";").map((label) => label.trim());
  for (const [supervisor, label, log, withClients] of runs) {
    if (only && !only.includes(label)) continue;
    console.error(`streaming: ${label}, ${BURSTS} bursts of ${count(LINES)} lines...`);
    const run = await note(`streaming ${label}`, () =>
      stream(supervisor, label, gen, log, withClients),
    );
    if (run) streams.push(run);
  }

  console.error("page weight...");
  const weights = await note("page weight", () => pages(tend, sd));

  console.log(report({ tend, sd, idle: idleResults, streams, pages: weights, failures }));
  if (failures.length > 0) process.exitCode = 1;
}

await main();
