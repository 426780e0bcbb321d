// Start, stop, restart and signal: the buttons, the POST to ui/action, and
// what the answer says in the messages area. A signal asks which one first;
// stopping or restarting everything asks for confirmation. A button is
// disabled while its action runs.

import type { ActionName, ActionReply, ActionRequest } from "../protocol/dashboard.ts";
import { chooseSignal, confirmAction } from "./dialogs.ts";
import { h } from "./dom.ts";
import type { Messages } from "./messages.ts";

const ACTIONS: readonly { action: ActionName; label: string; done: string }[] = [
  { action: "start", label: "Start", done: "Started" },
  { action: "stop", label: "Stop", done: "Stopped" },
  { action: "restart", label: "Restart", done: "Restarted" },
  { action: "signal", label: "Signal", done: "Signalled" },
];

/**
 * The four buttons for a target (a namespec, `group:*` or `all`). `subject`
 * completes the accessible name (`Start web`); with `long`, the visible text
 * says it too (`Start all`), else only the verb.
 */
export function actionButtons(target: string, subject: string, long = false): HTMLButtonElement[] {
  return ACTIONS.map(({ action, label }) =>
    h(
      "button",
      {
        type: "button",
        class: `act act-${action}`,
        "data-action": action,
        "data-target": target,
        "aria-label": `${label} ${subject}`,
      },
      long ? `${label} ${subject}` : label,
    ),
  );
}

export class Actions {
  constructor(private readonly messages: Messages) {
    document.addEventListener("click", (event) => {
      const button = (event.target as Element).closest("button[data-action]");
      if (button instanceof HTMLButtonElement && !button.disabled) void this.run(button);
    });
  }

  /** Carries out a button's action: ask what must be asked, POST, report. */
  private async run(button: HTMLButtonElement): Promise<void> {
    const action = button.dataset.action as ActionName;
    const target = button.dataset.target ?? "";
    const subject = subjectOf(target);
    let signal: string | undefined;
    if (action === "signal") {
      signal = await chooseSignal(subject);
      if (signal === undefined) return;
    } else if (target === "all" && (action === "stop" || action === "restart")) {
      const verb = action === "stop" ? "Stop" : "Restart";
      if (!(await confirmAction(`${verb} all processes?`, `${verb} all`))) return;
    }
    button.disabled = true;
    try {
      const request: ActionRequest =
        signal === undefined ? { action, target } : { action, target, signal };
      this.report(request, subject, await post(request));
    } finally {
      button.disabled = false;
      // Disabling the focused button dropped focus to the page; give it back.
      if (
        button.isConnected &&
        (document.activeElement === document.body || !document.activeElement)
      )
        button.focus();
    }
  }

  private report(request: ActionRequest, subject: string, reply: ActionReply | string): void {
    const verb = ACTIONS.find((entry) => entry.action === request.action);
    const what = `${verb?.label ?? request.action} ${subject}`;
    if (typeof reply === "string") {
      this.messages.show("error", `${what} failed: ${reply}`);
      return;
    }
    const failures = reply.results.filter((result) => !result.ok).map((result) => result.message);
    if (reply.fault !== undefined && reply.fault !== "") failures.unshift(reply.fault);
    if (!reply.ok || failures.length > 0) {
      this.messages.show("error", `${what} failed: ${failures.join("; ") || "no reason given"}`);
      return;
    }
    const done = request.signal === undefined ? verb?.done : `Sent ${request.signal} to`;
    this.messages.show("ok", `${done} ${subject}`);
  }
}

/** `web` → `web`, `db:*` → `group db`, `all` → `all`. */
function subjectOf(target: string): string {
  return target.endsWith(":*") ? `group ${target.slice(0, -2)}` : target;
}

/** POSTs the action; the reply, or what went wrong as text. */
async function post(request: ActionRequest): Promise<ActionReply | string> {
  let response: Response;
  try {
    response = await fetch("ui/action", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(request),
    });
  } catch (error) {
    return `tend did not answer (${error instanceof Error ? error.message : String(error)})`;
  }
  const text = await response.text().catch(() => "");
  try {
    const reply = JSON.parse(text) as Partial<ActionReply> | null;
    if (typeof reply?.ok === "boolean") {
      const results = Array.isArray(reply.results) ? reply.results : [];
      return reply.fault === undefined
        ? { ok: reply.ok, results }
        : { ok: reply.ok, results, fault: String(reply.fault) };
    }
  } catch {
    // Not an ActionReply: said below with the status.
  }
  const detail = text.trim().slice(0, 300);
  return `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}${detail ? `: ${detail}` : ""}`;
}
