// Run mode's control plane: the listeners from [unix_http_server] and
// [inet_http_server], serving the command layer, and tend's read-only
// [health] listener. The socket file is claimed
// with care: a stale one from an earlier run is replaced, a live one is an
// error; the default socket that cannot be made is only reported.

import type { Config, HealthConfig } from "../config/model.ts";
import { ClientPool, clientLimits, type PoolEvent } from "../control/client-pool.ts";
import type { Dashboard } from "../control/dashboard.ts";
import type { DashboardFeed, FeedTable } from "../control/dashboard-feed.ts";
import { type HealthSource, serveHealth } from "../control/health.ts";
import { type Call, type Listen, serveControl } from "../control/http-server.ts";
import { Throttle } from "../control/throttle.ts";
import { dirname } from "../core/paths.ts";
import type { LogReader } from "../logging/log-reader.ts";
import { openDescriptorCount, openFileLimit } from "../os/descriptors.ts";
import { fs } from "../os/fs.ts";
import { acceptsConnections } from "../os/listening.ts";
import { findGroupId, findUser } from "../os/users.ts";
import { collectAfterAnswer } from "./memory.ts";

/** The socket tend listens on when the config has no [unix_http_server]. */
export const DEFAULT_SOCKET = "/run/tend.sock";

/** The socket path run mode uses: the config's, else $TEND_SOCKET, else the default. */
export function socketPathOf(config: Config): string {
  const configured = config.unix_http_server?.file;
  if (configured !== undefined) return configured;
  const fromEnv = process.env.TEND_SOCKET ?? "";
  if (fromEnv !== "") return fromEnv.replace(/^unix:\/\//, "");
  return DEFAULT_SOCKET;
}

export interface ControlPlane {
  /** Closes the listeners and removes the socket file. */
  close(): void;
}

export interface ControlPlaneOptions {
  readonly call: Call;
  readonly processLog: (
    namespec: string,
    channel: "stdout" | "stderr",
  ) => LogReader | "none" | undefined;
  readonly mainLog: () => LogReader | undefined;
  readonly report: (level: "critical" | "warn" | "error" | "info", message: string) => void;
  /** /livez, /readyz, /metrics: on the [health] listener, and behind the control servers' auth. */
  readonly health: HealthSource;
  /** Calls back after any change tend shows (the dashboard's feed follows it while a page is open). */
  readonly watch: (changed: () => void) => () => void;
}

/** The dashboard both control listeners serve, as `[inet_http_server] ui=` says. */
function dashboardOf(config: Config, options: ControlPlaneOptions): Dashboard {
  const mode = config.inet_http_server?.ui ?? "full";
  const source = {
    read: async () => (await options.call("tend.getDashboard", [], {})) as unknown as FeedTable,
    watch: options.watch,
  };
  let feed: DashboardFeed | undefined;
  return {
    mode,
    // Made (and its code read) when the first page asks for it.
    get feed() {
      if (feed === undefined) {
        const code =
          require("../control/dashboard-feed.ts") as typeof import("../control/dashboard-feed.ts");
        feed = new code.DashboardFeed(source, mode === "readonly");
      }
      return feed;
    },
    call: options.call,
    processLog: options.processLog,
    mainLog: options.mainLog,
  };
}

/** The open-file limit assumed when /proc cannot tell (the usual soft default). */
const ASSUMED_NOFILE = 1024;

/** What clients may take together, from tend's descriptor limit and [supervisord] minfds. */
function clientPool(
  config: Config,
  report: ControlPlaneOptions["report"],
): { pool: ClientPool; close(): void } {
  const limits = clientLimits(openFileLimit() ?? ASSUMED_NOFILE, config.supervisord.minfds);
  const warn = (message: string) => report("warn", message);
  const MiB = 1024 * 1024;
  const throttles: Record<PoolEvent, Throttle> = {
    evicted: new Throttle(warn, "idle connections closed to make way"),
    refused: new Throttle(warn, "connections refused"),
    "over-budget": new Throttle(warn, "clients refused or cut off for what they would hold"),
  };
  const messages: Record<PoolEvent, string> = {
    evicted: `control: closed the connection idle the longest to make way (at most ${limits.maxConnections} connections, ${limits.maxDescriptors} descriptors, ${limits.maxRequestBytes / MiB} MiB of unfinished requests)`,
    refused: `control: refused a connection: ${limits.maxConnections} open (or ${limits.maxDescriptors} descriptors), all being answered`,
    "over-budget": `control: refused or cut off a client: unfinished requests or unsent replies hold all tend gives them (${limits.maxRequestBytes / MiB} MiB, ${limits.maxReplyBytes / MiB} MiB)`,
  };
  const pool = new ClientPool(limits, openDescriptorCount, (event) =>
    throttles[event].note(() => messages[event]),
  );
  return {
    pool,
    close: () => {
      for (const throttle of Object.values(throttles)) throttle.close();
    },
  };
}

/**
 * Opens the listeners. An error message when a configured one cannot be
 * opened (nothing is left open then); the default socket that cannot be
 * made is only reported — a container without /run still runs its programs.
 */
export async function openControlPlane(
  config: Config,
  options: ControlPlaneOptions,
): Promise<ControlPlane | string> {
  const unix = config.unix_http_server;
  const path = socketPathOf(config);
  const servers: { stop(): void }[] = [];
  let socketFile: string | undefined;
  const clients = clientPool(config, options.report);
  const close = () => {
    for (const server of servers) server.stop();
    if (socketFile !== undefined) removeQuietly(socketFile);
    clients.close();
  };
  const serverOptions = {
    call: options.call,
    processLog: options.processLog,
    mainLog: options.mainLog,
    report: options.report,
    pool: clients.pool,
    afterAnswer: collectAfterAnswer,
    health: options.health,
    dashboard: dashboardOf(config, options),
  };

  // A socket asked for ([unix_http_server] or $TEND_SOCKET) must be had; the
  // default one is a convenience: without it tend still supervises (another
  // tend may hold it, as when two run side by side).
  const asked = unix !== undefined || path !== DEFAULT_SOCKET;
  const claimed = await claimSocketPath(path);
  if (claimed.kind !== "free") {
    if (asked) return claimed.message;
    options.report(
      "warn",
      `control socket not available, \`tend ctl\` will not work: ${claimed.message}`,
    );
  } else {
    const listen: Listen = {
      kind: "unix",
      path,
      credentials: { username: unix?.username, password: unix?.password },
    };
    // Created with no access for others, then given its configured mode.
    const umask = process.umask(0o077);
    try {
      servers.push(serveControl(listen, serverOptions));
      socketFile = path;
      fs().chmodSync(path, unix?.chmod ?? 0o700);
      if (unix?.chown !== undefined) chown(path, unix.chown);
    } catch (error) {
      close();
      const message = `cannot listen on ${path}: ${(error as Error).message}`;
      if (unix !== undefined) return message;
      options.report(
        "warn",
        `control socket not available, \`tend ctl\` will not work: ${message}`,
      );
    } finally {
      process.umask(umask);
    }
  }

  const inet = config.inet_http_server;
  if (inet !== undefined) {
    try {
      servers.push(
        serveControl(
          {
            kind: "inet",
            // No host (or `*`) means every interface, as supervisord.
            host: inet.host === "" ? "0.0.0.0" : inet.host,
            port: inet.port,
            credentials: { username: inet.username, password: inet.password },
          },
          serverOptions,
        ),
      );
    } catch (error) {
      close();
      return `cannot listen on ${inet.host || "*"}:${inet.port}: ${(error as Error).message}`;
    }
    // supervisord's words. (It says so of the unix socket too; tend's is 0700 unless told otherwise.)
    if (inet.username === undefined)
      options.report(
        "critical",
        "Server 'inet_http_server' running without any HTTP authentication checking",
      );
  }

  const health = config.health;
  if (health !== undefined) {
    const opened = openHealth(health, options.health, clients.pool);
    if (typeof opened === "string") {
      close();
      return opened;
    }
    servers.push(opened);
  }
  return { close };
}

/**
 * The [health] listener. No host (or `*`) means every interface, IPv6 and
 * IPv4 (a kubelet probes the pod's address, which may be either); where
 * the kernel has no IPv6, every IPv4 interface.
 */
function openHealth(
  health: HealthConfig,
  source: HealthSource,
  pool: ClientPool,
): { stop(): void } | string {
  const every = health.host === "" || health.host === "*";
  const hosts = every ? ["::", "0.0.0.0"] : [health.host];
  let failure = "";
  for (const host of hosts) {
    try {
      return serveHealth({ host, port: health.port }, source, pool, collectAfterAnswer);
    } catch (error) {
      failure = (error as Error).message;
      // A port in use is in use for both; only a missing IPv6 tries again.
      if (!/EAFNOSUPPORT|EADDRNOTAVAIL|address family/i.test(failure)) break;
    }
  }
  return `cannot listen on ${health.host || "*"}:${health.port} ([health]): ${failure}`;
}

type Claim =
  | { readonly kind: "free" }
  /** A live server answers there. */
  | { readonly kind: "in-use"; readonly message: string }
  /** No directory, or something that is not a socket. */
  | { readonly kind: "unusable"; readonly message: string };

/**
 * Makes `path` free for a new socket: a socket nobody answers on (left by
 * an earlier tend) is removed.
 */
async function claimSocketPath(path: string): Promise<Claim> {
  let stat: import("node:fs").Stats;
  try {
    stat = fs().lstatSync(path);
  } catch {
    if (fs().existsSync(dirname(path))) return { kind: "free" };
    return { kind: "unusable", message: `directory ${dirname(path)} does not exist` };
  }
  if (!stat.isSocket())
    return {
      kind: "unusable",
      message: `${path} exists and is not a socket; remove it or choose another [unix_http_server] file`,
    };
  if (await acceptsConnections({ path }))
    return {
      kind: "in-use",
      message: `another tend (or supervisord) is already listening on ${path}; stop it first or choose another [unix_http_server] file`,
    };
  removeQuietly(path);
  return { kind: "free" };
}

/** `user` or `user:group`, names or numbers. */
function chown(path: string, owner: string): void {
  const [userName = "", groupName] = owner.split(":");
  const user = findUser(userName);
  if (!user) throw new Error(`chown: no such user '${userName}'`);
  let gid = user.gid;
  if (groupName !== undefined && groupName !== "") {
    const found = findGroupId(groupName);
    if (found === undefined) throw new Error(`chown: no such group '${groupName}'`);
    gid = found;
  }
  fs().chownSync(path, user.uid, gid);
}

function removeQuietly(path: string): void {
  try {
    fs().unlinkSync(path);
  } catch {
    // already gone
  }
}
