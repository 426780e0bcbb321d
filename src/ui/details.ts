// The details panel of one process (GET ui/process): what it waits for and
// what waits for it, its checks, its readiness history and its effective
// config, with buttons to open its logs. Fetched when opened and again when
// the feed says something changed (never on a timer).

import type { DashboardProcess, ProcessDetails } from "../protocol/dashboard.ts";
import { byId, h, replaceChildren, setText } from "./dom.ts";
import { formatClock } from "./format.ts";

export type StreamName = "stdout" | "stderr";

export interface DetailsOptions {
  /** The feed's row of a process (for the summary line). */
  row(namespec: string): DashboardProcess | undefined;
  /** A log button was pressed. */
  onLog(namespec: string, stream: StreamName, streams: readonly StreamName[]): void;
  /** The panel opened (a namespec) or closed (undefined). */
  onSelect(namespec: string | undefined): void;
}

const REFRESH_DELAY_MS = 300;

export class DetailsPanel {
  private readonly section = byId("details");
  private current: string | undefined;
  private opener: HTMLElement | undefined;
  private pending: AbortController | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** The open process and the names its dependencies and dependents are written as. */
  private related = new Set<string>();

  constructor(private readonly options: DetailsOptions) {
    byId("details-close").addEventListener("click", () => this.close());
    // Check counts move with every probe, which sends no event: fetched again on request.
    byId("details-refresh").addEventListener("click", () => void this.load());
  }

  get open(): string | undefined {
    return this.current;
  }

  show(namespec: string, opener?: HTMLElement): void {
    this.current = namespec;
    this.related = new Set([namespec]);
    this.opener = opener;
    this.section.hidden = false;
    this.section.setAttribute("aria-label", `Details of ${namespec}`);
    document.body.classList.add("with-details");
    setText(byId("details-title"), namespec);
    for (const id of ["depends-on", "needed-by", "checks", "history", "config", "details-logs"])
      replaceChildren(byId(id));
    setText(byId("details-status"), "Loading…");
    this.summarise();
    this.options.onSelect(namespec);
    byId("details-title").focus();
    void this.load();
  }

  close(): void {
    if (this.current === undefined) return;
    this.current = undefined;
    this.pending?.abort();
    clearTimeout(this.refreshTimer);
    this.section.hidden = true;
    document.body.classList.remove("with-details");
    this.options.onSelect(undefined);
    if (this.opener?.isConnected) this.opener.focus();
  }

  /**
   * The feed changed these processes (all of them: undefined): the summary
   * at once; the details again, shortly (changes come in bursts), when the
   * change is the process's own or one of what it waits for or what waits
   * for it (their outcomes are in the details).
   */
  changed(namespecs?: readonly string[]): void {
    if (this.current === undefined) return;
    this.summarise();
    if (namespecs !== undefined && !namespecs.some((name) => this.concerns(name))) return;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.load(), REFRESH_DELAY_MS);
  }

  /** Whether a change of `namespec` may change the open details. */
  private concerns(namespec: string): boolean {
    const group = namespec.split(":")[0] ?? namespec;
    return this.related.has(namespec) || this.related.has(group) || this.related.has(`${group}:*`);
  }

  private summarise(): void {
    if (this.current === undefined) return;
    const row = this.options.row(this.current);
    const parts =
      row === undefined
        ? ["no longer in tend's config"]
        : [
            row.statename,
            row.ready ? "ready" : row.readiness || "not ready",
            row.readyCheck && `ready check ${row.readyCheck}`,
            row.critical && "critical",
            !row.autostart && "no autostart",
          ];
    setText(byId("details-summary"), parts.filter(Boolean).join(" · "));
  }

  private async load(): Promise<void> {
    const namespec = this.current;
    if (namespec === undefined) return;
    this.pending?.abort();
    const controller = new AbortController();
    this.pending = controller;
    try {
      const response = await fetch(`ui/process?name=${encodeURIComponent(namespec)}`, {
        signal: controller.signal,
      });
      if (namespec !== this.current) return;
      if (!response.ok) {
        const why =
          response.status === 404 ? "tend has no process by that name" : `HTTP ${response.status}`;
        setText(byId("details-status"), `Could not load the details: ${why}.`);
        return;
      }
      const details = (await response.json()) as ProcessDetails;
      if (namespec === this.current) this.render(details);
    } catch (error) {
      if (controller.signal.aborted || namespec !== this.current) return;
      setText(byId("details-status"), `Could not load the details: ${String(error)}.`);
    }
  }

  private render(details: ProcessDetails): void {
    this.related = new Set([
      details.namespec,
      ...details.dependsOn.map((dep) => dep.target),
      ...details.neededBy.map((dep) => dep.namespec),
    ]);
    setText(byId("details-status"), "");
    const streams = details.streams.length > 0 ? details.streams : (["stdout"] as const);
    replaceChildren(
      byId("details-logs"),
      ...streams.map((stream) => {
        const button = h("button", { type: "button", "data-open-log": stream }, `${stream} log`);
        button.addEventListener("click", () =>
          this.options.onLog(details.namespec, stream, streams),
        );
        return button;
      }),
    );
    list(
      "depends-on",
      details.dependsOn.map((dep) => [
        `${dep.target} (${dep.condition}): ${dep.outcome}`,
        `outcome-${dep.outcome}`,
      ]),
    );
    list(
      "needed-by",
      details.neededBy.map((dep) => [`${dep.namespec} (${dep.condition})`, ""]),
    );
    const today = Date.now();
    list(
      "checks",
      details.checks.map((check) => [
        `${check.which} ${check.spec}: ${check.successes} passed, ${check.failures} failed${lastResults(check.recent, today)}`,
        "",
      ]),
    );
    const history = [...details.history].reverse();
    replaceChildren(
      byId("history"),
      ...(history.length === 0
        ? [h("li", { class: "none" }, "no change yet")]
        : history.map((event) =>
            h(
              "li",
              { class: event.ready ? "outcome-met" : "outcome-waiting" },
              h(
                "time",
                { datetime: new Date(event.at).toISOString() },
                formatClock(event.at, today),
              ),
              " ",
              event.ready ? "ready" : `not ready${event.reason ? `: ${event.reason}` : ""}`,
            ),
          )),
    );
    setText(byId("config"), details.config);
  }
}

/** Fills a list with [text, class] items, or "nothing". */
function list(id: string, items: readonly (readonly [string, string])[]): void {
  replaceChildren(
    byId(id),
    ...(items.length === 0
      ? [h("li", { class: "none" }, "nothing")]
      : items.map(([text, cls]) => h("li", { class: cls || null }, text))),
  );
}

/** `; last: 12:01:03 passed, 12:01:04 failed (connection refused)`, newest last; "" when none. */
function lastResults(recent: ProcessDetails["checks"][number]["recent"], today: number): string {
  if (recent.length === 0) return "";
  const results = recent.map(
    (result) =>
      `${formatClock(result.at, today)} ${result.ok ? "passed" : `failed${result.message ? ` (${result.message})` : ""}`}`,
  );
  return `; last: ${results.join(", ")}`;
}
