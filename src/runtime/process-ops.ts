// The engine's process port for real: a program's environment, command and
// user resolved as supervisord resolves them, then its pipes, a stdin pipe
// and the spawn itself through os/. Every way a spawn can fail becomes a
// SpawnFailure in supervisord's words; nothing here decides what happens next.

import type { ProcessConfig } from "../config/model.ts";
import type { LogHub } from "../logging/hub.ts";
import type { ProcessLogs } from "../logging/routing.ts";
import { resolveCommand } from "../os/command.ts";
import { FdWriter } from "../os/fd-writer.ts";
import { closeQuietly } from "../os/fs.ts";
import { makePipe } from "../os/libc.ts";
import { sendSignal } from "../os/signals.ts";
import { type Credentials, SpawnError, type SpawnRequest, spawnChild } from "../os/spawn.ts";
import { findUser, groupsOf } from "../os/users.ts";
import {
  type CommandProblem,
  type ProcessOps,
  type RunningProcess,
  SpawnFailure,
} from "./ports.ts";

export class RealProcessOps implements ProcessOps {
  constructor(
    private readonly logs: LogHub,
    /** SUPERVISOR_SERVER_URL for programs whose serverurl is AUTO. */
    private readonly serverUrl: string,
  ) {}

  spawn(process: ProcessConfig, logs: ProcessLogs, namespec: string): RunningProcess {
    const request = this.prepare(process);
    let pipes: ReturnType<LogHub["pipes"]> | undefined;
    let stdin: [number, number] | undefined;
    let child: ReturnType<typeof spawnChild>;
    try {
      pipes = this.logs.pipes(namespec, logs);
      // A pipe, as supervisord gives: sendProcessStdin and `ctl fg` write to it.
      stdin = makePipe();
      child = spawnChild({ ...request, stdio: [stdin[0], pipes.stdout, pipes.stderr] });
    } catch (error) {
      pipes?.abandoned();
      if (stdin) closeQuietly(...stdin);
      if (error instanceof SpawnError) throw new SpawnFailure(error.message, { cause: error });
      const reason = (error as Error).message ?? String(error);
      throw new SpawnFailure(`unknown error during spawn for '${process.name}': ${reason}`, {
        cause: error,
      });
    }
    pipes.started();
    closeQuietly(stdin[0]);
    const writer = new FdWriter(stdin[1], () => {});
    const exited = child.exited.then((status) => {
      closeQuietly(writer.fd);
      return status;
    });
    return { pid: child.pid, exited, stdin: writer };
  }

  signal(pid: number, signal: number, group: boolean): boolean {
    return sendSignal(pid, signal, group);
  }

  commandProblem(process: ProcessConfig): CommandProblem | undefined {
    const env = { ...globalThis.process.env, ...process.environment };
    const resolved = resolveCommand(process.command[0] ?? "", env.PATH);
    return resolved.ok ? undefined : { kind: resolved.problem, message: resolved.message };
  }

  /** Everything a spawn needs; a SpawnFailure in supervisord's words when something is missing. */
  private prepare(process: ProcessConfig): SpawnRequest {
    const env: Record<string, string | undefined> = {
      ...globalThis.process.env,
      SUPERVISOR_ENABLED: "1",
      SUPERVISOR_PROCESS_NAME: process.name,
      SUPERVISOR_GROUP_NAME: process.group,
      SUPERVISOR_SERVER_URL: process.serverurl === "AUTO" ? this.serverUrl : process.serverurl,
      ...process.environment,
    };
    const [program = "", ...args] = process.command;
    const resolved = resolveCommand(program, env.PATH);
    if (!resolved.ok) throw new SpawnFailure(resolved.message);
    let credentials: Credentials | undefined;
    if (process.user !== undefined) {
      const user = findUser(process.user);
      if (!user) throw new SpawnFailure(`user '${process.user}' does not exist`);
      const uid = globalThis.process.getuid?.() ?? 0;
      if (uid !== 0 && uid !== user.uid)
        throw new SpawnFailure(`can't run as user '${process.user}': tend is not running as root`);
      if (uid === 0) credentials = { uid: user.uid, gid: user.gid, groups: groupsOf(user) };
    }
    return {
      argv: [resolved.filename, ...args],
      argv0: program,
      newSession: true,
      env,
      cwd: process.directory,
      umask: process.umask,
      credentials,
    };
  }
}
