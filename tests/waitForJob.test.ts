import { waitForJob } from "../components/azure/providers/jobCompletion";
import { JobSnapshot } from "../components/azure/rest/machineLearning";

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
    await expect(waitForJob("j", read, { timeoutMs: 600_000, pollMs: 1000, rerunKey: "phi3-foundry:fineTuneRun", ...fakeClock() })).rejects.toThrow(
      new RegExp(`job j ended ${status}; no model was registered\\. See https://ml.azure.com/runs/j To run it again, bump phi3-foundry:fineTuneRun\\.$`),
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
