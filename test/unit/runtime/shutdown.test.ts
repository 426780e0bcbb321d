import { describe, expect, test } from "bun:test";
import type { Slot } from "../../../src/runtime/engine.ts";
import { stopBuckets } from "../../../src/runtime/shutdown.ts";

const slot = (name: string, group: string) =>
  ({ namespec: name, config: { group } }) as unknown as Slot;

describe("shutdown order", () => {
  test("highest group priority first; equal priorities stop together", () => {
    const slots = [slot("db", "db"), slot("web", "web"), slot("api", "api"), slot("cron", "cron")];
    const priority: Record<string, number> = { db: 10, web: 999, api: 999, cron: 500 };
    const buckets = stopBuckets(slots, (s) => priority[s.config.group] as number);
    expect(buckets.map((bucket) => bucket.map((s) => s.namespec))).toEqual([
      ["web", "api"],
      ["cron"],
      ["db"],
    ]);
  });

  test("with default priorities everything is one bucket: one stopwaitsecs in all", () => {
    const slots = Array.from({ length: 20 }, (_, i) => slot(`p${i}`, `p${i}`));
    expect(stopBuckets(slots, () => 999)).toHaveLength(1);
  });
});
