// The command layer: supervisord's RPC interface (API 3.0, rpcinterface.py
// and the system namespace of xmlrpc.py) over a Supervisor, with its fault
// rules, plus tend's own `tend.*` methods. Every transport (XML-RPC, the
// JSON endpoint) goes through `call`; the methods live in one file per area.

import type { XmlRpcValue } from "../../protocol/xmlrpc.ts";
import type { Supervisor } from "../supervisor.ts";
import { defineConfigMethods } from "./config-methods.ts";
import { defineDashboardMethods } from "./dashboard-methods.ts";
import { defineLogMethods, MAX_LOG_REPLY_BYTES } from "./log-methods.ts";
import { defineProcessMethods } from "./process-methods.ts";
import { type CallContext, MethodTable } from "./registry.ts";
import { Rules } from "./rules.ts";
import { defineSupervisorMethods } from "./supervisor-methods.ts";
import { defineTendMethods } from "./tend-methods.ts";

export type { CallContext } from "./registry.ts";

export interface CommandOptions {
  /** tend's own version (tend.getVersion). */
  readonly tendVersion: string;
  readonly now?: () => number;
}

export class CommandLayer {
  private readonly table = new MethodTable();

  constructor(supervisor: Supervisor, options: CommandOptions) {
    const rules = new Rules(supervisor, options.now ?? Date.now);
    defineSupervisorMethods(this.table, rules);
    defineProcessMethods(this.table, rules);
    defineLogMethods(this.table, rules);
    defineConfigMethods(this.table, rules);
    defineTendMethods(this.table, rules, options.tendVersion);
    defineDashboardMethods(this.table, rules, options.tendVersion);
  }

  /** Runs a method; a fault is thrown as RpcFault. */
  async call(
    method: string,
    params: readonly XmlRpcValue[],
    context: CallContext = {},
  ): Promise<XmlRpcValue> {
    // One budget of log bytes per request, whatever it calls (multicall).
    const logBudget = context.logBudget ?? { remaining: MAX_LOG_REPLY_BYTES };
    return this.table.invoke(method, params, { ...context, logBudget });
  }
}
