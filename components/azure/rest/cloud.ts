import type * as CorePipeline from "@azure/core-rest-pipeline";

/** Where one Azure cloud's services are: what `azure-native:environment` or `azure-native:metadataHost` selects. */
export interface AzureCloud {
  readonly name: string;
  /** Azure Resource Manager, e.g. `https://management.azure.com/`. */
  readonly resourceManager: string;
  /** The audience ARM tokens are requested for (scope `<audience>/.default`). */
  readonly resourceManagerAudience: string;
  /** Entra ID's authority host, e.g. `https://login.microsoftonline.com/`. */
  readonly authorityHost: string;
  /** Whether Entra ID is a known public instance; a cloud from a metadata host skips MSAL's instance discovery. */
  readonly knownAuthority: boolean;
  /**
   * The storage endpoint suffix, `core.windows.net` in the public cloud: a file share is `<account>.file.<suffix>`.
   * Unset when a metadata host publishes none; only the chat flow's upload needs it.
   */
  readonly storageSuffix?: string;
  /**
   * The domain under which each region's Azure ML API host is, `<region>.<domain>` (the flow service's host). Unset
   * for a cloud from a metadata host, whose flow service is at its resource manager's host.
   */
  readonly machineLearningApiDomain?: string;
}

/**
 * The clouds `azure-native:environment` (`ARM_ENVIRONMENT`) names, with the endpoints Azure publishes for them
 * (https://learn.microsoft.com/azure/azure-government/compare-azure-government-global-azure,
 * https://learn.microsoft.com/azure/china/resources-developer-guide). The Azure ML API domains are azure-ai-ml's
 * (azure/ai/ml/_azure_environments.py `_environments`: https://eastus.api.azureml.ms/,
 * https://usgovarizona.api.ml.azure.us/, https://chinaeast2.api.ml.azure.cn/).
 */
export const AZURE_CLOUDS: Readonly<Record<string, AzureCloud>> = {
  public: {
    name: "public",
    resourceManager: "https://management.azure.com/",
    resourceManagerAudience: "https://management.core.windows.net/",
    authorityHost: "https://login.microsoftonline.com/",
    knownAuthority: true,
    storageSuffix: "core.windows.net",
    machineLearningApiDomain: "api.azureml.ms",
  },
  usgovernment: {
    name: "usgovernment",
    resourceManager: "https://management.usgovcloudapi.net/",
    resourceManagerAudience: "https://management.core.usgovcloudapi.net/",
    authorityHost: "https://login.microsoftonline.us/",
    knownAuthority: true,
    storageSuffix: "core.usgovcloudapi.net",
    machineLearningApiDomain: "api.ml.azure.us",
  },
  china: {
    name: "china",
    resourceManager: "https://management.chinacloudapi.cn/",
    resourceManagerAudience: "https://management.core.chinacloudapi.cn/",
    authorityHost: "https://login.chinacloudapi.cn/",
    knownAuthority: true,
    storageSuffix: "core.chinacloudapi.cn",
    machineLearningApiDomain: "api.ml.azure.cn",
  },
};

/** The api-version azure-native's cloud metadata client requests (pulumi-azure-native provider/pkg/azure/cloud/metadata). */
export const CLOUD_METADATA_API_VERSION = "2022-09-01";

/** The shape of `GET https://<host>/metadata/endpoints`, the parts we use. */
interface CloudMetadata {
  readonly name?: string;
  readonly resourceManager?: string;
  readonly authentication?: { readonly loginEndpoint?: string; readonly audiences?: readonly string[] };
  /** DNS suffixes of the cloud's services; `storage` as Bicep's `environment().suffixes.storage`. */
  readonly suffixes?: { readonly storage?: string };
}

/** A cloud described by its metadata host, as azure-native's `metadataHost` (`ARM_METADATA_HOSTNAME`) selects one. */
export async function cloudFromMetadataHost(host: string): Promise<AzureCloud> {
  const url = `https://${host}/metadata/endpoints?api-version=${CLOUD_METADATA_API_VERSION}`;
  // Loaded on first use: only a provider signing in to a custom cloud asks for its metadata.
  const { createDefaultHttpClient, createHttpHeaders, createPipelineRequest } = require("@azure/core-rest-pipeline") as typeof CorePipeline;
  const response = await createDefaultHttpClient().sendRequest(
    createPipelineRequest({ url, method: "GET", headers: createHttpHeaders({ accept: "application/json" }), timeout: 30_000 }),
  );
  if (response.status !== 200) throw new Error(`cloud metadata ${url}: HTTP ${response.status}`);
  const metadata = JSON.parse(response.bodyAsText ?? "{}") as CloudMetadata;
  const audience = metadata.authentication?.audiences?.[0];
  if (!metadata.resourceManager || !metadata.authentication?.loginEndpoint || !audience) {
    throw new Error(`cloud metadata ${url} lacks resourceManager, authentication.loginEndpoint or authentication.audiences`);
  }
  // Tokens and the client's secret go to these two: an answer may not send them outside the host the user named.
  checkMetadataEndpoint(host, "resourceManager", metadata.resourceManager);
  checkMetadataEndpoint(host, "authentication.loginEndpoint", metadata.authentication.loginEndpoint);
  return {
    name: metadata.name ?? host,
    resourceManager: metadata.resourceManager,
    resourceManagerAudience: audience,
    authorityHost: metadata.authentication.loginEndpoint,
    knownAuthority: false,
    ...(metadata.suffixes?.storage ? { storageSuffix: metadata.suffixes.storage } : {}),
  };
}

/** The hosts of Azure's own clouds' resource managers and sign-in endpoints, which any cloud's metadata may name. */
function publicCloudHosts(): string[] {
  return Object.values(AZURE_CLOUDS).flatMap((cloud) => [new URL(cloud.resourceManager).host, new URL(cloud.authorityHost).host]);
}

const isIpAddress = (hostname: string) => /^[\d.]+$/.test(hostname) || hostname.startsWith("[");

/**
 * The domain a metadata host vouches for: its parent domain (`management.contoso.com`: `contoso.com`), a two-label
 * name itself; a host that is an IP address has no domain, only itself (with its port).
 */
export function metadataDomain(metadataHost: string): string {
  const { host, hostname } = new URL(`https://${metadataHost}`);
  if (isIpAddress(hostname)) return host;
  const labels = hostname.split(".");
  return labels.length > 2 ? labels.slice(1).join(".") : hostname;
}

/**
 * Refuses an endpoint of a metadata answer that is not HTTPS within the metadata host's domain (see
 * {@link metadataDomain}) nor one of Azure's public clouds' hosts, naming its host.
 */
export function checkMetadataEndpoint(metadataHost: string, field: string, endpoint: string): void {
  const domain = metadataDomain(metadataHost);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`cloud metadata from ${metadataHost}: ${field} '${endpoint}' is not a URL`);
  }
  const inDomain = isIpAddress(new URL(`https://${metadataHost}`).hostname) ? url.host === domain : url.hostname === domain || url.hostname.endsWith(`.${domain}`);
  if (url.protocol === "https:" && (inDomain || publicCloudHosts().includes(url.host))) return;
  throw new Error(
    `cloud metadata from ${metadataHost}: ${field} ${endpoint} is at ${url.protocol === "https:" ? url.host : `${url.protocol}//${url.host}`}, outside ${domain}; ` +
      `allowed: an https host within ${domain} or one of Azure's public clouds' (${publicCloudHosts().join(", ")}). Nothing was sent there.`,
  );
}
