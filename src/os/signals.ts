// Delivery of signals to tend and from tend. A handler only turns the signal
// into data for the runtime's loop; the decision of what it means is made
// there. Installing a handler also keeps the kernel's default action (which
// for PID 1 is to ignore most signals anyway) out of the picture.

import { type SignalName, signalNumber } from "../core/signals.ts";

export function onSignals(names: readonly SignalName[], handle: (name: SignalName) => void): void {
  for (const name of names) process.on(name, () => handle(name));
}

/**
 * kill(2): to a process, or with `group` to its whole process group.
 * Returns false when the target is already gone (ESRCH).
 */
export function sendSignal(pid: number, name: SignalName, group: boolean): boolean {
  try {
    process.kill(group ? -pid : pid, signalNumber(name));
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === "ESRCH") return false;
    throw error;
  }
}
