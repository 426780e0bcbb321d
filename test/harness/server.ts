// A control server, tend or the real supervisord, as PID 1 of its own
// namespace on one INI config both accept (scratch.ts writeConfig), in its
// own scratch directory: for the tests (and benches) that talk to both.

import { readFileSync } from "node:fs";
import { spawnSync } from "bun";
import { TEND } from "./paths.ts";
import { type Scratch, scratchDir, writeConfig } from "./scratch.ts";
import { type Started, start } from "./spawn.ts";
import { eventually } from "./wait.ts";
import { rpc, type Value } from "./xmlrpc.ts";

export type ServerKind = "tend" | "supervisord";

/** Whether Debian's supervisor (supervisord and supervisorctl 4.2.5) is installed, and why not. */
export const supervisor: { readonly ok: boolean; readonly reason: string } = (() => {
  const found =
    spawnSync(["sh", "-c", "command -v supervisord && command -v supervisorctl"]).exitCode === 0;
  return found
    ? { ok: true, reason: "" }
    : {
        ok: false,
        reason: "supervisord and supervisorctl are not installed (apt-get install supervisor)",
      };
})();

export interface ServerOptions {
  /** The program sections. */
  readonly programs: string;
  /** More [supervisord] lines. */
  readonly supervisord?: string;
  /** The tend executable (dist/tend by default). */
  readonly tend?: string;
}

/** The Python that runs supervisorctl (the one with the supervisor package), from its #! line. */
export function supervisorPython(): string {
  const path = Bun.which("supervisorctl");
  const first = path ? (readFileSync(path, "latin1").split("\n")[0] ?? "") : "";
  return first.startsWith("#!") ? (first.slice(2).trim().split(/\s+/)[0] ?? "python3") : "python3";
}

export class Server implements AsyncDisposable {
  constructor(
    readonly kind: ServerKind,
    private readonly scratch: Scratch,
    readonly config: string,
    /** Its main log. */
    readonly log: string,
    readonly socket: string,
    readonly run: Started,
  ) {}

  get dir(): string {
    return this.scratch.dir;
  }

  /** An XML-RPC call on its socket. */
  call(method: string, ...params: Value[]): Promise<Value> {
    return rpc(this.socket, method, params);
  }

  /** Until it answers supervisor.getState with RUNNING. */
  async ready(ms = 15_000): Promise<void> {
    await eventually(
      async () => {
        if (this.run.ended) throw new Error(`${this.kind} ended`);
        const state = (await this.call("supervisor.getState")) as { statename: string };
        return state.statename === "RUNNING";
      },
      `${this.kind} to answer`,
      ms,
    );
  }

  async dispose(): Promise<void> {
    await this.run.dispose();
    this.scratch.cleanup();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

/** Starts `kind` on a config of `options.programs`; resolves once it answers. */
export async function launchServer(kind: ServerKind, options: ServerOptions): Promise<Server> {
  const scratch = scratchDir(`tend-${kind}-`);
  try {
    const { config, log, socket } = writeConfig(scratch.dir, options.programs, options.supervisord);
    const run = start(kind === "supervisord" ? ["-n", "-c", config] : ["-c", config], {
      binary: [kind === "supervisord" ? "supervisord" : (options.tend ?? TEND)],
      cwd: scratch.dir,
    });
    const server = new Server(kind, scratch, config, log, socket, run);
    try {
      await server.ready();
    } catch (error) {
      await run.dispose();
      throw error;
    }
    return server;
  } catch (error) {
    scratch.cleanup();
    throw error;
  }
}
