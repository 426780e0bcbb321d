// The dashboard as tend serves it: within its size budget, self-contained
// (nothing names another host, so no request leaves the page), and the page
// asks for exactly its own script and style.

import { describe, expect, test } from "bun:test";
import { uiPage, uiScript, uiStyle } from "../../../src/ui/bundle.ts";

const BUDGET = 150 * 1024;

const script = uiScript();
const style = uiStyle();
const page = uiPage();
const bytes = (text: string) => new TextEncoder().encode(text).length;

describe("the dashboard bundle", () => {
  test(`script, style and page together are at most ${BUDGET} bytes`, () => {
    const total = bytes(script) + bytes(style) + bytes(page);
    expect(bytes(script)).toBeGreaterThan(1_000);
    expect(total).toBeLessThanOrEqual(BUDGET);
  });

  test("nothing in it names another host", () => {
    for (const [name, text] of Object.entries({ script, style, page })) {
      expect({ name, urls: text.match(/https?:\/\/[^\s"'`)]*/gi) ?? [] }).toEqual({
        name,
        urls: [],
      });
      expect({ name, cdn: /\/\/cdn/i.test(text) }).toEqual({ name, cdn: false });
    }
  });

  test("the page references only ui/app.js and ui/app.css (and an empty icon)", () => {
    const references = [...page.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]);
    expect(references.sort()).toEqual(["data:,", "ui/app.css", "ui/app.js"]);
  });

  test("the page has no inline script or style (the CSP forbids them)", () => {
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(page).not.toMatch(/<style\b/i);
    expect(page).not.toMatch(/\sstyle\s*=/i);
    expect(page).not.toMatch(/\son[a-z]+\s*=/i);
  });

  test("the script is a bundle for the browser: no import left, no Node or Bun", () => {
    expect(script).not.toMatch(/\bimport\s*[{("']/);
    expect(script).not.toMatch(/\brequire\(/);
    expect(script).not.toContain("Bun.");
  });
});
