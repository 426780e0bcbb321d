// supervisord's XML-RPC fault codes (supervisor/xmlrpc.py `Faults`): wire
// protocol, so the numbers and names match exactly. A fault's string is its
// name, or `NAME: detail`, as supervisord's RPCError makes it; any other
// error a method throws reaches the client as a FAILED fault.

export const Faults = {
  UNKNOWN_METHOD: 1,
  INCORRECT_PARAMETERS: 2,
  BAD_ARGUMENTS: 3,
  SIGNATURE_UNSUPPORTED: 4,
  SHUTDOWN_STATE: 6,
  BAD_NAME: 10,
  BAD_SIGNAL: 11,
  NO_FILE: 20,
  NOT_EXECUTABLE: 21,
  FAILED: 30,
  ABNORMAL_TERMINATION: 40,
  SPAWN_ERROR: 50,
  ALREADY_STARTED: 60,
  NOT_RUNNING: 70,
  SUCCESS: 80,
  ALREADY_ADDED: 90,
  STILL_RUNNING: 91,
  CANT_REREAD: 92,
} as const;

export type FaultName = keyof typeof Faults;

const NAMES = new Map<number, FaultName>(
  Object.entries(Faults).map(([name, code]) => [code, name as FaultName]),
);

/** The name of a fault code, or undefined for a code supervisord does not define. */
export function faultName(code: number): FaultName | undefined {
  return NAMES.get(code);
}

/** A fault as the command layer raises it and both transports report it. */
export class RpcFault extends Error {
  readonly code: number;
  constructor(
    readonly fault: FaultName,
    readonly detail?: string,
  ) {
    super(detail === undefined || detail === "" ? fault : `${fault}: ${detail}`);
    this.name = "RpcFault";
    this.code = Faults[fault];
  }
}

/**
 * The fault an error of a method travels as: an RpcFault as it is; anything
 * else is a bug of tend's, not the client's, reported as supervisord reports
 * an unexpected exception inside multicall (FAILED with its message).
 */
export function faultFrom(error: unknown): RpcFault {
  if (error instanceof RpcFault) return error;
  return new RpcFault("FAILED", error instanceof Error ? error.message : String(error));
}

/** A fault received by a client: any code, with the server's string. */
export class RemoteFault extends Error {
  constructor(
    readonly code: number,
    readonly faultString: string,
  ) {
    super(faultString);
    this.name = "RemoteFault";
  }
}
