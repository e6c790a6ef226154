/** Jest's globalTeardown: removes the run's folder of shared plans (tests/support/planFolderSetup.cjs). */
const fs = require("node:fs");

module.exports = async function removePlanFolder() {
  const folder = process.env.PHI3_TEST_PLANS;
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
  delete process.env.PHI3_TEST_PLANS;
};
