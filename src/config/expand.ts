// supervisord's expansions: every value is a Python %-format string applied
// to a mapping (`%(program_name)s`, `%(process_num)02d`, `%(ENV_HOME)s`), so
// a literal percent is written `%%`. Pure: the mapping is an argument.

export type Expansions = Readonly<Record<string, string | number>>;

export type Expanded = { ok: true; value: string } | { ok: false; message: string };

/**
 * The longest value an expansion may produce (and the widest field), far
 * beyond any real command, path or environment: `%(program_name)1000000000s`
 * or a value of many `%(here)s` is a config error, not gigabytes of spaces.
 */
export const MAX_EXPANDED_LENGTH = 1 << 20;

/** A value in a message: quoted, and cut short when it is long. */
function shown(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}...` : text);
}

// %(name)[flags][width][.precision]type
const SPEC = /%\(([^)]*)\)([-+ #0]*)(\d*)(?:\.(\d+))?([sdirxXoc])/y;

export function expand(text: string, expansions: Expansions): Expanded {
  if (!text.includes("%")) return { ok: true, value: text };
  let out = "";
  let at = 0;
  while (at < text.length) {
    const percent = text.indexOf("%", at);
    if (percent === -1) {
      out += text.slice(at);
      break;
    }
    out += text.slice(at, percent);
    if (text[percent + 1] === "%") {
      out += "%";
      at = percent + 2;
      continue;
    }
    SPEC.lastIndex = percent;
    const match = SPEC.exec(text);
    if (!match) {
      return {
        ok: false,
        message: `${shown(text)} is badly formatted at "${text.slice(percent, percent + 12)}": write %% for a literal percent sign, or %(name)s for an expansion`,
      };
    }
    const [whole, name = "", flags = "", width = "", precision, type = "s"] = match;
    if (Number(width) > MAX_EXPANDED_LENGTH) {
      return {
        ok: false,
        message: `${shown(text)}: the width ${width} in ${shown(whole)} is too large (at most ${MAX_EXPANDED_LENGTH})`,
      };
    }
    const value = expansions[name];
    if (value === undefined) {
      return {
        ok: false,
        message: `${shown(text)} names %(${name}) which cannot be expanded; available: ${Object.keys(expansions).sort().join(", ")}`,
      };
    }
    const formatted = formatOne(value, flags, width, precision, type);
    if (formatted === undefined) {
      const needs = typeof value === "number" ? "a character code up to 1114111" : "a number";
      return {
        ok: false,
        message: `${shown(text)} is badly formatted: %(${name})${type} needs ${needs}, but ${name} is ${JSON.stringify(String(value))}`,
      };
    }
    out += formatted;
    at = percent + whole.length;
    if (out.length > MAX_EXPANDED_LENGTH && out.length > text.length) {
      return {
        ok: false,
        message: `${shown(text)} expands to more than ${MAX_EXPANDED_LENGTH} characters`,
      };
    }
  }
  return { ok: true, value: out };
}

function formatOne(
  value: string | number,
  flags: string,
  width: string,
  precision: string | undefined,
  type: string,
): string | undefined {
  let body: string;
  let sign = "";
  if (type === "s" || type === "r") {
    body = String(value);
    if (precision !== undefined) body = body.slice(0, Number(precision));
  } else {
    if (typeof value !== "number") return undefined;
    const n = Math.trunc(value);
    if (n < 0) sign = "-";
    else if (flags.includes("+")) sign = "+";
    else if (flags.includes(" ")) sign = " ";
    const magnitude = Math.abs(n);
    if (type === "x") body = magnitude.toString(16);
    else if (type === "X") body = magnitude.toString(16).toUpperCase();
    else if (type === "o") body = magnitude.toString(8);
    else if (type === "c") {
      if (magnitude > 0x10ffff) return undefined; // no such character (Python: OverflowError)
      body = String.fromCodePoint(magnitude);
    } else body = String(magnitude);
  }
  const size = Number(width || 0);
  const length = sign.length + body.length;
  if (length >= size) return sign + body;
  if (flags.includes("-")) return sign + body + " ".repeat(size - length);
  if (flags.includes("0") && type !== "s" && type !== "r") {
    return sign + "0".repeat(size - length) + body;
  }
  return " ".repeat(size - length) + sign + body;
}

/** `%(ENV_X)s` expansions for the variables of an environment (unset ones left out). */
export function envExpansions(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const expansions: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined) expansions[`ENV_${name}`] = value;
  return expansions;
}
