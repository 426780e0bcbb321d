// tend's command line when it is run as `supervisord` (through a link of
// that name): every option supervisord 4.2.5 takes, parsed by getopt's
// rules, each mapped to the [supervisord] key it sets. A value given here
// wins over the config file's, as in supervisord.

import { getopt, type OptionSpec } from "./getopt.ts";

/** A [supervisord] setting from the command line, and the option that gave it. */
export interface SettingOverride {
  readonly key: string;
  readonly value: string;
  readonly option: string;
}

export type SupervisordInvocation =
  | {
      readonly role: "run";
      readonly configPath: string | undefined;
      readonly overrides: readonly SettingOverride[];
    }
  | { readonly role: "help"; readonly usage: "supervisord" }
  | { readonly role: "supervisord-version" }
  | { readonly role: "usage-error"; readonly message: string };

interface Option extends OptionSpec {
  /** The [supervisord] key it sets; undefined for -c, -h, -v, --profile_options. */
  readonly key: string | undefined;
}

const OPTIONS: readonly Option[] = [
  { short: "c", long: "configuration", key: undefined, takesValue: true },
  { short: "n", long: "nodaemon", key: "nodaemon", takesValue: false },
  { short: "s", long: "silent", key: "silent", takesValue: false },
  { short: "h", long: "help", key: undefined, takesValue: false },
  { short: "?", long: "", key: undefined, takesValue: false },
  { short: "v", long: "version", key: undefined, takesValue: false },
  { short: "u", long: "user", key: "user", takesValue: true },
  { short: "m", long: "umask", key: "umask", takesValue: true },
  { short: "d", long: "directory", key: "directory", takesValue: true },
  { short: "l", long: "logfile", key: "logfile", takesValue: true },
  { short: "y", long: "logfile_maxbytes", key: "logfile_maxbytes", takesValue: true },
  { short: "z", long: "logfile_backups", key: "logfile_backups", takesValue: true },
  { short: "e", long: "loglevel", key: "loglevel", takesValue: true },
  { short: "j", long: "pidfile", key: "pidfile", takesValue: true },
  { short: "i", long: "identifier", key: "identifier", takesValue: true },
  { short: "q", long: "childlogdir", key: "childlogdir", takesValue: true },
  { short: "a", long: "minfds", key: "minfds", takesValue: true },
  { short: "k", long: "nocleanup", key: "nocleanup", takesValue: false },
  { short: "t", long: "strip_ansi", key: "strip_ansi", takesValue: false },
  { short: undefined, long: "minprocs", key: "minprocs", takesValue: true },
  { short: undefined, long: "profile_options", key: undefined, takesValue: true },
];

export function parseSupervisordArgs(args: readonly string[]): SupervisordInvocation {
  let configPath: string | undefined;
  const overrides: SettingOverride[] = [];
  const parsed = getopt(args, OPTIONS);
  if ("error" in parsed) return usageError(parsed.error);
  const { found, rest } = parsed;
  if (rest.length > 0)
    return usageError(`positional arguments are not supported: ${JSON.stringify(rest)}`);
  for (const { spec, option, value } of found) {
    if (spec.long === "help" || spec.short === "?") return { role: "help", usage: "supervisord" };
    if (spec.long === "version") return { role: "supervisord-version" };
    if (spec.long === "configuration") configPath = value;
    else if (spec.key !== undefined)
      overrides.push({ key: spec.key, value: spec.takesValue ? value : "true", option });
  }
  return { role: "run", configPath, overrides };
}

function usageError(message: string): SupervisordInvocation {
  return { role: "usage-error", message };
}
