// tend's own mood, edge by edge: the reducer's next state and effects for
// every event in every state, and when a critical program ends tend.

import { describe, expect, test } from "bun:test";
import {
  criticalExitCode,
  INITIAL_SUPERVISOR,
  mayStart,
  reduceSupervisor,
  type SupervisorEvent,
  type SupervisorStatus,
} from "../../../src/core/supervisor.ts";

const at = (state: SupervisorStatus["state"], patch: Partial<SupervisorStatus> = {}) => ({
  ...INITIAL_SUPERVISOR,
  state,
  ...patch,
});
const step = (status: SupervisorStatus, event: SupervisorEvent) => reduceSupervisor(status, event);
const types = (status: SupervisorStatus, event: SupervisorEvent) =>
  step(status, event).effects.map((effect) => effect.type);

describe("signals", () => {
  test("RUNNING → SHUTDOWN on the first TERM: a warning, then stop everything", () => {
    const next = step(INITIAL_SUPERVISOR, { type: "signal", signal: "SIGTERM" });
    expect(next.status).toEqual({
      state: "SHUTDOWN",
      exitCode: 0,
      shutdownSignals: 1,
      draining: false,
    });
    expect(next.effects).toEqual([
      { type: "log", level: "warn", message: "received SIGTERM indicating exit request" },
      { type: "stop-all" },
    ]);
  });

  test("INT and QUIT mean the same", () => {
    for (const signal of ["SIGINT", "SIGQUIT"] as const)
      expect(types(INITIAL_SUPERVISOR, { type: "signal", signal })).toEqual(["log", "stop-all"]);
  });

  test("SHUTDOWN: the second shutdown signal kills everything left", () => {
    const first = step(INITIAL_SUPERVISOR, { type: "signal", signal: "SIGTERM" }).status;
    const second = step(first, { type: "signal", signal: "SIGINT" });
    expect(second.status.shutdownSignals).toBe(2);
    expect(second.effects).toEqual([
      {
        type: "log",
        level: "warn",
        message: "received SIGINT again: killing every remaining process",
      },
      { type: "kill-all" },
    ]);
  });

  test("after a shutdown requested over the socket, the first TERM adds nothing, the second kills", () => {
    const requested = step(INITIAL_SUPERVISOR, { type: "shutdown", why: "asked", code: 0 }).status;
    const first = step(requested, { type: "signal", signal: "SIGTERM" });
    expect(first.effects).toEqual([]);
    expect(types(first.status, { type: "signal", signal: "SIGTERM" })).toEqual(["log", "kill-all"]);
  });

  test("HUP applies the config only while RUNNING", () => {
    expect(types(INITIAL_SUPERVISOR, { type: "signal", signal: "SIGHUP" })).toEqual([
      "log",
      "apply-config",
    ]);
    expect(types(at("RESTARTING"), { type: "signal", signal: "SIGHUP" })).toEqual(["log"]);
    expect(types(at("SHUTDOWN"), { type: "signal", signal: "SIGHUP" })).toEqual(["log"]);
  });

  test("USR2 reopens the logs; any other signal is forwarded, in any state", () => {
    expect(types(at("SHUTDOWN"), { type: "signal", signal: "SIGUSR2" })).toEqual([
      "log",
      "reopen-logs",
    ]);
    expect(step(at("RESTARTING"), { type: "signal", signal: "SIGUSR1" }).effects).toEqual([
      { type: "forward", signal: "SIGUSR1" },
    ]);
  });
});

describe("shutdown, restart, all stopped", () => {
  test("a critical program's shutdown carries its code to the exit", () => {
    const down = step(INITIAL_SUPERVISOR, { type: "shutdown", why: "critical", code: 3 });
    expect(down.status).toMatchObject({ state: "SHUTDOWN", exitCode: 3 });
    expect(step(down.status, { type: "all-stopped" }).effects).toEqual([{ type: "exit", code: 3 }]);
  });

  test("a second shutdown request changes nothing (the first code stays)", () => {
    const down = step(INITIAL_SUPERVISOR, { type: "shutdown", why: "a", code: 3 }).status;
    expect(step(down, { type: "shutdown", why: "b", code: 5 })).toEqual({
      status: down,
      effects: [],
    });
  });

  test("RUNNING → RESTARTING: stop everything; all stopped → RUNNING and start over", () => {
    const restarting = step(INITIAL_SUPERVISOR, { type: "restart" });
    expect(restarting.status.state).toBe("RESTARTING");
    expect(restarting.effects.map((e) => e.type)).toEqual(["log", "stop-all"]);
    const back = step(restarting.status, { type: "all-stopped" });
    expect(back.status.state).toBe("RUNNING");
    expect(back.effects).toEqual([{ type: "start-over" }]);
  });

  test("a restart while not RUNNING is ignored", () => {
    for (const state of ["RESTARTING", "SHUTDOWN"] as const)
      expect(step(at(state), { type: "restart" }).effects).toEqual([]);
  });

  test("RESTARTING → SHUTDOWN: no second stop; the restart's stop ends in the exit", () => {
    const down = step(at("RESTARTING"), { type: "shutdown", why: "asked", code: 0 });
    expect(down.status.state).toBe("SHUTDOWN");
    expect(down.effects.map((e) => e.type)).toEqual(["log"]);
    expect(step(down.status, { type: "all-stopped" }).effects).toEqual([{ type: "exit", code: 0 }]);
  });

  test("all stopped while RUNNING means nothing", () => {
    expect(step(INITIAL_SUPERVISOR, { type: "all-stopped" }).effects).toEqual([]);
  });

  test("programs may start only while RUNNING", () => {
    expect([mayStart(at("RUNNING")), mayStart(at("RESTARTING")), mayStart(at("SHUTDOWN"))]).toEqual(
      [true, false, false],
    );
  });
});

describe("criticalExitCode", () => {
  const end = (patch: Partial<Parameters<typeof criticalExitCode>[0]>) =>
    criticalExitCode({
      critical: true,
      autorestart: "false",
      to: "EXITED",
      expected: false,
      lastExit: { kind: "exited", code: 3 },
      ...patch,
    });

  test("not critical: never", () => expect(end({ critical: false })).toBeUndefined());
  test("EXITED unexpectedly with autorestart=false: its code", () => expect(end({})).toBe(3));
  test("killed by a signal: 128 + N", () =>
    expect(end({ lastExit: { kind: "signaled", signal: 9 } })).toBe(137));
  test("an expected exit, or one that restarts: not the end", () => {
    expect(end({ expected: true })).toBeUndefined();
    expect(end({ autorestart: "unexpected" })).toBeUndefined();
  });
  test("FATAL: its code, 1 when it never ran or its code was 0", () => {
    expect(end({ to: "FATAL", autorestart: "true" })).toBe(3);
    expect(end({ to: "FATAL", lastExit: undefined })).toBe(1);
    expect(end({ to: "FATAL", lastExit: { kind: "exited", code: 0 } })).toBe(1);
  });
});

describe("shutdown_delay: draining before the stop", () => {
  const term = { type: "signal", signal: "SIGTERM", shutdownDelay: 5 } as const;

  test("the first TERM with a delay: SHUTDOWN at once (not ready), programs left running, a drain timer", () => {
    const next = step(INITIAL_SUPERVISOR, term);
    expect(next.status).toEqual({
      state: "SHUTDOWN",
      exitCode: 0,
      shutdownSignals: 1,
      draining: true,
    });
    expect(mayStart(next.status)).toBe(false);
    expect(next.effects).toEqual([
      {
        type: "log",
        level: "warn",
        message:
          "received SIGTERM indicating exit request: not ready from now on; stopping the programs in 5 s (shutdown_delay)",
      },
      { type: "drain", seconds: 5 },
    ]);
  });

  test("the delay over: the stop begins; a late drain-over changes nothing", () => {
    const draining = step(INITIAL_SUPERVISOR, term).status;
    const over = step(draining, { type: "drain-over" });
    expect(over.status.draining).toBe(false);
    expect(over.effects).toEqual([
      { type: "log", level: "info", message: "shutdown_delay is over: stopping the programs" },
      { type: "stop-all" },
    ]);
    expect(step(over.status, { type: "drain-over" }).effects).toEqual([]);
    expect(step(INITIAL_SUPERVISOR, { type: "drain-over" }).effects).toEqual([]);
  });

  test("a second TERM while draining cuts the delay short (an orderly stop); a third kills", () => {
    const draining = step(INITIAL_SUPERVISOR, term).status;
    const second = step(draining, { ...term, signal: "SIGINT" });
    expect(second.status.draining).toBe(false);
    expect(second.effects).toEqual([
      { type: "log", level: "warn", message: "received SIGINT again: stopping the programs now" },
      { type: "stop-all" },
    ]);
    expect(types(second.status, term)).toEqual(["log", "kill-all"]);
    // the drain timer firing afterwards starts no second stop
    expect(step(second.status, { type: "drain-over" }).effects).toEqual([]);
  });

  test("a shutdown request while draining (ctl shutdown, a critical program) stops now, with its code", () => {
    const draining = step(INITIAL_SUPERVISOR, term).status;
    const critical = step(draining, { type: "shutdown", why: "critical web died", code: 3 });
    expect(critical.status).toMatchObject({ state: "SHUTDOWN", exitCode: 3, draining: false });
    expect(critical.effects).toEqual([
      { type: "log", level: "warn", message: "critical web died" },
      { type: "stop-all" },
    ]);
  });

  test("no delay (0), or not RUNNING (a reload under way): the stop as before", () => {
    expect(types(INITIAL_SUPERVISOR, { ...term, shutdownDelay: 0 })).toEqual(["log", "stop-all"]);
    const restarting = step(at("RESTARTING"), term);
    expect(restarting.status.draining).toBe(false);
    expect(restarting.effects.map((effect) => effect.type)).toEqual(["log"]);
  });

  test("HUP while draining applies nothing; other signals are still forwarded", () => {
    const draining = step(INITIAL_SUPERVISOR, term).status;
    expect(types(draining, { type: "signal", signal: "SIGHUP" })).toEqual(["log"]);
    expect(types(draining, { type: "signal", signal: "SIGUSR1" })).toEqual(["forward"]);
  });

  test("ctl reload while draining is ignored", () => {
    const draining = step(INITIAL_SUPERVISOR, term).status;
    expect(step(draining, { type: "restart" }).effects).toEqual([]);
  });
});
