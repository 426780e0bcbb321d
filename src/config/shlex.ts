// The two ways supervisord splits strings with Python's shlex, reproduced so
// that tend reads the same values: `command=` is split like a POSIX shell
// (shlex.split), `environment=` is tokenised by shlex's non-POSIX mode.

export type Split<T> = { ok: true; value: T } | { ok: false; message: string };

const WHITESPACE = " \t\r\n";

/**
 * shlex.split(text): POSIX quoting and backslash escapes, no comments.
 * Words are built from slices of the text, not a character at a time: a
 * megabyte-long word would otherwise cost tens of megabytes.
 */
export function splitCommand(text: string): Split<string[]> {
  const words: string[] = [];
  let parts: string[] = [];
  let inWord = false;
  let quote: string | undefined;
  let i = 0;
  const unclosed = (q: string): Split<string[]> => ({
    ok: false,
    message: `has no closing quotation (${q})`,
  });
  while (i < text.length) {
    const c = text[i] as string;
    if (quote === "'") {
      const close = text.indexOf("'", i);
      if (close === -1) return unclosed("'");
      parts.push(text.slice(i, close));
      quote = undefined;
      i = close + 1;
    } else if (quote === '"') {
      let j = i;
      while (j < text.length && text[j] !== '"' && text[j] !== "\\") j++;
      parts.push(text.slice(i, j));
      if (j >= text.length) return unclosed('"');
      if (text[j] === '"') {
        quote = undefined;
        i = j + 1;
      } else if (text[j + 1] === '"' || text[j + 1] === "\\") {
        parts.push(text[j + 1] as string);
        i = j + 2;
      } else {
        parts.push("\\");
        i = j + 1;
      }
    } else if (WHITESPACE.includes(c)) {
      if (inWord) words.push(parts.join(""));
      parts = [];
      inWord = false;
      i++;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
      i++;
    } else if (c === "\\") {
      if (i + 1 >= text.length) return { ok: false, message: "ends with a lone backslash" };
      parts.push(text[i + 1] as string);
      inWord = true;
      i += 2;
    } else {
      let j = i + 1;
      while (j < text.length && !SPECIAL.includes(text[j] as string)) j++;
      parts.push(text.slice(i, j));
      inWord = true;
      i = j;
    }
  }
  if (quote !== undefined) return unclosed(quote);
  if (inWord) words.push(parts.join(""));
  return { ok: true, value: words };
}

/** What ends a run of plain characters outside quotes. */
const SPECIAL = `${WHITESPACE}'"\\`;

// shlex's non-POSIX word characters plus the ones supervisord adds.
const WORD_CHARS = /[A-Za-z0-9_/.+\-():]/;

/**
 * supervisord's dict_of_key_value_pairs: `KEY=val,KEY2="a,b"` into a map.
 * Tokens come from shlex's non-POSIX mode: quoted strings keep their quotes
 * (stripped afterwards), `#` starts a comment, and every other character that
 * is not a word character stands alone — so a value such as x@y needs quotes.
 */
export function splitKeyValuePairs(text: string): Split<Record<string, string>> {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (WHITESPACE.includes(c)) {
      i++;
    } else if (c === "#") {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end + 1;
    } else if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close === -1) return { ok: false, message: `has no closing quotation (${c})` };
      tokens.push(text.slice(i, close + 1));
      i = close + 1;
    } else if (WORD_CHARS.test(c)) {
      let end = i + 1;
      // Inside a word, quotes are ordinary characters in non-POSIX mode.
      while (
        end < text.length &&
        (WORD_CHARS.test(text[end] as string) || `"'`.includes(text[end] as string))
      )
        end++;
      tokens.push(text.slice(i, end));
      i = end;
    } else {
      tokens.push(c);
      i++;
    }
  }
  const pairs: Record<string, string> = {};
  for (let at = 0; at < tokens.length; at += 4) {
    const [key, equals, value] = tokens.slice(at, at + 3);
    if (key === undefined || equals !== "=" || value === undefined) {
      return {
        ok: false,
        message: `ends unexpectedly after ${JSON.stringify(tokens.slice(0, at).join(""))} (quote values that contain characters other than letters, digits and _/.+-():)`,
      };
    }
    pairs[key] = stripQuotes(value);
  }
  return { ok: true, value: pairs };
}

/**
 * Python's value.strip("'\""): quotes off both ends. Not /['"]+$/, which
 * backtracks through every run of quotes inside a long word.
 */
function stripQuotes(value: string): string {
  const isQuote = (c: string | undefined) => c === "'" || c === '"';
  let start = 0;
  let end = value.length;
  while (start < end && isQuote(value[start])) start++;
  while (end > start && isQuote(value[end - 1])) end--;
  return value.slice(start, end);
}
