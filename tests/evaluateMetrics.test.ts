/**
 * The scores of `npm run evaluate` against the values the reference packages publish:
 * - ROUGE-L: google-research/google-research rouge/rouge_scorer_test.py (rouge-score), whose "ground truth" comes from
 *   ROUGE-1.5.5; its inputs are the first two lines of rouge/testdata/target.txt and prediction.txt.
 * - BLEU: mjpost/sacrebleu README.md ("BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17
 *   ref_len = 18)", and 29.44 with a reference left empty) and test/test_bleu.py (test_corpus_bleu_cases 48.530827,
 *   empty hypotheses 0.0, test_case_statistics, test_bleu_max_order).
 */
import { corpusBleu, lcsLength, percentile, rougeL, rougeTokens, tokenize13a } from "../scripts/evaluate/metrics";

describe("ROUGE-L as rouge-score computes it by default", () => {
  it.each([
    // rouge_scorer_test.py testRougeLConsecutive and testRougeLNonConsecutive: score(target, prediction).
    ["testing one two", "testing one", 1, 2 / 3, 4 / 5],
    ["testing one two", "testing two", 1, 2 / 3, 4 / 5],
    // testRougeEmpty
    ["testing one two", "", 0, 0, 0],
  ])("score(%j, %j)", (target, prediction, precision, recall, fmeasure) => {
    const score = rougeL(target, prediction);
    expect(score.precision).toBeCloseTo(precision, 7);
    expect(score.recall).toBeCloseTo(recall, 7);
    expect(score.fmeasure).toBeCloseTo(fmeasure, 7);
  });

  // testRougeLAgainstRouge155: targets[i] and predictions[i] as readlines() gives them, with their line breaks.
  const targets = [
    "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L\n",
    "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN\n",
  ];
  const predictions = [
    "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi\n",
    "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD\n",
  ];
  it.each([
    [0, 0.40741, 0.6875, 0.51163],
    [1, 0.40476, 0.65385, 0.5],
  ])("matches ROUGE-1.5.5 on testdata line %i", (i, recall, precision, fmeasure) => {
    const score = rougeL(targets[i], predictions[i]);
    expect(score.recall).toBeCloseTo(recall, 5);
    expect(score.precision).toBeCloseTo(precision, 5);
    expect(score.fmeasure).toBeCloseTo(fmeasure, 5);
  });

  it("lowercases, splits on every non-alphanumeric run and does not stem", () => {
    expect(rougeTokens("Hello, WORLD!! it's 3.5 o'clock—running")).toEqual(["hello", "world", "it", "s", "3", "5", "o", "clock", "running"]);
    expect(rougeTokens("héllo")).toEqual(["h", "llo"]);
    // rouge_scorer_test.py testLcsTable: the LCS of [1,2,3,4,5] and [2,5,3,4] has 3 elements.
    expect(lcsLength(["1", "2", "3", "4", "5"], ["2", "5", "3", "4"])).toBe(3);
    expect(lcsLength(["1", "2", "3", "4", "5"], ["8", "9"])).toBe(0);
  });
});

describe("corpus BLEU as sacrebleu computes it by default", () => {
  // README.md, "Multiple references" and test_bleu.py _refs/_hyps: two reference streams.
  const refs = [
    ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
    ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
  ];
  const sys = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];

  it("gives the README's BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)", () => {
    const bleu = corpusBleu(sys, refs);
    expect(Math.abs(bleu.score - 48.530827)).toBeLessThan(1e-6);
    expect(bleu.precisions.map((p) => p.toFixed(1))).toEqual(["82.4", "50.0", "45.5", "37.5"]);
    expect(bleu.bp.toFixed(3)).toBe("0.943");
    expect(bleu.ratio.toFixed(3)).toBe("0.944");
    expect([bleu.hypLen, bleu.refLen]).toEqual([17, 18]);
  });

  it("gives the README's 29.44 82.4/42.9/27.3/12.5 (BP = 0.889, ref_len = 19) with a variable number of references", () => {
    const bleu = corpusBleu(sys, [["", refs[0][1], refs[0][2]], refs[1]]);
    expect(bleu.score.toFixed(2)).toBe("29.44");
    expect(bleu.precisions.map((p) => p.toFixed(1))).toEqual(["82.4", "42.9", "27.3", "12.5"]);
    expect(bleu.bp.toFixed(3)).toBe("0.889");
    expect(bleu.refLen).toBe(19);
  });

  it("scores empty hypotheses 0 and keeps them (test_corpus_bleu_cases)", () => {
    expect(corpusBleu(["", "", ""], refs).score).toBe(0);
  });

  it("counts clipped n-gram matches as test_case_statistics publishes them", () => {
    const bleu = corpusBleu(["am I am a character sequence"], [["I am a symbol string sequence a a"]]);
    expect(bleu.counts).toEqual([4, 2, 1, 0]);
    expect(bleu.totals).toEqual([6, 5, 4, 3]);
  });

  it("tokenizes as 13a: punctuation apart, apostrophes kept, periods and commas inside numbers kept", () => {
    expect(tokenize13a("It wasn't 3.5-4, ok.")).toBe("It wasn't 3.5 - 4 , ok .");
    expect(tokenize13a("a&amp;b <skipped>(x)\n\"y\"")).toBe('a & b ( x ) " y "');
  });
});

describe("latency percentiles", () => {
  it("take the nearest rank", () => {
    const values = [120, 80, 100, 90, 110, 400, 95, 105, 85, 115];
    expect(percentile(values, 50)).toBe(100);
    expect(percentile(values, 95)).toBe(400);
    expect(percentile(values, 100)).toBe(400);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });
});
