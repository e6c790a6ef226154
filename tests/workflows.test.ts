import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { PROJECT_ROOT } from "../scripts/shared/stackFiles";

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  "working-directory"?: string;
}
interface Job {
  if?: string;
  environment?: string;
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, any>;
  env?: Record<string, string>;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  jobs: Record<string, Job>;
}

const workflowDir = path.join(PROJECT_ROOT, ".github", "workflows");
const names = fs.readdirSync(workflowDir).filter((name) => /\.ya?ml$/.test(name)).sort();
const text = (name: string) => fs.readFileSync(path.join(workflowDir, name), "utf8");
const workflow = (name: string) => yaml.load(text(name)) as Workflow;
const jobs = () => names.flatMap((name) => Object.entries(workflow(name).jobs).map(([id, job]) => ({ where: `${name} ${id}`, job })));
const steps = (name: string, job: string) => workflow(name).jobs[job].steps;
const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");

/** Credentials and Azure sign-in settings: what only a step that runs Pulumi may hold. */
const isCredential = (key: string, value: unknown) => /^(ARM_|PULUMI_)/.test(key) || String(value).includes("secrets.");
const stepLabel = (s: Step) => s.name ?? s.uses ?? s.run?.split("\n")[0];
const runsPulumi = (s: Step) =>
  (String(s.uses).startsWith("pulumi/actions@") && s.with?.command !== undefined) ||
  /\bpulumi (up|preview|destroy|refresh|cancel|stack)\b/.test(s.run ?? "") ||
  // evaluate reads the stack's outputs with the Pulumi CLI and signs in to Azure for the job's MLflow metrics.
  /\bnpm run -s evaluate -- --stack\b/.test(s.run ?? "");

describe("GitHub workflows: what holds credentials", () => {
  it("are the four workflows this README describes", () => {
    expect(names).toEqual(["ci.yml", "deploy-test.yml", "destroy.yml", "preview.yml"]);
  });

  it("keep secrets and the Azure and Pulumi settings out of workflow-level and job-level env", () => {
    for (const name of names) {
      const held = Object.entries(workflow(name).env ?? {}).filter(([k, v]) => isCredential(k, v));
      expect([name, held]).toEqual([name, []]);
    }
    for (const { where, job } of jobs()) {
      const held = Object.entries(job.env ?? {}).filter(([k, v]) => isCredential(k, v));
      expect([where, held]).toEqual([where, []]);
    }
  });

  it("give them only to the steps that run Pulumi", () => {
    for (const { where, job } of jobs()) {
      for (const step of job.steps) {
        const held = Object.entries(step.env ?? {}).some(([k, v]) => isCredential(k, v)) || JSON.stringify(step.with ?? {}).includes("secrets.PULUMI");
        if (held) expect([where, stepLabel(step), runsPulumi(step)]).toEqual([where, stepLabel(step), true]);
      }
    }
  });

  it("install without install scripts in every job that holds a secret", () => {
    let checked = 0;
    for (const { where, job } of jobs()) {
      if (!JSON.stringify(job).includes("secrets.")) continue;
      for (const line of job.steps.flatMap((s) => (s.run ?? "").split("\n")).filter((l) => /\bnpm (ci|install|i)\b/.test(l))) {
        expect([where, line]).toEqual([where, expect.stringMatching(/^\s*npm ci --ignore-scripts\b/)]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4); // preview (twice), destroy, deploy-test
  });

  it("check out without leaving the token in the git config", () => {
    const checkouts = jobs().flatMap(({ where, job }) => job.steps.filter((s) => String(s.uses).startsWith("actions/checkout@")).map((s) => ({ where, s })));
    expect(checkouts.length).toBeGreaterThanOrEqual(5);
    for (const { where, s } of checkouts) expect([where, s.with?.["persist-credentials"]]).toEqual([where, false]);
  });

  it("never hold a client secret", () => {
    for (const name of names) expect(text(name)).not.toMatch(/ARM_CLIENT_SECRET|AZURE_CLIENT_SECRET|client-secret/i);
  });
});

describe("GitHub workflows: pinned actions", () => {
  const pins = () => {
    const found = new Map<string, Set<string>>();
    for (const name of names) {
      for (const uses of Object.values(workflow(name).jobs).flatMap((job) => job.steps.map((s) => s.uses)).filter((u) => u !== undefined)) {
        expect([name, uses]).toEqual([name, expect.stringMatching(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/)]);
      }
      for (const line of text(name).split("\n").filter((l) => /^\s*(- )?uses:/.test(l))) {
        const match = /uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(line);
        expect([name, match ? "pinned, release named" : line]).toEqual([name, "pinned, release named"]);
        found.set(match![1], new Set([...(found.get(match![1]) ?? []), `${match![2]} ${match![3]}`]));
      }
    }
    return found;
  };

  it("pins every action by a full commit SHA, the release named in a comment, the same pin everywhere", () => {
    const found = pins();
    expect([...found.keys()].sort()).toEqual(["actions/checkout", "actions/setup-node", "pulumi/actions"]);
    for (const [action, shas] of found) expect([action, shas.size]).toEqual([action, 1]);
  });

  // The commits the release tags point to in each action's repository (git rev-list -n1 <tag>).
  it("uses the current major releases", () => {
    const found = pins();
    expect([...found.get("actions/checkout")!]).toEqual(["3d3c42e5aac5ba805825da76410c181273ba90b1 v7.0.1"]);
    expect([...found.get("actions/setup-node")!]).toEqual(["820762786026740c76f36085b0efc47a31fe5020 v7.0.0"]);
    expect([...found.get("pulumi/actions")!]).toEqual(["8e5e406f4007fca908480587cb9893c07090f58d v7.0.0"]);
  });

  it("are named in the README with the same commit and release", () => {
    for (const [action, pinned] of pins()) {
      const [sha, release] = [...pinned][0].split(" ");
      expect(readme).toContain(`\`${action}@${sha.slice(0, 8)}… # ${release}\``);
    }
  });
});

describe("ci.yml", () => {
  it("runs the README's test command and puts the plan in the job summary", () => {
    const runs = steps("ci.yml", "test").map((s) => s.run).join("\n");
    expect(runs).toContain("npm ci --ignore-scripts");
    expect(runs).toContain("npm test");
    expect(runs).toMatch(/npm run -s plan[\s\S]*GITHUB_STEP_SUMMARY/);
  });
});

describe("preview.yml", () => {
  const action = () => steps("preview.yml", "preview").find((s) => String(s.uses).startsWith("pulumi/actions@"))!;

  it("runs pulumi/actions preview on pull requests, commenting, with keyless Azure sign-in on that step", () => {
    const preview = workflow("preview.yml");
    expect(Object.keys(preview.on)).toEqual(["pull_request"]);
    expect(preview.permissions?.["id-token"]).toBe("write");
    expect(action().with).toMatchObject({ command: "preview", "comment-on-pr": true });
    expect(action().env).toMatchObject({ ARM_USE_OIDC: "true", ARM_CLIENT_ID: "${{ vars.AZURE_CLIENT_ID }}" });
  });

  it("previews only pull requests from branches of the repository itself, never a fork's code", () => {
    expect(workflow("preview.yml").jobs.preview.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
  });

  it("checks the preview against the base branch's policy pack, installed from the base branch's lock", () => {
    const all = steps("preview.yml", "preview");
    const base = all.find((s) => String(s.uses).startsWith("actions/checkout@") && s.with?.ref === "${{ github.base_ref }}")!;
    const pulumi = all.findIndex((s) => String(s.uses).startsWith("pulumi/actions@"));
    const dir = String(base.with?.path);
    expect(dir).not.toBe("undefined");
    expect(all[pulumi].with?.policyPacks).toBe(`${dir}/policy`);
    expect(all.find((s) => s["working-directory"] === dir)?.run).toBe("npm ci --ignore-scripts");
    expect(all.indexOf(base)).toBeLessThan(pulumi);
  });
});

describe("destroy.yml", () => {
  it("runs only by hand, from the default branch, behind an environment, one run at a time", () => {
    const destroy = workflow("destroy.yml");
    expect(Object.keys(destroy.on)).toEqual(["workflow_dispatch"]);
    expect(destroy.jobs.destroy.if).toBe("github.ref == format('refs/heads/{0}', github.event.repository.default_branch)");
    expect(destroy.jobs.destroy.environment).toBe("destroy");
    expect(destroy.concurrency?.group).toBe("destroy");
    expect(destroy.concurrency?.["cancel-in-progress"]).toBe(false);
    expect(steps("destroy.yml", "destroy").find((s) => String(s.uses).startsWith("pulumi/actions@"))!.with?.command).toBe("destroy");
  });
});

describe("deploy-test.yml", () => {
  const wf = () => workflow("deploy-test.yml");
  const job = () => Object.values(wf().jobs)[0];
  const stage = (id: string) => {
    const all = job().steps;
    const found = all.find((s) => s.id === id);
    if (!found) throw new Error(`deploy-test.yml has no step with id ${id}`);
    return { step: found, index: all.indexOf(found) };
  };

  it("runs by hand and on a weekly schedule, one run at a time, in a protected environment, with keyless sign-in", () => {
    expect(Object.keys(wf().on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    expect(wf().on.schedule).toEqual([{ cron: expect.stringMatching(/^\S+ \S+ \* \* [0-6]$/) }]);
    expect(wf().concurrency?.group).toBe("deploy-test");
    expect(wf().concurrency?.["cancel-in-progress"]).toBe(false);
    expect(job().environment).toBe("deploy-test");
    expect(wf().permissions?.["id-token"]).toBe("write");
    expect(stage("up").step.env).toMatchObject({
      ARM_USE_OIDC: "true",
      ARM_CLIENT_ID: "${{ vars.AZURE_CLIENT_ID }}",
      ARM_TENANT_ID: "${{ vars.AZURE_TENANT_ID }}",
      ARM_SUBSCRIPTION_ID: "${{ vars.AZURE_SUBSCRIPTION_ID }}",
    });
  });

  it("brings up the canary stack, smokes it, then destroys it whatever happened before", () => {
    const [up, smoke, destroy] = [stage("up"), stage("smoke"), stage("destroy")];
    expect(up.step.run).toMatch(/^pulumi up --yes --non-interactive --stack canary\b/m);
    expect(smoke.step.run).toMatch(/^npm run -s smoke\b/m);
    expect(destroy.step.run).toMatch(/pulumi destroy --yes --non-interactive --stack canary/);
    expect(["always()", "${{ always() }}"]).toContain(destroy.step.if);
    expect(up.index).toBeLessThan(smoke.index);
    expect(smoke.index).toBeLessThan(destroy.index);
  });

  it("evaluates the canary's model after smoke and before destroy, only when up succeeded, reading the stack itself", () => {
    const [smoke, evaluate, destroy] = [stage("smoke"), stage("evaluate"), stage("destroy")];
    expect(evaluate.step.run).toMatch(/^npm run -s evaluate -- --stack canary --out "\$RUNNER_TEMP\/evaluation"$/m);
    expect(evaluate.step.if).toBe("${{ steps.up.outcome == 'success' }}");
    expect(evaluate.step.run).not.toMatch(/ENDPOINT_KEY|--show-secrets/);
    expect(smoke.index).toBeLessThan(evaluate.index);
    expect(evaluate.index).toBeLessThan(destroy.index);
  });

  it("hands smoke the endpoint key masked, in its own step's environment", () => {
    const run = stage("smoke").step.run!;
    expect(run).toMatch(/PHI3_ENDPOINT_KEY="\$\(pulumi stack output endpointKey --show-secrets --stack canary\)"/);
    expect(run.indexOf('echo "::add-mask::$PHI3_ENDPOINT_KEY"')).toBeGreaterThan(0);
    expect(run.indexOf('echo "::add-mask::$PHI3_ENDPOINT_KEY"')).toBeLessThan(run.indexOf("npm run -s smoke"));
    // The only echo of the key is the mask command.
    expect(run.split("\n").filter((l) => /echo[^\n]*PHI3_ENDPOINT_KEY/.test(l))).toHaveLength(1);
  });

  it("writes each stage's outcome and duration and the smoke answer to the run summary, whatever happened", () => {
    const summary = job().steps.find((s) => s.run?.includes("GITHUB_STEP_SUMMARY"))!;
    expect(["always()", "${{ always() }}"]).toContain(summary.if);
    for (const id of ["up", "smoke", "evaluate", "destroy"]) {
      expect(Object.values(summary.env ?? {})).toEqual(expect.arrayContaining([`\${{ steps.${id}.outcome }}`, `\${{ steps.${id}.outputs.seconds }}`]));
      expect(stage(id).step.run).toContain(`trap 'echo "seconds=$SECONDS" >> "$GITHUB_OUTPUT"' EXIT`);
    }
    expect(stage("smoke").step.run).toContain('| tee "$RUNNER_TEMP/smoke.txt"');
    expect(summary.run).toContain('cat "$RUNNER_TEMP/smoke.txt"');
  });

  it("names in the README every variable and secret it reads, and the environment", () => {
    const section = readme.slice(readme.indexOf("## Deploy test"), readme.indexOf("\n## ", readme.indexOf("## Deploy test") + 3));
    expect(section.length).toBeGreaterThan(100);
    const read = new Set([...text("deploy-test.yml").matchAll(/\$\{\{ (?:vars|secrets)\.(\w+) \}\}/g)].map((m) => m[1]));
    expect([...read].sort()).toEqual(["AZURE_CLIENT_ID", "AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID", "PULUMI_ACCESS_TOKEN", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE"]);
    for (const name of [...read, "deploy-test"]) expect([name, section.includes(`\`${name}\``)]).toEqual([name, true]);
  });
});
