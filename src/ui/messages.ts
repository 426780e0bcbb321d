// The messages area: what an action did or why it failed. Successes fade
// after a few seconds, failures stay longer; only the last few are kept.

import { h } from "./dom.ts";

const KEEP = 4;
const OK_MS = 6_000;
const ERROR_MS = 30_000;

export class Messages {
  constructor(private readonly box: HTMLElement) {
    box.addEventListener("click", (event) => {
      const button = (event.target as Element).closest("button.dismiss");
      button?.closest(".message")?.remove();
    });
  }

  show(kind: "ok" | "error", text: string): void {
    const message = h(
      "div",
      { class: `message ${kind}` },
      h("span", { class: "text" }, text),
      h("button", { type: "button", class: "dismiss", "aria-label": "Dismiss message" }, "×"),
    );
    this.box.append(message);
    while (this.box.children.length > KEEP) this.box.firstElementChild?.remove();
    setTimeout(
      () => {
        message.classList.add("leaving");
        setTimeout(() => message.remove(), 400);
      },
      kind === "ok" ? OK_MS : ERROR_MS,
    );
  }
}
