// What both loaders produce: sections of keys with raw values and their
// source positions, before expansion, conversion or defaults. INI gives only
// strings; YAML may also give numbers, booleans, lists and mappings.

export type RawScalar = string | number | boolean;
export type RawValue = RawScalar | readonly RawScalar[] | Readonly<Record<string, RawScalar>>;

export interface RawEntry {
  readonly value: RawValue;
  readonly line: number | undefined;
  /** Where a value given outside the file came from (`command line -e`), named in its errors. */
  readonly origin?: string;
}

export interface RawSection {
  /** As INI names it: `supervisord`, `program:web`, `group:g`, `include`. */
  readonly name: string;
  readonly file: string;
  readonly line: number | undefined;
  /** The directory of the file the section came from: `%(here)s`. */
  readonly here: string;
  /** Keys lowercased (INI) or as written (YAML), in order. */
  readonly entries: ReadonlyMap<string, RawEntry>;
  /** Keys that came from a [DEFAULT] section, not from this one. */
  readonly inherited?: ReadonlySet<string>;
}
