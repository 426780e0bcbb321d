// The actions on the server itself and on the session: reload, shutdown,
// version, open, quit/exit/EOF.

import { Faults, RemoteFault } from "../../protocol/faults.ts";
import { type Action, type Controller, Exit } from "../controller.ts";
import { str } from "../format.ts";
import { Unreachable } from "../transport.ts";
import { usageError } from "./processes.ts";

/** Only in the shell (or with -i) do reload and shutdown ask first; anything but y... means no. */
async function confirmed(ctl: Controller, question: string): Promise<boolean> {
  if (!ctl.interactive) return true;
  const answer = await ctl.terminal.readLine(question);
  return (answer ?? "").toLowerCase().startsWith("y");
}

async function reload(ctl: Controller, arg: string): Promise<undefined> {
  if (arg !== "")
    return usageError(ctl, "Error: reload accepts no arguments", Exit.GENERIC, reloadAction);
  if (!(await confirmed(ctl, "Really restart the remote supervisord process y/N? "))) return;
  try {
    await ctl.server.call("supervisor.restart");
  } catch (error) {
    ctl.exitStatus = Exit.GENERIC;
    if (!(error instanceof RemoteFault && error.code === Faults.SHUTDOWN_STATE)) throw error;
    ctl.output("ERROR: already shutting down");
    return;
  }
  ctl.output("Restarted supervisord");
}

async function shutdown(ctl: Controller, arg: string): Promise<undefined> {
  if (arg !== "") {
    return usageError(ctl, "Error: shutdown accepts no arguments", Exit.GENERIC, shutdownAction);
  }
  if (!(await confirmed(ctl, "Really shut the remote supervisord process down y/N? "))) return;
  try {
    await ctl.server.call("supervisor.shutdown");
  } catch (error) {
    if (error instanceof RemoteFault && error.code === Faults.SHUTDOWN_STATE) {
      ctl.output("ERROR: already shutting down"); // the exit status stays as it was
      return;
    }
    ctl.exitStatus = Exit.GENERIC;
    if (!(error instanceof Unreachable) || error.reason === "other") throw error;
    ctl.reportUnreachable(error, " (already shut down?)");
    return;
  }
  ctl.output("Shut down");
}

async function version(ctl: Controller, arg: string): Promise<undefined> {
  if (arg !== "")
    return usageError(ctl, "Error: version accepts no arguments", Exit.GENERIC, versionAction);
  if (!(await ctl.upcheck())) return;
  ctl.output(str(await ctl.server.call("supervisor.getSupervisorVersion")));
}

/** Talks to another server from now on, and shows its status (which leaves the exit status alone). */
async function open(ctl: Controller, arg: string): Promise<undefined> {
  const url = arg.trim();
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (scheme !== "unix" && scheme !== "http") {
    ctl.output("ERROR: url must be http:// or unix://");
    ctl.exitStatus = Exit.GENERIC;
    return;
  }
  ctl.address = { ...ctl.address, url };
  const before = ctl.exitStatus;
  await (ctl.actions.get("status") as Action).run(ctl, "");
  ctl.exitStatus = before;
}

/** Ends the shell, leaving an empty line (on the command line: prints one). */
async function quit(ctl: Controller): Promise<boolean> {
  ctl.output("");
  return true;
}

const reloadAction: Action = {
  name: "reload",
  run: reload,
  help: ["reload \t\tRestart the remote supervisord."],
};

const shutdownAction: Action = {
  name: "shutdown",
  run: shutdown,
  help: ["shutdown \tShut the remote supervisord down."],
};

const versionAction: Action = {
  name: "version",
  run: version,
  help: ["version\t\t\tShow the version of the remote supervisord process"],
};

export const SERVER_ACTIONS: readonly Action[] = [
  reloadAction,
  shutdownAction,
  versionAction,
  {
    name: "open",
    run: open,
    help: [
      "open <url>\tConnect to a remote supervisord process.",
      "\t\t(for UNIX domain socket, use unix:///socket/path)",
    ],
  },
  { name: "quit", run: quit, help: ["quit\tExit the supervisor shell."] },
  { name: "exit", run: quit, help: ["exit\tExit the supervisor shell."] },
  // ^D at the prompt; `help EOF` has nothing to say about it, as in supervisorctl.
  { name: "EOF", run: quit, help: undefined },
];
