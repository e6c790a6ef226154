import * as fs from "node:fs";
import * as path from "node:path";
import { ChatDataFile } from "../../domain/data/chatDataFile";
import { DEFAULT_BASE_MODEL, MODEL_CATALOGUE } from "../../domain/catalogue/models";
import { DEFAULT_MIN_RECORDS_PER_FILE, TrainingSetRules } from "../../domain/data/trainingSet";
import { DataManifest, MANIFEST_FILE, manifestText } from "./dataManifest";
import { smallestPercent, smallestSplittable, trainTestSplit } from "./sources/datasetSlice";
import { sourceFor } from "./sources/datasetSources";
import type { HubOptions, Progress, RecordSource } from "./sources/recordSource";
import { DEFAULT_HF_ENDPOINT } from "./sources/hubAccess";
import { megabytes } from "./downloadProgress";
import { DATASETS_SERVER } from "./sources/hubRowsSource";
import { RecordSpool } from "./recordSpool";
import { replaceFilesTogether } from "./replaceFiles";
import { locations, Screener } from "./screenRecords";

/** What prepare-data takes: the source and slice, where the files go, the checks, and how a Hub dataset is read. */
export interface PrepareOptions extends HubOptions {
  /** A Hugging Face dataset id, a local .jsonl or .parquet file, or a reader of records of any other kind. */
  readonly source: string | RecordSource;
  /** Split of a Hugging Face dataset; train_sft when not given. Refused for a local file, which has none. */
  readonly split?: string;
  /** Leading share of the source to take, as `split[:percent%]`. */
  readonly percent: number;
  /** Seed of the shuffle that splits the records 80/20. */
  readonly seed: number;
  /** Folder that receives train_data.jsonl and test_data.jsonl. */
  readonly out: string;
  /** Fewest records each file must hold; 10 by default. */
  readonly minRecordsPerFile?: number;
  /** Catalogue model whose context window bounds a record's length; Phi-3-mini-4k-instruct by default. */
  readonly baseModel?: string;
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
  /** What was written beside them, in manifest.json. */
  readonly manifest: DataManifest;
}

/** Names of the two files in `--out`, as the stack's defaults expect them. */
export const TRAIN_FILE = "train_data.jsonl";
export const TEST_FILE = "test_data.jsonl";

/** An option or setting that cannot work (a value out of range, an `--out` that cannot be written): the CLI exits 2. */
export class SettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingError";
  }
}

/** Throws a message naming the option when a number is out of range; the CLI checks its text first. */
function checkNumbers(options: PrepareOptions): void {
  if (!(options.percent > 0 && options.percent <= 100)) throw new SettingError(`--percent ${options.percent}: a number above 0 and at most 100`);
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) throw new SettingError(`--seed ${options.seed}: a whole number of at least 0`);
  const min = options.minRecordsPerFile;
  if (min !== undefined && !(Number.isSafeInteger(min) && min >= 1)) throw new SettingError(`--min-records ${min}: a whole number of at least 1`);
}

/** Throws when `--out` or a file in it is in the way, before anything is read. */
function checkOut(out: string): void {
  let stat;
  try {
    stat = fs.statSync(out, { throwIfNoEntry: false });
  } catch (err) {
    throw outProblem(out, "cannot be created", err);
  }
  if (stat && !stat.isDirectory()) throw new SettingError(`--out ${out}: is a file; --out names the folder that receives ${TRAIN_FILE} and ${TEST_FILE}`);
  for (const name of [TRAIN_FILE, TEST_FILE]) {
    if (fs.statSync(path.join(out, name), { throwIfNoEntry: false })?.isDirectory()) throw new SettingError(`--out ${out}: ${name} in it is a folder`);
  }
}

function outProblem(out: string, what: string, err: unknown): SettingError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === "ENOTDIR" ? "a part of the path is a file" : code === "EACCES" || code === "EPERM" ? "permission denied" : code === "EROFS" ? "read-only file system" : (code ?? (err as Error).message);
  return new SettingError(`--out ${out}: ${what} (${why}); nothing was downloaded, and the files there are as they were`);
}

/**
 * Makes `dir` and the folders above it that are missing, one at a time, and returns the topmost one it made. Not
 * mkdirSync's `recursive`, which in Node 20 loops for ever, deaf to signals, on a path it cannot make (/proc/nope).
 */
function makeFolders(dir: string): string | undefined {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !fs.existsSync(at); at = path.dirname(at)) {
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const folder of missing) {
    try {
      fs.mkdirSync(folder);
    } catch (err) {
      if (missing[0] !== folder) fs.rmSync(missing[0], { recursive: true, force: true });
      throw err;
    }
  }
  return missing[0];
}

/** The length rule of a catalogue model. */
function contextOf(baseModel = DEFAULT_BASE_MODEL): TrainingSetRules["context"] {
  const model = MODEL_CATALOGUE.find((m) => m.name.toLowerCase() === baseModel.toLowerCase());
  if (!model) throw new SettingError(`--base-model ${baseModel}: one of ${MODEL_CATALOGUE.map((m) => m.name).join(", ")}`);
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

/** A progress line every 10% of the rows, and at the end: rows, and for a download the bytes. */
function progressLog(log: (line: string) => void): Progress {
  let lastShown = -1;
  return (done, wanted, bytes) => {
    const pct = wanted === 0 ? 100 : Math.floor((done / wanted) * 100);
    if (pct >= lastShown + 10 || done === wanted) {
      lastShown = pct;
      log(`  ${done}/${wanted} rows${bytes ? `, ${megabytes(bytes.read)} of ${megabytes(bytes.expected)} downloaded` : ""}`);
    }
  };
}

/**
 * Takes the leading slice of the source and checks every record against the source's own lines as it arrives, leaving
 * out records too long for the model and repeated ones; the records kept go to a file on disk, not to memory. It then
 * splits them 80/20 with the seed, writes the two files and the manifest beside the old ones, and only then replaces
 * all three at once. On any failure the old files are untouched and nothing is left behind.
 *
 * The two files hold what the stack's training-set check asks for by construction: every record passed the same
 * record check (domain/data/chatData) and length rule (domain/data/trainingSet) on the same bytes, no conversation is kept twice
 * (the same conversation key), so none is in both files or twice in one, and each file holds at least the minimum.
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
  let source: RecordSource;
  try {
    source =
      typeof options.source === "string"
        ? sourceFor(options.source, options.split, {
            hub: options.hub,
            reader: options.reader,
            serverUrl: options.serverUrl,
            retry: options.retry,
            deadlineSeconds: options.deadlineSeconds,
            log,
          })
        : options.source;
  } catch (err) {
    throw new SettingError((err as Error).message);
  }

  // --out is made and written to (the scratch folder) before anything is read, so that a folder that cannot be
  // written fails at once instead of after the download.
  let created: string | undefined;
  try {
    created = makeFolders(options.out);
  } catch (err) {
    throw outProblem(options.out, "cannot be created", err);
  }
  let work: string;
  try {
    work = fs.mkdtempSync(path.join(options.out, SCRATCH_PREFIX));
    scratchFolders.add(work);
  } catch (err) {
    if (created) fs.rmSync(created, { recursive: true, force: true });
    throw outProblem(options.out, "cannot be written", err);
  }
  try {
    return await prepareIn(work, source, rules, options, log);
  } catch (err) {
    if (created) fs.rmSync(created, { recursive: true, force: true });
    throw err;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    scratchFolders.delete(work);
  }
}

/** How the scratch folder inside `--out` begins (.gitignore leaves such folders out, should one outlive a killed run). */
export const SCRATCH_PREFIX = ".prepare-data-";

/** Scratch folders of runs under way in this process. */
const scratchFolders = new Set<string>();

/** Removes the scratch folders of runs under way: for a signal, which ends the process without running `finally`. */
export function removeScratchFolders(): void {
  for (const dir of scratchFolders) fs.rmSync(dir, { recursive: true, force: true });
  scratchFolders.clear();
}

/** {@link prepareData} with its working folder `work`, inside `--out`. */
async function prepareIn(work: string, source: RecordSource, rules: TrainingSetRules, options: PrepareOptions, log: (line: string) => void): Promise<PrepareResult> {
  log(`reading the first ${options.percent}% of ${source.description}`);
  const slice = await source.take(options.percent, progressLog(log));
  const screener = new Screener(source.name, rules);
  const spool = new RecordSpool(path.join(work, "kept.jsonl"));
  try {
    let n = 0;
    for await (const record of slice.records) {
      if (screener.add(record)) spool.append(record.text);
      // Records read from memory or a local file come without a pause: let a signal (Ctrl-C) in now and then.
      if (++n % 2000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    spool.close();
  }
  screener.finish(slice.problems ?? []);
  const { tooLong, repeated } = screener;
  if (tooLong.length > 0) {
    log(
      `left out ${tooLong.length} record${tooLong.length === 1 ? "" : "s"} longer than ${rules.context!.model}'s context window ` +
        `(${rules.context!.tokens} tokens, estimated at ~4 characters a token): ${locations(tooLong)}`,
    );
  }
  if (repeated.length > 0) log(`left out ${repeated.length} record${repeated.length === 1 ? "" : "s"} repeating an earlier one: ${locations(repeated)}`);
  if (spool.count < smallestSplittable(rules.minRecordsPerFile)) {
    throw tooFew(options, slice.total, screener.taken, spool.count, rules.minRecordsPerFile);
  }

  // The same shuffle as ever: trainTestSplit of the kept records, here of their numbers, then their bytes from the spool.
  const order = trainTestSplit(Array.from({ length: spool.count }, (_, i) => i), options.seed);
  const trainPath = path.join(options.out, TRAIN_FILE);
  const testPath = path.join(options.out, TEST_FILE);
  const train = spool.writeInOrder(path.join(work, TRAIN_FILE), order.train);
  const test = spool.writeInOrder(path.join(work, TEST_FILE), order.test);
  const origin = slice.origin ?? { dataset: source.name, reader: "other" as const };
  const manifest: DataManifest = {
    dataset: origin.dataset,
    revision: origin.revision ?? null,
    subset: origin.config ?? null,
    split: origin.split ?? null,
    hub: origin.reader === "hub-parquet" ? options.hub?.endpoint ?? DEFAULT_HF_ENDPOINT : origin.reader === "dataset-viewer-rows" ? options.serverUrl ?? DATASETS_SERVER : null,
    sourceSha256: origin.sha256 ?? null,
    reader: origin.reader,
    ...(origin.files ? { parquetFiles: origin.files } : {}),
    percent: options.percent,
    seed: options.seed,
    sourceRows: slice.total,
    rows: screener.taken,
    records: spool.count,
    leftOut: { tooLong: tooLong.length, repeated: repeated.length },
    baseModel: rules.context!.model,
    files: { [TRAIN_FILE]: train, [TEST_FILE]: test },
  };

  const manifestPath = path.join(options.out, MANIFEST_FILE);
  try {
    replaceFilesTogether([
      { path: trainPath, from: path.join(work, TRAIN_FILE) },
      { path: testPath, from: path.join(work, TEST_FILE) },
      { path: manifestPath, content: manifestText(manifest) },
    ]);
  } catch (err) {
    throw new Error(`cannot write ${options.out} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); the files there are as they were`);
  }
  log(`wrote ${trainPath} (${train.records} records) and ${testPath} (${test.records} records), both valid`);
  log(`wrote ${manifestPath}: ${origin.revision ? `${origin.dataset} at ${origin.revision}` : origin.dataset}, ${manifest.rows} rows, seed ${options.seed}`);
  return {
    sourceRows: slice.total,
    taken: screener.taken,
    kept: spool.count,
    train: { path: trainPath, records: train.records, sha256: train.sha256 },
    test: { path: testPath, records: test.records, sha256: test.sha256 },
    manifest,
  };
}
