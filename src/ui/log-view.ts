// The log view: one process stream or tend's own log, followed live over
// ui/log (a `tail` fills it at once, `append` adds, `cleared` empties), with
// pause and resume, a line filter and ANSI colours. At most CAP lines are on
// screen and CAP more held while paused, so a page left open on a chatty
// program stays small.

import type { LogAppend, LogTail } from "../protocol/dashboard.ts";
import type { StreamName } from "./details.ts";
import { byId, h, replaceChildren, setText } from "./dom.ts";
import { formatClock, formatHeld } from "./format.ts";
import { LogBuffer, type LogEntry } from "./log-buffer.ts";
import { openStream, parseEvent, type Stream } from "./stream.ts";

export const CAP = 5_000;

type Source =
  | { readonly kind: "main" }
  | {
      readonly kind: "process";
      readonly namespec: string;
      readonly stream: StreamName;
      readonly streams: readonly StreamName[];
    };

export class LogView {
  private readonly section = byId("log");
  private readonly lines = byId("log-lines");
  private readonly follow = byId("log-follow", HTMLButtonElement);
  private readonly held = byId("log-held");
  private readonly status = byId("log-status");
  private buffer = new LogBuffer<HTMLDivElement>(CAP);
  private stream: Stream | undefined;
  private source: Source | undefined;
  private following = true;
  private filter = "";
  private opener: HTMLElement | undefined;
  private pending: { frame: number; timer: ReturnType<typeof setTimeout> } | undefined;

  constructor() {
    this.follow.addEventListener("click", () => this.setFollowing(!this.following));
    byId("log-filter", HTMLInputElement).addEventListener("input", (event) => {
      this.filter = (event.target as HTMLInputElement).value.trim().toLowerCase();
      for (const entry of this.buffer.entries) if (entry.node) this.applyFilter(entry);
    });
    byId("log-close").addEventListener("click", () => this.close());
    byId("log-streams").addEventListener("click", (event) => {
      const button = (event.target as Element).closest("button[data-stream]");
      const source = this.source;
      if (!(button instanceof HTMLButtonElement) || source?.kind !== "process") return;
      const stream = button.dataset.stream as StreamName;
      if (stream !== source.stream) this.open({ ...source, stream }, this.opener);
    });
  }

  openMain(opener?: HTMLElement): void {
    this.open({ kind: "main" }, opener);
  }

  openProcess(
    namespec: string,
    stream: StreamName,
    streams: readonly StreamName[],
    opener?: HTMLElement,
  ): void {
    this.open({ kind: "process", namespec, stream, streams }, opener);
  }

  close(): void {
    if (this.source === undefined) return;
    this.stream?.close();
    this.stream = undefined;
    this.source = undefined;
    this.reset();
    this.section.hidden = true;
    if (this.opener?.isConnected) this.opener.focus();
  }

  private open(source: Source, opener?: HTMLElement): void {
    this.stream?.close();
    this.source = source;
    this.opener = opener;
    this.reset();
    this.section.hidden = false;
    const title = source.kind === "main" ? "tend log" : `${source.namespec} ${source.stream}`;
    setText(byId("log-title"), title);
    this.section.setAttribute("aria-label", "Log");
    replaceChildren(
      byId("log-streams"),
      ...(source.kind === "main"
        ? []
        : source.streams.map((stream) =>
            h(
              "button",
              {
                type: "button",
                "data-stream": stream,
                "aria-pressed": String(stream === source.stream),
              },
              stream,
            ),
          )),
    );
    this.setFollowing(true);
    setText(this.status, "Connecting…");
    const url =
      source.kind === "main"
        ? "ui/log?main"
        : `ui/log?name=${encodeURIComponent(source.namespec)}&stream=${source.stream}`;
    this.stream = openStream(
      url,
      {
        tail: (data) => {
          const tail = parseEvent<LogTail>("tail", data);
          if (tail === undefined) return;
          this.reset();
          setText(this.status, tail.partial ? "Earlier lines are not shown." : "");
          this.add(tail.text, 0);
        },
        append: (data) => {
          const more = parseEvent<LogAppend>("append", data);
          if (more !== undefined) this.add(more.text, more.skipped);
        },
        cleared: () => {
          this.reset();
          setText(this.status, `Log cleared at ${formatClock(Date.now(), Date.now())}.`);
        },
      },
      (open) => {
        if (!open) setText(this.status, "Reconnecting…");
        else if (this.status.textContent === "Reconnecting…") setText(this.status, "");
      },
    );
    byId("log-title").focus();
  }

  /** Empties the view and its buffer. */
  private reset(): void {
    this.unschedule();
    this.buffer = new LogBuffer<HTMLDivElement>(CAP);
    replaceChildren(this.lines);
    this.showHeld();
  }

  private add(text: string, skipped: number): void {
    const updated = this.buffer.append(text, skipped);
    if (updated?.node) {
      replaceChildren(updated.node, ...segmentsOf(updated));
      this.applyFilter(updated);
    }
    this.schedule();
  }

  /**
   * Draws what came at the next frame, not per event: a chatty program sends
   * many events a frame, and drawing each (and scrolling, which lays the
   * box out) kept the page busy. The timer covers a hidden page, which gets
   * no frames.
   */
  private schedule(): void {
    if (this.pending !== undefined) return;
    const run = () => {
      this.unschedule();
      if (this.following) this.render();
      else this.showHeld();
    };
    this.pending = { frame: requestAnimationFrame(run), timer: setTimeout(run, 250) };
  }

  private unschedule(): void {
    if (this.pending === undefined) return;
    cancelAnimationFrame(this.pending.frame);
    clearTimeout(this.pending.timer);
    this.pending = undefined;
  }

  private setFollowing(following: boolean): void {
    this.following = following;
    this.follow.setAttribute("aria-pressed", String(following));
    setText(this.follow, following ? "Pause" : "Follow");
    if (following) this.render();
    else this.showHeld();
  }

  /** Puts the held lines on screen and scrolls to the newest. */
  private render(): void {
    const { added, removed } = this.buffer.take();
    for (const entry of removed) entry.node?.remove();
    if (added.length > 0) {
      const fragment = document.createDocumentFragment();
      for (const entry of added) {
        const node = h(
          "div",
          { class: entry.kind === "line" ? "line" : "note" },
          ...segmentsOf(entry),
        );
        entry.node = node;
        this.applyFilter(entry);
        fragment.append(node);
      }
      this.lines.append(fragment);
    }
    this.lines.scrollTop = this.lines.scrollHeight;
    this.showHeld();
  }

  private showHeld(): void {
    const count = this.buffer.held;
    setText(this.held, count > 0 ? formatHeld(count) : "");
  }

  private applyFilter(entry: LogEntry<HTMLDivElement>): void {
    if (entry.node === undefined) return;
    entry.node.hidden =
      entry.kind === "line" &&
      this.filter !== "" &&
      !entry.plain.toLowerCase().includes(this.filter);
  }
}

/** A line's segments as text nodes and spans (classes; inline colours through the CSSOM). */
function segmentsOf(entry: LogEntry<HTMLDivElement>): Node[] {
  return entry.segments.map((segment) => {
    if (segment.classes.length === 0 && !segment.color && !segment.background)
      return document.createTextNode(segment.text);
    const span = h("span", { class: segment.classes.join(" ") || null }, segment.text);
    if (segment.color) span.style.color = segment.color;
    if (segment.background) span.style.backgroundColor = segment.background;
    return span;
  });
}
