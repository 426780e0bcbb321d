// Boots the dashboard: finds the page's parts, connects the live feed, and
// wires the header, the table, actions, details and the log view to it. The
// once-a-second timer (uptimes, countdowns) is the page's own: no request.

import type { DashboardTend } from "../protocol/dashboard.ts";
import { Actions, actionButtons } from "./actions.ts";
import { DetailsPanel } from "./details.ts";
import { dialogOpen } from "./dialogs.ts";
import { byId, h, replaceChildren, setText } from "./dom.ts";
import { Feed } from "./feed.ts";
import { LogView } from "./log-view.ts";
import { Messages } from "./messages.ts";
import { ProcessTable } from "./table.ts";

function boot(): void {
  const log = new LogView();
  let table: ProcessTable | undefined;
  let readonly: boolean | undefined;

  const details = new DetailsPanel({
    row: (namespec) => feed.rows.get(namespec),
    onLog: (namespec, stream, streams) =>
      log.openProcess(namespec, stream, streams, document.activeElement as HTMLElement),
    onSelect: (namespec) => table?.select(namespec),
  });

  /** The table and the toolbar, made again when read-only mode comes or goes. */
  const build = (ro: boolean) => {
    readonly = ro;
    const element = byId("processes", HTMLTableElement);
    replaceChildren(element, h("caption", { class: "visually-hidden" }, "Processes"));
    table = new ProcessTable(element, byId("empty"), {
      now: () => feed.now(),
      onOpen: (namespec, button) => details.show(namespec, button),
      ...(ro ? {} : { actionButtons: (target, subject) => actionButtons(target, subject) }),
    });
    replaceChildren(byId("all-actions"), ...(ro ? [] : actionButtons("all", "all", true)));
    byId("all-actions").hidden = ro;
    table.select(details.open);
  };

  const feed = new Feed(
    (update) => {
      if (feed.tend !== undefined) {
        showTend(feed.tend);
        if (feed.tend.readonly !== readonly) build(feed.tend.readonly);
      }
      table?.update(feed.rows.values());
      details.changed(update.full ? undefined : [...update.changed, ...update.removed]);
    },
    (live) => {
      const connection = byId("connection");
      setText(connection, live ? "live" : "reconnecting");
      connection.dataset.live = String(live);
    },
  );

  new Actions(new Messages(byId("messages")));
  byId("filter", HTMLInputElement).addEventListener("input", (event) =>
    table?.setFilter((event.target as HTMLInputElement).value),
  );
  byId("main-log").addEventListener("click", (event) =>
    log.openMain(event.currentTarget as HTMLElement),
  );
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || dialogOpen() || details.open === undefined) return;
    // Escape in a search box with text clears the box first (the browser's own doing).
    const target = event.target;
    if (target instanceof HTMLInputElement && target.type === "search" && target.value !== "")
      return;
    details.close();
  });
  setInterval(() => table?.tick(), 1_000);
  feed.start();
}

/** The header: tend's identification, state, version and pid, and the read-only badge. */
function showTend(tend: DashboardTend): void {
  setText(byId("tend-name"), tend.identification);
  const state = byId("tend-state");
  setText(state, tend.state);
  state.dataset.state = tend.state;
  setText(byId("tend-version"), `tend ${tend.version}, pid ${tend.pid}`);
  document.title = `${tend.identification} · tend`;
  const badge = document.getElementById("readonly-badge");
  if (tend.readonly && badge === null)
    byId("connection").after(h("span", { id: "readonly-badge", class: "badge" }, "read-only"));
  if (!tend.readonly) badge?.remove();
}

boot();
