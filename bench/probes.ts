// tend's CPU per polled check (target: under 0.2 ms, so 100 programs with
// 1 s checks cost tend under 2% of a core). The servers run in another
// process, so only the probing side is measured. Two patterns: 2,000 probes
// one after another, and 2,000 in bursts of 100 every 100 ms (100 programs
// whose checks fall due together). For comparison, the same HTTP check with
// fetch and with node:net. Run: `node_modules/.bin/bun bench/probes.ts`.

import { probeHttp, probeTcp, probeUnix } from "../src/os/probes.ts";
import { scratchDir, selfSignedCertificate } from "../test/harness/index.ts";

const PROBES = 2000;
const BURST = 100;

const scratch = scratchDir("tend-bench-probes-");
const withTls = selfSignedCertificate(scratch.dir).ok;

const serverScript = scratch.path("servers.ts");
await Bun.write(
  serverScript,
  `const fetch = () => new Response("ok");
const http = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch });
const https = ${withTls} ? Bun.serve({ hostname: "127.0.0.1", port: 0, fetch, tls: { cert: Bun.file(${JSON.stringify(scratch.path("cert.pem"))}), key: Bun.file(${JSON.stringify(scratch.path("key.pem"))}) } }) : undefined;
const tcp = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
Bun.listen({ unix: ${JSON.stringify(scratch.path("bench.sock"))}, socket: { data() {} } });
console.log(JSON.stringify({ http: http.port, https: https?.port, tcp: tcp.port }));
await new Response(Bun.stdin.stream()).text();
process.exit(0);`,
);
const servers = Bun.spawn([process.execPath, serverScript], { stdin: "pipe", stdout: "pipe" });
const reader = servers.stdout.getReader();
const ports = JSON.parse(new TextDecoder().decode((await reader.read()).value)) as {
  http: number;
  https?: number;
  tcp: number;
};
reader.releaseLock();

type Probe = () => Promise<{ ok: boolean; message?: string }>;

/** Why probes failed, if any did: a benchmark of failures measures nothing. */
const failures = new Map<string, number>();
const counted = (result: { ok: boolean; message?: string }): boolean => {
  if (!result.ok) {
    const why = result.message ?? "failed";
    failures.set(why, (failures.get(why) ?? 0) + 1);
  }
  return result.ok;
};

/** fetch, on a fresh connection each time as a check must be (no keep-alive reuse). */
async function fetchCheck(url: string): Promise<{ ok: boolean }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 1000);
  try {
    const response = await fetch(url, {
      signal: abort.signal,
      redirect: "manual",
      keepalive: false,
      headers: { connection: "close" },
      tls: { rejectUnauthorized: false },
    });
    await response.body?.cancel();
    return { ok: response.status >= 200 && response.status < 400 };
  } catch {
    return { ok: false };
  } finally {
    clearTimeout(timer);
  }
}

function netHttpCheck(port: number): Promise<{ ok: boolean }> {
  const net = require("node:net") as typeof import("node:net");
  return new Promise((resolve) => {
    let status = "";
    const socket = net.connect({ host: "127.0.0.1", port });
    const timer = setTimeout(() => finish(false), 1000);
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok });
    };
    socket.once("connect", () =>
      socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
    );
    socket.on("data", (bytes) => {
      status += bytes.toString("latin1");
      if (status.includes("\n")) finish(/^HTTP\/1\.\d 2/.test(status));
    });
    socket.once("error", () => finish(false));
  });
}

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

async function sequential(probe: Probe): Promise<{ perProbe: number; ok: number }> {
  for (let i = 0; i < 200; i++) await probe();
  Bun.gc(true);
  const before = cpuMs();
  let ok = 0;
  for (let i = 0; i < PROBES; i++) if (counted(await probe())) ok++;
  return { perProbe: (cpuMs() - before) / PROBES, ok };
}

async function bursts(probe: Probe): Promise<{ perProbe: number; ok: number }> {
  Bun.gc(true);
  const before = cpuMs();
  let ok = 0;
  for (let round = 0; round < PROBES / BURST; round++) {
    const results = await Promise.all(Array.from({ length: BURST }, probe));
    ok += results.filter(counted).length;
    await Bun.sleep(100);
  }
  return { perProbe: (cpuMs() - before) / PROBES, ok };
}

const cases: [string, Probe][] = [
  ["tcp (probeTcp)", () => probeTcp("127.0.0.1", ports.tcp, 1000)],
  ["unix (probeUnix)", () => probeUnix(scratch.path("bench.sock"), 1000)],
  ["http (probeHttp)", () => probeHttp(`http://127.0.0.1:${ports.http}/`, 1000)],
  ["http (fetch)", () => fetchCheck(`http://127.0.0.1:${ports.http}/`)],
  ["http (node:net)", () => netHttpCheck(ports.http)],
];
if (ports.https !== undefined)
  cases.push(
    ["https (probeHttp)", () => probeHttp(`https://127.0.0.1:${ports.https}/`, 1000)],
    ["https (fetch)", () => fetchCheck(`https://127.0.0.1:${ports.https}/`)],
  );

console.log(`CPU of this process per probe, ${PROBES} probes (servers in another process)\n`);
console.log("| check | one after another | bursts of 100 every 100 ms |");
console.log("|---|---|---|");
for (const [name, probe] of cases) {
  const one = await sequential(probe);
  const many = await bursts(probe);
  const ok =
    one.ok === PROBES && many.ok === PROBES ? "" : ` (failed: ${2 * PROBES - one.ok - many.ok})`;
  console.log(`| ${name} | ${one.perProbe.toFixed(3)} ms | ${many.perProbe.toFixed(3)} ms${ok} |`);
}

if (failures.size > 0) console.log("\nfailures:", Object.fromEntries(failures));
servers.stdin.end();
await servers.exited;
scratch.cleanup();
