// Local time for tend's log stamps without loading ICU when the zone is UTC.
// The first local-time question asked of JavaScriptCore (getHours(),
// getTimezoneOffset()) loads ICU's time-zone data, about 10 ms, and tend's
// first log line comes before its first program starts. Containers nearly
// always run in UTC: no /etc/localtime, one that is Etc/UTC, or TZ=UTC.
// That is told here from TZ or from the zone file's header, the way ICU
// itself decides (checked against it in the unit tests); any other zone is
// left to ICU.

import { fs } from "./fs.ts";

/** TZ values ICU reads as UTC (a leading ":" is dropped first). */
const UTC_NAMES = new Set([
  "",
  "UTC",
  "UTC0",
  "UCT",
  "GMT",
  "GMT0",
  "Universal",
  "Zulu",
  "Greenwich",
  "Etc/UTC",
  "Etc/UCT",
  "Etc/GMT",
  "Etc/GMT0",
  "Etc/Universal",
  "Etc/Zulu",
  "Etc/Greenwich",
]);

/** Whether the zone is UTC: `tz` is the TZ variable, `read` reads a zone file (undefined when missing). */
export function zoneIsUtc(
  tz: string | undefined,
  read: (path: string) => Uint8Array | undefined,
): boolean {
  if (tz === undefined) {
    const zone = read("/etc/localtime");
    // Without the file, glibc and ICU both use UTC.
    return zone === undefined || isUtcZoneFile(zone);
  }
  const name = tz.startsWith(":") ? tz.slice(1) : tz;
  if (UTC_NAMES.has(name)) return true;
  if (!name.startsWith("/")) return false;
  const zone = read(name);
  return zone !== undefined && isUtcZoneFile(zone);
}

/**
 * A TZif file (tzfile(5)) of a zone that is UTC for ever: no transition and
 * one local time type, offset 0. Anything else, or not TZif, is not.
 */
export function isUtcZoneFile(bytes: Uint8Array): boolean {
  if (bytes.length < 44 + 6) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== 0x545a6966) return false; // "TZif"
  // The version 1 header's counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt.
  const timecnt = view.getUint32(32);
  const typecnt = view.getUint32(36);
  if (timecnt !== 0 || typecnt !== 1) return false;
  // The one ttinfo follows the header (no transition times or indices).
  return view.getInt32(44) === 0;
}

let utc: boolean | undefined;

function readZone(path: string): Uint8Array | undefined {
  try {
    return fs().readFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * `ms` as a Date whose UTC fields (getUTCHours()...) are the local time's
 * fields: the same Date in UTC, else shifted by the zone's offset then.
 */
export function localClock(ms: number): Date {
  utc ??= zoneIsUtc(process.env.TZ, readZone);
  return utc ? new Date(ms) : new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
}
