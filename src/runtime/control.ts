// Run mode's control plane: the Supervisor the command layer works on (over
// the engine of the moment — `ctl reload` swaps it), and the listeners from
// [unix_http_server] and [inet_http_server]. The socket file is claimed with
// care: a stale one from an earlier run is replaced, a live one is an error.

import { dirname } from "node:path";
import type { Config } from "../config/model.ts";
import { type Call, type Listen, serveControl } from "../control/http-server.ts";
import type { ControlledProcess, RereadResult, Supervisor } from "../control/supervisor.ts";
import type { SupervisorStateName } from "../core/states.ts";
import type { LogReader } from "../logging/log-reader.ts";
import { resolveCommand } from "../os/command.ts";
import { fs } from "../os/fs.ts";
import { acceptsConnections } from "../os/listening.ts";
import { sendSignal } from "../os/signals.ts";
import { findUser } from "../os/users.ts";
import type { Engine, Slot } from "./engine.ts";

/** The socket tend listens on when the config has no [unix_http_server] (SPEC section 9). */
export const DEFAULT_SOCKET = "/run/tend.sock";

/** The socket path run mode uses: the config's, else $TEND_SOCKET, else the default. */
export function socketPathOf(config: Config): string {
  const configured = config.unix_http_server?.file;
  if (configured !== undefined) return configured;
  const fromEnv = process.env.TEND_SOCKET ?? "";
  if (fromEnv !== "") return fromEnv.replace(/^unix:\/\//, "");
  return DEFAULT_SOCKET;
}

export interface EngineSupervisorHooks {
  readonly engine: () => Engine;
  readonly state: () => SupervisorStateName;
  readonly mainLog: LogReader | undefined;
  readonly shutdown: () => void;
  readonly restart: () => void;
  readonly reread: () => RereadResult;
}

/** The command layer's view of run mode. */
export function engineSupervisor(config: Config, hooks: EngineSupervisorHooks): Supervisor {
  const slot = (process: ControlledProcess) => process as Slot;
  return {
    pid: process.pid,
    identification: config.supervisord.identifier,
    state: hooks.state,
    groups: () => hooks.engine().groups,
    group: (name) => hooks.engine().group(name),
    start: (process) => hooks.engine().dispatch(slot(process), { type: "start" }),
    stop: (process) => hooks.engine().dispatch(slot(process), { type: "stop" }),
    signal: (process, signal) => {
      const pid = process.status.pid;
      if (pid === 0)
        return `attempted to send signal ${signal} to ${process.config.name} but it wasn't running`;
      try {
        sendSignal(pid, signal, false);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    },
    commandProblem: (process) => {
      const program = process.config.command[0] ?? "";
      const env = { ...globalThis.process.env, ...process.config.environment };
      const resolved = resolveCommand(program, env.PATH);
      if (resolved.ok) return undefined;
      const fault = resolved.message.startsWith("can't find") ? "NO_FILE" : "NOT_EXECUTABLE";
      return { fault, message: resolved.message };
    },
    writeStdin: (process, bytes) => {
      const stdin = slot(process).stdin;
      if (process.status.pid === 0 || process.status.killing || !stdin) return "not-running";
      if (stdin.broken) return "closed";
      stdin.write(bytes);
      return stdin.broken ? "closed" : "ok";
    },
    onChange: (listener) => hooks.engine().onStateChange(listener),
    mainLog: () => hooks.mainLog,
    shutdown: hooks.shutdown,
    restart: hooks.restart,
    reread: hooks.reread,
    addGroup: (group) => hooks.engine().addGroup(group),
    removeGroup: (name) => hooks.engine().removeGroup(name),
    replaceGroup: (group) => hooks.engine().replaceGroup(group),
  };
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
  readonly report: (level: "warn" | "error" | "info", message: string) => void;
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
  const close = () => {
    for (const server of servers) server.stop();
    if (socketFile !== undefined) removeQuietly(socketFile);
  };
  const serverOptions = {
    call: options.call,
    processLog: options.processLog,
    mainLog: options.mainLog,
    report: options.report,
  };

  const claimed = await claimSocketPath(path);
  if (claimed !== undefined) {
    if (unix !== undefined || claimed.startsWith("another")) return claimed;
    options.report("warn", `control socket not available, \`tend ctl\` will not work: ${claimed}`);
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
  }
  return { close };
}

/**
 * Makes `path` free for a new socket: a socket nobody answers on (left by
 * an earlier tend) is removed. An error message when a live server holds
 * it, or something else is there.
 */
async function claimSocketPath(path: string): Promise<string | undefined> {
  let stat: import("node:fs").Stats;
  try {
    stat = fs().lstatSync(path);
  } catch {
    return fs().existsSync(dirname(path)) ? undefined : `directory ${dirname(path)} does not exist`;
  }
  if (!stat.isSocket())
    return `${path} exists and is not a socket; remove it or choose another [unix_http_server] file`;
  if (await acceptsConnections({ path }))
    return `another tend (or supervisord) is already listening on ${path}; stop it first or choose another [unix_http_server] file`;
  removeQuietly(path);
  return undefined;
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

function findGroupId(name: string, groupFile = "/etc/group"): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  try {
    for (const line of fs().readFileSync(groupFile, "utf8").split("\n")) {
      const [groupName, , gid] = line.split(":");
      if (groupName === name && gid !== undefined) return Number(gid);
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function removeQuietly(path: string): void {
  try {
    fs().unlinkSync(path);
  } catch {
    // already gone
  }
}
