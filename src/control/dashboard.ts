// The dashboard's routes on the control listeners (the unix socket and the
// inet server, behind their auth and cross-site rules): the page and its
// assets, built into tend; the live process table and log streams; one
// process's details; and the actions, POSTed as JSON and carried out by the
// command layer. `[inet_http_server] ui=` decides: full, readonly (no
// action, its POSTs refused) or off (none of it is there).

import type { LogReader } from "../logging/log-reader.ts";
import type { UiMode } from "../protocol/dashboard.ts";
import { faultFrom } from "../protocol/faults.ts";
import { parseAction, runAction } from "./dashboard-actions.ts";
import { DASHBOARD_ASSETS } from "./dashboard-assets.ts";
import type { DashboardFeed } from "./dashboard-feed.ts";
import { feedResponse, logResponse } from "./dashboard-streams.ts";
import type { Call, LogLookup } from "./http-server.ts";
import { plain } from "./replies.ts";

export interface Dashboard {
  readonly mode: UiMode;
  /** One feed for every listener and page. */
  readonly feed: DashboardFeed;
  readonly call: Call;
  readonly processLog: LogLookup;
  readonly mainLog: () => LogReader | undefined;
}

/** The largest body POST /ui/action takes. */
const MAX_ACTION_BYTES = 4096;

/** What a page may load from, and where it may connect: tend itself, nothing else. */
const CONTENT_SECURITY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export async function dashboardResponse(
  request: Request,
  path: string,
  query: URLSearchParams,
  dashboard: Dashboard,
): Promise<Response> {
  if (dashboard.mode === "off") return plain(404, "Not Found: the dashboard is off (ui=off)\n");
  if (path === "/ui/action") {
    if (request.method !== "POST") return plain(405, "Method Not Allowed\n", { Allow: "POST" });
    if (dashboard.mode === "readonly")
      return plain(403, "Forbidden: the dashboard is read-only (ui=readonly)\n");
    return action(request, dashboard);
  }
  const streams = path === "/ui/events" || path === "/ui/log";
  if (request.method !== "GET" && (request.method !== "HEAD" || streams))
    return plain(405, "Method Not Allowed\n", { Allow: streams ? "GET" : "GET, HEAD" });
  const lastId = request.headers.get("last-event-id") ?? undefined;
  switch (path) {
    case "/":
      return asset(DASHBOARD_ASSETS.page, "text/html; charset=utf-8");
    case "/ui/app.js":
      return asset(DASHBOARD_ASSETS.script, "text/javascript; charset=utf-8");
    case "/ui/app.css":
      return asset(DASHBOARD_ASSETS.style, "text/css; charset=utf-8");
    case "/ui/events":
      return feedResponse(dashboard.feed, request.signal, lastId);
    case "/ui/process":
      return details(query.get("name") ?? "", dashboard);
    case "/ui/log": {
      const log = logOf(query, dashboard);
      if (log === undefined) return plain(404, "Not Found: no such log\n");
      return logResponse(log, request.signal, lastId);
    }
    default:
      return plain(404, "Not Found\n");
  }
}

/** `?main` (tend's own log) or `?name=NS&stream=stdout|stderr`. */
function logOf(query: URLSearchParams, dashboard: Dashboard): LogReader | undefined {
  if (query.has("main")) return dashboard.mainLog();
  const stream = query.get("stream") ?? "stdout";
  if (stream !== "stdout" && stream !== "stderr") return undefined;
  const log = dashboard.processLog(query.get("name") ?? "", stream);
  return log === "none" ? undefined : log;
}

async function details(name: string, dashboard: Dashboard): Promise<Response> {
  try {
    return json(200, await dashboard.call("tend.getProcessDetails", [name], {}));
  } catch (error) {
    const fault = faultFrom(error);
    return json(fault.fault === "BAD_NAME" ? 404 : 500, { fault: fault.message });
  }
}

async function action(request: Request, dashboard: Dashboard): Promise<Response> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json")
    return plain(415, "Unsupported Media Type: an action is application/json\n");
  // An action is a hundred bytes or so: a bigger body is refused unparsed.
  if (Number(request.headers.get("content-length") ?? 0) > MAX_ACTION_BYTES)
    return plain(413, `Content Too Large: an action is at most ${MAX_ACTION_BYTES} bytes\n`);
  const parsed = parseAction(await request.text());
  if (typeof parsed === "string") return plain(400, `Bad Request: ${parsed}\n`);
  return json(200, await runAction(parsed, dashboard.call, request.signal));
}

function asset(body: string, type: string): Response {
  return new Response(body, {
    headers: {
      "Content-Type": type,
      "Cache-Control": "no-cache",
      "Content-Security-Policy": CONTENT_SECURITY,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
    },
  });
}

function json(status: number, value: unknown): Response {
  return new Response(`${JSON.stringify(value)}\n`, {
    status,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
  });
}
