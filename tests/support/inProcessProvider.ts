/**
 * Our dynamic providers called in the test's own process, against the HTTPS stand-in of Azure: the same provider
 * objects our resources store bundled, given the stack's config as the engine's Configure gives it. The driver
 * (dynamicProviderDriver.ts) proves the stored code and the gRPC calls; these calls prove what the code sends, in a
 * process a mutation-testing tool can see into (a child process runs code it cannot observe).
 */
import * as fs from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import { STAND_IN_CLIENT, STAND_IN_TENANT } from "./azureStandIn";

// Node's own module object: an `import * as` namespace is a copy, and replacing a function on it changes nothing.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const tls = require("node:tls") as typeof import("node:tls");

/**
 * Trusts the stand-in's certificate in this process, as NODE_EXTRA_CA_CERTS does for a child process (Node reads that
 * variable only when it starts): every TLS context made from now on holds the certificate beside the usual roots.
 * Returns what undoes it.
 */
export function trustInThisProcess(caFile: string): () => void {
  const pem = fs.readFileSync(caFile, "utf8");
  const original = tls.createSecureContext;
  const withStandIn: typeof tls.createSecureContext = (options) => {
    const context = original(options);
    context.context.addCACert(pem);
    return context;
  };
  (tls as { createSecureContext: typeof tls.createSecureContext }).createSecureContext = withStandIn;
  return () => {
    (tls as { createSecureContext: typeof tls.createSecureContext }).createSecureContext = original;
  };
}

/** The stack's config for the stand-in (azure-native's service principal and cloud), keyed `namespace:key`. */
export function standInStackConfig(host: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    "azure-native:clientId": STAND_IN_CLIENT.id,
    "azure-native:clientSecret": STAND_IN_CLIENT.secret,
    "azure-native:tenantId": STAND_IN_TENANT,
    "azure-native:metadataHost": host,
    "azure-native:location": "eastus2",
    ...extra,
  };
}

/** A copy of a provider, configured with `config` as the engine's Configure call configures it. */
export async function configured<P extends pulumi.dynamic.ResourceProvider>(provider: P, config: Record<string, string>): Promise<P> {
  const copy = { ...provider };
  const map = new Map(Object.entries(config));
  await copy.configure?.({ config: { get: (key: string) => map.get(key) } } as unknown as pulumi.dynamic.ConfigureRequest);
  return copy;
}
