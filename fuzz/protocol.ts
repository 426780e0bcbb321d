// A seeded, time-bounded client fuzzer against one tend as PID 1 (in its
// own pid namespace, through the test harness), on a small config: two
// programs, a socket in a temporary directory, a TCP port with basic auth.
// Each batch sends generated and mutated requests at once, each on its own
// connection (unix or TCP): HTTP heads and framing (request lines, fields,
// Content-Length forms, chunked bodies), XML-RPC calls (every method, odd
// arguments, deep nesting, huge strings, entities, broken XML, multicall),
// JSON /api bodies, /logtail followers, slow, half-closed, vanishing and
// never-reading clients, crowds of idle connections. After each batch tend
// must be alive, answer supervisor.getState within 2 s, stay under 300 MB
// RSS, come back to its descriptors, and log no error; else the batch is a
// finding, kept in fuzz/findings/protocol/SEED-N/ (cases.jsonl, what was
// wrong, the end of tend's log), and a tend that died or hangs is started
// again.
//
//   bun fuzz/protocol.ts [--seed N] [--seconds S]    (npm run fuzz:protocol)
//   bun fuzz/protocol.ts --replay fuzz/findings/protocol/SEED-N

import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import {
  basic,
  freePort,
  isAlive,
  launchTend,
  openFds,
  procStatus,
  ROOT,
  rpc,
  rssKiB,
  type Tend,
} from "../test/harness/index.ts";
import { option, seeded, within } from "./common.ts";

// ---------------------------------------------------------------- options and randomness

const SEED = Number(option("seed") ?? Date.now() % 1_000_000);
const SECONDS = Number(option("seconds") ?? 60);
const REPLAY = option("replay");
const RSS_LIMIT_MIB = 300;
const FINDINGS = join(ROOT, "fuzz/findings/protocol");

const { int, chance, pick, bytes: randomBytes } = seeded(SEED);
const ODD = ["", "\0", "\n", "\r\n", "'", '"', "<", "&", "]]>", "%s", "é", "\u{1f600}", "\ud800"];
function text(max: number): string {
  const length = chance(0.05) ? int(max) : int(24);
  if (chance(0.2)) return pick(ODD).repeat(1 + int(length + 1));
  let out = "";
  for (let i = 0; i < length; i++)
    out += chance(0.1) ? pick(ODD) : String.fromCharCode(32 + int(95));
  return out;
}

// ---------------------------------------------------------------- what a case is

/** One connection: bytes written in chunks, then an ending. */
interface Case {
  readonly kind: string;
  readonly via: "unix" | "tcp";
  readonly chunks: string[]; // base64
  readonly gapMs: number;
  readonly ending: "read" | "half-close" | "vanish" | "never-read";
  /** A crowd: this many idle connections besides, open until the batch ends. */
  readonly crowd?: number;
}

const NAMES = ["sleeper", "talker", "talker:*", "all", "grp:talker", "nope", ":", "*", ""];
let methods: string[] = ["supervisor.getState", "system.multicall", "system.listMethods"];

function xmlValue(depth = 0): string {
  const wrap = (inner: string) => `<value>${inner}</value>`;
  switch (int(depth > 3 ? 6 : 9)) {
    case 0:
      return wrap(
        `<int>${pick(["0", "-1", "2147483647", "2147483648", "-2147483649", "9".repeat(40), "x", " 7 "])}</int>`,
      );
    case 1:
      return wrap(`<string>${escapeXml(chance(0.5) ? pick(NAMES) : text(4096))}</string>`);
    case 2:
      return wrap(text(64).replace(/[<&]/g, ""));
    case 3:
      return wrap(`<boolean>${pick(["0", "1", "2", "true", ""])}</boolean>`);
    case 4:
      return wrap(`<double>${pick(["1.5", "nan", "inf", "-0", "1e999", "x"])}</double>`);
    case 5:
      return wrap(
        pick([
          "<nil/>",
          "<base64>aGk=</base64>",
          "<base64>!!</base64>",
          "<dateTime.iso8601>20260101T00:00:00</dateTime.iso8601>",
          "<i8>1</i8>",
        ]),
      );
    case 6:
      return wrap(
        `<array><data>${Array.from({ length: int(4) }, () => xmlValue(depth + 1)).join("")}</data></array>`,
      );
    case 7:
      return wrap(
        `<struct>${Array.from({ length: int(4) }, () => `<member><name>${escapeXml(pick(["methodName", "params", text(16)]))}</name>${xmlValue(depth + 1)}</member>`).join("")}</struct>`,
      );
    default:
      return xmlValue(depth + 1);
  }
}

const escapeXml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function xmlCall(): string {
  const method = chance(0.9) ? pick(methods) : text(40);
  const count = STOPPING.has(method) ? 1 + int(3) : int(5);
  if (method === "system.multicall" && chance(0.7)) {
    const calls = Array.from({ length: int(chance(0.1) ? 500 : 8) }, () => {
      const name = harmless();
      return `<value><struct><member><name>methodName</name><value>${escapeXml(name)}</value></member><member><name>params</name><value><array><data>${Array.from({ length: int(4) }, () => xmlValue(2)).join("")}</data></array></value></member></struct></value>`;
    });
    return `<?xml version="1.0"?><methodCall><methodName>system.multicall</methodName><params><param><value><array><data>${calls.join("")}</data></array></value></param></params></methodCall>`;
  }
  const params = Array.from({ length: count }, () => `<param>${xmlValue()}</param>`).join("");
  return `<?xml version="1.0"?>\n<methodCall><methodName>${escapeXml(method)}</methodName><params>${params}</params></methodCall>`;
}

/** A call near the 4 MiB limit: one huge string of one character, as text or references. */
function bigCall(): string {
  const method = pick([
    "supervisor.sendProcessStdin",
    "supervisor.getProcessInfo",
    "supervisor.readLog",
    "tend.wait",
  ]);
  const unit = pick(["x", "&lt;", "<", "&amp;", "é", "\u{1f600}", "&#x1F600;"]);
  const value = unit.repeat(Math.floor((1 + int(4 * 1024 * 1024)) / Buffer.byteLength(unit)));
  const string = unit === "<" ? "&lt;".repeat(value.length) : value;
  const param = `<param><value><string>${string}</string></value></param>`;
  const first =
    method === "supervisor.sendProcessStdin"
      ? `<param><value>${pick(["sleeper", "talker"])}</value></param>`
      : "";
  return `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${first}${param}</params></methodCall>`;
}

/** XML that no parser should take quietly. */
function hostileXml(): string {
  const call = xmlCall();
  const n = 1 + int(chance(0.3) ? 100_000 : 200);
  return pick([
    () =>
      `<?xml version="1.0"?><methodCall><methodName>supervisor.getState</methodName><params><param>${"<value><array><data>".repeat(n)}${"</data></array></value>".repeat(n)}</param></params></methodCall>`,
    () =>
      `<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "${"a".repeat(64)}"><!ENTITY b "${"&a;".repeat(64)}"><!ENTITY c "${"&b;".repeat(64)}">]><methodCall><methodName>&c;</methodName></methodCall>`,
    () =>
      `<?xml version="1.0"?><!DOCTYPE m SYSTEM "file:///etc/passwd"><methodCall><methodName>&#x0;&#xD800;&#99999999;&bogus;</methodName></methodCall>`,
    () => call.slice(0, int(call.length)),
    () =>
      call
        .replace(/<\/?\w+/, (tag) => `${tag} a="1" xmlns:x="y"`)
        .replace("<params>", "<params><!-- c --><![CDATA[x]]><?pi x?>"),
    () =>
      `<?xml version="1.0"?><methodCall><methodName>supervisor.getProcessInfo</methodName><params><param><value><string>${"&amp;".repeat(n * 10)}</string></value></param></params></methodCall>`,
    () => mutate(call),
  ])();
}

function mutate(input: string): string {
  const bytes = [...Buffer.from(input, "latin1")];
  for (let k = 1 + int(8); k > 0 && bytes.length > 0; k--) {
    const at = int(bytes.length);
    const op = int(4);
    if (op === 0) bytes[at] = int(256);
    else if (op === 1) bytes.splice(at, 0, ...randomBytes(1 + int(8)));
    else if (op === 2) bytes.splice(at, 1 + int(16));
    else bytes.splice(at, 0, ...bytes.slice(at, at + 1 + int(64)));
  }
  return Buffer.from(bytes).toString("latin1");
}

/** Any method but the two that stop tend, which only ever get arguments (a fault): stopping is no finding. */
const STOPPING = new Set(["supervisor.shutdown", "supervisor.restart"]);
const harmless = () => pick(methods.filter((m) => !STOPPING.has(m)));

function jsonBody(): string {
  return pick([
    () => JSON.stringify({ method: harmless(), params: Array.from({ length: int(4) }, jsonValue) }),
    () => JSON.stringify(jsonValue()),
    () => `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
    () => mutate(JSON.stringify({ method: "supervisor.getState", params: [] })),
    () =>
      `{"method":"supervisor.readProcessStdoutLog","params":["talker",0,${pick(["0", "2147483647", "-1", "1e308", "null"])}]}`,
  ])();
}

function jsonValue(): unknown {
  return pick<() => unknown>([
    () => pick(NAMES),
    () => text(256),
    () => pick([0, -1, 2 ** 31, 2 ** 53, 1.5, Number.MAX_VALUE]),
    () => pick([true, false, null]),
    () => [pick(NAMES), int(10)],
    () => ({ [text(8)]: pick(NAMES) }),
  ])();
}

/** A request head and body, framed rightly or wrongly. */
function httpRequest(tcp: boolean): Buffer {
  const kind = int(10);
  const path =
    kind < 5
      ? "/RPC2"
      : kind < 7
        ? "/api"
        : kind < 9
          ? `/logtail/${pick(NAMES)}${pick(["", "/stdout", "/stderr", "/x"])}`
          : pick([
              "/mainlogtail",
              "/",
              "//RPC2",
              "/RPC2?x=1",
              `/${"%".repeat(int(9))}`,
              `/${"a".repeat(int(70_000))}`,
            ]);
  const xml = () => (chance(0.03) ? bigCall() : chance(0.7) ? xmlCall() : hostileXml());
  const body = kind < 5 ? xml() : kind < 7 ? jsonBody() : "";
  const method = chance(0.9)
    ? body === ""
      ? "GET"
      : "POST"
    : pick(["PUT", "HEAD", "get", "POST ", "X", ""]);
  const version = chance(0.95) ? "HTTP/1.1" : pick(["HTTP/1.0", "HTTP/2.0", "HTTP/1.1x", ""]);
  const fields = [`Host: ${chance(0.9) ? "localhost" : ""}`];
  if (tcp && chance(0.8))
    fields.push(
      `Authorization: ${chance(0.8) ? basic("fuzz", "secret") : pick([basic(text(40), "x"), "Basic !!!", `Basic ${"A".repeat(int(80_000))}`])}`,
    );
  const bodyBytes = Buffer.from(body, chance(0.5) ? "utf8" : "latin1");
  let framed = bodyBytes;
  const length = bodyBytes.length;
  switch (int(chance(0.8) ? 1 : 8)) {
    case 0:
      if (body !== "") fields.push(`Content-Length: ${length}`);
      break;
    case 1:
      fields.push(
        `Content-Length: ${pick([`${length + 1}`, `${Math.max(0, length - 1)}`, `+${length}`, `0x${length.toString(16)}`, `${length}, ${length}`, "-1", "", "99999999999999999999"])}`,
      );
      break;
    case 2:
      fields.push(`Content-Length: ${length}`, `Content-Length: ${length + int(3)}`);
      break;
    case 3:
      fields.push("Transfer-Encoding: chunked");
      framed = Buffer.concat([
        Buffer.from(`${length.toString(16)}\r\n`),
        bodyBytes,
        Buffer.from("\r\n0\r\n\r\n"),
      ]);
      break;
    case 4:
      fields.push(`X-${text(20)}: ${text(chance(0.1) ? 80_000 : 200)}`);
      fields.push(`Content-Length: ${length}`);
      break;
    case 5:
      fields.push(" folded: line", "NoColon", `Content-Length: ${length}`);
      break;
    case 6:
      fields.push("Expect: 100-continue", `Content-Length: ${length}`);
      break;
    default:
      fields.push(
        `Content-Length: ${length}`,
        `Connection: ${pick(["close", "keep-alive", "upgrade"])}`,
      );
  }
  const lineEnd = chance(0.97) ? "\r\n" : "\n";
  const head = Buffer.from(
    `${method} ${path} ${version}${lineEnd}${fields.join(lineEnd)}${lineEnd}${lineEnd}`,
    "latin1",
  );
  let request = Buffer.concat([head, framed]);
  if (chance(0.1)) request = Buffer.from(mutate(request.toString("latin1")), "latin1");
  // Sometimes a second request right behind the first (pipelining), or supervisorctl's extra CRLF.
  if (chance(0.1))
    request = Buffer.concat([request, chance(0.5) ? Buffer.from("\r\n") : httpRequest(tcp)]);
  return request;
}

function generate(): Case {
  const via = chance(0.25) ? "tcp" : "unix";
  const bytes = chance(0.03) ? randomBytes(int(8192)) : httpRequest(via === "tcp");
  const slow = chance(0.1);
  const cuts = slow ? Math.min(bytes.length, 20 + int(60)) : 1 + int(4);
  const chunks: string[] = [];
  let at = 0;
  for (let i = 1; i <= cuts; i++) {
    const end =
      i === cuts
        ? bytes.length
        : Math.min(bytes.length, at + (slow ? 1 : int(bytes.length / cuts + 1)));
    chunks.push(bytes.subarray(at, end).toString("base64"));
    at = end;
  }
  const ending = pick(["read", "read", "read", "half-close", "vanish", "never-read"] as const);
  const crowd = chance(0.02) ? 50 + int(350) : undefined;
  return {
    kind: bytes.subarray(0, 24).toString("latin1").split("\r")[0] ?? "",
    via,
    chunks,
    gapMs: slow ? 5 : int(30),
    ending,
    ...(crowd ? { crowd } : {}),
  };
}

// ---------------------------------------------------------------- running cases

interface Target {
  readonly tend: Tend;
  readonly port: number;
}

function open(target: Target, via: "unix" | "tcp"): Socket {
  const socket =
    via === "unix"
      ? connect({ path: target.tend.socket })
      : connect({ host: "127.0.0.1", port: target.port });
  socket.on("error", () => {});
  return socket;
}

/** Runs one case; `linger` collects connections to close when the batch ends. */
async function run(target: Target, c: Case, linger: Socket[]): Promise<void> {
  for (let i = 0; i < (c.crowd ?? 0); i++) {
    const idle = open(target, c.via);
    if (i % 2 === 1) idle.write("POST /RPC2 HTTP/1.1\r\n");
    linger.push(idle);
  }
  const socket = open(target, c.via);
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await Promise.race([new Promise((resolve) => socket.once("connect", resolve)), closed]);
  for (const chunk of c.chunks) {
    if (socket.destroyed) break;
    socket.write(Buffer.from(chunk, "base64"));
    if (c.gapMs > 0) await Bun.sleep(c.gapMs);
  }
  if (c.ending === "vanish") socket.destroy();
  else if (c.ending === "never-read") {
    socket.pause();
    linger.push(socket);
  } else {
    socket.resume();
    if (c.ending === "half-close") socket.end();
    await Promise.race([closed, Bun.sleep(2_000)]);
    socket.destroy();
  }
}

// ---------------------------------------------------------------- tend and its health

const CONFIG = (port: number) => `[program:sleeper]
command=sleep infinity
startsecs=0

[program:talker]
command=sh -c 'i=0; while :; do i=$((i+1)); echo "line $i"; echo "err $i" >&2; sleep 0.05; done'
startsecs=0
stdout_logfile=DIR/talker.log

[group:grp]
programs=talker

[inet_http_server]
port=127.0.0.1:${port}
username=fuzz
password=secret
`;

async function startTend(): Promise<Target> {
  const port = freePort();
  const tend = await launchTend({ server: "", programs: CONFIG(port) });
  await tend.ready();
  methods = (await rpc(tend.socket, "system.listMethods")) as string[];
  return { tend, port };
}

interface Health {
  readonly problem?: string;
  readonly rssMiB: number;
  readonly peakMiB: number;
}

let logChecked = 0;

async function health(target: Target, fdsBefore: number): Promise<Health> {
  const { tend } = target;
  const measure = () => ({
    rssMiB: isAlive(tend.pid) ? rssKiB(tend.pid) / 1024 : 0,
    peakMiB: isAlive(tend.pid)
      ? Number(procStatus(tend.pid, "VmHWM").replace(/ kB$/, "")) / 1024
      : 0,
  });
  if (!isAlive(tend.pid)) return { problem: "crash: tend is gone", ...measure() };
  const started = performance.now();
  const answered = await within(
    rpc(tend.socket, "supervisor.getState").then(
      (state) => (state as { statename?: string }).statename === "RUNNING",
    ),
    2_000,
  );
  const took = performance.now() - started;
  const sample = measure();
  if (!isAlive(tend.pid)) return { problem: "crash: tend is gone", ...sample };
  if (answered !== true || took > 2_000)
    return {
      problem: `hang: getState ${answered ? `took ${Math.round(took)} ms` : "failed"}`,
      ...sample,
    };
  if (sample.rssMiB > RSS_LIMIT_MIB)
    return { problem: `blow-up: RSS ${Math.round(sample.rssMiB)} MiB`, ...sample };
  // The batch's connections are closed and its programs back: tend must come back to what it had.
  await repair(target);
  const deadline = performance.now() + 5_000;
  while (openFds(tend.pid) > fdsBefore + 8 && performance.now() < deadline) await Bun.sleep(50);
  if (openFds(tend.pid) > fdsBefore + 8)
    return { problem: `descriptors: ${openFds(tend.pid)}, ${fdsBefore} before`, ...sample };
  const log = readFileSync(tend.logPath, "latin1");
  const fresh = log.slice(logChecked);
  logChecked = log.length;
  const errors = fresh.split("\n").filter((line) => / (ERRO|CRIT) /.test(line));
  if (errors.length > 0)
    return { problem: `logged: ${errors.slice(0, 3).join(" | ").slice(0, 500)}`, ...sample };
  if (fresh.length > 256 * 1024)
    return { problem: `log flood: ${fresh.length} bytes in one batch`, ...sample };
  return sample;
}

function keep(n: number, cases: readonly Case[], target: Target, problem: string): string {
  const dir = join(FINDINGS, `${SEED}-${n}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "cases.jsonl"), cases.map((c) => JSON.stringify(c)).join("\n"));
  writeFileSync(join(dir, "problem.txt"), `${problem}\nseed ${SEED}\n`);
  try {
    const log = readFileSync(target.tend.logPath, "latin1");
    writeFileSync(join(dir, "tend.log"), log.slice(-64 * 1024));
  } catch {}
  return dir;
}

/**
 * Puts the programs back (a batch may stop, remove or kill them), so that
 * every batch finds the same tend and its descriptors can be compared.
 */
async function repair(target: Target): Promise<void> {
  const { socket } = target.tend;
  await within(rpc(socket, "tend.update", [[]]), 5_000);
  await within(rpc(socket, "supervisor.startAllProcesses", [true]), 5_000);
}

async function batch(target: Target, cases: readonly Case[]): Promise<Health> {
  await repair(target);
  const fdsBefore = openFds(target.tend.pid);
  const linger: Socket[] = [];
  await Promise.all(cases.map((c) => run(target, c, linger).catch(() => {})));
  for (const socket of linger) socket.destroy();
  return health(target, fdsBefore);
}

// ---------------------------------------------------------------- main

process.on("SIGINT", () => process.exit(130));

if (REPLAY !== undefined) {
  const cases = readFileSync(join(REPLAY, "cases.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Case);
  const target = await startTend();
  logChecked = statSync(target.tend.logPath).size;
  const result = await batch(target, cases);
  console.log(
    result.problem ?? `no problem (${cases.length} cases, RSS ${result.rssMiB.toFixed(1)} MiB)`,
  );
  await target.tend.dispose();
  process.exit(result.problem ? 1 : 0);
}

const began = performance.now();
let target = await startTend();
logChecked = statSync(target.tend.logPath).size;
const counts = { requests: 0, connections: 0, batches: 0, crashes: 0, hangs: 0, other: 0 };
let peakMiB = 0;
const findings: string[] = [];
console.log(`fuzz:protocol seed ${SEED}, ${SECONDS} s, tend pid ${target.tend.pid}`);
while (performance.now() - began < SECONDS * 1000) {
  const cases = Array.from({ length: 5 + int(25) }, generate);
  counts.batches++;
  counts.requests += cases.length;
  counts.connections += cases.reduce((sum, c) => sum + 1 + (c.crowd ?? 0), 0);
  const result = await batch(target, cases);
  peakMiB = Math.max(peakMiB, result.peakMiB);
  if (result.problem === undefined) continue;
  const dir = keep(findings.length + 1, cases, target, result.problem);
  findings.push(`${result.problem} -> ${dir}`);
  console.log(`finding: ${result.problem}\n  kept in ${dir}`);
  const dead = result.problem.startsWith("crash");
  if (dead) counts.crashes++;
  else if (result.problem.startsWith("hang")) counts.hangs++;
  else counts.other++;
  if (dead || result.problem.startsWith("hang") || result.problem.startsWith("blow-up")) {
    await target.tend.dispose();
    target = await startTend();
    logChecked = statSync(target.tend.logPath).size;
  }
}
await target.tend.dispose();
const minutes = (performance.now() - began) / 60_000;
console.log(
  `seed ${SEED}: ${counts.requests} requests (${counts.connections} connections) in ${counts.batches} batches, ${minutes.toFixed(1)} min; crashes ${counts.crashes}, hangs ${counts.hangs}, other findings ${counts.other}; peak RSS ${peakMiB.toFixed(1)} MiB`,
);
process.exit(findings.length > 0 ? 1 : 0);
