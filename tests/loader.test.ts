/**
 * The program as `pulumi up` starts it: Pulumi's own entry (`@pulumi/pulumi/cmd/run`) with the language host's arguments
 * loads package.json's "main" from infra/, which loads infra/index.ts through the project's TypeScript hook, and the
 * program's preflight calls Azure (here the local HTTPS stand-in) with the credential azure-native would use. Only the
 * resource monitor is Pulumi's mock.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { GPU_VM_SIZES } from "../domain/catalogue/vmSizes";
import { languageHostEnvironment, loadStackSettings, PROJECT_ROOT, readProjectFile } from "../scripts/shared/stackFiles";
import { AzureStandIn, STAND_IN_SUBSCRIPTION, standInEnvironment } from "./support/azureStandIn";
import { endAfterTests } from "./support/childProcesses";

/** Azure ML's REST API version, as its spec names it: azure-rest-api-specs specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2025-12-01. */
const ML_API_VERSION = "2025-12-01";

let azure: AzureStandIn;

beforeAll(async () => {
  azure = await AzureStandIn.start();
  azure.vmSizes.eastus2 = GPU_VM_SIZES.map(({ name, family, vCPUs, gpus }) => ({ name, family, vCPUs, gpus }));
  azure.usages.eastus2 = [
    { id: "/u/1", currentValue: 0, limit: 100, name: { value: "Total Cluster Dedicated Regional vCPUs" } },
    { id: "/u/2", currentValue: 0, limit: 96, name: { value: "Standard NCADSA100v4 Family Cluster Dedicated vCPUs" } },
  ];
});

afterAll(async () => {
  await azure?.close();
});

interface LoaderRun {
  readonly code: number;
  readonly stderr: string;
  readonly result?: {
    cwd: string;
    tsNode: boolean;
    typescriptCompiler: boolean;
    sourceMapSupport: boolean;
    stackTracesMapped: boolean;
    programFiles: string[];
    registered: string[];
    outputs: string[];
  };
}

/** The dev stack with `overrides`, its config as the Pulumi CLI hands it to the program (Pulumi.yaml defaults included). */
function runUnderPulumiLoader(...overrides: string[]): Promise<LoaderRun> {
  const config = loadStackSettings("dev", [`azure-native:metadataHost=${azure.host}`, ...overrides]).config;
  const env = { ...standInEnvironment(azure), ...languageHostEnvironment() };
  return new Promise((resolve) =>
    endAfterTests(
      execFile(process.execPath, [path.join(__dirname, "support", "pulumiLoaderRun.js"), JSON.stringify(config)], { env, timeout: 90_000 }, (err, stdout, stderr) =>
        // The runner's summary is the last line it prints, at exit.
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr, result: err ? undefined : JSON.parse(stdout.trim().split("\n").at(-1)!) }),
      ),
    ),
  );
}

describe("Pulumi's loader", () => {
  it("runs package.json's main from infra/ (main: infra/) as plain JavaScript, which loads the stack's TypeScript through the project's hook", () => {
    const project = readProjectFile();
    expect(path.resolve(PROJECT_ROOT, project.main ?? ".")).toBe(path.join(PROJECT_ROOT, "infra"));
    // With `typescript: true` Pulumi would register its vendored ts-node for the program (cmd/run/run.js).
    expect(project.typescript).toBe(false);
    expect(languageHostEnvironment(project)).toEqual({});
    const entry = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).main;
    expect(entry).toBe("scripts/tooling/stackEntry.cjs");
  });

  it("loads and runs the program, whose preflight asks Azure for the region, its sizes and quota before any resource", async () => {
    const run = await runUnderPulumiLoader();
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.result?.cwd).toBe(path.join(PROJECT_ROOT, "infra"));
    expect(run.result?.tsNode).toBe(false);
    // Neither the closure serializer's TypeScript compiler (loaded on demand: scripts/tooling/sdkOnDemand.cjs) nor
    // source-map-support's formatting of every trace (which cmd/run installs and stackEntry.cjs turns off).
    expect(run.result?.typescriptCompiler).toBe(false);
    expect(run.result?.sourceMapSupport).toBe(true);
    expect(run.result?.stackTracesMapped).toBe(false);
    expect(run.result?.programFiles).toEqual(expect.arrayContaining(["scripts/tooling/stackEntry.cjs", "infra/index.ts", "components/azure/providers/pipelineJob.ts"]));
    expect(run.result?.registered).toEqual(expect.arrayContaining(["pulumi-nodejs:dynamic/phi3-foundry:PipelineJob", "azure-native:machinelearningservices:OnlineDeployment"]));
    expect(run.result?.outputs).toEqual(expect.arrayContaining(["endpointName", "endpointKey", "fineTuneJobName"]));
    const ml = `/subscriptions/${STAND_IN_SUBSCRIPTION}/providers/Microsoft.MachineLearningServices`;
    expect(azure.armRequests().map((r) => `${r.path}?api-version=${r.query["api-version"]}`)).toEqual(
      expect.arrayContaining([`${ml}?api-version=2025-04-01`, `${ml}/locations/eastus2/vmSizes?api-version=${ML_API_VERSION}`, `${ml}/locations/eastus2/usages?api-version=${ML_API_VERSION}`]),
    );
  }, 90_000);

  it("stops the program before any resource when the region has no Azure ML", async () => {
    const run = await runUnderPulumiLoader("azure-native:location=mars");
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/azure-native:location = "mars": Azure ML is not offered there/);
  }, 90_000);
});
