import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ChatDataFile, checkJsonl, DataError } from "../../infra/chatData";
import { DEFAULT_BASE_MODEL, MODEL_CATALOGUE } from "../../infra/models";
import { checkTrainingSet, DEFAULT_MIN_RECORDS_PER_FILE, TrainingSetRules } from "../../infra/trainingSet";
import type { DownloadPolicy } from "./datasetDownload";
import { smallestPercent, smallestSplittable, trainTestSplit } from "./datasetSlice";
import { RecordSource, sourceFor } from "./datasetSources";
import { replaceFilesTogether } from "./replaceFiles";
import { locations, screen } from "./screenRecords";

export interface PrepareOptions {
  /** A Hugging Face dataset id, a local .jsonl or .parquet file, or a reader of records of any other kind. */
  readonly source: string | RecordSource;
  /** Split of a Hugging Face dataset; train_sft when not given. Refused for a local file, which has none. */
  readonly split?: string;
  /** Leading share of the source to take, as `split[:percent%]`. */
  readonly percent: number;
  readonly seed: number;
  /** Folder that receives train_data.jsonl and test_data.jsonl. */
  readonly out: string;
  /** Fewest records each file must hold; 10 by default. */
  readonly minRecordsPerFile?: number;
  /** Catalogue model whose context window bounds a record's length; Phi-3-mini-4k-instruct by default. */
  readonly baseModel?: string;
  /** Dataset viewer base URL (a local stand-in in tests). */
  readonly serverUrl?: string;
  /** Attempts and per-request timeout of each download request. */
  readonly retry?: DownloadPolicy;
  /** Seconds the whole download may take. */
  readonly deadlineSeconds?: number;
  /** Progress, retries and the summary, one line at a time (stderr in the CLI). */
  readonly log?: (line: string) => void;
}

export interface PrepareResult {
  /** Rows in the source's split. */
  readonly sourceRows: number;
  /** Rows the percentage took. */
  readonly taken: number;
  /** Records written, after leaving out those too long and those repeated. */
  readonly kept: number;
  readonly train: ChatDataFile;
  readonly test: ChatDataFile;
}

/** Names of the two files in `--out`, as the stack's defaults expect them. */
export const TRAIN_FILE = "train_data.jsonl";
export const TEST_FILE = "test_data.jsonl";

/** Throws a message naming the option when a number is out of range; the CLI checks its text first. */
function checkNumbers(options: PrepareOptions): void {
  if (!(options.percent > 0 && options.percent <= 100)) throw new Error(`--percent ${options.percent}: a number above 0 and at most 100`);
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) throw new Error(`--seed ${options.seed}: a whole number of at least 0`);
  const min = options.minRecordsPerFile;
  if (min !== undefined && !(Number.isSafeInteger(min) && min >= 1)) throw new Error(`--min-records ${min}: a whole number of at least 1`);
}

/** Throws when `--out` or a file in it is in the way, before anything is read. */
function checkOut(out: string): void {
  const stat = fs.statSync(out, { throwIfNoEntry: false });
  if (stat && !stat.isDirectory()) throw new Error(`--out ${out}: is a file; --out names the folder that receives ${TRAIN_FILE} and ${TEST_FILE}`);
  for (const name of [TRAIN_FILE, TEST_FILE]) {
    if (fs.statSync(path.join(out, name), { throwIfNoEntry: false })?.isDirectory()) throw new Error(`--out ${out}: ${name} in it is a folder`);
  }
}

/** The length rule of a catalogue model. */
function contextOf(baseModel = DEFAULT_BASE_MODEL): TrainingSetRules["context"] {
  const model = MODEL_CATALOGUE.find((m) => m.name.toLowerCase() === baseModel.toLowerCase());
  if (!model) throw new Error(`--base-model ${baseModel}: one of ${MODEL_CATALOGUE.map((m) => m.name).join(", ")}`);
  return { model: model.name, tokens: model.contextTokens };
}

/** Why there are too few records for two files, and what to do about it. */
function tooFew(options: PrepareOptions, total: number, taken: number, kept: number, min: number): Error {
  const needed = smallestSplittable(min);
  const percent = smallestPercent(total, needed);
  const advice = percent
    ? `use --percent ${percent} or more${percent < 100 ? ` (--percent 100 takes all ${total})` : ""}`
    : `the source has only ${total}; use a bigger one, or lower --min-records for a trial run`;
  return new Error(
    `${options.percent}% of ${total} rows is ${taken} record${taken === 1 ? "" : "s"}` +
      (kept < taken ? `, ${kept} once those left out are gone` : "") +
      `; a training and a validation file of at least ${min} records each (--min-records) take ${needed}: ${advice}`,
  );
}

const fileOf = (file: string, content: string, records: number): ChatDataFile => ({
  path: file,
  records,
  sha256: createHash("sha256").update(content).digest("hex"),
});

/**
 * Takes the leading slice of the source, checks every record against the source's own lines, leaves out records too
 * long for the model and repeated ones, splits the rest 80/20 with the seed, checks the two files as a training set,
 * and only then replaces both files at once. On any failure the old files are untouched and nothing is left behind.
 */
export async function prepareData(options: PrepareOptions): Promise<PrepareResult> {
  const log = options.log ?? (() => undefined);
  checkNumbers(options);
  checkOut(options.out);
  const rules: TrainingSetRules = {
    minRecordsPerFile: options.minRecordsPerFile ?? DEFAULT_MIN_RECORDS_PER_FILE,
    minRecordsSetting: "--min-records",
    context: contextOf(options.baseModel),
  };
  const source =
    typeof options.source === "string"
      ? sourceFor(options.source, options.split, { serverUrl: options.serverUrl, retry: options.retry, deadlineSeconds: options.deadlineSeconds, log })
      : options.source;

  log(`reading the first ${options.percent}% of ${source.description}`);
  let lastShown = -1;
  const slice = await source.take(options.percent, (done, wanted) => {
    const pct = wanted === 0 ? 100 : Math.floor((done / wanted) * 100);
    if (pct >= lastShown + 10 || done === wanted) {
      lastShown = pct;
      log(`  ${done}/${wanted} rows`);
    }
  });
  const { kept, tooLong, repeated } = screen(source.name, slice.records, slice.problems ?? [], rules);
  if (tooLong.length > 0) {
    log(
      `left out ${tooLong.length} record${tooLong.length === 1 ? "" : "s"} longer than ${rules.context!.model}'s context window ` +
        `(${rules.context!.tokens} tokens, estimated at ~4 characters a token): ${locations(tooLong)}`,
    );
  }
  if (repeated.length > 0) log(`left out ${repeated.length} record${repeated.length === 1 ? "" : "s"} repeating an earlier one: ${locations(repeated)}`);
  if (kept.length < smallestSplittable(rules.minRecordsPerFile)) {
    throw tooFew(options, slice.total, slice.records.length, kept.length, rules.minRecordsPerFile);
  }

  const split = trainTestSplit(kept.map((r) => r.text), options.seed);
  const trainPath = path.join(options.out, TRAIN_FILE);
  const testPath = path.join(options.out, TEST_FILE);
  const trainText = split.train.join("\n") + "\n";
  const testText = split.test.join("\n") + "\n";
  // The same checks the stack makes, on exactly the bytes about to be written.
  const findings = checkTrainingSet({ checked: checkJsonl(trainPath, trainText) }, { checked: checkJsonl(testPath, testText) }, rules);
  if (findings.problems.length > 0) throw new DataError(findings.problems);

  let created: string | undefined;
  try {
    created = fs.mkdirSync(options.out, { recursive: true });
    replaceFilesTogether([
      { path: trainPath, content: trainText },
      { path: testPath, content: testText },
    ]);
  } catch (err) {
    if (created) fs.rmSync(created, { recursive: true, force: true });
    throw new Error(`cannot write ${options.out} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the files there are as they were`);
  }
  log(`wrote ${trainPath} (${split.train.length} records) and ${testPath} (${split.test.length} records), both valid`);
  return {
    sourceRows: slice.total,
    taken: slice.records.length,
    kept: kept.length,
    train: fileOf(trainPath, trainText, split.train.length),
    test: fileOf(testPath, testText, split.test.length),
  };
}
