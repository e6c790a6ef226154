/**
 * Jest's globalSetup: a folder for the plans this run's test files share (tests/support/sharedPlans.ts), named in the
 * environment that Jest's workers inherit. A fresh one each run, so a plan never outlives the code that made it. The
 * folder's name carries the run's process id: a run killed before its teardown (a mutation run that timed out) leaves
 * its folder behind, and the next run removes every such folder whose run has ended.
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

/** The variable that names the folder (read by tests/support/sharedPerRun.ts and the teardown). */
const PLANS_ENV = "PHI3_TEST_PLANS";
const PREFIX = "phi3-plans-";

/** Whether process `pid` is still running (one that is not ours answers EPERM, and still counts). */
function running(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}

/** Removes the plan folders in `dir` left by runs that have ended; returns their names. */
function removeLeftFolders(dir = os.tmpdir()) {
  const left = fs.readdirSync(dir).filter((name) => {
    const pid = Number(name.startsWith(PREFIX) ? /^(\d+)-/.exec(name.slice(PREFIX.length))?.[1] : undefined);
    return Number.isInteger(pid) && pid > 0 && !running(pid);
  });
  for (const name of left) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  return left;
}

module.exports = async function makePlanFolder() {
  removeLeftFolders();
  process.env[PLANS_ENV] = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${process.pid}-`));
};
module.exports.PLANS_ENV = PLANS_ENV;
module.exports.removeLeftFolders = removeLeftFolders;
