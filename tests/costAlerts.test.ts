import * as pulumi from "@pulumi/pulumi";
import {
  CostAlerts,
  CostAlertsArgs,
  firstOfMonth,
  idleAlertDescription,
  validateCostAlertsArgs,
  windowSize,
} from "../components/costAlerts";
import { parseStackConfig } from "../infra/config";
import type { ResourceKind } from "../domain/naming";
import { MOCK_SUBSCRIPTION_ID } from "../scripts/plan/mockAzure";
import type { MockRun } from "../scripts/plan/mockRuntime";
import { buildPlan } from "../scripts/plan/plan";
import { input, ofType, runProgram, single } from "./helpers";
import { devRaw, problemsOf } from "./support/stackConfig";
import { DEV_WITH_ADDITIONS, sharedPlan } from "./support/sharedPlans";

const BUDGET = "azure-native:consumption:Budget";
const ACTION_GROUP = "azure-native:monitor:ActionGroup";
const LOG_ALERT = "azure-native:monitor:ScheduledQueryRule";
const STATIC = "time:index/static:Static";
const DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment";
const DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting";
const LOGS = "azure-native:operationalinsights:Workspace";
const COST_TYPES = [BUDGET, ACTION_GROUP, LOG_ALERT, STATIC, "phi3-foundry:cost:CostAlerts"];

const RG_ID = "/subscriptions/s/resourceGroups/rg-phi";
const LOGS_ID = `${RG_ID}/providers/Microsoft.OperationalInsights/workspaces/log-phi`;
const IDLE = { endpoint: { endpointName: "ep-phi", deploymentName: "phi3" }, location: "eastus2", parkCommand: "park-it" };
const args: CostAlertsArgs = {
  workspace: { resourceGroupName: "rg-phi", resourceGroupId: RG_ID, logAnalyticsWorkspaceId: LOGS_ID },
  namer: (kind: ResourceKind) => pulumi.output(`${kind}-phi`),
  shortName: "finetunephi",
  monthlyBudget: 200,
  emails: ["ops@contoso.com", "finance@contoso.com"],
  idleAlarm: { ...IDLE, hours: 6, vmSize: "Standard_NC24ads_A100_v4" },
  tags: { project: "phi3-foundry" },
};

describe("CostAlerts", () => {
  // One run of the component with every part, shared: the tests only read it.
  let run: MockRun;
  beforeAll(async () => {
    run = await runProgram(() => new CostAlerts("cost", args));
  });

  it("budgets the resource group by the month, in cost, with the amount given", () => {
    const budget = single(run.resources, BUDGET);
    expect(budget.inputs).toMatchObject({ scope: RG_ID, budgetName: "budget-phi", category: "Cost", amount: 200, timeGrain: "Monthly" });
    expect(budget.inputs.tags).toBeUndefined(); // budgets take no tags
  });

  it("notifies at 50, 80 and 100% of actual cost and at 100% of forecast, through the action group", () => {
    const budget = single(run.resources, BUDGET);
    const group = single(run.resources, ACTION_GROUP);
    const notifications = budget.inputs.notifications as Record<string, Record<string, unknown>>;
    const summary = Object.values(notifications).map((n) => `${n.thresholdType} ${n.operator} ${n.threshold}`);
    expect(summary.sort()).toEqual(["Actual GreaterThan 100", "Actual GreaterThan 50", "Actual GreaterThan 80", "Forecasted GreaterThan 100"]);
    for (const n of Object.values(notifications)) expect(n).toMatchObject({ enabled: true, contactEmails: [], contactGroups: [group.id] });
    expect(budget.dependsOn).toContain(group.urn);
  });

  it("starts the budget on the first of the month it was first created in, as recorded in state", () => {
    const budget = single(run.resources, BUDGET);
    const created = single(run.resources, STATIC);
    expect(input(budget, "timePeriod")).toEqual({ startDate: "2026-01-01T00:00:00Z" });
    expect(budget.dependsOn).toContain(created.urn);
    // A budget with a new scope or name is a new budget: its start moves to the month it is created in.
    expect(created.inputs).toEqual({ triggers: { scope: RG_ID, budgetName: "budget-phi" } });
  });

  it("mails every address from one global action group, without the common alert schema budgets cannot use", () => {
    const group = single(run.resources, ACTION_GROUP);
    expect(group.inputs).toMatchObject({
      resourceGroupName: "rg-phi",
      actionGroupName: "actionGroup-phi",
      location: "Global",
      groupShortName: "finetunephi",
      enabled: true,
      tags: { project: "phi3-foundry" },
    });
    expect(group.inputs.emailReceivers).toEqual([
      { name: "email-1", emailAddress: "ops@contoso.com", useCommonAlertSchema: false },
      { name: "email-2", emailAddress: "finance@contoso.com", useCommonAlertSchema: false },
    ]);
  });

  it("runs a log search over the stack's Log Analytics workspace every hour, looking back over the whole window", () => {
    const alert = single(run.resources, LOG_ALERT);
    const group = single(run.resources, ACTION_GROUP);
    // Microsoft.Insights/scheduledQueryRules 2025-01-01-preview (scheduledQueryRule_API.json), as azure-native 3.28 sends it.
    expect(alert.inputs).toMatchObject({
      resourceGroupName: "rg-phi",
      ruleName: "logAlert-phi",
      location: "eastus2", // log search alert rules are regional
      kind: "LogAlert",
      severity: 2,
      enabled: true,
      scopes: [LOGS_ID],
      evaluationFrequency: "PT1H",
      windowSize: "PT6H",
      autoMitigate: true,
      actions: { actionGroups: [group.id] },
      tags: { project: "phi3-foundry" },
    });
  });

  it("counts the deployment's requests in its traffic log, as one number compared with 0", () => {
    expect(input(single(run.resources, LOG_ALERT), "criteria")).toEqual({
      allOf: [
        {
          criterionType: "StaticThresholdCriterion",
          query: 'AmlOnlineEndpointTrafficLog\n| where EndpointName == "ep-phi" and DeploymentName == "phi3"\n| summarize Requests = count()',
          metricMeasureColumn: "Requests",
          timeAggregation: "Total",
          operator: "LessThanOrEqual",
          threshold: 0,
          dimensions: [],
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
        },
      ],
    });
  });

  it("fires on an idle deployment: the query still returns its one row, holding 0", () => {
    const condition = input(single(run.resources, LOG_ALERT), "criteria.allOf")[0];
    // What the query returns over a window (Kusto's summarize with no `by`: one row even over no records, count() 0),
    // and how the rule reads it: the measure column, aggregated, against the threshold (alerts-create-log-alert-rule.md).
    const rowsOver = (requests: number) => [{ [condition.metricMeasureColumn]: requests }];
    const aggregate: Record<string, (values: number[]) => number> = { Total: (v) => v.reduce((a, b) => a + b, 0), Count: (v) => v.length };
    const fires = (rows: Record<string, number>[]) =>
      condition.operator === "LessThanOrEqual" && aggregate[condition.timeAggregation](rows.map((r) => r[condition.metricMeasureColumn])) <= condition.threshold;
    expect(condition.query).toMatch(/\| summarize Requests = count\(\)$/); // no `by`: no splitting, one row
    expect(fires(rowsOver(0))).toBe(true);
    expect(fires(rowsOver(1))).toBe(false);
    // Counting rows instead (timeAggregation Count, the "Table rows" measure) would see the one row and never fire.
    expect(aggregate.Count(rowsOver(0).map((r) => r[condition.metricMeasureColumn]))).toBe(1);
  });

  it("says in the alert what bills and how to park it", () => {
    const description = String(single(run.resources, LOG_ALERT).inputs.description);
    expect(description).toContain("Standard_NC24ads_A100_v4");
    expect(description).toContain("6 hours");
    expect(description).toMatch(/Park it \(the endpoint, model and data stay\): park-it$/);
    expect(idleAlertDescription(1, "pulumi config set servingEnabled false && pulumi up")).toMatch(/^The online deployment has served no requests for 1 hour and /);
  });

  it("parents every child to itself and names it after the component", () => {
    const component = single(run.resources, "phi3-foundry:cost:CostAlerts");
    const children = run.resources.filter((r) => r.custom);
    expect(children.map((r) => r.name).sort()).toEqual(["cost-action-group", "cost-budget", "cost-budget-start", "cost-idle-alert"]);
    for (const child of children) expect(child.parent).toBe(component.urn);
  });

  it.each([
    ["no idle alarm", undefined],
    ["an endpoint with no deployment (serving parked)", { ...IDLE, hours: 6, endpoint: { endpointName: "ep-phi" } }],
  ])("creates no idle alert with %s", async (_, idleAlarm) => {
    const { resources } = await runProgram(() => new CostAlerts("cost", { ...args, idleAlarm }));
    expect(ofType(resources, LOG_ALERT)).toHaveLength(0);
    expect(ofType(resources, BUDGET)).toHaveLength(1);
    expect(ofType(resources, ACTION_GROUP)).toHaveLength(1);
  });

  it.each([
    [1, "PT1H"],
    [5, "PT5H"],
    [24, "P1D"],
    [48, "P2D"],
  ])("writes a %i-hour window as the docs list it: %s", (hours, duration) => {
    expect(windowSize(hours)).toBe(duration);
  });

  it.each<[Partial<CostAlertsArgs>, RegExp]>([
    [{ monthlyBudget: 0 }, /monthlyBudget is 0; it must be a number greater than 0/],
    [{ monthlyBudget: Number.NaN }, /monthlyBudget is NaN/],
    [{ emails: [] }, /emails is empty/],
    [{ emails: ["ops@contoso.com", "ops at contoso"] }, /'ops at contoso', which is not an email address/],
    [{ shortName: "thirteenchars" }, /shortName 'thirteenchars' must be 1 to 12 characters/],
    [{ idleAlarm: { ...IDLE, hours: 12 } }, /idleAlarm.hours is 12; log search alert window sizes allow 1, 2, 3, 4, 5, 6, 24, 48/],
  ])("refuses %j before creating anything", async (bad, message) => {
    expect(() => validateCostAlertsArgs({ ...args, ...bad })).toThrow(message);
    let created = 0;
    await expect(
      runProgram(() => {
        new CostAlerts("cost", { ...args, ...bad });
        created++;
      }),
    ).rejects.toThrow(message);
    expect(created).toBe(0);
  });
});

describe("firstOfMonth", () => {
  it.each([
    ["2026-03-17T10:11:12Z", "2026-03-01T00:00:00Z"],
    ["2026-12-31T23:59:59Z", "2026-12-01T00:00:00Z"],
    ["2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z"],
    // The month in UTC, where Azure's billing months are counted, not the offset's.
    ["2026-04-01T00:30:00+02:00", "2026-03-01T00:00:00Z"],
  ])("%s starts the budget on %s", (timestamp, start) => {
    expect(firstOfMonth(timestamp)).toBe(start);
  });

  it("refuses what is not a timestamp", () => {
    expect(() => firstOfMonth("last month")).toThrow(/'last month' is not an RFC 3339 timestamp/);
  });
});

describe("the stack's budget and idle alarm", () => {
  // budgetMonthlyUsd=200, alertEmails=ops@contoso.com and idleAlertHours=24 (away from its default, 6: the config
  // tests), with other settings that add to the dev stack, in an existing resource group.
  const WITH_ALERTS = DEV_WITH_ADDITIONS;
  // One plan per scenario, made once a run: the tests only read them.
  const planOf = (overrides: readonly string[]) => sharedPlan({ overrides });

  it("with budgetMonthlyUsd=200, alertEmails=ops@contoso.com and idleAlertHours=24 has the budget, the action group and the idle alert on the deployment", async () => {
    const { resources, outputs } = (await planOf(WITH_ALERTS)).document;
    const budget = single(resources, BUDGET);
    const group = single(resources, ACTION_GROUP);
    const alert = single(resources, LOG_ALERT);
    const deployment = single(resources, DEPLOYMENT);

    expect(Object.keys(budget.inputs.notifications as object).sort()).toEqual([
      "Actual_GreaterThan_100_Percent",
      "Actual_GreaterThan_50_Percent",
      "Actual_GreaterThan_80_Percent",
      "Forecasted_GreaterThan_100_Percent",
    ]);
    expect(budget.inputs).toMatchObject({ amount: 200, scope: `/subscriptions/${MOCK_SUBSCRIPTION_ID}/resourceGroups/rg-shared` });
    expect(group.inputs.emailReceivers).toEqual([{ name: "email-1", emailAddress: "ops@contoso.com", useCommonAlertSchema: false }]);
    // Waits for the deployment (it names it), and goes with it.
    expect(alert.dependsOn).toEqual(expect.arrayContaining([deployment.urn, group.urn]));
    // idleAlertHours=24: a day's window, evaluated every hour.
    expect(alert.inputs).toMatchObject({ windowSize: "P1D", evaluationFrequency: "PT1H" });
    expect(alert.inputs.location).toBe("eastus2"); // the dev stack's region, the workspace's
    expect(String(alert.inputs.description)).toContain("Park it (the endpoint, model and data stay): pulumi config set servingEnabled false && pulumi up");
    expect(outputs).toMatchObject({ budgetName: budget.inputs.budgetName, idleAlertName: alert.inputs.ruleName });
  });

  it("reads the table the endpoint's diagnostic setting fills, in the workspace it sends to, for this deployment", async () => {
    const { resources } = (await planOf(WITH_ALERTS)).document;
    const alert = single(resources, LOG_ALERT);
    const endpoint = single(resources, "azure-native:machinelearningservices:OnlineEndpoint");
    const deployment = single(resources, DEPLOYMENT);
    const endpointLogs = ofType(resources, DIAGNOSTIC_SETTING).filter((s) => s.inputs.resourceUri === endpoint.id);
    expect(endpointLogs).toHaveLength(1);
    // "Dedicated": resource-specific tables, where the AmlOnlineEndpointTrafficLog category lands in the table of that
    // name (REST 2021-05-01-preview, logAnalyticsDestinationType; Azure Monitor's supported-logs reference).
    expect(endpointLogs[0].inputs).toMatchObject({ logAnalyticsDestinationType: "Dedicated", logs: [{ categoryGroup: "allLogs", enabled: true }] });
    expect(alert.inputs.scopes).toEqual([endpointLogs[0].inputs.workspaceId]);
    expect(alert.inputs.scopes).toEqual([single(resources, LOGS).id]);
    expect(deployment.inputs.deploymentName).toBe("phi3");
    expect(endpoint.inputs.endpointName).toMatch(/^ep-finetunephi-dev-[a-z0-9]{6}$/);
    const [query] = input(alert, "criteria.allOf").map((c: { query: string }) => c.query);
    expect(query.split("\n")).toEqual([
      "AmlOnlineEndpointTrafficLog",
      `| where EndpointName == "${endpoint.inputs.endpointName}" and DeploymentName == "${deployment.inputs.deploymentName}"`,
      "| summarize Requests = count()",
    ]);
  });

  it("without them has none of these", async () => {
    const { resources, outputs } = (await planOf([])).document;
    for (const type of COST_TYPES) expect(ofType(resources, type)).toHaveLength(0);
    expect(outputs).not.toHaveProperty("budgetName");
    expect(outputs).not.toHaveProperty("idleAlertName");
  });

  it("keeps the budget but watches nothing when serving is parked", async () => {
    const { resources, outputs } = (await planOf([...WITH_ALERTS, "servingEnabled=false"])).document;
    expect(ofType(resources, DEPLOYMENT)).toHaveLength(0);
    expect(ofType(resources, LOG_ALERT)).toHaveLength(0);
    expect(ofType(resources, BUDGET)).toHaveLength(1);
    expect(ofType(resources, ACTION_GROUP)).toHaveLength(1);
    expect(outputs).toHaveProperty("budgetName");
    expect(outputs).not.toHaveProperty("idleAlertName");
  });

  it("plans the same budget on a second run months later: nothing in it comes from the clock", async () => {
    const first = (await planOf(WITH_ALERTS)).document;
    // Only Date is faked: the runtime's timers and ticks stay real.
    jest.useFakeTimers({
      now: new Date("2031-07-04T12:00:00Z"),
      doNotFake: ["hrtime", "nextTick", "performance", "queueMicrotask", "setImmediate", "clearImmediate", "setInterval", "clearInterval", "setTimeout", "clearTimeout"],
    });
    try {
      expect(new Date().getUTCFullYear()).toBe(2031);
      const second = (await buildPlan({ overrides: WITH_ALERTS })).document;
      expect(second).toEqual(first);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe("config: budgetMonthlyUsd, alertEmails, idleAlertHours", () => {
  it("is off on the dev stack", () => {
    expect(parseStackConfig(devRaw()).costAlerts).toBeUndefined();
  });

  it("reads the budget, distinct addresses in their order, and the idle window", () => {
    const config = parseStackConfig(
      devRaw({ budgetMonthlyUsd: "149.50", alertEmails: " ops@contoso.com, finance@contoso.com ,OPS@contoso.com", idleAlertHours: "48" }),
    );
    expect(config.costAlerts).toEqual({ monthlyBudgetUsd: 149.5, emails: ["ops@contoso.com", "finance@contoso.com"], idleAlertHours: 48 });
    expect(parseStackConfig(devRaw({ budgetMonthlyUsd: "200", alertEmails: "ops@contoso.com" })).costAlerts?.idleAlertHours).toBe(6);
  });

  it.each<[Record<string, string>, string, RegExp]>([
    [{ budgetMonthlyUsd: "0", alertEmails: "ops@contoso.com" }, "budgetMonthlyUsd", /^a monthly budget in USD greater than 0, such as 200/],
    [{ budgetMonthlyUsd: "-5", alertEmails: "ops@contoso.com" }, "budgetMonthlyUsd", /greater than 0/],
    [{ budgetMonthlyUsd: "$200", alertEmails: "ops@contoso.com" }, "budgetMonthlyUsd", /greater than 0/],
    [{ budgetMonthlyUsd: "1,5", alertEmails: "ops@contoso.com" }, "budgetMonthlyUsd", /greater than 0/],
    [{ budgetMonthlyUsd: "200" }, "alertEmails", /^email addresses separated by commas, .*needed when budgetMonthlyUsd is set \(set both, or neither\)$/],
    [{ alertEmails: "ops@contoso.com" }, "budgetMonthlyUsd", /needed when alertEmails is set \(set both, or neither\)$/],
    [{ budgetMonthlyUsd: "200", alertEmails: "ops@contoso.com;finance@contoso.com" }, "alertEmails", /not an address: "ops@contoso.com;finance@contoso.com"/],
    [{ budgetMonthlyUsd: "200", alertEmails: "ops@contoso.com,,x" }, "alertEmails", /not an address: "", "x"\)$/],
    [{ budgetMonthlyUsd: "200", alertEmails: "ops@contoso" }, "alertEmails", /not an address: "ops@contoso"/],
    [{ idleAlertHours: "12" }, "idleAlertHours", /^one of 1, 2, 3, 4, 5, 6, 24, 48: the log search alert window sizes .*\(PT1H to PT6H, P1D, P2D\)/],
    [{ idleAlertHours: "72" }, "idleAlertHours", /one of 1, 2, 3, 4, 5, 6, 24, 48/],
    [{ idleAlertHours: "6.5" }, "idleAlertHours", /one of 1, 2, 3, 4, 5, 6, 24, 48/],
  ])("refuses %j, naming %s and what is allowed", (changes, key, allowed) => {
    const problems = problemsOf(devRaw(changes));
    expect(problems).toEqual([expect.objectContaining({ key, allowed: expect.stringMatching(allowed) })]);
    expect(problems[0].value ?? "").toBe(changes[key] ?? ""); // unset keys hold Pulumi.yaml's default, ""
  });

  it("says which key, which value and what is allowed in the error's message", () => {
    expect(() => parseStackConfig(devRaw({ budgetMonthlyUsd: "lots", alertEmails: "ops@contoso.com" }))).toThrow(
      'phi3-foundry:budgetMonthlyUsd = "lots": a monthly budget in USD greater than 0',
    );
  });
});
