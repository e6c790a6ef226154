import * as pulumi from "@pulumi/pulumi";
import { GpuCluster, GpuClusterArgs, validateGpuClusterArgs } from "../components/gpuCluster";
import { azureName, ResourceKind } from "../domain/naming";
import { input, runProgram, single } from "./helpers";

const args: GpuClusterArgs = {
  workspace: { resourceGroupName: "rg-phi", workspaceName: "mlw-phi" },
  location: "eastus2",
  namer: (kind: ResourceKind) => pulumi.output(azureName(kind, { prefix: "phi", stack: "test", suffix: "abc123" })),
  vmSize: "Standard_NC24ads_A100_v4",
  maxNodes: 1,
  identity: { id: "/subscriptions/s/resourceGroups/rg-phi/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-phi" },
};

describe("GpuCluster", () => {
  it("is a dedicated A100 AmlCompute that scales 0..1 and releases nodes after 120 s idle", async () => {
    const compute = single((await runProgram(() => new GpuCluster("gpu", args))).resources, "azure-native:machinelearningservices:Compute");
    expect(compute.inputs).toMatchObject({ workspaceName: "mlw-phi", resourceGroupName: "rg-phi", computeName: "gpuphitestabc123" });
    expect(input(compute, "properties.computeType")).toBe("AmlCompute");
    expect(input(compute, "properties.properties")).toMatchObject({
      vmSize: "Standard_NC24ads_A100_v4",
      vmPriority: "Dedicated",
      scaleSettings: { minNodeCount: 0, maxNodeCount: 1, nodeIdleTimeBeforeScaleDown: "PT120S" },
    });
  });

  it("turns off local auth and SSH and runs as the training identity", async () => {
    const compute = single((await runProgram(() => new GpuCluster("gpu", args))).resources, "azure-native:machinelearningservices:Compute");
    expect(input(compute, "properties.disableLocalAuth")).toBe(true);
    expect(input(compute, "properties.properties.remoteLoginPortPublicAccess")).toBe("Disabled");
    expect(compute.inputs.identity).toEqual({ type: "UserAssigned", userAssignedIdentities: [args.identity.id] });
  });

  it("takes its scale and idle time from the args", async () => {
    const custom = { ...args, minNodes: 1, maxNodes: 4, idleSeconds: 900 };
    const compute = single((await runProgram(() => new GpuCluster("gpu", custom))).resources, "azure-native:machinelearningservices:Compute");
    expect(input(compute, "properties.properties.scaleSettings")).toEqual({ minNodeCount: 1, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: "PT900S" });
  });

  it("asks for low-priority nodes when told (VmPriority LowPriority, machineLearningServices.json)", async () => {
    const compute = single(
      (await runProgram(() => new GpuCluster("gpu", { ...args, priority: "LowPriority" }))).resources,
      "azure-native:machinelearningservices:Compute",
    );
    expect(input(compute, "properties.properties.vmPriority")).toBe("LowPriority");
  });

  it("parents its compute to itself", async () => {
    const { resources } = await runProgram(() => new GpuCluster("trainer", args));
    const compute = single(resources, "azure-native:machinelearningservices:Compute");
    expect(compute.parent).toBe(single(resources, "phi3-foundry:train:GpuCluster").urn);
    expect(compute.name).toBe("trainer-compute");
  });

  it.each([
    [{ minNodes: -1, maxNodes: 1 }, /minNodes is -1/],
    [{ minNodes: 2, maxNodes: 1 }, /maxNodes is 1.*at least minNodes \(2\)/],
    [{ maxNodes: 0 }, /maxNodes is 0/],
    [{ maxNodes: 1, idleSeconds: 0 }, /idleSeconds is 0/],
    [{ maxNodes: 1.5 }, /maxNodes is 1.5/],
    [{ maxNodes: 1, priority: "Spot" as never }, /priority is 'Spot'; allowed: Dedicated, LowPriority/],
  ])("refuses %j before creating anything", async (bad, message) => {
    expect(() => validateGpuClusterArgs(bad)).toThrow(message);
    let created = 0;
    await expect(
      runProgram(() => {
        new GpuCluster("gpu", { ...args, ...bad });
        created++;
      }),
    ).rejects.toThrow(message);
    expect(created).toBe(0);
  });
});
