// Local time for tend's log stamps without loading ICU when the zone is UTC.
// The first local-time question asked of JavaScriptCore (getHours(),
// getTimezoneOffset()) loads ICU's time-zone data, about 10 ms, and tend's
// first log line comes before its first program starts. Containers nearly
// always run in UTC: no /etc/localtime, one that is Etc/UTC, or TZ=UTC.
// That is told here from TZ or from the zone file's contents, only when
// they leave no doubt (the unit tests hold it against ICU's own answers);
// any other zone is left to ICU.

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
 * A TZif file (tzfile(5)) of a zone that is UTC for ever: no transition,
 * one local time type with offset 0 and, from version 2 on, a footer rule
 * without daylight saving at offset 0 ("UTC0"). From version 2 on, the
 * version 1 block is skipped: zic's "slim" files (its default since 2020)
 * leave it a dummy that looks like UTC whatever the zone. Anything else, or
 * not TZif, is not UTC.
 */
export function isUtcZoneFile(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const v1 = tzifBlock(view, 0, 4);
  if (v1 === undefined) return false;
  if (bytes[4] === 0) return v1.utc; // version 1: no second block, no footer
  const v2 = tzifBlock(view, v1.end, 8);
  if (v2 === undefined || !v2.utc) return false;
  // The footer: "\n" TZ-string "\n", a POSIX rule for the times after the last transition.
  const footer = new TextDecoder("latin1").decode(bytes.subarray(v2.end)).split("\n")[1] ?? "";
  return /^(?:[A-Za-z]{3,}|<[+-]?[0-9A-Za-z]+>)0$/.test(footer);
}

/** TZif header (44 bytes) and data block at `at`, with transition times `timeBytes` wide. */
function tzifBlock(
  view: DataView,
  at: number,
  timeBytes: number,
): { readonly utc: boolean; readonly end: number } | undefined {
  if (view.byteLength < at + 44 || view.getUint32(at) !== 0x545a6966) return undefined; // "TZif"
  // The counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt.
  const [isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt] = [20, 24, 28, 32, 36, 40].map(
    (offset) => view.getUint32(at + offset),
  ) as [number, number, number, number, number, number];
  const data = at + 44;
  const end =
    data +
    timecnt * timeBytes +
    timecnt +
    typecnt * 6 +
    charcnt +
    leapcnt * (timeBytes + 4) +
    isstdcnt +
    isutcnt;
  if (end > view.byteLength) return undefined;
  // The one ttinfo follows the header when there is no transition.
  const utc = timecnt === 0 && typecnt === 1 && view.getInt32(data) === 0;
  return { utc, end };
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
