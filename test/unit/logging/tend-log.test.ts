// tend's own log: supervisord's layout and level names in text, one JSON
// object a line with log_format=json, and loglevel honoured.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogHub } from "../../../src/logging/hub.ts";
import { createTendLogger } from "../../../src/logging/tend-log.ts";

const dir = mkdtempSync(join(tmpdir(), "tend-log-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function logTo(
  name: string,
  format: "text" | "json",
  loglevel: "info" | "debug" | "warn",
): string[] {
  const logfile = join(dir, name);
  const hub = new LogHub({ format, prefix: true, color: false, labelWidth: 0 });
  const main = hub.mainLog(logfile, 0, 0);
  const logger = createTendLogger({ write: (line) => main.target.write(line), loglevel, format });
  logger.debug("debug line");
  logger.info("spawned: 'web' with pid 12");
  logger.warn("exited: web (exit status 1; not expected)");
  logger.critical("critical line");
  hub.close();
  return readFileSync(logfile, "utf8").split("\n").filter(Boolean);
}

describe("tend's own log", () => {
  test("text: supervisord's time stamp, level name and message", () => {
    const lines = logTo("text.log", "text", "info");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO spawned: 'web' with pid 12$/,
    );
    expect(lines[1]).toEndWith(" WARN exited: web (exit status 1; not expected)");
    expect(lines[2]).toEndWith(" CRIT critical line");
  });

  test("json: one object a line with time, level and msg", () => {
    const entries = logTo("json.log", "json", "debug").map((line) => JSON.parse(line));
    expect(entries.map((e) => [e.level, e.msg])).toEqual([
      [20, "debug line"],
      [30, "spawned: 'web' with pid 12"],
      [40, "exited: web (exit status 1; not expected)"],
      [60, "critical line"],
    ]);
    expect(typeof entries[0].time).toBe("number");
  });

  test("loglevel=warn drops info and debug", () => {
    const lines = logTo("warn.log", "text", "warn");
    expect(lines.map((line) => line.split(" ").slice(2, 3)[0])).toEqual(["WARN", "CRIT"]);
  });

  test("appends to an existing file", () => {
    logTo("append.log", "text", "info");
    expect(logTo("append.log", "text", "info")).toHaveLength(6);
  });
});
