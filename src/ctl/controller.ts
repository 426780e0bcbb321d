// The state one `tend ctl` session carries between actions (server address,
// exit status, interactivity) and the dispatch of one command line to its
// action, with supervisorctl's handling of whatever goes wrong on the way
// (supervisorctl.py `Controller.onecmd`, `upcheck`).

import { pyRepr } from "../core/python-repr.ts";
import { Faults, RemoteFault } from "../protocol/faults.ts";
import { API_VERSION } from "../protocol/versions.ts";
import type { XmlRpcValue } from "../protocol/xmlrpc.ts";
import { UnknownResultCode } from "./format.ts";
import {
  BadServerUrl,
  HttpStatusError,
  type Server,
  type ServerAddress,
  Unreachable,
} from "./transport.ts";

/** supervisorctl's exit statuses (LSB init script codes, its `LSBInitExitStatuses`). */
export const Exit = {
  SUCCESS: 0,
  GENERIC: 1,
  INVALID_ARGS: 2,
  UNIMPLEMENTED_FEATURE: 3,
  INSUFFICIENT_PRIVILEGES: 4,
  NOT_INSTALLED: 5,
  NOT_RUNNING: 7,
} as const;

/** `status`'s own codes (LSB status codes, its `LSBStatusExitStatuses`). */
export const StatusExit = { NOT_RUNNING: 3, UNKNOWN: 4 } as const;

/** Faults after which the program is not running: a `start` or `signal` exits 7 for them. */
const DEAD_PROGRAM_FAULTS: readonly number[] = [
  Faults.SPAWN_ERROR,
  Faults.ABNORMAL_TERMINATION,
  Faults.NOT_RUNNING,
];

/** Ctrl-C, delivered to the innermost taker (a tail -f, fg, then the shell). */
export class Interrupts {
  private readonly takers: (() => void)[] = [];

  constructor(private readonly onChange: (taken: boolean) => void = () => {}) {}

  /** `taker` gets the interrupts until the returned function is called. */
  take(taker: () => void): () => void {
    this.takers.push(taker);
    if (this.takers.length === 1) this.onChange(true);
    return () => {
      const at = this.takers.lastIndexOf(taker);
      if (at !== -1) this.takers.splice(at, 1);
      if (this.takers.length === 0) this.onChange(false);
    };
  }

  /** Whether someone took it. */
  fire(): boolean {
    const taker = this.takers.at(-1);
    taker?.();
    return taker !== undefined;
  }
}

/** What a session needs of the terminal. */
export interface Terminal {
  out(text: string): void;
  err(text: string): void;
  /** A line typed by the user after `prompt`; undefined at the end of input or once `cancel` fires. */
  readLine(prompt: string, cancel?: AbortSignal): Promise<string | undefined>;
  /** The same without echo, for a password. */
  readSecret(prompt: string): Promise<string | undefined>;
  readonly interrupts: Interrupts;
}

/** An action: true asks the shell to end. */
export type ActionRun = (ctl: Controller, arg: string) => Promise<boolean | undefined>;

export interface Action {
  readonly name: string;
  /** `help NAME`'s lines; undefined for an action without help (EOF). */
  readonly help: readonly string[] | undefined;
  readonly run: ActionRun;
  /** What its arguments complete to in the shell. */
  readonly completes?: "actions" | "groups" | "processes";
}

/** Python's identifier characters: cmd.Cmd takes the longest run of them as the action. */
const ACTION_NAME = /^[A-Za-z0-9_]*/;

export class Controller {
  exitStatus: number = Exit.SUCCESS;
  private current: Server | undefined;
  /** Process infos for completion, fetched once per command (readline asks often). */
  completionInfo: Promise<XmlRpcValue> | undefined;

  constructor(
    readonly terminal: Terminal,
    private addressNow: ServerAddress,
    readonly interactive: boolean,
    private readonly connect: (address: ServerAddress) => Server,
    readonly actions: ReadonlyMap<string, Action>,
  ) {}

  get address(): ServerAddress {
    return this.addressNow;
  }

  /** `open` and the authentication prompt change where and as whom we talk. */
  set address(address: ServerAddress) {
    this.addressNow = address;
    this.current = undefined;
  }

  get server(): Server {
    this.current ??= this.connect(this.addressNow);
    return this.current;
  }

  /** One line on stdout: supervisorctl writes even its errors there. */
  output(line: string): void {
    this.terminal.out(`${line}\n`);
  }

  /**
   * An action's fault or result code sets the exit status: success and the
   * ignored code leave it, a dead program makes it 7, anything else 1.
   */
  exitFromFault(code: number, ignored?: number): void {
    if (code === ignored || code === Faults.SUCCESS) return;
    this.exitStatus = DEAD_PROGRAM_FAULTS.includes(code) ? Exit.NOT_RUNNING : Exit.GENERIC;
  }

  /**
   * Whether the server answers and speaks our API; if not, says why and sets
   * the exit status. supervisorctl's codes: 4 when the connection is refused,
   * 7 when the socket file is missing (`status` turns both into 4).
   */
  async upcheck(): Promise<boolean> {
    try {
      const api = await this.server.call("supervisor.getVersion");
      if (api !== API_VERSION) {
        this.output(
          `Sorry, this version of supervisorctl expects to talk to a server with API version ${API_VERSION}, but the remote version is ${String(api)}.`,
        );
        this.exitStatus = Exit.NOT_INSTALLED;
        return false;
      }
    } catch (error) {
      if (error instanceof RemoteFault && error.code === Faults.UNKNOWN_METHOD) {
        this.output(
          "Sorry, supervisord responded but did not recognize the supervisor namespace commands that supervisorctl uses to control it.  Please check that the [rpcinterface:supervisor] section is enabled in the configuration file (see sample.conf).",
        );
        this.exitStatus = Exit.UNIMPLEMENTED_FEATURE;
        return false;
      }
      if (error instanceof Unreachable && error.reason !== "other") {
        this.reportUnreachable(error);
        this.exitStatus =
          error.reason === "refused" ? Exit.INSUFFICIENT_PRIVILEGES : Exit.NOT_RUNNING;
        return false;
      }
      this.exitStatus = Exit.GENERIC;
      throw error;
    }
    return true;
  }

  /**
   * Deliberately not supervisorctl's `URL refused connection` on stdout: a
   * message that says what it means, on stderr. The exit status is still
   * supervisorctl's, set by the caller.
   */
  reportUnreachable(error: Unreachable, suffix = ""): void {
    const message =
      error.reason === "refused"
        ? `tend is not running at ${error.url}: connection refused`
        : error.reason === "no-such-file"
          ? `tend is not running at ${error.url}: no such file`
          : `cannot connect to ${error.url}: ${error.message}`;
    this.terminal.err(`${message}${suffix}\n`);
  }

  /** Runs one command line; true when the shell should end. */
  async onecmd(rawLine: string): Promise<boolean> {
    let line = rawLine.trim();
    if (line === "") return false; // an empty line does nothing (no repeat of the last one)
    if (line.startsWith("?")) line = `help ${line.slice(1)}`;
    const name = ACTION_NAME.exec(line)?.[0] ?? "";
    const action = name === "" ? undefined : this.actions.get(name);
    if (!action) {
      this.output(`*** Unknown syntax: ${line}`);
      this.exitStatus = Exit.GENERIC;
      return false;
    }
    this.completionInfo = undefined;
    const arg = line.slice(name.length).trim();
    try {
      return (await action.run(this, arg)) === true;
    } catch (error) {
      if (error instanceof HttpStatusError && error.status === 401) {
        this.output("Server requires authentication");
        if (this.interactive) return this.askCredentialsAndRetry(line);
        // supervisorctl runs the action a second time here and prints its
        // traceback too; one clear line is enough.
        this.exitStatus = Exit.GENERIC;
        return false;
      }
      this.exitStatus = Exit.GENERIC;
      if (error instanceof Unreachable) this.reportUnreachable(error);
      else this.output(errorLine(error));
      return false;
    }
  }

  private async askCredentialsAndRetry(line: string): Promise<boolean> {
    const username = await this.terminal.readLine("Username:");
    const password = await this.terminal.readSecret("Password:");
    this.output("");
    if (username === undefined || password === undefined) return true; // input ended
    this.address = { ...this.address, username, password };
    return this.onecmd(line);
  }
}

/**
 * The line supervisorctl prints for an error no action expected (its
 * `error: <class>, <value>: file: ... line: ...`, without the Python
 * source position, which means nothing here).
 */
export function errorLine(error: unknown): string {
  if (error instanceof RemoteFault) {
    return `error: <class 'xmlrpc.client.Fault'>, ${faultRepr(error)}`;
  }
  if (error instanceof HttpStatusError) {
    return `error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: ${error.status} ${error.reason}>`;
  }
  if (error instanceof UnknownResultCode || error instanceof BadServerUrl) {
    return `error: <class 'ValueError'>, ${error.message}`;
  }
  if (error instanceof Error) return `error: ${error.name}, ${error.message}`;
  return `error: ${String(error)}`;
}

/** Whether `error` is a fault from the server (of `code`, when given). */
export function isFault(error: unknown, code?: number): error is RemoteFault {
  return error instanceof RemoteFault && (code === undefined || error.code === code);
}

/** Python's str() of an xmlrpclib Fault: `<Fault 6: 'SHUTDOWN_STATE'>`. */
export function faultRepr(fault: RemoteFault): string {
  return `<Fault ${fault.code}: ${pyRepr(fault.faultString)}>`;
}
