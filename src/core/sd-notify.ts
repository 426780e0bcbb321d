// systemd's notify protocol, the reading side: what a program sent to
// NOTIFY_SOCKET ("READY=1", "STATUS=...") as readiness events. The datagrams
// reach tend as a byte stream, and several may arrive run together
// ("STATUS=warmingREADY=1\nSTATUS=up"), so an assignment starts at the start
// of a line or, within a line that starts with one, wherever a key of
// systemd's vocabulary is followed by "=".

export type NotifyEvent =
  | { readonly kind: "ready" }
  | { readonly kind: "status"; readonly text: string };

/** sd_notify(3)'s keys, longer before their prefixes (WATCHDOG_USEC before WATCHDOG). */
const KEYS = [
  "EXTEND_TIMEOUT_USEC",
  "MONOTONIC_USEC",
  "WATCHDOG_USEC",
  "FDSTOREREMOVE",
  "NOTIFYACCESS",
  "EXIT_STATUS",
  "RELOADING",
  "BUSERROR",
  "STOPPING",
  "WATCHDOG",
  "FDSTORE",
  "MAINPID",
  "FDNAME",
  "FDPOLL",
  "BARRIER",
  "STATUS",
  "ERRNO",
  "READY",
];

const KNOWN_KEY = new RegExp(`(?:${KEYS.join("|")})=`, "g");
/** A line that is an assignment at all: KEY=..., systemd's or a program's own (X_...). */
const ASSIGNMENT = /^[A-Z_][A-Z0-9_]*=/;

/** The events in `text`, in the order sent: READY=1 → ready, STATUS=x → status x. */
export function parseNotify(text: string): NotifyEvent[] {
  const events: NotifyEvent[] = [];
  for (const line of text.split("\n")) {
    if (!ASSIGNMENT.test(line)) continue;
    const starts = [0, ...[...line.matchAll(KNOWN_KEY)].map((m) => m.index).filter((at) => at > 0)];
    starts.forEach((start, i) => {
      const assignment = line.slice(start, starts[i + 1] ?? line.length);
      const equals = assignment.indexOf("=");
      const key = assignment.slice(0, equals);
      const value = assignment.slice(equals + 1);
      if (key === "READY" && value.trim() === "1") events.push({ kind: "ready" });
      else if (key === "STATUS") events.push({ kind: "status", text: value });
    });
  }
  return events;
}
