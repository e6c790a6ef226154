import type * as pulumi from "@pulumi/pulumi";

/**
 * Azure's naming rules for each kind of resource the stack names, and the one function that builds a
 * valid name from the stack's prefix, the stack name and the stack's random suffix.
 *
 * Rules: https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules. The ML workspace
 * pattern is the ARM spec's (`^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$`). Compute names are held to the strictest of Azure's
 * texts: 2-16 characters (resource-name-rules), starting with a letter and no hyphen before a last run of digits
 * (how-to-create-attach-compute-cluster), so we use letters and digits only.
 * Abbreviations: https://learn.microsoft.com/azure/cloud-adoption-framework/ready/azure-best-practices/resource-abbreviations
 */
export interface NameRule {
  /** Cloud Adoption Framework abbreviation that starts the name. */
  readonly abbreviation: string;
  readonly minLength: number;
  readonly maxLength: number;
  /** Joins the name's parts; "" where Azure allows no separator. */
  readonly separator: "-" | "";
  /** The whole name must match this. */
  readonly pattern: RegExp;
  /** Where Azure keeps a deleted resource's name (soft delete) or requires global uniqueness. */
  readonly why?: string;
}

export const nameRules = {
  resourceGroup: { abbreviation: "rg", minLength: 1, maxLength: 90, separator: "-", pattern: /^[-\w.()]*[-\w()]$/ },
  storageAccount: {
    abbreviation: "st", minLength: 3, maxLength: 24, separator: "", pattern: /^[a-z0-9]+$/,
    why: "globally unique DNS name",
  },
  keyVault: {
    abbreviation: "kv", minLength: 3, maxLength: 24, separator: "-", pattern: /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]$/,
    why: "globally unique; soft-deleted vaults keep their name",
  },
  containerRegistry: {
    abbreviation: "cr", minLength: 5, maxLength: 50, separator: "", pattern: /^[a-z0-9]+$/,
    why: "globally unique DNS name",
  },
  logAnalyticsWorkspace: {
    abbreviation: "log", minLength: 4, maxLength: 63, separator: "-", pattern: /^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$/,
  },
  applicationInsights: { abbreviation: "appi", minLength: 1, maxLength: 260, separator: "-", pattern: /^[^%&\\?/]*[^%&\\?/. ]$/ },
  mlWorkspace: {
    abbreviation: "mlw", minLength: 3, maxLength: 33, separator: "-", pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/,
    why: "soft-deleted workspaces keep their name",
  },
  managedIdentity: { abbreviation: "id", minLength: 3, maxLength: 128, separator: "-", pattern: /^[a-zA-Z0-9][\w-]*$/ },
  computeCluster: {
    abbreviation: "gpu", minLength: 3, maxLength: 16, separator: "", pattern: /^[a-z][a-z0-9]+$/,
    why: "unique among the region's computes",
  },
  // "must start with an upper- or lowercase letter and only consist of '-'s and alphanumeric characters", unique in
  // the region (how-to-deploy-online-endpoints); 3 to 32 characters (how-to-manage-quotas, endpoint limits).
  onlineEndpoint: {
    abbreviation: "ep", minLength: 3, maxLength: 32, separator: "-", pattern: /^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$/,
    why: "unique in the region",
  },
  // Foundry: the hub's own storage and vault, the AI Services account, the hub and project workspaces.
  hubStorageAccount: {
    abbreviation: "sthub", minLength: 3, maxLength: 24, separator: "", pattern: /^[a-z0-9]+$/, why: "globally unique DNS name",
  },
  hubKeyVault: {
    abbreviation: "kvhub", minLength: 3, maxLength: 24, separator: "-", pattern: /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]$/,
    why: "globally unique; soft-deleted vaults keep their name",
  },
  aiServices: {
    abbreviation: "ais", minLength: 2, maxLength: 64, separator: "-", pattern: /^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$/,
    why: "deleted accounts keep their name for 48 hours",
  },
  hub: {
    abbreviation: "hub", minLength: 3, maxLength: 33, separator: "-", pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/,
    why: "soft-deleted workspaces keep their name",
  },
  project: {
    abbreviation: "proj", minLength: 3, maxLength: 33, separator: "-", pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/,
    why: "soft-deleted workspaces keep their name",
  },
  // Cost alerts. Budgets: 1-63 letters, digits, '-' and '_' (resource-name-rules, Microsoft.Consumption). Action
  // groups and log search alert rules: 1-260 characters without `:<>+/&%\?` (actionGroups) or `*<>%{}&:\?/#`
  // (scheduledQueryRules) or control characters, not ending in space or period (Microsoft.Insights); ours are letters,
  // digits, '-'.
  budget: { abbreviation: "budget", minLength: 1, maxLength: 63, separator: "-", pattern: /^[a-zA-Z0-9_-]+$/ },
  actionGroup: { abbreviation: "ag", minLength: 1, maxLength: 260, separator: "-", pattern: /^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$/ },
  logAlert: { abbreviation: "alert", minLength: 1, maxLength: 260, separator: "-", pattern: /^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$/ },
} satisfies Record<string, NameRule>;

export type ResourceKind = keyof typeof nameRules;

/** The parts every Azure name is built from. */
export interface NameParts {
  /** `namePrefix` from the config: 3 to 12 lowercase letters and digits. */
  readonly prefix: string;
  /** The Pulumi stack name (letters, digits, `-`, `_`, `.`). */
  readonly stack: string;
  /** The stack's random suffix: lowercase letters and digits, kept in state. */
  readonly suffix: string;
}

/** Lowercases `text` and keeps only what the rule allows between separators. */
function sanitize(text: string, separator: NameRule["separator"]): string {
  const lowered = text.toLowerCase();
  if (separator === "") return lowered.replace(/[^a-z0-9]/g, "");
  return lowered.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

/**
 * `<abbreviation><sep><prefix><sep><stack><sep><suffix>`, lowercase. Abbreviation and suffix always stay whole (the
 * suffix is what makes the name unique); the prefix, then the stack name, get the room that is left, shortened or
 * dropped to fit the rule's maximum length.
 */
export function azureName(kind: ResourceKind, parts: NameParts): string {
  const rule: NameRule = nameRules[kind];
  const sep = rule.separator;
  const trim = (text: string) => (sep ? text.replace(/-+$/, "") : text);
  let room = rule.maxLength - rule.abbreviation.length - parts.suffix.length - sep.length;
  const middle: string[] = [];
  for (const part of [parts.prefix, parts.stack]) {
    const piece = trim(sanitize(part, sep).slice(0, Math.max(room - sep.length, 0)));
    if (!piece) continue;
    middle.push(piece);
    room -= piece.length + sep.length;
  }
  const name = [rule.abbreviation, ...middle, sanitize(parts.suffix, sep)].join(sep);
  const problem = nameProblem(kind, name);
  if (problem) throw new Error(`cannot build a ${kind} name from ${JSON.stringify(parts)}: ${problem}`);
  return name;
}

/** Why `name` is not a valid name for `kind`, or undefined when it is. */
export function nameProblem(kind: ResourceKind, name: string): string | undefined {
  const rule: NameRule = nameRules[kind];
  if (name.length < rule.minLength || name.length > rule.maxLength) {
    return `'${name}' has ${name.length} characters; ${kind} names have ${rule.minLength} to ${rule.maxLength}`;
  }
  if (!rule.pattern.test(name)) return `'${name}' does not match ${rule.pattern} (${kind} naming rule)`;
  return undefined;
}

/** Length of the stack's random suffix (lowercase letters and digits). */
export const SUFFIX_LENGTH = 6;

/**
 * Matches the `kind` names this prefix and stack give with any suffix: how the stack recognises its own resources
 * (say, its workspace in Azure's quota usage) before its suffix is known.
 */
export function namePattern(kind: ResourceKind, prefix: string, stack: string): RegExp {
  const placeholder = "0".repeat(SUFFIX_LENGTH);
  const stem = azureName(kind, { prefix, stack, suffix: placeholder }).slice(0, -SUFFIX_LENGTH);
  return new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[a-z0-9]{${SUFFIX_LENGTH}}$`, "i");
}

/** Builds the Azure name of each resource the stack creates from the stack's stable parts. */
export type AzureNamer = (kind: ResourceKind) => pulumi.Output<string>;
