// What `tend check` says about a config beyond its values, pure: what each
// program waits for and how it is checked; the order of a shutdown and its
// worst case (core/shutdown-plan.ts), against the grace period docker stop
// (10 s) or Kubernetes ($TEND_GRACE_PERIOD) gives before SIGKILL; which
// values came from outside the files. Printed as comments by print.ts.

import { type ShutdownPlan, worstCaseShutdown } from "../core/shutdown-plan.ts";
import type { CheckSpec } from "./check-spec.ts";
import { processesNamed } from "./dependencies.ts";
import type { Config, ProcessConfig } from "./model.ts";
import type { Override } from "./overrides.ts";
import { type Notes, printedDependencies } from "./print.ts";
import { type Problem, quote } from "./problems.ts";
import { seconds } from "./tend-converters.ts";

/** `web`, or `group:web` inside a group of another name, as `tend ctl status` names it. */
function namespec(process: ProcessConfig): string {
  return process.group === process.name ? process.name : `${process.group}:${process.name}`;
}

/** `10 s`, `0.5 s`. */
const secs = (value: number) => `${value} s`;

/** At most `max` names, then how many more. */
function list(names: readonly string[], max = 8): string {
  if (names.length <= max) return names.join(", ");
  return `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}

// ---------------------------------------------------------------- shutdown

/** The order tend stops the config's processes in, with the worst case of each step. */
export function shutdownPlan(config: Config): ShutdownPlan<ProcessConfig> {
  const processes = config.groups.flatMap((group) => group.processes);
  const dependents = new Map<ProcessConfig, ProcessConfig[]>(processes.map((p) => [p, []]));
  for (const process of processes)
    for (const dependency of process.depends_on)
      for (const target of processesNamed(dependency.target, config.groups))
        if (target !== process) dependents.get(target)?.push(process);
  const priority = new Map(config.groups.map((group) => [group.name, group.priority]));
  return worstCaseShutdown(
    processes.map((process) => ({
      item: process,
      // Groups stop by the group's priority, as they start.
      priority: priority.get(process.group) ?? process.priority,
      stopwaitsecs: process.stopwaitsecs,
      dependents: dependents.get(process) ?? [],
    })),
    config.supervisord.shutdown_delay,
  );
}

/** How long the container's runtime waits after SIGTERM before it kills everything. */
export interface GracePeriod {
  readonly seconds: number;
  /** `docker stop's default of 10 s`, `the 30 s of $TEND_GRACE_PERIOD` */
  readonly name: string;
}

export const DOCKER_STOP_SECONDS = 10;

/** $TEND_GRACE_PERIOD when set (Kubernetes' terminationGracePeriodSeconds), else docker stop's 10 s. */
export function gracePeriod(env: Readonly<Record<string, string | undefined>>): {
  readonly grace: GracePeriod;
  readonly problem?: Problem;
} {
  const docker = {
    seconds: DOCKER_STOP_SECONDS,
    name: `docker stop's default of ${secs(DOCKER_STOP_SECONDS)}`,
  };
  const raw = env.TEND_GRACE_PERIOD;
  if (raw === undefined || raw === "") return { grace: docker };
  const parsed = seconds()(raw);
  if (parsed.ok)
    return {
      grace: { seconds: parsed.value, name: `the ${secs(parsed.value)} of $TEND_GRACE_PERIOD` },
    };
  return {
    grace: docker,
    problem: {
      severity: "warning",
      file: "environment TEND_GRACE_PERIOD",
      message: `got ${quote(raw)}; expected ${parsed.expected}; ${docker.name} is assumed`,
    },
  };
}

/** The comment lines that describe a shutdown, step by step. */
export function shutdownNotes(plan: ShutdownPlan<ProcessConfig>, grace: GracePeriod): string[] {
  if (plan.steps.length === 0 && plan.delay === 0) return ["Shutdown: nothing to stop."];
  const verdict = plan.seconds > grace.seconds ? "more than" : "within";
  const delay = plan.delay > 0 ? `${secs(plan.delay)} of shutdown_delay, then ` : "";
  const lines = [
    `Shutdown: at worst ${secs(plan.seconds)} (${verdict} ${grace.name}), ${delay}in ${plan.steps.length} step(s).`,
    "Each step begins once the one before is down, and lasts at most its longest stopwaitsecs (then SIGKILL).",
  ];
  plan.steps.forEach((step, index) => {
    const after =
      step.after.length > 0 ? `; after its dependents ${list(step.after.map(namespec))}` : "";
    lines.push(
      `  ${index + 1}. up to ${secs(step.seconds)}: ${list(step.items.map(namespec))} (priority ${step.priority}${after})`,
    );
  });
  return lines;
}

/** The warning of a shutdown that may outlast the grace period, or undefined. */
export function shutdownWarning(
  plan: ShutdownPlan<ProcessConfig>,
  grace: GracePeriod,
  file: string,
): Problem | undefined {
  if (plan.seconds <= grace.seconds) return undefined;
  const steps = [
    ...(plan.delay > 0 ? [`${secs(plan.delay)} shutdown_delay`] : []),
    ...plan.steps.map((step) => secs(step.seconds)),
  ].join(" + ");
  return {
    severity: "warning",
    file,
    message: `a shutdown may take ${secs(plan.seconds)} (${steps}), more than ${grace.name}, after which the container is killed with whatever still runs; lower ${plan.delay > 0 ? "stopwaitsecs or shutdown_delay" : "stopwaitsecs"}, or give more time (docker stop -t, Kubernetes' terminationGracePeriodSeconds) and set TEND_GRACE_PERIOD to it`,
  };
}

// ---------------------------------------------------------------- programs

/** A check in words: what is checked and how often. */
function checkText(check: CheckSpec, period: number, timeout: number, delay: number): string {
  switch (check.kind) {
    case "log":
      return `${check.text} (a line of its output that matches)`;
    case "fd":
      return `${check.text} (a line it writes on its descriptor ${check.fd})`;
    case "notify":
      return `${check.text} (READY=1 on $NOTIFY_SOCKET)`;
    default: {
      const first = delay > 0 ? ` (first after ${secs(delay)})` : "";
      return `${check.text} every ${secs(period)}${first}, timeout ${secs(timeout)}`;
    }
  }
}

/** `1 pass`, `2 passes`, `3 failures`. */
const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What a process waits for before it starts, and how it is checked; nothing when it has none of it. */
export function programNotes(process: ProcessConfig, config: Config): string[] {
  const name = process.name;
  const lines: string[] = [];
  if (process.depends_on.length > 0) {
    // Named as the printed depends_on names them.
    const what = printedDependencies(process.depends_on, config)
      .map((d) => `${d.target} (${d.condition})`)
      .join(", ");
    const limit =
      process.depends_timeout > 0
        ? `; FATAL if still waiting after ${secs(process.depends_timeout)}`
        : "; no time limit";
    lines.push(`${name} waits for ${what}${limit}`);
  }
  const ready = process.ready_check;
  if (ready) {
    const how = checkText(
      ready,
      process.ready_period,
      process.ready_timeout,
      process.ready_initial_delay,
    );
    const thresholds =
      ready.kind === "log" || ready.kind === "fd" || ready.kind === "notify"
        ? ""
        : `; ready after ${count(process.ready_success_threshold, "pass", "passes")}, not ready after ${count(process.ready_failure_threshold, "failure", "failures")}`;
    lines.push(`${name} ready check: ${how}${thresholds}`);
  }
  const live = process.live_check;
  if (live) {
    const how = checkText(
      live,
      process.live_period,
      process.live_timeout,
      process.live_initial_delay,
    );
    lines.push(
      `${name} live check: ${how}; restarted after ${count(process.live_failure_threshold, "failure", "failures")} in a row`,
    );
  }
  return lines;
}

/** Every section's notes, by the section's INI name as print.ts names it. */
function sectionNotes(config: Config): Record<string, string[]> {
  const notes: Record<string, string[]> = {};
  for (const group of config.groups) {
    // A listener pool is printed as one section, from its first process.
    const processes = group.listener ? group.processes.slice(0, 1) : group.processes;
    for (const process of processes) {
      const lines = programNotes(process, config);
      const section = group.listener ? `eventlistener:${group.name}` : `program:${process.name}`;
      if (lines.length > 0) notes[section] = lines;
    }
  }
  return notes;
}

/** `from environment TEND_LOGLEVEL` after each value given outside the files. */
function overrideNotes(overridden: readonly Override[]): Record<string, string> {
  return Object.fromEntries(
    overridden.map((o) => [`${o.section ?? "supervisord"} ${o.key}`, `from ${o.origin}`]),
  );
}

/** Everything `tend check` prints as comments with the config. */
export function checkNotes(
  config: Config,
  overridden: readonly Override[],
  plan: ShutdownPlan<ProcessConfig>,
  grace: GracePeriod,
): Notes {
  return {
    header: shutdownNotes(plan, grace),
    sections: sectionNotes(config),
    keys: overrideNotes(overridden),
  };
}
