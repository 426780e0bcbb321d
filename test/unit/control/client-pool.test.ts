// What all clients together may take: the limits from RLIMIT_NOFILE and
// minfds, the connection cap with the idle connection evicted first, the
// descriptor ceiling, and the budgets of request and reply bytes.

import { describe, expect, test } from "bun:test";
import {
  ClientPool,
  clientLimits,
  MAX_REQUEST_BYTES_TOTAL,
  type PoolEvent,
  type PoolMember,
} from "../../../src/control/client-pool.ts";

describe("clientLimits(nofile, minfds)", () => {
  test.each([
    // nofile, minfds: reserve, max descriptors, max connections
    [256, 1024, 128, 128, 64],
    [1024, 1024, 512, 512, 256],
    [4096, 1024, 1024, 3072, 1024],
    [1_048_576, 1024, 1024, 1_047_552, 1024],
    [1024, 100, 100, 924, 462],
    [1024, 0, 0, 1024, 512],
    [16, 1024, 8, 8, 4],
    [4, 1024, 2, 2, 4],
  ])(
    "nofile %d, minfds %d: reserve %d, at most %d descriptors, %d connections",
    (nofile, minfds, reserve, maxDescriptors, maxConnections) => {
      expect(clientLimits(nofile, minfds)).toMatchObject({
        reserve,
        maxDescriptors,
        maxConnections,
      });
    },
  );
});

class Member implements PoolMember {
  busy = false;
  held = 0;
  evicted = false;
  constructor(readonly name: string) {}
  evict(): void {
    this.evicted = true;
  }
}

function pool(maxConnections: number, descriptors: () => number | undefined = () => undefined) {
  const events: PoolEvent[] = [];
  const limits = { ...clientLimits(1024, 0), maxConnections, maxDescriptors: 100 };
  return { pool: new ClientPool(limits, descriptors, (event) => events.push(event)), events };
}

describe("ClientPool: connections", () => {
  test("below the cap everyone is let in", () => {
    const { pool: p, events } = pool(5);
    const members = ["a", "b", "c", "d", "e"].map((n) => new Member(n));
    for (const m of members) expect(p.admit(m)).toBe(true);
    expect(p.size).toBe(5);
    expect(events).toEqual([]);
  });

  test("at the cap, the connection idle the longest makes way; activity counts as recent", () => {
    const { pool: p, events } = pool(5);
    const members = ["a", "b", "c", "d", "e"].map((n) => new Member(n));
    for (const m of members) p.admit(m);
    const [a, b, c] = members as [Member, Member, Member];
    p.touch(a);
    b.busy = true;
    expect(p.admit(new Member("f"))).toBe(true);
    // a was active lately, b is busy: c is the oldest idle one.
    expect(members.map((m) => m.evicted)).toEqual([false, false, true, false, false]);
    expect(c.evicted).toBe(true);
    expect(p.size).toBe(5);
    expect(events).toEqual(["evicted"]);
  });

  test("every connection busy: the new one is refused", () => {
    const { pool: p, events } = pool(4);
    const members = ["a", "b", "c", "d"].map((n) => new Member(n));
    for (const m of members) {
      p.admit(m);
      m.busy = true;
    }
    expect(p.admit(new Member("e"))).toBe(false);
    expect(members.some((m) => m.evicted)).toBe(false);
    expect(events).toEqual(["refused"]);
  });

  test("over the descriptor ceiling, idle connections make way even below the cap", () => {
    let open = 50;
    const { pool: p } = pool(100, () => open);
    const members = Array.from({ length: 10 }, (_, i) => new Member(`m${i}`));
    for (const m of members) p.admit(m);
    // Programs took descriptors: tend has 103 open with the new connection (the ceiling is 100).
    open = 103;
    expect(p.admit(new Member("new"))).toBe(true);
    expect(members.filter((m) => m.evicted).map((m) => m.name)).toEqual(["m0", "m1", "m2"]);
  });

  test("a few connections are always let in, whatever the descriptors", () => {
    const { pool: p } = pool(100, () => 1000);
    for (let i = 0; i < 4; i++) expect(p.admit(new Member(`m${i}`))).toBe(true);
    const busy = new Member("busy");
    expect(p.size).toBe(4);
    expect(p.admit(busy)).toBe(true); // by evicting one
    expect(p.size).toBe(4);
  });

  test("leave forgets a member", () => {
    const { pool: p } = pool(4);
    const a = new Member("a");
    p.admit(a);
    p.leave(a);
    expect(p.size).toBe(0);
  });
});

describe("ClientPool: bytes", () => {
  test("request bytes up to the budget; past it idle holders are evicted, oldest first", () => {
    const { pool: p, events } = pool(10);
    const [a, b, c] = ["a", "b", "c"].map((n) => new Member(n)) as [Member, Member, Member];
    for (const m of [a, b, c]) p.admit(m);
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

  test("no idle holder to evict: refused", () => {
    const { pool: p, events } = pool(10);
    const [a, b] = ["a", "b"].map((n) => new Member(n)) as [Member, Member];
    p.admit(a);
    p.admit(b);
    expect(p.takeRequestBytes(a, MAX_REQUEST_BYTES_TOTAL)).toBe(true);
    a.held = MAX_REQUEST_BYTES_TOTAL;
    a.busy = true;
    expect(p.takeRequestBytes(b, 1)).toBe(false);
    expect(events).toEqual(["over-budget"]);
    p.giveRequestBytes(MAX_REQUEST_BYTES_TOTAL);
    expect(p.takeRequestBytes(b, 1)).toBe(true);
  });

  test("reply bytes up to their budget", () => {
    const { pool: p, events } = pool(10);
    const limit = p.limits.maxReplyBytes;
    expect(p.takeReplyBytes(limit)).toBe(true);
    expect(p.takeReplyBytes(1)).toBe(false);
    p.giveReplyBytes(limit);
    expect(p.takeReplyBytes(1)).toBe(true);
    expect(events).toEqual(["over-budget"]);
  });
});
