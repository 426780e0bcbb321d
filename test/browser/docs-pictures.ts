// Makes the docs' pictures of the dashboard from the browser tests'
// screenshots: run `npm run test:browser` first, then
// `bun test/browser/docs-pictures.ts`. Copies the chosen screenshots from
// test/browser/artifacts/ to docs/images/dashboard-NAME.png and fails when
// one is missing or too large for the docs (150 KB).

import { copyFileSync, existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../harness/paths.ts";
import { ARTIFACTS } from "./browser.ts";

/** Screenshot (artifacts/NAME.png) → docs/images/dashboard-NAME.png. */
const CHOSEN = ["wide-light", "wide-dark", "phone", "details-log", "readonly"];
const LIMIT = 150 * 1024;

const images = join(ROOT, "docs/images");
mkdirSync(images, { recursive: true });
const problems: string[] = [];
for (const name of CHOSEN) {
  const from = join(ARTIFACTS, `${name}.png`);
  if (!existsSync(from)) {
    problems.push(`${from}: missing (run npm run test:browser first)`);
    continue;
  }
  const { size } = statSync(from);
  if (size > LIMIT) {
    problems.push(`${from}: ${size} bytes, over ${LIMIT}`);
    continue;
  }
  const to = join(images, `dashboard-${name}.png`);
  copyFileSync(from, to);
  console.log(`${to} (${(size / 1024).toFixed(0)} KB)`);
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
