/**
 * `npm run preflight` against Azure played by the local HTTPS stand-in: the same credential and HTTP path as
 * `pulumi up`'s quota and region checks, pointed at the stand-in the way a user points azure-native at another cloud
 * (`azure-native:metadataHost`). Requests are checked against machineLearningServices.json (2025-12-01: usages,
 * vmSizes) and resources.json (2025-04-01: Providers - Get).
 */
import { ML_API_VERSION } from "../components/azure/machineLearning";
import { GPU_VM_SIZES } from "../infra/vmSizes";
import { AzureStandIn, STAND_IN_SUBSCRIPTION, standInEnvironment } from "./support/azureStandIn";
import { runNpmScript } from "./support/npmScript";

let azure: AzureStandIn;

beforeAll(async () => {
  azure = await AzureStandIn.start();
  azure.vmSizes.eastus2 = [
    { name: "Standard_DS3_v2", family: "standardDSv2Family", vCPUs: 4, gpus: 0, memoryGB: 14 },
    ...GPU_VM_SIZES.filter((s) => s.gpu === "A100" || s.gpu === "T4").map(({ name, family, vCPUs, gpus, memoryGB }) => ({ name, family, vCPUs, gpus, memoryGB })),
  ];
  azure.usages.eastus2 = [
    { id: "/u/1", currentValue: 0, limit: 100, name: { value: "Total Cluster Dedicated Regional vCPUs" } },
    { id: "/u/2", currentValue: 0, limit: 48, name: { value: "Standard NCADSA100v4 Family Cluster Dedicated vCPUs" } },
    { id: "/u/3", currentValue: 0, limit: 0, name: { value: "Standard NCASv3_T4 Family Cluster Dedicated vCPUs" } },
  ];
});

afterAll(async () => {
  await azure?.close();
});

function preflight(...config: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = ["--config", `azure-native:metadataHost=${azure.host}`, ...config.flatMap((c) => ["--config", c])];
  return runNpmScript("preflight", args, standInEnvironment(azure));
}

describe("npm run preflight", () => {
  it("reads the region's offer, VM sizes and quota (every page) as plain ARM GETs, and passes the dev stack", async () => {
    const result = await preflight();
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^ok: Azure ML is offered in eastus2/);
    expect(result.stdout).toMatch(/standardNCADSA100v4Family: need 48 vCPUs, limit 48, in use 0/);
    const gets = azure.armRequests().map((r) => `${r.method} ${r.path}?api-version=${r.query["api-version"]}${r.query.$skip ? `&$skip=${r.query.$skip}` : ""}`);
    const ml = `/subscriptions/${STAND_IN_SUBSCRIPTION}/providers/Microsoft.MachineLearningServices`;
    expect(gets).toEqual(
      expect.arrayContaining([
        `GET ${ml}?api-version=2025-04-01`,
        `GET ${ml}/locations/eastus2/vmSizes?api-version=${ML_API_VERSION}`,
        `GET ${ml}/locations/eastus2/usages?api-version=${ML_API_VERSION}`,
        `GET ${ml}/locations/eastus2/usages?api-version=${ML_API_VERSION}&$skip=2`,
      ]),
    );
  }, 60_000);

  it("refuses a short quota with the family's numbers, exiting non-zero", async () => {
    // Sizes the region does not offer and regions without Azure ML are refused by the same checks (tests/quota.test.ts,
    // tests/loader.test.ts); here, the quota rows as the usages API pages them.
    const t4 = await preflight("servingVmSize=Standard_NC4as_T4_v3");
    expect(t4.code).not.toBe(0);
    expect(t4.stderr).toMatch(/not enough Azure ML vCPU quota in eastus2:\n  - standard NCASv3_T4 Family: need 8 \(online deployment: 1 x Standard_NC4as_T4_v3 \(4 vCPUs\) with 20% upgrade reserve = 8\), limit 0/);
  }, 60_000);
});
