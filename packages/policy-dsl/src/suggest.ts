// "Did you mean ...?" help: the closest candidate by edit distance (Damerau-Levenshtein with
// adjacent transpositions, case-insensitive), accepted only when it is close relative to the
// word's length so that unrelated words get no misleading suggestion.

export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  // d[i][j] over a rolling set of three rows: transpositions need the row two back.
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = new Array<number>(n + 1).fill(0);
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n]!;
}

/** The candidate closest to `word`, or undefined when none is close enough to be a likely typo. */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(w, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(word.length, best.length) / 3));
  // An exact case-insensitive match (distance 0) is a suggestion too: `MIB` -> `MiB`.
  if (bestDistance <= limit) return best;
  // A spelled-out or abbreviated form (`maximum` for `max`, `env` for `environment`) is far in
  // edit distance but an obvious intent: accept a prefix of at least three letters.
  return candidates.find((c) => {
    const l = c.toLowerCase();
    return Math.min(l.length, w.length) >= 3 && (w.startsWith(l) || l.startsWith(w));
  });
}

/** Help text: "did you mean `x`?" when a close candidate exists, else the list of valid words. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const best = closestMatch(word, candidates);
  if (best !== undefined) return `did you mean \`${best}\`?`;
  return `expected one of: ${candidates.map((c) => `\`${c}\``).join(', ')}`;
}
