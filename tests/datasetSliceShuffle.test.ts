import { percentSliceLength, permutation, seededRandom, smallestPercent, smallestSplittable, testSize, trainTestSplit } from "../scripts/data/sources/datasetSlice";

/**
 * The shuffle pinned to the reference: mulberry32 as published (github.com/bryc/code, jshash/PRNGs.md) and a
 * Fisher-Yates shuffle from the last index down, the values below computed by an independent Python transcription of
 * both. A change to the generator or the shuffle changes which rows land in the training file for the same seed.
 */
describe("seededRandom (mulberry32)", () => {
  it("gives the reference sequence", () => {
    const one = seededRandom(1);
    expect([one(), one(), one()]).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    const zero = seededRandom(0);
    expect([zero(), zero()]).toEqual([0.26642920868471265, 0.0003297457005828619]);
  });

  it("takes the seed as an unsigned 32-bit integer", () => {
    expect(seededRandom(2 ** 32 + 1)()).toBe(0.6270739405881613);
  });
});

describe("permutation and trainTestSplit", () => {
  it("give the reference order for a seed", () => {
    expect(permutation(10, 1)).toEqual([7, 8, 3, 2, 1, 5, 9, 4, 0, 6]);
    expect(permutation(10, 42)).toEqual([0, 7, 3, 5, 2, 1, 8, 9, 4, 6]);
    expect(permutation(1, 1)).toEqual([0]);
    expect(permutation(0, 1)).toEqual([]);
  });

  it("puts the first ceil(20%) of the shuffled rows in test, in shuffled order", () => {
    expect(trainTestSplit([..."abcdefghij"], 1)).toEqual({ test: ["h", "i"], train: ["d", "c", "b", "f", "j", "e", "a", "g"] });
    expect(trainTestSplit([..."abcdefghij"], 1, 50)).toEqual({ test: ["h", "i", "d", "c", "b"], train: ["f", "j", "e", "a", "g"] });
  });
});

describe("sizes at their edges", () => {
  it("never takes more rows than the split has", () => {
    expect(percentSliceLength(10, 100)).toBe(10);
    expect(percentSliceLength(10, 150)).toBe(10);
  });

  it("takes a test share other than 20% when asked", () => {
    expect(testSize(10, 50)).toBe(5);
    expect(testSize(11, 50)).toBe(6);
    expect(smallestSplittable(5, 50)).toBe(10);
  });

  it("starts at two rows, the fewest a split can have", () => {
    expect(smallestSplittable(0)).toBe(2);
  });

  it("answers 100% when only the whole split is enough", () => {
    expect(smallestPercent(51, 51)).toBe(100); // 99% of 51 is round(50.49) = 50
    expect(smallestPercent(50, 50)).toBe(99); // round(49.5) = 50, the even neighbour
  });
});
