/** Jest's globalTeardown: removes the run's folder of shared plans (tests/support/planFolderSetup.cjs). */
const fs = require("node:fs");
const { PLANS_ENV } = require("./planFolderSetup.cjs");

module.exports = async function removePlanFolder() {
  const folder = process.env[PLANS_ENV];
  if (folder) fs.rmSync(folder, { recursive: true, force: true });
  delete process.env[PLANS_ENV];
};
