import { describe, expect, test } from "bun:test";
import { configCandidates, findConfig } from "../../../src/config/search.ts";

describe("config search order", () => {
  test("$TEND_CONFIG, tend's places, then supervisord's list relative to the executable", () => {
    expect(configCandidates({ TEND_CONFIG: "/cfg/x.yaml" }, "/usr/local/bin/tend")).toEqual([
      "/cfg/x.yaml",
      "./tend.yaml",
      "./tend.yml",
      "./tend.ini",
      "/etc/tend/tend.yaml",
      "/etc/tend/tend.ini",
      "/usr/local/etc/supervisord.conf",
      "/usr/local/supervisord.conf",
      "./supervisord.conf",
      "./etc/supervisord.conf",
      "/etc/supervisord.conf",
      "/etc/supervisor/supervisord.conf",
    ]);
  });

  test("the first that exists wins", () => {
    const exists = (path: string) => path === "./tend.ini" || path === "/etc/supervisord.conf";
    expect(findConfig({}, "/usr/bin/tend", exists)).toEqual({ found: "./tend.ini" });
  });

  test("none found: every place looked at", () => {
    const result = findConfig({}, "/usr/bin/tend", () => false);
    expect(result).toEqual({ lookedAt: configCandidates({}, "/usr/bin/tend") });
  });
});
