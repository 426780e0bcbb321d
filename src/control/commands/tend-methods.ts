// tend's own methods, which supervisord does not have: its version, the
// update that restarts only what changed, and waiting until processes are
// ready (answered when their state changes; a timeout of 0 answers at once).

import { RpcFault } from "../../protocol/faults.ts";
import type { XmlRpcValue } from "../../protocol/xmlrpc.ts";
import type { CallContext, MethodTable } from "./registry.ts";
import { type Rules, str } from "./rules.ts";

export function defineTendMethods(table: MethodTable, rules: Rules, tendVersion: string): void {
  table.define("tend.getVersion", {
    signature: ["string"],
    help: "tend's own version.",
    run: () => tendVersion,
  });
  table.define("tend.update", {
    signature: ["array", "array"],
    help: "Reads the config again and applies it, restarting only processes whose settings changed; [{name, message, error}] lines.",
    run: ([names]) =>
      rules.running(async () => {
        const wanted = Array.isArray(names) ? names.map(str) : [];
        // supervisorctl's `update all` means every group.
        const outcome = await rules.supervisor.update(wanted.includes("all") ? [] : wanted);
        if (!outcome.ok) throw new RpcFault("CANT_REREAD", outcome.message);
        return outcome.value.map((line) => ({ ...line }));
      }),
  });
  table.define("tend.wait", {
    signature: ["struct", "array", "double"],
    help: "Waits until the named processes (all when none are named) are ready, or the timeout (seconds; 0 answers at once) passes: {ready, waiting}.",
    run: ([names, timeout], context) =>
      rules.running(() =>
        waitReady(rules, Array.isArray(names) ? names.map(str) : [], timeout, context),
      ),
  });
}

async function waitReady(
  rules: Rules,
  names: readonly string[],
  timeout: XmlRpcValue | undefined,
  context: CallContext,
): Promise<XmlRpcValue> {
  const processes =
    names.length === 0 ? rules.allProcesses() : names.flatMap((name) => rules.resolve(name));
  const waiting = () =>
    processes.filter((process) => process.status.state !== "RUNNING").map((p) => p.namespec);
  const seconds = typeof timeout === "number" && timeout > 0 ? timeout : 0;
  if (seconds === 0) return { ready: waiting().length === 0, waiting: waiting() };
  const ready = await rules.until(
    () => (waiting().length === 0 ? true : undefined),
    context,
    seconds * 1000,
  );
  return { ready: ready === true, waiting: waiting() };
}
