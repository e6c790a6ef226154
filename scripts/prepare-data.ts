/**
 * `npm run prepare-data -- [--source ID|FILE] [--split NAME] [--percent N] [--seed N] [--out DIR]`: the first N% of
 * a chat dataset's split, split 80/20 by a seeded shuffle into train_data.jsonl and test_data.jsonl, validated.
 */
import { parseArgs } from "node:util";
import { DATASETS_SERVER } from "./lib/datasetSources";
import { prepareData } from "./lib/prepareData";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      source: { type: "string", default: "HuggingFaceH4/ultrachat_200k" },
      split: { type: "string", default: "train_sft" },
      percent: { type: "string", default: "1" },
      seed: { type: "string", default: "42" },
      out: { type: "string", default: "data" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      "usage: npm run prepare-data -- [--source HuggingFaceH4/ultrachat_200k|FILE.jsonl|FILE.parquet] [--split train_sft]\n" +
        "                               [--percent 1] [--seed 42] [--out data]\n",
    );
    return;
  }
  await prepareData({
    source: values.source,
    split: values.split,
    percent: Number(values.percent),
    seed: Number(values.seed),
    out: values.out,
    serverUrl: process.env.PHI3_DATASETS_SERVER ?? DATASETS_SERVER,
    log: (line) => process.stderr.write(`${line}\n`),
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`prepare-data failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
