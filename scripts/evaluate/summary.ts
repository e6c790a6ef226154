/** The figures of one run: per record, and over all records for each endpoint. */
import type { Outcome } from "./answers";
import { BleuScore, corpusBleu, mean, percentile, PERCENTILE_METHOD, rougeL } from "./metrics";
import type { EvalRecord } from "./records";

/** One endpoint's answer to one record and its score. */
export interface ScoredAnswer {
  readonly answer: string | null;
  readonly error: string | null;
  /** ROUGE-L F1 against the reference; 0 for a failed or empty answer. */
  readonly rougeL: number;
  readonly latencyMs: number | null;
  readonly characters: number;
  readonly words: number;
}

export type Closer = "fineTuned" | "baseline" | "tie";

export interface ScoredRecord {
  readonly index: number;
  readonly line: number;
  readonly prompt: EvalRecord["prompt"];
  readonly reference: string;
  readonly fineTuned: ScoredAnswer;
  readonly baseline?: ScoredAnswer;
  /** Which answer is closer to the reference by ROUGE-L, with a baseline. */
  readonly closer?: Closer;
}

/** Every figure over all records, for one endpoint. */
export interface Summary {
  readonly records: number;
  readonly answered: number;
  /** Requests that ended without an answer. */
  readonly failed: number;
  /** Answers with nothing but whitespace. */
  readonly empty: number;
  /** (failed + empty) / records. */
  readonly failedOrEmptyShare: number;
  /** Mean ROUGE-L F1 over every record, failures counting 0. */
  readonly rougeL: number;
  /** Corpus BLEU-4 over every record, a failed answer counting as an empty one. */
  readonly bleu: BleuScore;
  /** Of the requests that answered. */
  readonly latencyMs: { readonly p50: number | null; readonly p95: number | null; readonly max: number | null; readonly method: string };
  /** Of the non-empty answers. */
  readonly answerLength: { readonly meanCharacters: number | null; readonly meanWords: number | null };
}

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

export function scoreAnswer(reference: string, outcome: Outcome): ScoredAnswer {
  const answer = outcome.answer ?? null;
  return {
    answer,
    error: outcome.error ?? null,
    rougeL: answer === null ? 0 : rougeL(reference, answer).fmeasure,
    latencyMs: outcome.latencyMs ?? null,
    characters: answer?.length ?? 0,
    words: answer === null ? 0 : words(answer),
  };
}

export function closerOf(fineTuned: ScoredAnswer, baseline: ScoredAnswer): Closer {
  return fineTuned.rougeL > baseline.rougeL ? "fineTuned" : baseline.rougeL > fineTuned.rougeL ? "baseline" : "tie";
}

export function scoreRecords(records: readonly EvalRecord[], fineTuned: readonly Outcome[], baseline?: readonly Outcome[]): ScoredRecord[] {
  return records.map((record, i) => {
    const mine = scoreAnswer(record.reference, fineTuned[i]);
    const theirs = baseline && scoreAnswer(record.reference, baseline[i]);
    return {
      index: record.index,
      line: record.line,
      prompt: record.prompt,
      reference: record.reference,
      fineTuned: mine,
      ...(theirs ? { baseline: theirs, closer: closerOf(mine, theirs) } : {}),
    };
  });
}

export function summarize(records: readonly ScoredRecord[], which: "fineTuned" | "baseline"): Summary {
  const answers = records.map((r) => r[which]!);
  const failed = answers.filter((a) => a.answer === null).length;
  const nonEmpty = answers.filter((a) => a.answer !== null && a.answer.trim() !== "");
  const empty = answers.length - failed - nonEmpty.length;
  const latencies = answers.flatMap((a) => (a.latencyMs === null ? [] : [a.latencyMs]));
  const round = (x: number | undefined) => (x === undefined ? null : Math.round(x * 10) / 10);
  return {
    records: answers.length,
    answered: answers.length - failed,
    failed,
    empty,
    failedOrEmptyShare: answers.length === 0 ? 0 : (failed + empty) / answers.length,
    rougeL: mean(answers.map((a) => a.rougeL)) ?? 0,
    bleu: corpusBleu(
      answers.map((a) => a.answer ?? ""),
      [records.map((r) => r.reference)],
    ),
    latencyMs: { p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)), max: round(percentile(latencies, 100)), method: PERCENTILE_METHOD },
    answerLength: { meanCharacters: round(mean(nonEmpty.map((a) => a.characters))), meanWords: round(mean(nonEmpty.map((a) => a.words))) },
  };
}

/** How often each answer was the closer one. */
export function closerCounts(records: readonly ScoredRecord[]): Record<Closer, number> {
  const counts: Record<Closer, number> = { fineTuned: 0, baseline: 0, tie: 0 };
  for (const r of records) if (r.closer) counts[r.closer]++;
  return counts;
}
