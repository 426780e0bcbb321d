// The buffer of one event listener pool (supervisord's EventListenerPool):
// events it subscribed to wait here, oldest first, at most buffer_size of
// them (a full buffer drops its oldest, and says so); each event gets the
// pool's own serial the first time it is taken in, and a rejected one goes
// back to the head. Which listener gets the head is the runtime's call.

import type { TendEvent } from "./events.ts";
import type { LogLevel } from "./program.ts";

/** An event as the pools share it: one global serial, given by the first pool that takes it. */
export interface SharedEvent {
  readonly event: TendEvent;
  serial: number | undefined;
}

export interface QueuedEvent {
  readonly shared: SharedEvent;
  /** The global serial (supervisord's event.serial). */
  readonly serial: number;
  readonly poolSerial: number;
}

/** supervisord's serials: from 0, wrapping after the largest integer. */
export class Serial {
  private last = -1;

  next(): number {
    this.last = this.last >= Number.MAX_SAFE_INTEGER ? 0 : this.last + 1;
    return this.last;
  }
}

export class EventBuffer {
  private readonly queue: QueuedEvent[] = [];
  private readonly poolSerial = new Serial();
  private readonly serials = new WeakMap<SharedEvent, number>();

  constructor(
    readonly pool: string,
    private readonly size: number,
    private readonly global: Serial,
    private readonly log: (level: LogLevel, message: string) => void,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  /** Takes an event in (at the tail; a rejected one at the head). */
  accept(shared: SharedEvent, head = false): void {
    shared.serial ??= this.global.next();
    let poolSerial = this.serials.get(shared);
    if (poolSerial === undefined) {
      poolSerial = this.poolSerial.next();
      this.serials.set(shared, poolSerial);
    } else {
      this.log(
        "debug",
        `rebuffering event ${shared.serial} for pool ${this.pool} (buf size=${this.queue.length}, max=${this.size})`,
      );
    }
    if (this.queue.length >= this.size) {
      const discarded = this.queue.shift();
      if (discarded)
        this.log(
          "error",
          `pool ${this.pool} event buffer overflowed, discarding event ${discarded.serial}`,
        );
    }
    const queued = { shared, serial: shared.serial, poolSerial };
    if (head) this.queue.unshift(queued);
    else this.queue.push(queued);
  }

  /** The oldest event, taken out; put it back with accept(…, true) if nobody can take it. */
  take(): QueuedEvent | undefined {
    return this.queue.shift();
  }

  /** The serials waiting, oldest first (for tests and the status of a pool). */
  serialsWaiting(): number[] {
    return this.queue.map((queued) => queued.serial);
  }
}
