// The methods on logs, as rpcinterface.py has them: tend's own log
// (readLog, clearLog) and each process's stdout and stderr (read, tail,
// clear), over the log readers with supervisord's offset rules. Unlike
// supervisord, a reply carries at most MAX_LOG_REPLY_BYTES of log, however
// much is asked for, so that no client can make PID 1 read a 300 MB file
// into memory (docs/control.md, "Limits on clients").

import { LogReadError, type LogReader, readLog, tailLog } from "../../logging/log-reader.ts";
import { type FaultName, RpcFault } from "../../protocol/faults.ts";
import type { ControlledProcess } from "../supervisor.ts";
import type { CallContext, MethodTable } from "./registry.ts";
import { int, type Rules, str } from "./rules.ts";

/** The most log bytes one reply carries (a multicall's calls share it). */
export const MAX_LOG_REPLY_BYTES = 1024 * 1024;

export function defineLogMethods(table: MethodTable, rules: Rules): void {
  const mainLog = (): LogReader => {
    const log = rules.supervisor.mainLog();
    if (!log) throw new RpcFault("NO_FILE");
    return log;
  };
  table.define(
    "supervisor.readLog",
    {
      signature: ["string", "int", "int"],
      help: "Reads `length` bytes of tend's own log from `offset` (negative: the last bytes).",
      run: ([offset, length], context) =>
        rules.running(() => readText(mainLog(), int(offset), int(length), context)),
    },
    "supervisor.readMainLog",
  );
  table.define("supervisor.clearLog", {
    signature: ["boolean"],
    help: "Empties tend's own log.",
    run: () =>
      rules.running(() => {
        clearOrFail(mainLog(), "FAILED");
        return true;
      }),
  });
  for (const channel of ["stdout", "stderr"] as const) {
    const Channel = channel === "stdout" ? "Stdout" : "Stderr";
    const aliases = (name: string) => (channel === "stdout" ? [name] : []);
    table.define(
      `supervisor.readProcess${Channel}Log`,
      {
        signature: ["string", "string", "int", "int"],
        help: `Reads \`length\` bytes of a process's ${channel} log from \`offset\` (negative: the last bytes).`,
        run: ([name, offset, length], context) =>
          rules.running(() => {
            const log = channelLog(rules.processNamed(str(name)), channel);
            if (!log) throw new RpcFault("NO_FILE");
            return readText(log, int(offset), int(length), context);
          }),
      },
      ...aliases("supervisor.readProcessLog"),
    );
    table.define(
      `supervisor.tailProcess${Channel}Log`,
      {
        signature: ["array", "string", "int", "int"],
        help: `Tails a process's ${channel} log: [bytes, next offset, overflow].`,
        run: ([name, offset, length], context) =>
          rules.running(() => {
            const log = channelLog(rules.processNamed(str(name)), channel);
            if (!log) return ["", 0, false];
            const budget = budgetOf(context);
            const tail = guardRead(() => tailLog(log, int(offset), int(length), budget.remaining));
            budget.remaining -= tail.bytes.length;
            return [decode(tail.bytes), tail.offset, tail.overflow];
          }),
      },
      ...aliases("supervisor.tailProcessLog"),
    );
  }
  const clearLogs = (name: string): true => {
    const process = rules.processNamed(name);
    try {
      process.logs.stdout.reader.clear();
      process.logs.stderr?.reader.clear();
    } catch {
      throw new RpcFault("FAILED", name);
    }
    return true;
  };
  table.define(
    "supervisor.clearProcessLogs",
    {
      signature: ["boolean", "string"],
      help: "Empties a process's stdout and stderr logs.",
      run: ([name]) => rules.running(() => clearLogs(str(name))),
    },
    "supervisor.clearProcessLog",
  );
  table.define("supervisor.clearAllProcessLogs", {
    signature: ["array"],
    help: "Empties every process's logs; a status struct per process.",
    run: () =>
      rules.running(() =>
        rules
          .allProcesses()
          .map((process) => rules.outcome(process, () => clearLogs(process.namespec))),
      ),
  });
}

function channelLog(
  process: ControlledProcess,
  channel: "stdout" | "stderr",
): LogReader | undefined {
  return channel === "stdout" ? process.logs.stdout.reader : process.logs.stderr?.reader;
}

function guardRead<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof LogReadError) throw new RpcFault(error.fault as FaultName);
    throw new RpcFault("FAILED", (error as Error).message);
  }
}

function budgetOf(context: CallContext): { remaining: number } {
  return context.logBudget ?? { remaining: MAX_LOG_REPLY_BYTES };
}

function readText(log: LogReader, offset: number, length: number, context: CallContext): string {
  const budget = budgetOf(context);
  const bytes = guardRead(() => readLog(log, offset, length, budget.remaining));
  budget.remaining -= bytes.length;
  return decode(bytes);
}

function clearOrFail(log: LogReader, fault: FaultName): void {
  try {
    log.clear();
  } catch {
    throw new RpcFault(fault);
  }
}

/** Log bytes as the text XML-RPC carries (invalid UTF-8 becomes U+FFFD). */
function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
