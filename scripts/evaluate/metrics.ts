/**
 * The scores of `npm run evaluate`, as the reference packages compute them, so that a figure here is the figure a
 * reader gets from Python: ROUGE-L F1 as google-research's `rouge-score` with its defaults, corpus BLEU-4 as `sacrebleu`
 * with its defaults. No npm package computes either the same way (js-rouge segments sentences and tokenizes in
 * Treebank style, case-sensitively; bleu-score is sentence-level), so both are written out here and tested against the
 * values those packages publish (tests/evaluateMetrics.test.ts).
 */

/** A ROUGE score: precision against the prediction, recall against the target, and their harmonic mean. */
export interface RougeScore {
  readonly precision: number;
  readonly recall: number;
  readonly fmeasure: number;
}

/**
 * rouge-score's default tokenizer (rouge/tokenize.py, no stemmer): lowercase, every run of characters other than
 * a-z and 0-9 a separator, and only tokens that match ^[a-z0-9]+$ kept.
 */
export function rougeTokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .split(/\s+/)
    .filter((token) => /^[a-z0-9]+$/.test(token));
}

/** Length of the longest common subsequence of two token lists, in two rows of the usual table. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      current[j] = a[i - 1] === b[j - 1] ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length];
}

/**
 * ROUGE-L of one prediction against one target, as `RougeScorer(["rougeL"]).score(target, prediction)` (rouge_scorer.py
 * _score_lcs): zero when either has no tokens; precision = LCS / prediction tokens, recall = LCS / target tokens.
 */
export function rougeL(target: string, prediction: string): RougeScore {
  const t = rougeTokens(target);
  const p = rougeTokens(prediction);
  if (t.length === 0 || p.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  const lcs = lcsLength(t, p);
  const precision = lcs / p.length;
  const recall = lcs / t.length;
  return { precision, recall, fmeasure: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 };
}

// Python's str.split() and str.rstrip() whitespace (str.isspace), which JavaScript's \s does not match exactly.
const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_SPACES = new RegExp(`[${PY_SPACE}]+`);
const PY_TRAILING_SPACES = new RegExp(`[${PY_SPACE}]+$`);

/** Python's `str.split()`: runs of whitespace separate, none at either end. */
function pySplit(text: string): string[] {
  return text.split(PY_SPACES).filter((part) => part !== "");
}

/**
 * sacrebleu's `13a` tokenizer (tokenizers/tokenizer_13a.py and tokenizer_re.py, equivalent to mteval-v13a): the
 * segment as BLEU sees it, tokens joined by single spaces.
 */
export function tokenize13a(segment: string): string {
  let line = segment.replaceAll("<skipped>", "").replaceAll("-\n", "").replaceAll("\n", " ");
  if (line.includes("&")) line = line.replaceAll("&quot;", '"').replaceAll("&amp;", "&").replaceAll("&lt;", "<").replaceAll("&gt;", ">");
  line = ` ${line} `
    // punctuation and symbols other than ' , - . and digits
    .replace(/([{-~[-` -&(-+:-@/])/g, " $1 ")
    // period and comma unless preceded by a digit
    .replace(/([^0-9])([.,])/g, "$1 $2 ")
    // period and comma unless followed by a digit
    .replace(/([.,])([^0-9])/g, " $1 $2")
    // dash when preceded by a digit
    .replace(/([0-9])(-)/g, "$1 $2 ");
  return pySplit(line).join(" ");
}

/** A segment as sacrebleu's BLEU preprocesses it with its defaults: trailing whitespace off, no lowercasing, `13a`. */
function bleuTokens(segment: string): string[] {
  return pySplit(tokenize13a(segment.replace(PY_TRAILING_SPACES, "")));
}

export const MAX_NGRAM_ORDER = 4;

function ngramCounts(tokens: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= MAX_NGRAM_ORDER; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const gram = tokens.slice(i, i + n).join(" ");
      counts.set(gram, (counts.get(gram) ?? 0) + 1);
    }
  }
  return counts;
}

/** Corpus BLEU and what it is made of, as sacrebleu's BLEUScore reports it. */
export interface BleuScore {
  /** 0 to 100. */
  readonly score: number;
  /** Matched n-grams of each order, clipped by the references. */
  readonly counts: readonly number[];
  readonly totals: readonly number[];
  /** 0 to 100, per order, after smoothing. */
  readonly precisions: readonly number[];
  /** Brevity penalty. */
  readonly bp: number;
  /** hypLen / refLen. */
  readonly ratio: number;
  readonly hypLen: number;
  readonly refLen: number;
}

/** Of the reference lengths, the closest to the hypothesis's; the shorter on a tie (bleu.py _get_closest_ref_len). */
function closestRefLen(hypLen: number, refLens: readonly number[]): number {
  let closestDiff = -1;
  let closest = -1;
  for (const refLen of refLens) {
    const diff = Math.abs(hypLen - refLen);
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff;
      closest = refLen;
    } else if (diff === closestDiff && refLen < closest) {
      closest = refLen;
    }
  }
  return closest;
}

/** log, with sacrebleu's floor for 0 (utils.py my_log). */
const floorLog = (x: number) => (x === 0 ? -9999999999 : Math.log(x));

/**
 * Corpus BLEU-4 as `sacrebleu.corpus_bleu(hypotheses, references)` computes it with its defaults (BLEU(): tokenize
 * `13a`, smooth_method `exp`, lowercase false, no effective order): n-gram matches clipped by the most of each n-gram in
 * any one reference, summed over the corpus; the brevity penalty from the summed lengths of each segment's closest
 * reference. `references` is in sacrebleu's layout: one list per reference stream, each aligned with `hypotheses`; a
 * null reference is left out of its segment, as sacrebleu leaves out None.
 */
export function corpusBleu(hypotheses: readonly string[], references: readonly (readonly (string | null)[])[]): BleuScore {
  for (const stream of references) {
    if (stream.length !== hypotheses.length) throw new Error(`a reference stream has ${stream.length} segments for ${hypotheses.length} hypotheses`);
  }
  const counts = new Array<number>(MAX_NGRAM_ORDER).fill(0);
  const totals = new Array<number>(MAX_NGRAM_ORDER).fill(0);
  let hypLen = 0;
  let refLen = 0;
  hypotheses.forEach((hypothesis, segment) => {
    const refs = references.map((stream) => stream[segment]).filter((r): r is string => r !== null);
    const refMax = new Map<string, number>();
    const refLens: number[] = [];
    for (const ref of refs) {
      const tokens = bleuTokens(ref);
      refLens.push(tokens.length);
      for (const [gram, count] of ngramCounts(tokens)) refMax.set(gram, Math.max(refMax.get(gram) ?? 0, count));
    }
    const tokens = bleuTokens(hypothesis);
    hypLen += tokens.length;
    refLen += closestRefLen(tokens.length, refLens);
    for (const [gram, count] of ngramCounts(tokens)) {
      const order = gram.split(" ").length - 1;
      totals[order] += count;
      counts[order] += Math.min(count, refMax.get(gram) ?? 0);
    }
  });
  // bleu.py compute_bleu, smooth_method "exp".
  const bp = hypLen < refLen ? (hypLen > 0 ? Math.exp(1 - refLen / hypLen) : 0) : 1;
  const ratio = refLen > 0 ? hypLen / refLen : 0;
  const precisions = new Array<number>(MAX_NGRAM_ORDER).fill(0);
  if (!counts.some((c) => c > 0)) return { score: 0, counts, totals, precisions, bp, ratio, hypLen, refLen };
  let smooth = 1;
  for (let n = 0; n < MAX_NGRAM_ORDER; n++) {
    if (totals[n] === 0) break;
    if (counts[n] === 0) {
      smooth *= 2;
      precisions[n] = 100 / (smooth * totals[n]);
    } else {
      precisions[n] = (100 * counts[n]) / totals[n];
    }
  }
  const score = bp * Math.exp(precisions.reduce((sum, p) => sum + floorLog(p), 0) / MAX_NGRAM_ORDER);
  return { score, counts, totals, precisions, bp, ratio, hypLen, refLen };
}

/**
 * The nearest-rank percentile: the smallest value with at least `p` percent of the values at or below it (so p50 of
 * an even count is the lower middle value, and p100 the maximum). Undefined for no values.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const PERCENTILE_METHOD = "nearest-rank";

export function mean(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((sum, v) => sum + v, 0) / values.length;
}
