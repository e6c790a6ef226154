import * as fs from "node:fs";
import * as path from "node:path";
import { ChatDataFile, validateChatFiles } from "../../infra/chatData";
import { trainTestSplit } from "./datasetSlice";
import { RetryPolicy, sourceFor } from "./datasetSources";

export interface PrepareOptions {
  /** A Hugging Face dataset id, or a local .jsonl or .parquet file. */
  readonly source: string;
  readonly split: string;
  /** Leading share of the split to take, as `split[:percent%]`. */
  readonly percent: number;
  readonly seed: number;
  /** Folder that receives train_data.jsonl and test_data.jsonl. */
  readonly out: string;
  /** Dataset viewer base URL (a local stand-in in tests). */
  readonly serverUrl?: string;
  readonly retry?: RetryPolicy;
  /** Progress and summary lines. */
  readonly log?: (line: string) => void;
}

export interface PrepareResult {
  readonly sourceRows: number;
  readonly taken: number;
  readonly train: ChatDataFile;
  readonly test: ChatDataFile;
}

/** Takes the leading slice of the source, splits it 80/20 with the seed, writes and validates the two JSONL files. */
export async function prepareData(options: PrepareOptions): Promise<PrepareResult> {
  const log = options.log ?? (() => undefined);
  if (!(options.percent > 0 && options.percent <= 100)) throw new Error(`--percent ${options.percent}: a number above 0 and at most 100`);
  if (!Number.isSafeInteger(options.seed) || options.seed < 0) throw new Error(`--seed ${options.seed}: a whole number of at least 0`);

  const source = sourceFor(options.source, options.split, { serverUrl: options.serverUrl, retry: options.retry });
  log(`reading the first ${options.percent}% of ${source.description}`);
  let lastShown = -1;
  const slice = await source.take(options.percent, (done, wanted) => {
    const pct = wanted === 0 ? 100 : Math.floor((done / wanted) * 100);
    if (pct >= lastShown + 10 || done === wanted) {
      lastShown = pct;
      log(`  ${done}/${wanted} rows`);
    }
  });
  if (slice.records.length < 2) {
    throw new Error(`${options.percent}% of ${slice.total} rows is ${slice.records.length}; need at least 2 to split`);
  }
  const { train, test } = trainTestSplit(slice.records, options.seed);

  fs.mkdirSync(options.out, { recursive: true });
  const trainPath = path.join(options.out, "train_data.jsonl");
  const testPath = path.join(options.out, "test_data.jsonl");
  fs.writeFileSync(trainPath, train.join("\n") + "\n");
  fs.writeFileSync(testPath, test.join("\n") + "\n");
  const [trainFile, testFile] = validateChatFiles([trainPath, testPath]);
  log(`wrote ${trainPath} (${train.length} records) and ${testPath} (${test.length} records), both valid`);
  return { sourceRows: slice.total, taken: slice.records.length, train: trainFile, test: testFile };
}
