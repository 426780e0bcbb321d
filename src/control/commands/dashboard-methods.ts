// What the dashboard reads, as two methods of the command layer, so the page
// sees exactly what XML-RPC and /api clients see: the process table
// (tend.getDashboard) and one process's dependencies, checks, readiness
// history and effective settings (tend.getProcessDetails). Both answer during
// a shutdown too: that is when a person most wants to look.

import { resolveTarget } from "../../config/dependencies.ts";
import type { ProcessConfig } from "../../config/model.ts";
import { printProcessIni } from "../../config/print.ts";
import { judge, type TargetView, targetView, type Verdict } from "../../core/dependencies.ts";
import type { ExitStatus } from "../../core/exit-codes.ts";
import { signalName } from "../../core/signals.ts";
import type {
  CheckView,
  DashboardProcess,
  DependencyView,
  ProcessDetails,
} from "../../protocol/dashboard.ts";
import type { XmlRpcValue } from "../../protocol/xmlrpc.ts";
import { processInfo } from "../process-info.ts";
import { membersByGroup, type OneShot, oneShotsAmong, readinessOf } from "../readiness.ts";
import type { ControlledProcess } from "../supervisor.ts";
import type { MethodTable } from "./registry.ts";
import { type Rules, str } from "./rules.ts";

export function defineDashboardMethods(
  table: MethodTable,
  rules: Rules,
  tendVersion: string,
): void {
  table.define("tend.getDashboard", {
    signature: ["struct"],
    help: "The dashboard's process table: {now, tend: {identification, state, pid, version}, processes: [{namespec, statename, ready, readiness, lastExit, nextTry, ...}]}; times in ms since the epoch.",
    run: () => {
      const now = rules.now();
      const all = rules.allProcesses();
      const oneShots = oneShotsAmong(all);
      const supervisor = rules.supervisor;
      return asValue({
        now,
        tend: {
          identification: supervisor.identification,
          state: supervisor.state(),
          pid: supervisor.pid,
          version: tendVersion,
        },
        processes: all.map((process) => rowOf(process, oneShots.get(process), now)),
      });
    },
  });
  table.define("tend.getProcessDetails", {
    signature: ["struct", "string"],
    help: "One process as the dashboard details it: {namespec, config (INI), dependsOn, neededBy, checks, history, streams}.",
    run: ([name]) => asValue(detailsOf(rules.processNamed(str(name)), rules.allProcesses())),
  });
}

/** The dashboard's types are plain data: structs, arrays, strings, numbers, booleans. */
function asValue(value: object): XmlRpcValue {
  return value as XmlRpcValue;
}

/** One row of the process table. */
export function rowOf(
  process: ControlledProcess,
  oneShot: OneShot | undefined,
  now: number,
): DashboardProcess {
  const { status, config } = process;
  const readiness = readinessOf(process, oneShot);
  return {
    namespec: process.namespec,
    group: config.group,
    name: config.name,
    statename: status.state,
    pid: status.pid,
    start: status.laststart,
    stop: status.laststop,
    lastExit: lastExitText(process.lastExit, config.exitcodes),
    restarts: status.restarts,
    ready: readiness.ready,
    readiness: readiness.reason,
    description: String(processInfo(process, now).description),
    nextTry: status.state === "BACKOFF" ? status.delay : 0,
    readyCheck: config.ready_check?.text ?? "",
    autostart: config.autostart,
    critical: config.critical,
  };
}

/** `exit 0`, `exit 3 (unexpected)`, `killed by SIGKILL`; "" before any end. */
export function lastExitText(exit: ExitStatus | undefined, exitcodes: readonly number[]): string {
  if (exit === undefined) return "";
  if (exit.kind === "signaled") return `killed by ${signalName(exit.signal)}`;
  return exitcodes.includes(exit.code) ? `exit ${exit.code}` : `exit ${exit.code} (unexpected)`;
}

function detailsOf(process: ControlledProcess, all: readonly ControlledProcess[]): ProcessDetails {
  const { config } = process;
  const groups = membersByGroup(all);
  const checks: CheckView[] = [];
  if (config.ready_check)
    checks.push({ which: "ready", spec: config.ready_check.text, ...counts(process, "ready") });
  if (config.live_check)
    checks.push({ which: "live", spec: config.live_check.text, ...counts(process, "live") });
  return {
    namespec: process.namespec,
    config: printProcessIni(withoutSecrets(config), `program:${config.name}`),
    dependsOn: config.depends_on.map(({ target, condition }): DependencyView => {
      const found = resolveTarget(target, groups, (p) => p.config);
      return {
        target,
        condition,
        outcome: outcomeOf(found.map((p) => judge(viewOf(p), condition))),
      };
    }),
    neededBy: all.flatMap((other) =>
      other.config.depends_on
        .filter(({ target }) => resolveTarget(target, groups, (p) => p.config).includes(process))
        .map(({ condition }) => ({ namespec: other.namespec, condition })),
    ),
    checks,
    history: [...(process.readinessHistory ?? [])],
    streams: process.logs.stderr === undefined ? ["stdout"] : ["stdout", "stderr"],
  };
}

/**
 * The settings with the environment's values hidden: they are where
 * passwords and tokens go, and no other method shows them (getAllConfigInfo
 * leaves the environment out), so a dashboard, even read-only, must not.
 */
function withoutSecrets(config: ProcessConfig): ProcessConfig {
  const hidden = Object.fromEntries(Object.keys(config.environment).map((key) => [key, HIDDEN]));
  return { ...config, environment: hidden };
}

/** What the details show in place of an environment variable's value. */
export const HIDDEN = "(hidden)";

function counts(process: ControlledProcess, which: "ready" | "live") {
  const results = process.checkResults?.[which];
  return {
    successes: results?.success ?? 0,
    failures: results?.failure ?? 0,
    recent: [...(process.recentChecks?.[which] ?? [])],
  };
}

/** Failed when one failed, met when all are (a name that stands for nothing yet is awaited). */
function outcomeOf(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes("failed")) return "failed";
  return verdicts.length > 0 && verdicts.every((v) => v === "met") ? "met" : "waiting";
}

function viewOf(process: ControlledProcess): TargetView {
  return targetView(process.status, process.config.exitcodes);
}
