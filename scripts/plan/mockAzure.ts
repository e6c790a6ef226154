import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { deterministicGuid } from "../../domain/roles";

/** The subscription and tenant that the offline plan and the tests pretend to deploy into. */
export const MOCK_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000";
export const MOCK_TENANT_ID = "00000000-0000-0000-0000-00000000abcd";

/** Where a resource type sits in ARM: its provider path and the input that holds its name. */
interface ArmShape {
  /** `Microsoft.X/type`, or a path under a parent such as `Microsoft.MachineLearningServices/workspaces/{workspaceName}/computes`. */
  readonly path: string;
  readonly nameInput: string;
  /** Outputs Azure computes, derived from the inputs so that every run gives the same values. */
  readonly computed?: (inputs: Record<string, any>, id: string) => Record<string, unknown>;
}

const identityOutputs = (_: Record<string, any>, id: string) => ({
  principalId: deterministicGuid("principal", id),
  clientId: deterministicGuid("client", id),
  tenantId: MOCK_TENANT_ID,
});

const systemIdentity = (inputs: Record<string, any>, id: string) =>
  inputs.identity ? { identity: { ...inputs.identity, principalId: deterministicGuid("principal", id), tenantId: MOCK_TENANT_ID } } : {};

const ARM_SHAPES: Record<string, ArmShape> = {
  "azure-native:resources:ResourceGroup": { path: "", nameInput: "resourceGroupName" },
  "azure-native:storage:StorageAccount": { path: "Microsoft.Storage/storageAccounts", nameInput: "accountName" },
  "azure-native:keyvault:Vault": {
    path: "Microsoft.KeyVault/vaults",
    nameInput: "vaultName",
    computed: (inputs) => ({ properties: { ...inputs.properties, vaultUri: `https://${inputs.vaultName}.vault.azure.net/` } }),
  },
  "azure-native:operationalinsights:Workspace": { path: "Microsoft.OperationalInsights/workspaces", nameInput: "workspaceName" },
  "azure-native:applicationinsights:Component": { path: "Microsoft.Insights/components", nameInput: "resourceName" },
  "azure-native:containerregistry:Registry": {
    path: "Microsoft.ContainerRegistry/registries",
    nameInput: "registryName",
    computed: (inputs) => ({ loginServer: `${inputs.registryName}.azurecr.io` }),
  },
  "azure-native:managedidentity:UserAssignedIdentity": {
    path: "Microsoft.ManagedIdentity/userAssignedIdentities",
    nameInput: "resourceName",
    computed: identityOutputs,
  },
  "azure-native:machinelearningservices:Workspace": {
    path: "Microsoft.MachineLearningServices/workspaces",
    nameInput: "workspaceName",
    computed: systemIdentity,
  },
  "azure-native:machinelearningservices:Compute": {
    path: "Microsoft.MachineLearningServices/workspaces/{workspaceName}/computes",
    nameInput: "computeName",
  },
  "azure-native:machinelearningservices:OnlineEndpoint": {
    path: "Microsoft.MachineLearningServices/workspaces/{workspaceName}/onlineEndpoints",
    nameInput: "endpointName",
    computed: (inputs) => ({
      properties: {
        ...inputs.properties,
        scoringUri: `https://${inputs.endpointName}.${inputs.location}.inference.ml.azure.com/score`,
        swaggerUri: `https://${inputs.endpointName}.${inputs.location}.inference.ml.azure.com/swagger.json`,
      },
    }),
  },
  "azure-native:machinelearningservices:OnlineDeployment": {
    path: "Microsoft.MachineLearningServices/workspaces/{workspaceName}/onlineEndpoints/{endpointName}/deployments",
    nameInput: "deploymentName",
  },
  "azure-native:cognitiveservices:Account": {
    path: "Microsoft.CognitiveServices/accounts",
    nameInput: "accountName",
    computed: (inputs, id) => ({
      ...systemIdentity(inputs, id),
      properties: { ...inputs.properties, endpoint: `https://${inputs.properties?.customSubDomainName ?? inputs.accountName}.cognitiveservices.azure.com/` },
    }),
  },
  "azure-native:machinelearningservices:WorkspaceConnection": {
    path: "Microsoft.MachineLearningServices/workspaces/{workspaceName}/connections",
    nameInput: "connectionName",
  },
  "azure-native:storage:BlobContainer": {
    path: "Microsoft.Storage/storageAccounts/{accountName}/blobServices/default/containers",
    nameInput: "containerName",
  },
  "azure-native:machinelearningservices:Datastore": {
    path: "Microsoft.MachineLearningServices/workspaces/{workspaceName}/datastores",
    nameInput: "name",
  },
  "azure-native:machinelearningservices:DataVersion": {
    path: "Microsoft.MachineLearningServices/workspaces/{workspaceName}/data/{name}/versions",
    nameInput: "version",
  },
  "azure-native:machinelearningservices:ModelVersion": {
    path: "Microsoft.MachineLearningServices/workspaces/{workspaceName}/models/{name}/versions",
    nameInput: "version",
  },
  "azure-native:monitor:ActionGroup": { path: "Microsoft.Insights/actionGroups", nameInput: "actionGroupName" },
  "azure-native:monitor:ScheduledQueryRule": { path: "Microsoft.Insights/scheduledQueryRules", nameInput: "ruleName" },
};

/** When the plan pretends `@pulumiverse/time`'s Static was created: the real one records the first `up`'s time. */
export const MOCK_CREATED_AT = "2026-01-15T09:30:00Z";

/** Entra ID objects (azuread): ids as the provider reports them, with client and object ids. */
const ENTRA_ID: Record<string, (name: string, inputs: Record<string, any>) => { id: string; state: Record<string, unknown> }> = {
  "azuread:index/application:Application": (name, inputs) => {
    const objectId = deterministicGuid("application", name);
    return { id: `/applications/${objectId}`, state: { ...inputs, objectId, clientId: deterministicGuid("app-client", name) } };
  },
  "azuread:index/servicePrincipal:ServicePrincipal": (name, inputs) => {
    const objectId = deterministicGuid("service-principal", name);
    return { id: `/servicePrincipals/${objectId}`, state: { ...inputs, objectId, applicationTenantId: MOCK_TENANT_ID } };
  },
  "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential": (name, inputs) => ({
    id: `${inputs.applicationId}/federatedIdentityCredential/${deterministicGuid("credential", name)}`,
    state: inputs,
  }),
};

/** The ARM id Azure would give this resource. */
function armId(type: string, name: string, inputs: Record<string, any>): string | undefined {
  const group = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${inputs.resourceGroupName}`;
  if (type === "azure-native:storage:Blob") {
    return `https://${inputs.accountName}.blob.core.windows.net/${inputs.containerName}/${inputs.blobName}`;
  }
  if (type === "azure-native:authorization:RoleDefinition") {
    return `${inputs.scope}/providers/Microsoft.Authorization/roleDefinitions/${inputs.roleDefinitionId}`;
  }
  if (type === "azure-native:monitor:DiagnosticSetting") {
    return `${inputs.resourceUri}/providers/Microsoft.Insights/diagnosticSettings/${inputs.name}`;
  }
  if (type === "azure-native:authorization:RoleAssignment") {
    return `${inputs.scope}/providers/Microsoft.Authorization/roleAssignments/${inputs.roleAssignmentName}`;
  }
  if (type === "azure-native:consumption:Budget") return `${inputs.scope}/providers/Microsoft.Consumption/budgets/${inputs.budgetName}`;
  const shape = ARM_SHAPES[type];
  if (!shape) return undefined;
  const resourceName = inputs[shape.nameInput] ?? name;
  if (shape.path === "") return `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${resourceName}`;
  const path = shape.path.replace(/\{(\w+)\}/g, (_, key: string) => String(inputs[key]));
  return `${group}/providers/${path}/${resourceName}`;
}

/** A short, stable stand-in for random values: the same logical name always gives the same string. */
function stableRandom(seed: string, length: number): string {
  const digest = createHash("sha256").update(seed).digest();
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(digest.subarray(0, length), (byte) => alphabet[byte % alphabet.length]).join("");
}

/**
 * Pulumi mocks that answer like Azure would, deterministically: ARM ids built from the inputs, the physical name as
 * `name`, identities with principal and client ids, and the client config of a fixed subscription and tenant.
 */
export const azureMocks: pulumi.runtime.Mocks = {
  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    const inputs = args.inputs as Record<string, any>;
    if (args.type === "random:index/randomString:RandomString") {
      return { id: args.name, state: { ...inputs, result: stableRandom(args.name, Number(inputs.length ?? 6)) } };
    }
    if (!args.custom) return { id: undefined, state: inputs };
    if (args.type === "time:index/static:Static") {
      return { id: args.name, state: { ...inputs, rfc3339: inputs.rfc3339 ?? MOCK_CREATED_AT } };
    }
    const entra = ENTRA_ID[args.type];
    if (entra) return entra(args.name, inputs);
    if (args.type === "pulumi-nodejs:dynamic/phi3-foundry:PromptFlow") {
      // The flow service's answer: a flow id and its studio page (FlowDto flowId, studioPortalEndpoint).
      const flowId = deterministicGuid("flow", args.name);
      const workspaceId = deterministicGuid("workspace", String(inputs.workspaceName));
      const wsid = `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourcegroups/${inputs.resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/${inputs.workspaceName}`;
      const portalUrl = `https://ml.azure.com/prompts/flow/${workspaceId}/${flowId}/details?wsid=${wsid}`;
      return { id: flowId, state: { ...inputs, flowId, portalUrl, folder: `Users/<alias>/promptflow/${inputs.sourceName}-<time>` } };
    }
    if (args.type.startsWith("pulumi-nodejs:dynamic/")) {
      // The job and its completion gate: in the plan, the job exists and has completed.
      const studioUrl = `https://ml.azure.com/runs/${inputs.jobName}`;
      return { id: String(inputs.jobName ?? `${args.name}-id`), state: { ...inputs, status: "Completed", studioUrl } };
    }
    const id = armId(args.type, args.name, inputs) ?? `${args.name}-id`;
    const shape = ARM_SHAPES[args.type];
    const physicalName = shape ? inputs[shape.nameInput] : (inputs.roleAssignmentName ?? inputs.blobName ?? inputs.budgetName ?? inputs.name);
    const url = args.type === "azure-native:storage:Blob" ? { url: id } : {};
    const state = { ...inputs, ...(physicalName ? { name: physicalName } : {}), ...url, ...(shape?.computed?.(inputs, id) ?? {}) };
    return { id, state };
  },

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    switch (args.token) {
      case "azure-native:authorization:getClientConfig":
        return {
          subscriptionId: MOCK_SUBSCRIPTION_ID,
          tenantId: MOCK_TENANT_ID,
          clientId: deterministicGuid("mock-client"),
          objectId: deterministicGuid("mock-user"),
        };
      case "azure-native:machinelearningservices:listOnlineEndpointKeys":
        return { primaryKey: `primary-key-of-${args.inputs.endpointName}`, secondaryKey: `secondary-key-of-${args.inputs.endpointName}` };
      case "azure-native:cognitiveservices:listAccountKeys":
        return { key1: `key1-of-${args.inputs.accountName}`, key2: `key2-of-${args.inputs.accountName}` };
      case "azure-native:resources:getResourceGroup": {
        const name = String(args.inputs.resourceGroupName);
        return { id: `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/${name}`, name, location: "eastus2" };
      }
      default:
        throw new Error(`the offline plan has no stand-in for ${args.token}`);
    }
  },
};
