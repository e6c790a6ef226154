/**
 * `npm run prepare-data -- [--source ID|FILE] [--split NAME] [--percent N] [--seed N] [--out DIR] ...`: the first N% of
 * a chat dataset's split, checked record by record, split 80/20 by a seeded shuffle into train_data.jsonl and
 * test_data.jsonl, which are replaced only when both are valid. `--help` lists every option.
 */
import { exitAfter, exitCodeFor } from "./lib/exitCodes";
import { parsePrepareDataArgs, PREPARE_DATA_USAGE } from "./lib/prepareDataArgs";
import { prepareData, removeScratchFolders } from "./lib/prepareData";

// Ctrl-C and kill end the process without running `finally`: remove the scratch folder in --out (which may hold a copy of
// the whole split) first, and leave with the shell's status for the signal.
for (const [signal, status] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  process.once(signal, () => {
    removeScratchFolders();
    process.stderr.write(`prepare-data stopped by ${signal}; the files in --out are as they were\n`);
    process.exit(status);
  });
}

async function main(): Promise<void> {
  const parsed = parsePrepareDataArgs(process.argv.slice(2), process.env);
  if (parsed.help) {
    process.stdout.write(PREPARE_DATA_USAGE);
    return;
  }
  await prepareData({ ...parsed.options, log: (line) => process.stderr.write(`${line}\n`) });
}

main().catch((err: unknown) => exitAfter(`prepare-data failed: ${err instanceof Error ? err.message : String(err)}\n`, exitCodeFor(err)));
