// Browser safety: a web page the user visits must not be able to drive a
// tend listening on localhost (supervisord's CSRF class of problem), nor
// hold its streams open. A browser says where a request comes from
// (Sec-Fetch-Site, Origin, else Referer), and a page
// can only send a cross-site POST without asking first when its content
// type is one an HTML form can send, or none. So: a request whose Origin or
// Referer names another host than the one it was sent to is refused, and on
// TCP listeners so is a state-changing request with such a content type.
// supervisorctl and tend ctl send text/xml, and no browser reaches the unix
// socket, where `curl -d` keeps working as it is.

import type { Head } from "./http1-head.ts";

/** Content types a page may send cross-site without a preflight (with none at all). */
const FORM_TYPES = new Set([
  "",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "text/plain",
]);

/** Why `head` looks like a request a web page made on another site's behalf; undefined when it does not. */
export function crossSiteReason(head: Head, overTcp: boolean): string | undefined {
  // Browsers say where a request comes from even when they send no Origin
  // (a no-cors GET or HEAD): only following a link to tend comes from another site.
  const site = head.headers.get("sec-fetch-site");
  if (
    (site === "cross-site" || site === "same-site") &&
    head.headers.get("sec-fetch-mode") !== "navigate"
  )
    return `a ${site} request (Sec-Fetch-Site)`;
  const origin = head.headers.get("origin");
  const referer = head.headers.get("referer");
  const source = origin ?? referer;
  if (source !== null && source !== undefined) {
    const from = hostOf(source);
    const to = (head.headers.get("host") ?? "").toLowerCase();
    if (from === undefined || from !== to)
      return `a request from ${JSON.stringify(source.slice(0, 100))}`;
  }
  if (overTcp && head.method !== "GET" && head.method !== "HEAD") {
    const type = (head.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    if (FORM_TYPES.has(type))
      return `a ${head.method} with ${type === "" ? "no content type" : `content type ${type}`}, as a web page can send`;
  }
  return undefined;
}

/** `host:port` of an Origin or Referer, as a Host header writes it; undefined for `null` or garbage. */
function hostOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.host === "" ? undefined : parsed.host.toLowerCase();
  } catch {
    return undefined;
  }
}
