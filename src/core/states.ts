// supervisord's process and supervisor states with their numeric codes:
// wire protocol (XML-RPC getProcessInfo, ctl status), so they match
// supervisor/states.py exactly. Imports nothing.

export const ProcessState = {
  STOPPED: 0,
  STARTING: 10,
  RUNNING: 20,
  BACKOFF: 30,
  STOPPING: 40,
  EXITED: 100,
  FATAL: 200,
  UNKNOWN: 1000,
} as const;

export type ProcessStateName = keyof typeof ProcessState;

export const STOPPED_STATES: readonly ProcessStateName[] = [
  "STOPPED",
  "EXITED",
  "FATAL",
  "UNKNOWN",
];
export const RUNNING_STATES: readonly ProcessStateName[] = ["RUNNING", "BACKOFF", "STARTING"];
export const SIGNALLABLE_STATES: readonly ProcessStateName[] = ["RUNNING", "STARTING", "STOPPING"];

export const SupervisorState = {
  FATAL: 2,
  RUNNING: 1,
  RESTARTING: 0,
  SHUTDOWN: -1,
} as const;

export type SupervisorStateName = keyof typeof SupervisorState;
