// `tend ctl`'s own options, parsed as supervisorctl parses them (Python's
// getopt: options come before the action, short ones may be bundled, long
// ones may be abbreviated to a unique prefix), with its error messages.

import { getopt, type OptionSpec } from "../cli/getopt.ts";
import { pyRepr } from "../core/python-repr.ts";

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

interface CtlOption extends OptionSpec {
  readonly field: Field | "help";
}

const SPECS: readonly CtlOption[] = [
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
  const parsed = getopt(args, SPECS);
  if ("error" in parsed) return usageError(parsed.error);
  const { found } = parsed;
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
  const rest = parsed.rest;
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
