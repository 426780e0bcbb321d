// The health endpoints, in kube-apiserver's vocabulary: /livez (tend's loop
// answers), /readyz (every autostart program ready, or done for a one-shot,
// and tend not shutting down), /readyz/NAME, and /metrics. Read-only: the
// [health] listener serves nothing else, the control servers serve these
// behind their auth.

import type { ClientPool } from "./client-pool.ts";
import { type Http1Server, serveHttp1 } from "./http1.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./prometheus.ts";
import { type OneShot, oneShotsAmong, readinessOf } from "./readiness.ts";
import type { ControlledProcess } from "./supervisor.ts";

export interface HealthSource {
  /** Every active process, in start order. */
  processes(): readonly ControlledProcess[];
  /** From the first TERM (through shutdown_delay) until tend exits, and during `ctl reload`. */
  stopping(): boolean;
  metrics(): string;
}

/** The check tend adds to the programs', as kube-apiserver names it. */
const SHUTDOWN_CHECK = "shutdown";

/** The paths served here, and only these. */
export function isHealthPath(path: string): boolean {
  return (
    path === "/livez" ||
    path === "/healthz" ||
    path === "/readyz" ||
    path.startsWith("/readyz/") ||
    path === "/metrics"
  );
}

/** Requests to the health listener are a line and a few headers; a small body is read to answer 405. */
const HEALTH_LIMITS = { maxBodyBytes: 4096, maxHeaderBytes: 16 * 1024, idleSeconds: 60 };

/**
 * The [health] listener: these paths and nothing else, no auth. Its connections count in the same pool as the control servers'.
 */
export function serveHealth(
  address: { readonly host: string; readonly port: number },
  source: HealthSource,
  pool: ClientPool,
  /** Told the size of each answer (tend's garbage-collection policy). */
  afterAnswer?: (bytes: number) => void,
): Http1Server {
  const handler = async (request: Request): Promise<Response> => {
    const { path, query } = splitUrl(request.url);
    if (!isHealthPath(path))
      return text(404, "Not Found: this listener serves /livez, /readyz and /metrics\n");
    return healthResponse(request.method, path, query, source);
  };
  return serveHttp1(
    { hostname: address.host, port: address.port },
    { limits: { ...HEALTH_LIMITS, afterAnswer }, pool, screen: () => undefined, handler },
  );
}

/**
 * The decoded path and the query of a request's URL. Not through `new URL`:
 * supervisorctl's `tail -f` over a unix socket sends an empty Host, which
 * makes Bun's request URL `http:///logtail/...`, no valid URL.
 */
export function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const withoutOrigin = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "");
  const hash = withoutOrigin.indexOf("#");
  const local = hash < 0 ? withoutOrigin : withoutOrigin.slice(0, hash);
  const mark = local.indexOf("?");
  const rawPath = (mark < 0 ? local : local.slice(0, mark)) || "/";
  let path = rawPath;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    // kept as sent
  }
  return { path, query: new URLSearchParams(mark < 0 ? "" : local.slice(mark + 1)) };
}

/** The answer to a health path (see isHealthPath); GET and HEAD only. */
export function healthResponse(
  method: string,
  path: string,
  query: URLSearchParams,
  source: HealthSource,
): Response {
  if (method !== "GET" && method !== "HEAD")
    return text(405, "Method Not Allowed: the health endpoints answer GET\n", {
      Allow: "GET, HEAD",
    });
  if (path === "/metrics")
    return new Response(source.metrics(), {
      headers: { "Content-Type": PROMETHEUS_CONTENT_TYPE, "Cache-Control": "no-store" },
    });
  if (path === "/livez" || path === "/healthz")
    return report(path.slice(1), [{ name: "ping", ok: true, reason: "" }], query);
  if (path === "/readyz") return readyz(query, source);
  return readyzOne(path.slice("/readyz/".length), source);
}

interface CheckLine {
  readonly name: string;
  readonly ok: boolean;
  /** Why not, for a check that failed. */
  readonly reason: string;
  /** Left out by ?exclude: listed, not judged. */
  readonly excluded?: boolean;
  /** tend's own shutdown check, not a program's (a program may be called `shutdown` too). */
  readonly own?: boolean;
}

function shutdownCheck(source: HealthSource): CheckLine {
  const stopping = source.stopping();
  const reason = stopping ? "tend is shutting down" : "";
  return { name: SHUTDOWN_CHECK, ok: !stopping, reason, own: true };
}

function processCheck(
  process: ControlledProcess,
  oneShots: Map<ControlledProcess, OneShot>,
): CheckLine {
  const readiness = readinessOf(process, oneShots.get(process));
  return { name: process.namespec, ok: readiness.ready, reason: readiness.reason };
}

/** Whether `name` (from ?exclude or a path) means this process: its namespec or its group. */
function names(process: ControlledProcess, name: string): boolean {
  return process.namespec === name || process.config.group === name;
}

function readyz(query: URLSearchParams, source: HealthSource): Response {
  const excluded = query.getAll("exclude").flatMap((value) => value.split(","));
  const unmatched = new Set(excluded.filter((name) => name !== ""));
  const lines: CheckLine[] = [];
  const consider = (check: CheckLine, isExcluded: (n: string) => boolean, listed = true) => {
    const by = excluded.filter(isExcluded);
    for (const n of by) unmatched.delete(n);
    if (by.length > 0) lines.push({ ...check, ok: true, excluded: true });
    else if (listed || !check.ok) lines.push(check);
  };
  // One line per program; the shutdown check only once it fails.
  consider(shutdownCheck(source), (n) => n === SHUTDOWN_CHECK, false);
  const processes = source.processes();
  const oneShots = oneShotsAmong(processes);
  for (const process of processes) {
    if (!process.config.autostart) continue;
    consider(processCheck(process, oneShots), (n) => names(process, n));
  }
  const warnings =
    unmatched.size > 0
      ? [
          `warn: some health checks cannot be excluded: no matches for ${[...unmatched]
            .map((n) => `"${n}"`)
            .join(",")}`,
        ]
      : [];
  return report("readyz", lines, query, warnings);
}

/** `/readyz/NAME`: one process, a group's processes, or the shutdown check; 404 for none. */
function readyzOne(name: string, source: HealthSource): Response {
  const processes = source.processes();
  const matched = processes.filter((process) => names(process, name));
  // A program named `shutdown` is asked for by its name; tend's check otherwise.
  if (matched.length === 0 && name === SHUTDOWN_CHECK) return single(shutdownCheck(source));
  if (matched.length === 0) return text(404, `no such process or group: ${name}\n`);
  const oneShots = oneShotsAmong(processes);
  const failed = matched.map((p) => processCheck(p, oneShots)).filter((line) => !line.ok);
  if (failed.length === 0) return text(200, "ok");
  return text(503, `${failed.map((line) => `${line.name} ${line.reason}`).join("\n")}\n`);
}

function single(line: CheckLine): Response {
  return line.ok ? text(200, "ok") : text(503, `${line.name} failed: ${line.reason}\n`);
}

/**
 * kube-apiserver's answer: `ok` when every check passed (the list with
 * `?verbose`), else 503 and always the list, ending `NAME check failed`.
 */
function report(
  endpoint: string,
  lines: readonly CheckLine[],
  query: URLSearchParams,
  warnings: readonly string[] = [],
): Response {
  const passed = lines.every((line) => line.ok);
  if (passed && !query.has("verbose")) return text(200, "ok");
  const body = [
    ...lines.map(lineText),
    ...warnings,
    `${endpoint} check ${passed ? "passed" : "failed"}`,
  ];
  return text(passed ? 200 : 503, `${body.join("\n")}\n`);
}

function lineText(line: CheckLine): string {
  if (line.excluded) return `[+]${line.name} excluded: ok`;
  if (line.ok) return `[+]${line.name} ok`;
  // A program says why in readiness's words (`not ready: ...`); the shutdown check as kube's.
  const reason = line.own ? `failed: ${line.reason}` : line.reason;
  return `[-]${line.name} ${reason}`;
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "no-store",
      ...headers,
    },
  });
}
