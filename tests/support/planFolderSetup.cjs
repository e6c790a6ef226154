/**
 * Jest's globalSetup: a folder for the plans this run's test files share (tests/support/sharedPlans.ts), named in the
 * environment that Jest's workers inherit. A fresh one each run, so a plan never outlives the code that made it.
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

/** The variable that names the folder (read by tests/support/sharedPlans.ts and the teardown). */
const PLANS_ENV = "PHI3_TEST_PLANS";

module.exports = async function makePlanFolder() {
  process.env[PLANS_ENV] = fs.mkdtempSync(path.join(os.tmpdir(), "phi3-plans-"));
};
module.exports.PLANS_ENV = PLANS_ENV;
