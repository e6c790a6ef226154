import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { PROJECT_ROOT } from "../scripts/lib/stackFiles";

const workflowDir = path.join(PROJECT_ROOT, ".github", "workflows");
const text = (name: string) => fs.readFileSync(path.join(workflowDir, name), "utf8");
const workflow = (name: string) => yaml.load(text(name)) as any;
const steps = (wf: any, job: string) => wf.jobs[job].steps as any[];

describe("GitHub workflows", () => {
  it("ci runs the README's test command and puts the plan in the job summary", () => {
    const ci = workflow("ci.yml");
    const runs = steps(ci, "test").map((s) => s.run).join("\n");
    expect(runs).toContain("npm ci");
    expect(runs).toContain("npm test");
    expect(runs).toMatch(/npm run -s plan[\s\S]*GITHUB_STEP_SUMMARY/);
  });

  it("preview runs pulumi/actions preview on pull requests, commenting, with the policy pack and keyless Azure login", () => {
    const preview = workflow("preview.yml");
    expect(Object.keys(preview.on)).toEqual(["pull_request"]);
    expect(preview.permissions["id-token"]).toBe("write");
    const action = steps(preview, "preview").find((s) => String(s.uses).startsWith("pulumi/actions@"));
    expect(action.uses).toMatch(/^pulumi\/actions@[0-9a-f]{40}$/);
    expect(action.with).toMatchObject({ command: "preview", "comment-on-pr": true, policyPacks: "policy" });
    expect(preview.jobs.preview.env).toMatchObject({ ARM_USE_OIDC: "true" });
  });

  it("previews only pull requests from branches of the repository itself, never a fork's code", () => {
    expect(workflow("preview.yml").jobs.preview.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
  });

  it("pins every action by a full commit SHA, the release named in a comment, the same pin everywhere", () => {
    const pins = new Map<string, Set<string>>();
    for (const name of fs.readdirSync(workflowDir)) {
      for (const line of text(name).split("\n").filter((l) => /^\s*(- )?uses:/.test(l))) {
        const match = /uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(line);
        expect([name, match ? "pinned" : line]).toEqual([name, "pinned"]);
        pins.set(match![1], new Set([...(pins.get(match![1]) ?? []), `${match![2]} ${match![3]}`]));
      }
    }
    expect([...pins.keys()].sort()).toEqual(["actions/checkout", "actions/setup-node", "pulumi/actions"]);
    for (const [action, shas] of pins) expect([action, shas.size]).toEqual([action, 1]);
  });

  it("never holds a client secret", () => {
    for (const name of fs.readdirSync(path.join(PROJECT_ROOT, ".github", "workflows"))) {
      const text = fs.readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", name), "utf8");
      expect(text).not.toMatch(/ARM_CLIENT_SECRET|AZURE_CLIENT_SECRET|client-secret/i);
    }
  });

  it("destroy runs only by hand, behind an environment", () => {
    const destroy = workflow("destroy.yml");
    expect(Object.keys(destroy.on)).toEqual(["workflow_dispatch"]);
    expect(destroy.jobs.destroy.environment).toBe("destroy");
    expect(steps(destroy, "destroy").find((s) => String(s.uses).startsWith("pulumi/actions@")).with.command).toBe("destroy");
  });
});
