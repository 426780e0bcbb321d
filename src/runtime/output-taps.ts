// What run mode does with a program's output besides logging its lines, on
// each chunk as read (as supervisord does): capture mode's
// PROCESS_COMMUNICATION events, PROCESS_LOG events when *_events_enabled,
// a copy in tend's own log at loglevel debug and below, and an event
// listener's stdout handed to its protocol.

import type { ProcessConfig } from "../config/model.ts";
import { CommunicationCapture } from "../core/communication.ts";
import { processCommunicationEvent, processLogEvent, textOf } from "../core/events.ts";
import type { LogLevel } from "../core/program.ts";
import { pyBytesRepr, pyRepr } from "../core/python-repr.ts";
import type { ProcessLogs } from "../logging/routing.ts";
import { stripAnsi } from "../logging/sinks.ts";
import type { EventListeners } from "./event-listeners.ts";
import type { LogOpening } from "./ports.ts";

export interface OutputTapsOptions {
  /** The event system, once it exists. */
  readonly events: () => EventListeners | undefined;
  /** Program output is copied into tend's log (loglevel debug, trace or blather). */
  readonly debug: boolean;
  readonly stripAnsi: boolean;
  readonly log: (level: LogLevel, message: string) => void;
  /** The listener whose stdout this is, by namespec, when output arrives. */
  readonly listenerOutput: (namespec: string, bytes: Uint8Array) => void;
  /** Whether a log:REGEX ready check of that process waits for a line of process `pid` now. */
  readonly awaitsLine: (namespec: string, pid: number) => boolean;
  /** A line of process `pid`, whose ready check is log:REGEX. */
  readonly outputLine: (namespec: string, line: string, pid: number) => void;
}

/** The longest unfinished line kept for a log:REGEX check; longer ones are cut. */
const MAX_PARTIAL_LINE = 64 * 1024;

export class OutputTaps {
  constructor(private readonly options: OutputTapsOptions) {}

  /** Hooks the taps a process needs into its streams; none when nothing listens. */
  attach(process: ProcessConfig, logs: ProcessLogs, opening: LogOpening): void {
    const { debug, log } = this.options;
    if (opening.listener) {
      logs.stdout.observe = (chunk) => {
        // supervisord shows a listener's protocol output as Python bytes.
        if (debug) log("debug", `${pyRepr(process.name)} stdout output:\n${pyBytesRepr(chunk)}`);
        this.options.listenerOutput(opening.namespec, chunk);
        return chunk;
      };
    } else this.attachStream(process, logs, opening, "stdout");
    if (logs.stderr) this.attachStream(process, logs, opening, "stderr");
    if (process.ready_check?.kind === "log") {
      this.attachLineTap(opening.namespec, logs.stdout);
      if (logs.stderr) this.attachLineTap(opening.namespec, logs.stderr);
    }
  }

  /**
   * Lines for a log:REGEX check, split only while the check waits for one,
   * and only those of the process it waits for: not what an earlier process
   * of the program, or one that it left behind, still writes to its pipe.
   */
  private attachLineTap(namespec: string, stream: ProcessLogs["stdout"]): void {
    const inner = stream.observe;
    let decoder = new TextDecoder();
    let partial = "";
    let from = 0;
    stream.observe = (chunk, pid) => {
      const passed = inner ? inner(chunk, pid) : chunk;
      if (!this.options.awaitsLine(namespec, pid)) return passed;
      if (pid !== from) {
        // A new process: its lines start afresh.
        from = pid;
        partial = "";
        decoder = new TextDecoder();
      }
      const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
      partial = (lines.pop() ?? "").slice(-MAX_PARTIAL_LINE);
      for (const line of lines) this.options.outputLine(namespec, line, pid);
      return passed;
    };
  }

  private attachStream(
    process: ProcessConfig,
    logs: ProcessLogs,
    opening: LogOpening,
    channel: "stdout" | "stderr",
  ): void {
    const stream = channel === "stdout" ? logs.stdout : logs.stderr;
    if (!stream) return;
    // With redirect_stderr both arrive on stdout's pipe, as stdout (supervisord's way).
    const eventsEnabled =
      channel === "stdout" ? process.stdout_events_enabled : process.stderr_events_enabled;
    const maxBytes =
      channel === "stdout" ? process.stdout_capture_maxbytes : process.stderr_capture_maxbytes;
    const capture = maxBytes > 0 ? new CommunicationCapture(maxBytes) : undefined;
    if (!eventsEnabled && !capture && !this.options.debug) return;
    const clean = this.options.stripAnsi ? stripAnsi : (bytes: Uint8Array) => bytes;
    const { log, debug } = this.options;
    const record = (bytes: Uint8Array) => {
      const data = clean(bytes);
      if (debug) log("debug", `${pyRepr(process.name)} ${channel} output:\n${textOf(data)}`);
      if (eventsEnabled)
        this.options
          .events()
          ?.notify(processLogEvent(process.name, process.group, opening.pid(), channel, data));
    };
    stream.observe = (chunk) => {
      if (!capture) {
        record(chunk);
        return chunk;
      }
      const { pieces, events } = capture.push(chunk);
      const logged: Uint8Array[] = [];
      for (const piece of pieces) {
        record(piece.bytes);
        if (!piece.captured) logged.push(piece.bytes);
      }
      for (const data of events) {
        this.options
          .events()
          ?.notify(
            processCommunicationEvent(process.name, process.group, opening.pid(), channel, data),
          );
        if (debug) log("debug", `${pyRepr(process.name)} ${channel} emitted a comm event`);
      }
      return concat(logged);
    };
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}
