// What all clients together may hold: the budgets of request and reply
// bytes, and the idle connection holding bytes the longest evicted first.

import { describe, expect, test } from "bun:test";
import {
  CLIENT_LIMITS,
  ClientPool,
  MAX_REQUEST_BYTES_TOTAL,
  type PoolEvent,
  type PoolMember,
} from "../../../src/control/client-pool.ts";

class Member implements PoolMember {
  busy = false;
  held = 0;
  evicted = false;
  constructor(readonly name: string) {}
  evict(): void {
    this.evicted = true;
  }
}

function pool() {
  const events: PoolEvent[] = [];
  return { pool: new ClientPool(CLIENT_LIMITS, (event) => events.push(event)), events };
}

describe("ClientPool: bytes", () => {
  test("request bytes up to the budget; past it idle holders are evicted, oldest first", () => {
    const { pool: p, events } = pool();
    const [a, b, c] = ["a", "b", "c"].map((n) => new Member(n)) as [Member, Member, Member];
    for (const m of [a, b, c]) p.join(m);
    const half = MAX_REQUEST_BYTES_TOTAL / 2;
    expect(p.takeRequestBytes(a, half)).toBe(true);
    a.held = half;
    expect(p.takeRequestBytes(b, half)).toBe(true);
    b.held = half;
    expect(p.held.requestBytes).toBe(MAX_REQUEST_BYTES_TOTAL);
    // c needs some: a (the oldest idle holder) is evicted, and gives its bytes back as it closes.
    const evict = a.evict.bind(a);
    a.evict = () => {
      evict();
      p.giveRequestBytes(a.held);
    };
    expect(p.takeRequestBytes(c, 100)).toBe(true);
    expect(a.evicted).toBe(true);
    expect(b.evicted).toBe(false);
    expect(events).toEqual(["evicted"]);
  });

  test("activity counts as recent: the holder active lately is evicted last", () => {
    const { pool: p } = pool();
    const [a, b, c] = ["a", "b", "c"].map((n) => new Member(n)) as [Member, Member, Member];
    for (const m of [a, b, c]) p.join(m);
    for (const m of [a, b]) {
      p.takeRequestBytes(m, MAX_REQUEST_BYTES_TOTAL / 2);
      m.held = MAX_REQUEST_BYTES_TOTAL / 2;
      const evict = m.evict.bind(m);
      m.evict = () => {
        evict();
        p.giveRequestBytes(m.held);
      };
    }
    p.touch(a);
    expect(p.takeRequestBytes(c, 1)).toBe(true);
    expect([a.evicted, b.evicted]).toEqual([false, true]);
  });

  test("no idle holder to evict: refused", () => {
    const { pool: p, events } = pool();
    const [a, b] = ["a", "b"].map((n) => new Member(n)) as [Member, Member];
    p.join(a);
    p.join(b);
    expect(p.takeRequestBytes(a, MAX_REQUEST_BYTES_TOTAL)).toBe(true);
    a.held = MAX_REQUEST_BYTES_TOTAL;
    a.busy = true;
    expect(p.takeRequestBytes(b, 1)).toBe(false);
    expect(events).toEqual(["over-budget"]);
    p.giveRequestBytes(MAX_REQUEST_BYTES_TOTAL);
    expect(p.takeRequestBytes(b, 1)).toBe(true);
  });

  test("reply bytes up to their budget", () => {
    const { pool: p, events } = pool();
    const limit = p.limits.maxReplyBytes;
    expect(p.takeReplyBytes(limit)).toBe(true);
    expect(p.takeReplyBytes(1)).toBe(false);
    p.giveReplyBytes(limit);
    expect(p.takeReplyBytes(1)).toBe(true);
    expect(events).toEqual(["over-budget"]);
  });

  test("leave forgets a member", () => {
    const { pool: p } = pool();
    const a = new Member("a");
    p.join(a);
    p.leave(a);
    expect(p.size).toBe(0);
  });
});
