// Prometheus' text exposition format (version 0.0.4), written by hand: a
// family is a name, a help text, a type and its samples. prom-client does
// the same with a registry kept in memory and ~14 MiB more resident memory
// (docs/health.md); tend makes its few families at scrape time instead.

export type MetricType = "counter" | "gauge";

export interface Sample {
  /** Label pairs as written between the braces (`name="web",group="web"`): see labelPairs. */
  readonly labels?: string;
  readonly value: number;
}

export interface Family {
  /** Counters end in `_total`, as the format's conventions (and promtool) want. */
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly samples: readonly Sample[];
}

/** The content type of the format, as Prometheus asks for it. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * The families as one exposition, each with its HELP and TYPE lines. Built
 * by concatenation: a scrape of 500 programs is ~12,000 lines.
 */
export function encodeFamilies(families: readonly Family[]): string {
  let text = "";
  for (const family of families) {
    text += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
    for (const sample of family.samples) {
      const labels = sample.labels ? `{${sample.labels}}` : "";
      text += `${family.name}${labels} ${numberText(sample.value)}\n`;
    }
  }
  return text;
}

/** Labels as written between the braces, in the order given, values escaped. */
export function labelPairs(labels: Readonly<Record<string, string>>): string {
  let text = "";
  for (const name in labels) {
    if (text !== "") text += ",";
    text += `${name}="${escapeLabel(labels[name] as string)}"`;
  }
  return text;
}

/** A label value: backslash, double quote and line feed escaped. */
export function escapeLabel(value: string): string {
  if (!/[\\"\n]/.test(value)) return value;
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** A help text: backslash and line feed escaped. */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}

/** Go's float formatting as Prometheus reads it: integers plain, `+Inf`, `-Inf`, `NaN`. */
export function numberText(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}
