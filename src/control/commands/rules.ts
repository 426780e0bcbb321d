// The rules every area of the command layer shares, from supervisord's
// rpcinterface.py: refusing while tend restarts or shuts down (_update),
// finding a process or group by namespec (_getGroupAndProcess), the status
// structs of a group or all (make_allfunc, in supervisord's order), waiting
// for a state, and reading parameters as Python would.

import { SupervisorState } from "../../core/states.ts";
import { Faults, faultFrom, RpcFault } from "../../protocol/faults.ts";
import { splitNamespec } from "../../protocol/namespec.ts";
import type { XmlRpcValue } from "../../protocol/xmlrpc.ts";
import { processInfo } from "../process-info.ts";
import type { ControlledGroup, ControlledProcess, Supervisor } from "../supervisor.ts";
import type { CallContext, Result } from "./registry.ts";
import { until } from "./waiting.ts";

export interface StatusStruct {
  readonly [key: string]: XmlRpcValue;
  readonly name: string;
  readonly group: string;
  readonly status: number;
  readonly description: string;
}

export class Rules {
  constructor(
    readonly supervisor: Supervisor,
    readonly now: () => number,
  ) {}

  /** supervisord's _update(): its methods refuse while tend restarts or shuts down. */
  running<T>(run: () => T): T {
    if (SupervisorState[this.supervisor.state()] < SupervisorState.RUNNING)
      throw new RpcFault("SHUTDOWN_STATE");
    return run();
  }

  groupNamed(name: string): ControlledGroup {
    const group = this.supervisor.group(name);
    if (!group) throw new RpcFault("BAD_NAME", name);
    return group;
  }

  /** A namespec (`name`, `group:name`): its process; `group:*` is a BAD_NAME here. */
  processNamed(name: string): ControlledProcess {
    const { process } = this.lookup(name);
    if (!process) throw new RpcFault("BAD_NAME", name);
    return process;
  }

  /** supervisord's _getGroupAndProcess. */
  lookup(name: string): { group: ControlledGroup; process: ControlledProcess | undefined } {
    const { groupName, processName } = splitNamespec(name);
    const group = this.supervisor.group(groupName);
    if (!group) throw new RpcFault("BAD_NAME", name);
    if (processName === undefined) return { group, process: undefined };
    const process = group.slots.find((slot) => slot.config.name === processName);
    if (!process) throw new RpcFault("BAD_NAME", name);
    return { group, process };
  }

  /** A name of a process, or every process of `group:*`. */
  resolve(name: string): ControlledProcess[] {
    const { group, process } = this.lookup(name);
    return process ? [process] : [...group.slots];
  }

  allProcesses(): ControlledProcess[] {
    return this.supervisor.groups().flatMap((group) => group.slots);
  }

  /** getAllProcessInfo's order: groups by name, then processes by name. */
  lexicalProcesses(): ControlledProcess[] {
    return [...this.supervisor.groups()]
      .sort((a, b) => compare(a.config.name, b.config.name))
      .flatMap((group) => [...group.slots].sort((a, b) => compare(a.config.name, b.config.name)));
  }

  info(process: ControlledProcess): { [key: string]: XmlRpcValue } {
    return processInfo(process, this.now());
  }

  /** Resolves when `check` holds (checked now and on every change), rejects when it throws. */
  until<T = true | undefined>(
    check: () => true | undefined,
    context: CallContext,
    ms?: number,
  ): Promise<T> {
    return until<T>(check, {
      onChange: (listener) => this.supervisor.onChange(listener),
      ms,
      context,
    });
  }

  /**
   * make_allfunc: runs `action` on each process now; immediate outcomes come
   * first, in order, then the awaited ones as they finish (supervisord's order).
   */
  async forEach(
    processes: readonly ControlledProcess[],
    action: (process: ControlledProcess) => Result,
  ): Promise<StatusStruct[]> {
    const results: StatusStruct[] = [];
    const pending: Promise<void>[] = [];
    for (const process of processes) {
      let outcome: Result;
      try {
        outcome = action(process);
      } catch (error) {
        results.push(statusOf(process, faultFrom(error)));
        continue;
      }
      if (outcome instanceof Promise) {
        pending.push(
          outcome.then(
            () => void results.push(statusOf(process)),
            (error: unknown) => void results.push(statusOf(process, faultFrom(error))),
          ),
        );
      } else results.push(statusOf(process));
    }
    await Promise.all(pending);
    return results;
  }

  /** One process's status struct for an action done at once. */
  outcome(process: ControlledProcess, action: () => unknown): StatusStruct {
    try {
      action();
      return statusOf(process);
    } catch (error) {
      return statusOf(process, faultFrom(error));
    }
  }
}

export function statusOf(process: ControlledProcess, fault?: RpcFault): StatusStruct {
  return {
    name: process.config.name,
    group: process.config.group,
    status: fault ? fault.code : Faults.SUCCESS,
    description: fault ? fault.message : "OK",
  };
}

export function str(value: XmlRpcValue | undefined): string {
  return typeof value === "string" ? value : String(value ?? "");
}

/** Python's int(): XML-RPC clients send numbers, sometimes as strings. */
export function int(value: XmlRpcValue | undefined): number {
  const number = typeof value === "string" ? Number(value.trim()) : value;
  if (typeof number !== "number" || !Number.isFinite(number))
    throw new RpcFault("INCORRECT_PARAMETERS");
  return Math.trunc(number);
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
