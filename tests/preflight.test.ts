/**
 * `npm run preflight` against Azure played by the local HTTPS stand-in: the same credential and HTTP path as
 * `pulumi up`'s quota and region checks, pointed at the stand-in the way a user points azure-native at another cloud
 * (`azure-native:metadataHost`). Requests are checked against machineLearningServices.json (2025-12-01: usages,
 * vmSizes) and resources.json (2025-04-01: Providers - Get).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GPU_VM_SIZES } from "../domain/catalogue/vmSizes";
import { AzureStandIn, STAND_IN_SUBSCRIPTION, standInEnvironment } from "./support/azureStandIn";
import { exitCodeFor } from "../scripts/shared/exitCodes";
import { azRunner, signInProblem, subscriptionFor } from "../scripts/preflightSignIn";
import { runNpmScript } from "./support/npmScript";

/** Azure ML's REST API version, as its spec names it: azure-rest-api-specs specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2025-12-01. */
const ML_API_VERSION = "2025-12-01";

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

  it("refuses a short quota with the family's numbers, exiting 1", async () => {
    // Sizes the region does not offer and regions without Azure ML are refused by the same checks (tests/quota.test.ts,
    // tests/loader.test.ts); here, the quota rows as the usages API pages them.
    const t4 = await preflight("servingVmSize=Standard_NC4as_T4_v3");
    expect(t4.code).toBe(1);
    expect(t4.stderr).toMatch(/not enough Azure ML vCPU quota in eastus2:\n  - standard NCASv3_T4 Family: need 8 \(online deployment: 1 x Standard_NC4as_T4_v3 \(4 vCPUs\) with 20% upgrade reserve = 8\), limit 0/);
  }, 60_000);
});

describe("preflight's sign-in and subscription, before Azure is called", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A stand-in `az` on PATH that records its arguments and prints `output` (exit `status`). */
  function fakeAz(output: string, status = 0): { env: NodeJS.ProcessEnv; calls: () => string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-az-"));
    dirs.push(dir);
    const log = path.join(dir, "calls");
    fs.writeFileSync(path.join(dir, "az"), `#!/bin/sh\necho "$*" >> '${log}'\nprintf '%s\\n' '${output}'${status ? ` >&2\nexit ${status}` : ""}\n`, { mode: 0o755 });
    return { env: { PATH: `${dir}:/usr/bin:/bin` }, calls: () => fs.readFileSync(log, "utf8") };
  }

  it("uses the Azure CLI's default subscription (az account show) when none is set, and says so", async () => {
    const az = fakeAz("0b1f6471-1bf0-4dda-aec3-111122223333");
    await expect(subscriptionFor({}, azRunner(az.env))).resolves.toEqual({
      id: "0b1f6471-1bf0-4dda-aec3-111122223333",
      note: "subscription 0b1f6471-1bf0-4dda-aec3-111122223333: the Azure CLI's default (az account show), as neither azure-native:subscriptionId nor ARM_SUBSCRIPTION_ID is set",
    });
    expect(az.calls()).toBe("account show --query id --output tsv\n");
    await expect(subscriptionFor({ subscriptionId: "s" }, azRunner(az.env))).resolves.toEqual({ id: "s" });
  });

  it("refuses, with exit code 2, when the Azure CLI has no login, or a service principal has no subscription", async () => {
    const az = fakeAz("ERROR: Please run az login to setup account.", 1);
    const error = await subscriptionFor({}, azRunner(az.env)).catch((e: Error) => e);
    expect(exitCodeFor(error)).toBe(2);
    expect((error as Error).message).toBe(
      "set azure-native:subscriptionId (or ARM_SUBSCRIPTION_ID) to say which subscription to check, or sign in with `az login` and pick one with `az account set` (az account show: ERROR: Please run az login to setup account.)",
    );
    await expect(subscriptionFor({ clientId: "c", clientSecret: "x", tenantId: "t" }, azRunner(az.env))).rejects.toThrow(/^set azure-native:subscriptionId \(or ARM_SUBSCRIPTION_ID\) to say which subscription to check$/);
  });

  it("refuses a client id with no way to sign in as it, rather than signing in with the Azure CLI as someone else", () => {
    expect(signInProblem({ clientId: "11111111-2222-3333-4444-555555555555" })).toMatch(
      /^azure-native:clientId \(ARM_CLIENT_ID\) is 11111111-2222-3333-4444-555555555555, but nothing says how to sign in as it, .*set ARM_CLIENT_SECRET, ARM_CLIENT_CERTIFICATE_PATH, ARM_USE_OIDC=true \(each with ARM_TENANT_ID\) or ARM_USE_MSI=true, or unset ARM_CLIENT_ID/,
    );
    expect(signInProblem({ clientId: "c", clientSecret: "s" })).toBeUndefined();
    expect(signInProblem({ clientId: "c", useMsi: "true" })).toBeUndefined();
    expect(signInProblem({ clientId: "c", useMsi: "false" })).toMatch(/nothing says how to sign in/);
    expect(signInProblem({ tenantId: "t" })).toBeUndefined();
  });
});
