/**
 * Puts every record to one or two endpoints, a few requests at a time, through the scoring client of `npm run chat`
 * (its waits, retries and deadlines apply to each request), and keeps what came back and how long it took.
 */
import type { RetryEvent } from "../shared/retryingFetch";
import { ask, ClientOptions, EndpointTarget, GenerationParameters, ScoringError } from "../chat/scoringClient";
import type { EvalRecord } from "./records";

/** What one endpoint did with one record. */
export interface Outcome {
  /** The answer as it arrived; undefined when the request failed. */
  readonly answer?: string;
  /** Why there is no answer. */
  readonly error?: string;
  /** The answering request alone (no backoff or earlier attempts), in milliseconds. */
  readonly latencyMs?: number;
  readonly attempts: number;
}

export interface AnswerOptions {
  /** Requests in flight at once, over both endpoints. */
  readonly concurrency: number;
  readonly generation: GenerationParameters;
  readonly client: ClientOptions;
  /** Stops sending: requests in flight are cancelled, and no more start. */
  readonly signal?: AbortSignal;
  /** Each retry wait of any request, with the endpoint's label. */
  readonly onEvent?: (label: string, event: RetryEvent) => void;
  /** After each request, answered or not. */
  readonly onDone?: (label: string, outcome: Outcome) => void;
}

/** Thrown when the run was stopped before every record was answered. */
export class Cancelled extends Error {
  constructor() {
    super("cancelled");
    this.name = "Cancelled";
  }
}

/**
 * Every record through every target, at most `concurrency` requests at once; outcomes come back per target label in
 * record order. A failed request is an outcome, not an error; a stop (the signal) throws {@link Cancelled}.
 */
export async function answerAll(
  records: readonly EvalRecord[],
  targets: Readonly<Record<string, EndpointTarget>>,
  options: AnswerOptions,
): Promise<Record<string, Outcome[]>> {
  const labels = Object.keys(targets);
  const outcomes: Record<string, Outcome[]> = Object.fromEntries(labels.map((label) => [label, new Array<Outcome>(records.length)]));
  // Record by record, each endpoint in turn: both answers of a record arrive close together.
  const tasks = records.flatMap((record) => labels.map((label) => ({ record, label })));
  let next = 0;
  const worker = async () => {
    while (next < tasks.length && !options.signal?.aborted) {
      const { record, label } = tasks[next++];
      let outcome: Outcome;
      try {
        const answer = await ask(targets[label], record.prompt, options.generation, {
          ...options.client,
          signal: options.signal,
          onEvent: options.onEvent && ((event) => options.onEvent!(label, event)),
        });
        outcome = { answer: answer.text, latencyMs: answer.latencyMs, attempts: answer.attempts };
      } catch (err) {
        if (err instanceof ScoringError && err.kind === "cancelled") throw new Cancelled();
        outcome = { error: err instanceof Error ? err.message : String(err), attempts: 0 };
      }
      outcomes[label][record.index] = outcome;
      options.onDone?.(label, outcome);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, tasks.length)) }, worker);
  const settled = await Promise.allSettled(workers);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failure || options.signal?.aborted) throw failure?.reason instanceof Cancelled || options.signal?.aborted ? new Cancelled() : failure!.reason;
  return outcomes;
}
