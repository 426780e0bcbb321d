// What a signal sent to tend means in run mode, as a table: the handler
// turns the signal into one of these actions and the supervisor reducer
// (core/supervisor.ts) decides what follows.

import type { SignalName } from "./signals.ts";

export type SignalAction = "shutdown" | "reload" | "reopen-logs" | "forward";

const RUN_MODE_ACTIONS: Partial<Record<SignalName, SignalAction>> = {
  SIGTERM: "shutdown",
  SIGINT: "shutdown",
  SIGQUIT: "shutdown",
  SIGHUP: "reload",
  SIGUSR2: "reopen-logs",
};

/** Every other forwardable signal goes on to the running programs. */
export function runModeAction(name: SignalName): SignalAction {
  return RUN_MODE_ACTIONS[name] ?? "forward";
}
