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
}

/** `error: /etc/tend.ini:12: [program:web] startsecs: got "-1"; expected ...` */
export function formatProblem(problem: Problem): string {
  const place = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  const section = problem.section === undefined ? "" : ` [${problem.section}]`;
  const key = problem.key === undefined ? "" : ` ${problem.key}:`;
  return `${problem.severity}: ${place}:${section}${key} ${problem.message}`;
}

/** Collects problems; errors make a config unusable, warnings do not. */
export class Problems {
  readonly list: Problem[] = [];

  error(where: Where, message: string): void {
    this.list.push({ ...where, severity: "error", message });
  }

  warn(where: Where, message: string): void {
    this.list.push({ ...where, severity: "warning", message });
  }

  get hasErrors(): boolean {
    return this.list.some((problem) => problem.severity === "error");
  }

  get errors(): Problem[] {
    return this.list.filter((problem) => problem.severity === "error");
  }

  get warnings(): Problem[] {
    return this.list.filter((problem) => problem.severity === "warning");
  }
}

/** Quotes a received value for a message, with its type when not a string. */
export function quote(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `a list ${JSON.stringify(value)}`;
  if (value !== null && typeof value === "object") return `a mapping ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}
