// [include] files= patterns matched as supervisord matches them: Python's
// glob.glob() without recursive=True. `*`, `?` and `[...]` match within one
// path segment (so `**` is `*`, not "any depth"), a name starting with a dot
// is matched only by a pattern segment starting with one, a segment without
// wildcards must exist (lexists), and a pattern without any wildcard is
// returned when the path exists.
//
// Unlike Python, walking is bounded: a directory that cannot be listed for
// want of permission, or a pattern that would read too many directory
// entries, is an answer with a message (a config error), never an exception
// or a walk over the whole filesystem. Directories that vanish or are not
// directories are skipped, as Python skips them.

import { fs } from "../os/fs.ts";

export type Globbed =
  | { readonly ok: true; readonly paths: string[] }
  | { readonly ok: false; readonly message: string };

/** How much listing and matching one pattern may do: entries read × pattern length. */
export const MAX_GLOB_WORK = 20_000_000;

const MAGIC = /[*?[]/;

export function hasMagic(pattern: string): boolean {
  return MAGIC.test(pattern);
}

// ---------------------------------------------------------------- fnmatch

export type Token =
  | { readonly kind: "star" }
  | { readonly kind: "any" }
  | { readonly kind: "char"; readonly char: string }
  | {
      readonly kind: "set";
      readonly negated: boolean;
      /** Code point ranges, inclusive. */
      readonly items: readonly [number, number][];
    };

/** Python's fnmatch.translate(), as tokens instead of a regular expression. */
export function fnmatchTokens(pattern: string): Token[] {
  const chars = [...pattern];
  const tokens: Token[] = [];
  let i = 0;
  while (i < chars.length) {
    const c = chars[i++] as string;
    if (c === "*") {
      if (tokens.at(-1)?.kind !== "star") tokens.push({ kind: "star" });
    } else if (c === "?") tokens.push({ kind: "any" });
    else if (c === "[") {
      let j = i;
      if (chars[j] === "!") j++;
      if (chars[j] === "]") j++;
      while (j < chars.length && chars[j] !== "]") j++;
      if (j >= chars.length) {
        tokens.push({ kind: "char", char: "[" });
        continue;
      }
      let stuff = chars.slice(i, j);
      i = j + 1;
      const negated = stuff[0] === "!";
      if (negated) stuff = stuff.slice(1);
      const items: [number, number][] = [];
      for (let k = 0; k < stuff.length; ) {
        const from = (stuff[k] as string).codePointAt(0) as number;
        // A hyphen between two characters makes a range (an empty one, such
        // as z-a, matches nothing); first or last, it is itself.
        if (stuff[k + 1] === "-" && k + 2 < stuff.length) {
          const to = (stuff[k + 2] as string).codePointAt(0) as number;
          if (from <= to) items.push([from, to]);
          k += 3;
        } else {
          items.push([from, from]);
          k++;
        }
      }
      tokens.push({ kind: "set", negated, items });
    } else tokens.push({ kind: "char", char: c });
  }
  return tokens;
}

function matchesOne(token: Token, char: string): boolean {
  switch (token.kind) {
    case "any":
      return true;
    case "char":
      return token.char === char;
    case "set": {
      const code = char.codePointAt(0) as number;
      const inside = token.items.some(([from, to]) => from <= code && code <= to);
      return inside !== token.negated;
    }
    default:
      return false;
  }
}

/**
 * Whether `name` matches the tokens as a whole, without backtracking
 * blow-ups: the classic two-pointer match, at most name × tokens steps.
 */
export function fnmatch(name: string, tokens: readonly Token[]): boolean {
  const chars = [...name];
  let t = 0;
  let c = 0;
  let starT = -1;
  let starC = 0;
  while (c < chars.length) {
    const token = tokens[t];
    if (token !== undefined && token.kind !== "star" && matchesOne(token, chars[c] as string)) {
      t++;
      c++;
    } else if (token?.kind === "star") {
      starT = t++;
      starC = c;
    } else if (starT >= 0) {
      t = starT + 1;
      c = ++starC;
    } else return false;
  }
  while (tokens[t]?.kind === "star") t++;
  return t === tokens.length;
}

// ---------------------------------------------------------------- the walk

/** What a walk needs of the filesystem (the real one by default; tests fake it). */
export interface GlobIo {
  /** A directory's entries; throws as readdirSync does. */
  readdir(
    dir: string,
  ): readonly { name: string; isDirectory(): boolean; isSymbolicLink(): boolean }[];
  /** lstat: whether the path itself exists. */
  exists(path: string): boolean;
  /** stat: whether the path, followed, is a directory. */
  isDirectory(path: string): boolean;
}

export const realGlobIo: GlobIo = {
  readdir: (dir) => fs().readdirSync(dir, { withFileTypes: true }),
  exists(path) {
    try {
      fs().lstatSync(path);
      return true;
    } catch {
      return false;
    }
  },
  isDirectory(path) {
    try {
      return fs().statSync(path).isDirectory();
    } catch {
      return false;
    }
  },
};

function join(dir: string, name: string): string {
  if (dir === "") return name;
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

class TooMuch extends Error {}

class Unlistable extends Error {
  constructor(readonly dir: string) {
    super(dir);
  }
}

/** Every path matching `pattern`, sorted (as supervisord's sorted(glob.glob())). */
export function glob(pattern: string, maxWork = MAX_GLOB_WORK, io = realGlobIo): Globbed {
  if (pattern.includes("\0")) return { ok: false, message: "contains a NUL byte" };
  if (!hasMagic(pattern)) return { ok: true, paths: io.exists(pattern) ? [pattern] : [] };
  const parts = pattern.split("/");
  const first = parts.findIndex(hasMagic);
  const prefix = parts.slice(0, first).join("/") || (pattern.startsWith("/") ? "/" : "");
  let work = 0;
  let dirs = [prefix];
  /** The names in a directory (only its subdirectories, when `dirsOnly`); [] when it is gone. */
  const list = (dir: string, dirsOnly: boolean): string[] => {
    let entries: ReturnType<GlobIo["readdir"]>;
    try {
      entries = io.readdir(dir === "" ? "." : dir);
    } catch (error) {
      if ((error as { code?: string }).code === "EACCES") throw new Unlistable(dir || ".");
      return []; // vanished, not a directory, ...: Python skips it
    }
    const names: string[] = [];
    for (const entry of entries) {
      if (!dirsOnly || entry.isDirectory()) names.push(entry.name);
      else if (entry.isSymbolicLink() && io.isDirectory(join(dir, entry.name)))
        names.push(entry.name);
    }
    return names;
  };
  try {
    for (let i = first; i < parts.length; i++) {
      const part = parts[i] as string;
      const last = i === parts.length - 1;
      if (part === "") {
        // a trailing slash matches directories only; a doubled one is one
        if (last) dirs = dirs.filter((dir) => io.isDirectory(dir)).map((dir) => join(dir, ""));
        continue;
      }
      if (!hasMagic(part)) {
        work += dirs.length;
        if (work > maxWork) throw new TooMuch();
        dirs = dirs.map((dir) => join(dir, part)).filter((path) => io.exists(path));
        continue;
      }
      const tokens = fnmatchTokens(part);
      const hidden = part.startsWith(".");
      const next: string[] = [];
      for (const dir of dirs) {
        for (const name of list(dir, !last)) {
          work += (name.length + 1) * tokens.length;
          if (work > maxWork) throw new TooMuch();
          if ((hidden || !name.startsWith(".")) && fnmatch(name, tokens))
            next.push(join(dir, name));
        }
      }
      dirs = next;
    }
  } catch (error) {
    if (error instanceof TooMuch)
      return {
        ok: false,
        message:
          "matching it reads too many directory entries (does it walk the whole filesystem?); narrow it",
      };
    if (error instanceof Unlistable)
      return { ok: false, message: `cannot list ${JSON.stringify(error.dir)}: permission denied` };
    throw error;
  }
  return { ok: true, paths: dirs.sort() };
}
