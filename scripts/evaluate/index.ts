/**
 * `npm run evaluate -- [--data FILE] [--out DIR] [--baseline-url URL --baseline-key KEY] [--stack NAME] [limits]`: did
 * fine-tuning help? `--help` says all; the command is scripts/evaluate/command.ts.
 */
import { EXIT } from "../chat/cli";
import { runEvaluate } from "./command";

export { runEvaluate };

if (require.main === module) {
  runEvaluate(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`evaluate failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(EXIT.failed);
    },
  );
}
