// The dashboard's page, style and script as strings, made at bundle time: the
// server imports these functions `with { type: "macro" }`, so Bun runs them
// while it builds tend and inlines what they return into the executable.
//
// Bun.build cannot be called inside a macro (the bundler waits on itself), so
// the script is bundled by a second `bun build` process; process.execPath is
// bun both under `bun build --compile` and under `bun test`.

import { readFileSync } from "node:fs";
import { join } from "node:path";

const DIR = import.meta.dir;

/** src/ui/main.ts and what it imports, bundled and minified for the browser. */
export function uiScript(): string {
  const result = Bun.spawnSync(
    [
      process.execPath,
      "build",
      join(DIR, "main.ts"),
      "--minify",
      "--target=browser",
      "--format=iife",
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (!result.success) {
    throw new Error(
      `bundling the dashboard's script (src/ui/main.ts) failed: ${result.stderr.toString()}`,
    );
  }
  return result.stdout.toString();
}

/** The style sheets, in this order (later rules win), served as one: ui/app.css. */
const STYLES = ["base.css", "table.css", "panels.css"];

/** src/ui/styles/*.css as one sheet, without comments and indentation. */
export function uiStyle(): string {
  return STYLES.map((name) => readFileSync(join(DIR, "styles", name), "utf8"))
    .join("\n")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\n\s+/g, "\n")
    .replace(/\n{2,}/g, "\n")
    .trim();
}

/** src/ui/index.html without its indentation. */
export function uiPage(): string {
  return readFileSync(join(DIR, "index.html"), "utf8").replace(/\n\s+/g, "\n");
}
