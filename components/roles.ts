import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { PRIVILEGED_ROLES } from "../domain/limits";

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

/** What {@link assignRole} needs. */
export interface RoleGrant {
  /** ARM id of the resource (or resource group) the role applies to. */
  readonly scope: pulumi.Input<string>;
  /** Object id of the service principal that receives the role. */
  readonly principalId: pulumi.Input<string>;
  /**
   * `ServicePrincipal` (the default) for a managed identity or an app, `User` for a person. It must be right: ARM
   * refuses an assignment whose type differs from the principal's (UnmatchedPrincipalType), and azure-native sends
   * `User` when none is given.
   */
  readonly principalType?: "ServicePrincipal" | "User";
  /** A built-in role by name, or the full id of a custom role definition. */
  readonly role: BuiltInRole | { readonly definitionId: pulumi.Input<string> };
  readonly subscriptionId: pulumi.Input<string>;
}

/**
 * Assigns a built-in role to a principal, named by a deterministic GUID. For a service principal (a managed identity or
 * an app) `principalType: ServicePrincipal` lets ARM accept one that Entra ID has not replicated yet, as Azure's docs
 * advise for new managed identities (role-assignments-template, "New service principal").
 */
export function assignRole(name: string, grant: RoleGrant, opts: pulumi.CustomResourceOptions): authorization.RoleAssignment {
  const role = grant.role;
  const roleId = typeof role === "string" ? pulumi.output(grant.subscriptionId).apply((sub) => roleDefinitionId(sub, role)) : pulumi.output(role.definitionId);
  // Built-in roles by their GUID (stable across subscriptions), custom roles by their full id.
  const roleKey = typeof role === "string" ? pulumi.output(BUILT_IN_ROLES[role]) : roleId;
  return new authorization.RoleAssignment(
    name,
    {
      roleAssignmentName: pulumi
        .all([grant.scope, grant.principalId, roleKey])
        .apply(([scope, principal, key]) => deterministicGuid(scope, principal, key)),
      scope: grant.scope,
      principalId: grant.principalId,
      principalType: grant.principalType ?? "ServicePrincipal",
      roleDefinitionId: roleId,
    },
    opts,
  );
}

/** Who receives a role, and where the role assignment sits in the stack. */
export interface Grantee {
  /** Logical name of the role assignment, derived from the grantee's own component name (`${name}-acr-pull`). */
  readonly name: string;
  /** Object id of the principal that receives the role. */
  readonly principalId: pulumi.Input<string>;
  /** `ServicePrincipal` (the default) or `User`; see {@link RoleGrant.principalType}. */
  readonly principalType?: "ServicePrincipal" | "User";
  /** The component the assignment belongs to, as its parent: the grantee's, so the assignment lives and dies with it. */
  readonly parent: pulumi.Resource;
}

/**
 * A resource (or resource group) that roles are given on, CDK style: `scope.grant(grantee, role)` assigns a built-in
 * role on it. The resource that is accessed offers the grant; the grantee names and owns the assignment.
 */
export class RoleScope {
  /**
   * @param id ARM id of the resource or resource group.
   * @param subscriptionId Subscription whose built-in role definitions are assigned.
   */
  constructor(
    readonly id: pulumi.Input<string>,
    private readonly subscriptionId: pulumi.Input<string>,
  ) {}

  /** Gives `grantee` the built-in `role` on this scope. */
  grant(grantee: Grantee, role: BuiltInRole): authorization.RoleAssignment {
    return assignRole(
      grantee.name,
      { scope: this.id, principalId: grantee.principalId, principalType: grantee.principalType, role, subscriptionId: this.subscriptionId },
      { parent: grantee.parent },
    );
  }
}
