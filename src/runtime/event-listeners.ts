// supervisord's event system in run mode: events raised anywhere (state
// changes, program output, groups, ticks, remote messages) go to every pool
// of event listeners subscribed to their type; each pool sends its oldest
// event to a listener that is RUNNING and READY, reads the listener's answer
// from its stdout (core/listener.ts), and takes a rejected event back. No
// pool, no work: with no [eventlistener:x] this module only drops events.

import { EventBuffer, Serial, type SharedEvent } from "../core/event-pool.ts";
import {
  envelope,
  isKindOf,
  processGroupEvent,
  processStateEvent,
  type TendEvent,
  TICKS,
  tickEvent,
  timeslice,
} from "../core/events.ts";
import {
  FRESH_LISTENER,
  type ListenerProtocol,
  listenerOutput,
  listenerSent,
} from "../core/listener.ts";
import type { LogLevel } from "../core/program.ts";
import type { ActiveGroup, Engine, GroupChange, StateChange } from "./engine.ts";
import type { Clock, TimerHandle, Timers } from "./ports.ts";
import type { Slot } from "./slot.ts";

interface Pool {
  readonly name: string;
  group: ActiveGroup;
  buffer: EventBuffer;
}

interface ListenerSlot {
  protocol: ListenerProtocol;
  /** The event it was sent and has not answered yet. */
  handling: { readonly shared: SharedEvent; readonly pool: Pool } | undefined;
}

export interface EventListenersOptions {
  readonly engine: Engine;
  /** `[supervisord] identifier`, the envelope's `server:`. */
  readonly identifier: () => string;
  readonly timers: Timers;
  readonly clock: Clock;
  readonly log: (level: LogLevel, message: string) => void;
}

export class EventListeners {
  private readonly serial = new Serial();
  /** In the order they subscribed (the order groups became active). */
  private readonly pools = new Map<string, Pool>();
  private readonly listeners = new Map<Slot, ListenerSlot>();
  private tickTimer: TimerHandle | undefined;
  private readonly lastTicks = new Map<number, number>();

  constructor(private readonly options: EventListenersOptions) {
    options.engine.onStateChange((change) => this.stateChanged(change));
    options.engine.onGroupChange((change) => this.groupChanged(change));
  }

  /**
   * The groups tend starts with, in start order: each pool subscribes as its
   * group becomes active, then every pool hears PROCESS_GROUP_ADDED for it.
   */
  start(groups: readonly ActiveGroup[]): void {
    for (const group of groups) this.groupChanged({ kind: "added", group });
  }

  /** Forgets every pool and its buffer (`ctl reload` starts from nothing, as supervisord). */
  reset(): void {
    this.pools.clear();
    this.listeners.clear();
    this.scheduleTicks();
  }

  /** Raises an event: every subscribed pool takes it in, and sends it on if it can. */
  notify(event: TendEvent): void {
    const shared: SharedEvent = { event, serial: undefined };
    for (const pool of this.pools.values()) {
      if (!pool.group.config.listener?.events.some((type) => isKindOf(event.type, type))) continue;
      pool.buffer.accept(shared);
      this.dispatch(pool);
    }
  }

  /** Whether any pool hears events of this type (so its source can skip the work). */
  wants(type: TendEvent["type"]): boolean {
    for (const pool of this.pools.values())
      if (pool.group.config.listener?.events.some((subscribed) => isKindOf(type, subscribed)))
        return true;
    return false;
  }

  /** What a listener wrote on its stdout: its side of the protocol. */
  listenerOutput(slot: Slot, bytes: Uint8Array): void {
    const listener = this.listeners.get(slot);
    if (!listener) return;
    const step = listenerOutput(listener.protocol, bytes, slot.config.name);
    listener.protocol = step.protocol;
    for (const effect of step.effects) {
      switch (effect.type) {
        case "log":
          this.options.log(effect.level, effect.message);
          break;
        case "processed":
          listener.handling = undefined;
          break;
        case "rejected":
          this.rejected(listener);
          break;
        case "ready":
          break;
      }
    }
    const pool = this.poolOf(slot);
    if (pool) this.dispatch(pool);
  }

  private stateChanged(change: StateChange): void {
    const { slot } = change;
    this.notify(
      processStateEvent({
        name: slot.config.name,
        group: slot.config.group,
        from: change.from,
        to: change.to,
        pid: change.pid,
        tries: change.tries,
        expected: change.expected !== false,
      }),
    );
    const listener = this.listeners.get(slot);
    if (!listener) return;
    if (change.to === "STARTING") {
      // A new process: a fresh protocol, which owes its first READY.
      listener.protocol = FRESH_LISTENER;
    } else if (change.to === "EXITED" || change.to === "STOPPED" || change.to === "BACKOFF") {
      // It died before answering: the event goes back to its pool.
      this.rejected(listener);
    } else if (change.to === "RUNNING") {
      const pool = this.poolOf(slot);
      if (pool) this.dispatch(pool);
    }
  }

  private groupChanged({ kind, group }: GroupChange): void {
    const name = group.config.name;
    if (kind === "removed") {
      const pool = this.pools.get(name);
      this.pools.delete(name);
      this.notify(processGroupEvent("REMOVED", name));
      if (pool) for (const slot of pool.group.slots) this.listeners.delete(slot);
    } else {
      if (group.config.listener) this.subscribe(group);
      this.notify(processGroupEvent("ADDED", name));
    }
    this.scheduleTicks();
  }

  private subscribe(group: ActiveGroup): void {
    const settings = group.config.listener;
    if (!settings) return;
    const name = group.config.name;
    const pool: Pool = {
      name,
      group,
      buffer: new EventBuffer(name, settings.buffer_size, this.serial, this.options.log),
    };
    this.pools.set(name, pool);
    for (const slot of group.slots) {
      // A listener kept through an update keeps its place in the protocol.
      if (!this.listeners.has(slot))
        this.listeners.set(slot, { protocol: FRESH_LISTENER, handling: undefined });
    }
  }

  private poolOf(slot: Slot): Pool | undefined {
    const pool = this.pools.get(slot.config.group);
    return pool?.group.slots.includes(slot) ? pool : undefined;
  }

  /** An event a listener did not process goes back to the head of its pool's buffer. */
  private rejected(listener: ListenerSlot): void {
    const handling = listener.handling;
    listener.handling = undefined;
    if (!handling || this.pools.get(handling.pool.name) !== handling.pool) return;
    handling.pool.buffer.accept(handling.shared, true);
    this.dispatch(handling.pool);
  }

  /** Sends the oldest events to listeners that are RUNNING and READY, one each. */
  private dispatch(pool: Pool): void {
    while (pool.buffer.length > 0) {
      const ready = pool.group.slots.filter(
        (slot) =>
          slot.status.state === "RUNNING" && this.listeners.get(slot)?.protocol.state === "READY",
      );
      if (ready.length === 0) return;
      const queued = pool.buffer.take();
      if (!queued) return;
      const sent = ready.find((slot) => this.send(slot, pool, queued));
      if (!sent) {
        pool.buffer.accept(queued.shared, true);
        return;
      }
    }
  }

  private send(slot: Slot, pool: Pool, queued: ReturnType<EventBuffer["take"]> & {}): boolean {
    const listener = this.listeners.get(slot);
    if (!listener) return false;
    const text = envelope(queued.shared.event, {
      serial: queued.serial,
      pool: pool.name,
      poolSerial: queued.poolSerial,
      server: this.options.identifier(),
    });
    const written = this.options.engine.writeStdin(slot, new TextEncoder().encode(text));
    if (written !== "ok") {
      this.options.log(
        "debug",
        `epipe occurred while sending event ${queued.serial} to listener ${slot.config.name}, listener state unchanged`,
      );
      return false;
    }
    listener.protocol = listenerSent(listener.protocol);
    listener.handling = { shared: queued.shared, pool };
    this.options.log("debug", `event ${queued.serial} sent to listener ${slot.config.name}`);
    return true;
  }

  /** TICK_5, TICK_60 and TICK_3600, only while some pool hears them: no idle timer otherwise. */
  private scheduleTicks(): void {
    if (this.tickTimer !== undefined) this.options.timers.clear(this.tickTimer);
    this.tickTimer = undefined;
    const now = this.options.clock.now() / 1000;
    const periods = TICKS.filter((tick) => this.wants(tick.type));
    for (const tick of TICKS) {
      if (!periods.includes(tick)) this.lastTicks.delete(tick.period);
      else if (!this.lastTicks.has(tick.period))
        this.lastTicks.set(tick.period, timeslice(tick.period, now));
    }
    if (periods.length === 0) return;
    const next = Math.min(...periods.map((tick) => timeslice(tick.period, now) + tick.period));
    this.tickTimer = this.options.timers.set(
      () => this.tick(),
      Math.max(0, next * 1000 - this.options.clock.now()),
    );
  }

  private tick(): void {
    this.tickTimer = undefined;
    const now = this.options.clock.now() / 1000;
    for (const tick of TICKS) {
      const last = this.lastTicks.get(tick.period);
      if (last === undefined) continue;
      const current = timeslice(tick.period, now);
      if (current === last) continue;
      this.lastTicks.set(tick.period, current);
      this.notify(tickEvent(tick.type, current));
    }
    this.scheduleTicks();
  }
}
