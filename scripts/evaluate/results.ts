/** results.json: everything a run found, for a person or a later comparison. */
import type { GenerationParameters } from "../chat/scoringClient";
import type { TrainingCurves } from "./mlflow";
import type { EvalData, ManifestMatch } from "./records";
import { Closer, closerCounts, ScoredRecord, Summary, summarize } from "./summary";

export interface EvaluationResults {
  readonly createdAt: string;
  readonly data: { readonly path: string; readonly sha256: string; readonly records: number; readonly evaluated: number; readonly manifest: ManifestMatch | null };
  /** The fine-tuned model's endpoint; never its key. */
  readonly endpoint: { readonly url: string; readonly modelId: string | null };
  readonly baseline: { readonly url: string } | null;
  readonly parameters: { readonly temperature: number; readonly maxNewTokens: number };
  readonly metrics: Readonly<Record<string, string>>;
  readonly summary: { readonly fineTuned: Summary; readonly baseline?: Summary; readonly closer?: Record<Closer, number> };
  /** Null without --stack; `{error}` when they could not be read. */
  readonly trainingCurves: TrainingCurves | { readonly error: string } | null;
  readonly records: readonly ScoredRecord[];
}

/** What each figure is, written into the results so that they stand on their own. */
export const METRIC_DEFINITIONS = {
  rougeL: "ROUGE-L F1 as rouge-score's RougeScorer(['rougeL']).score(reference, answer).fmeasure with its defaults (lowercase, non-alphanumerics separate tokens, no stemming); a failed answer scores 0; the summary is the mean over records",
  bleu: "corpus BLEU-4 as sacrebleu.corpus_bleu(answers, [references]) with its defaults (tokenize 13a, smooth exp, case-sensitive); a failed answer counts as an empty one",
  failedOrEmptyShare: "requests that ended without an answer, plus answers of only whitespace, over all records",
  latencyMs: "the answering request alone, from sending to its last byte (no backoff, no earlier attempts); p50 and p95 by the nearest-rank method",
  answerLength: "mean characters and whitespace-separated words of the non-empty answers",
  closer: "per record, the answer with the higher ROUGE-L against the reference; equal scores are a tie",
};

export function buildResults(input: {
  readonly createdAt: Date;
  readonly data: EvalData;
  readonly endpoint: { readonly url: string; readonly modelId: string | null };
  readonly baselineUrl: string | null;
  readonly parameters: GenerationParameters;
  readonly records: readonly ScoredRecord[];
  readonly trainingCurves: EvaluationResults["trainingCurves"];
}): EvaluationResults {
  const { data, records } = input;
  const withBaseline = input.baselineUrl !== null;
  return {
    createdAt: input.createdAt.toISOString(),
    data: { path: data.path, sha256: data.sha256, records: data.total, evaluated: records.length, manifest: data.manifest },
    endpoint: input.endpoint,
    baseline: withBaseline ? { url: input.baselineUrl! } : null,
    parameters: { temperature: input.parameters.temperature, maxNewTokens: input.parameters.maxNewTokens },
    metrics: METRIC_DEFINITIONS,
    summary: {
      fineTuned: summarize(records, "fineTuned"),
      ...(withBaseline ? { baseline: summarize(records, "baseline"), closer: closerCounts(records) } : {}),
    },
    trainingCurves: input.trainingCurves,
    records,
  };
}
