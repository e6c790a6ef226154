import { createHash } from "node:crypto";
import { PRIVILEGED_ROLES } from "./limits";

/**
 * Built-in role definition ids, as https://learn.microsoft.com/azure/role-based-access-control/built-in-roles lists
 * them (the same ids the role maps of Azure Verified Modules use: avm/res/storage/storage-account/main.bicep,
 * avm/res/machine-learning-services/workspace/main.bicep, avm/res/container-registry/registry/main.bicep).
 */
export const BUILT_IN_ROLES = {
  Contributor: PRIVILEGED_ROLES.Contributor,
  Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  // Storage: file data by Entra ID over REST, with the backup intent (readFileBackupSemantics, writeFileBackupSemantics).
  "Storage File Data Privileged Contributor": "69566ab7-960f-475b-8e7c-b3118f30c6bd",
  AcrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  "AzureML Data Scientist": "f6c7c914-8db3-469d-8ca1-694a8f32e121",
  // AI + machine learning: inference by Entra ID on an AI Services account, keys not needed.
  "Cognitive Services User": "a97b65f3-24c7-4388-baec-2e87135dc908",
  "Cognitive Services OpenAI User": "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
} as const;

export type BuiltInRole = keyof typeof BUILT_IN_ROLES;

/** The full role definition id ARM expects in a role assignment (as in the 2022-04-01 API's examples). */
export function roleDefinitionId(subscriptionId: string, role: BuiltInRole): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES[role]}`;
}

/** RFC 4122 URL namespace: the namespace of our name-based (version 5) UUIDs. */
const UUID_NAMESPACE = Buffer.from("6ba7b8119dad11d180b400c04fd430c8", "hex");

/**
 * A version 5 UUID of the given parts: the same parts always give the same GUID, like Bicep's
 * `guid(scope, principalId, roleId)`, so a role assignment keeps its name across runs and never collides.
 */
export function deterministicGuid(...parts: string[]): string {
  const hash = createHash("sha1").update(UUID_NAMESPACE).update(parts.join("|")).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50; // version 5
  hash[8] = (hash[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
