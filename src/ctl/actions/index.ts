// Every action `tend ctl` knows, by name, and `help`: one action's help, or
// the list of actions laid out in columns as Python's cmd module does.

import type { Action, Controller } from "../controller.ts";
import { CONFIG_ACTIONS } from "./config.ts";
import { LOG_ACTIONS } from "./logs.ts";
import { PROCESS_ACTIONS } from "./processes.ts";
import { SERVER_ACTIONS } from "./server.ts";
import { waitAction } from "./wait.ts";

const HELP_HELP = [
  "help\t\tPrint a list of available actions",
  "help <action>\tPrint help for <action>",
];

async function help(ctl: Controller, arg: string): Promise<undefined> {
  const topic = arg.trim();
  if (topic === "help") {
    for (const line of HELP_HELP) ctl.output(line);
    return;
  }
  if (topic !== "") {
    const lines = ctl.actions.get(topic)?.help;
    if (lines === undefined) ctl.output(`*** No help on ${topic}`);
    else for (const line of lines) ctl.output(line);
    return;
  }
  ctl.output("");
  for (const line of topicList(ctl.actions)) ctl.output(line);
}

const helpAction: Action = { name: "help", run: help, help: HELP_HELP, completes: "actions" };

/** The actions `help` lists: those with help, but not help itself. */
function topicList(actions: ReadonlyMap<string, Action>): string[] {
  const names = [...actions.values()]
    .filter((action) => action.help !== undefined && action.name !== "help")
    .map((action) => action.name)
    .sort();
  const header = "default commands (type help <topic>):";
  return [header, "=".repeat(header.length), ...columnize(names, 79), ""];
}

/**
 * Python's cmd.Cmd.columnize: the fewest rows whose columns (filled top to
 * bottom, two spaces apart) fit in `width`; each cell padded to its
 * column's width, trailing empty cells dropped.
 */
export function columnize(items: readonly string[], width: number): string[] {
  if (items.length === 0) return ["<empty>"];
  if (items.length === 1) return [items[0] as string];
  // Python's for/else: when no row count fits, one column.
  let layout = { rows: items.length, columns: 1, widths: [0] };
  for (let rows = 1; rows < items.length; rows++) {
    const columns = Math.ceil(items.length / rows);
    const widths: number[] = [];
    let total = -2;
    for (let col = 0; col < columns && total <= width; col++) {
      const cells = items.slice(col * rows, (col + 1) * rows);
      widths.push(Math.max(...cells.map((cell) => cell.length)));
      total += (widths.at(-1) as number) + 2;
    }
    if (total <= width) {
      layout = { rows, columns, widths };
      break;
    }
  }
  const lines: string[] = [];
  for (let row = 0; row < layout.rows; row++) {
    const texts: string[] = [];
    for (let col = 0; col < layout.columns; col++) texts.push(items[row + layout.rows * col] ?? "");
    while (texts.length > 0 && texts.at(-1) === "") texts.pop();
    lines.push(texts.map((text, col) => text.padEnd(layout.widths[col] ?? 0)).join("  "));
  }
  return lines;
}

export function allActions(): ReadonlyMap<string, Action> {
  const list = [
    helpAction,
    ...PROCESS_ACTIONS,
    ...LOG_ACTIONS,
    ...CONFIG_ACTIONS,
    ...SERVER_ACTIONS,
    waitAction,
  ];
  return new Map(list.map((action) => [action.name, action]));
}
