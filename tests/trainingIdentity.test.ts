import * as pulumi from "@pulumi/pulumi";
import { MlWorkspace } from "../components/mlWorkspace";
import { deterministicGuid } from "../domain/roles";
import { TRAINING_IDENTITY_ROLES, TrainingIdentity, validateTrainingIdentityArgs } from "../components/trainingIdentity";
import type { TrainingIdentityScope } from "../domain/settingValues";
import { azureName, ResourceKind } from "../domain/naming";
import { MOCK_SUBSCRIPTION_ID } from "../scripts/plan/mockAzure";
import { ofType, runProgram, single } from "./helpers";

// The ARM ids of the workspace's parts, as the names prefix "phi", stack "test" and suffix "abc123" make them.
const group = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/rg-phi-test-abc123`;
const storage = `${group}/providers/Microsoft.Storage/storageAccounts/stphitestabc123`;
const registry = `${group}/providers/Microsoft.ContainerRegistry/registries/crphitestabc123`;
const workspace = `${group}/providers/Microsoft.MachineLearningServices/workspaces/mlw-phi-test-abc123`;

/** Full role definition ids, from Azure's built-in roles reference (learn.microsoft.com/azure/role-based-access-control/built-in-roles). */
const role = (id: string) => `/subscriptions/${MOCK_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${id}`;
const CONTRIBUTOR = role("b24988ac-6180-42a0-ab88-20f7382dd24c");
const STORAGE_BLOB_DATA_READER = role("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1");
const STORAGE_BLOB_DATA_CONTRIBUTOR = role("ba92f5b4-2d11-453d-a403-e96b0029c9fe");
const ACR_PULL = role("7f951dda-4ed3-4680-a7ca-43fe172d538d");
const AZUREML_DATA_SCIENTIST = role("f6c7c914-8db3-469d-8ca1-694a8f32e121");

/** The identity with the roles of `scope`, given by a real workspace on its parts. */
function run(scope?: TrainingIdentityScope) {
  return runProgram(() => {
    const namer = (kind: ResourceKind) => pulumi.output(azureName(kind, { prefix: "phi", stack: "test", suffix: "abc123" }));
    const ml = new MlWorkspace("ml", { location: "eastus2", namer, tenantId: "tenant-1", subscriptionId: MOCK_SUBSCRIPTION_ID });
    return new TrainingIdentity("training-identity", { workspace: ml, scope, location: "eastus2", namer });
  });
}

describe("TrainingIdentity", () => {
  it("creates a user-assigned identity with exactly three role assignments: the mission's roles and scopes", async () => {
    const { resources } = await run();
    const identity = single(resources, "azure-native:managedidentity:UserAssignedIdentity");
    expect(identity.inputs).toMatchObject({ resourceName: "id-phi-test-abc123", resourceGroupName: "rg-phi-test-abc123", location: "eastus2" });

    const assignments = ofType(resources, "azure-native:authorization:RoleAssignment");
    const grants = assignments.map((a) => [a.inputs.scope, a.inputs.roleDefinitionId]).sort();
    expect(grants).toEqual(
      [
        [group, CONTRIBUTOR],
        [storage, STORAGE_BLOB_DATA_READER],
        [registry, ACR_PULL],
      ].sort(),
    );
  });

  it("with the workspace scope, holds AzureML Data Scientist on the workspace, Storage Blob Data Contributor and AcrPull, and nothing on the group", async () => {
    const { resources } = await run("workspace");
    const grants = ofType(resources, "azure-native:authorization:RoleAssignment").map((a) => [a.name, a.inputs.scope, a.inputs.roleDefinitionId]);
    expect(grants.sort()).toEqual(
      [
        ["training-identity-data-scientist", workspace, AZUREML_DATA_SCIENTIST],
        ["training-identity-blob-contributor", storage, STORAGE_BLOB_DATA_CONTRIBUTOR],
        ["training-identity-acr-pull", registry, ACR_PULL],
      ].sort(),
    );
    expect(grants.map(([, scope]) => scope)).not.toContain(group);
  });

  it("gives both scopes the reads the job and the endpoint need: blobs of the workspace storage and images of its registry", () => {
    for (const roles of Object.values(TRAINING_IDENTITY_ROLES)) {
      expect(roles.find((r) => r.on === "storage")?.role).toMatch(/^Storage Blob Data (Reader|Contributor)$/);
      expect(roles.find((r) => r.on === "registry")?.role).toBe("AcrPull");
    }
  });

  it("refuses a scope it does not know before creating anything", async () => {
    expect(() => validateTrainingIdentityArgs({ scope: "subscription" as TrainingIdentityScope })).toThrow(/scope 'subscription' must be one of resourceGroup, workspace/);
    await expect(run("subscription" as TrainingIdentityScope)).rejects.toThrow(/scope 'subscription'/);
  });

  it("assigns to the identity's principal, as a ServicePrincipal, after the identity exists", async () => {
    const { resources } = await run();
    const identity = single(resources, "azure-native:managedidentity:UserAssignedIdentity");
    for (const assignment of ofType(resources, "azure-native:authorization:RoleAssignment")) {
      expect(assignment.inputs.principalType).toBe("ServicePrincipal");
      expect(assignment.inputs.principalId).toMatch(/^[0-9a-f-]{36}$/);
      expect(assignment.dependsOn).toContain(identity.urn);
    }
  });

  it("names each assignment by a GUID of scope, principal and role, so re-runs never collide", async () => {
    const first = ofType((await run()).resources, "azure-native:authorization:RoleAssignment");
    const second = ofType((await run()).resources, "azure-native:authorization:RoleAssignment");
    const names = (list: typeof first) => list.map((a) => a.inputs.roleAssignmentName).sort();
    expect(names(second)).toEqual(names(first));
    for (const a of first) {
      const roleGuid = String(a.inputs.roleDefinitionId).split("/").pop()!;
      expect(a.inputs.roleAssignmentName).toBe(deterministicGuid(String(a.inputs.scope), String(a.inputs.principalId), roleGuid));
    }
    expect(new Set(names(first)).size).toBe(3);
  });

  it("parents the identity and its assignments to the component", async () => {
    const { resources } = await run();
    const component = single(resources, "phi3-foundry:prepare:TrainingIdentity");
    const own = resources.filter((r) => r.custom && r.type !== "random:index/randomString:RandomString" && !r.name.startsWith("ml-"));
    expect(own.map((r) => r.name).sort()).toEqual(["training-identity-acr-pull", "training-identity-blob-reader", "training-identity-contributor", "training-identity-uai"]);
    for (const r of own) {
      expect(r.parent).toBe(component.urn);
      expect(r.name.startsWith("training-identity-")).toBe(true);
    }
  });
});
