// The engine's process port for real: a program's environment, command and
// user resolved as supervisord resolves them (launch.ts), then its pipes, a
// stdin pipe, what its ready_check needs before it starts (a notification
// pipe or socket, a stale file: flag removed) and the spawn itself through
// os/. Every way a spawn can fail becomes a SpawnFailure in supervisord's
// words; nothing here decides what happens next.

import type { ProcessConfig } from "../config/model.ts";
import type { LogHub } from "../logging/hub.ts";
import type { ProcessLogs } from "../logging/routing.ts";
import { resolveCommand } from "../os/command.ts";
import { FdWriter } from "../os/fd-writer.ts";
import { closeQuietly } from "../os/fs.ts";
import { makePipe } from "../os/libc.ts";
import { removeFile } from "../os/probes.ts";
import { sendSignal } from "../os/signals.ts";
import { SpawnError, spawnChild } from "../os/spawn.ts";
import { launchRequest } from "./launch.ts";
import { type NoticeChannel, openNoticeChannel } from "./notices.ts";
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
    /** Trouble that does not stop a spawn (a file: flag that cannot be removed). */
    private readonly warn: (message: string) => void = (message) => logs.report("error", message),
  ) {}

  spawn(process: ProcessConfig, logs: ProcessLogs, namespec: string): RunningProcess {
    const request = launchRequest(process, process.command, this.serverUrl);
    this.removeStaleFlags(process, namespec);
    let pipes: ReturnType<LogHub["pipes"]> | undefined;
    let stdin: [number, number] | undefined;
    let notices: NoticeChannel | undefined;
    let child: ReturnType<typeof spawnChild>;
    try {
      pipes = this.logs.pipes(namespec, logs);
      // A pipe, as supervisord gives: sendProcessStdin and `ctl fg` write to it.
      stdin = makePipe();
      notices = openNoticeChannel(process.ready_check);
      child = spawnChild({
        ...request,
        env: { ...request.env, ...notices?.env },
        stdio: [stdin[0], pipes.stdout, pipes.stderr],
        extraFds: notices?.extraFds ?? [],
      });
    } catch (error) {
      pipes?.abandoned();
      if (stdin) closeQuietly(...stdin);
      notices?.abandoned();
      if (error instanceof SpawnError) throw new SpawnFailure(error.message, { cause: error });
      const reason = (error as Error).message ?? String(error);
      throw new SpawnFailure(`unknown error during spawn for '${process.name}': ${reason}`, {
        cause: error,
      });
    }
    pipes.started(child.pid);
    closeQuietly(stdin[0]);
    const writer = new FdWriter(stdin[1], () => {});
    const exited = child.exited.then((status) => {
      closeQuietly(writer.fd);
      return status;
    });
    const source = notices?.started(child.exited);
    return { pid: child.pid, exited, stdin: writer, ...(source ? { notices: source } : {}) };
  }

  signal(pid: number, signal: number, group: boolean): boolean {
    return sendSignal(pid, signal, group);
  }

  commandProblem(process: ProcessConfig): CommandProblem | undefined {
    const env = { ...globalThis.process.env, ...process.environment };
    const resolved = resolveCommand(process.command[0] ?? "", env.PATH);
    return resolved.ok ? undefined : { kind: resolved.problem, message: resolved.message };
  }

  /** `file:` checks pass once the program makes the file: one left from before must go. */
  private removeStaleFlags(process: ProcessConfig, namespec: string): void {
    for (const check of [process.ready_check, process.live_check]) {
      if (check?.kind !== "file") continue;
      const problem = removeFile(check.path);
      if (problem !== undefined) this.warn(`${namespec}: ${problem}`);
    }
  }
}
