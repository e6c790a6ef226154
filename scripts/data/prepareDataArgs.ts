import { parseArgs } from "node:util";
import { DEFAULT_BASE_MODEL, MODEL_CATALOGUE } from "../../domain/catalogue/models";
import { DEFAULT_MIN_RECORDS_PER_FILE } from "../../domain/data/trainingSet";
import { DEFAULT_DEADLINE_SECONDS, DEFAULT_DOWNLOAD } from "./sources/datasetDownload";
import { sourceProblem } from "./sources/datasetSources";
import { HUB_READERS, HubReader } from "./sources/recordSource";
import { exitCodesHelp } from "../shared/exitCodes";
import { DEFAULT_HF_ENDPOINT, hubAccessFrom, tokenTransportProblem } from "./sources/hubAccess";
import { DATASETS_SERVER } from "./sources/hubRowsSource";
import type { PrepareOptions } from "./prepareData";

/** A command line that cannot be run; the CLI prints the message and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(`${message} (see --help)`);
    this.name = "UsageError";
  }
}

export const PREPARE_DATA_USAGE = `usage: npm run prepare-data -- [options]

Takes the first --percent of a chat dataset, checks every record, and writes train_data.jsonl (80%) and
test_data.jsonl (20%, by a seeded shuffle) to --out, replacing both only when everything is valid.

  --source ID|FILE        HuggingFaceH4/ultrachat_200k (default), or a local .jsonl or .parquet file
  --split NAME            split of a Hugging Face dataset (default train_sft); not for a local file
  --reader parquet|rows   how a Hugging Face dataset is read: its Parquet export, with range requests for only the
                          row groups needed (default), or the dataset viewer's /rows API, 100 rows a request
  --percent N             share of the source to take, above 0 and at most 100 (default 1)
  --seed N                seed of the shuffle; the same seed gives the same files (default 42)
  --out DIR               folder of the two files (default data)
  --min-records N         fewest records each file must hold (default ${DEFAULT_MIN_RECORDS_PER_FILE})
  --base-model NAME       model whose context window bounds a record, ${MODEL_CATALOGUE.map((m) => m.name).join(" or ")} (default ${DEFAULT_BASE_MODEL});
                          longer records are left out (length estimated at ~4 characters a token)
  --request-timeout SECS  longest wait for an answer, or for more bytes of one, from the Hub (default ${DEFAULT_DOWNLOAD.timeoutMs / 1000})
  --deadline SECS         longest time for the whole download (default ${DEFAULT_DEADLINE_SECONDS})
  --max-retry-after SECS  longest wait the Hub may ask for (Retry-After) before a try again; a longer one ends the
                          download at once (default ${DEFAULT_DOWNLOAD.maxRetryAfterMs! / 1000})
  --help                  this text

Environment, as huggingface_hub reads it: HF_ENDPOINT, the Hub's address (default ${DEFAULT_HF_ENDPOINT});
HF_TOKEN (or HUGGING_FACE_HUB_TOKEN, or the file \`hf auth login\` writes: HF_TOKEN_PATH, else $HF_HOME/token,
else ~/.cache/huggingface/token), the token for gated and private datasets, sent only to HF_ENDPOINT (and to
PHI3_DATASETS_SERVER with --reader rows) and only over https. PHI3_DATASETS_SERVER, the dataset viewer's address for
--reader rows (default ${DATASETS_SERVER}).

Besides the two files, --out receives manifest.json: the dataset, the commit of its Parquet export, the split, the
percentage, the seed, the row count and the SHA-256 of each file. Progress (rows and bytes), retries and problems go
to stderr.

${exitCodesHelp({ failed: "nothing written: bad data, or the download failed", usage: "an option or environment variable" })}`;

/** A number that matches `pattern` and `accept`, or a UsageError naming the option and what it takes. */
function numberOption(name: string, text: string, pattern: RegExp, accept: (n: number) => boolean, allowed: string): number {
  const value = pattern.test(text.trim()) ? Number(text) : NaN;
  if (!accept(value)) throw new UsageError(`--${name} ${JSON.stringify(text)}: ${allowed}`);
  return value;
}

const DECIMAL = /^(\d+\.?\d*|\.\d+)$/;
const WHOLE = /^\d+$/;

/** `prepare-data`'s arguments and environment as options, or `help`; throws a {@link UsageError} naming what is wrong. */
export function parsePrepareDataArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): { help: true } | { help: false; options: PrepareOptions } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        source: { type: "string" },
        split: { type: "string" },
        reader: { type: "string" },
        percent: { type: "string" },
        seed: { type: "string" },
        out: { type: "string" },
        "min-records": { type: "string" },
        "base-model": { type: "string" },
        "request-timeout": { type: "string" },
        deadline: { type: "string" },
        "max-retry-after": { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return { help: true };
  const text = (name: string, fallback: string) => {
    const value = values[name] as string | undefined;
    if (value !== undefined && value.trim() === "") throw new UsageError(`--${name} is empty`);
    return value ?? fallback;
  };

  const baseModel = text("base-model", DEFAULT_BASE_MODEL);
  const model = MODEL_CATALOGUE.find((m) => m.name.toLowerCase() === baseModel.toLowerCase());
  if (!model) throw new UsageError(`--base-model ${JSON.stringify(baseModel)}: one of ${MODEL_CATALOGUE.map((m) => m.name).join(", ")}`);

  const serverUrl = env.PHI3_DATASETS_SERVER ?? DATASETS_SERVER;
  if (!URL.canParse(serverUrl) || !/^https?:$/.test(new URL(serverUrl).protocol)) {
    throw new UsageError(`PHI3_DATASETS_SERVER=${JSON.stringify(serverUrl)}: an http or https address, such as ${DATASETS_SERVER}`);
  }
  const reader = values.reader === undefined ? undefined : text("reader", "");
  if (reader !== undefined && !HUB_READERS.includes(reader as HubReader)) throw new UsageError(`--reader ${JSON.stringify(reader)}: one of ${HUB_READERS.join(", ")}`);
  let hub;
  try {
    hub = hubAccessFrom(env);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const clearText = reader === "rows" ? tokenTransportProblem(hub, "PHI3_DATASETS_SERVER", serverUrl) : undefined;
  if (clearText) throw new UsageError(clearText);
  const timeoutSeconds = numberOption("request-timeout", text("request-timeout", String(DEFAULT_DOWNLOAD.timeoutMs / 1000)), DECIMAL, (n) => n > 0 && n <= 3600, "seconds, above 0 and at most 3600");
  const maxRetryAfterSeconds = numberOption(
    "max-retry-after",
    text("max-retry-after", String(DEFAULT_DOWNLOAD.maxRetryAfterMs! / 1000)),
    DECIMAL,
    (n) => n >= 0 && n <= 3600,
    "seconds, at least 0 and at most 3600",
  );

  const source = text("source", "HuggingFaceH4/ultrachat_200k");
  const problem = sourceProblem(source, values.split as string | undefined, reader as HubReader | undefined);
  if (problem) throw new UsageError(problem);

  return {
    help: false,
    options: {
      source,
      split: values.split as string | undefined,
      percent: numberOption("percent", text("percent", "1"), DECIMAL, (n) => n > 0 && n <= 100, "a number above 0 and at most 100, such as 1 or 0.5"),
      seed: numberOption("seed", text("seed", "42"), WHOLE, Number.isSafeInteger, "a whole number of at least 0"),
      out: text("out", "data"),
      minRecordsPerFile: numberOption("min-records", text("min-records", String(DEFAULT_MIN_RECORDS_PER_FILE)), WHOLE, (n) => n >= 1 && n <= 1_000_000, "a whole number from 1 to 1000000"),
      baseModel: model.name,
      hub,
      reader: reader as HubReader | undefined,
      serverUrl,
      retry: { ...DEFAULT_DOWNLOAD, timeoutMs: timeoutSeconds * 1000, maxRetryAfterMs: maxRetryAfterSeconds * 1000 },
      deadlineSeconds: numberOption("deadline", text("deadline", String(DEFAULT_DEADLINE_SECONDS)), DECIMAL, (n) => n > 0 && n <= 86400, "seconds, above 0 and at most 86400"),
    },
  };
}
