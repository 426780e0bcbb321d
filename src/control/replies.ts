// The short text answers every route of the control server gives (errors,
// refusals), written once.

/** A text/plain answer. */
export function plain(
  status: number,
  text: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(text, { status, headers: { "Content-Type": "text/plain", ...headers } });
}
