// A program awaited with :done or :exited is a one-shot: its startsecs
// defaults to 0, so ending quickly is an exit, not a failed start.

import { afterAll, describe, expect, test } from "bun:test";
import { configOf, removeConfigFiles } from "../runtime/fake-ports.ts";

afterAll(removeConfigFiles);

const startsecsOf = (ini: string, name: string) =>
  configOf(ini)
    .groups.flatMap((group) => group.processes)
    .find((process) => process.name === name)?.startsecs;

describe("one-shot defaults", () => {
  test("awaited as done or exited: startsecs 0", () => {
    for (const condition of ["done", "exited"]) {
      const ini = `[program:migrate]\ncommand=/bin/m\n[program:web]\ncommand=/bin/w\ndepends_on=migrate:${condition}\n`;
      expect(startsecsOf(ini, "migrate")).toBe(0);
      expect(startsecsOf(ini, "web")).toBe(1);
    }
  });

  test("awaited as started or ready: supervisord's default stays", () => {
    const ini =
      "[program:db]\ncommand=/bin/db\n[program:web]\ncommand=/bin/w\ndepends_on=db:ready\n";
    expect(startsecsOf(ini, "db")).toBe(1);
  });

  test("a startsecs written in the config is kept", () => {
    const ini =
      "[program:migrate]\ncommand=/bin/m\nstartsecs=3\n[program:web]\ncommand=/bin/w\ndepends_on=migrate:done\n";
    expect(startsecsOf(ini, "migrate")).toBe(3);
  });

  test("through a group name, every process of the group", () => {
    const ini =
      "[group:setup]\nprograms=a,b\n[program:a]\ncommand=/bin/a\n[program:b]\ncommand=/bin/b\n" +
      "[program:web]\ncommand=/bin/w\ndepends_on=setup:done\n";
    expect([startsecsOf(ini, "a"), startsecsOf(ini, "b")]).toEqual([0, 0]);
  });
});
