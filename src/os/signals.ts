// Delivery of signals to tend and from tend. A handler only turns the signal
// into data for the runtime's loop; the decision of what it means is made
// there. Installing a handler also keeps the kernel's default action (which
// for PID 1 is to ignore most signals anyway) out of the picture.

import { onExit } from "signal-exit";
import { signals as signalExitHooks } from "signal-exit/signals";
import { type SignalName, signalNumber } from "../core/signals.ts";

export function onSignals(names: readonly SignalName[], handle: (name: SignalName) => void): void {
  for (const name of names) process.on(name, () => handle(name));
}

/**
 * kill(2): to a process, or with `group` to its whole process group.
 * Returns false when the target is already gone (ESRCH).
 */
export function sendSignal(pid: number, signal: SignalName | number, group: boolean): boolean {
  try {
    process.kill(group ? -pid : pid, typeof signal === "number" ? signal : signalNumber(signal));
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === "ESRCH") return false;
    throw error;
  }
}

/**
 * Runs `cleanup` when tend exits by any path, as a last chance (for example
 * to kill children tend can no longer supervise). Only for that: signal-exit
 * also hooks signals, and when one arrives with no other listener it runs its
 * handlers and re-raises the signal to die — which PID 1 cannot do (the
 * kernel ignores it) and which, for SIGABRT arriving under its alias SIGIOT
 * (Bun calls the listeners of both names), killed tend. So every signal it
 * hooks gets a listener of tend's first; the ones tend has none for are
 * aliases of handled ones (SIGIOT, SIGPOLL) or not catchable in Bun (SIGPWR,
 * SIGSTKFLT), and are ignored here.
 */
export function onLastChanceExit(cleanup: () => void): void {
  for (const name of signalExitHooks) {
    if (process.listenerCount(name) === 0) process.on(name, ignoreSignal);
  }
  onExit(cleanup);
}

function ignoreSignal(): void {}
