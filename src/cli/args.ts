// The command line, parsed into the role tend plays. Pure: takes argv,
// returns a description or a usage error; no I/O. (tend's own exec
// trampoline for user= is recognised by main.ts before this.)

import { parseSupervisordArgs, type SettingOverride } from "./supervisord-args.ts";

/** Which usage text -h/--help asks for (`tend ctl -h` is answered by ctl's own parser). */
export type Usage = "tend" | "check" | "supervisord";

export type Invocation =
  | {
      readonly role: "single-command";
      readonly argv: readonly string[];
      readonly singleChild: boolean;
    }
  | {
      readonly role: "run";
      readonly configPath: string | undefined;
      /** [supervisord] settings given on a supervisord command line. */
      readonly overrides: readonly SettingOverride[];
    }
  | { readonly role: "ctl"; readonly args: readonly string[] }
  | { readonly role: "check"; readonly configPath: string | undefined; readonly yaml: boolean }
  | { readonly role: "version" }
  /** `supervisord -v`: the supervisord version tend follows. */
  | { readonly role: "supervisord-version" }
  /** -h/--help: the usage of tend as a whole, or of the subcommand it followed. */
  | { readonly role: "help"; readonly usage: Usage }
  | { readonly role: "usage-error"; readonly message: string; readonly usage?: Usage };

/**
 * Parses tend's arguments (argv without the executable and script).
 * `invokedAs` is the name tend was run by: through a link named tendctl or
 * supervisorctl it is `tend ctl`, named supervisord it is run mode, so an
 * image can swap supervisord for tend as it is.
 */
export function parseArgs(args: readonly string[], invokedAs = "tend"): Invocation {
  if (invokedAs === "tendctl" || invokedAs === "supervisorctl") return { role: "ctl", args };
  if (invokedAs === "supervisord") {
    const parsed = parseSupervisordArgs(args);
    return parsed.role === "usage-error" ? { ...parsed, usage: "supervisord" } : parsed;
  }
  const [first, ...rest] = args;
  if (first === "ctl") return { role: "ctl", args: rest };
  if (first === "check") return parseCheckArgs(rest);

  let singleChild = false;
  let configPath: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    switch (arg) {
      case "--":
        return singleCommand(args.slice(i + 1), singleChild, configPath);
      case "-h":
      case "--help":
        return { role: "help", usage: "tend" };
      case "-v":
      case "--version":
        return { role: "version" };
      case "--single-child":
        singleChild = true;
        break;
      case "-n":
      case "--nodaemon":
        break; // tend never daemonizes; accepted for supervisord's command lines
      case "-c":
      case "--configuration": {
        const value = args[i + 1];
        if (value === undefined || value === "") return usageError(`${arg} needs a file name`);
        configPath = value;
        i++;
        break;
      }
      default:
        if (arg.startsWith("--configuration=")) {
          configPath = arg.slice("--configuration=".length);
          break;
        }
        if (arg.startsWith("-")) return usageError(`unknown option '${arg}'`);
        return usageError(
          `unexpected argument '${arg}'; to run a command, put it after '--': tend -- ${args.slice(i).join(" ")}`,
        );
    }
  }
  if (singleChild) return usageError("--single-child needs a command after '--'");
  return { role: "run", configPath, overrides: [] };
}

/** `check [-c FILE] [--yaml] [-h]` */
function parseCheckArgs(args: readonly string[]): Invocation {
  let configPath: string | undefined;
  let yaml = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "-h" || arg === "--help") return { role: "help", usage: "check" };
    if (arg === "--yaml") yaml = true;
    else if (arg === "-c" || arg === "--configuration") {
      const value = args[++i];
      if (value === undefined || value === "") return usageError(`check: ${arg} needs a file name`);
      configPath = value;
    } else if (arg.startsWith("--configuration="))
      configPath = arg.slice("--configuration=".length);
    else return usageError(`check: unexpected argument '${arg}'`);
  }
  return { role: "check", configPath, yaml };
}

function singleCommand(
  argv: readonly string[],
  singleChild: boolean,
  configPath: string | undefined,
): Invocation {
  if (configPath !== undefined) return usageError("-c and a command after '--' exclude each other");
  if (argv.length === 0 || argv[0] === "") return usageError("no command given after '--'");
  return { role: "single-command", argv, singleChild };
}

function usageError(message: string): Invocation {
  return { role: "usage-error", message };
}
