import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import { runUnderMocks } from "../scripts/plan/mockRuntime";
import { buildPlan, PlanDocument } from "../scripts/plan/plan";
import { renderSummary } from "../scripts/plan/summary";
import { PROJECT_ROOT, SECRET_PLACEHOLDER } from "../scripts/shared/stackFiles";
import { runNpmScript, ScriptResult } from "./support/npmScript";
import { SCALE_OUT_LOW_PRIORITY, sharedPlan } from "./support/sharedPlans";

type CliResult = ScriptResult;

/** Runs `npm run plan -- <args>` as a person would, minus npm's own banner. */
function plan(...args: string[]): Promise<CliResult> {
  return runNpmScript("plan", args);
}

describe("npm run plan -- --json", () => {
  let result: CliResult;
  let doc: PlanDocument;
  beforeAll(async () => {
    result = await plan("--json");
    doc = JSON.parse(result.stdout);
  });

  it("prints exactly one JSON document of the contract's shape", () => {
    expect(result.code).toBe(0);
    expect(Object.keys(doc).sort()).toEqual(["outputs", "project", "resources", "stack"]);
    expect(doc).toMatchObject({ project: "phi3-foundry", stack: "dev" });
    for (const r of doc.resources) {
      expect(Object.keys(r).sort()).toEqual(["custom", "dependsOn", "id", "inputs", "name", "options", "parent", "type", "urn"]);
      expect(r.urn).toBe(`urn:pulumi:dev::phi3-foundry::${r.urn.split("::")[2]}::${r.name}`);
    }
  });

  it("is the plan the tests read in process", async () => {
    expect(doc).toEqual((await sharedPlan()).document);
  });

  it("links parents and dependencies only to resources of the plan", () => {
    const urns = new Set(doc.resources.map((r) => r.urn));
    for (const r of doc.resources) {
      if (r.parent !== null) expect(urns).toContain(r.parent);
      for (const d of r.dependsOn) expect(urns).toContain(d);
    }
    const roots = doc.resources.filter((r) => r.parent === null);
    expect(roots.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  });

  it("exports the typed outputs a user and the later stages need", () => {
    expect(Object.keys(doc.outputs).sort()).toEqual(
      [
        "computeClusterName",
        "connectionName",
        "deploymentName",
        "endpointKey",
        "endpointName",
        "fineTuneJobName",
        "fineTuneJobStudioUrl",
        "flowId",
        "flowName",
        "flowPortalUrl",
        "hubName",
        "location",
        "modelId",
        "projectName",
        "projectUrl",
        "resourceGroupName",
        "scoringUri",
        "studioUrl",
        "subscriptionId",
        "trainingIdentityClientId",
        "trainingIdentityId",
        "trainingIdentityPrincipalId",
        "workspaceName",
      ].sort(),
    );
    expect(doc.outputs.location).toBe("eastus2");
    expect(doc.outputs.studioUrl).toMatch(/^https:\/\/ml\.azure\.com\/\?wsid=\/subscriptions\//);
  });
});

describe("npm run plan refuses a bad setting before anything is created", () => {
  // The command-line contract, once for each kind of refusal: Pulumi's config rules, the stack's own checks, and the
  // region preflight.
  it("reports Pulumi's config rules and the stack's own checks together: exit 2, empty stdout, every key on stderr", async () => {
    const result = await plan("--json", "--config", "noSuchKey=1", "--config", "trainingMaxNodes=abc", "--config", "namePrefix=AB", "--config", "phi3-fondry:servingEnabled=false");
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("unknown key phi3-foundry:noSuchKey");
    expect(result.stderr).toContain("Stack 'dev' with configuration key 'phi3-foundry:trainingMaxNodes' must be of type 'integer'");
    expect(result.stderr).toContain('phi3-foundry:namePrefix = "AB"');
    expect(result.stderr).toContain("unknown key phi3-fondry:servingEnabled; phi3-fondry is not a namespace this stack reads; did you mean phi3-foundry:servingEnabled?");
  });

  // The command's exit and empty stdout are the same for every refusal (above); the rest run in process.
  it("--config azure-native:location=mars: refused by the region preflight", async () => {
    await expect(buildPlan({ overrides: ["azure-native:location=mars"] })).rejects.toThrow('azure-native:location = "mars"');
  });

  it.each([
    ["trainingVmSize=big", "phi3-foundry:trainingVmSize"],
    ["servingVmSize=nc6", "phi3-foundry:servingVmSize"],
    ["trainingMinNodes=2", "phi3-foundry:trainingMinNodes"],
    ["trainingMaxNodes=0", "phi3-foundry:trainingMaxNodes"],
    ["trainingIdleSeconds=-5", "phi3-foundry:trainingIdleSeconds"],
    ["servingInstanceCount=1.5", "phi3-foundry:servingInstanceCount"],
    ["epochs=1.5", "phi3-foundry:epochs"],
    ["servingVmSize=Standard_NC6s_v3", "phi3-foundry:servingVmSize"],
    ["trainingNodes=2", 'phi3-foundry:trainingNodes = "2": a whole number from 1 to trainingMaxNodes (1)'],
    ["trainingPriority=Spot", 'phi3-foundry:trainingPriority = "Spot": one of Dedicated, LowPriority'],
    ["maxSteps=0", 'phi3-foundry:maxSteps = "0": a whole number of training steps from 1 to 100000'],
  ])("--config %s: refused, naming the key", async (setting, key) => {
    await expect(buildPlan({ overrides: [setting] })).rejects.toThrow(key);
  });

  it("names the file and line of an invalid training record", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "phi3-plan-")), "train.jsonl");
    fs.writeFileSync(file, '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n{"messages": "oops"}\n');
    await expect(buildPlan({ overrides: [`trainDataPath=${file}`] })).rejects.toThrow(`${path.relative(PROJECT_ROOT, file)}:2: no 'messages' array`);
  });

  it("names a stack without a stack file", async () => {
    await expect(buildPlan({ stack: "nowhere" })).rejects.toThrow("Pulumi.nowhere.yaml");
  });

  it("refuses a stack name Pulumi would refuse, before reading any file", async () => {
    await expect(buildPlan({ stack: "../../etc/passwd" })).rejects.toThrow(
      /^--stack "\.\.\/\.\.\/etc\/passwd": a stack name may only contain ASCII letters, digits, hyphens, underscores or periods/,
    );
  });

  it("reports type errors with the stack's own problems, each key once with what is allowed", async () => {
    const error: Error = await buildPlan({ overrides: ["trainingMaxNodes=abc", "trainingMinNodes=-1", "servingEnabled=yes", "namePrefix=AB"] }).then(
      () => new Error("no error"),
      (e: Error) => e,
    );
    expect(error.message.split("\n")).toEqual([
      "4 problems in the stack's settings:",
      "  - --config trainingMaxNodes=abc: Stack 'dev' with configuration key 'phi3-foundry:trainingMaxNodes' must be of type 'integer'; allowed: a whole number from 1 to 100",
      "  - --config servingEnabled=yes: Stack 'dev' with configuration key 'phi3-foundry:servingEnabled' must be of type 'boolean'; allowed: true or false",
      '  - phi3-foundry:trainingMinNodes = "-1": 0: a GPU cluster keeps no nodes while idle (mandatory policy rule gpu-cluster-scales-to-zero)',
      '  - phi3-foundry:namePrefix = "AB": 3 to 12 lowercase letters and digits',
    ]);
  });
});

describe("npm run plan (readable)", () => {
  // What the command prints without --json (scripts/plan/index.ts); the command itself runs above, with --json.
  it("shows resources under their components, outputs, GPU capacity and what was stood in for Azure", async () => {
    const result = { stdout: renderSummary(await sharedPlan()) };
    expect(result.stdout).toMatch(/■ ml \(prepare:MlWorkspace\)\n(\s+\+ .*\n){7}/);
    expect(result.stdout).toMatch(/■ training-identity \(prepare:TrainingIdentity\)/);
    expect(result.stdout).toMatch(/training cluster gpu\w+: Standard_NC24ads_A100_v4, Dedicated, 0\.\.1 nodes, scales down after 120 s idle/);
    expect(result.stdout).toMatch(/online deployment phi3: Standard_NC24ads_A100_v4 x 1/);
    // Training (1 node) and serving (1 instance, no upgrade reserve on A100) share the A100 family: 24 + 24.
    expect(result.stdout).toMatch(/Quota standardNCADSA100v4Family: need 48 vCPUs/);
    expect(result.stdout).toMatch(/Azure was not called/);
    expect(result.stdout).toContain("Base model: Phi-3-mini-4k-instruct, from Hugging Face microsoft/Phi-3-mini-4k-instruct (baseModel)");
  });
});

describe("buildPlan", () => {
  // That it gives the same plan on a second run: tests/scenarios.test.ts, for each named stack.
  it("prints every secret input and output as [secret]", async () => {
    const run = await runUnderMocks({ project: "p", stack: "s", config: {}, secretKeys: [] }, async () => {
      const group = new resources.ResourceGroup("rg", { resourceGroupName: "rg-x", tags: { token: pulumi.secret("hunter2") } });
      return { plain: group.name, hidden: pulumi.secret("hunter2") };
    });
    const group = run.resources.find((r) => r.type === "azure-native:resources:ResourceGroup")!;
    expect(group.inputs.tags).toEqual({ token: SECRET_PLACEHOLDER });
    expect(run.outputs).toEqual({ plain: "rg-x", hidden: SECRET_PLACEHOLDER });
    expect(JSON.stringify(run)).not.toContain("hunter2");
  });
});

describe("scale-out, low priority and a step limit, through the whole program", () => {
  it("sends trainingNodes as num_nodes_finetune and maxSteps as max_steps, and gives the cluster trainingPriority", async () => {
    const plan = await sharedPlan({ overrides: SCALE_OUT_LOW_PRIORITY });
    const job = plan.document.resources.find((r) => r.type === "pulumi-nodejs:dynamic/phi3-foundry:PipelineJob")!;
    const inputs = (job.inputs.properties as any).inputs;
    expect(inputs.num_nodes_finetune).toEqual({ jobInputType: "literal", value: "2" });
    expect(inputs.max_steps).toEqual({ jobInputType: "literal", value: "7" });
    const cluster = plan.document.resources.find((r) => r.type === "azure-native:machinelearningservices:Compute")!;
    expect((cluster.inputs.properties as any).properties).toMatchObject({ vmPriority: "LowPriority", scaleSettings: { maxNodeCount: 3 } });
    expect(plan.notes).toContain(
      "Quota Total Cluster LowPriority Regional vCPUs: need 72 vCPUs, limit 10000, in use 0 (from a stand-in, not Azure; `pulumi up` reads the real numbers).",
    );
  });

  it("npm run plan -- --stack canary: a job of at most 100 steps, a low-priority cluster, one deployment, the cycle's time and cost", async () => {
    const summary = renderSummary(await sharedPlan({ stack: "canary" }));
    expect(summary).toMatch(/training cluster gpu\w+: Standard_NC24ads_A100_v4, LowPriority, 0\.\.1 nodes/);
    expect(summary.match(/online deployment phi3: Standard_NC24ads_A100_v4 x 1,/g)).toHaveLength(1);
    expect(summary).toContain("10 training steps");
    expect(summary).toContain("  this stack (canary): about 80 minutes, at most about $4");
    expect(summary).toContain("  the default stack on 1% of ultrachat_200k");
  });
});

describe("buildPlan asked for twice at once", () => {
  it("gives each caller its own stack's plan, as if run one after the other", async () => {
    // The smallest stack, served and parked: the plans' order, not their size, is what is tested.
    const [served, parked] = await Promise.all([buildPlan({ stack: "minimal" }), buildPlan({ stack: "minimal", overrides: ["servingEnabled=false"] })]);
    const types = (p: typeof served) => p.document.resources.map((r) => r.type);
    expect(served.document.stack).toBe("minimal");
    expect(types(served)).toContain("azure-native:machinelearningservices:OnlineDeployment");
    expect(types(parked)).not.toContain("azure-native:machinelearningservices:OnlineDeployment");
    expect(new Set(served.document.resources.map((r) => r.urn)).size).toBe(served.document.resources.length);
    expect(JSON.stringify(served.document)).toBe(JSON.stringify((await sharedPlan({ stack: "minimal" })).document));
  });
});
