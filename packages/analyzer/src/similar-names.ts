// "Did you mean ...?" for import names: the closest candidate by edit distance, if it is close
// enough to be a plausible typo (at most a third of the name's length, and at most 3 edits).
// A hostile module may carry hundreds of thousands of unknown WASI names, each compared with
// every candidate, so the distance is computed only within the band that can stay under the cap.

export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    if (Math.abs(candidate.length - name.length) > limit) continue;
    const d = editDistance(name, candidate, bestDistance);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

/** Two rows reused by every call (the function does not re-enter), grown for longer names. */
let rows: [Int32Array, Int32Array] = [new Int32Array(64), new Int32Array(64)];

/**
 * Levenshtein distance, or `cap` when it is `cap` or more. Only cells within `cap` of the
 * diagonal are computed (a path through any other cell costs at least `cap`), values are clipped
 * to `cap`, and the walk stops once a whole row reaches it.
 */
export function editDistance(a: string, b: string, cap = Number.POSITIVE_INFINITY): number {
  // The distance is at most the longer length, so a larger cap changes nothing.
  const k = Math.min(cap, Math.max(a.length, b.length) + 1);
  if (Math.abs(a.length - b.length) >= k) return cap;
  const m = b.length;
  if (rows[0].length < m + 2) rows = [new Int32Array(m + 2), new Int32Array(m + 2)];
  let previous = rows[0];
  let current = rows[1];
  for (let j = 0; j <= m + 1; j++) previous[j] = Math.min(j, k);
  for (let i = 1; i <= a.length; i++) {
    const lo = Math.max(1, i - k);
    const hi = Math.min(m, i + k);
    current[lo - 1] = lo === 1 ? Math.min(i, k) : k;
    let rowMin = current[lo - 1]!;
    const ai = a.charCodeAt(i - 1);
    for (let j = lo; j <= hi; j++) {
      const cost = ai === b.charCodeAt(j - 1) ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost, k);
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    // INVARIANT: the cell right of the band reads as `k` in the next row.
    current[hi + 1] = k;
    if (rowMin >= k) return cap;
    const done = previous;
    previous = current;
    current = done;
  }
  const d = previous[m]!;
  return d >= k ? cap : d;
}
