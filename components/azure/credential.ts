import {
  ChainedTokenCredential,
  ClientAssertionCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  TokenCredential,
} from "@azure/identity";

type Env = Readonly<Record<string, string | undefined>>;

/** Asks GitHub Actions for an OIDC token for Entra ID's token exchange (GitHub's documented id-token request). */
async function githubOidcToken(env: Env): Promise<string> {
  const direct = env.ARM_OIDC_TOKEN;
  if (direct) return direct;
  const url = env.ARM_OIDC_REQUEST_URL ?? env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const token = env.ARM_OIDC_REQUEST_TOKEN ?? env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !token) throw new Error("ARM_USE_OIDC is set but no OIDC token or token request URL is available");
  const response = await fetch(`${url}&audience=${encodeURIComponent("api://AzureADTokenExchange")}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`GitHub OIDC token request failed: HTTP ${response.status}`);
  return ((await response.json()) as { value: string }).value;
}

/**
 * The credential `pulumi up` itself uses: azure-native's ARM_* service principal or OIDC settings when present, else
 * the Azure CLI login and the rest of DefaultAzureCredential's chain.
 */
export function pulumiAzureCredential(env: Env = process.env): TokenCredential {
  const { ARM_TENANT_ID: tenant, ARM_CLIENT_ID: client, ARM_CLIENT_SECRET: secret } = env;
  const chain: TokenCredential[] = [];
  if (tenant && client && secret) chain.push(new ClientSecretCredential(tenant, client, secret));
  if (tenant && client && env.ARM_USE_OIDC === "true") chain.push(new ClientAssertionCredential(tenant, client, () => githubOidcToken(env)));
  chain.push(new DefaultAzureCredential());
  return new ChainedTokenCredential(...chain);
}
