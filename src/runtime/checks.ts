// Running ready and live checks: when each probe runs (initial delay, then
// every period, never two at once for one check), and feeding each result to
// the reducer as a `check` event. Readiness is watched from the spawn until
// the process stops; liveness only while it is RUNNING. Push kinds (fd:N,
// notify) and log:REGEX arrive as notices and output lines instead of
// probes. A result for a process that has ended or been replaced is dropped.
// While a program is STARTING its ready check runs ten times as often (like
// Docker's start_interval), so readiness is seen soon after it is true.

import type { CheckSpec } from "../config/check-spec.ts";
import type { ProgramEvent } from "../core/program.ts";
import type { ProcessStateName } from "../core/states.ts";
import type {
  Clock,
  Notice,
  ProbeOps,
  ProbeResult,
  RunningProcess,
  TimerHandle,
  Timers,
} from "./ports.ts";
import { rememberCheck, type Slot } from "./slot.ts";

export interface CheckPorts {
  readonly probes: ProbeOps;
  readonly timers: Timers;
  readonly clock: Clock;
  /** Hands a result to the reducer (the engine's dispatch). */
  readonly dispatch: (slot: Slot, event: ProgramEvent) => void;
  /** The process said something of itself (a notify STATUS=). */
  readonly noted: (slot: Slot) => void;
}

type Which = "ready" | "live";

/** One check of one running process: its timer, whether a probe is out. */
interface Watch {
  readonly pid: number;
  readonly which: Which;
  timer: TimerHandle | undefined;
  stopped: boolean;
}

const SECOND = 1000;
/** Until its first pass, a program's ready check runs at this fraction of ready_period... */
const STARTING_FRACTION = 0.1;
/** ...but not more often than every 10 ms. */
const STARTING_MIN_INTERVAL = 10;

export class CheckRunner {
  private readonly watches = new Map<Slot, { ready?: Watch; live?: Watch }>();
  /** Processes whose log:REGEX has not matched since they were spawned, with the compiled pattern. */
  private readonly logWatches = new Map<Slot, { pid: number; pattern: RegExp }>();

  constructor(private readonly ports: CheckPorts) {}

  /** The process entered `to`: liveness begins with RUNNING; every check ends when it stops. */
  stateChanged(slot: Slot, to: ProcessStateName): void {
    if (to === "RUNNING") this.startWatch(slot, "live");
    else if (to !== "STARTING") this.stopAll(slot);
  }

  /**
   * An update gave a running process new checks: a polled check added
   * begins now (a removed one ends at its next turn); without a ready check
   * any more, RUNNING is ready again.
   */
  refresh(slot: Slot): void {
    const { state, pid } = slot.status;
    if (pid === 0 || (state !== "STARTING" && state !== "RUNNING")) return;
    if (!slot.config.ready_check && state === "RUNNING" && !slot.status.ready)
      this.result(slot, "ready", true, "");
    // STARTING without a ready check any more: RUNNING once startsecs have passed (maybe now).
    if (!slot.config.ready_check && state === "STARTING")
      this.ports.dispatch(slot, { type: "tick" });
    this.startWatch(slot, "ready");
    if (state === "RUNNING") this.startWatch(slot, "live");
  }

  /** The process left tend: nothing more is checked. */
  forget(slot: Slot): void {
    this.stopAll(slot);
  }

  /** A line of process `pid`'s output, for log:REGEX (stdout and stderr alike). */
  outputLine(slot: Slot, line: string, pid: number): void {
    const watch = this.logWatches.get(slot);
    if (!watch || watch.pid !== pid || pid !== slot.status.pid || !watch.pattern.test(line)) return;
    this.logWatches.delete(slot);
    this.result(slot, "ready", true, "");
  }

  /** Whether output lines of `slot`'s process `pid` are awaited now (the log tap is cheap when not). */
  wantsOutput(slot: Slot, pid: number): boolean {
    return this.logWatches.get(slot)?.pid === pid;
  }

  /** A process was spawned: its ready check begins (polled, or listening for it). */
  spawned(slot: Slot, child: RunningProcess): void {
    // Not the live check that RUNNING (startsecs=0) may have begun for this process already.
    this.stopAll(slot, child.pid);
    const check = slot.config.ready_check;
    if (!check) return;
    if (check.kind === "log") {
      this.logWatches.set(slot, { pid: child.pid, pattern: new RegExp(check.pattern) });
    } else if (check.kind === "fd" || check.kind === "notify") {
      child.notices?.listen((notice) => this.notice(slot, child.pid, notice));
    } else this.startWatch(slot, "ready");
  }

  private notice(slot: Slot, pid: number, notice: Notice): void {
    if (slot.status.pid !== pid) return;
    if (notice.kind === "status") {
      if (slot.note === notice.text) return;
      slot.note = notice.text;
      this.ports.noted(slot);
      return;
    }
    if (slot.status.ready) return;
    this.result(slot, "ready", true, "");
  }

  private startWatch(slot: Slot, which: Which): void {
    const check = this.checkOf(slot, which);
    if (!check || !isPolled(check) || slot.status.pid === 0) return;
    const watches = this.watches.get(slot) ?? {};
    if (watches[which]) return;
    const watch: Watch = {
      pid: slot.status.pid,
      which,
      timer: undefined,
      stopped: false,
    };
    watches[which] = watch;
    this.watches.set(slot, watches);
    this.schedule(slot, watch, this.timing(slot, which).initialDelay * SECOND);
  }

  private checkOf(slot: Slot, which: Which): CheckSpec | undefined {
    return which === "ready" ? slot.config.ready_check : slot.config.live_check;
  }

  /** Read at every probe, so an update's new timing applies to a running process. */
  private timing(slot: Slot, which: Which) {
    const c = slot.config;
    return which === "ready"
      ? { initialDelay: c.ready_initial_delay, period: c.ready_period, timeout: c.ready_timeout }
      : { initialDelay: c.live_initial_delay, period: c.live_period, timeout: c.live_timeout };
  }

  private schedule(slot: Slot, watch: Watch, delay: number): void {
    if (watch.stopped) return;
    watch.timer = this.ports.timers.set(
      () => {
        watch.timer = undefined;
        void this.probe(slot, watch);
      },
      Math.max(0, delay),
    );
  }

  private async probe(slot: Slot, watch: Watch): Promise<void> {
    const check = this.checkOf(slot, watch.which);
    if (watch.stopped || !check || !isPolled(check)) return this.drop(slot, watch);
    const { period, timeout } = this.timing(slot, watch.which);
    const started = this.ports.clock.now();
    // A probe that throws (it should not) fails this once; the watch goes on.
    const failed = (error: unknown): ProbeResult => ({
      ok: false,
      message: `internal error: ${String(error)}`,
    });
    let pending: Promise<ProbeResult>;
    try {
      pending = this.ports.probes.probe(check, slot.config, timeout * SECOND);
    } catch (error) {
      pending = Promise.resolve(failed(error));
    }
    const result = await pending.catch(failed);
    if (watch.stopped || slot.status.pid !== watch.pid) return;
    this.result(slot, watch.which, result.ok, result.message);
    // The next probe a period after this one began, never two at once; a
    // program not yet ready is probed ten times as often, so a chain of
    // dependents does not lose most of a period per link.
    const elapsed = this.ports.clock.now() - started;
    const starting = watch.which === "ready" && !result.ok && slot.status.state === "STARTING";
    const interval = starting
      ? Math.max(STARTING_MIN_INTERVAL, period * SECOND * STARTING_FRACTION)
      : period * SECOND;
    this.schedule(slot, watch, interval - elapsed);
  }

  /** A check's result, counted (for /metrics) and handed to the reducer. */
  private result(slot: Slot, check: "ready" | "live", ok: boolean, message: string): void {
    slot.checkResults[check][ok ? "success" : "failure"]++;
    rememberCheck(slot, check, { at: this.ports.clock.now(), ok, message: ok ? "" : message });
    this.ports.dispatch(slot, { type: "check", check, ok, message });
  }

  private drop(slot: Slot, watch: Watch): void {
    watch.stopped = true;
    const watches = this.watches.get(slot);
    if (watches?.[watch.which] === watch) delete watches[watch.which];
  }

  /** Ends every check of the slot, or only those of other processes than `keepPid`. */
  private stopAll(slot: Slot, keepPid?: number): void {
    this.logWatches.delete(slot);
    const watches = this.watches.get(slot);
    if (!watches) return;
    for (const which of ["ready", "live"] as const) {
      const watch = watches[which];
      if (!watch || watch.pid === keepPid) continue;
      watch.stopped = true;
      if (watch.timer !== undefined) this.ports.timers.clear(watch.timer);
      delete watches[which];
    }
    if (!watches.ready && !watches.live) this.watches.delete(slot);
  }
}

function isPolled(check: CheckSpec): boolean {
  return check.kind !== "log" && check.kind !== "fd" && check.kind !== "notify";
}
