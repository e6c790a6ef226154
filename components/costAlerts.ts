import * as pulumi from "@pulumi/pulumi";
import * as consumption from "@pulumi/azure-native/consumption";
import * as monitor from "@pulumi/azure-native/monitor";
import * as time from "@pulumiverse/time";
import type { AzureNamer } from "../domain/naming";
import { EMAIL, IDLE_ALERT_HOURS } from "../domain/settingValues";
import { ENDPOINT_TRAFFIC_TABLE } from "./diagnostics";
import type { WorkspaceHandle } from "./mlWorkspace";
import type { EndpointHandle } from "./onlineEndpoint";

/**
 * The budget's notifications: 50, 80 and 100% of actual cost and 100% of forecast cost. Keys as in the REST spec's
 * example; `GreaterThan` is the operator the spec recommends (Microsoft.Consumption 2024-08-01, Notification.operator).
 */
export const BUDGET_NOTIFICATIONS = [
  { key: "Actual_GreaterThan_50_Percent", thresholdType: consumption.ThresholdType.Actual, threshold: 50 },
  { key: "Actual_GreaterThan_80_Percent", thresholdType: consumption.ThresholdType.Actual, threshold: 80 },
  { key: "Actual_GreaterThan_100_Percent", thresholdType: consumption.ThresholdType.Actual, threshold: 100 },
  { key: "Forecasted_GreaterThan_100_Percent", thresholdType: consumption.ThresholdType.Forecasted, threshold: 100 },
] as const;

/**
 * The idle alarm's signal: the endpoint's traffic log, one row per request, in the resource-specific table the endpoint's
 * diagnostic setting fills ({@link ENDPOINT_TRAFFIC_TABLE}). A metric alert cannot watch for absence: it evaluates
 * only the points that exist, and a deployment that serves nothing may emit none. A log search alert runs its query
 * every time, and `summarize` with no `by` returns exactly one row even over no records, with `count()` 0 (Kusto
 * docs, "summarize operator": "If GroupExpression isn't provided, the output is a single (empty) row"; count's default
 * is 0). So the rule has a number to compare, 0, exactly when nothing called the deployment.
 */
export const IDLE_QUERY_COLUMN = "Requests";

/**
 * The log query: the deployment's requests in the window, counted. The alert service applies the time range itself
 * (windowSize; no `ago()` needed). Filtered by the documented string columns `EndpointName` and `DeploymentName`
 * (Azure Monitor table reference, AmlOnlineEndpointTrafficLog); endpoint names are unique in a region. The count is
 * named, so the rule does not rely on Kusto's derived name (`count_`).
 */
export function idleQuery(endpointName: string, deploymentName: string): string {
  // JSON's string escapes are Kusto's for a double-quoted string literal.
  return [
    ENDPOINT_TRAFFIC_TABLE,
    `| where EndpointName == ${JSON.stringify(endpointName)} and DeploymentName == ${JSON.stringify(deploymentName)}`,
    `| summarize ${IDLE_QUERY_COLUMN} = count()`,
  ].join("\n");
}

/** How often the idle alarm looks back over its window: one of the allowed frequencies, at most the shortest window. */
export const IDLE_EVALUATION_FREQUENCY = "PT1H";

/** An action group's short name: at most 12 characters (REST spec 2024-10-01-preview, ActionGroup.groupShortName). */
export const SHORT_NAME_MAX = 12;

/** The online deployment the idle alarm watches. */
export interface IdleAlarmArgs {
  /**
   * The online endpoint: its name and its deployment's, as its traffic log's `EndpointName` and `DeploymentName` hold
   * them; the rule waits for the deployment. An endpoint without a deployment (serving parked: nothing bills) gets no
   * alarm.
   */
  readonly endpoint: Pick<EndpointHandle, "endpointName" | "deploymentName">;
  /** The rule's region (log search alert rules are regional): the workspace's. */
  readonly location: pulumi.Input<string>;
  /** Hours without a request before the alarm fires: one of {@link IDLE_ALERT_HOURS}. */
  readonly hours: number;
  /** The deployment's VM size, named in the alert so the reader knows what is billing. */
  readonly vmSize?: string;
  /** How to park the deployment (no GPU, nothing else lost), as the stack does it: the alert ends with it. */
  readonly parkCommand: string;
}

export interface CostAlertsArgs {
  /**
   * The Azure ML workspace: its resource group is the budget's scope, so that the budget counts everything the stack
   * bills, and holds the action group and the alert rule; its Log Analytics workspace, which the endpoint's diagnostic
   * setting sends the traffic log to in resource-specific tables, is the idle alarm's scope.
   */
  readonly workspace: Pick<WorkspaceHandle, "resourceGroupName" | "resourceGroupId" | "logAnalyticsWorkspaceId">;
  /** Builds the Azure names of the budget, the action group and the alert rule. */
  readonly namer: AzureNamer;
  /** The action group's short name (in its emails and SMS): 1 to 12 characters, e.g. the stack's name prefix. */
  readonly shortName: string;
  /** Monthly budget, in the billing account's currency (USD for most subscriptions): greater than 0. */
  readonly monthlyBudget: number;
  /** Who is told: at least one email address. */
  readonly emails: readonly string[];
  /** The deployment to watch; undefined creates no idle alarm. */
  readonly idleAlarm?: IdleAlarmArgs;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Checks the args before anything is created; throws naming the argument. */
export function validateCostAlertsArgs(args: Pick<CostAlertsArgs, "shortName" | "monthlyBudget" | "emails" | "idleAlarm">): void {
  if (!Number.isFinite(args.monthlyBudget) || args.monthlyBudget <= 0) {
    throw new Error(`CostAlerts: monthlyBudget is ${args.monthlyBudget}; it must be a number greater than 0`);
  }
  if (args.emails.length === 0) throw new Error("CostAlerts: emails is empty; give at least one address to notify");
  const bad = args.emails.find((email) => !EMAIL.test(email));
  if (bad !== undefined) throw new Error(`CostAlerts: emails holds '${bad}', which is not an email address`);
  if (args.shortName.length < 1 || args.shortName.length > SHORT_NAME_MAX) {
    throw new Error(`CostAlerts: shortName '${args.shortName}' must be 1 to ${SHORT_NAME_MAX} characters`);
  }
  const hours = args.idleAlarm?.hours;
  if (hours !== undefined && !(IDLE_ALERT_HOURS as readonly number[]).includes(hours)) {
    throw new Error(`CostAlerts: idleAlarm.hours is ${hours}; log search alert window sizes allow ${IDLE_ALERT_HOURS.join(", ")}`);
  }
}

/** ISO 8601 window of `hours` hours, as the Azure Monitor docs write the allowed sizes (PT1H ... PT6H, P1D, P2D). */
export function windowSize(hours: number): string {
  return hours % 24 === 0 ? `P${hours / 24}D` : `PT${hours}H`;
}

/**
 * The first of the month of `timestamp` (RFC 3339), midnight UTC: a budget's start date must be the first of a month,
 * and a past one must lie in the current time grain (REST spec 2024-08-01, BudgetProperties.timePeriod).
 */
export function firstOfMonth(timestamp: string): string {
  const at = /^\d{4}-\d{2}-\d{2}T/.test(timestamp) ? new Date(timestamp) : new Date(NaN);
  if (Number.isNaN(at.getTime())) throw new Error(`CostAlerts: '${timestamp}' is not an RFC 3339 timestamp`);
  return `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, "0")}-01T00:00:00Z`;
}

/** What the idle alert says: what bills, for how long it has been idle, and the command that parks it. */
export function idleAlertDescription(hours: number, parkCommand: string, vmSize?: string): string {
  const what = vmSize ? `The ${vmSize} online deployment` : "The online deployment";
  return (
    `${what} has served no requests for ${hours} hour${hours === 1 ? "" : "s"} and still bills for every instance-hour. ` +
    `Park it (the endpoint, model and data stay): ${parkCommand}`
  );
}

/**
 * What keeps cost visible and stoppable: a monthly budget on the resource group (mail at 50, 80 and 100% of actual
 * cost and at 100% of forecast), an action group that mails the given addresses, and, while a GPU deployment exists,
 * a log search alert that fires when its traffic log shows no request for a number of hours and says how to park it.
 */
export class CostAlerts extends pulumi.ComponentResource {
  public readonly budgetName: pulumi.Output<string>;
  public readonly actionGroupId: pulumi.Output<string>;
  /** The idle alert rule, when there is a deployment to watch. */
  public readonly idleAlertName?: pulumi.Output<string>;

  constructor(name: string, args: CostAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    validateCostAlertsArgs(args);
    super("phi3-foundry:cost:CostAlerts", name, {}, opts);

    // Azure Monitor's action group (azure-native monitor.ActionGroup: REST 2024-10-01-preview, Microsoft.Insights/actionGroups).
    const actionGroup = new monitor.ActionGroup(
      `${name}-action-group`,
      {
        resourceGroupName: args.workspace.resourceGroupName,
        actionGroupName: args.namer("actionGroup"),
        location: "Global", // action groups are global (the spec's createOrUpdateActionGroup example)
        groupShortName: args.shortName,
        enabled: true,
        // Budgets notify action groups only with the common alert schema off (Cost Management docs, tutorial-acm-create-budgets).
        emailReceivers: args.emails.map((emailAddress, i) => ({ name: `email-${i + 1}`, emailAddress, useCommonAlertSchema: false })),
        tags: args.tags,
      },
      { parent: this },
    );
    this.actionGroupId = actionGroup.id;

    this.budgetName = this.budget(name, args, actionGroup.id);
    const deploymentName = args.idleAlarm?.endpoint.deploymentName;
    if (args.idleAlarm && deploymentName) this.idleAlertName = this.idleAlert(name, args, args.idleAlarm, deploymentName, actionGroup.id);

    this.registerOutputs({ budgetName: this.budgetName, actionGroupId: this.actionGroupId, idleAlertName: this.idleAlertName });
  }

  /** The monthly budget on the resource group, notifying the action group; returns its name. */
  private budget(name: string, args: CostAlertsArgs, actionGroupId: pulumi.Output<string>): pulumi.Output<string> {
    const budgetName = args.namer("budget");
    // The month the budget is first created, kept in state: re-runs send the same start date, and the plan does not
    // change with the calendar. A new scope or name (a new budget) takes a new month.
    const scope = args.workspace.resourceGroupId;
    const created = new time.Static(`${name}-budget-start`, { triggers: { scope, budgetName } }, { parent: this });

    // Cost Management's budget (azure-native consumption.Budget: REST 2024-08-01, Microsoft.Consumption/budgets).
    const budget = new consumption.Budget(
      `${name}-budget`,
      {
        scope,
        budgetName,
        category: consumption.CategoryType.Cost,
        amount: args.monthlyBudget,
        timeGrain: consumption.TimeGrainType.Monthly,
        timePeriod: { startDate: created.rfc3339.apply(firstOfMonth) }, // no end date: Azure makes it 10 years on
        // At resource group scope a contact group alone suffices (Notification.contactEmails may be empty): one list of
        // recipients, the action group's.
        notifications: Object.fromEntries(
          BUDGET_NOTIFICATIONS.map((n) => [
            n.key,
            {
              enabled: true,
              operator: consumption.OperatorType.GreaterThan,
              threshold: n.threshold,
              thresholdType: n.thresholdType,
              contactEmails: [],
              contactGroups: [actionGroupId],
            },
          ]),
        ),
        // Budgets take no tags (Microsoft.Consumption/budgets "Supports tags: No").
      },
      { parent: this },
    );
    return budget.name;
  }

  /** The log search alert on the deployment's traffic log; returns its name. */
  private idleAlert(
    name: string,
    args: CostAlertsArgs,
    idle: IdleAlarmArgs,
    deploymentName: pulumi.Input<string>,
    actionGroupId: pulumi.Output<string>,
  ): pulumi.Output<string> {
    // Azure Monitor's log search alert (azure-native monitor.ScheduledQueryRule: REST 2025-01-01-preview,
    // Microsoft.Insights/scheduledQueryRules, scheduledQueryRule_API.json).
    const alert = new monitor.ScheduledQueryRule(
      `${name}-idle-alert`,
      {
        resourceGroupName: args.workspace.resourceGroupName,
        ruleName: args.namer("logAlert"),
        location: idle.location,
        kind: monitor.Kind.LogAlert,
        description: idleAlertDescription(idle.hours, idle.parkCommand, idle.vmSize),
        severity: 2, // warning: money, not an outage
        enabled: true,
        scopes: [args.workspace.logAnalyticsWorkspaceId],
        evaluationFrequency: IDLE_EVALUATION_FREQUENCY,
        windowSize: windowSize(idle.hours),
        criteria: {
          allOf: [
            {
              criterionType: monitor.CriterionType.StaticThresholdCriterion,
              query: pulumi.all([idle.endpoint.endpointName, deploymentName]).apply(([endpoint, deployment]) => idleQuery(endpoint, deployment)),
              // The count's value, added up over the one row: 0 when idle. `Count` without a measure column would count
              // rows, and `summarize` always returns one (alerts-log-query.md: the service counts the query's rows).
              metricMeasureColumn: IDLE_QUERY_COLUMN,
              timeAggregation: monitor.TimeAggregation.Total,
              // The spec's Condition.operator enum; azure-native's ConditionOperator enum is another resource's ("lte").
              operator: "LessThanOrEqual",
              threshold: 0,
              // One number for the whole deployment: no splitting, one evaluation period of one window.
              dimensions: [],
              failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
            },
          ],
        },
        autoMitigate: true, // resolves itself when requests come back
        actions: { actionGroups: [actionGroupId] },
        tags: args.tags,
      },
      { parent: this },
    );
    return alert.name;
  }
}
