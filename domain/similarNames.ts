/**
 * "Did you mean ...?" for names a person typed: config keys, stack names. A typo of one or two characters, a
 * different case or a part of a longer name finds the name meant; when nothing is close, the caller lists them all.
 */

/** Edits (insert, delete, substitute, swap two neighbours) between `a` and `b`, ignoring case. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  // d[i][j]: edits between the first i characters of s and the first j of t (optimal string alignment).
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i, ...new Array<number>(t.length).fill(0)]);
  for (let j = 1; j <= t.length; j++) d[0][j] = j;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[s.length][t.length];
}

/**
 * The candidates close to `name`, closest first (at most `limit`, and none more than one edit further than the
 * closest): within a third of its length in edits (at least one, at most three), or containing it (or contained in it) when it has four characters or more, such as `VmSize`
 * for `servingVmSize` and `trainingVmSize`. `compareBy` picks the part of a candidate to compare (a key's name
 * without its namespace).
 */
export function closestNames(name: string, candidates: readonly string[], compareBy: (candidate: string) => string = (c) => c, limit = 3): string[] {
  const wanted = name.toLowerCase();
  const budget = Math.min(3, Math.max(1, Math.floor(wanted.length / 3)));
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of new Set(candidates)) {
    const other = compareBy(candidate).toLowerCase();
    const distance = editDistance(wanted, other);
    const contains = wanted.length >= 4 && (other.includes(wanted) || wanted.includes(other));
    // Contained names rank after every near-typo: a typo is the likelier mistake.
    if (distance <= budget) scored.push({ candidate, score: distance });
    else if (contains) scored.push({ candidate, score: budget + 1 + distance / 100 });
  }
  scored.sort((x, y) => x.score - y.score || x.candidate.localeCompare(y.candidate));
  // Only the nearest: one edit away beats three (trainingMaxNode is trainingMaxNodes, not trainingMinNodes).
  const best = Math.floor(scored[0]?.score ?? 0);
  return scored
    .filter((s) => Math.floor(s.score) <= best + 1)
    .slice(0, limit)
    .map((s) => s.candidate);
}

/** "a", "a or b", "a, b or c". */
function either(names: readonly string[]): string {
  return names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}

/**
 * What to say about an unknown `name`: "did you mean X?" when some of `candidates` are close, else `all`, the whole
 * list (every candidate by default), after `listIntro` (as in "Pulumi.yaml declares").
 */
export function didYouMean(
  name: string,
  candidates: readonly string[],
  listIntro: string,
  options: { compareBy?: (candidate: string) => string; all?: readonly string[] } = {},
): string {
  const close = closestNames(name, candidates, options.compareBy);
  if (close.length > 0) return `did you mean ${either(close)}?`;
  const all = options.all ?? candidates;
  return all.length > 0 ? `${listIntro} ${all.join(", ")}` : `${listIntro} none`;
}
