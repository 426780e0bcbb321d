// What `ready_check=` and `live_check=` say, parsed once at load: an HTTP(S)
// GET, a TCP or unix-socket connection, a file that appears, a line of the
// program's output, s6's notification fd, systemd's NOTIFY_SOCKET, or a
// command (anything else). Pure: no probing here, only the meaning.

import { splitCommand } from "./shlex.ts";

export type CheckSpec =
  | { readonly kind: "http"; readonly text: string; readonly url: string }
  | { readonly kind: "tcp"; readonly text: string; readonly host: string; readonly port: number }
  | { readonly kind: "unix"; readonly text: string; readonly path: string }
  | { readonly kind: "file"; readonly text: string; readonly path: string }
  | { readonly kind: "log"; readonly text: string; readonly pattern: string }
  | { readonly kind: "fd"; readonly text: string; readonly fd: number }
  | { readonly kind: "notify"; readonly text: string }
  | { readonly kind: "command"; readonly text: string; readonly argv: readonly string[] };

/** The kinds tend polls (liveness can only be one of these). */
export const POLLED_KINDS: readonly CheckSpec["kind"][] = [
  "http",
  "tcp",
  "unix",
  "file",
  "command",
];

export type Parsed = { ok: true; value: CheckSpec } | { ok: false; expected: string };

const fail = (expected: string): Parsed => ({ ok: false, expected });

export function parseCheck(raw: string): Parsed {
  const text = raw.trim();
  if (text === "")
    return fail("a check such as http://127.0.0.1:8080/health, tcp:5432 or a command");
  const lower = text.toLowerCase();
  if (lower.startsWith("http://") || lower.startsWith("https://")) {
    try {
      const url = new URL(text);
      if (url.hostname === "") return fail("an http:// or https:// URL with a host");
      // the probe sends these decoded (Basic auth): a bad %-escape is the config's error
      decodeURIComponent(url.username);
      decodeURIComponent(url.password);
      return { ok: true, value: { kind: "http", text, url: url.href } };
    } catch {
      return fail("an http:// or https:// URL such as http://127.0.0.1:8080/health");
    }
  }
  if (lower.startsWith("tcp:")) return tcp(text, text.slice(4));
  if (lower.startsWith("unix:")) {
    const path = text.slice(5);
    if (!path.startsWith("/")) return fail("unix:/PATH, an absolute socket path");
    return { ok: true, value: { kind: "unix", text, path } };
  }
  if (lower.startsWith("file:")) {
    const path = text.slice(5);
    if (!path.startsWith("/")) return fail("file:/PATH, an absolute path");
    return { ok: true, value: { kind: "file", text, path } };
  }
  if (lower.startsWith("log:")) {
    const pattern = text.slice(4);
    try {
      new RegExp(pattern);
    } catch (error) {
      return fail(`log:REGEX with a valid regular expression (${(error as Error).message})`);
    }
    if (pattern === "") return fail("log:REGEX with a regular expression after log:");
    return { ok: true, value: { kind: "log", text, pattern } };
  }
  if (lower.startsWith("fd:")) {
    const fd = Number(text.slice(3));
    if (!/^\d+$/.test(text.slice(3)) || fd < 3 || fd > 255)
      return fail("fd:N with a descriptor number from 3 to 255 (0 to 2 are stdin, stdout, stderr)");
    return { ok: true, value: { kind: "fd", text, fd } };
  }
  if (lower === "notify") return { ok: true, value: { kind: "notify", text } };
  const argv = splitCommand(text);
  if (!argv.ok || argv.value.length === 0) return fail("a command, split as command= is");
  return { ok: true, value: { kind: "command", text, argv: argv.value } };
}

/** `tcp:PORT` (localhost) or `tcp:HOST:PORT`. */
function tcp(text: string, rest: string): Parsed {
  const colon = rest.lastIndexOf(":");
  const host = colon < 0 ? "127.0.0.1" : rest.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  const portText = colon < 0 ? rest : rest.slice(colon + 1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535 || host === "")
    return fail("tcp:PORT or tcp:HOST:PORT with a port from 1 to 65535");
  return { ok: true, value: { kind: "tcp", text, host, port } };
}
