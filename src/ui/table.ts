// The process table: one keyed row per process, its cells updated in place
// when the feed says it changed (never rebuilt wholesale), a group row above
// each real group, sorting by any column and the filter box. How it reflows
// into cards on a narrow screen is the stylesheet's business.

import type { DashboardProcess } from "../protocol/dashboard.ts";
import { h, setText } from "./dom.ts";
import { formatUptime, liveDescription } from "./format.ts";

export const COLUMNS = [
  { col: "name", label: "Name" },
  { col: "group", label: "Group" },
  { col: "state", label: "State" },
  { col: "ready", label: "Ready" },
  { col: "pid", label: "PID" },
  { col: "uptime", label: "Uptime" },
  { col: "restarts", label: "Restarts" },
  { col: "exit", label: "Last exit" },
  { col: "description", label: "Description" },
] as const;

export type Column = (typeof COLUMNS)[number]["col"];
type Direction = "ascending" | "descending";

export interface TableOptions {
  /** The server's clock now. */
  now(): number;
  /** The name button of a row was pressed. */
  onOpen(namespec: string, button: HTMLButtonElement): void;
  /** Buttons for a target (a namespec or `group:*`); none in read-only mode. */
  actionButtons?: (target: string, subject: string) => HTMLElement[];
}

interface RowView {
  row: DashboardProcess;
  /** Its place in the server's order. */
  index: number;
  readonly tr: HTMLTableRowElement;
  readonly cells: Readonly<Record<Column, HTMLTableCellElement>>;
}

export class ProcessTable {
  private readonly tbody = h("tbody");
  private readonly views = new Map<string, RowView>();
  private readonly groupRows = new Map<string, HTMLTableRowElement>();
  private readonly headers = new Map<Column, HTMLTableCellElement>();
  private sort: { col: Column; direction: Direction } | undefined;
  private filter = "";
  private selected: string | undefined;

  constructor(
    table: HTMLTableElement,
    private readonly empty: HTMLElement,
    private readonly options: TableOptions,
  ) {
    table.append(this.header(), this.tbody);
    this.tbody.addEventListener("click", (event) => {
      const button = (event.target as Element).closest("button.name");
      const name = button?.closest("tr")?.dataset.name;
      if (button instanceof HTMLButtonElement && name !== undefined) options.onOpen(name, button);
    });
    this.layout();
  }

  /** Brings the table to these rows (in the server's order), touching only what changed. */
  update(rows: Iterable<DashboardProcess>): void {
    const seen = new Set<string>();
    let index = 0;
    for (const row of rows) {
      seen.add(row.namespec);
      const view = this.views.get(row.namespec);
      if (view === undefined) {
        this.views.set(row.namespec, this.createRow(row, index));
      } else {
        view.index = index;
        if (view.row !== row) {
          view.row = row;
          this.fill(view);
        }
      }
      index += 1;
    }
    for (const [name, view] of this.views) {
      if (!seen.has(name)) {
        view.tr.remove();
        this.views.delete(name);
      }
    }
    this.layout();
  }

  /** The once-a-second refresh of what ages: uptimes and countdowns. */
  tick(): void {
    const now = this.options.now();
    for (const view of this.views.values()) {
      setText(view.cells.uptime, uptimeOf(view.row, now));
      setText(view.cells.description, liveDescription(view.row, now));
    }
  }

  setFilter(text: string): void {
    this.filter = text.trim().toLowerCase();
    this.applyFilter();
  }

  /** Marks the row whose details are open. */
  select(namespec: string | undefined): void {
    this.selected = namespec;
    for (const [name, view] of this.views) view.tr.classList.toggle("selected", name === namespec);
  }

  private header(): HTMLTableSectionElement {
    const cells = COLUMNS.map(({ col, label }) => {
      const th = h(
        "th",
        { scope: "col", "data-col": col, "aria-sort": "none" },
        h("button", { type: "button", "data-sort": col }, label),
      );
      th.addEventListener("click", () => this.sortBy(col));
      this.headers.set(col, th);
      return th;
    });
    const actions = this.options.actionButtons
      ? h("th", { scope: "col", "data-col": "actions" }, "Actions")
      : undefined;
    return h("thead", {}, h("tr", {}, ...cells, actions));
  }

  /** Sorts by a column: ascending, then descending, then back to the server's order. */
  private sortBy(col: Column): void {
    if (this.sort?.col !== col) this.sort = { col, direction: "ascending" };
    else if (this.sort.direction === "ascending") this.sort = { col, direction: "descending" };
    else this.sort = undefined;
    for (const [name, th] of this.headers)
      th.setAttribute("aria-sort", name === this.sort?.col ? this.sort.direction : "none");
    this.layout();
  }

  private createRow(row: DashboardProcess, index: number): RowView {
    const cell = (col: Column, ...children: (Node | string)[]) =>
      h("td", { "data-col": col }, ...children);
    const cells = {
      name: cell("name", h("button", { type: "button", class: "name" }, row.namespec)),
      group: cell("group"),
      state: cell("state"),
      ready: cell("ready"),
      pid: cell("pid"),
      uptime: cell("uptime"),
      restarts: cell("restarts"),
      exit: cell("exit"),
      description: cell("description"),
    };
    const buttons = this.options.actionButtons?.(row.namespec, row.namespec);
    const tr = h(
      "tr",
      { "data-name": row.namespec },
      ...Object.values(cells),
      buttons && h("td", { "data-col": "actions" }, ...buttons),
    );
    const view = { row, index, tr, cells };
    this.fill(view);
    tr.classList.toggle("selected", row.namespec === this.selected);
    return view;
  }

  private fill(view: RowView): void {
    const { row, cells, tr } = view;
    const now = this.options.now();
    tr.dataset.state = row.statename;
    tr.dataset.ready = row.ready ? "yes" : "no";
    setText(cells.group, row.group);
    setText(cells.state, row.statename);
    setText(cells.ready, row.ready ? "yes" : "no");
    setText(cells.pid, row.pid > 0 ? String(row.pid) : "");
    setText(cells.uptime, uptimeOf(row, now));
    setText(cells.restarts, String(row.restarts));
    setText(cells.exit, row.lastExit);
    setText(cells.description, liveDescription(row, now));
    if (row.readyCheck !== "") cells.ready.title = `ready check: ${row.readyCheck}`;
    else cells.ready.removeAttribute("title");
  }

  /**
   * Puts the rows in order: the server's (or by group) with a row above each
   * group of several processes or named apart from its program; any other
   * sort is one flat list. Rows already in place are not moved.
   */
  private layout(): void {
    const now = this.options.now();
    let views = [...this.views.values()].sort((a, b) => a.index - b.index);
    const sort = this.sort;
    if (sort !== undefined) {
      const sign = sort.direction === "ascending" ? 1 : -1;
      views = views.sort(
        (a, b) =>
          sign * compare(sortKey(sort.col, a.row, now), sortKey(sort.col, b.row, now)) ||
          a.index - b.index,
      );
    }
    const byGroup = new Map<string, RowView[]>();
    for (const view of views)
      byGroup.set(view.row.group, [...(byGroup.get(view.row.group) ?? []), view]);
    const realGroups = new Set(
      [...byGroup]
        .filter(
          ([group, members]) => members.length > 1 || members.some((v) => v.row.name !== group),
        )
        .map(([group]) => group),
    );
    for (const view of views)
      view.tr.toggleAttribute("data-in-group", realGroups.has(view.row.group));
    const desired: HTMLTableRowElement[] = [];
    const liveGroups = new Set<string>();
    if (sort === undefined || sort.col === "group") {
      for (const [group, members] of byGroup) {
        if (realGroups.has(group)) {
          desired.push(this.groupRow(group, members.length));
          liveGroups.add(group);
        }
        desired.push(...members.map((view) => view.tr));
      }
    } else {
      desired.push(...views.map((view) => view.tr));
    }
    for (const [group, tr] of this.groupRows) {
      if (!liveGroups.has(group)) {
        tr.remove();
        this.groupRows.delete(group);
      }
    }
    placeInOrder(this.tbody, desired);
    this.applyFilter();
  }

  private groupRow(group: string, count: number): HTMLTableRowElement {
    let tr = this.groupRows.get(group);
    if (tr === undefined) {
      const buttons = this.options.actionButtons?.(`${group}:*`, `group ${group}`);
      tr = h(
        "tr",
        { class: "group-row", "data-group": group },
        h(
          "th",
          { colspan: COLUMNS.length },
          h("span", { class: "group-name" }, group),
          " ",
          h("span", { class: "count" }),
        ),
        buttons && h("td", { "data-col": "actions" }, ...buttons),
      );
      this.groupRows.set(group, tr);
    }
    const counter = tr.querySelector(".count");
    if (counter) setText(counter, `${count} process${count === 1 ? "" : "es"}`);
    return tr;
  }

  /** Hides rows the filter does not match, and groups with no row left. */
  private applyFilter(): void {
    const now = this.options.now();
    const visibleGroups = new Set<string>();
    let visible = 0;
    for (const view of this.views.values()) {
      const { row } = view;
      const haystack = `${row.namespec} ${row.statename} ${liveDescription(row, now)} ${row.description}`;
      const shown = this.filter === "" || haystack.toLowerCase().includes(this.filter);
      view.tr.hidden = !shown;
      if (shown) {
        visible += 1;
        visibleGroups.add(row.group);
      }
    }
    for (const [group, tr] of this.groupRows) tr.hidden = !visibleGroups.has(group);
    const message =
      this.views.size === 0
        ? "No processes."
        : visible === 0
          ? "No process matches the filter."
          : "";
    setText(this.empty, message);
    this.empty.hidden = message === "";
  }
}

function uptimeOf(row: DashboardProcess, now: number): string {
  return row.statename === "RUNNING" && row.start > 0 ? formatUptime(now - row.start) : "";
}

function sortKey(col: Column, row: DashboardProcess, now: number): string | number {
  switch (col) {
    case "name":
      return row.namespec;
    case "group":
      return row.group;
    case "state":
      return row.statename;
    case "ready":
      return row.ready ? 1 : 0;
    case "pid":
      return row.pid;
    case "uptime":
      return row.statename === "RUNNING" && row.start > 0 ? now - row.start : -1;
    case "restarts":
      return row.restarts;
    case "exit":
      return row.lastExit;
    case "description":
      return liveDescription(row, now);
  }
}

function compare(a: string | number, b: string | number): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** Makes `parent`'s children exactly `rows`, in order, moving only rows out of place. */
function placeInOrder(parent: HTMLElement, rows: readonly HTMLElement[]): void {
  let cursor = parent.firstElementChild;
  for (const row of rows) {
    if (cursor === row) {
      cursor = cursor.nextElementSibling;
      continue;
    }
    parent.insertBefore(row, cursor);
  }
  while (cursor !== null) {
    const next = cursor.nextElementSibling;
    cursor.remove();
    cursor = next;
  }
}
