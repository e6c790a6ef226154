import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { withDefaults } from "../domain/defaults";
import { FLOW_DAG_YAML } from "./azure/rest/flowService";
import type { FlowFile } from "./azure/providers/promptFlow";
import { PromptFlow } from "./azure/providers/resources";
import { readFlowFiles } from "./flowFolder";
import type { ProjectHandle } from "./foundry";

/** A digest of the files' paths and bytes: what decides whether `pulumi up` rewrites the flow. */
export function flowContentHash(files: readonly FlowFile[]): string {
  const digest = createHash("sha256");
  for (const file of files) digest.update(`${file.path}\0${createHash("sha256").update(Buffer.from(file.content, "base64")).digest("hex")}\n`);
  return digest.digest("hex");
}

/** A DAG flow's definition, the parts read here. */
interface FlowDefinition {
  readonly description?: string;
  readonly tags?: Record<string, string>;
  readonly nodes?: { readonly name?: string; readonly inputs?: Record<string, unknown>; readonly connection?: string }[];
}

/** The connections a flow's nodes name: a node's `connection` (llm nodes) or its `connection` input (Python tools). */
export function flowConnections(definition: FlowDefinition): string[] {
  const names = (definition.nodes ?? []).flatMap((node) => [node.connection, node.inputs?.connection]).filter((c): c is string => typeof c === "string");
  return [...new Set(names)].sort();
}

export interface ChatFlowArgs {
  /**
   * The Foundry project the flow goes into. Its Custom keys connection is the only connection the flow's nodes may
   * name, and the flow is created once it exists; its `flowFileAccess`, when given, lets the deployer write the
   * project's file share (the files are uploaded with the deployer's token), so the flow waits for it.
   */
  readonly project: ProjectHandle;
  /** The flow's folder on disk (it holds flow.dag.yaml). */
  readonly directory: string;
  /** The flow's display name; the folder's name by default. */
  readonly displayName?: string;
  /** Tags of the flow, after the flow.dag.yaml's own. */
  readonly tags?: Record<string, string>;
}

/**
 * The chat flow in the Foundry project, made by `pulumi up` as `pfazure flow create` would make it, and rewritten in
 * place when its files change. Its description and tags come from flow.dag.yaml, as pfazure takes them.
 */
export class ChatFlow extends pulumi.ComponentResource {
  public readonly flowId: pulumi.Output<string>;
  public readonly flowName: pulumi.Output<string>;
  /** The flow in the studio. */
  public readonly portalUrl: pulumi.Output<string>;

  constructor(name: string, args: ChatFlowArgs, opts?: pulumi.ComponentResourceOptions) {
    const settings = withDefaults({ displayName: path.basename(args.directory) }, args);
    const { project } = settings;
    const connection = project.endpointConnection;
    if (!connection) throw new Error("ChatFlow: project has no Custom keys connection (Foundry was given no endpoint); the flow calls the endpoint through one");
    const definitionFile = path.join(settings.directory, FLOW_DAG_YAML);
    if (!fs.existsSync(definitionFile)) throw new Error(`ChatFlow: ${definitionFile} does not exist`);
    const definition = (yaml.load(fs.readFileSync(definitionFile, "utf8")) ?? {}) as FlowDefinition;
    const others = flowConnections(definition).filter((c) => c !== connection.name);
    if (others.length > 0) {
      throw new Error(`ChatFlow: ${definitionFile} uses connection(s) ${others.join(", ")}; the project has only ${connection.name}`);
    }
    const files = readFlowFiles(settings.directory);
    super("phi3-foundry:integrate:ChatFlow", name, {}, opts);

    const flow = new PromptFlow(
      `${name}-flow`,
      {
        subscriptionId: project.subscriptionId,
        resourceGroupName: project.resourceGroupName,
        workspaceName: project.projectName,
        flowName: settings.displayName,
        flowType: "chat",
        ...(definition.description ? { description: definition.description } : {}),
        ...(definition.tags || settings.tags ? { tags: { ...definition.tags, ...settings.tags } } : {}),
        sourceName: path.basename(settings.directory),
        files,
        contentHash: flowContentHash(files),
        connectionName: connection.created,
      },
      { parent: this, dependsOn: project.flowFileAccess ? [project.flowFileAccess] : [] },
    );

    this.flowId = flow.flowId;
    this.flowName = flow.flowName;
    this.portalUrl = flow.portalUrl;
    this.registerOutputs({ flowId: this.flowId, flowName: this.flowName, portalUrl: this.portalUrl });
  }
}
