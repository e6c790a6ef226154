/**
 * `npm run plan -- [--stack NAME] [--config KEY=VALUE]... [--json]`: the stack as `pulumi preview` would see it,
 * run under Pulumi's mock runtime with no cloud. Invalid settings exit 2 with nothing on stdout.
 */
import { parseArgs } from "node:util";
import { validStackConfig } from "../../infra/config";
import { exitCodesHelp, runCommand } from "../shared/exitCodes";
import { loadSettingsReportingAll } from "../shared/stackSettings";

export const PLAN_USAGE =
  "usage: npm run plan -- [--stack NAME] [--config KEY=VALUE]... [--json]\n\n" +
  "The stack as `pulumi preview` would see it, run under Pulumi's mock runtime with the stack's config files and no cloud.\n\n" +
  "  --stack NAME        stack whose Pulumi.<name>.yaml is read: name, org/name or org/phi3-foundry/name (default dev)\n" +
  "  --config KEY=VALUE  a setting over the stack file's; KEY without a namespace is a project key (repeatable)\n" +
  "  --json              one JSON document (project, stack, resources, outputs) instead of the readable summary\n" +
  "  -h, --help          this text\n\n" +
  exitCodesHelp({ failed: "the program failed, or a data file is wrong", usage: "a wrong setting or stack name; nothing on stdout" });

/** The plan's options from its command line; throws Node's parseArgs error (exit 2) for an unknown option. */
export function planArgs(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      stack: { type: "string", default: "dev" },
      config: { type: "string", multiple: true, default: [] },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  }).values;
}

async function main(): Promise<void> {
  const values = planArgs(process.argv.slice(2));
  if (values.help) {
    process.stdout.write(PLAN_USAGE);
    return;
  }
  // Settings first, without the program or Pulumi's SDK loaded: a wrong one is refused at once. The plan checks them again.
  validStackConfig(loadSettingsReportingAll(values.stack, values.config).config);
  // The SDK's closure serializer and automation API, which the plan never uses, load if used (see the file).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require("../tooling/sdkOnDemand.cjs").loadSdkPartsOnDemand();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildPlan } = require("./plan") as typeof import("./plan");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { renderSummary } = require("./summary") as typeof import("./summary");
  const plan = await buildPlan({ stack: values.stack, overrides: values.config });
  process.stdout.write(values.json ? JSON.stringify(plan.document, null, 2) + "\n" : renderSummary(plan));
}

if (require.main === module) runCommand("plan", main);
