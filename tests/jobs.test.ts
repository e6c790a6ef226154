import { waitForJob } from "../components/azure/jobCompletion";
import { JobSnapshot } from "../components/azure/mlClient";
import { cancelIfRunning, submitJob } from "../components/azure/pipelineJob";

/** A clock that only moves when the code under test sleeps. */
function fakeClock() {
  let now = 0;
  return { now: () => now, sleep: async (ms: number) => void (now += ms) };
}

function statuses(...sequence: JobSnapshot[]) {
  let i = 0;
  return jest.fn(async () => sequence[Math.min(i++, sequence.length - 1)]);
}

describe("waitForJob", () => {
  it("polls until the job completes", async () => {
    const clock = fakeClock();
    const read = statuses({ status: "Queued" }, { status: "Running" }, { status: "Completed", studioUrl: "https://ml.azure.com/runs/j" });
    await expect(waitForJob("j", read, { timeoutMs: 600_000, pollMs: 60_000, ...clock })).resolves.toEqual({
      status: "Completed",
      studioUrl: "https://ml.azure.com/runs/j",
    });
    expect(read).toHaveBeenCalledTimes(3);
    expect(clock.now()).toBe(120_000);
  });

  it.each(["Failed", "Canceled"])("fails with the job's status and studio URL when it ends %s", async (status) => {
    const read = statuses({ status: "Running" }, { status, studioUrl: "https://ml.azure.com/runs/j" });
    await expect(waitForJob("j", read, { timeoutMs: 600_000, pollMs: 1000, ...fakeClock() })).rejects.toThrow(
      new RegExp(`job j ended ${status}; no model was registered\\. See https://ml.azure.com/runs/j`),
    );
  });

  it("gives up at the timeout, saying the job keeps running and how to go on", async () => {
    const clock = fakeClock();
    const read = statuses({ status: "Running", studioUrl: "https://ml.azure.com/runs/j" });
    await expect(waitForJob("j", read, { timeoutMs: 300_000, pollMs: 60_000, ...clock })).rejects.toThrow(
      /still Running after 5 minutes\. It keeps running in Azure; run `pulumi up` again/,
    );
    expect(clock.now()).toBeLessThanOrEqual(300_000);
  });
});

/** A stand-in for the jobs operations of the Azure ML SDK client. */
function fakeClient(existing?: { status: string }) {
  const jobs = {
    get: jest.fn(async () => {
      if (!jobs.created && !existing) throw Object.assign(new Error("not found"), { statusCode: 404 });
      return { properties: { status: existing?.status ?? "NotStarted", services: { Studio: { endpoint: "https://ml.azure.com/runs/j" } } } };
    }),
    createOrUpdate: jest.fn(async () => {
      jobs.created = true;
      return {};
    }),
    beginCancelAndWait: jest.fn(async () => undefined),
    created: false,
  };
  return { jobs } as any;
}

const job = { subscriptionId: "s", resourceGroupName: "rg", workspaceName: "ws", jobName: "phi3-ft-1", properties: { jobType: "Pipeline" } };

describe("submitJob", () => {
  it("creates the job under its name when there is none", async () => {
    const client = fakeClient();
    await expect(submitJob(client, job)).resolves.toEqual({ status: "NotStarted", studioUrl: "https://ml.azure.com/runs/j" });
    expect(client.jobs.createOrUpdate).toHaveBeenCalledWith("rg", "ws", "phi3-ft-1", { properties: { jobType: "Pipeline" } });
  });

  it("adopts a job that already exists, so a retried update does not submit twice", async () => {
    const client = fakeClient({ status: "Running" });
    await expect(submitJob(client, job)).resolves.toMatchObject({ status: "Running" });
    expect(client.jobs.createOrUpdate).not.toHaveBeenCalled();
  });
});

describe("cancelIfRunning", () => {
  it("cancels a running job and leaves finished or missing ones alone", async () => {
    const running = fakeClient({ status: "Running" });
    await expect(cancelIfRunning(running, job)).resolves.toBe(true);
    expect(running.jobs.beginCancelAndWait).toHaveBeenCalledWith("rg", "ws", "phi3-ft-1");
    for (const client of [fakeClient({ status: "Completed" }), fakeClient({ status: "Failed" }), fakeClient()]) {
      await expect(cancelIfRunning(client, job)).resolves.toBe(false);
      expect(client.jobs.beginCancelAndWait).not.toHaveBeenCalled();
    }
  });
});
