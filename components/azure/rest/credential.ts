import * as fs from "node:fs";
import type * as Forge from "node-forge";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import type * as Identity from "@azure/identity";
import { AZURE_CLOUDS, AzureCloud, cloudFromMetadataHost } from "./cloud";

type Env = Readonly<Record<string, string | undefined>>;
/** Reads a key of the `azure-native` config namespace (`clientId` for `azure-native:clientId`). */
export type ConfigLookup = (key: string) => string | undefined;

/**
 * How azure-native authenticates a stack: each provider config key and the environment variables it falls back to
 * (pulumi-azure-native provider/pkg/provider/auth_azidentity.go readAuthConfig; registry docs "Azure Native:
 * Installation & Configuration"). A stack config value wins over the environment.
 */
export const AUTH_KEYS = {
  clientId: ["ARM_CLIENT_ID"],
  clientSecret: ["ARM_CLIENT_SECRET"],
  tenantId: ["ARM_TENANT_ID"],
  subscriptionId: ["ARM_SUBSCRIPTION_ID"],
  clientCertificatePath: ["ARM_CLIENT_CERTIFICATE_PATH"],
  clientCertificatePassword: ["ARM_CLIENT_CERTIFICATE_PASSWORD"],
  environment: ["ARM_ENVIRONMENT", "AZURE_ENVIRONMENT"],
  metadataHost: ["ARM_METADATA_HOSTNAME"],
  useOidc: ["ARM_USE_OIDC"],
  oidcToken: ["ARM_OIDC_TOKEN"],
  oidcTokenFilePath: ["ARM_OIDC_TOKEN_FILE_PATH"],
  oidcRequestToken: ["ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"],
  oidcRequestUrl: ["ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL"],
  useMsi: ["ARM_USE_MSI"],
  useDefaultAzureCredential: ["ARM_USE_DEFAULT_AZURE_CREDENTIAL"],
  disableInstanceDiscovery: ["ARM_DISABLE_INSTANCE_DISCOVERY"],
} as const;

export type AuthKey = keyof typeof AUTH_KEYS;
export type AuthSettings = Readonly<Partial<Record<AuthKey, string>>>;

/** The stack's azure-native settings, each from stack config first and then its environment variables. */
export function authSettings(config: ConfigLookup, env: Env = process.env): AuthSettings {
  const settings: Partial<Record<AuthKey, string>> = {};
  for (const [key, variables] of Object.entries(AUTH_KEYS) as [AuthKey, readonly string[]][]) {
    const value = config(key) ?? variables.map((v) => env[v]).find((v) => v !== undefined && v !== "");
    if (value !== undefined && value !== "") settings[key] = value;
  }
  return settings;
}

/**
 * Whether the stack signs in as an app (a client secret or certificate, OIDC, a managed identity) or as a person (the
 * Azure CLI's login, or DefaultAzureCredential, taken to be a developer's): the principal type of a role assignment
 * to whoever runs `pulumi up`. A service principal signed in to the Azure CLI (`az login --service-principal`) is
 * taken for a person; sign it in through azure-native's own settings instead.
 */
export function signInPrincipalType(settings: AuthSettings): "User" | "ServicePrincipal" {
  const app = settings.clientCertificatePath || settings.clientSecret || truthy(settings.useOidc) || truthy(settings.useMsi);
  return !truthy(settings.useDefaultAzureCredential) && app ? "ServicePrincipal" : "User";
}

/** A credential that says who it signs in as, so that a failed sign-in names the configured identity. */
class DescribedCredential implements TokenCredential {
  constructor(
    readonly description: string,
    private readonly inner: TokenCredential,
  ) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    try {
      return await this.inner.getToken(scopes, options);
    } catch (err) {
      throw new Error(`Azure sign-in ${this.description} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** The cloud and credential a stack's own Azure calls use. */
export interface AzureConnection {
  readonly cloud: AzureCloud;
  readonly credential: TokenCredential & { readonly description: string };
}

/** The other names azure-native accepts for each cloud (provider/pkg/azure/cloud/cloud.go FromName). */
const CLOUD_ALIASES: Readonly<Record<string, string>> = {
  azurecloud: "public",
  usgov: "usgovernment",
  azureusgovernment: "usgovernment",
  azureusgovernmentcloud: "usgovernment",
  usgovernmentl4: "usgovernment",
  azurechinacloud: "china",
};

const truthy = (value: string | undefined) => value === "true" || value === "1";

/** The cloud `environment` or `metadataHost` selects; `public` by default. */
export async function resolveCloud(settings: AuthSettings): Promise<AzureCloud> {
  if (settings.metadataHost) return cloudFromMetadataHost(settings.metadataHost);
  const name = (settings.environment ?? "public").toLowerCase();
  const cloud = AZURE_CLOUDS[CLOUD_ALIASES[name] ?? name];
  if (!cloud) throw new Error(`azure-native:environment is '${settings.environment}'; allowed: ${Object.keys(AZURE_CLOUDS).join(", ")}`);
  return cloud;
}

/**
 * A client certificate as @azure/identity takes it: PEM with the private key. azure-native reads
 * `clientCertificatePath` as a PFX (PKCS#12) file, so the same setting works for both: a PFX is converted in memory,
 * a PEM file is used as it is.
 */
export function certificatePem(file: string, password: string | undefined): string {
  const bytes = fs.readFileSync(file);
  const text = bytes.toString("utf8");
  if (text.includes("-----BEGIN")) return text;
  // Loaded here, not at the top: the program (and the plan) load this module but never sign in.
  const forge = require("node-forge") as typeof Forge;
  let p12: Forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(bytes.toString("binary")), password ?? "");
  } catch (err) {
    throw new Error(`azure-native:clientCertificatePath ${file} is neither PEM nor a PFX that clientCertificatePassword opens: ${err instanceof Error ? err.message : String(err)}`);
  }
  const bags = (type: string) => p12.getBags({ bagType: type })[type] ?? [];
  const key = [...bags(forge.pki.oids.pkcs8ShroudedKeyBag), ...bags(forge.pki.oids.keyBag)].find((bag) => bag.key)?.key;
  const certificates = bags(forge.pki.oids.certBag).flatMap((bag) => (bag.cert ? [forge.pki.certificateToPem(bag.cert)] : []));
  if (!key || certificates.length === 0) throw new Error(`azure-native:clientCertificatePath ${file} holds no private key and certificate`);
  return forge.pki.privateKeyToPem(key) + certificates.join("");
}

/** Asks the OIDC issuer (GitHub Actions' id-token endpoint) for a token to exchange with Entra ID. */
async function requestOidcToken(url: string, bearer: string): Promise<string> {
  const separator = url.includes("?") ? "&" : "?";
  const response = await fetch(`${url}${separator}audience=${encodeURIComponent("api://AzureADTokenExchange")}`, {
    headers: { Authorization: `Bearer ${bearer}` },
  });
  if (!response.ok) throw new Error(`OIDC token request to ${new URL(url).host} failed: HTTP ${response.status}`);
  return ((await response.json()) as { value: string }).value;
}

/** Where an OIDC client assertion comes from: a token, a token file, or a token request. */
function oidcAssertion(settings: AuthSettings): () => Promise<string> {
  const { oidcToken, oidcTokenFilePath, oidcRequestUrl, oidcRequestToken } = settings;
  if (oidcToken) return async () => oidcToken;
  if (oidcTokenFilePath) return async () => fs.readFileSync(oidcTokenFilePath, "utf8").trim();
  if (oidcRequestUrl && oidcRequestToken) return () => requestOidcToken(oidcRequestUrl, oidcRequestToken);
  throw new Error("azure-native:useOidc is true but there is no oidcToken, oidcTokenFilePath, or oidcRequestUrl with oidcRequestToken");
}

function requireServicePrincipal(settings: AuthSettings, method: string): { tenantId: string; clientId: string } {
  const { tenantId, clientId } = settings;
  if (!tenantId || !clientId) throw new Error(`${method} needs azure-native:tenantId and azure-native:clientId (or ARM_TENANT_ID and ARM_CLIENT_ID)`);
  return { tenantId, clientId };
}

/**
 * Signs in the way azure-native does for the same stack: DefaultAzureCredential when asked for, else a client
 * certificate, a client secret, OIDC, a managed identity, and the Azure CLI's login when nothing is configured. A
 * configured method that fails is an error naming it; there is no silent fallback to another identity.
 */
export async function azureConnection(settings: AuthSettings): Promise<AzureConnection> {
  const cloud = await resolveCloud(settings);
  const common = { authorityHost: cloud.authorityHost, disableInstanceDiscovery: !cloud.knownAuthority || truthy(settings.disableInstanceDiscovery) };
  const described = (description: string, inner: TokenCredential) => new DescribedCredential(description, inner);
  // Loaded on sign-in, not with this module: only the dynamic providers sign in, and the plan never does.
  const { AzureCliCredential, ClientAssertionCredential, ClientCertificateCredential, ClientSecretCredential, DefaultAzureCredential, ManagedIdentityCredential } =
    require("@azure/identity") as typeof Identity;

  // azure-native's order (auth_azidentity.go, newSingleMethodAuthCredential): one method, no fallback chain.
  let credential: DescribedCredential;
  if (truthy(settings.useDefaultAzureCredential)) {
    credential = described("with DefaultAzureCredential", new DefaultAzureCredential(common));
  } else if (settings.clientCertificatePath) {
    const sp = requireServicePrincipal(settings, "azure-native:clientCertificatePath");
    const certificate = { certificate: certificatePem(settings.clientCertificatePath, settings.clientCertificatePassword) };
    credential = described(`with a certificate as service principal ${sp.clientId}`, new ClientCertificateCredential(sp.tenantId, sp.clientId, certificate, common));
  } else if (settings.clientSecret) {
    const sp = requireServicePrincipal(settings, "azure-native:clientSecret");
    credential = described(`with a client secret as service principal ${sp.clientId}`, new ClientSecretCredential(sp.tenantId, sp.clientId, settings.clientSecret, common));
  } else if (truthy(settings.useOidc)) {
    const sp = requireServicePrincipal(settings, "azure-native:useOidc");
    credential = described(`with OIDC as service principal ${sp.clientId}`, new ClientAssertionCredential(sp.tenantId, sp.clientId, oidcAssertion(settings), common));
  } else if (truthy(settings.useMsi)) {
    const inner = settings.clientId ? new ManagedIdentityCredential({ clientId: settings.clientId }) : new ManagedIdentityCredential();
    credential = described(`as managed identity${settings.clientId ? ` ${settings.clientId}` : ""}`, inner);
  } else {
    credential = described("with the Azure CLI's login (az login)", new AzureCliCredential(settings.tenantId ? { tenantId: settings.tenantId } : {}));
  }
  return { cloud, credential };
}
