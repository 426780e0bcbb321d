// Python's getopt, as supervisord and supervisorctl parse their command
// lines: options come first and end at the first other word (or `--`),
// short ones may be bundled (`-nc FILE`) with a value attached or in the
// next word, long ones take `--name=value` or `--name value` and may be cut
// to any unique prefix. Errors are getopt's words.

export interface OptionSpec {
  /** The letter, or undefined for a long option only. */
  readonly short: string | undefined;
  /** The long name, or "" for a letter only. */
  readonly long: string;
  readonly takesValue: boolean;
}

export interface Found<S extends OptionSpec> {
  readonly spec: S;
  /** As given: `-c` or `--configuration`. */
  readonly option: string;
  /** "" for an option without a value. */
  readonly value: string;
}

export type Parsed<S extends OptionSpec> =
  | { readonly found: Found<S>[]; readonly rest: readonly string[] }
  | { readonly error: string };

export function getopt<S extends OptionSpec>(
  args: readonly string[],
  specs: readonly S[],
): Parsed<S> {
  const found: Found<S>[] = [];
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
      const long = parseLong(arg.slice(2), specs, () => args[i++]);
      if ("error" in long) return long;
      found.push(long);
      continue;
    }
    for (let at = 1; at < arg.length; at++) {
      const letter = arg[at] as string;
      const spec = specs.find((candidate) => candidate.short === letter);
      if (!spec) return { error: `option -${letter} not recognized` };
      let value = "";
      if (spec.takesValue) {
        if (at + 1 < arg.length) value = arg.slice(at + 1);
        else if (i < args.length) value = args[i++] as string;
        else return { error: `option -${letter} requires argument` };
        at = arg.length;
      }
      found.push({ option: `-${letter}`, spec, value });
    }
  }
  return { found, rest: args.slice(i) };
}

/** `--name`, `--name=value` or `--name value`; a unique prefix of a name will do. */
function parseLong<S extends OptionSpec>(
  text: string,
  specs: readonly S[],
  nextArg: () => string | undefined,
): Found<S> | { error: string } {
  const equals = text.indexOf("=");
  const name = equals === -1 ? text : text.slice(0, equals);
  const candidates = specs.filter((spec) => spec.long !== "" && spec.long.startsWith(name));
  if (candidates.length === 0) return { error: `option --${name} not recognized` };
  const exact = candidates.find((spec) => spec.long === name);
  if (!exact && candidates.length > 1) return { error: `option --${name} not a unique prefix` };
  const spec = (exact ?? candidates[0]) as S;
  const option = `--${spec.long}`;
  if (!spec.takesValue) {
    if (equals !== -1) return { error: `option ${option} must not have an argument` };
    return { option, spec, value: "" };
  }
  if (equals !== -1) return { option, spec, value: text.slice(equals + 1) };
  const value = nextArg();
  if (value === undefined) return { error: `option ${option} requires argument` };
  return { option, spec, value };
}
