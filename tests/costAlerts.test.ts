import * as pulumi from "@pulumi/pulumi";
import {
  BUDGET_NOTIFICATIONS,
  CostAlerts,
  CostAlertsArgs,
  firstOfMonth,
  idleAlertDescription,
  PARK_COMMAND,
  validateCostAlertsArgs,
} from "../components/costAlerts";
import { parseStackConfig } from "../infra/config";
import type { ResourceKind } from "../infra/naming";
import { MOCK_CREATED_AT } from "../scripts/lib/mockAzure";
import type { MockRun } from "../scripts/lib/mockRuntime";
import { buildPlan } from "../scripts/lib/plan";
import { input, named, ofType, runProgram, single } from "./helpers";
import { devRaw, problemsOf } from "./support/stackConfig";

const BUDGET = "azure-native:consumption:Budget";
const ACTION_GROUP = "azure-native:monitor:ActionGroup";
const METRIC_ALERT = "azure-native:monitor:MetricAlert";
const STATIC = "time:index/static:Static";
const DEPLOYMENT = "azure-native:machinelearningservices:OnlineDeployment";
const COST_TYPES = [BUDGET, ACTION_GROUP, METRIC_ALERT, STATIC, "phi3-foundry:cost:CostAlerts"];

const RG_ID = "/subscriptions/s/resourceGroups/rg-phi";
const DEPLOYMENT_ID = `${RG_ID}/providers/Microsoft.MachineLearningServices/workspaces/mlw-phi/onlineEndpoints/ep-phi/deployments/phi3`;
const args: CostAlertsArgs = {
  resourceGroupName: "rg-phi",
  resourceGroupId: RG_ID,
  namer: (kind: ResourceKind) => pulumi.output(`${kind}-phi`),
  shortName: "finetunephi",
  monthlyBudget: 200,
  emails: ["ops@contoso.com", "finance@contoso.com"],
  idleAlarm: { deploymentId: DEPLOYMENT_ID, hours: 6, vmSize: "Standard_NC24ads_A100_v4" },
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
    expect(input(budget, "timePeriod")).toEqual({ startDate: firstOfMonth(MOCK_CREATED_AT) });
    expect(input(budget, "timePeriod.startDate")).toBe("2026-01-01T00:00:00Z");
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

  it("alerts when the deployment has served no requests for the whole window, checking hourly", () => {
    const alert = single(run.resources, METRIC_ALERT);
    const group = single(run.resources, ACTION_GROUP);
    expect(alert.inputs).toMatchObject({
      resourceGroupName: "rg-phi",
      ruleName: "metricAlert-phi",
      location: "global",
      enabled: true,
      scopes: [DEPLOYMENT_ID],
      evaluationFrequency: "PT1H",
      windowSize: "PT6H",
      autoMitigate: true,
      actions: [{ actionGroupId: group.id }],
    });
    expect(input(alert, "criteria")).toEqual({
      odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
      allOf: [
        {
          criterionType: "StaticThresholdCriterion",
          name: "no-requests",
          metricNamespace: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
          metricName: "RequestsPerMinute",
          timeAggregation: "Average",
          operator: "LessThanOrEqual",
          threshold: 0,
        },
      ],
    });
  });

  it("says in the alert what bills and how to park it", () => {
    const description = String(single(run.resources, METRIC_ALERT).inputs.description);
    expect(description).toContain("Standard_NC24ads_A100_v4");
    expect(description).toContain("6 hours");
    expect(description).toContain("pulumi config set servingEnabled false && pulumi up");
    expect(idleAlertDescription(1)).toMatch(/^The online deployment has served no requests for 1 hour and /);
  });

  it("parents every child to itself and names it after the component", () => {
    const component = single(run.resources, "phi3-foundry:cost:CostAlerts");
    const children = run.resources.filter((r) => r.custom);
    expect(children.map((r) => r.name).sort()).toEqual(["cost-action-group", "cost-budget", "cost-budget-start", "cost-idle-alert"]);
    for (const child of children) expect(child.parent).toBe(component.urn);
  });

  it("creates no idle alert without a deployment to watch", async () => {
    const { resources } = await runProgram(() => new CostAlerts("cost", { ...args, idleAlarm: undefined }));
    expect(ofType(resources, METRIC_ALERT)).toHaveLength(0);
    expect(ofType(resources, BUDGET)).toHaveLength(1);
    expect(ofType(resources, ACTION_GROUP)).toHaveLength(1);
  });

  it.each<[Partial<CostAlertsArgs>, RegExp]>([
    [{ monthlyBudget: 0 }, /monthlyBudget is 0; it must be a number greater than 0/],
    [{ monthlyBudget: Number.NaN }, /monthlyBudget is NaN/],
    [{ emails: [] }, /emails is empty/],
    [{ emails: ["ops@contoso.com", "ops at contoso"] }, /'ops at contoso', which is not an email address/],
    [{ shortName: "thirteenchars" }, /shortName 'thirteenchars' must be 1 to 12 characters/],
    [{ idleAlarm: { deploymentId: DEPLOYMENT_ID, hours: 5 } }, /idleAlarm.hours is 5; .* allow 1, 6, 12, 24/],
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
  const WITH_ALERTS = ["budgetMonthlyUsd=200", "alertEmails=ops@contoso.com"];
  // One plan per scenario, shared: the tests only read them.
  const plans = new Map<string, ReturnType<typeof buildPlan>>();
  const planOf = (overrides: string[]) => {
    const key = overrides.join("\n");
    if (!plans.has(key)) plans.set(key, buildPlan({ overrides }));
    return plans.get(key)!;
  };

  it("with budgetMonthlyUsd=200 and alertEmails=ops@contoso.com has the budget, the action group and the idle alert on the deployment", async () => {
    const { resources, outputs } = (await planOf(WITH_ALERTS)).document;
    const budget = single(resources, BUDGET);
    const group = single(resources, ACTION_GROUP);
    const alert = single(resources, METRIC_ALERT);
    const deployment = single(resources, DEPLOYMENT);

    expect(Object.keys(budget.inputs.notifications as object).sort()).toEqual(BUDGET_NOTIFICATIONS.map((n) => n.key).sort());
    expect(budget.inputs).toMatchObject({ amount: 200, scope: named(resources, "ml-rg").id });
    expect(group.inputs.emailReceivers).toEqual([{ name: "email-1", emailAddress: "ops@contoso.com", useCommonAlertSchema: false }]);
    expect(alert.inputs.scopes).toEqual([deployment.id]);
    expect(alert.dependsOn).toEqual(expect.arrayContaining([deployment.urn, group.urn]));
    expect(alert.inputs.windowSize).toBe("PT6H"); // idleAlertHours' default
    expect(String(alert.inputs.description)).toContain(PARK_COMMAND);
    expect(outputs).toMatchObject({ budgetName: budget.inputs.budgetName, idleAlertName: alert.inputs.ruleName });
  });

  it("without them has none of these", async () => {
    const { resources, outputs } = (await planOf([])).document;
    for (const type of COST_TYPES) expect(ofType(resources, type)).toHaveLength(0);
    expect(outputs).not.toHaveProperty("budgetName");
    expect(outputs).not.toHaveProperty("idleAlertName");
  });

  it("keeps the budget but watches nothing when serving is parked", async () => {
    const { resources, outputs } = (await planOf([...WITH_ALERTS, "servingEnabled=false", "idleAlertHours=24"])).document;
    expect(ofType(resources, DEPLOYMENT)).toHaveLength(0);
    expect(ofType(resources, METRIC_ALERT)).toHaveLength(0);
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
      devRaw({ budgetMonthlyUsd: "149.50", alertEmails: " ops@contoso.com, finance@contoso.com ,OPS@contoso.com", idleAlertHours: "12" }),
    );
    expect(config.costAlerts).toEqual({ monthlyBudgetUsd: 149.5, emails: ["ops@contoso.com", "finance@contoso.com"], idleAlertHours: 12 });
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
    [{ idleAlertHours: "5" }, "idleAlertHours", /^one of 1, 6, 12, 24: the metric alert window sizes .*\(PT1H, PT6H, PT12H, PT24H\)/],
    [{ idleAlertHours: "48" }, "idleAlertHours", /one of 1, 6, 12, 24/],
    [{ idleAlertHours: "6.5" }, "idleAlertHours", /one of 1, 6, 12, 24/],
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
