// The browser side of the dashboard tests: Debian's Chromium, headless,
// driven by puppeteer-core (which never downloads a browser of its own).
// One browser per test file (launchBrowser, tracked by the harness so that
// a failed file still ends it); a new page per test (openDashboard), whose
// every request is recorded and whose requests to any other origin than
// tend's are blocked and kept for the test to assert on; screenshots go to
// test/browser/artifacts/. The page's markup is the contract of the
// dashboard (docs and src/protocol/dashboard.ts): ids, data-name,
// data-col, data-action.

import { afterAll, beforeAll } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import puppeteer, {
  type BoundingBox,
  type Browser,
  type HTTPRequest,
  type Page,
} from "puppeteer-core";
import { ROOT } from "../harness/paths.ts";
import { origin, type Resource, track, untrack } from "../harness/registry.ts";
import type { Tend } from "../harness/tend.ts";
import { launchTend, type TendOptions } from "../harness/tend.ts";
import { freePort } from "../harness/xmlrpc.ts";

/** Debian's Chromium (apt-get install chromium); TEND_CHROMIUM=PATH for another. */
export const CHROMIUM = process.env.TEND_CHROMIUM || "/usr/bin/chromium";
export const ARTIFACTS = join(ROOT, "test/browser/artifacts");

// The project's TypeScript has no DOM library (it would change the types of
// Bun's own globals), so the few things of the page that the functions run
// inside it use are declared here, for this file only. Those functions are
// sent to the page as text and run there, where these globals exist.
interface PageElement {
  readonly id: string;
  readonly tagName: string;
  readonly textContent: string | null;
  readonly innerText: string;
  readonly open?: boolean;
  readonly disabled?: boolean;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  matches(selector: string): boolean;
  closest(selector: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement> & ArrayLike<PageElement>;
  checkVisibility(): boolean;
}
declare const document: {
  readonly documentElement: { readonly scrollWidth: number; readonly scrollHeight: number };
  readonly activeElement: PageElement | null;
  readonly body: PageElement;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement> & ArrayLike<PageElement>;
};
declare const window: { readonly innerWidth: number };
declare function getComputedStyle(element: PageElement): Record<string, string>;

/**
 * A short name of an element, the same for the same control across calls:
 * `[data-action=stop][data-target=web]`, `button#main-log`,
 * `button[data-sort=name]`, `button.name in web`. Runs in the page.
 */
function describe(e: PageElement): string {
  if (e === document.body) return "body";
  const action = e.getAttribute("data-action");
  if (action) return `[data-action=${action}][data-target=${e.getAttribute("data-target")}]`;
  const tag = e.tagName.toLowerCase();
  if (e.id) return `${tag}#${e.id}`;
  for (const data of ["data-sort", "data-stream"]) {
    const value = e.getAttribute(data);
    if (value) return `${tag}[${data}=${value}]`;
  }
  const row = e.closest("tr[data-name]");
  const cls = (e.getAttribute("class") ?? "").split(/\s+/).filter(Boolean);
  return `${tag}${cls.map((c) => `.${c}`).join("")}${row ? ` in ${row.getAttribute("data-name")}` : ""}`;
}

/** Chromium, headless, as root (no sandbox), tracked until closed. */
/**
 * One Chromium for the test file that calls this (launched before its first
 * test, closed after its last); returns the getter its tests use.
 */
export function sharedBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error("the browser is not launched yet");
    return browser;
  };
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set TEND_CHROMIUM)`);
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // --no-sandbox: the tests run as root, where Chromium's sandbox refuses
    // to start. --disable-dev-shm-usage: containers' /dev/shm is small.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  const child = browser.process();
  const resource: Resource = {
    label: `${CHROMIUM} (puppeteer)`,
    origin: origin(),
    process: true,
    dispose: async () => {
      untrack(resource);
      await browser.close().catch(() => child?.kill("SIGKILL"));
    },
    disposeNow: () => {
      untrack(resource);
      child?.kill("SIGKILL");
    },
  };
  track(resource);
  browser.once("disconnected", () => untrack(resource));
  return browser;
}

/** One tend as PID 1 with an [inet_http_server] on 127.0.0.1, and its URL. */
export interface DashboardTend {
  readonly tend: Tend;
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
}

/**
 * tend on `programs` (DIR is its scratch directory) with an inet server on
 * a free port, plus `inet` lines in that section (`ui=readonly`,
 * `username=`...). Resolves once tend answers on its socket.
 */
export async function launchDashboardTend(
  programs: string,
  inet = "",
  options: Omit<TendOptions, "programs" | "server"> = {},
): Promise<DashboardTend & AsyncDisposable> {
  const port = freePort();
  const tend = await launchTend({
    ...options,
    server: "",
    programs: `${programs}\n[inet_http_server]\nport=127.0.0.1:${port}\n${inet}\n`,
  });
  try {
    await tend.ready();
  } catch (error) {
    await tend.dispose();
    throw error;
  }
  return {
    tend,
    port,
    url: `http://127.0.0.1:${port}`,
    [Symbol.asyncDispose]: () => tend.dispose(),
  };
}

export interface Viewport {
  readonly width: number;
  readonly height: number;
}
/**
 * How often a wait looks at the page again. An interval rather than
 * puppeteer's "mutation" (its observer misses a text node changed in place)
 * or "raf" (a page in the background draws no frames).
 */
const POLL_MS = 20;

export const WIDE: Viewport = { width: 1280, height: 800 };
export const PHONE: Viewport = { width: 360, height: 740 };

export interface OpenOptions {
  readonly viewport?: Viewport;
  readonly dark?: boolean;
  /** More origins the page may reach (an attacker's page reaching tend's). */
  readonly allow?: readonly string[];
  /** Basic auth credentials the browser answers a 401 with. */
  readonly credentials?: { readonly username: string; readonly password: string };
  /** The path to open; `/` by default. */
  readonly path?: string;
}

/** A request the page made: when (performance.now() here), what, where to. */
export interface Seen {
  readonly at: number;
  readonly method: string;
  readonly url: string;
  readonly type: string;
}

/** One open page of the dashboard: its requests, errors and the contract's controls. */
export class Dashboard implements AsyncDisposable {
  /** Every request the page made, in order. */
  readonly requests: Seen[] = [];
  /** Requests to any other origin than tend's: blocked, and kept here. */
  readonly foreign: string[] = [];
  /** Uncaught exceptions in the page, and console errors. */
  readonly errors: string[] = [];

  constructor(
    readonly page: Page,
    readonly url: string,
    private readonly allow: readonly string[] = [],
  ) {}

  /** Sends or blocks one request (the interception handler). */
  intercept(request: HTTPRequest): void {
    const url = request.url();
    this.requests.push({
      at: performance.now(),
      method: request.method(),
      url,
      type: request.resourceType(),
    });
    let allowed = url.startsWith("data:") || url.startsWith("about:");
    try {
      const { origin } = new URL(url);
      allowed ||= [this.url, ...this.allow].some((ok) => new URL(ok).origin === origin);
    } catch {
      // not a URL: blocked and reported as it is
    }
    if (allowed) {
      request.continue().catch(() => {});
    } else {
      this.foreign.push(url);
      request.abort("blockedbyclient").catch(() => {});
    }
  }

  /** `wait`, or a failure naming `what` and what the page shows instead (`shown`). */
  private async explain<T>(
    what: string,
    wait: Promise<T>,
    shown: () => Promise<unknown>,
  ): Promise<T> {
    try {
      return await wait;
    } catch (error) {
      const now = await shown().then(
        (value) => JSON.stringify(value),
        () => "(could not read the page)",
      );
      throw new Error(`${what}: ${(error as Error).message}; the page shows ${now}`);
    }
  }

  /** Until `#connection` says `live`: the event stream is open. */
  async live(ms = 5_000): Promise<void> {
    await this.explain(
      "#connection never said live",
      this.page.waitForFunction(
        () => document.querySelector("#connection")?.textContent?.trim() === "live",
        { timeout: ms, polling: POLL_MS },
      ),
      () => this.text("#connection").then((t) => ({ "#connection": t })),
    );
  }

  /** The namespecs of the process rows, in the page's order. */
  rows(): Promise<string[]> {
    return this.page.$$eval("#processes tbody tr[data-name]", (rows) =>
      rows.map((row) => row.getAttribute("data-name")),
    );
  }

  /** The text of one cell of a process's row (`state`, `pid`...). */
  cell(namespec: string, col: string): Promise<string> {
    return this.page.$eval(
      `#processes tr[data-name="${namespec}"] td[data-col="${col}"]`,
      (td) => (td.textContent ?? "").trim() as string,
    );
  }

  /**
   * Until the state cell of `namespec` reads exactly `state`: watched with a
   * MutationObserver, so it resolves on the DOM change itself.
   */
  async waitState(namespec: string, state: string, ms = 5_000): Promise<void> {
    await this.explain(
      `${namespec} not ${state} on the page within ${ms} ms`,
      this.page.waitForFunction(
        (ns: string, want: string) =>
          document
            .querySelector(`#processes tr[data-name="${ns}"] td[data-col="state"]`)
            ?.textContent?.trim() === want,
        { timeout: ms, polling: POLL_MS },
        namespec,
        state,
      ),
      () => this.cell(namespec, "state").then((t) => ({ state: t })),
    );
  }

  /** The button of `action` on `target` (a namespec, `GROUP:*` or `all`). */
  actionSelector(action: string, target: string): string {
    return `[data-action="${action}"][data-target="${target}"]`;
  }

  async click(selector: string): Promise<void> {
    const element = await this.explain(
      `no ${selector} shown to click`,
      this.page.waitForSelector(selector, { visible: true, timeout: 5_000 }),
      async () => ({ matching: await this.count(selector) }),
    );
    if (!element) throw new Error(`no ${selector} on the page`);
    await element.click();
    await element.dispose();
  }

  /** Whether an element matching `selector` exists and is shown. */
  visible(selector: string): Promise<boolean> {
    return this.page.evaluate(
      (s: string) => document.querySelector(s)?.checkVisibility() ?? false,
      selector,
    );
  }

  /** How many elements match `selector`. */
  count(selector: string): Promise<number> {
    return this.page.evaluate((s: string) => document.querySelectorAll(s).length, selector);
  }

  /** The texts of the messages (`.message.ok`, `.message.error`) shown so far. */
  messages(kind: "ok" | "error"): Promise<string[]> {
    return this.page.$$eval(`#messages .message.${kind}`, (all) =>
      all.map((m) => (m.textContent ?? "").trim() as string),
    );
  }

  /** Until a message of `kind` contains `text`. */
  async waitMessage(kind: "ok" | "error", text: string, ms = 5_000): Promise<string> {
    const handle = await this.explain(
      `no .message.${kind} with ${JSON.stringify(text)}`,
      this.page.waitForFunction(
        (k: string, t: string) =>
          [...document.querySelectorAll(`#messages .message.${k}`)]
            .map((m) => m.textContent ?? "")
            .find((m) => m.includes(t)),
        { timeout: ms, polling: POLL_MS },
        kind,
        text,
      ),
      () => this.text("#messages").then((t) => ({ "#messages": t })),
    );
    return (await handle.jsonValue()) as string;
  }

  /** The texts of the log view's lines. */
  logLines(): Promise<string[]> {
    return this.page.$$eval("#log-lines .line", (lines) =>
      lines.map((line) => (line.textContent ?? "") as string),
    );
  }

  /** Until a line of the log view contains `text`; the line. */
  async waitLogLine(text: string, ms = 5_000): Promise<string> {
    const handle = await this.explain(
      `no log line with ${JSON.stringify(text)}`,
      this.page.waitForFunction(
        (t: string) => {
          // from the end: the line waited for is most often the newest
          const lines = document.querySelectorAll("#log-lines .line");
          for (let i = lines.length - 1; i >= 0; i--) {
            const text = lines[i]?.textContent ?? "";
            if (text.includes(t)) return text;
          }
          return undefined;
        },
        { timeout: ms, polling: POLL_MS },
        text,
      ),
      async () => ({
        "#log-title": await this.text("#log-title"),
        last: (await this.logLines()).slice(-3),
      }),
    );
    return (await handle.jsonValue()) as string;
  }

  /** The text of the first element matching `selector` ("" for none). */
  text(selector: string): Promise<string> {
    return this.page.evaluate(
      (s: string) => document.querySelector(s)?.textContent ?? "",
      selector,
    );
  }

  /** Until the text of `selector` contains `text`. */
  async waitText(selector: string, text: string, ms = 5_000): Promise<void> {
    await this.explain(
      `${selector} never contained ${JSON.stringify(text)}`,
      this.page.waitForFunction(
        (s: string, t: string) => (document.querySelector(s)?.textContent ?? "").includes(t),
        { timeout: ms, polling: POLL_MS },
        selector,
        text,
      ),
      () => this.text(selector).then((t) => ({ [selector]: t })),
    );
  }

  /** An attribute of the first element matching `selector` (null for none). */
  attribute(selector: string, name: string): Promise<string | null> {
    return this.page.evaluate(
      (s: string, n: string) => document.querySelector(s)?.getAttribute(n) ?? null,
      selector,
      name,
    );
  }

  /** Until that attribute is no longer `was`; its new value. */
  async waitAttributeChange(
    selector: string,
    name: string,
    was: string | null,
  ): Promise<string | null> {
    await this.page.waitForFunction(
      (s: string, n: string, w: string | null) =>
        (document.querySelector(s)?.getAttribute(n) ?? null) !== w,
      { timeout: 5_000, polling: POLL_MS },
      selector,
      name,
      was,
    );
    return this.attribute(selector, name);
  }

  /** The namespecs of the process rows that are shown. */
  shownRows(): Promise<string[]> {
    return this.page.evaluate(() =>
      [...document.querySelectorAll("#processes tbody tr[data-name]")]
        .filter((row) => row.checkVisibility())
        .map((row) => row.getAttribute("data-name") ?? ""),
    );
  }

  /** Until exactly `n` process rows are shown. */
  async waitShownRows(n: number): Promise<void> {
    await this.explain(
      `not ${n} rows shown`,
      this.page.waitForFunction(
        (want: number) =>
          [...document.querySelectorAll("#processes tbody tr[data-name]")].filter((row) =>
            row.checkVisibility(),
          ).length === want,
        { timeout: 5_000, polling: POLL_MS },
        n,
      ),
      () => this.shownRows(),
    );
  }

  /** A computed style property of the first element matching `selector`. */
  style(selector: string, property: string): Promise<string> {
    return this.page.evaluate(
      (s: string, p: string) => {
        const element = document.querySelector(s);
        return element ? (getComputedStyle(element)[p] ?? "") : "";
      },
      selector,
      property,
    );
  }

  /** Empties an input the way a person does: select all, Backspace. */
  async clear(selector: string): Promise<void> {
    await this.page.click(selector, { count: 3 });
    await this.page.keyboard.press("Backspace");
  }

  /** Opens the details of `namespec` and its stdout log (the log view titled with its name). */
  async openLog(namespec: string): Promise<void> {
    await this.click(`#processes tr[data-name="${namespec}"] button.name`);
    await this.page.waitForSelector("#details", { visible: true, timeout: 5_000 });
    // The details offer the process's logs (data-open-log, once they have
    // loaded); a log view already open switches streams (data-stream).
    const opener = await this.explain(
      `no way to open ${namespec}'s log`,
      this.page.waitForSelector('[data-open-log="stdout"], #log [data-stream="stdout"]', {
        visible: true,
        timeout: 5_000,
      }),
      async () => ({ "#details": await this.text("#details") }),
    );
    if (!(await this.visible("#log"))) await opener?.click();
    await opener?.dispose();
    await this.waitText("#log-title", namespec);
  }

  /** The texts of the log view's lines that are shown (not filtered out). */
  shownLogLines(): Promise<string[]> {
    return this.page.evaluate(() =>
      [...document.querySelectorAll("#log-lines .line")]
        .filter((line) => line.checkVisibility())
        .map((line) => line.textContent ?? ""),
    );
  }

  /**
   * The parts of the first log line that contains `text`: each child span's
   * text and colour, and the line's own colour.
   */
  lineColours(text: string): Promise<{
    line: string;
    colour: string;
    spans: { text: string; colour: string }[];
  } | null> {
    return this.page.evaluate((t: string) => {
      const line = [...document.querySelectorAll("#log-lines .line")].find((l) =>
        (l.textContent ?? "").includes(t),
      );
      if (!line) return null;
      return {
        line: line.textContent ?? "",
        colour: getComputedStyle(line).color ?? "",
        spans: [...line.querySelectorAll("span")].map((span) => ({
          text: span.textContent ?? "",
          colour: getComputedStyle(span).color ?? "",
        })),
      };
    }, text);
  }

  /** The page's width against the viewport's: more means a horizontal scroll bar. */
  widths(): Promise<{ scrollWidth: number; innerWidth: number }> {
    return this.page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
  }

  /** A short name of the focused element (see describe), `body` for none. */
  async focused(): Promise<string> {
    const handle = await this.page.evaluateHandle(() => document.activeElement ?? document.body);
    try {
      return await handle.evaluate(describe);
    } finally {
      await handle.dispose();
    }
  }

  /** The short names of every element matching `selector` that is shown and enabled. */
  async describeAll(selector: string): Promise<string[]> {
    const names: string[] = [];
    for (const handle of await this.page.$$(selector)) {
      const usable = await handle.evaluate((e) => e.checkVisibility() && !e.disabled);
      if (usable) names.push(await handle.evaluate(describe));
      await handle.dispose();
    }
    return names;
  }

  /**
   * Saves what the page shows as test/browser/artifacts/NAME.png (with
   * `fullPage`, all of it); the path.
   */
  async screenshot(name: string, fullPage = false): Promise<string> {
    if (!fullPage) return this.save(name, {});
    return this.tall(() => this.save(name, {}));
  }

  /**
   * Saves the part of the page that holds every element matching one of
   * `selectors` (the smallest box around them) as artifacts/NAME.png.
   */
  async screenshotOf(name: string, ...selectors: string[]): Promise<string> {
    return this.tall(async () => {
      const boxes = [];
      for (const selector of selectors) {
        const element = await this.page.$(selector);
        const box = await element?.boundingBox();
        await element?.dispose();
        if (!box) throw new Error(`no ${selector} shown to take a picture of`);
        boxes.push(box);
      }
      const x = Math.min(...boxes.map((b) => b.x));
      const y = Math.min(...boxes.map((b) => b.y));
      const width = Math.max(...boxes.map((b) => b.x + b.width)) - x;
      const height = Math.max(...boxes.map((b) => b.y + b.height)) - y;
      return this.save(name, { clip: { x, y, width, height } });
    });
  }

  /**
   * Runs `take` with the window as tall as the page, scrolled to its top.
   * The page draws only what is in its window (the log's lines are
   * `content-visibility: auto`), so a picture of more than the window needs
   * a taller window, not puppeteer's capture beyond it.
   */
  private async tall<T>(take: () => Promise<T>): Promise<T> {
    const viewport = this.page.viewport() ?? WIDE;
    await this.page.evaluate("window.scrollTo(0, 0)");
    try {
      // Twice: a taller window can make the page taller (heights in vh).
      for (const _ of [1, 2]) {
        const height = await this.page.evaluate(() => document.documentElement.scrollHeight);
        const now = this.page.viewport() ?? viewport;
        if (height > now.height) await this.page.setViewport({ ...now, height });
      }
      // Two frames: the new size laid out and painted.
      await this.page.evaluate(
        "new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))",
      );
      return await take();
    } finally {
      const now = this.page.viewport();
      if (now?.height !== viewport.height) await this.page.setViewport(viewport);
    }
  }

  private async save(name: string, options: { clip?: BoundingBox }): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, `${name}.png`);
    await this.page.screenshot({ path: path as `${string}.png`, ...options });
    return path;
  }

  async close(): Promise<void> {
    if (!this.page.isClosed()) await this.page.close().catch(() => {});
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * A new page that records every request and blocks (and keeps) those to
 * any other origin than `url`'s; light unless `dark`, 1280×800 unless told.
 */
export async function openPage(
  browser: Browser,
  url: string,
  options: OpenOptions = {},
): Promise<Dashboard> {
  const page = await browser.newPage();
  const dashboard = new Dashboard(page, url, options.allow);
  try {
    await page.setViewport(options.viewport ?? WIDE);
    await page.emulateMediaFeatures([
      { name: "prefers-color-scheme", value: options.dark ? "dark" : "light" },
      // Screenshots of what is, not of an animation half-way.
      { name: "prefers-reduced-motion", value: "reduce" },
    ]);
    if (options.credentials) await page.authenticate(options.credentials);
    page.on("pageerror", (error) => dashboard.errors.push(`page error: ${String(error)}`));
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      // Chromium asks every site for /favicon.ico by itself; a 404 for it
      // is the browser's habit, not the page's error.
      const where = message.location().url ?? "";
      if (new URL(where, url).pathname === "/favicon.ico") return;
      dashboard.errors.push(`console: ${message.text()}${where ? ` (${where})` : ""}`);
    });
    await page.setRequestInterception(true);
    page.on("request", (request) => dashboard.intercept(request));
    return dashboard;
  } catch (error) {
    await dashboard.close();
    throw error;
  }
}

/**
 * openPage on tend's dashboard at `url` (its `/` unless `path`); resolves
 * once the page has loaded (not yet live: see Dashboard.live).
 */
export async function openDashboard(
  browser: Browser,
  url: string,
  options: OpenOptions = {},
): Promise<Dashboard> {
  const dashboard = await openPage(browser, url, options);
  try {
    const path = options.path ?? "/";
    const response = await dashboard.page.goto(`${url}${path}`, {
      waitUntil: "domcontentloaded",
    });
    if (!response?.ok()) throw new Error(`GET ${path}: HTTP ${response?.status()} from ${url}`);
    return dashboard;
  } catch (error) {
    await dashboard.close();
    throw error;
  }
}
