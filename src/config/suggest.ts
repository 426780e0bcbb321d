// "did you mean stopwaitsecs?": the closest known name to a misspelled one.
// Bounded: names longer than any real key get no guess, candidates whose
// length alone rules them out are skipped, and one guess compares at most a
// fixed number of characters, so that a 1 MB key or a group of 300,000
// unknown names costs no more than a short one.

/** Longer names get no guess (every real key, section and program name is shorter). */
export const MAX_SUGGESTED_LENGTH = 64;
/** How many character pairs one guess may compare, across its candidates. */
const MAX_CELLS = 50_000;

export function closest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > MAX_SUGGESTED_LENGTH) return undefined;
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  let cells = 0;
  for (const candidate of candidates) {
    // The distance is at least the difference in length.
    if (Math.abs(candidate.length - word.length) >= bestDistance) continue;
    cells += (word.length + 1) * (candidate.length + 1);
    if (cells > MAX_CELLS) break;
    const distance = editDistance(lower, candidate.toLowerCase(), bestDistance);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

// Three rows of the distance table, reused by every comparison: a candidate
// is never longer than MAX_SUGGESTED_LENGTH plus the largest distance kept.
const WIDTH = 2 * MAX_SUGGESTED_LENGTH;
const rows = [new Int32Array(WIDTH), new Int32Array(WIDTH), new Int32Array(WIDTH)];

/**
 * Levenshtein distance, with a swap of two neighbours counted as one edit,
 * in three rows; `limit` (or more) once a row shows it cannot be less.
 */
function editDistance(a: string, b: string, limit: number): number {
  let [before, above, row] = rows as [Int32Array, Int32Array, Int32Array];
  for (let j = 0; j <= b.length; j++) above[j] = j;
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let smallest = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (before[j - 2] as number) + 1);
      }
      row[j] = d;
      if (d < smallest) smallest = d;
    }
    if (smallest >= limit) return limit;
    [before, above, row] = [above, row, before];
  }
  return above[b.length] as number;
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const guess = closest(word, candidates);
  return guess === undefined ? "" : `; did you mean ${guess}?`;
}
