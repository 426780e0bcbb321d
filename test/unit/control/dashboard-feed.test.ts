// The dashboard's push stream, edge by edge, over the real command layer
// and a fake supervisor whose processes a test moves: a change becomes one
// event with only the rows that changed; changes that come together are one
// event; nothing is watched while no page is open; a page that reconnects
// with its last id gets exactly what it missed (or a snapshot), so no change
// is ever lost; a page that stops reading is cut off, not buffered forever.

import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { CommandLayer } from "../../../src/control/commands/index.ts";
import {
  DashboardFeed,
  type FeedEvent,
  type FeedTable,
  JOURNAL_EVENTS,
} from "../../../src/control/dashboard-feed.ts";
import { feedResponse } from "../../../src/control/dashboard-streams.ts";
import type { DashboardProcess } from "../../../src/protocol/dashboard.ts";
import { FakeSupervisor, groupsOf, removeConfigFiles } from "./fake-supervisor.ts";

afterAll(removeConfigFiles);

const GROUPS = groupsOf(`
[program:web]
command=/bin/cat
[program:db]
command=/bin/cat
[group:workers]
programs=w1,w2
[program:w1]
command=/bin/cat
[program:w2]
command=/bin/cat
`);

let fake: FakeSupervisor;
let watching: number;
let feed: DashboardFeed;

function makeFeed(readonly = false): DashboardFeed {
  const layer = new CommandLayer(fake, { tendVersion: "9.9.9", now: () => 1_700_000_000_000 });
  return new DashboardFeed(
    {
      read: async () => (await layer.call("tend.getDashboard", [])) as unknown as FeedTable,
      watch: (changed) => {
        watching++;
        const unsubscribe = fake.onChange(changed);
        return () => {
          watching--;
          unsubscribe();
        };
      },
    },
    readonly,
  );
}

beforeEach(() => {
  fake = new FakeSupervisor(GROUPS);
  watching = 0;
  feed = makeFeed();
});

/** Lets the feed read and publish what the fake's listeners told it. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A page: the events it got, and the table it would show from them. */
function page() {
  const events: FeedEvent[] = [];
  const rows = new Map<string, DashboardProcess>();
  let tendState = "";
  const send = (event: FeedEvent) => {
    events.push(event);
    if (event.type === "snapshot") {
      rows.clear();
      for (const row of event.data.processes) rows.set(row.namespec, row);
      tendState = event.data.tend.state;
      return;
    }
    for (const row of event.data.processes) rows.set(row.namespec, row);
    for (const name of event.data.removed) rows.delete(name);
    if (event.data.tend) tendState = event.data.tend.state;
  };
  const lastId = () => events.at(-1)?.id;
  const states = () => Object.fromEntries([...rows].map(([name, row]) => [name, row.statename]));
  return { events, send, lastId, states, tend: () => tendState };
}

/** What tend has now, as a page should show it. */
function truth(): Record<string, string> {
  return Object.fromEntries(
    fake.active.flatMap((group) => group.slots.map((slot) => [slot.namespec, slot.status.state])),
  );
}

describe("the push stream of the process table", () => {
  test("nothing is watched until a page follows, and nothing once the last one left", async () => {
    expect(watching).toBe(0);
    const a = page();
    const b = page();
    const leaveA = await feed.follow(a.send);
    const leaveB = await feed.follow(b.send);
    expect(watching).toBe(1);
    expect(feed.followers).toBe(2);
    leaveA();
    expect(watching).toBe(1);
    leaveB();
    expect(watching).toBe(0);
    fake.move("web", { state: "RUNNING", pid: 7 });
    await settle();
    expect(a.events).toHaveLength(1);
  });

  test("a page first gets the whole table, with tend's state and the page's mode", async () => {
    const readonlyFeed = makeFeed(true);
    const a = page();
    await readonlyFeed.follow(a.send);
    expect(a.events).toHaveLength(1);
    const [first] = a.events;
    expect(first?.type).toBe("snapshot");
    if (first?.type !== "snapshot") return;
    expect(first.data.tend).toEqual({
      identification: "fake-tend",
      state: "RUNNING",
      pid: 4242,
      version: "9.9.9",
      readonly: true,
    });
    expect(first.data.processes.map((row) => row.namespec)).toEqual([
      "db",
      "web",
      "workers:w1",
      "workers:w2",
    ]);
  });

  test("a state change → one event carrying only that process's row", async () => {
    const a = page();
    await feed.follow(a.send);
    fake.move("web", { state: "RUNNING", pid: 321, laststart: 1_699_999_990_000 });
    await settle();
    expect(a.events).toHaveLength(2);
    const change = a.events[1];
    expect(change?.type).toBe("change");
    if (change?.type !== "change") return;
    expect(change.data.processes).toHaveLength(1);
    expect(change.data.processes[0]).toMatchObject({
      namespec: "web",
      statename: "RUNNING",
      pid: 321,
      ready: true,
      description: "pid 321, uptime 0:00:10",
    });
    expect(change.data.removed).toEqual([]);
    expect(change.data.tend).toBeUndefined();
  });

  test("changes told together are read once: one event with every changed row", async () => {
    const a = page();
    await feed.follow(a.send);
    fake.move("web", { state: "STARTING", pid: 5 });
    fake.move("db", { state: "STARTING", pid: 6 });
    fake.move("web", { state: "RUNNING" });
    await settle();
    expect(a.events).toHaveLength(2);
    const change = a.events[1];
    if (change?.type !== "change") throw new Error("expected a change");
    expect(change.data.processes.map((row) => [row.namespec, row.statename])).toEqual([
      ["db", "STARTING"],
      ["web", "RUNNING"],
    ]);
  });

  test("a notice that changes nothing shown sends nothing", async () => {
    const a = page();
    await feed.follow(a.send);
    fake.move("web", {});
    await settle();
    expect(a.events).toHaveLength(1);
  });

  test("a group that leaves is named in removed; tend's own state change is sent with it", async () => {
    const a = page();
    await feed.follow(a.send);
    fake.active = fake.active.filter((group) => group.config.name !== "workers");
    fake.supervisorState = "SHUTDOWN";
    fake.move("web", {});
    await settle();
    const change = a.events[1];
    if (change?.type !== "change") throw new Error("expected a change");
    expect(change.data.removed).toEqual(["workers:w1", "workers:w2"]);
    expect(change.data.tend?.state).toBe("SHUTDOWN");
    expect(a.states()).toEqual(truth());
    expect(a.tend()).toBe("SHUTDOWN");
  });

  test("a page that reconnects with its last id gets every change it missed, and only those", async () => {
    const stays = page();
    await feed.follow(stays.send);
    const comes = page();
    const leave = await feed.follow(comes.send);
    fake.move("web", { state: "STARTING", pid: 5 });
    await settle();
    const lastSeen = comes.lastId();
    leave(); // the connection drops
    fake.move("web", { state: "RUNNING" });
    await settle();
    fake.move("db", { state: "FATAL", spawnerr: "no" });
    await settle();
    fake.move("workers:w1", { state: "BACKOFF" });
    await settle();
    const back = page();
    await feed.follow(back.send, lastSeen);
    expect(back.events.map((event) => event.type)).toEqual(["change", "change", "change"]);
    // The page's table (from before the drop, plus the replay) is tend's.
    for (const event of back.events) comes.send(event);
    expect(comes.states()).toEqual(truth());
    expect(stays.states()).toEqual(truth());
    // And the ids go on from the one it had.
    expect(back.events.map((event) => event.id)).toEqual(stays.events.slice(2).map((e) => e.id));
  });

  test("reconnecting when nobody else followed: a fresh snapshot, nothing lost", async () => {
    const a = page();
    const leave = await feed.follow(a.send);
    const lastSeen = a.lastId();
    leave();
    fake.move("web", { state: "RUNNING", pid: 9 });
    await settle();
    const back = page();
    await feed.follow(back.send, lastSeen);
    expect(back.events.map((event) => event.type)).toEqual(["snapshot"]);
    expect(back.states()).toEqual(truth());
  });

  test("an id the journal no longer covers, or of another run, or garbage: a snapshot", async () => {
    const stays = page();
    await feed.follow(stays.send);
    const early = stays.lastId();
    for (let i = 0; i <= JOURNAL_EVENTS; i++) {
      fake.move("web", { pid: 100 + i, state: "RUNNING" });
      await settle();
    }
    for (const lastId of [early, "otherrun-3", "nonsense", "", `${early}0000`]) {
      const back = page();
      await feed.follow(back.send, lastId);
      expect(back.events.map((event) => event.type)).toEqual(["snapshot"]);
      expect(back.states()).toEqual(truth());
    }
  });

  test("the stream: retry, then server-sent events with id, type and JSON data", async () => {
    const gone = new AbortController();
    const response = feedResponse(feed, gone.signal, undefined);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no body");
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("event: snapshot")) {
      const { value } = await reader.read();
      text += decoder.decode(value);
    }
    fake.move("web", { state: "RUNNING", pid: 44 });
    while (!text.includes("event: change")) {
      const { value } = await reader.read();
      text += decoder.decode(value);
    }
    const blocks = text.split("\n\n").filter(Boolean);
    expect(blocks[0]).toBe("retry: 1000");
    expect(blocks[1]).toMatch(/^id: \S+-0\nevent: snapshot\ndata: \{.*\}$/);
    expect(blocks[2]).toMatch(/^id: \S+-1\nevent: change\ndata: \{.*\}$/);
    const data = JSON.parse(blocks[2]?.split("\ndata: ")[1] ?? "");
    expect(data.processes[0]).toMatchObject({ namespec: "web", pid: 44 });
    expect(feed.followers).toBe(1);
    gone.abort();
    expect(feed.followers).toBe(0);
    expect(watching).toBe(0);
  });

  test("a page that stops reading is cut off past 1 MiB of unread events, and stops costing", async () => {
    const response = feedResponse(feed, new AbortController().signal, undefined);
    await settle();
    expect(feed.followers).toBe(1);
    // Nobody reads the body; tend keeps changing.
    for (let i = 0; i < 400 && feed.followers > 0; i++) {
      // A FATAL's description is its spawn error: 20 kB rows.
      fake.move("web", { state: "FATAL", spawnerr: `${i} ${"x".repeat(20_000)}` });
      await settle();
    }
    expect(feed.followers).toBe(0);
    expect(watching).toBe(0);
    await response.body?.cancel();
  });
});
