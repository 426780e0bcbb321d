// A problem found in a config: where it is (file, line, section, key) and
// what is wrong. Loaders and converters collect them instead of throwing, so
// that `tend check` can report every problem at once.

export type Severity = "error" | "warning";

export interface Where {
  readonly file: string;
  /** 1-based; absent where the syntax cannot give one. */
  readonly line?: number | undefined;
  /** `program:web`, `supervisord`, ... as written in INI. */
  readonly section?: string | undefined;
  readonly key?: string | undefined;
}

export interface Problem extends Where {
  readonly severity: Severity;
  readonly message: string;
  /** Set on the problem that stands for this many more, not listed (MAX_PROBLEMS_KEPT). */
  readonly more?: number;
}

/** `error: /etc/tend.ini:12: [program:web] startsecs: got "-1"; expected ...` */
export function formatProblem(problem: Problem): string {
  const place = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  const section = problem.section === undefined ? "" : ` [${problem.section}]`;
  const key = problem.key === undefined ? "" : ` ${problem.key}:`;
  return `${problem.severity}: ${place}:${section}${key} ${problem.message}`;
}

/**
 * How many problems of each severity are kept: a config that produces more
 * (a million bad lines) gets the first ones and a count of the rest, not a
 * million messages.
 */
export const MAX_PROBLEMS_KEPT = 1000;

/** A message, or how to make it: not made for a problem past the limit. */
export type Message = string | (() => string);

/** Collects problems; errors make a config unusable, warnings do not. */
export class Problems {
  /** The problems kept, in the order found. */
  readonly list: Problem[] = [];
  private readonly counts = { error: 0, warning: 0 };
  /** Where the first problem past the limit was, by severity. */
  private readonly firstOmitted: { error?: Where; warning?: Where } = {};

  error(where: Where, message: Message): void {
    this.add("error", where, message);
  }

  warn(where: Where, message: Message): void {
    this.add("warning", where, message);
  }

  private add(severity: Severity, where: Where, message: Message): void {
    const count = ++this.counts[severity];
    if (count > MAX_PROBLEMS_KEPT) {
      this.firstOmitted[severity] ??= where;
      return;
    }
    const text = typeof message === "string" ? message : message();
    this.list.push({ ...where, severity, message: text });
  }

  get hasErrors(): boolean {
    return this.counts.error > 0;
  }

  /** Every error found, kept or not. */
  get errorCount(): number {
    return this.counts.error;
  }

  /** The errors kept, then one saying how many more there were. */
  get errors(): Problem[] {
    return this.withCount("error");
  }

  get warnings(): Problem[] {
    return this.withCount("warning");
  }

  private withCount(severity: Severity): Problem[] {
    const kept = this.list.filter((problem) => problem.severity === severity);
    const omitted = this.counts[severity] - kept.length;
    const first = this.firstOmitted[severity];
    if (omitted === 0 || first === undefined) return kept;
    const plural = severity === "error" ? "errors" : "warnings";
    kept.push({
      file: first.file,
      severity,
      more: omitted,
      message: `and ${thousands(omitted)} more ${plural} (only the first ${thousands(MAX_PROBLEMS_KEPT)} are listed)`,
    });
    return kept;
  }
}

/** 999000 as 999,000. */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ",");
}

/** Quotes a received value for a message, with its type when not a string. */
export function quote(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `a list ${JSON.stringify(value)}`;
  if (value !== null && typeof value === "object") return `a mapping ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}
