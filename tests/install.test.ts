import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../scripts/shared/stackFiles";

interface Manifest {
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const read = (file: string): Manifest => JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8"));
const project = read("package.json");
const pack = read("policy/package.json");
const policyDir = path.join(PROJECT_ROOT, "policy");

describe("one install for the program and the policy pack", () => {
  it("installs the pack as a workspace of the project, with no lock file of its own", () => {
    expect(project.workspaces).toEqual(["policy"]);
    expect(fs.existsSync(path.join(policyDir, "package-lock.json"))).toBe(false);
  });

  it("asks for the same version of every package the program also uses, so npm keeps one copy", () => {
    const projectVersions = { ...project.dependencies, ...project.devDependencies };
    for (const [name, version] of Object.entries({ ...pack.dependencies, ...pack.devDependencies })) {
      if (name in projectVersions) expect(`${name}@${projectVersions[name]}`).toBe(`${name}@${version}`);
    }
  });

  // Pulumi's Node.js language host locates the pack's runner with require.resolve from the pack's folder.
  it("resolves Pulumi's policy-pack runner and the pack's packages from policy/ to the project's one copy", () => {
    // Node resolves through symlinks: a node_modules linked from elsewhere is still the project's when its real path is.
    const projectModules = fs.realpathSync(path.join(PROJECT_ROOT, "node_modules"));
    for (const request of ["@pulumi/pulumi/cmd/run-policy-pack", "@pulumi/policy", "@pulumi/azure-native/package.json"]) {
      const resolved = require.resolve(request, { paths: [policyDir] });
      expect(resolved.startsWith(`${projectModules}${path.sep}`)).toBe(true);
    }
  });
});
