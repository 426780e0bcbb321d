// The method registry of the command layer: names (with supervisord's
// deprecated aliases), signatures, help, and the rules every call passes
// before a method runs — xmlrpc.py's traverse (exactly `namespace.method`,
// nothing private) and the arity check. The system.* methods describe the
// registry itself, and multicall runs calls through it one after another.

import { faultFrom, RpcFault } from "../../protocol/faults.ts";
import { isStruct, type XmlRpcValue } from "../../protocol/xmlrpc.ts";

export type Params = readonly XmlRpcValue[];
export type Result = XmlRpcValue | Promise<XmlRpcValue>;

/** What a transport knows about one call: the client may go away while it waits. */
export interface CallContext {
  /** Aborted when the client is gone; a method that waits stops waiting. */
  readonly signal?: AbortSignal;
  /**
   * Log bytes the reply may still carry, shared by a multicall's calls, so
   * that no request makes tend read more than that (see log-methods.ts).
   */
  readonly logBudget?: { remaining: number };
}

export interface Method {
  /** XML-RPC type names, for system.methodSignature: [return, ...params]. */
  readonly signature: readonly string[];
  /** How many of the parameters may be left out (trailing ones with defaults). */
  readonly optional?: number;
  readonly help: string;
  readonly run: (params: Params, context: CallContext) => Result;
}

export class MethodTable {
  private readonly methods = new Map<string, Method>();

  constructor() {
    this.defineSystemMethods();
  }

  define(name: string, method: Method, ...aliases: string[]): void {
    this.methods.set(name, method);
    for (const alias of aliases) this.methods.set(alias, method);
  }

  /** Synchronous lookup and argument check; the method itself may return a promise. */
  invoke(name: string, params: Params, context: CallContext): Result {
    // supervisord's traverse(): exactly `namespace.method`, nothing private.
    const parts = name.split(".");
    if (parts.length !== 2 || (parts[1] ?? "").startsWith("_"))
      throw new RpcFault("UNKNOWN_METHOD");
    const method = this.methods.get(name);
    if (!method) throw new RpcFault("UNKNOWN_METHOD");
    const declared = method.signature.length - 1;
    if (params.length > declared || params.length < declared - (method.optional ?? 0))
      throw new RpcFault("INCORRECT_PARAMETERS");
    return method.run(params, context);
  }

  private defineSystemMethods(): void {
    this.define("system.listMethods", {
      signature: ["array"],
      help: "The names of every method, sorted.",
      run: () => [...this.methods.keys()].sort(),
    });
    this.define("system.methodHelp", {
      signature: ["string", "string"],
      help: "The documentation of a method.",
      run: ([name]) => this.described(name).help,
    });
    this.define("system.methodSignature", {
      signature: ["array", "string"],
      help: "A method's signature: [return type, parameter types...].",
      run: ([name]) => [...this.described(name).signature],
    });
    this.define("system.multicall", {
      signature: ["array", "array"],
      help: "Runs calls ({methodName, params}) in order; each result is the value or a fault struct.",
      run: ([calls], context) => this.multicall(calls, context),
    });
  }

  private described(name: XmlRpcValue | undefined): Method {
    const method = typeof name === "string" ? this.methods.get(name) : undefined;
    if (!method) throw new RpcFault("SIGNATURE_UNSUPPORTED");
    return method;
  }

  /** supervisord's multicall: in order, each waiting for the one before; a value or {faultCode, faultString}. */
  private async multicall(
    calls: XmlRpcValue | undefined,
    context: CallContext,
  ): Promise<XmlRpcValue> {
    if (!Array.isArray(calls)) throw new RpcFault("INCORRECT_PARAMETERS");
    const results: XmlRpcValue[] = [];
    for (const call of calls) {
      try {
        if (!isStruct(call) || typeof call.methodName !== "string")
          throw new RpcFault("INCORRECT_PARAMETERS", "No methodName");
        if (call.methodName === "system.multicall")
          throw new RpcFault("INCORRECT_PARAMETERS", "Recursive system.multicall forbidden");
        const params = call.params ?? [];
        const args = Array.isArray(params) ? params : [params];
        results.push(await this.invoke(call.methodName, args, context));
      } catch (error) {
        const fault = faultFrom(error);
        results.push({ faultCode: fault.code, faultString: fault.message });
      }
    }
    return results;
  }
}
