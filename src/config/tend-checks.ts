// Checks across tend's own program keys, made where the program's keys are
// read: `startretries=unlimited` needs the exponential backoff (supervisord's
// linear one would retry forever in a tight loop).

import type { Problems, Where } from "./problems.ts";

export function checkRestartPolicy(
  program: Readonly<Record<string, unknown>>,
  at: (key?: string) => Where,
  problems: Problems,
): void {
  if (program.startretries === Number.POSITIVE_INFINITY && program.backoff !== "exponential")
    problems.error(
      at("startretries"),
      "is unlimited, which needs backoff=exponential (supervisord's backoff would retry without end at 1 s, 2 s, 3 s ...)",
    );
}
