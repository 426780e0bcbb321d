// `tend ctl` (also `tendctl`, `supervisorctl`): supervisorctl 4.2.5 as a
// drop-in. Parses the options, finds the server, then runs the one action
// given or the interactive shell, and returns the exit status.

import { writeStderr, writeStdout } from "../os/output.ts";
import { allActions } from "./actions/index.ts";
import { Controller, Interrupts } from "./controller.ts";
import { type DiscoveryContext, discover, type Env, realDiscoveryContext } from "./discovery.ts";
import { ctlUsage, parseCtlOptions } from "./options.ts";
import { readHistory, runShell, shellCompleter, writeHistory } from "./shell.ts";
import { SessionTerminal } from "./terminal.ts";
import { httpServer, type Server, type ServerAddress } from "./transport.ts";

/** What runCtl talks to; every part has a real default. Tests replace them. */
export interface CtlIo {
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly env?: Env;
  /** The name usage messages give (`tend ctl`, `supervisorctl`...). */
  readonly programName?: string;
  /** The config tend would find without -c. */
  readonly searchConfig?: () => string | undefined;
  readonly connect?: (address: ServerAddress) => Server;
  /** Ctrl-C; by default SIGINT, listened to only while something takes it. */
  readonly interrupts?: Interrupts;
}

export async function runCtl(args: readonly string[], io: CtlIo = {}): Promise<number> {
  const out = io.stdout ?? writeStdout;
  const err = io.stderr ?? writeStderr;
  const programName = io.programName ?? "tend ctl";
  const usageError = (message: string) => {
    err(`Error: ${message}\nFor help, use ${programName} -h\n`);
    return 2;
  };

  const parsed = parseCtlOptions(args);
  if (parsed.kind === "help") {
    out(ctlUsage(programName));
    return 0;
  }
  if (parsed.kind === "usage-error") return usageError(parsed.message);
  const { options } = parsed;

  const env = io.env ?? process.env;
  const real = realDiscoveryContext(env);
  const context: DiscoveryContext = { ...real, searchConfig: io.searchConfig ?? real.searchConfig };
  const found = await discover(options, context);
  if ("error" in found) return usageError(found.error);

  const interrupts = io.interrupts ?? sigintInterrupts();
  const history = found.historyFile === undefined ? [] : readHistory(found.historyFile);
  let ctl: Controller | undefined;
  const terminal = new SessionTerminal(
    out,
    err,
    () => ({
      input: io.stdin ?? process.stdin,
      history,
      ...(ctl === undefined ? {} : { completer: shellCompleter(ctl) }),
    }),
    interrupts,
  );
  ctl = new Controller(
    terminal,
    found.address,
    options.interactive,
    io.connect ?? httpServer,
    allActions(),
  );

  try {
    if (options.args.length > 0) {
      // As supervisorctl: the words make one line again, even with -i.
      await ctl.onecmd(options.args.join(" "));
      return ctl.exitStatus;
    }
    await runShell(ctl, found.prompt);
    if (found.historyFile !== undefined) {
      writeHistory(found.historyFile, terminal.started ? terminal.lines().history() : history);
    }
    return 0;
  } finally {
    terminal.close();
  }
}

/** Interrupts fed by SIGINT while someone takes them; otherwise SIGINT keeps its default (the end). */
function sigintInterrupts(): Interrupts {
  const onSigint = () => interrupts.fire();
  const interrupts: Interrupts = new Interrupts((taken) => {
    if (taken) process.on("SIGINT", onSigint);
    else process.off("SIGINT", onSigint);
  });
  return interrupts;
}
