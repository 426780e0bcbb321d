// Hostile configs (test/fixtures/configs/hostile): loading never throws,
// reports the problem at its file, line, section and key, and stays fast.
// `tend check` on the same inputs, with its memory, is in
// test/integration/hostile.test.ts.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { spawnSync } from "bun";
import { loadConfig } from "../../../src/config/load.ts";
import { HOSTILE } from "../../fixtures/configs/hostile/cases.ts";

const root = realpathSync(mkdtempSync(join(tmpdir(), "tend-hostile-")));
afterAll(() => {
  spawnSync(["chmod", "-R", "u+rwx", root]); // directories made unreadable on purpose
  rmSync(root, { recursive: true, force: true });
});
const isRoot = process.getuid?.() === 0;

/**
 * CPU time (user + system, all of Bun's threads: its collector runs beside),
 * which other work on the machine moves less than wall time; the slowest case
 * takes 1.1-1.9 s, the defects took 5 to 20 s.
 */
const LOAD_CPU_MS = 4000;
/** Wall time, for what uses no CPU while it is stuck (a read that waits). */
const HANG_MS = 15_000;

describe("hostile configs: a problem at its place, never a throw, quickly", () => {
  HOSTILE.forEach((c, index) => {
    test.skipIf(Boolean(c.asNonRoot && isRoot))(c.name, () => {
      const dir = join(root, String(index));
      const files = c.files();
      for (const [name, content] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), content);
      }
      c.setup?.(dir);
      mkdirSync(dir, { recursive: true });
      const main = resolve(dir, c.main ?? (Object.keys(files)[0] as string));
      const started = performance.now();
      const cpu = process.cpuUsage();
      const result = loadConfig(main, { env: { HOME: "/root" }, hostname: "h" });
      const used = process.cpuUsage(cpu);
      const cpuMs = (used.user + used.system) / 1000;
      const ms = performance.now() - started;
      const { problem } = c;
      const problems = result.ok ? result.warnings : [...result.errors, ...result.warnings];
      const found = problems.map((p) => ({
        severity: p.severity,
        file: problem?.file.startsWith("/") ? p.file : relative(dir, p.file),
        line: p.line,
        section: p.section,
        key: p.key,
        message: p.message,
      }));
      if (problem === undefined) expect(found).toEqual([]);
      else
        expect(found).toContainEqual({
          severity: problem.severity,
          file: problem.file,
          line: problem.line,
          section: problem.section,
          key: problem.key,
          message: expect.stringMatching(problem.message),
        });
      expect(result.ok).toBe(c.exit === 0);
      expect(cpuMs).toBeLessThan(LOAD_CPU_MS);
      expect(ms).toBeLessThan(HANG_MS);
    });
  });
});
