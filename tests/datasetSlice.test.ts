import fc from "fast-check";
import { percentSliceLength, permutation, roundHalfEven, smallestPercent, smallestSplittable, testSize, trainTestSplit } from "../scripts/data/sources/datasetSlice";

describe("percentSliceLength", () => {
  it.each([
    [207865, 1, 2079], // round(2078.65): ultrachat_200k's train_sft
    [207865, 10, 20786], // round(20786.5) = 20786, the even neighbour
    [208000, 1, 2080],
    [250, 3, 8], // round(7.5) = 8
    [1000, 10, 100],
    [250, 1, 2], // round(2.5) = 2: Python rounds halves to even
    [350, 1, 4], // round(3.5) = 4
    [10, 100, 10],
    [3, 1, 0],
  ])("%i rows at %d%% take %i", (total, percent, expected) => {
    expect(percentSliceLength(total, percent)).toBe(expected);
  });

  it("matches Python's round() on halves", () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3]);
  });
});

describe("trainTestSplit", () => {
  it("gives test ceil(20%) and train the rest", () => {
    expect([100, 101, 5, 2].map((n) => testSize(n))).toEqual([20, 21, 1, 1]);
    const { train, test } = trainTestSplit(Array.from({ length: 101 }, (_, i) => i), 1);
    expect([train.length, test.length]).toEqual([80, 21]);
  });

  it("is a partition, the same for a seed and different for another", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 300 }), fc.nat(), (n, seed) => {
        const items = Array.from({ length: n }, (_, i) => i);
        const { train, test } = trainTestSplit(items, seed);
        expect([...train, ...test].sort((a, b) => a - b)).toEqual(items);
        expect(trainTestSplit(items, seed)).toEqual({ train, test });
      }),
      { numRuns: 100 },
    );
    expect(permutation(100, 7)).not.toEqual(permutation(100, 8));
  });
});

describe("how many rows two files need", () => {
  it("finds the fewest rows whose 80/20 split holds the minimum on each side", () => {
    expect([1, 2, 10, 100].map((min) => smallestSplittable(min))).toEqual([2, 6, 46, 496]);
    for (const min of [1, 2, 10, 100]) {
      const n = smallestSplittable(min);
      expect(Math.min(testSize(n), n - testSize(n))).toBeGreaterThanOrEqual(min);
      expect(Math.min(testSize(n - 1), n - 1 - testSize(n - 1))).toBeLessThan(min);
    }
  });

  it("finds the smallest whole percentage that takes them, rounded as datasets rounds", () => {
    expect(smallestPercent(50, 46)).toBe(91); // round(45.5) = 46
    expect(smallestPercent(207_865, 46)).toBe(1);
    expect(smallestPercent(20, 46)).toBeUndefined();
  });
});
