// A check is a named async function that throws to fail. They run one after
// another; each failure is reported with its message and the run goes on.

export interface Check {
  readonly name: string;
  readonly run: () => Promise<void>;
}

export class CheckFailed extends Error {}

export function fail(message: string, context?: string): never {
  throw new CheckFailed(context === undefined ? message : `${message}\n${excerpt(context)}`);
}

/** `context` (logs, output) is shown under the message, cut to its end. */
export function expect(condition: unknown, message: string, context?: string): asserts condition {
  if (!condition) fail(message, context);
}

export function expectEqual<T>(actual: T, expected: T, what: string, context?: string): void {
  const message = `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  if (actual !== expected) fail(message, context);
}

/** When tend logged `event` (its first line containing it), in ms since the epoch. */
export function loggedAt(logs: string, event: string): number {
  const line = logs.split("\n").find((line) => line.includes(event));
  const stamp = line?.match(/^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3}) /);
  if (!stamp) fail(`tend never logged "${event}"`, logs);
  return Date.parse(`${stamp[1]}T${stamp[2]}.${stamp[3]}Z`);
}

/** A long text (logs, output) for a failure message, indented and cut. */
function excerpt(text: string, lines = 40): string {
  const all = text.trimEnd().split("\n");
  const shown = all.length > lines ? ["...", ...all.slice(-lines)] : all;
  return shown
    .map((line) => `      ${line.length > 300 ? `${line.slice(0, 300)}...` : line}`)
    .join("\n");
}

/** Polls `probe` until it returns something other than undefined/false, or fails. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  ms: number,
  pollMs = 200,
): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) fail(`timed out after ${ms / 1000} s waiting for ${what}`);
    await Bun.sleep(pollMs);
  }
}

/** `make` run once, however many callers wait for it; a failure is every caller's. */
export function once(make: () => Promise<void>): () => Promise<void> {
  let made: Promise<void> | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

/** `checks` that first need `image` built: a failed build fails each of them. */
export function needing(image: () => Promise<void>, checks: readonly Check[]): Check[] {
  return checks.map((check) => ({
    name: check.name,
    async run() {
      await image().catch((error: Error) => fail(`its image could not be built: ${error.message}`));
      await check.run();
    },
  }));
}

export interface Outcome {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
}

export async function runChecks(checks: readonly Check[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const check of checks) {
    const started = performance.now();
    let ok = true;
    try {
      await check.run();
    } catch (error) {
      ok = false;
      const message = error instanceof Error ? error.message : String(error);
      const stack =
        error instanceof CheckFailed || !(error instanceof Error) ? "" : `\n${error.stack}`;
      console.log(`FAIL ${check.name}\n     ${message}${stack}`);
    }
    const ms = performance.now() - started;
    if (ok) console.log(`ok   ${check.name} (${(ms / 1000).toFixed(1)} s)`);
    outcomes.push({ name: check.name, ok, ms });
  }
  return outcomes;
}
