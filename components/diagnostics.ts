import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";
import { withDefaults } from "../domain/defaults";

/**
 * The resource types whose logs the stack sends to Log Analytics, and the logs each sends. Every one of them offers
 * resource-log category groups, so each setting asks for `allLogs` (every category the type has, now and later:
 * Azure Monitor, "Diagnostic settings", Category groups). Where that support is stated:
 * - the Azure Policy built-ins "Enable logging by category group for <type> to Log Analytics", which deploy exactly
 *   this setting (Azure/azure-policy built-in-policies/policyDefinitions/Monitoring/DS_LA_<type>_DINE.json), and
 * - for blob services, Azure Verified Modules' default (avm/res/storage/storage-account/blob-service/main.bicep,
 *   `logCategoriesAndGroups ?? [{ categoryGroup: 'allLogs' }]`).
 * The categories themselves are listed per type in Azure Monitor's "Supported logs for <type>" reference.
 * Platform metrics need no setting: Azure Monitor collects them without one.
 */
export const DIAGNOSTIC_SOURCES = {
  // Policy 90c90eda-bfe7-4c67-bf26-410420ed1047; also the hub and project, which are workspaces of kind Hub and Project.
  "Microsoft.MachineLearningServices/workspaces": { categoryGroup: "allLogs" },
  // Policy 5cfb9e8a-2f13-40bd-a527-c89bc596d299 (AmlOnlineEndpointConsoleLog, EventLog, TrafficLog). Resource-specific
  // tables: the idle alarm reads the traffic log's table ({@link ENDPOINT_TRAFFIC_TABLE}).
  "Microsoft.MachineLearningServices/workspaces/onlineEndpoints": { categoryGroup: "allLogs", destinationType: "Dedicated" },
  // Policy 6b359d8f-f88d-4052-aa7c-32015963ecc1 (PSRule Azure.KeyVault.Logs).
  "Microsoft.KeyVault/vaults": { categoryGroup: "allLogs" },
  // AVM blob-service default (StorageRead, StorageWrite, StorageDelete); the account itself has metrics only.
  "Microsoft.Storage/storageAccounts/blobServices": { categoryGroup: "allLogs" },
  // Azure Monitor, "Supported logs for Microsoft.Storage/storageAccounts/fileServices": StorageRead, StorageWrite,
  // StorageDelete (table StorageFileLogs), which record who wrote what to a file share.
  "Microsoft.Storage/storageAccounts/fileServices": { categoryGroup: "allLogs" },
  // Policy 55d1f543-d1b0-4811-9663-d6d0dbc6326d.
  "Microsoft.CognitiveServices/accounts": { categoryGroup: "allLogs" },
  // Policy 56288eb2-4350-461d-9ece-2bb242269dce (ContainerRegistryLoginEvents, ContainerRegistryRepositoryEvents).
  "Microsoft.ContainerRegistry/registries": { categoryGroup: "allLogs" },
} as const satisfies Record<string, { readonly categoryGroup: "allLogs" | "audit"; readonly destinationType?: "Dedicated" }>;

/**
 * The table the online endpoint's traffic log (category AmlOnlineEndpointTrafficLog) fills in resource-specific mode
 * (Azure Monitor, "Supported logs for Microsoft.MachineLearningServices/workspaces/onlineEndpoints": category and
 * table): one row per scoring request, with `EndpointName` and `DeploymentName` (table reference,
 * AmlOnlineEndpointTrafficLog). Azure Monitor asks for resource-specific mode on new settings ("Specify
 * resource-specific mode for any new diagnostic settings", resource-logs.md, Select the collection mode); without
 * `logAnalyticsDestinationType: Dedicated` a setting defaults to the shared AzureDiagnostics table where a type offers
 * both (REST spec 2021-05-01-preview, DiagnosticSettings.logAnalyticsDestinationType: "Dedicated and null (null is
 * default)").
 */
export const ENDPOINT_TRAFFIC_TABLE = "AmlOnlineEndpointTrafficLog";

export type DiagnosticSourceType = keyof typeof DIAGNOSTIC_SOURCES;

/** One resource whose logs go to the workspace. */
export interface DiagnosticTarget {
  /** Names the setting's Pulumi resource, `<component>-<name>`; unique within the component. */
  readonly name: string;
  /** The resource's ARM type, which decides the logs it sends. */
  readonly type: DiagnosticSourceType;
  /** ARM id of the resource; for blobs and files, the storage account's service ({@link blobServiceId}, {@link fileServiceId}). */
  readonly resourceUri: pulumi.Input<string>;
}

export interface DiagnosticsArgs {
  /** ARM id of the Log Analytics workspace that receives every resource's logs. */
  readonly logAnalyticsWorkspaceId: pulumi.Input<string>;
  /** The resources to send logs for. */
  readonly targets: readonly DiagnosticTarget[];
  /** The diagnostic setting's name on each resource (a resource may have five); `phi3-foundry` by default. */
  readonly settingName?: string;
}

/** The blob service of a storage account, where blob reads, writes and deletes are logged. */
export function blobServiceId(storageAccountId: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.interpolate`${storageAccountId}/blobServices/default`;
}

/** The file service of a storage account, where file share reads, writes and deletes are logged. */
export function fileServiceId(storageAccountId: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.interpolate`${storageAccountId}/fileServices/default`;
}

/** What the settings use when an arg is not set. */
export const DIAGNOSTICS_DEFAULTS = { settingName: "phi3-foundry" } as const satisfies Partial<DiagnosticsArgs>;

/** Checks the args before anything is created; throws naming the argument. */
export function validateDiagnosticsArgs(args: Pick<DiagnosticsArgs, "targets" | "settingName">): void {
  const seen = new Set<string>();
  for (const target of args.targets) {
    if (!/^[a-z][a-z0-9-]*$/.test(target.name)) throw new Error(`Diagnostics: target name '${target.name}' must be lowercase letters, digits and '-'`);
    if (seen.has(target.name)) throw new Error(`Diagnostics: target name '${target.name}' is used twice; each target needs its own`);
    if (!(target.type in DIAGNOSTIC_SOURCES)) throw new Error(`Diagnostics: target '${target.name}' has type '${target.type}', which has no log settings here`);
    seen.add(target.name);
  }
  if (args.settingName !== undefined && !/^[A-Za-z0-9][\w.-]{0,259}$/.test(args.settingName)) {
    throw new Error(`Diagnostics: settingName '${args.settingName}' must be letters, digits, '-', '_' or '.'`);
  }
}

/**
 * Diagnostic settings that send each target's resource logs to the stack's Log Analytics workspace (Azure Monitor
 * diagnostic settings, API 2021-05-01-preview as azure-native pins it). Each setting waits only for its resource and
 * the workspace, and goes before its resource on destroy, as Azure Monitor asks.
 */
export class Diagnostics extends pulumi.ComponentResource {
  /** The settings by target name. */
  public readonly settingIds: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: DiagnosticsArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = withDefaults(DIAGNOSTICS_DEFAULTS, args);
    validateDiagnosticsArgs(settings);
    super("phi3-foundry:observe:Diagnostics", name, {}, opts);

    this.settingIds = {};
    for (const target of settings.targets) {
      const source: { categoryGroup: string; destinationType?: string } = DIAGNOSTIC_SOURCES[target.type];
      const setting = new monitor.DiagnosticSetting(
        `${name}-${target.name}`,
        {
          name: settings.settingName,
          resourceUri: target.resourceUri,
          workspaceId: settings.logAnalyticsWorkspaceId,
          logs: [{ categoryGroup: source.categoryGroup, enabled: true }],
          ...(source.destinationType ? { logAnalyticsDestinationType: source.destinationType } : {}),
        },
        { parent: this },
      );
      this.settingIds[target.name] = setting.id;
    }

    this.registerOutputs({ settingIds: this.settingIds });
  }
}
