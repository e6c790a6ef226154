import { keepOutputs, readState } from "../components/azure/providers/dynamicState";

// What the dynamic providers' update and read keep in state: a wrong key here loses what Azure reported (a job's
// status, a flow's id) or keeps a resource Azure no longer has.

describe("keepOutputs", () => {
  it("takes the new inputs and carries over only the keys Azure reports, from the old state", () => {
    const olds = { name: "old", jobName: "phi3-ft-1", status: "Running", studioUrl: "https://ml.azure.com/runs/phi3-ft-1" };
    const news = { name: "new", jobName: "phi3-ft-1" };
    expect(keepOutputs(olds, news, ["status", "studioUrl"])).toStrictEqual({
      name: "new",
      jobName: "phi3-ft-1",
      status: "Running",
      studioUrl: "https://ml.azure.com/runs/phi3-ft-1",
    });
  });

  it("overrides an input of the same name with the old state's output, and keeps no input that is gone", () => {
    expect(keepOutputs({ a: 1, status: "Completed", gone: true }, { a: 2, status: "asked" }, ["status"])).toStrictEqual({ a: 2, status: "Completed" });
    expect(keepOutputs({ a: 1, status: "Completed" }, { a: 2 }, [])).toStrictEqual({ a: 2 });
  });
});

describe("readState", () => {
  it("is the state with what Azure reports now laid over it", () => {
    expect(readState("f1", { flowName: "phi3-chat", status: "old", tags: { stack: "dev" } }, { status: "Archived" })).toStrictEqual({
      id: "f1",
      props: { flowName: "phi3-chat", status: "Archived", tags: { stack: "dev" } },
    });
  });

  it("is no resource (an empty id, which the engine takes as deleted) without state or when Azure has none", () => {
    expect(readState("f1", undefined, { status: "Running" })).toStrictEqual({ id: "", props: {} });
    expect(readState("f1", { flowName: "phi3-chat" }, undefined)).toStrictEqual({ id: "", props: {} });
  });
});
