import type { RecordedResource } from "./mockRuntime";
import { planCost, renderCost } from "./cost";
import { renderCycles } from "./cycle";
import type { Plan } from "./plan";

/** The Azure name of a resource: the last segment of its ARM id. */
function azureName(resource: RecordedResource): string {
  return resource.id?.startsWith("/") ? resource.id.split("/").pop() ?? "" : "";
}

function shortType(type: string): string {
  return type.replace(/^azure-native:/, "").replace(/^phi3-foundry:/, "");
}

/** GPU capacity the stack would run, one line per GPU resource. */
function gpuLines(resources: readonly RecordedResource[]): string[] {
  const clusters = resources
    .filter((r) => r.type === "azure-native:machinelearningservices:Compute")
    .map((r) => {
      const props = (r.inputs.properties as any)?.properties ?? {};
      const scale = props.scaleSettings ?? {};
      const idle = String(scale.nodeIdleTimeBeforeScaleDown ?? "").replace(/^PT(\d+)S$/, "$1 s");
      return `training cluster ${azureName(r)}: ${props.vmSize}, ${props.vmPriority}, ${scale.minNodeCount}..${scale.maxNodeCount} nodes, scales down after ${idle} idle`;
    });
  const deployments = resources
    .filter((r) => r.type === "azure-native:machinelearningservices:OnlineDeployment")
    .map((r) => {
      const sku = (r.inputs.sku as { capacity?: number }) ?? {};
      return `online deployment ${azureName(r)}: ${(r.inputs.properties as any)?.instanceType} x ${sku.capacity}, bills every hour it exists`;
    });
  return [...clusters, ...deployments];
}

/** The plan as a person reads it: resources under their components, outputs, GPU capacity and notes. */
export function renderSummary(plan: Plan): string {
  const { document } = plan;
  const children = new Map<string | null, RecordedResource[]>();
  for (const r of document.resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);

  const lines: string[] = [];
  const custom = document.resources.filter((r) => r.custom).length;
  lines.push(`${document.project} · stack ${document.stack} · offline plan (Pulumi mock runtime, no cloud)`, "");
  lines.push(`Resources: ${custom} Azure and provider resources in ${document.resources.length - custom} components`);
  const walk = (parent: string | null, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      if (r.type === "pulumi:pulumi:Stack") {
        walk(r.urn, depth);
        continue;
      }
      const name = azureName(r);
      lines.push(`${"  ".repeat(depth + 1)}${r.custom ? "+" : "■"} ${r.name} (${shortType(r.type)})${name ? `  ${name}` : ""}`);
      walk(r.urn, depth + 1);
    }
  };
  walk(null, 0);

  lines.push("", "Outputs");
  const width = Math.max(...Object.keys(document.outputs).map((k) => k.length));
  for (const [key, value] of Object.entries(document.outputs)) {
    lines.push(`  ${key.padEnd(width)}  ${typeof value === "string" ? value : JSON.stringify(value)}`);
  }

  lines.push("", "GPU");
  const gpu = gpuLines(document.resources);
  lines.push(...(gpu.length ? gpu.map((l) => `  ${l}`) : ["  none"]));

  lines.push("", ...renderCost(planCost(document.resources, plan.prices)));
  if (plan.cycles) lines.push("", ...renderCycles(plan.cycles));

  if (plan.warnings.length > 0) lines.push("", "Warnings", ...plan.warnings.map((w) => `  ! ${w}`));
  lines.push("", "Notes", ...plan.notes.map((n) => `  - ${n}`));
  return lines.join("\n") + "\n";
}
