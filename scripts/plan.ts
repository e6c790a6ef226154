/**
 * `npm run plan -- [--stack NAME] [--config KEY=VALUE]... [--json]`: the stack as `pulumi preview` would see it,
 * run under Pulumi's mock runtime with no cloud. Invalid settings exit non-zero with nothing on stdout.
 */
import { parseArgs } from "node:util";
import { buildPlan } from "./lib/plan";
import { renderSummary } from "./lib/summary";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stack: { type: "string", default: "dev" },
      config: { type: "string", multiple: true, default: [] },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write("usage: npm run plan -- [--stack NAME] [--config KEY=VALUE]... [--json]\n");
    return;
  }
  const plan = await buildPlan({ stack: values.stack, overrides: values.config });
  process.stdout.write(values.json ? JSON.stringify(plan.document, null, 2) + "\n" : renderSummary(plan));
}

main().catch((err: unknown) => {
  process.stderr.write(`plan failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
