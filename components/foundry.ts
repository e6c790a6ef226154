import * as pulumi from "@pulumi/pulumi";
import * as cognitiveservices from "@pulumi/azure-native/cognitiveservices";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import * as authorization from "@pulumi/azure-native/authorization";
import { withDefaults } from "../domain/defaults";
import type { AzureNamer } from "../domain/naming";
import type { WorkspaceHandle } from "./mlWorkspace";
import type { EndpointHandle } from "./onlineEndpoint";
import type { BuiltInRole } from "../domain/roles";
import { Grantee, RoleScope } from "./roles";
import { secureKeyVault, secureStorageAccount } from "./secureStores";

/** The connection the chat flow in flows/phi3-chat uses as shipped. */
export const DEFAULT_CONNECTION_NAME = "phi3-endpoint";

/**
 * What the project's managed identity holds on the AI Services account, so that the hub's Entra ID connection works
 * without keys: the data roles Azure's own keyless hub template gives the project (azure-quickstart-templates
 * microsoft.azure-ai-agent-service/basic-agent-identity, ai-service-role-assignments.bicep).
 */
export const PROJECT_AI_SERVICES_ROLES: readonly BuiltInRole[] = ["Cognitive Services User", "Cognitive Services OpenAI User"];

export interface FoundryArgs {
  /** The Azure ML workspace whose resource group the account, hub and project go into. */
  readonly workspace: Pick<WorkspaceHandle, "resourceGroupName">;
  readonly location: pulumi.Input<string>;
  readonly tenantId: pulumi.Input<string>;
  /** Subscription whose built-in role definitions the project's identity is given. */
  readonly subscriptionId: pulumi.Input<string>;
  /** Builds the Azure names of the account, hub, project and the hub's storage and vault. */
  readonly namer: AzureNamer;
  /**
   * The fine-tuned model's endpoint, which the Custom keys connection points Prompt flow at: its scoring URI
   * (`connection.endpoint` in the flow) and its key (`connection.key`, kept secret). Undefined creates no connection
   * (nothing to connect to).
   */
  readonly endpoint?: Pick<EndpointHandle, "scoringUri" | "primaryKey">;
  /** Name of the Custom keys connection; `phi3-endpoint`, the flow's, by default. */
  readonly connectionName?: string;
  readonly keyVaultPurgeProtection?: boolean;
  /**
   * Whether the AI Services account answers on its public endpoint; true by default. Nothing in the chat flow calls
   * it (the flow calls the online endpoint), so a hardened stack turns it off; the portal's playground then needs
   * private access to the account.
   */
  readonly aiServicesPublicNetworkAccess?: boolean;
  /**
   * Whoever runs `pulumi up`, given Storage File Data Privileged Contributor on the hub's storage account: the chat
   * flow's files are written to the project's file share with that identity's token, not with the account key.
   * Undefined assigns nothing.
   */
  readonly deployer?: {
    /** Entra ID object id of the person or app. */
    readonly objectId: pulumi.Input<string>;
    /** Which of the two it is. */
    readonly principalType: "User" | "ServicePrincipal";
  };
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** What Foundry uses when an arg is not set. */
export const FOUNDRY_DEFAULTS = { connectionName: DEFAULT_CONNECTION_NAME, aiServicesPublicNetworkAccess: true } as const satisfies Partial<FoundryArgs>;

/** The parts of Foundry that roles are given on: the AI Services account and the hub's storage account. */
export type FoundryScope = "aiServices" | "hubStorage";

/** The project's Custom keys connection to the model's endpoint. */
export interface EndpointConnection {
  /** Its name as given: the only connection a flow in the project may name. */
  readonly name: string;
  /** The same name as the connection resource outputs it: what waits on it waits for the connection to exist. */
  readonly created: pulumi.Output<string>;
}

/**
 * What other components take of the Foundry project instead of its loose names: where it is, its connection to the
 * endpoint, and what writing its file share needs. {@link Foundry} is one.
 */
export interface ProjectHandle {
  readonly subscriptionId: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly projectName: pulumi.Input<string>;
  /** The Custom keys connection, when there is an endpoint to connect to. */
  readonly endpointConnection?: EndpointConnection;
  /** The deployer's file data role on the hub's storage, when given: a flow's upload needs it in force. */
  readonly flowFileAccess?: pulumi.Resource;
}

/** Checks the args before anything is created; throws naming the argument. */
export function validateFoundryArgs(args: Pick<FoundryArgs, "connectionName">): void {
  const name = args.connectionName;
  if (name !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/.test(name)) {
    throw new Error(`Foundry: connectionName '${name}' must be 3 to 33 letters, digits, '-' or '_', starting with a letter or digit`);
  }
}

/**
 * An Azure AI Foundry hub (its own storage and key vault, connected to an Azure AI Services account, no AI Search) and a
 * project in it, where Prompt flow runs; and the project's Custom keys connection to the fine-tuned model's endpoint.
 * The AI Services account accepts Entra ID only (local auth off) and the hub reaches it by Entra ID.
 * Nothing but the Custom keys connection waits for training or serving.
 */
export class Foundry extends pulumi.ComponentResource implements ProjectHandle {
  /** Subscription of the project, whose built-in role definitions its grants assign. */
  public readonly subscriptionId: pulumi.Input<string>;
  public readonly resourceGroupName: pulumi.Input<string>;
  public readonly aiServicesName: pulumi.Output<string>;
  /** ARM id of the AI Services account. */
  public readonly aiServicesId: pulumi.Output<string>;
  public readonly hubName: pulumi.Output<string>;
  public readonly hubId: pulumi.Output<string>;
  public readonly projectName: pulumi.Output<string>;
  public readonly projectId: pulumi.Output<string>;
  /** The project in the Azure AI Foundry portal. */
  public readonly projectUrl: pulumi.Output<string>;
  /** The Custom keys connection, when there is an endpoint to connect to. */
  public readonly endpointConnection?: EndpointConnection;
  /** The hub's own storage account and key vault. */
  public readonly hubStorageAccountId: pulumi.Output<string>;
  public readonly hubKeyVaultId: pulumi.Output<string>;
  /** The project identity's roles on the AI Services account. */
  public readonly aiServicesRoleAssignments: authorization.RoleAssignment[];
  /** The deployer's file data role on the hub's storage, which the chat flow's upload needs in force. */
  public readonly flowFileAccess?: authorization.RoleAssignment;

  constructor(name: string, args: FoundryArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = withDefaults(FOUNDRY_DEFAULTS, args);
    validateFoundryArgs(settings);
    super("phi3-foundry:integrate:Foundry", name, {}, opts);
    this.subscriptionId = settings.subscriptionId;
    this.resourceGroupName = settings.workspace.resourceGroupName;
    const placement = { resourceGroupName: this.resourceGroupName, location: settings.location, tags: settings.tags };

    // As the aifoundry-basics quickstart (Azure/azure-quickstart-templates) creates it, keyless: a system-assigned
    // identity and disableLocalAuth (2025-06-01 AccountProperties; PSRule Azure.AI.DisableLocalAuth, Checkov CKV_AZURE_236).
    const account = new cognitiveservices.Account(
      `${name}-ai-services`,
      {
        ...placement,
        accountName: settings.namer("aiServices"),
        kind: "AIServices",
        sku: { name: "S0" },
        identity: { type: cognitiveservices.ResourceIdentityType.SystemAssigned },
        properties: {
          customSubDomainName: settings.namer("aiServices"),
          disableLocalAuth: true,
          publicNetworkAccess: settings.aiServicesPublicNetworkAccess ? "Enabled" : "Disabled",
        },
      },
      { parent: this },
    );

    this.aiServicesId = account.id;

    const storage = secureStorageAccount(`${name}-storage`, { ...placement, accountName: settings.namer("hubStorageAccount") }, { parent: this });
    this.hubStorageAccountId = storage.id;
    const vault = secureKeyVault(
      `${name}-keyvault`,
      { ...placement, vaultName: settings.namer("hubKeyVault"), tenantId: settings.tenantId, purgeProtection: settings.keyVaultPurgeProtection },
      { parent: this },
    );

    // Hub and project: workspaces of kind Hub and Project, as the AVM workspace module's ai-hub and ai-project tests.
    const workspace = (suffix: string, kind: "Hub" | "Project", workspaceName: pulumi.Output<string>, extra: Partial<machinelearningservices.WorkspaceArgs>) =>
      new machinelearningservices.Workspace(
        `${name}-${suffix}`,
        {
          ...placement,
          workspaceName,
          friendlyName: workspaceName,
          kind,
          sku: { name: "Basic", tier: machinelearningservices.SkuTier.Basic },
          identity: { type: machinelearningservices.ManagedServiceIdentityType.SystemAssigned },
          publicNetworkAccess: machinelearningservices.PublicNetworkAccessType.Enabled,
          ...extra,
        },
        { parent: this },
      );
    const hub = workspace("hub", "Hub", settings.namer("hub"), { storageAccount: storage.id, keyVault: vault.id });

    // The hub's connection to AI Services by Entra ID: no credentials stored. authType AAD is the REST spec's
    // AADAuthTypeWorkspaceConnectionProperties (2025-12-01, "AAD auth for any applicable Azure service"), shaped as
    // Azure's keyless hub template (basic-agent-identity, basic-ai-hub-identity.bicep: metadata ApiType, ResourceId, Location).
    new machinelearningservices.WorkspaceConnection(
      `${name}-ai-services-connection`,
      {
        resourceGroupName: this.resourceGroupName,
        workspaceName: hub.name,
        connectionName: "aiservices",
        properties: {
          authType: "AAD",
          category: "AIServices",
          target: account.properties.apply((p) => p.endpoint ?? ""),
          isSharedToAll: true,
          metadata: { ApiType: "Azure", ResourceId: account.id, Location: settings.location },
        },
      },
      { parent: this },
    );

    const project = workspace("project", "Project", settings.namer("project"), { hubResourceId: hub.id });
    const projectPrincipal = project.identity.apply((identity) => identity?.principalId ?? "");
    this.aiServicesRoleAssignments = PROJECT_AI_SERVICES_ROLES.map((role) =>
      this.grant({ name: `${name}-project-${role.toLowerCase().replace(/[^a-z]+/g, "-")}`, principalId: projectPrincipal, parent: this }, role, "aiServices"),
    );

    if (settings.deployer) {
      // Azure Files takes a token over REST only with the backup intent, which needs the fileServices
      // read/writeFileBackupSemantics data actions: this role's (authorize-oauth-rest, "Privileged access").
      this.flowFileAccess = this.grant(
        { name: `${name}-deployer-file-data`, principalId: settings.deployer.objectId, principalType: settings.deployer.principalType, parent: this },
        "Storage File Data Privileged Contributor",
        "hubStorage",
      );
    }

    if (settings.endpoint) {
      // Prompt flow turns a Custom keys connection into a CustomConnection: metadata become its configs
      // (connection.endpoint), credentials.keys its secrets (connection.key) (promptflow workspace connection provider).
      const connection = new machinelearningservices.WorkspaceConnection(
        `${name}-endpoint-connection`,
        {
          resourceGroupName: this.resourceGroupName,
          workspaceName: project.name,
          connectionName: settings.connectionName,
          properties: {
            authType: "CustomKeys",
            category: "CustomKeys",
            target: settings.endpoint.scoringUri,
            isSharedToAll: true,
            credentials: { keys: { key: pulumi.secret(settings.endpoint.primaryKey) } },
            metadata: { endpoint: settings.endpoint.scoringUri },
          },
        },
        // A preview never lists the endpoint's key (OnlineEndpoint): there the connection keeps the credentials in
        // its state, so that it shows no change (ignoreChanges takes the state's value, pulumi.com/docs, "Resource
        // option: ignoreChanges"). An update has the key and sends it when it differs.
        { parent: this, additionalSecretOutputs: ["properties"], ignoreChanges: pulumi.runtime.isDryRun() ? ["properties.credentials"] : [] },
      );
      this.endpointConnection = { name: settings.connectionName, created: connection.name };
    }

    this.aiServicesName = account.name;
    this.hubKeyVaultId = vault.id;
    this.hubName = hub.name;
    this.hubId = hub.id;
    this.projectName = project.name;
    this.projectId = project.id;
    this.projectUrl = pulumi.interpolate`https://ai.azure.com/build/overview?wsid=${project.id}&tid=${settings.tenantId}`;

    this.registerOutputs({
      aiServicesName: this.aiServicesName,
      aiServicesId: this.aiServicesId,
      hubStorageAccountId: this.hubStorageAccountId,
      hubKeyVaultId: this.hubKeyVaultId,
      hubName: this.hubName,
      hubId: this.hubId,
      projectName: this.projectName,
      projectId: this.projectId,
      projectUrl: this.projectUrl,
      connectionName: this.endpointConnection?.created,
    });
  }

  /** One of Foundry's parts as a role scope. */
  scope(on: FoundryScope): RoleScope {
    return new RoleScope(on === "aiServices" ? this.aiServicesId : this.hubStorageAccountId, this.subscriptionId);
  }

  /** Gives `grantee` a built-in role on the AI Services account or the hub's storage; the assignment is the grantee's child. */
  grant(grantee: Grantee, role: BuiltInRole, on: FoundryScope): authorization.RoleAssignment {
    return this.scope(on).grant(grantee, role);
  }
}
