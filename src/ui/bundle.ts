// Placeholder until the page lands (the ui-client branch replaces this file).
export function uiScript(): string {
  return "";
}
export function uiStyle(): string {
  return "";
}
export function uiPage(): string {
  return '<!doctype html><title>tend</title><link rel="stylesheet" href="ui/app.css"><script src="ui/app.js" defer></script>';
}
