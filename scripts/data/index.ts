/**
 * `npm run prepare-data -- [--source ID|FILE] [--split NAME] [--percent N] [--seed N] [--out DIR] ...`: the first N% of
 * a chat dataset's split, checked record by record, split 80/20 by a seeded shuffle into train_data.jsonl and
 * test_data.jsonl, which are replaced only when both are valid. `--help` lists every option.
 */
import { exitCodeFor, exitWhenFlushed } from "../shared/exitCodes";
import { parsePrepareDataArgs, PREPARE_DATA_USAGE } from "./prepareDataArgs";
import { prepareData, removeScratchFolders } from "./prepareData";
import { watchParents } from "./parentWatch";
import { stripControls } from "../shared/terminalText";

/** One line to stderr, without anything a terminal would act on (server text reaches messages and progress alike). */
const say = (line: string) => process.stderr.write(`${stripControls(line)}\n`);

/** Ends the process now, leaving --out as it was. */
function stop(why: string, status: number): never {
  removeScratchFolders();
  say(`prepare-data stopped ${why}; the files in --out are as they were`);
  process.exit(status);
}

// Ctrl-C and kill end the process without running `finally`: remove the scratch folder in --out (which may hold a copy of
// the whole split) first, and leave with the shell's status for the signal.
for (const [signal, status] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  process.once(signal, () => stop(`by ${signal}`, status));
}
// Under `npm run` the script runs in `sh -c`, below npm: end with npm even when it is killed outright and cannot say so.
watchParents(() => stop("because the process that started it has ended", 130), process.env.npm_lifecycle_event === "prepare-data" ? 2 : 1);

async function main(): Promise<void> {
  const parsed = parsePrepareDataArgs(process.argv.slice(2), process.env);
  if (parsed.help) {
    process.stdout.write(PREPARE_DATA_USAGE);
    return;
  }
  await prepareData({ ...parsed.options, log: say });
}

main().catch((err: unknown) => {
  say(`prepare-data failed: ${err instanceof Error ? err.message : String(err)}`);
  exitWhenFlushed(exitCodeFor(err));
});
