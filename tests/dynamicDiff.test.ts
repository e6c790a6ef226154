import { diffInputs, diffResult } from "../components/azure/providers/dynamicDiff";

// The dynamic providers' Diff (job, gate, traffic, flow) end to end is in tests/dynamicProviders.test.ts; these are the
// rules every one of them shares. "__provider" is where @pulumi/pulumi keeps a dynamic resource's provider code (its
// dynamic/index.ts: `const providerKey = "__provider"`; ours is bundled, components/azure/providers/dynamicResource.ts).
describe("diffInputs", () => {
  it("lists each key whose value changed, added or removed, in order, by value and not by identity", () => {
    const olds = { b: { x: [1, 2] }, a: "same", c: 1, gone: "x" };
    const news = { b: { x: [1, 3] }, a: "same", c: 2, added: true };
    expect(diffInputs(olds, news)).toEqual({ changed: ["added", "b", "c", "gone"], codeOnly: false });
    expect(diffInputs({ o: { k: [1] } }, { o: { k: [1] } })).toEqual({ changed: [], codeOnly: false });
  });

  it("leaves out the provider code and the keys only Azure reports", () => {
    const olds = { __provider: "v1", jobName: "j", status: "Running", startedAt: "t1" };
    const news = { __provider: "v2", jobName: "j", status: "Completed", startedAt: "t2" };
    expect(diffInputs(olds, news, ["status", "startedAt"])).toEqual({ changed: [], codeOnly: true });
    expect(diffInputs(olds, news, ["status"])).toEqual({ changed: ["startedAt"], codeOnly: false });
    expect(diffInputs(olds, { ...news, __provider: "v1" }, ["status", "startedAt"])).toEqual({ changed: [], codeOnly: false });
  });

  it("is not code-only when an input changed too", () => {
    expect(diffInputs({ __provider: "v1", a: 1 }, { __provider: "v2", a: 2 })).toEqual({ changed: ["a"], codeOnly: false });
  });
});

describe("diffResult", () => {
  it("replaces only on the identity keys, updates in place otherwise, never deletes first", () => {
    expect(diffResult({ changed: ["jobName", "tags"], codeOnly: false }, ["subscriptionId", "jobName"])).toEqual({
      changes: true,
      replaces: ["jobName"],
      deleteBeforeReplace: false,
    });
    expect(diffResult({ changed: ["tags"], codeOnly: false }, ["jobName"])).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  it("updates for new provider code alone, and reports no change when nothing differs", () => {
    expect(diffResult({ changed: [], codeOnly: true }, ["jobName"])).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(diffResult({ changed: [], codeOnly: false }, ["jobName"])).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });
});
