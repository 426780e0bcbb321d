// A process's log in the dashboard, in Chromium, with tend as PID 1: lines
// written after the page opened show up as they come; ANSI colours become
// coloured spans; a byte that is not UTF-8 shows as U+FFFD and breaks
// nothing; stderr has its own button; the filter and follow work; and
// 100,000 lines streamed to two open pages cost tend no growing memory.

import { describe, expect, test } from "bun:test";
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { BUN, eventually, FIXTURES, memoryOf, pidNamespaces, type Tend } from "../harness/index.ts";
import { type Dashboard, launchDashboardTend, openDashboard, sharedBrowser } from "./browser.ts";

// say: prints "say ready", then whatever the test drops into DIR/say.out
// (on stdout) or DIR/say.err (on stderr), byte for byte, as it comes.
const SAY = `
[program:say]
command=sh -c 'echo say ready; while :; do if [ -e DIR/say.out ]; then cat DIR/say.out; rm -f DIR/say.out; fi; if [ -e DIR/say.err ]; then cat DIR/say.err >&2; rm -f DIR/say.err; fi; sleep 0.05; done'
startsecs=0
`;

/** Has `say` write `bytes` on `stream`; resolves once it has taken them. */
async function say(tend: Tend, bytes: string | Uint8Array, stream: "out" | "err" = "out") {
  const path = tend.path(`say.${stream}`);
  await eventually(async () => !existsSync(path), `say to take its last ${stream}`);
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
  await eventually(async () => !existsSync(path), `say to take ${JSON.stringify(String(bytes))}`);
}

/** A page following say's stdout, once "say ready" shows. */
async function following(url: string): Promise<Dashboard> {
  const page = await openDashboard(browser(), url);
  try {
    await page.live();
    await page.openLog("say");
    await page.waitLogLine("say ready");
    return page;
  } catch (error) {
    await page.close();
    throw error;
  }
}

const nonce = () => Math.random().toString(36).slice(2, 10);

const browser = sharedBrowser();

describe.skipIf(!pidNamespaces.ok)("a process's log in the dashboard, tend as PID 1", () => {
  test("a log that grows shows its new lines, in order, without reload", async () => {
    await using it = await launchDashboardTend(SAY);
    await using page = await following(it.url);
    expect(await page.attribute("#log-follow", "aria-pressed")).toBe("true");
    await page.page.evaluate("window.__notReloaded = true");
    const n = nonce();
    for (const i of [1, 2, 3]) {
      await say(it.tend, `grown ${i} ${n}\n`);
      await page.waitLogLine(`grown ${i} ${n}`);
    }
    const lines = await page.logLines();
    const at = [1, 2, 3].map((i) => lines.indexOf(`grown ${i} ${n}`));
    expect(at.every((index) => index >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(lines.at(-1)).toBe(`grown 3 ${n}`);
    expect(await page.page.evaluate("window.__notReloaded === true")).toBe(true);
    expect(page.foreign).toEqual([]);
    expect(page.errors).toEqual([]);
  }, 60_000);

  test("ANSI colours become coloured spans; the escape codes never show", async () => {
    await using it = await launchDashboardTend(SAY);
    await using page = await following(it.url);
    const n = nonce();
    await say(it.tend, `\x1b[31mred alert ${n}\x1b[0m plain tail\n`);
    await page.waitLogLine(`red alert ${n}`);
    const parts = await page.lineColours(`red alert ${n}`);
    expect(parts?.line).toBe(`red alert ${n} plain tail`);
    const red = parts?.spans.find((span) => span.text.includes(`red alert ${n}`));
    expect(red).toBeDefined();
    expect(red?.colour).not.toBe(parts?.colour);
    // Red: the red channel leads.
    const [r = 0, g = 0, b = 0] = (red?.colour.match(/\d+/g) ?? []).map(Number);
    expect(r).toBeGreaterThan(Math.max(g, b));
    await page.screenshotOf("log-ansi", "#log");
    expect(page.errors).toEqual([]);
  }, 60_000);

  test("a byte that is not UTF-8 shows as U+FFFD, and the page goes on", async () => {
    await using it = await launchDashboardTend(SAY);
    await using page = await following(it.url);
    const n = nonce();
    await say(
      it.tend,
      Buffer.concat([Buffer.from("bad "), Buffer.from([0xff, 0xfe]), Buffer.from(` byte ${n}\n`)]),
    );
    const line = await page.waitLogLine(`byte ${n}`);
    expect(line).toContain("\uFFFD");
    expect(line.startsWith("bad ")).toBe(true);
    await say(it.tend, `after ${n}\n`);
    await page.waitLogLine(`after ${n}`);
    await page.screenshotOf("log-not-utf8", "#log");
    expect(await page.text("#connection")).toContain("live");
    expect(page.errors).toEqual([]);
  }, 60_000);

  test("stderr has its own button and its own lines", async () => {
    await using it = await launchDashboardTend(SAY);
    await using page = await following(it.url);
    const n = nonce();
    await say(it.tend, `on stderr ${n}\n`, "err");
    await say(it.tend, `on stdout ${n}\n`, "out");
    await page.waitLogLine(`on stdout ${n}`);
    await page.click('[data-stream="stderr"]');
    await page.waitLogLine(`on stderr ${n}`);
    expect((await page.logLines()).some((line) => line.includes(`on stdout ${n}`))).toBe(false);
    expect(page.errors).toEqual([]);
  }, 60_000);

  test("the log filter shows only matching lines; follow can be paused and resumed", async () => {
    await using it = await launchDashboardTend(SAY);
    await using page = await following(it.url);
    const n = nonce();
    await say(it.tend, `apple 1 ${n}\nbanana 2 ${n}\napple 3 ${n}\n`);
    await page.waitLogLine(`apple 3 ${n}`);
    await page.page.type("#log-filter", "apple");
    await eventually(
      async () => (await page.shownLogLines()).every((line) => line.includes("apple")),
      "only apple lines shown",
    );
    expect((await page.shownLogLines()).filter((line) => line.includes(n))).toEqual([
      `apple 1 ${n}`,
      `apple 3 ${n}`,
    ]);
    await page.clear("#log-filter");
    await eventually(
      async () => (await page.shownLogLines()).includes(`banana 2 ${n}`),
      "every line shown again",
    );

    expect(await page.attribute("#log-follow", "aria-pressed")).toBe("true");
    await page.click("#log-follow");
    expect(await page.waitAttributeChange("#log-follow", "aria-pressed", "true")).toBe("false");
    await page.click("#log-follow");
    expect(await page.waitAttributeChange("#log-follow", "aria-pressed", "false")).toBe("true");
    expect(page.errors).toEqual([]);
  }, 60_000);

  test("100,000 lines streamed to two open pages: tend's memory does not grow", async () => {
    // flood waits for DIR/go, then writes its 100,000 numbered lines as
    // fast as the pipe takes them.
    await using it = await launchDashboardTend(`
[program:flood]
command=${BUN} ${FIXTURES}/emit.ts lines 100000 flood DIR/progress DIR/go
startsecs=0
autorestart=false
stdout_logfile=DIR/flood.log
stdout_logfile_maxbytes=0
`);
    const { tend, url } = it;
    await eventually(
      async () =>
        ((await tend.rpc("supervisor.getProcessInfo", ["flood"])) as { statename: string })
          .statename === "RUNNING",
      "flood RUNNING (and waiting for DIR/go)",
    );
    const pages: Dashboard[] = [];
    try {
      for (const _ of [1, 2]) {
        const page = await openDashboard(browser(), url);
        pages.push(page);
        await page.live();
        await page.openLog("flood");
      }
      // Both pages follow the log; tend has served them: a moment to settle.
      await Bun.sleep(1_000);
      const before = memoryOf(tend.pid);
      const started = performance.now();
      writeFileSync(tend.path("go"), "");
      // Caught up: each page shows the last line.
      for (const page of pages) await page.waitLogLine("flood 100000", 120_000);
      const caughtUp = performance.now() - started;
      await Bun.sleep(2_000);
      const after = memoryOf(tend.pid);
      // Anonymous memory: what buffering would hold. The executable's own pages
      // that serving the pages reads back in (tend dropped them from its
      // resident set once it had settled) count in the RSS but are shared code.
      const growth = after.anonMiB - before.anonMiB;
      console.log(
        `tend's anonymous memory: ${before.anonMiB.toFixed(1)} MiB before, ${after.anonMiB.toFixed(1)} MiB after 100,000 lines to two pages (${growth >= 0 ? "+" : ""}${growth.toFixed(1)} MiB; RSS ${before.rssMiB.toFixed(1)} → ${after.rssMiB.toFixed(1)} MiB); both pages caught up in ${(caughtUp / 1000).toFixed(1)} s`,
      );
      expect(growth).toBeLessThan(12);
      for (const page of pages) {
        // One stream each, from before the first line to after the last: the
        // lines went through it, not through a reconnect's fresh tail.
        const streams = page.requests.filter((r) => r.url.includes("/ui/log?name=flood"));
        expect(streams.length).toBe(1);
        expect(page.errors).toEqual([]);
      }
    } finally {
      for (const page of pages) await page.close();
    }
  }, 180_000);
});
