import { withDefaults } from "../domain/defaults";
import { GPU_CLUSTER_DEFAULTS, validateGpuClusterArgs } from "../components/gpuCluster";

describe("withDefaults", () => {
  it("fills in what is not set and keeps what is, as awsx's { ...defaults, ...args }", () => {
    expect(withDefaults({ idleSeconds: 120, minNodes: 0 }, { idleSeconds: 900, maxNodes: 4 } as { idleSeconds?: number; minNodes?: number; maxNodes: number })).toEqual({
      idleSeconds: 900,
      minNodes: 0,
      maxNodes: 4,
    });
  });

  it("keeps the default for an arg given as undefined (an unset config value passed on), where a plain spread would erase it", () => {
    const args: { run?: string; nodes?: number } = { run: undefined, nodes: 2 };
    expect(withDefaults({ run: "", nodes: 1 }, args)).toEqual({ run: "", nodes: 2 });
    expect({ run: "", ...args }.run).toBeUndefined();
  });

  it("gives the GPU cluster 0 to maxNodes nodes, 120 s idle and dedicated nodes unless told otherwise", () => {
    expect(GPU_CLUSTER_DEFAULTS).toEqual({ minNodes: 0, idleSeconds: 120, priority: "Dedicated" });
    expect(() => validateGpuClusterArgs({ maxNodes: 1, idleSeconds: undefined, minNodes: undefined })).not.toThrow();
  });
});
