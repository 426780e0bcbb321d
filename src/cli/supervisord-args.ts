// tend's command line when it is run as `supervisord` (through a link of
// that name): every option supervisord 4.2.5 takes, parsed as Python's getopt
// parses them (short options bundled, values attached or separate, long
// options by unique prefix), each mapped to the [supervisord] key it sets.
// A value given here wins over the config file's, as in supervisord.

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

interface Option {
  readonly short: string | undefined;
  readonly long: string;
  /** The [supervisord] key it sets; undefined for -c, -h, -v, --profile_options. */
  readonly key: string | undefined;
  readonly takesValue: boolean;
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
  const found: { option: Option; name: string; value: string }[] = [];
  let i = 0;
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
      continue;
    }
    for (let at = 1; at < arg.length; at++) {
      const letter = arg[at] as string;
      const option = OPTIONS.find((candidate) => candidate.short === letter);
      if (!option) return usageError(`option -${letter} not recognized`);
      let value = "";
      if (option.takesValue) {
        if (at + 1 < arg.length) value = arg.slice(at + 1);
        else if (i < args.length) value = args[i++] as string;
        else return usageError(`option -${letter} requires argument`);
        at = arg.length;
      }
      found.push({ option, name: `-${letter}`, value });
    }
  }
  const rest = args.slice(i);
  if (rest.length > 0)
    return usageError(`positional arguments are not supported: ${JSON.stringify(rest)}`);
  for (const { option, name, value } of found) {
    if (option.long === "help" || option.short === "?")
      return { role: "help", usage: "supervisord" };
    if (option.long === "version") return { role: "supervisord-version" };
    if (option.long === "configuration") configPath = value;
    else if (option.key !== undefined)
      overrides.push({ key: option.key, value: option.takesValue ? value : "true", option: name });
  }
  return { role: "run", configPath, overrides };
}

function parseLong(
  text: string,
  nextArg: () => string | undefined,
): { option: Option; name: string; value: string } | { error: string } {
  const equals = text.indexOf("=");
  const name = equals === -1 ? text : text.slice(0, equals);
  const candidates = OPTIONS.filter((option) => option.long !== "" && option.long.startsWith(name));
  const exact = candidates.find((option) => option.long === name);
  if (candidates.length === 0) return { error: `option --${name} not recognized` };
  if (!exact && candidates.length > 1) return { error: `option --${name} not a unique prefix` };
  const option = (exact ?? candidates[0]) as Option;
  const full = `--${option.long}`;
  if (!option.takesValue) {
    if (equals !== -1) return { error: `option ${full} must not have an argument` };
    return { option, name: full, value: "" };
  }
  if (equals !== -1) return { option, name: full, value: text.slice(equals + 1) };
  const value = nextArg();
  if (value === undefined) return { error: `option ${full} requires argument` };
  return { option, name: full, value };
}

function usageError(message: string): SupervisordInvocation {
  return { role: "usage-error", message };
}
