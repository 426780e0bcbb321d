// `tend ctl`'s own options, parsed as supervisorctl parses them (Python's
// getopt: options come before the action, short ones may be bundled, long
// ones may be abbreviated to a unique prefix), with its error messages.

import { pyRepr } from "./format.ts";

export interface CtlOptions {
  readonly configFile: string | undefined;
  readonly serverUrl: string | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly historyFile: string | undefined;
  /** -i, or no action given: the shell (and reload/shutdown ask first). */
  readonly interactive: boolean;
  /** The action and its arguments. */
  readonly args: readonly string[];
}

export type ParsedOptions =
  | { readonly kind: "options"; readonly options: CtlOptions }
  | { readonly kind: "help" }
  | { readonly kind: "usage-error"; readonly message: string };

type Field = "configFile" | "serverUrl" | "username" | "password" | "historyFile" | "interactive";

interface OptionSpec {
  readonly short: string;
  readonly long: string;
  readonly field: Field | "help";
  readonly takesValue: boolean;
}

const SPECS: readonly OptionSpec[] = [
  { short: "h", long: "help", field: "help", takesValue: false },
  { short: "?", long: "", field: "help", takesValue: false },
  { short: "c", long: "configuration", field: "configFile", takesValue: true },
  { short: "i", long: "interactive", field: "interactive", takesValue: false },
  { short: "s", long: "serverurl", field: "serverUrl", takesValue: true },
  { short: "u", long: "username", field: "username", takesValue: true },
  { short: "p", long: "password", field: "password", takesValue: true },
  { short: "r", long: "history_file", field: "historyFile", takesValue: true },
];

export function parseCtlOptions(args: readonly string[]): ParsedOptions {
  const found: { option: string; spec: OptionSpec; value: string }[] = [];
  let i = 0;
  // getopt: options end at the first word that is not one, or after `--`.
  while (i < args.length) {
    const arg = args[i] as string;
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") break;
    i++;
    if (arg.startsWith("--")) {
      const long = parseLong(arg.slice(2), () => args[i++]);
      if ("error" in long) return usageError(long.error);
      found.push(long);
    } else {
      for (let at = 1; at < arg.length; at++) {
        const letter = arg[at] as string;
        const spec = SPECS.find((candidate) => candidate.short === letter);
        if (!spec) return usageError(`option -${letter} not recognized`);
        let value = "";
        if (spec.takesValue) {
          if (at + 1 < arg.length) value = arg.slice(at + 1);
          else if (i < args.length) value = args[i++] as string;
          else return usageError(`option -${letter} requires argument`);
          at = arg.length;
        }
        found.push({ option: `-${letter}`, spec, value });
      }
    }
  }

  const values: Partial<Record<Field, string>> = {};
  for (const { option, spec, value } of found) {
    if (spec.field === "help") return { kind: "help" };
    if (spec.field === "serverUrl" && !looksLikeUrl(value)) {
      return usageError(
        `invalid value for ${option} ${pyRepr(value)}: value ${pyRepr(value)} is not a URL`,
      );
    }
    if (values[spec.field] !== undefined)
      return usageError(`conflicting command line option ${pyRepr(option)}`);
    values[spec.field] = value;
  }
  const rest = args.slice(i);
  return {
    kind: "options",
    options: {
      configFile: values.configFile,
      serverUrl: values.serverUrl,
      username: values.username,
      password: values.password,
      historyFile: values.historyFile,
      interactive: values.interactive !== undefined || rest.length === 0,
      args: rest,
    },
  };
}

/** `--name`, `--name=value` or `--name value`; a unique prefix of a name will do. */
function parseLong(
  text: string,
  nextArg: () => string | undefined,
): { option: string; spec: OptionSpec; value: string } | { error: string } {
  const equals = text.indexOf("=");
  const name = equals === -1 ? text : text.slice(0, equals);
  const candidates = SPECS.filter((spec) => spec.long !== "" && spec.long.startsWith(name));
  if (candidates.length === 0) return { error: `option --${name} not recognized` };
  const exact = candidates.find((spec) => spec.long === name);
  if (!exact && candidates.length > 1) return { error: `option --${name} not a unique prefix` };
  const spec = (exact ?? candidates[0]) as OptionSpec;
  const option = `--${spec.long}`;
  if (!spec.takesValue) {
    if (equals !== -1) return { error: `option --${spec.long} must not have an argument` };
    return { option, spec, value: "" };
  }
  if (equals !== -1) return { option, spec, value: text.slice(equals + 1) };
  const value = nextArg();
  if (value === undefined) return { error: `option --${spec.long} requires argument` };
  return { option, spec, value };
}

/** supervisord's `url` check: a scheme, and a host or a path after it. */
function looksLikeUrl(value: string): boolean {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/.exec(value);
  if (!match) return false;
  const rest = match[2] ?? "";
  const afterSlashes = rest.startsWith("//") ? rest.slice(2) : rest;
  return afterSlashes.replace(/[?#].*$/, "") !== "";
}

function usageError(message: string): ParsedOptions {
  return { kind: "usage-error", message };
}

/** `tend ctl -h`. */
export function ctlUsage(programName: string): string {
  return `${programName} -- control applications run by tend (or supervisord) from the command line.

Usage: ${programName} [options] [action [arguments]]

Options:
-c/--configuration FILE -- the config to read the server's address from
     (searched for as tend searches when not given)
-h/--help -- print this message and exit
-i/--interactive -- start an interactive shell when no action is given; ask
     before reload and shutdown
-s/--serverurl URL -- where the server listens: unix:///path/to.sock or
     http://host:port (default: the -c config's [supervisorctl] serverurl or
     [unix_http_server] file; without -c, the first that answers of
     $TEND_SOCKET, the found config's server and unix:///run/tend.sock)
-u/--username USER -- user name for the server's authentication
-p/--password PASS -- password for the server's authentication
-r/--history_file FILE -- keep the shell's command history in FILE

action [arguments] -- one action, such as "status" or "stop web"; without
one, an interactive shell starts. "help" lists the actions.
`;
}
