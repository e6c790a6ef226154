/**
 * The arithmetic of `split[:N%]` and `train_test_split(test_size=0.2, seed=S)` as Hugging Face `datasets` does it,
 * with our own seeded shuffle: the same seed always gives the same files.
 */

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * How many leading rows `split[:percent%]` takes from a split of `total` rows: datasets' default "closest" rounding,
 * `round(percent * total / 100)`. huggingface/datasets src/datasets/arrow_reader.py: `ReadInstruction(...,
 * rounding="closest")` is the default, and `_pct_to_abs_closest(boundary, num_examples)` is
 * `int(round(boundary * num_examples / 100.0))`; the same operations in the same order on doubles give the same value,
 * and Python's round() sends halves to the even neighbour. (A split string takes whole percentages only; a fractional
 * --percent applies the same formula.)
 */
export function percentSliceLength(total: number, percent: number): number {
  return Math.min(total, roundHalfEven((percent * total) / 100));
}

/** Test rows of an 80/20 split of `n` rows: ceil(20% of n), as train_test_split(test_size=0.2) takes them. */
export function testSize(n: number, testPercent = 20): number {
  return Math.ceil((n * testPercent) / 100);
}

/** A small, fast PRNG (mulberry32) for a reproducible shuffle; not for anything secret. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Fisher-Yates permutation of 0..n-1 driven by `seed`. */
export function permutation(n: number, seed: number): number[] {
  const random = seededRandom(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Splits `items` into train and test by a seeded shuffle; test gets ceil(20%), in shuffled order, like datasets. */
export function trainTestSplit<T>(items: readonly T[], seed: number, testPercent = 20): { train: T[]; test: T[] } {
  const order = permutation(items.length, seed);
  const nTest = testSize(items.length, testPercent);
  return { test: order.slice(0, nTest).map((i) => items[i]), train: order.slice(nTest).map((i) => items[i]) };
}

/** The fewest rows whose 80/20 split leaves at least `minPerFile` rows on each side. */
export function smallestSplittable(minPerFile: number, testPercent = 20): number {
  let n = Math.max(2, minPerFile);
  while (testSize(n, testPercent) < minPerFile || n - testSize(n, testPercent) < minPerFile) n++;
  return n;
}

/** The smallest whole percentage of `total` rows that takes at least `needed`, or undefined when even 100% is too few. */
export function smallestPercent(total: number, needed: number): number | undefined {
  for (let percent = 1; percent <= 100; percent++) if (percentSliceLength(total, percent) >= needed) return percent;
  return undefined;
}
