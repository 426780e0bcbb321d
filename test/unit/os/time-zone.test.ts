// The UTC fast path for tend's log stamps: told from TZ or the zone file's
// header, and never UTC where ICU (JavaScriptCore's own answer, asked in a
// child process with the same TZ) says otherwise.

import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isUtcZoneFile, zoneIsUtc } from "../../../src/os/time-zone.ts";

const ZONES = "/usr/share/zoneinfo";
const hasZones = existsSync(join(ZONES, "Europe/Paris"));
const MODULE = join(import.meta.dir, "../../../src/os/time-zone.ts");

function read(path: string): Uint8Array | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** ICU's offsets (minutes) in January and July, from a child with TZ set (or unset). */
function icuOffsets(tz: string | undefined): [number, number] {
  const env = { ...process.env };
  if (tz === undefined) delete env.TZ;
  else env.TZ = tz;
  const run = Bun.spawnSync(
    [
      process.execPath,
      "-e",
      "console.log(JSON.stringify([0, 6].map((m) => new Date(Date.UTC(2026, m, 1)).getTimezoneOffset())))",
    ],
    { env },
  );
  return JSON.parse(run.stdout.toString());
}

describe("isUtcZoneFile", () => {
  test.skipIf(!hasZones)("the UTC zone files are UTC", () => {
    for (const name of ["Etc/UTC", "UTC", "Etc/UCT", "Zulu"])
      expect(isUtcZoneFile(readFileSync(join(ZONES, name)))).toBe(true);
  });

  test.skipIf(!hasZones)("a zone with transitions, or a fixed offset other than 0, is not", () => {
    for (const name of ["Europe/Paris", "America/New_York", "Etc/GMT-2", "Asia/Kolkata"])
      expect(isUtcZoneFile(readFileSync(join(ZONES, name)))).toBe(false);
  });

  // zic's "slim" files (its default since 2020) keep a dummy version 1 block
  // that looks like UTC whatever the zone; only the version 2 block and the
  // footer rule tell.
  const ZIC = Bun.which("zic") ?? (existsSync("/usr/sbin/zic") ? "/usr/sbin/zic" : undefined);
  const SOURCE = [
    "Rule EU 1981 max - Mar lastSun 1:00u 1:00 S",
    "Rule EU 1996 max - Oct lastSun 1:00u 0 -",
    "Zone Test/CET 1:00 EU CE%sT",
    "Zone Test/WET 0:00 EU WE%sT",
    "Zone Test/UTC 0 - UTC",
    "Zone Test/Plus2 2:00 - +02",
    // UTC now, CET before 2000: its footer says UTC0, its transitions do not.
    "Zone Test/WasCET 1:00 - CET 2000",
    "  0 - UTC",
    "",
  ].join("\n");

  test.skipIf(!ZIC)("slim and fat files from zic: only the UTC zone is UTC", () => {
    for (const format of ["slim", "fat"]) {
      const dir = mkdtempSync(join(tmpdir(), "tend-zic-"));
      try {
        writeFileSync(join(dir, "source"), SOURCE);
        const zic = Bun.spawnSync([ZIC as string, "-b", format, "-d", dir, join(dir, "source")]);
        expect(zic.exitCode).toBe(0);
        const utc = (zone: string) => isUtcZoneFile(readFileSync(join(dir, "Test", zone)));
        expect({
          format,
          CET: utc("CET"),
          WET: utc("WET"),
          Plus2: utc("Plus2"),
          WasCET: utc("WasCET"),
          UTC: utc("UTC"),
        }).toEqual({
          format,
          CET: false,
          WET: false,
          Plus2: false,
          WasCET: false,
          UTC: true,
        });
        // A slim file's version 1 block alone would have said UTC for every one of them.
        if (format === "slim")
          expect(isUtcZoneFile(readFileSync(join(dir, "Test/CET")).subarray(0, 60))).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  /** A version 2 file as zic writes it slim: a dummy version 1 block, one type at offset 0, then `footer`. */
  function slimFile(footer: string): Uint8Array {
    const block = () => {
      const bytes = new Uint8Array(44 + 6 + 4);
      bytes.set(new TextEncoder().encode("TZif2"));
      const view = new DataView(bytes.buffer);
      view.setUint32(36, 1); // typecnt
      view.setUint32(40, 4); // charcnt
      bytes.set(new TextEncoder().encode("UTC\0"), 50);
      return bytes;
    };
    return new Uint8Array([...block(), ...block(), ...new TextEncoder().encode(`\n${footer}\n`)]);
  }

  test("a version 2 file with no transition is UTC only if its footer is offset 0 without daylight saving", () => {
    expect(isUtcZoneFile(slimFile("UTC0"))).toBe(true);
    expect(isUtcZoneFile(slimFile("<+00>0"))).toBe(true);
    expect(isUtcZoneFile(slimFile("WET0WEST,M3.5.0/1,M10.5.0"))).toBe(false);
    expect(isUtcZoneFile(slimFile("CET-1"))).toBe(false);
    expect(isUtcZoneFile(slimFile(""))).toBe(false);
  });

  test("what is not TZif, or too short, is not", () => {
    expect(isUtcZoneFile(new Uint8Array(0))).toBe(false);
    expect(isUtcZoneFile(new TextEncoder().encode("UTC\n".repeat(20)))).toBe(false);
    // Version 1, one type at offset 0, no transition: UTC.
    const header = new Uint8Array(50);
    header.set(new TextEncoder().encode("TZif"));
    new DataView(header.buffer).setUint32(36, 1);
    expect(isUtcZoneFile(header)).toBe(true);
    new DataView(header.buffer).setInt32(44, 3600);
    expect(isUtcZoneFile(header)).toBe(false);
    // Version 2 without its second block: not UTC.
    new DataView(header.buffer).setInt32(44, 0);
    header[4] = 0x32;
    expect(isUtcZoneFile(header)).toBe(false);
  });
});

describe("zoneIsUtc", () => {
  const missing = () => undefined;

  test("no TZ and no /etc/localtime is UTC, as for glibc and ICU", () => {
    expect(zoneIsUtc(undefined, missing)).toBe(true);
  });

  test("TZ names of UTC, with or without a leading colon", () => {
    for (const tz of ["UTC", ":UTC", "Etc/UTC", "UTC0", "GMT", "", ":Etc/Zulu"])
      expect(zoneIsUtc(tz, missing)).toBe(true);
  });

  test("other names are left to ICU", () => {
    for (const tz of ["Europe/Paris", "EST5EDT", "UTC+1", "Etc/GMT-2", "utc"])
      expect(zoneIsUtc(tz, missing)).toBe(false);
  });

  test.skipIf(!hasZones)("a TZ path and /etc/localtime are read", () => {
    const reading = (file: string) => (path: string) =>
      path === "/etc/localtime" ? read(join(ZONES, file)) : read(path);
    expect(zoneIsUtc(undefined, reading("Etc/UTC"))).toBe(true);
    expect(zoneIsUtc(undefined, reading("Europe/Paris"))).toBe(false);
    expect(zoneIsUtc(`:${ZONES}/Etc/UTC`, read)).toBe(true);
    expect(zoneIsUtc(`${ZONES}/Europe/Paris`, read)).toBe(false);
    expect(zoneIsUtc("/nonexistent/zone", read)).toBe(false);
  });

  test.skipIf(!hasZones)("never UTC where ICU has an offset, and UTC where the host is", () => {
    const cases = [
      undefined,
      "",
      "UTC",
      ":UTC",
      "UTC0",
      "Etc/UTC",
      "GMT",
      "Europe/Paris",
      "EST5EDT",
      "Etc/GMT-2",
      `${ZONES}/Etc/UTC`,
      `${ZONES}/Europe/Paris`,
    ];
    for (const tz of cases) {
      const offsets = icuOffsets(tz);
      if (zoneIsUtc(tz, read)) expect({ tz, offsets }).toEqual({ tz, offsets: [0, 0] });
    }
    // The fast path is taken where it matters: the named UTC cases.
    for (const tz of ["UTC", ":UTC", "Etc/UTC", `${ZONES}/Etc/UTC`])
      expect(zoneIsUtc(tz, read)).toBe(true);
  });
});

describe("localClock", () => {
  test.skipIf(!hasZones)("its UTC fields are the local fields, in UTC and elsewhere", () => {
    for (const tz of ["UTC", "Europe/Paris", "America/New_York"]) {
      const script = `
        import { localClock } from ${JSON.stringify(MODULE)};
        const out = [];
        for (const ms of [Date.UTC(2026, 0, 1, 23, 30), Date.UTC(2026, 6, 1, 0, 15, 59, 7)]) {
          const mine = localClock(ms);
          const theirs = new Date(ms);
          out.push([mine.getUTCFullYear(), mine.getUTCMonth(), mine.getUTCDate(), mine.getUTCHours(), mine.getUTCMinutes(), mine.getUTCSeconds(), mine.getUTCMilliseconds()].join(" ")
            === [theirs.getFullYear(), theirs.getMonth(), theirs.getDate(), theirs.getHours(), theirs.getMinutes(), theirs.getSeconds(), theirs.getMilliseconds()].join(" "));
        }
        console.log(JSON.stringify(out));`;
      const run = Bun.spawnSync([process.execPath, "-e", script], {
        env: { ...process.env, TZ: tz },
      });
      expect({ tz, same: run.stdout.toString().trim(), err: run.stderr.toString() }).toEqual({
        tz,
        same: "[true,true]",
        err: "",
      });
    }
  });
});
