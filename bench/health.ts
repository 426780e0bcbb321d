// Health and metrics benchmark: tend's read-only [health] listener (/livez,
// /readyz, /readyz?verbose, /metrics) against what supervisord 4.2.5 offers
// in their place on its [inet_http_server] port (/ok.html, its only
// health-like page, and one XML-RPC supervisor.getAllProcessInfo, what a
// supervisord exporter has to call per scrape). Both run as PID 1 of their
// own pid namespace (`unshare --pid --fork --mount-proc`, needs root) at the
// same time, on the same generated programs: PROGRAMS (default 500)
// `sleep infinity`, startsecs=0, output discarded, each server with its own
// socket and its own port on 127.0.0.1 ([health] for tend,
// [inet_http_server] for supervisord); all RUNNING (getAllProcessInfo over
// the socket, and tend's /readyz 200) before any measurement starts.
//  1. latency: N (default 1,000) sequential requests of each kind after a
//     warm-up of WARMUP (default 100), over one keep-alive connection (as
//     Prometheus keeps one), then N over a fresh connection each (connect,
//     request with `Connection: close`, read, close, as the kubelet probes:
//     the time includes the connect); median and p99 of the wall clock from the
//     request's first byte (or the connect) to the reply's last. supervisord's
//     getAllProcessInfo takes ~140 ms with 500 programs, so it gets RPC_N
//     (default 300) requests in each mode. A small HTTP/1.1 client over
//     Bun.connect, so that the client's own cost stays small and a reused
//     connection is known to be reused.
//  2. the server's CPU per request: its utime+stime (/proc/PID/stat, 10 ms
//     ticks) before and after each series, divided by the requests; the
//     schedstat of its threads (ns, polled every 100 requests so a thread
//     that ends keeps its time) as a cross-check.
//  3. memory under load: SCRAPES (default 10,000) sequential /metrics
//     scrapes on one keep-alive connection to tend's [health] port: VmRSS
//     before, after 1,000, at its peak (read every 100), after the last, and
//     10 s idle after the last; then the same for SCRAPES /readyz, and for
//     supervisord under SCRAPES /ok.html. Then, to tell the listener from the
//     encoder, CONTROL_SCRAPES (default SCRAPES, 0 to skip) /metrics over
//     tend's control socket, whose replies go through tend's memory policy
//     (a collection after each reply over 64 KiB).
//  4. idle cost of the listener: four more tends with the same programs, two
//     with [health] and two without (two identical ones show how far tends
//     differ anyway), up at once; once all are RUNNING and IDLE_SETTLE_MS
//     (5 s) have passed, the same IDLE_MS (30 s) window for all: their
//     threads' context switches (voluntary + involuntary, from
//     /proc/PID/task/TID/status, polled every 50 ms, also by thread name),
//     the schedstat CPU of their threads, VmRSS at the start and the end.
//     Nothing is sent to any of them during the window.
// Every reply is checked: status 200, its body (`ok`, `OK`, a [+] line per
// program, a RUNNING entry per program, each program's series in /metrics).
// Prints a Markdown report (tables with tend / supervisord ratios, notes);
// writes nothing. Run: `npm run bench:health` (builds dist/tend first), or
// `bun bench/health.ts` on an existing build.

import { join } from "node:path";
import type { Socket } from "bun";
import { CLK_TCK, cpuTicksMs, type IdleCost, idleWindow, ThreadCounter } from "./costs.ts";
import {
  failureLog,
  fmt,
  freePort,
  initPidOf,
  type Memory,
  machine,
  median,
  memoryOf,
  type Namespace,
  runDir,
  type Supervisor,
  sleeperPrograms,
  spawnAsPid1,
  stop,
  tempDir,
  tendAndSupervisord,
  tendBuild,
  threadTimes,
  untilAllRunning,
  versionOf,
  writeConfig,
} from "./harness.ts";

const PROGRAMS = Number(process.env.PROGRAMS ?? 500);
const N = Number(process.env.N ?? 1_000);
const RPC_N = Math.min(N, Number(process.env.RPC_N ?? 300));
const WARMUP = Number(process.env.WARMUP ?? 100);
const RPC_WARMUP = 5;
const SCRAPES = Number(process.env.SCRAPES ?? 10_000);
const CONTROL_SCRAPES = Number(process.env.CONTROL_SCRAPES ?? SCRAPES);
/** VmRSS is also read after this many requests. */
const EARLY_SAMPLE = 1_000;
/** VmRSS is read every this many requests for the peak. */
const PEAK_EVERY = 100;
/** Idle after a load, to tell garbage not yet collected from a leak. */
const AFTER_IDLE_MS = 10_000;
const IDLE_SETTLE_MS = 5_000;
const IDLE_MS = Number(process.env.IDLE_MS ?? 30_000);
/** Tends of each kind in the idle window: two identical ones show how far they differ anyway. */
const IDLE_TENDS = 2;
const READY_TIMEOUT_MS = 120_000;
const TMP = tempDir("tend-bench-health-");

const GET_ALL = `<?xml version="1.0"?>
<methodCall><methodName>supervisor.getAllProcessInfo</methodName><params></params></methodCall>
`;

// ---------------------------------------------------------------- a small HTTP/1.1 client

type Address = { readonly hostname: string; readonly port: number } | { readonly unix: string };

interface Reply {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
}

interface Head {
  readonly status: number;
  readonly headers: Map<string, string>;
  readonly size: number;
  /** The body's length; undefined when chunked or read to the end. */
  readonly length: number | undefined;
  readonly chunked: boolean;
}

const HEADER_END = Buffer.from("\r\n\r\n");

/**
 * One connection, one request at a time; the reply is read whole (by
 * Content-Length, chunks, or to the server's close). Knows whether the server
 * keeps it open.
 */
class Connection {
  private socket: Socket<undefined> | undefined;
  private chunks: Buffer[] = [];
  private length = 0;
  private head: Head | undefined;
  private ended = false;
  private waiting: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | undefined;

  private constructor() {}

  static async open(address: Address): Promise<Connection> {
    const connection = new Connection();
    const handlers = {
      data: (_socket: Socket<undefined>, chunk: Buffer) => connection.received(chunk),
      end: () => connection.closed(),
      close: () => connection.closed(),
      error: (_socket: Socket<undefined>, error: Error) => connection.failed(error),
    };
    connection.socket =
      "unix" in address
        ? await Bun.connect({ unix: address.unix, socket: handlers })
        : await Bun.connect({ hostname: address.hostname, port: address.port, socket: handlers });
    return connection;
  }

  /** Whether another request may be sent on it. */
  get open(): boolean {
    return !this.ended;
  }

  request(bytes: Uint8Array): Promise<Reply> {
    if (this.ended || !this.socket) return Promise.reject(new Error("connection closed"));
    if (this.waiting) return Promise.reject(new Error("one request at a time"));
    const reply = new Promise<Reply>((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
    const written = this.socket.write(bytes);
    if (written !== bytes.length) {
      this.waiting = undefined;
      return Promise.reject(new Error(`wrote ${written} of ${bytes.length} bytes`));
    }
    return reply;
  }

  close(): void {
    this.ended = true;
    this.socket?.end();
  }

  private received(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    try {
      this.complete(false);
    } catch (error) {
      this.close();
      this.fail(error as Error);
    }
  }

  private closed(): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.complete(true);
    } catch (error) {
      this.fail(error as Error);
    }
    this.fail(new Error("the server closed the connection before a whole reply"));
  }

  private failed(error: Error): void {
    this.ended = true;
    this.fail(error);
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }

  private all(): Buffer {
    if (this.chunks.length !== 1) this.chunks = [Buffer.concat(this.chunks, this.length)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private complete(atEnd: boolean): void {
    if (!this.waiting) return;
    if (!this.head) {
      const data = this.all();
      const end = data.indexOf(HEADER_END);
      if (end < 0) return;
      this.head = parseReplyHead(data.toString("latin1", 0, end), end + HEADER_END.length);
    }
    const head = this.head;
    let body: Buffer | undefined;
    let used = 0;
    if (head.length !== undefined) {
      if (this.length < head.size + head.length) return;
      const data = this.all();
      body = data.subarray(head.size, head.size + head.length);
      used = head.size + head.length;
    } else if (head.chunked) {
      const data = this.all();
      const parsed = dechunk(data, head.size);
      if (!parsed) return;
      body = parsed.body;
      used = parsed.end;
    } else {
      if (!atEnd) return;
      const data = this.all();
      body = data.subarray(head.size);
      used = data.length;
    }
    const rest = this.all().subarray(used);
    this.chunks = rest.length > 0 ? [Buffer.from(rest)] : [];
    this.length = rest.length;
    this.head = undefined;
    const keepAlive = (head.headers.get("connection") ?? "").toLowerCase() !== "close";
    const waiting = this.waiting;
    this.waiting = undefined;
    if (!keepAlive) this.close();
    waiting.resolve({ status: head.status, headers: head.headers, body });
  }
}

function parseReplyHead(text: string, size: number): Head {
  const [statusLine = "", ...lines] = text.split("\r\n");
  const match = /^HTTP\/1\.([01]) (\d{3})/.exec(statusLine);
  if (!match) throw new Error(`not an HTTP reply: ${statusLine.slice(0, 80)}`);
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0)
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  // HTTP/1.0 closes unless it says otherwise.
  if (match[1] === "0" && (headers.get("connection") ?? "").toLowerCase() !== "keep-alive")
    headers.set("connection", "close");
  const declared = headers.get("content-length");
  const chunked = (headers.get("transfer-encoding") ?? "").toLowerCase().includes("chunked");
  return {
    status: Number(match[2]),
    headers,
    size,
    length: declared === undefined || chunked ? undefined : Number(declared),
    chunked,
  };
}

/** A chunked body from `from`, and where it ends; undefined while incomplete. */
function dechunk(data: Buffer, from: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at, "latin1");
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(data.toString("latin1", at, lineEnd), 16);
    if (!Number.isFinite(size)) throw new Error("bad chunk size");
    if (size === 0) {
      const trailerEnd = data.indexOf(HEADER_END, lineEnd);
      if (trailerEnd >= 0) return { body: Buffer.concat(parts), end: trailerEnd + 4 };
      if (
        data.length >= lineEnd + 4 &&
        data.toString("latin1", lineEnd, lineEnd + 4) === "\r\n\r\n"
      )
        return { body: Buffer.concat(parts), end: lineEnd + 4 };
      return undefined;
    }
    const start = lineEnd + 2;
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
}

// ---------------------------------------------------------------- the requests

type Check = (reply: Reply) => string | undefined;

interface Kind {
  readonly label: string;
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly body?: string;
  /** undefined when the reply is right, else what is wrong with it. */
  readonly check: Check;
  readonly warmup: number;
  readonly n: number;
}

const text = (reply: Reply): string => reply.body.toString("utf8");

function exactly(expected: string): Check {
  return (reply) => {
    const got = text(reply);
    return reply.status === 200 && got.trim() === expected
      ? undefined
      : `HTTP ${reply.status}: ${JSON.stringify(got.slice(0, 200))}`;
  };
}

const LIVEZ: Kind = {
  label: "/livez",
  method: "GET",
  path: "/livez",
  check: exactly("ok"),
  warmup: WARMUP,
  n: N,
};
const READYZ: Kind = {
  label: "/readyz",
  method: "GET",
  path: "/readyz",
  check: exactly("ok"),
  warmup: WARMUP,
  n: N,
};
const READYZ_VERBOSE: Kind = {
  label: "/readyz?verbose",
  method: "GET",
  path: "/readyz?verbose",
  check: (reply) => {
    const lines = text(reply).trimEnd().split("\n");
    const passed = lines.filter((line) => /^\[\+\]\S+ ok$/.test(line)).length;
    // One line per program (the shutdown check is listed only once it fails).
    return reply.status === 200 && passed === PROGRAMS && lines.at(-1) === "readyz check passed"
      ? undefined
      : `HTTP ${reply.status}, ${passed} [+] lines of ${PROGRAMS}, last ${JSON.stringify(lines.at(-1))}`;
  },
  warmup: WARMUP,
  n: N,
};
const METRICS: Kind = {
  label: "/metrics",
  method: "GET",
  path: "/metrics",
  check: (reply) => {
    const body = text(reply);
    const ready = body.match(/^tend_process_ready\{name="p\d+",group="p\d+"\} 1$/gm)?.length ?? 0;
    const running =
      body.match(/^node_supervisord_state\{name="p\d+",group="p\d+"\} 20$/gm)?.length ?? 0;
    const type = reply.headers.get("content-type") ?? "";
    return reply.status === 200 &&
      ready === PROGRAMS &&
      running === PROGRAMS &&
      type.startsWith("text/plain; version=0.0.4")
      ? undefined
      : `HTTP ${reply.status} (${type}), ${ready} ready, ${running} RUNNING of ${PROGRAMS}`;
  },
  warmup: WARMUP,
  n: N,
};
const OK_HTML: Kind = {
  label: "/ok.html",
  method: "GET",
  path: "/ok.html",
  check: exactly("OK"),
  warmup: WARMUP,
  n: N,
};
const GET_ALL_PROCESS_INFO: Kind = {
  label: "XML-RPC getAllProcessInfo",
  method: "POST",
  path: "/RPC2",
  body: GET_ALL,
  check: (reply) => {
    const body = text(reply);
    const running = body.match(/<name>statename<\/name>\s*<value><string>RUNNING</g)?.length ?? 0;
    return reply.status === 200 && !body.includes("<fault>") && running === PROGRAMS
      ? undefined
      : `HTTP ${reply.status}, ${running} RUNNING of ${PROGRAMS}: ${body.slice(0, 200)}`;
  },
  warmup: RPC_WARMUP,
  n: RPC_N,
};

function requestBytes(kind: Kind, host: string, close: boolean): Uint8Array {
  const lines = [
    `${kind.method} ${kind.path} HTTP/1.1`,
    `Host: ${host}`,
    "User-Agent: tend-bench-health",
    "Accept: */*",
  ];
  if (close) lines.push("Connection: close");
  if (kind.body !== undefined) {
    lines.push("Content-Type: text/xml", `Content-Length: ${Buffer.byteLength(kind.body)}`);
  }
  return Buffer.from(`${lines.join("\r\n")}\r\n\r\n${kind.body ?? ""}`, "utf8");
}

/** Where requests go, and which process answers them. */
interface Target {
  readonly address: Address;
  readonly pid: number;
}

function hostOf(address: Address): string {
  return "unix" in address ? "localhost" : `${address.hostname}:${address.port}`;
}

/** Sends requests of one kind, reusing one connection (reconnecting only if the server closed it) or a fresh one each. */
class Client {
  private connection: Connection | undefined;
  /** Connections opened after the first, on a keep-alive client. */
  reconnects = 0;
  private readonly keepAliveRequest: Uint8Array;
  private readonly closeRequest: Uint8Array;

  constructor(
    private readonly target: Target,
    private readonly kind: Kind,
    private readonly fresh: boolean,
  ) {
    this.keepAliveRequest = requestBytes(kind, hostOf(target.address), false);
    this.closeRequest = requestBytes(kind, hostOf(target.address), true);
  }

  /** One request, checked; the ms from its first byte (or the connect) to its reply's last, and the body's size. */
  async once(): Promise<{ ms: number; bytes: number }> {
    const started = performance.now();
    let reply: Reply;
    if (this.fresh) {
      const connection = await Connection.open(this.target.address);
      reply = await connection.request(this.closeRequest);
      connection.close();
    } else {
      if (!this.connection?.open) {
        if (this.connection) this.reconnects++;
        this.connection = await Connection.open(this.target.address);
      }
      reply = await this.connection.request(this.keepAliveRequest);
    }
    const ms = performance.now() - started;
    const wrong = this.kind.check(reply);
    if (wrong !== undefined) throw new Error(`${this.kind.label}: ${wrong}`);
    return { ms, bytes: reply.body.length };
  }

  close(): void {
    this.connection?.close();
    this.connection = undefined;
  }
}

// ---------------------------------------------------------------- CPU and wake-ups of a process

/** What the server spent on a stretch of requests. */
class CpuMeter {
  private readonly ticksBefore: number;
  private readonly threads: ThreadCounter;

  constructor(private readonly pid: number) {
    this.ticksBefore = cpuTicksMs(pid);
    this.threads = new ThreadCounter(() => threadTimes(pid));
  }

  poll(): void {
    this.threads.poll();
  }

  /** ms of CPU since the start: ticks of utime+stime, and the threads' schedstat. */
  read(): { ticksMs: number; schedMs: number } {
    return {
      ticksMs: cpuTicksMs(this.pid) - this.ticksBefore,
      schedMs: this.threads.total() / 1e6,
    };
  }
}

// ---------------------------------------------------------------- 1 and 2. latency and CPU

interface Series {
  readonly kind: Kind;
  readonly fresh: boolean;
  readonly times: number[];
  readonly bytes: { min: number; max: number };
  readonly cpuTicksMs: number;
  readonly cpuSchedMs: number;
  readonly reconnects: number;
}

async function series(target: Target, kind: Kind, fresh: boolean): Promise<Series> {
  const client = new Client(target, kind, fresh);
  try {
    for (let i = 0; i < kind.warmup; i++) await client.once();
    const times: number[] = [];
    const bytes = { min: Number.POSITIVE_INFINITY, max: 0 };
    const meter = new CpuMeter(target.pid);
    for (let i = 1; i <= kind.n; i++) {
      const reply = await client.once();
      times.push(reply.ms);
      bytes.min = Math.min(bytes.min, reply.bytes);
      bytes.max = Math.max(bytes.max, reply.bytes);
      if (i % 100 === 0) meter.poll();
    }
    const cpu = meter.read();
    return {
      kind,
      fresh,
      times,
      bytes,
      cpuTicksMs: cpu.ticksMs,
      cpuSchedMs: cpu.schedMs,
      reconnects: client.reconnects,
    };
  } finally {
    client.close();
  }
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  );
}

// ---------------------------------------------------------------- 3. memory under load

interface Load {
  readonly label: string;
  readonly requests: number;
  readonly before: Memory;
  readonly early: Memory | undefined;
  readonly peakMiB: number;
  readonly after: Memory;
  readonly idle: Memory;
  readonly msPerRequest: number;
  readonly cpuMsPerRequest: number;
  readonly reconnects: number;
}

async function load(label: string, target: Target, kind: Kind, requests: number): Promise<Load> {
  const client = new Client(target, kind, false);
  try {
    const before = memoryOf(target.pid);
    const ticksBefore = cpuTicksMs(target.pid);
    let early: Memory | undefined;
    let peakMiB = before.rssMiB;
    const started = performance.now();
    for (let i = 1; i <= requests; i++) {
      await client.once();
      if (i === EARLY_SAMPLE) early = memoryOf(target.pid);
      if (i % PEAK_EVERY === 0) peakMiB = Math.max(peakMiB, memoryOf(target.pid).rssMiB);
    }
    const msPerRequest = (performance.now() - started) / requests;
    const cpuMsPerRequest = (cpuTicksMs(target.pid) - ticksBefore) / requests;
    const after = memoryOf(target.pid);
    peakMiB = Math.max(peakMiB, after.rssMiB);
    client.close();
    await Bun.sleep(AFTER_IDLE_MS);
    const idle = memoryOf(target.pid);
    return {
      label,
      requests,
      before,
      early,
      peakMiB,
      after,
      idle,
      msPerRequest,
      cpuMsPerRequest,
      reconnects: client.reconnects,
    };
  } finally {
    client.close();
  }
}

// ---------------------------------------------------------------- 4. idle cost

interface Idle extends IdleCost {
  readonly health: boolean;
}

// ---------------------------------------------------------------- the servers

interface Server {
  readonly supervisor: Supervisor;
  readonly label: string;
  readonly socket: string;
  /** The [health] port (tend) or the [inet_http_server] port (supervisord); undefined without one. */
  readonly port: number | undefined;
  readonly ns: Namespace;
  readonly pid: number;
}

async function launch(
  supervisor: Supervisor,
  label: string,
  listener: "health" | "inet" | "none",
): Promise<Server> {
  const dir = runDir(TMP, label);
  const port = listener === "none" ? undefined : freePort();
  const section =
    listener === "health"
      ? `[health]\nport=${port}\nhost=127.0.0.1\n\n`
      : listener === "inet"
        ? `[inet_http_server]\nport=127.0.0.1:${port}\n\n`
        : "";
  const { config } = writeConfig(dir, `${section}${sleeperPrograms(PROGRAMS)}`);
  const socket = join(dir, "supervisor.sock");
  const ns = spawnAsPid1([supervisor.bin, "-c", config]);
  const pid = await initPidOf(ns);
  await untilAllRunning(socket, PROGRAMS, label, READY_TIMEOUT_MS);
  return { supervisor, label, socket, port, ns, pid };
}

function targetOf(server: Server): Target {
  if (server.port === undefined) throw new Error(`${server.label} has no port`);
  return { address: { hostname: "127.0.0.1", port: server.port }, pid: server.pid };
}

// ---------------------------------------------------------------- report

const count = (n: number): string => n.toLocaleString("en-US");

function ratio(tend: number | undefined, sd: number | undefined): string {
  if (tend === undefined || sd === undefined || !Number.isFinite(tend) || !(sd > 0)) return "n/a";
  const r = tend / sd;
  return `${r.toFixed(r < 0.1 ? 3 : 2)}×`;
}

const ms = (v: number | undefined, digits = 2): string =>
  v === undefined || !Number.isFinite(v) ? "n/a" : fmt(v, digits);

const medP99 = (s: Series | undefined): string =>
  s ? `${ms(median(s.times))} / ${ms(percentile(s.times, 99))}` : "n/a";

const perRequest = (s: Series | undefined): number | undefined =>
  s ? s.cpuTicksMs / s.times.length : undefined;

const schedPerRequest = (s: Series | undefined): number | undefined =>
  s ? s.cpuSchedMs / s.times.length : undefined;

const size = (s: Series | undefined): string =>
  s === undefined
    ? "n/a"
    : s.bytes.min === s.bytes.max
      ? `${count(s.bytes.max)} B`
      : `${count(s.bytes.min)}–${count(s.bytes.max)} B`;

const mem = (m: Memory | undefined): string =>
  m === undefined
    ? "n/a"
    : `${fmt(m.rssMiB)} MiB (${fmt(m.anonMiB)} anon + ${fmt(m.fileMiB)} file, ${m.threads} threads)`;

interface Pair {
  readonly tend: Kind;
  readonly supervisord: Kind | undefined;
}

const PAIRS: readonly Pair[] = [
  { tend: LIVEZ, supervisord: undefined },
  { tend: READYZ, supervisord: OK_HTML },
  { tend: READYZ_VERBOSE, supervisord: undefined },
  { tend: METRICS, supervisord: GET_ALL_PROCESS_INFO },
];

interface Results {
  readonly servers: Server[];
  readonly series: Series[];
  readonly loads: Load[];
  readonly idle: Idle[] | undefined;
  readonly failures: string[];
}

function find(results: Results, kind: Kind | undefined, fresh: boolean): Series | undefined {
  return kind ? results.series.find((s) => s.kind === kind && s.fresh === fresh) : undefined;
}

function latencyTable(results: Results): string[] {
  const lines = [
    "| request: tend vs supervisord | connection | tend ms (median / p99) | supervisord ms (median / p99) | tend / supervisord (median) | tend CPU ms per request | supervisord CPU ms per request | tend / supervisord (CPU) |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const fresh of [false, true]) {
    for (const pair of PAIRS) {
      const t = find(results, pair.tend, fresh);
      const s = find(results, pair.supervisord, fresh);
      const name = pair.supervisord
        ? `\`${pair.tend.label}\` vs ${pair.supervisord.path === "/RPC2" ? pair.supervisord.label : `\`${pair.supervisord.label}\``}`
        : `\`${pair.tend.label}\``;
      const sdCell = (value: string) => (pair.supervisord ? value : "—");
      lines.push(
        `| ${name} | ${fresh ? "fresh" : "keep-alive"} | ${medP99(t)} | ${sdCell(medP99(s))} | ${pair.supervisord ? ratio(t && median(t.times), s && median(s.times)) : ""} | ${ms(perRequest(t), 3)} | ${sdCell(ms(perRequest(s), 3))} | ${pair.supervisord ? ratio(perRequest(t), perRequest(s)) : ""} |`,
      );
    }
  }
  return lines;
}

function loadTable(results: Results): string[] {
  const loads = results.loads;
  if (loads.length === 0) return ["(no memory runs)"];
  const cell = (value: number | undefined, digits = 1) =>
    value === undefined || !Number.isFinite(value) ? "n/a" : fmt(value, digits);
  const row = (metric: string, value: (l: Load) => number | undefined, digits = 1) =>
    `| ${metric} | ${loads.map((l) => cell(value(l), digits)).join(" | ")} |`;
  return [
    `| VmRSS, MiB | ${loads.map((l) => `${l.label} × ${count(l.requests)}`).join(" | ")} |`,
    `|---|${loads.map(() => "---:").join("|")}|`,
    row("before", (l) => l.before.rssMiB),
    row(`after ${count(EARLY_SAMPLE)}`, (l) => l.early?.rssMiB),
    row(`peak (read every ${PEAK_EVERY})`, (l) => l.peakMiB),
    row("after the last", (l) => l.after.rssMiB),
    row(`${AFTER_IDLE_MS / 1000} s idle after the last`, (l) => l.idle.rssMiB),
    row("growth, before → 10 s idle", (l) => l.idle.rssMiB - l.before.rssMiB),
    row("wall ms per request (keep-alive)", (l) => l.msPerRequest, 2),
    row("server CPU ms per request (utime+stime)", (l) => l.cpuMsPerRequest, 3),
  ];
}

function idleTable(idle: Idle[] | undefined): string[] {
  const without = idle?.filter((i) => !i.health) ?? [];
  const withHealth = idle?.filter((i) => i.health) ?? [];
  const mean = (values: readonly number[]) =>
    values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0) / values.length;
  const row = (metric: string, value: (i: Idle) => number, digits = 1) => {
    const a = without.map(value);
    const b = withHealth.map(value);
    const cell = (values: number[]) =>
      values.length === 0 ? "n/a" : values.map((v) => fmt(v, digits)).join(" / ");
    return `| ${metric} | ${cell(a)} | ${cell(b)} | ${ratio(mean(b), mean(a))} |`;
  };
  const perS = (v: number) => v / (IDLE_MS / 1000);
  return [
    `| tend, ${PROGRAMS} programs, ${IDLE_MS / 1000} s idle (${IDLE_TENDS} tends of each kind) | without [health] | with [health] | with / without (means) |`,
    "|---|---:|---:|---:|",
    row("wake-ups per s (context switches of all threads)", (i) => perS(i.switches), 2),
    row("of which the main thread, per s", (i) => perS(i.mainSwitches), 2),
    row(`CPU, ms per ${IDLE_MS / 1000} s (schedstat of its threads)`, (i) => i.cpuMs, 2),
    row("VmRSS at the start of the window, MiB", (i) => i.rssStart.rssMiB),
    row("VmRSS at the end of the window, MiB", (i) => i.rssEnd.rssMiB),
  ];
}

function report(results: Results): string {
  const tend = results.servers.find((s) => s.supervisor.name === "tend");
  const sd = results.servers.find((s) => s.supervisor.name === "supervisord");
  const sched = results.series
    .map(
      (s) =>
        `${s.kind.label}${s.fresh ? " fresh" : ""} ${ms(schedPerRequest(s), 3)} (ticks ${ms(perRequest(s), 3)})`,
    )
    .join("; ");
  const reconnects = results.series
    .filter((s) => !s.fresh && s.reconnects > 0)
    .map((s) => `${s.kind.label} ${s.reconnects}`);
  const loadReconnects = results.loads
    .filter((l) => l.reconnects > 0)
    .map((l) => `${l.label} ${l.reconnects}`);
  const metrics = find(results, METRICS, false);
  const rpc = find(results, GET_ALL_PROCESS_INFO, false);
  const lines = [
    "# Health and metrics benchmark: tend vs supervisord",
    "",
    `Date: ${new Date().toISOString()}  `,
    `Machine: ${machine()}  `,
    "Command: `npm run bench:health`  ",
    `Setup: ${PROGRAMS} programs \`sleep infinity\` (all RUNNING), each server PID 1 of its own pid namespace, both up at once, the same programs; tend with \`[health]\` on 127.0.0.1, supervisord with \`[inet_http_server]\` on 127.0.0.1 (no auth); requests from one Bun process on the same machine.`,
    "",
    "Versions:",
    "",
    ...(tend ? [`- tend: ${versionOf(tend.supervisor.bin)} (${tendBuild()})`] : []),
    ...(sd ? [`- supervisord: ${versionOf(sd.supervisor.bin)}`] : []),
    `- Bun (runs the bench and its HTTP client): ${Bun.version}`,
    "",
    `## Latency and CPU per request (${count(N)} sequential requests after ${WARMUP} warm-up; getAllProcessInfo ${count(RPC_N)} after ${RPC_WARMUP})`,
    "",
    ...latencyTable(results),
    "",
    `## Memory under ${count(SCRAPES)} sequential requests (one keep-alive connection)`,
    "",
    ...loadTable(results),
    "",
    "## Idle cost of the [health] listener",
    "",
    ...idleTable(results.idle),
    "",
    "Notes:",
    "",
    `- Reply sizes: tend \`/metrics\` ${size(metrics)}, \`/readyz?verbose\` ${size(find(results, READYZ_VERBOSE, false))}; supervisord getAllProcessInfo ${size(rpc)}.`,
    `- latency: wall clock in this process from the request's first byte (keep-alive) or from the connect (fresh: a new TCP connection per request with \`Connection: close\`, as a kubelet's probes) to the reply's last byte. Every reply checked (status 200, \`ok\`/\`OK\`, ${PROGRAMS} [+] lines, ${PROGRAMS} RUNNING entries, each program's \`tend_process_ready\` 1 and \`node_supervisord_state\` 20). Keep-alive connections reopened because the server closed them: ${reconnects.length === 0 ? "none" : reconnects.join(", ")}${loadReconnects.length === 0 ? "" : `; in the memory runs ${loadReconnects.join(", ")}`}.`,
    `- CPU: the server's utime+stime from /proc/PID/stat (${1000 / CLK_TCK} ms ticks) over the measured requests, divided by their number. Cross-check from the schedstat of its threads, ms per request: ${sched}.`,
    `- memory: ${results.loads.map((l) => `${l.label}: before ${mem(l.before)}, after ${count(l.requests)} ${mem(l.after)}, ${AFTER_IDLE_MS / 1000} s idle ${mem(l.idle)}`).join("; ")}. The loads run one after the other, each after the one before has idled ${AFTER_IDLE_MS / 1000} s.`,
    `- idle: ${IDLE_TENDS * 2} more tends, ${IDLE_TENDS} with \`[health]\` and ${IDLE_TENDS} without, up at once, the window ${IDLE_SETTLE_MS / 1000} s after all programs were RUNNING (checked once over the control socket); nothing sent to any during it; each cell lists the tends of that kind. Context switches per s by thread, named as in /proc/PID/task/TID/comm (at most 15 characters: JSC keeps the end of a longer name, so \`ollector Thread\` is its Heap Collector Thread): ${[
      ...(results.idle ?? []),
    ]
      .sort((a, b) => Number(a.health) - Number(b.health))
      .map(
        (i) =>
          `${i.health ? "with" : "without"} [health] ${[...i.byThread].map(([thread, n]) => `${thread} ${fmt(n / (IDLE_MS / 1000), 2)}`).join(", ")} (${i.threads} threads at the end)`,
      )
      .join("; ")}.`,
    ...(results.failures.length > 0
      ? ["", "Failures:", "", ...results.failures.map((f) => `- ${f}`)]
      : []),
  ];
  return lines.filter((line, i, all) => line !== "" || all[i - 1] !== "").join("\n");
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const { tend: tendSupervisor, sd: sdSupervisor } = tendAndSupervisord("bench/health.ts");
  const { failures, note } = failureLog();

  console.error(
    `starting tend ([health]) and supervisord ([inet_http_server]) with ${PROGRAMS} programs each...`,
  );
  const servers = await Promise.all([
    launch(tendSupervisor, "tend", "health"),
    launch(sdSupervisor, "supervisord", "inet"),
  ]);
  const [tend, sd] = servers as [Server, Server];
  const seriesList: Series[] = [];
  const loads: Load[] = [];
  try {
    const ready = await new Client(targetOf(tend), READYZ, true).once();
    console.error(`tend /readyz: 200 ok in ${fmt(ready.ms, 2)} ms`);
    for (const fresh of [false, true]) {
      for (const pair of PAIRS) {
        for (const [server, kind] of [
          [tend, pair.tend],
          [sd, pair.supervisord],
        ] as const) {
          if (!kind) continue;
          console.error(
            `${server.label} ${kind.label}, ${fresh ? "fresh" : "keep-alive"} connections: ${kind.n} requests...`,
          );
          const s = await note(
            `${server.label} ${kind.label} ${fresh ? "fresh" : "keep-alive"}`,
            () => series(targetOf(server), kind, fresh),
          );
          if (s) seriesList.push(s);
        }
      }
    }
    const runs: [string, Target, Kind][] = [
      ["tend `/metrics`", targetOf(tend), METRICS],
      ["tend `/readyz`", targetOf(tend), READYZ],
      ["supervisord `/ok.html`", targetOf(sd), OK_HTML],
    ];
    if (CONTROL_SCRAPES > 0)
      runs.push([
        "tend `/metrics` over the control socket",
        { address: { unix: tend.socket }, pid: tend.pid },
        METRICS,
      ]);
    for (const [label, target, kind] of runs) {
      const requests = label.includes("control socket") ? CONTROL_SCRAPES : SCRAPES;
      console.error(`${label}: ${count(requests)} requests...`);
      const l = await note(label, () => load(label, target, kind, requests));
      if (l) loads.push(l);
    }
  } finally {
    await Promise.all(servers.map((server) => stop(server.ns)));
  }

  console.error(
    `idle: ${IDLE_TENDS} tends with and ${IDLE_TENDS} without [health], ${IDLE_MS / 1000} s...`,
  );
  const idle = await note("idle", async () => {
    const tends = await Promise.all(
      Array.from({ length: IDLE_TENDS }, (_, i) => [
        launch(tendSupervisor, `tend-without-health-${i + 1}`, "none"),
        launch(tendSupervisor, `tend-with-health-${i + 1}`, "health"),
      ]).flat(),
    );
    try {
      await Bun.sleep(IDLE_SETTLE_MS);
      const costs = await idleWindow(
        tends.map((server) => server.pid),
        IDLE_MS,
      );
      return costs.map((cost, i) => ({ ...cost, health: tends[i]?.port !== undefined }));
    } finally {
      await Promise.all(tends.map((server) => stop(server.ns)));
    }
  });

  console.log(report({ servers, series: seriesList, loads, idle, failures }));
  if (failures.length > 0) process.exitCode = 1;
}

await main();
