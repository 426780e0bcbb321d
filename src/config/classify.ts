// Sorting raw sections by kind before they are read: configparser's
// [DEFAULT] spread over every section, one [supervisord] and friends, named
// [program:x] and [group:x] (each defined once across all files), and the
// sections tend ignores or refuses.

import type { Problems, Where } from "./problems.ts";
import type { RawSection } from "./raw.ts";
import {
  HEALTH_KEYS,
  INET_HTTP_SERVER_KEYS,
  SUPERVISORCTL_KEYS,
  SUPERVISORD_KEYS,
  UNIX_HTTP_SERVER_KEYS,
} from "./schema.ts";
import type { KeyTable } from "./sections.ts";
import { didYouMean } from "./suggest.ts";

export const SINGLE_SECTIONS: Record<string, KeyTable> = {
  supervisord: SUPERVISORD_KEYS,
  unix_http_server: UNIX_HTTP_SERVER_KEYS,
  inet_http_server: INET_HTTP_SERVER_KEYS,
  supervisorctl: SUPERVISORCTL_KEYS,
  health: HEALTH_KEYS,
};
const KNOWN_SECTIONS = [
  ...Object.keys(SINGLE_SECTIONS),
  "program:NAME",
  "group:NAME",
  "include",
  "rpcinterface:NAME",
  "eventlistener:NAME",
  "fcgi-program:NAME",
  "ctlplugin:NAME",
];

export interface Classified {
  single: Map<string, RawSection>;
  programs: Map<string, RawSection>;
  groups: Map<string, RawSection>;
  listeners: Map<string, RawSection>;
}

/**
 * configparser's [DEFAULT]: its keys are defaults for every other section
 * (supervisord reads only the keys it knows in each, so they are not
 * reported as unknown).
 */
export function applyDefaults(sections: readonly RawSection[]): RawSection[] {
  const defaults = new Map(
    sections.filter((s) => s.name === "DEFAULT").flatMap((s) => [...s.entries]),
  );
  const others = sections.filter((s) => s.name !== "DEFAULT");
  if (defaults.size === 0) return others;
  return others.map((section) => ({
    ...section,
    entries: new Map([...defaults, ...section.entries]),
    inherited: new Set([...defaults.keys()].filter((key) => !section.entries.has(key))),
  }));
}

export function classify(sections: readonly RawSection[], problems: Problems): Classified {
  const single = new Map<string, RawSection>();
  const programs = new Map<string, RawSection>();
  const groups = new Map<string, RawSection>();
  const listeners = new Map<string, RawSection>();
  for (const section of sections) {
    const at: Where = { file: section.file, line: section.line, section: section.name };
    const [kind = "", name] = splitSectionName(section.name);
    if (section.name in SINGLE_SECTIONS) {
      const earlier = single.get(section.name);
      if (earlier) {
        problems.error(at, `section given again (first in ${placeOf(earlier)})`);
      } else single.set(section.name, section);
    } else if (
      (kind === "program" || kind === "group" || kind === "eventlistener") &&
      name !== undefined
    ) {
      const table = kind === "program" ? programs : kind === "group" ? groups : listeners;
      const earlier = table.get(name);
      if (earlier)
        problems.error(
          at,
          `${kind} ${JSON.stringify(name)} is defined twice (first in ${placeOf(earlier)})`,
        );
      else table.set(name, section);
    } else if (kind === "fcgi-program") {
      problems.warn(at, `${kind} sections are not supported by tend; this one is ignored`);
    } else if (kind === "rpcinterface" || kind === "ctlplugin") {
      // supervisord plugin wiring: tend has its interface built in.
    } else {
      const guess = () =>
        didYouMean(
          kind || section.name,
          KNOWN_SECTIONS.map((known) => known.split(":")[0] as string),
        );
      problems.error(
        at,
        () => `unknown section; expected one of [${KNOWN_SECTIONS.join("], [")}]${guess()}`,
      );
    }
  }
  return { single, programs, groups, listeners };
}

function splitSectionName(name: string): [string, string | undefined] {
  const colon = name.indexOf(":");
  return colon === -1 ? [name, undefined] : [name.slice(0, colon), name.slice(colon + 1)];
}

function placeOf(section: RawSection): string {
  return section.line === undefined ? section.file : `${section.file}:${section.line}`;
}
