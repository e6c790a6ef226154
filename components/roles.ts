import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { BUILT_IN_ROLES, BuiltInRole, deterministicGuid, roleDefinitionId } from "../domain/roles";

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
