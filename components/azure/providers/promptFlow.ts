import type * as pulumi from "@pulumi/pulumi";
import { AzureFilesClient } from "../rest/azureFiles";
import { diffInputs, diffResult } from "./dynamicDiff";
import { keepOutputs, readState } from "./dynamicState";
import {
  armScope,
  CreateFlowRequest,
  FLOW_DAG_YAML,
  FLOW_SHARE_DIR,
  flowFileShare,
  FlowDto,
  FlowServiceClient,
  readFlowWorkspace,
  UpdateFlowRequest,
  userAlias,
} from "../rest/flowService";
import { WorkspaceAddress, workspacePath } from "../rest/machineLearning";
import { AzureProvider, azureFor, keepStackConfig } from "./providerSupport";

/** One file of the flow's folder: its path in the folder (`/`-separated) and its bytes, base64. */
/** One file of a flow's folder. */
export interface FlowFile {
  /** Its path in the folder, with forward slashes. */
  readonly path: string;
  /** Its text. */
  readonly content: string;
}

export interface PromptFlowInputs extends WorkspaceAddress {
  /** The flow's display name (CreateFlowRequest `flowName`). */
  readonly flowName: string;
  /** The flow's kind (CreateFlowRequest `flowType`): `chat` for a chat flow. */
  readonly flowType: CreateFlowRequest["flowType"];
  /** The flow's description (CreateFlowRequest `description`). */
  readonly description?: string;
  /** The flow's tags (CreateFlowRequest `tags`). */
  readonly tags?: Readonly<Record<string, string>>;
  /** The local folder's name: the folder in the file share is `<sourceName>-<creation time>`, as pfazure names it. */
  readonly sourceName: string;
  /** Every file of the folder, uploaded as they are. */
  readonly files: readonly FlowFile[];
  /** A digest of the files: a change to any file is an update. */
  readonly contentHash: string;
  /** The project connection the flow's nodes use; an input so that the flow is created after it. */
  readonly connectionName: string;
}

export interface PromptFlowOutputs extends PromptFlowInputs {
  /** The flow's id, which pfazure calls its name: a GUID the service assigns. */
  readonly flowId: string;
  /** `azureml://locations/<region>/workspaces/<workspace id>/flows/<flow id>`. */
  readonly flowResourceId: string;
  /** The flow in the studio (the service's studioPortalEndpoint). */
  readonly portalUrl: string;
  /** The flow's folder in the file share, `Users/<alias>/promptflow/<sourceName>-<time>`, where updates go. */
  readonly folder: string;
}

/** pfazure's folder suffix: `datetime.now().strftime('%m-%d-%Y-%H-%M-%S')` (here in UTC). */
export function folderTimestamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return [two(date.getUTCMonth() + 1), two(date.getUTCDate()), date.getUTCFullYear(), two(date.getUTCHours()), two(date.getUTCMinutes()), two(date.getUTCSeconds())].join("-");
}

/** The directories a set of files needs under their folder, parents first. */
export function directoriesOf(files: readonly FlowFile[]): string[] {
  const dirs = new Set<string>();
  for (const file of files) {
    const parts = file.path.split("/").slice(0, -1);
    parts.forEach((_, i) => dirs.add(parts.slice(0, i + 1).join("/")));
  }
  return [...dirs].sort((a, b) => a.split("/").length - b.split("/").length || (a < b ? -1 : 1));
}

/** Writes files into a folder that exists, creating the subdirectories they need. */
async function writeFiles(share: AzureFilesClient, folder: string, files: readonly FlowFile[]): Promise<void> {
  for (const dir of directoriesOf(files)) await share.createDirectory(`${folder}/${dir}`);
  for (const file of files) await share.uploadFile(`${folder}/${file.path}`, Buffer.from(file.content, "base64"));
}

/** The metadata `pfazure flow update` can change, without the unset ones. */
function metadataOf(inputs: PromptFlowInputs): UpdateFlowRequest {
  return Object.fromEntries(Object.entries({ flowName: inputs.flowName, description: inputs.description, tags: inputs.tags }).filter(([, v]) => v !== undefined));
}

/** The studio link when the service gives none: promptflow's `https://ml.azure.com/prompts/flow/<workspace-id>/<flow-id>/...` form. */
function studioLink(ws: WorkspaceAddress, workspaceId: string, flowId: string): string {
  return `https://ml.azure.com/prompts/flow/${workspaceId}/${flowId}/details?wsid=${workspacePath(ws)}`;
}

/**
 * The flow an interrupted create left behind (its CreateFlow reached the service, its answer did not reach us), which
 * this create adopts instead of making a second: a flow of the workspace not archived, of the same name and type, that
 * carries every one of the resource's tags (ChatFlow tags its flow with the stack's `project` and `stack`). Without
 * tags nothing marks a flow as the stack's, and none is adopted; two such flows are an error that names them.
 */
async function leftBehind(service: FlowServiceClient, workspaceId: string, inputs: PromptFlowInputs): Promise<{ flow: FlowDto; folder: string } | undefined> {
  const tags = Object.entries(inputs.tags ?? {});
  if (tags.length === 0) return undefined;
  const ours = (await service.list(workspaceId)).filter(
    (f) =>
      !f.isArchived &&
      f.flowName === inputs.flowName &&
      f.flowType?.toLowerCase() === inputs.flowType &&
      tags.every(([key, value]) => f.tags?.[key] === value) &&
      f.flowDefinitionFilePath?.endsWith(`/${FLOW_DAG_YAML}`),
  );
  if (ours.length > 1) {
    throw new Error(
      `workspace ${inputs.workspaceName} has ${ours.length} flows named ${inputs.flowName} with this stack's tags (${ours.map((f) => f.flowId).join(", ")}); ` +
        "archive all but one in the studio's Prompt flow page, then run `pulumi up` again",
    );
  }
  const [flow] = ours;
  return flow ? { flow, folder: flow.flowDefinitionFilePath!.slice(0, -`/${FLOW_DAG_YAML}`.length) } : undefined;
}

/** Keys that place the flow: a change is a new flow. The flow service cannot change a flow's type either. */
const IDENTITY_KEYS = ["subscriptionId", "resourceGroupName", "workspaceName", "flowType"];
const OUTPUT_ONLY: (keyof PromptFlowOutputs)[] = ["flowId", "flowResourceId", "portalUrl", "folder"];

/** What the flow service reports of a flow now, for `read`; undefined when it is gone or archived. */
async function liveFlow(provider: AzureProvider, id: string, props: PromptFlowOutputs): Promise<Pick<PromptFlowOutputs, "flowName" | "portalUrl"> | undefined> {
  const { arm, cloud, credential, limits } = await azureFor(provider);
  const ws = await readFlowWorkspace(arm, props);
  const flow = ws ? await new FlowServiceClient(cloud, credential, ws, props, limits).get(id, ws.workspaceId) : undefined;
  // An archived flow is off the Prompt flow page: the next `pulumi up` creates the flow again.
  if (!flow || flow.isArchived) return undefined;
  return { flowName: flow.flowName ?? props.flowName, portalUrl: flow.studioPortalEndpoint ?? props.portalUrl };
}

/**
 * A Prompt flow in a workspace, created as `pfazure flow create` creates one: the folder's files uploaded to
 * `Users/<alias>/promptflow/<name>-<time>` on the share of the workspace's `workspaceworkingdirectory` datastore, then
 * the flow service's CreateFlow pointing at its flow.dag.yaml. The flow service can change only a flow's name,
 * description and tags; its files are its source, so a change of files rewrites them in the same folder, as the
 * studio's editor saves them, and the flow keeps its id and link. Delete archives the flow (the flow API has no delete):
 * Azure keeps the archived flow, which the studio can restore, and its folder on the file share.
 */
export const promptFlowProvider: pulumi.dynamic.ResourceProvider<PromptFlowInputs, PromptFlowOutputs> & AzureProvider = {
  async configure(req) {
    await keepStackConfig(this, req);
  },
  async create(inputs) {
    const { arm, cloud, credential, limits } = await azureFor(this);
    const ws = await readFlowWorkspace(arm, inputs);
    if (!ws) throw new Error(`workspace ${inputs.workspaceName} does not exist in resource group ${inputs.resourceGroupName}`);
    // Before anything is uploaded: a workspace whose flow service is at a foreign host is refused here.
    const service = new FlowServiceClient(cloud, credential, ws, inputs, limits);
    const adopted = await leftBehind(service, ws.workspaceId, inputs);
    const share = new AzureFilesClient(await flowFileShare(arm, inputs, cloud), credential);
    let folder: string;
    let flow: FlowDto;
    if (adopted) {
      // Its files were uploaded before its CreateFlow; they are written again, as an update would.
      folder = adopted.folder;
      await writeFiles(share, folder, inputs.files);
      flow = adopted.flow;
    } else {
      const token = await credential.getToken(armScope(cloud));
      const userFolder = `Users/${userAlias(token?.token ?? "")}/${FLOW_SHARE_DIR}`;
      for (const dir of ["Users", userFolder.split("/").slice(0, 2).join("/"), userFolder]) await share.createDirectory(dir);
      const name = `${inputs.sourceName}-${folderTimestamp(new Date())}`;
      folder = `${userFolder}/${name}`;
      if (await share.directoryExists(folder)) {
        throw new Error(`Remote flow folder '${name}' already exists under '${userFolder}'; run \`pulumi up\` again for a new one.`);
      }
      await share.createDirectory(folder);
      await writeFiles(share, folder, inputs.files);
      flow = await service.create({ ...metadataOf(inputs), flowName: inputs.flowName, flowDefinitionFilePath: `${folder}/${FLOW_DAG_YAML}`, flowType: inputs.flowType });
    }
    const outs: PromptFlowOutputs = {
      ...inputs,
      flowId: flow.flowId,
      flowResourceId: flow.flowResourceId ?? "",
      portalUrl: flow.studioPortalEndpoint ?? studioLink(inputs, ws.workspaceId, flow.flowId),
      folder,
    };
    return { id: flow.flowId, outs };
  },
  async diff(_id, olds, news) {
    return diffResult(diffInputs(olds, news, OUTPUT_ONLY), IDENTITY_KEYS);
  },
  async update(id, olds, news) {
    if (diffInputs(olds, news, OUTPUT_ONLY).changed.length === 0) return { outs: keepOutputs(olds, news, OUTPUT_ONLY) };
    const { arm, cloud, credential, limits } = await azureFor(this);

    const before = new Map(olds.files.map((f) => [f.path, f.content]));
    const written = news.files.filter((f) => before.get(f.path) !== f.content);
    const removed = olds.files.filter((f) => !news.files.some((n) => n.path === f.path));
    if (written.length > 0 || removed.length > 0) {
      const share = new AzureFilesClient(await flowFileShare(arm, news, cloud), credential);
      await writeFiles(share, olds.folder, written);
      for (const file of removed) await share.deleteFile(`${olds.folder}/${file.path}`);
    }
    if (JSON.stringify(metadataOf(olds)) !== JSON.stringify(metadataOf(news))) {
      const ws = await readFlowWorkspace(arm, news);
      if (!ws) throw new Error(`workspace ${news.workspaceName} does not exist in resource group ${news.resourceGroupName}`);
      await new FlowServiceClient(cloud, credential, ws, news, limits).update(id, ws.workspaceId, metadataOf(news));
    }
    return { outs: keepOutputs(olds, news, OUTPUT_ONLY) };
  },
  async read(id, props) {
    return readState(id, props, props && (await liveFlow(this, id, props)));
  },
  async delete(id, olds) {
    const { arm, cloud, credential, limits } = await azureFor(this);
    const ws = await readFlowWorkspace(arm, olds);
    if (!ws) return; // the workspace, and its flows with it, is gone
    await new FlowServiceClient(cloud, credential, ws, olds, limits).archive(id, ws.workspaceId);
  },
};

/** The resource's inputs as {@link PromptFlowInputs} documents them, each of which may come from another resource. */
export type PromptFlowArgs = { readonly [K in keyof PromptFlowInputs]: pulumi.Input<PromptFlowInputs[K]> };
