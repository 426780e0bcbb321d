// A process's settings as the reducer needs them: supervisord's keys as they
// are, tend's checks and restart policy turned into the reducer's terms.

import { POLLED_KINDS } from "../config/check-spec.ts";
import type { ProcessConfig } from "../config/model.ts";
import type { BackoffPolicy } from "../core/backoff.ts";
import type { ProgramRules } from "../core/program.ts";

export function rulesOf(process: ProcessConfig): ProgramRules {
  return {
    name: process.name,
    startsecs: process.startsecs,
    startretries: process.startretries,
    autorestart: process.autorestart,
    exitcodes: process.exitcodes,
    stopsignal: process.stopsignal,
    stopwaitsecs: process.stopwaitsecs,
    stopasgroup: process.stopasgroup,
    killasgroup: process.killasgroup,
    readiness: process.ready_check && {
      description: process.ready_check.text,
      // A notice or a line is one event, not a poll to repeat: the first makes it ready.
      successThreshold: POLLED_KINDS.includes(process.ready_check.kind)
        ? process.ready_success_threshold
        : 1,
      failureThreshold: process.ready_failure_threshold,
    },
    liveness: process.live_check && {
      description: process.live_check.text,
      successThreshold: 1,
      failureThreshold: process.live_failure_threshold,
    },
    backoff: backoffOf(process),
    dependencies: process.depends_on.length > 0,
    dependsTimeout: process.depends_timeout,
  };
}

function backoffOf(process: ProcessConfig): BackoffPolicy {
  if (process.backoff !== "exponential") return { kind: "supervisord" };
  return {
    kind: "exponential",
    initial: process.backoff_initial,
    multiplier: process.backoff_multiplier,
    max: process.backoff_max,
    jitter: process.backoff_jitter,
    reset: process.backoff_reset,
  };
}
