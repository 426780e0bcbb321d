// The actions that read output: tail and maintail (the last bytes, or
// followed over /logtail and /mainlogtail until Ctrl-C), and fg (follow a
// process's output and send it what the user types).

import { pyRepr } from "../../core/python-repr.ts";
import { ProcessState } from "../../core/states.ts";
import { Faults, RemoteFault } from "../../protocol/faults.ts";
import { isStruct, type XmlRpcValue } from "../../protocol/xmlrpc.ts";
import { type Action, type Controller, Exit, faultRepr } from "../controller.ts";
import { num, str, words } from "../format.ts";
import { usageError } from "./processes.ts";

const DEFAULT_TAIL_BYTES = 1600;

/** Python's int() of a word (sign, digits, underscores between them), or undefined. */
function pythonInt(text: string): number | undefined {
  return /^[+-]?\d+(_\d+)*$/.test(text) ? Number(text.replaceAll("_", "")) : undefined;
}

/** Writes the bodies of GET `paths` to stdout (decoded) until the server ends them or `stop` fires. */
async function streamPaths(
  ctl: Controller,
  paths: readonly string[],
  stop: AbortSignal,
): Promise<void> {
  await Promise.all(paths.map((path) => streamPath(ctl, path, stop)));
}

async function streamPath(ctl: Controller, path: string, stop: AbortSignal): Promise<void> {
  const decoder = new TextDecoder();
  const end = await ctl.server.follow(
    path,
    (bytes) => ctl.terminal.out(decoder.decode(bytes, { stream: true })),
    stop,
  );
  const rest = decoder.decode();
  if (rest !== "") ctl.terminal.out(rest);
  // A refusal is reported on stderr as supervisorctl's HTTP client does.
  const url = `${ctl.address.url}${path}`;
  if (end.kind === "status") ctl.terminal.err(`${url} Cannot read, status code ${end.status}\n`);
  if (end.kind === "error") ctl.terminal.err(`${url} ${end.message}\n`);
}

/** tail -f, maintail -f: until the server ends the stream, or Ctrl-C, which leaves an empty line. */
async function follow(ctl: Controller, path: string): Promise<undefined> {
  ctl.output("==> Press Ctrl-C to exit <==");
  const stop = new AbortController();
  const release = ctl.terminal.interrupts.take(() => stop.abort());
  try {
    await streamPaths(ctl, [path], stop.signal);
  } finally {
    release();
  }
  if (stop.signal.aborted) ctl.output("");
}

/** The words of a log read's fault; undefined for a fault the action does not expect. */
function readFaultWords(code: number, processLog: boolean): string | undefined {
  if (code === Faults.NO_FILE) return "no log file";
  if (code === Faults.FAILED) return "unknown error reading log";
  if (code === Faults.BAD_NAME && processLog) return "no such process name";
  return undefined;
}

async function tail(ctl: Controller, arg: string): Promise<undefined> {
  if (!(await ctl.upcheck())) return;
  const args = words(arg);
  if (args.length < 1) return usageError(ctl, "Error: too few arguments", Exit.GENERIC, tailAction);
  if (args.length > 3)
    return usageError(ctl, "Error: too many arguments", Exit.GENERIC, tailAction);

  const modifier = args[0]?.startsWith("-") ? args.shift() : undefined;
  let name: string;
  let channel = "stdout";
  if (args.length === 1) name = args[0] as string;
  else if (args.length > 1) {
    name = args[0] as string;
    channel = (args.at(-1) as string).toLowerCase();
    if (channel !== "stdout" && channel !== "stderr") {
      return usageError(ctl, `Error: bad channel ${pyRepr(channel)}`, Exit.GENERIC);
    }
  } else return usageError(ctl, "Error: tail requires process name", Exit.GENERIC);

  let bytes: number | "follow" = DEFAULT_TAIL_BYTES;
  if (modifier !== undefined) {
    const what = modifier.slice(1);
    const count = what === "f" ? "follow" : pythonInt(what);
    if (count === undefined)
      return usageError(ctl, `Error: bad argument ${modifier}`, Exit.GENERIC);
    bytes = count;
  }
  if (bytes === "follow") return follow(ctl, `/logtail/${name}/${channel}`);

  const method =
    channel === "stdout" ? "supervisor.readProcessStdoutLog" : "supervisor.readProcessStderrLog";
  let output: XmlRpcValue;
  try {
    // `tail -0` asks for offset 0: the whole log, as supervisorctl does.
    output = await ctl.server.call(method, name, -bytes || 0, 0);
  } catch (error) {
    if (!(error instanceof RemoteFault)) throw error;
    ctl.exitStatus = Exit.GENERIC;
    const why = readFaultWords(error.code, true);
    if (why === undefined) throw error;
    ctl.output(`${name}: ERROR (${why})`);
    return;
  }
  ctl.output(str(output));
}

async function maintail(ctl: Controller, arg: string): Promise<undefined> {
  if (!(await ctl.upcheck())) return;
  const args = words(arg);
  if (args.length > 1) {
    return usageError(ctl, "Error: too many arguments", Exit.GENERIC, maintailAction);
  }
  let bytes = DEFAULT_TAIL_BYTES;
  const [first] = args;
  if (first !== undefined) {
    const what = first.startsWith("-") ? first.slice(1) : undefined;
    if (what === "f") return follow(ctl, "/mainlogtail");
    const count = what === undefined ? undefined : pythonInt(what);
    if (count === undefined) return usageError(ctl, `Error: bad argument ${first}`, Exit.GENERIC);
    bytes = count;
  }
  let output: XmlRpcValue;
  try {
    output = await ctl.server.call("supervisor.readLog", -bytes || 0, 0);
  } catch (error) {
    if (!(error instanceof RemoteFault)) throw error;
    ctl.exitStatus = Exit.GENERIC;
    const why = readFaultWords(error.code, false);
    if (why === undefined) throw error;
    ctl.output(`supervisord: ERROR (${why})`);
    return;
  }
  ctl.output(str(output));
}

/** Attaches to a running process: its stdout and stderr stream here, typed lines go to its stdin. */
async function fg(ctl: Controller, arg: string): Promise<undefined> {
  if (!(await ctl.upcheck())) return;
  const names = words(arg);
  if (names.length === 0) {
    return usageError(ctl, "ERROR: no process name supplied", Exit.GENERIC, fgAction);
  }
  if (names.length > 1)
    return usageError(ctl, "ERROR: too many process names supplied", Exit.GENERIC);
  const name = names[0] as string;
  const isRunning = async () => {
    const info = await ctl.server.call("supervisor.getProcessInfo", name);
    // fg attaches only to a running process.
    return isStruct(info) && num(info.state) === ProcessState.RUNNING;
  };
  try {
    if (!(await isRunning())) return usageError(ctl, "ERROR: process not running", Exit.GENERIC);
  } catch (error) {
    if (!(error instanceof RemoteFault)) throw error;
    if (error.code === Faults.BAD_NAME) {
      return usageError(ctl, "ERROR: bad process name supplied", Exit.GENERIC);
    }
    ctl.output(`ERROR: ${faultRepr(error)}`); // supervisorctl leaves the exit status alone here
    return;
  }

  ctl.output("==> Press Ctrl-C to exit <==");
  // Ctrl-C, the end of input or the process's end all leave the same way.
  const leave = new AbortController();
  const release = ctl.terminal.interrupts.take(() => leave.abort());
  const streams = streamPaths(
    ctl,
    [`/logtail/${name}/stdout`, `/logtail/${name}/stderr`],
    leave.signal,
  );
  try {
    for (;;) {
      const line = await ctl.terminal.readLine("", leave.signal);
      if (line === undefined) break;
      try {
        await ctl.server.call("supervisor.sendProcessStdin", name, `${line}\n`);
      } catch (error) {
        if (!(error instanceof RemoteFault)) throw error;
        ctl.output(
          error.code === Faults.NOT_RUNNING ? "Process got killed" : `ERROR: ${faultRepr(error)}`,
        );
        break;
      }
      if (!(await isRunning())) {
        ctl.output("Process got killed");
        break;
      }
    }
  } finally {
    release();
    leave.abort();
    await streams;
  }
  ctl.output("Exiting foreground");
}

const tailAction: Action = {
  name: "tail",
  run: tail,
  completes: "processes",
  help: [
    "tail [-f] <name> [stdout|stderr] (default stdout)",
    "Ex:",
    "tail -f <name>\t\tContinuous tail of named process stdout",
    "\t\t\tCtrl-C to exit.",
    "tail -100 <name>\tlast 100 *bytes* of process stdout",
    "tail <name> stderr\tlast 1600 *bytes* of process stderr",
  ],
};

const maintailAction: Action = {
  name: "maintail",
  run: maintail,
  help: [
    "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)",
    "maintail -100\tlast 100 *bytes* of supervisord main log file",
    "maintail\tlast 1600 *bytes* of supervisor main log file",
    "",
  ],
};

const fgAction: Action = {
  name: "fg",
  run: fg,
  completes: "processes",
  help: ["fg <process>\tConnect to a process in foreground mode", "\t\tCtrl-C to exit"],
};

export const LOG_ACTIONS: readonly Action[] = [tailAction, maintailAction, fgAction];
