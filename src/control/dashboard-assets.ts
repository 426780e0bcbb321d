// The dashboard's page, script and style, bundled from src/ui/ when tend is
// built (a Bun macro runs the bundler) and carried inside the executable as
// strings: nothing is read from disk or fetched at run time.

import { uiPage, uiScript, uiStyle } from "../ui/bundle.ts" with { type: "macro" };

export const DASHBOARD_ASSETS = {
  page: uiPage(),
  script: uiScript(),
  style: uiStyle(),
} as const;
