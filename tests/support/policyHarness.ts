import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { policies } from "../../policy/rules";
import type { RecordedResource } from "../../scripts/plan/mockRuntime";

/**
 * The policy pack run as the engine runs it, on resources as the program registers them: resource rules get one
 * resource with a real type check (the class's type token), stack rules get every resource with its dependencies.
 */

const NOT_APPLICABLE = new Error("not applicable");
const OPTIONS = { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] };
const notApplicable = (): never => {
  throw NOT_APPLICABLE; // as the engine does: the policy skips this resource
};

export type Policy = ResourceValidationPolicy | StackValidationPolicy;

export function policy(name: string): Policy {
  const found = policies.find((p) => p.name === name);
  if (!found) throw new Error(`no policy ${name}`);
  return found;
}

/** Validation args as the policy engine builds them, with a real type check. */
function resourceArgs(type: string, props: Record<string, unknown>, name = "r"): ResourceValidationArgs {
  return {
    type,
    props,
    urn: `urn:pulumi:test::phi3-foundry::${type}::${name}`,
    name,
    opts: OPTIONS as any,
    stackTags: new Map(),
    isType: (cls: any) => cls.__pulumiType === type,
    asType: () => undefined,
    getConfig: () => ({}) as any,
    notApplicable,
  } as unknown as ResourceValidationArgs;
}

/** The messages a resource rule reports for one resource, or "not applicable" when it skips the resource's type. */
export async function violations(p: Policy, type: string, props: Record<string, unknown>, name?: string): Promise<string[] | "not applicable"> {
  if (!("validateResource" in p)) return "not applicable";
  const found: string[] = [];
  try {
    for (const validate of ([] as any[]).concat(p.validateResource ?? [])) {
      await validate(resourceArgs(type, props, name), (message: string) => found.push(message));
    }
  } catch (err) {
    if (err === NOT_APPLICABLE) return "not applicable";
    throw err;
  }
  return found;
}

/** Resources as a stack rule sees them: inputs as props, every recorded dependency as a resource. */
export function policyResources(recorded: readonly RecordedResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  for (const r of recorded) {
    byUrn.set(r.urn, {
      type: r.type,
      props: r.inputs,
      urn: r.urn,
      name: r.name,
      opts: OPTIONS as any,
      dependencies: [],
      propertyDependencies: {},
      isType: (cls: any) => cls.__pulumiType === r.type,
      asType: () => undefined,
    } as unknown as PolicyResource);
  }
  for (const r of recorded) {
    const resource = byUrn.get(r.urn)!;
    resource.dependencies = r.dependsOn.map((urn) => byUrn.get(urn)).filter((d): d is PolicyResource => d !== undefined);
    if (r.parent) resource.parent = byUrn.get(r.parent);
  }
  return [...byUrn.values()];
}

/** The messages a stack rule reports for a set of resources, each prefixed by the resource's name. */
export async function stackViolations(p: Policy, resources: PolicyResource[]): Promise<string[] | "not applicable"> {
  if (!("validateStack" in p)) return "not applicable";
  const found: string[] = [];
  const args: StackValidationArgs = { resources, stackTags: new Map(), getConfig: () => ({}) as any, notApplicable };
  try {
    await p.validateStack(args, (message: string, urn?: string) => found.push(`${urn?.split("::").pop() ?? "stack"}: ${message}`));
  } catch (err) {
    if (err === NOT_APPLICABLE) return "not applicable";
    throw err;
  }
  return found;
}

/** Every violation the whole pack reports for a plan's resources, and how many (rule, resource) checks applied. */
export async function packViolations(recorded: readonly RecordedResource[]): Promise<{ reported: string[]; checked: number }> {
  const reported: string[] = [];
  let checked = 0;
  for (const p of policies) {
    if ("validateStack" in p) {
      const result = await stackViolations(p, policyResources(recorded));
      if (result === "not applicable") continue;
      checked++;
      reported.push(...result.map((message) => `${p.name}: ${message}`));
      continue;
    }
    for (const resource of recorded.filter((r) => r.custom)) {
      const result = await violations(p, resource.type, resource.inputs, resource.name);
      if (result === "not applicable") continue;
      checked++;
      reported.push(...result.map((message) => `${resource.name}: ${p.name}: ${message}`));
    }
  }
  return { reported, checked };
}
