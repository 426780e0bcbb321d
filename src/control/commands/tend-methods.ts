// tend's own methods, which supervisord does not have: its version, the
// update that restarts only what changed, and waiting until processes are
// ready (answered when their state changes; a timeout of 0 answers at once).

import { RpcFault } from "../../protocol/faults.ts";
import type { XmlRpcValue } from "../../protocol/xmlrpc.ts";
import { oneShotsAmong, readinessOf } from "../readiness.ts";
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
    help: "Waits until the named processes (every autostart one when none are named) are ready or done, one of them cannot get ready (FATAL), or the timeout (seconds; 0 answers at once) passes: {ready, hopeless, waiting, reasons}.",
    run: ([names, timeout], context) =>
      rules.running(() =>
        waitReady(rules, Array.isArray(names) ? names.map(str) : [], timeout, context),
      ),
  });
}

/**
 * tend.wait: {ready, waiting: [namespec], reasons: [text]}. All autostart
 * processes when none are named; answered at once when one of them cannot
 * get ready by itself (FATAL), when all are ready, or at the timeout.
 */
async function waitReady(
  rules: Rules,
  names: readonly string[],
  timeout: XmlRpcValue | undefined,
  context: CallContext,
): Promise<XmlRpcValue> {
  const processes =
    names.length === 0
      ? rules.allProcesses().filter((process) => process.config.autostart)
      : names.flatMap((name) => rules.resolve(name));
  const late = () => {
    const oneShots = oneShotsAmong(rules.allProcesses());
    return processes
      .map((process) => ({ process, readiness: readinessOf(process, oneShots.get(process)) }))
      .filter(({ readiness }) => !readiness.ready);
  };
  const answer = () => {
    const waiting = late();
    return {
      ready: waiting.length === 0,
      hopeless: waiting.some(({ readiness }) => readiness.hopeless),
      waiting: waiting.map(({ process }) => process.namespec),
      reasons: waiting.map(({ readiness }) => readiness.reason),
    };
  };
  const seconds = typeof timeout === "number" && timeout > 0 ? timeout : 0;
  if (seconds > 0) {
    const settled = () => {
      const waiting = late();
      return waiting.length === 0 || waiting.some(({ readiness }) => readiness.hopeless)
        ? true
        : undefined;
    };
    await rules.until(settled, context, seconds * 1000);
  }
  return answer();
}
