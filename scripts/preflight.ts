/**
 * `npm run preflight -- [--stack NAME] [--config KEY=VALUE]...`: the checks `pulumi up` makes before it creates
 * anything, against your real subscription and without the Pulumi CLI: the stack's settings, that its region offers
 * Azure ML and its VM sizes, and the vCPU quota of each GPU family. Signs in as azure-native would (the stack's
 * `azure-native:` settings, then ARM_* variables, then the Azure CLI); the subscription comes from
 * `azure-native:subscriptionId` or ARM_SUBSCRIPTION_ID, else, signed in with the Azure CLI, from `az account show`.
 */
import { parseArgs } from "node:util";
import { AzureMlQuotaSource } from "../components/azure/rest/azureMlQuota";
import { AUTH_KEYS, AuthKey, authSettings } from "../components/azure/rest/credential";
import { connectArm } from "../components/azure/providers/providerSupport";
import { checkQuota } from "../components/azure/quota";
import { parseStackConfig } from "../infra/config";
import { rawConfigFrom } from "../infra/configKeys";
import { quotaDemands } from "../infra/quotaDemands";
import { exitCodesHelp, runCommand, UsageError } from "./shared/exitCodes";
import { loadSettingsReportingAll } from "./shared/stackSettings";
import { signInProblem, subscriptionFor } from "./preflightSignIn";

export const PREFLIGHT_USAGE =
  "usage: npm run preflight -- [--stack dev] [--config KEY=VALUE]...\n\n" +
  "The checks `pulumi up` makes before it creates anything, against your subscription and without the Pulumi CLI:\n" +
  "the stack's settings, that its region offers Azure ML and its VM sizes, and the vCPU quota of each GPU family.\n" +
  "Signs in as azure-native would; the subscription comes from azure-native:subscriptionId or ARM_SUBSCRIPTION_ID,\n" +
  "else, signed in with the Azure CLI, from its default subscription (az account show; pick it with az account set).\n\n" +
  exitCodesHelp({ failed: "a check failed, or Azure could not be asked", usage: "a wrong setting, or an incomplete sign-in" });

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stack: { type: "string", default: "dev" },
      config: { type: "string", multiple: true, default: [] },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(PREFLIGHT_USAGE);
    return;
  }
  const settings = loadSettingsReportingAll(values.stack, values.config);
  // Secrets in the stack file are encrypted for the Pulumi CLI; here they must come from the environment, or the
  // sign-in would fall through to another identity.
  const encrypted = settings.secretKeys
    .map((key) => key.replace(/^azure-native:/, ""))
    .filter((key): key is AuthKey => key in AUTH_KEYS && AUTH_KEYS[key as AuthKey].every((variable) => !process.env[variable]));
  if (encrypted.length > 0) {
    throw new UsageError(
      `${encrypted.map((k) => `azure-native:${k}`).join(", ")} is encrypted in Pulumi.${settings.stack}.yaml, which only the Pulumi CLI ` +
        `can read; set ${encrypted.map((k) => AUTH_KEYS[k][0]).join(", ")} to run the preflight as the same identity`,
    );
  }
  const read = (key: string) => (settings.secretKeys.includes(key) ? undefined : settings.config[key]);
  const config = parseStackConfig(rawConfigFrom(settings.config));
  const auth = authSettings((key) => read(`azure-native:${key}`));
  const incomplete = signInProblem(auth);
  if (incomplete) throw new UsageError(incomplete);
  const subscription = await subscriptionFor(auth);
  if (subscription.note) process.stderr.write(`${subscription.note}\n`);
  const source = new AzureMlQuotaSource(subscription.id, () => connectArm(read));
  const checks = await checkQuota(source, config.location, quotaDemands(config));
  process.stdout.write(`ok: Azure ML is offered in ${config.location} with every VM size the stack needs\n`);
  for (const c of checks) process.stdout.write(`  ${c.family}: need ${c.needed} vCPUs, limit ${c.limit}, in use ${c.inUse}\n`);
}

if (require.main === module) runCommand("preflight", main);
