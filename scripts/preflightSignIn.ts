/**
 * What `npm run preflight` needs to know before it calls Azure: which subscription, and that the sign-in configured is
 * complete. The README's steps sign in with `az login` and pick the subscription with `az account set`, so without
 * `azure-native:subscriptionId` or ARM_SUBSCRIPTION_ID the Azure CLI's default subscription is used, as azure-native
 * does with the CLI's login, and the preflight says so.
 */
import { execFile } from "node:child_process";
import type { AuthSettings } from "../components/azure/rest/credential";
import { UsageError } from "./shared/exitCodes";

/** Runs `az` with these arguments and resolves with its stdout; rejects when it cannot be run or fails. */
export type AzRunner = (args: readonly string[]) => Promise<string>;

/** The Azure CLI found on `env`'s PATH. */
export function azRunner(env: NodeJS.ProcessEnv = process.env): AzRunner {
  return (args) =>
    new Promise((resolve, reject) => {
      execFile("az", [...args], { env, timeout: 30_000, windowsHide: true }, (error, stdout, stderr) => {
        if (error) reject(new Error(stderr.trim() || error.message));
        else resolve(stdout);
      });
    });
}

/** Settings that each choose a way to sign in besides the Azure CLI. */
const SIGN_IN_METHODS = ["useDefaultAzureCredential", "clientCertificatePath", "clientSecret", "useOidc", "useMsi"] as const;

/**
 * Why the sign-in settings are incomplete, or undefined. A client id with no way to sign in as it would quietly sign
 * in with the Azure CLI's login instead (azure-native's order), as some other identity.
 */
export function signInProblem(settings: AuthSettings): string | undefined {
  const method = SIGN_IN_METHODS.some((key) => settings[key] && settings[key] !== "false");
  if (!settings.clientId || method) return undefined;
  return (
    `azure-native:clientId (ARM_CLIENT_ID) is ${settings.clientId}, but nothing says how to sign in as it, so the Azure ` +
    "CLI's login would be used instead; set ARM_CLIENT_SECRET, ARM_CLIENT_CERTIFICATE_PATH, ARM_USE_OIDC=true (each with " +
    "ARM_TENANT_ID) or ARM_USE_MSI=true, or unset ARM_CLIENT_ID to check as the Azure CLI's login"
  );
}

/** The subscription to check, and a note when it came from the Azure CLI; throws a UsageError when there is none. */
export async function subscriptionFor(settings: AuthSettings, az: AzRunner = azRunner()): Promise<{ id: string; note?: string }> {
  if (settings.subscriptionId) return { id: settings.subscriptionId };
  const viaCli = !SIGN_IN_METHODS.some((key) => settings[key] && settings[key] !== "false");
  const missing = "set azure-native:subscriptionId (or ARM_SUBSCRIPTION_ID) to say which subscription to check";
  if (!viaCli) throw new UsageError(missing);
  let id: string;
  try {
    id = (await az(["account", "show", "--query", "id", "--output", "tsv"])).trim();
  } catch (err) {
    throw new UsageError(`${missing}, or sign in with \`az login\` and pick one with \`az account set\` (az account show: ${err instanceof Error ? err.message : String(err)})`);
  }
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new UsageError(`${missing}; \`az account show\` gave no subscription id`);
  return { id, note: `subscription ${id}: the Azure CLI's default (az account show), as neither azure-native:subscriptionId nor ARM_SUBSCRIPTION_ID is set` };
}
