/**
 * The chat flow's custom resource driven as the engine drives it (its stored code, the SDK's dynamic-provider server,
 * gRPC) against Azure played by the local HTTPS stand-in: ARM (machineLearningServices 2025-12-01 workspaces and
 * datastores in mfe.json), Azure Files by Entra ID with the backup intent through Azure's SDK
 * (learn.microsoft.com/azure/storage/files/authorize-oauth-rest), and Prompt flow's flow service
 * (promptflow-azure _restclient/swagger.json `Flows`). The requests are the ones `pfazure flow create` sends, as
 * promptflow-recording's test_flow_operations_TestFlow_test_create_flow.yaml recorded them.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { shareUrl } from "../components/azure/rest/azureFiles";
import { AZURE_CLOUDS, checkMetadataEndpoint } from "../components/azure/rest/cloud";
import { flowServiceOrigin, userAlias } from "../components/azure/rest/flowService";
import { directoriesOf, FlowFile, folderTimestamp } from "../components/azure/providers/promptFlow";
import { FLOW_PROVIDER } from "../components/azure/providers/resources";
import { providerText } from "../components/azure/providers/dynamicResource";
import { ChatFlow, flowConnections, flowContentHash } from "../components/chatFlow";
import { readFlowFiles } from "../components/flowFolder";
import { Foundry } from "../components/foundry";
import { FLOW_DIRECTORY } from "../infra/program";
import { PROJECT_ROOT } from "../domain/paths";
import { AzureStandIn, FlowWorkspace, RecordedRequest, STAND_IN_CLIENT, STAND_IN_SUBSCRIPTION, STAND_IN_TENANT } from "./support/azureStandIn";
import { DynamicProviderDriver, PROVIDER_KEY, Props } from "./support/dynamicProviderDriver";
import { input, runProgram, single } from "./helpers";

/** Azure ML's REST API version, as its spec names it: azure-rest-api-specs specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2025-12-01. */
const ML_API_VERSION = "2025-12-01";
/** The project's Custom keys connection, as the README names it. */
const CONNECTION = "phi3-endpoint";

const flowDir = path.join(PROJECT_ROOT, FLOW_DIRECTORY);
const files = readFlowFiles(flowDir);
const text = (file: FlowFile) => Buffer.from(file.content, "base64").toString("utf8");

let azure: AzureStandIn;
let driver: DynamicProviderDriver;
let code: string;

/** The stack's config as the engine hands it to the provider: azure-native's service principal and cloud. */
const stackConfig = (extra: Record<string, string> = {}) => ({
  "azure-native:clientId": STAND_IN_CLIENT.id,
  "azure-native:clientSecret": STAND_IN_CLIENT.secret,
  "azure-native:tenantId": STAND_IN_TENANT,
  "azure-native:metadataHost": azure.host,
  ...extra,
});

beforeAll(async () => {
  azure = await AzureStandIn.start();
  driver = await DynamicProviderDriver.start({ NODE_EXTRA_CA_CERTS: azure.caFile });
  await driver.configure(stackConfig());
  code = providerText(FLOW_PROVIDER);
}, 60_000);

afterAll(async () => {
  // Nothing in this file lists a storage key: the files go up with the deployer's token.
  expect(azure.requests.filter((r) => /\/(listSecrets|listKeys)$/.test(r.path))).toEqual([]);
  await driver?.stop();
  await azure?.close();
});

const urn = "urn:pulumi:dev::phi3-foundry::phi3-foundry:integrate:ChatFlow$pulumi-nodejs:dynamic/phi3-foundry:PromptFlow::chat-flow-flow";
const ML = "/providers/Microsoft.MachineLearningServices";
const tags = { project: "phi3-foundry", stack: "dev" };
const description = "Chat with the fine-tuned Phi-3 through the project's Custom keys connection phi3-endpoint.";

/** The resource's inputs for a project of the stand-in, as ChatFlow registers them. */
function inputs(workspaceName: string, extra: Props = {}, flowFiles: FlowFile[] = files): Props {
  return {
    subscriptionId: STAND_IN_SUBSCRIPTION,
    resourceGroupName: "rg-phi3",
    workspaceName,
    flowName: "phi3-chat",
    flowType: "chat",
    description,
    tags,
    sourceName: "phi3-chat",
    files: flowFiles as unknown as Props[],
    contentHash: flowContentHash(flowFiles),
    connectionName: CONNECTION,
    [PROVIDER_KEY]: code,
    ...extra,
  };
}

/** The requests after `from`, one line each (`METHOD host-relative path?query`), token requests left out. */
function sent(from: number): RecordedRequest[] {
  return azure.requests.slice(from).filter((r) => !r.path.includes("/oauth2/") && !r.path.includes("/.well-known/") && r.path !== "/metadata/endpoints");
}
function lines(requests: RecordedRequest[], replace: Record<string, string>): string[] {
  return requests.map((r) => {
    const query = new URLSearchParams(r.query).toString();
    let line = `${r.method} ${decodeURIComponent(r.path)}${query ? `?${query}` : ""}`;
    for (const [from, to] of Object.entries(replace)) line = line.split(from).join(to);
    return line;
  });
}

/** Creates a flow in a new project of the stand-in. */
async function created(workspaceName: string): Promise<{ ws: FlowWorkspace; id: string; props: Props; from: number }> {
  const ws = azure.addFlowWorkspace(workspaceName);
  const from = azure.requests.length;
  const result = await driver.create(urn, inputs(workspaceName));
  return { ws, ...result, from };
}

describe("PromptFlow through the dynamic-provider server", () => {
  it("uploads each flow file to the project's file share, then creates the flow with the flow service, as pfazure flow create", async () => {
    const { ws, id, props, from } = await created("proj-create");
    const folder = String(props.folder);
    expect(folder).toMatch(new RegExp(`^Users/${STAND_IN_CLIENT.objectId}/promptflow/phi3-chat-\\d\\d-\\d\\d-\\d{4}-\\d\\d-\\d\\d-\\d\\d$`));

    const requests = sent(from);
    const workspace = `/subscriptions/${STAND_IN_SUBSCRIPTION}/resourceGroups/rg-phi3${ML}/workspaces/proj-create`;
    const share = `/${ws.accountName}/${ws.shareName}`;
    expect(lines(requests, { [workspace]: "<project>", [share]: "<share>", [folder]: "<folder>", [ws.workspaceId]: "<workspace id>" })).toEqual([
      `GET <project>?api-version=${ML_API_VERSION}`,
      // Flows_ListFlows: none of the workspace's flows carries the stack's tags, so there is none to adopt.
      "GET /flow/api<project>/Flows?experimentId=<workspace id>&listViewType=ActiveOnly",
      `GET <project>/datastores/workspaceworkingdirectory?api-version=${ML_API_VERSION}`,
      // timeout: the server-side limit of each try, in seconds (Azure Files REST "timeout" URI parameter).
      "PUT <share>/Users?restype=directory&timeout=120",
      `PUT <share>/Users/${STAND_IN_CLIENT.objectId}?restype=directory&timeout=120`,
      `PUT <share>/Users/${STAND_IN_CLIENT.objectId}/promptflow?restype=directory&timeout=120`,
      "GET <share>/<folder>?restype=directory&timeout=120",
      "PUT <share>/<folder>?restype=directory&timeout=120",
      ...files.flatMap((f) => [`PUT <share>/<folder>/${f.path}?timeout=120`, `PUT <share>/<folder>/${f.path}?comp=range&timeout=120`]),
      "POST /flow/api<project>/Flows",
    ]);

    // Every file request: the deployer's storage token, the backup intent, a REST version that takes OAuth (2022-11-02 or later).
    for (const request of requests.filter((r) => r.path.startsWith(share))) {
      expect(request.headers["x-ms-file-request-intent"]).toBe("backup");
      expect(String(request.headers["x-ms-version"]) >= "2022-11-02").toBe(true);
      const claims = JSON.parse(Buffer.from(String(request.headers.authorization).replace(/^Bearer /, "").split(".")[1], "base64url").toString());
      expect(claims).toMatchObject({ aud: "https://storage.azure.com", oid: STAND_IN_CLIENT.objectId });
    }
    // Each file: Create File at its size, then its bytes in one Put Range with their MD5.
    for (const file of files) {
      const [create, range] = requests.filter((r) => decodeURIComponent(r.path) === `${share}/${folder}/${file.path}`);
      const bytes = Buffer.from(file.content, "base64");
      expect(create.headers).toMatchObject({ "x-ms-type": "file", "x-ms-content-length": String(bytes.length) });
      expect(range.headers).toMatchObject({
        "x-ms-range": `bytes=0-${bytes.length - 1}`,
        "x-ms-write": "update",
        "content-md5": createHash("md5").update(bytes).digest("base64"),
      });
      expect(range.body).toBe(text(file));
    }
    expect(azure.flowFolder("proj-create", folder)).toEqual(Object.fromEntries(files.map((f) => [f.path, text(f)])));

    // CreateFlowRequest as pfazure sends it, with an ARM token (audience: the resource manager) and no api-version.
    const create = requests.at(-1)!;
    expect(create.query).toEqual({});
    const claims = JSON.parse(Buffer.from(String(create.headers.authorization).split(".")[1], "base64url").toString());
    expect(claims).toMatchObject({ aud: azure.url, oid: STAND_IN_CLIENT.objectId });
    expect(create.body).toEqual({ flowName: "phi3-chat", description, tags, flowDefinitionFilePath: `${folder}/flow.dag.yaml`, flowType: "chat" });

    expect(id).toBe(azure.flows.get(id)?.flowId);
    expect(props).toMatchObject({
      flowId: id,
      flowResourceId: `azureml://locations/eastus2/workspaces/${ws.workspaceId}/flows/${id}`,
      portalUrl: `https://ml.azure.com/prompts/flow/${ws.workspaceId}/${id}/details?wsid=/subscriptions/${STAND_IN_SUBSCRIPTION}/resourcegroups/rg-phi3${ML}/workspaces/proj-create`,
    });
  });

  it("second up unchanged: no change; another project: a new flow", async () => {
    const { id, props } = await created("proj-same");
    await expect(driver.diff(urn, id, props, inputs("proj-same"))).resolves.toEqual({ changes: "none", replaces: [] });
    await expect(driver.diff(urn, id, props, inputs("proj-other"))).resolves.toEqual({ changes: "some", replaces: ["workspaceName"] });
  });

  it("changed files are rewritten in the flow's own folder and a removed one deleted: same flow, no new one", async () => {
    const { id, props } = await created("proj-edit");
    const folder = String(props.folder);
    const dag = files.find((f) => f.path === "flow.dag.yaml")!;
    const edited = files
      .filter((f) => f.path !== "requirements.txt")
      .map((f) => (f === dag ? { ...f, content: Buffer.from(`${text(f)}# edited\n`).toString("base64") } : f));
    const news = inputs("proj-edit", {}, edited);
    await expect(driver.diff(urn, id, props, news)).resolves.toEqual({ changes: "some", replaces: [] });

    const [from, flowCount] = [azure.requests.length, azure.flows.size];
    const updated = await driver.update(urn, id, props, news);
    expect(updated).toMatchObject({ flowId: id, folder, portalUrl: props.portalUrl });
    const share = sent(from).filter((r) => !r.path.startsWith("/subscriptions/"));
    expect(lines(share, { [folder]: "<folder>" }).map((l) => l.replace(/^(\w+) \/[^/]+\/[^/]+\//, "$1 "))).toEqual([
      "PUT <folder>/flow.dag.yaml?timeout=120",
      "PUT <folder>/flow.dag.yaml?comp=range&timeout=120",
      "DELETE <folder>/requirements.txt?timeout=120",
    ]);
    expect(azure.flowFolder("proj-edit", folder)["flow.dag.yaml"]).toMatch(/# edited\n$/);
    expect(azure.flowFolder("proj-edit", folder)["requirements.txt"]).toBeUndefined();
    expect(azure.flows.size).toBe(flowCount);
    expect(sent(from).some((r) => r.path.includes("/Flows"))).toBe(false);
  });

  it("a new display name goes to the flow service's UpdateFlow with the workspace id as experimentId", async () => {
    const { ws, id, props } = await created("proj-rename");
    const from = azure.requests.length;
    await driver.update(urn, id, props, inputs("proj-rename", { flowName: "phi3-chat-v2" }));
    const put = sent(from).find((r) => r.method === "PUT" && r.path.endsWith(`/Flows/${id}`));
    expect(put?.query).toEqual({ experimentId: ws.workspaceId });
    expect(put?.body).toEqual({ flowName: "phi3-chat-v2", description, tags });
    expect(azure.flows.get(id)?.flowName).toBe("phi3-chat-v2");
  });

  it("new provider code alone updates the state without calling Azure", async () => {
    const { id, props } = await created("proj-code");
    const news = inputs("proj-code", { [PROVIDER_KEY]: `${code}\n// a newer release` });
    await expect(driver.diff(urn, id, props, news)).resolves.toEqual({ changes: "some", replaces: [] });
    const from = azure.requests.length;
    await expect(driver.update(urn, id, props, news)).resolves.toMatchObject({ flowId: id, [PROVIDER_KEY]: news[PROVIDER_KEY] });
    expect(azure.requests.length).toBe(from);
  });

  it("refresh reports a flow renamed in the studio, and an archived one as gone", async () => {
    const { id, props } = await created("proj-refresh");
    azure.flows.get(id)!.flowName = "renamed-in-studio";
    await expect(driver.read(urn, id, props)).resolves.toMatchObject({ id, props: { flowName: "renamed-in-studio" } });
    azure.flows.get(id)!.isArchived = true;
    await expect(driver.read(urn, id, props)).resolves.toMatchObject({ id: "" });
  });

  it("delete archives the flow (PATCH ArchiveFlow, json-patch): Azure keeps the archived flow and its folder", async () => {
    const { id, props } = await created("proj-delete");
    const from = azure.requests.length;
    await driver.delete(urn, id, props);
    const patch = sent(from).find((r) => r.method === "PATCH");
    expect(patch?.path).toMatch(new RegExp(`/Flows/${id}$`));
    expect(patch?.headers["content-type"]).toMatch(/^application\/json-patch\+json/);
    expect(patch?.body).toEqual({ flowPatchOperationType: "ArchiveFlow" });
    expect(azure.flows.get(id)?.isArchived).toBe(true);
    expect(Object.keys(azure.flowFolder("proj-delete", String(props.folder))).sort()).toEqual(files.map((f) => f.path).sort());
    // Once archived or gone, deleting again succeeds.
    azure.flows.delete(id);
    await expect(driver.delete(urn, id, props)).resolves.toBeUndefined();
  });

  it("names the missing role when the deployer may not write the share, and creates no flow", async () => {
    const ws = azure.addFlowWorkspace("proj-no-role");
    ws.fileDataPrivileged.clear();
    const flowCount = azure.flows.size;
    await expect(driver.create(urn, inputs("proj-no-role"))).rejects.toThrow(
      /PUT .*\/Users failed: HTTP 403 AuthorizationPermissionMismatch: This request is not authorized .*needs Storage File Data Privileged Contributor on storage account st[0-9a-f]{12}/,
    );
    expect(azure.shareDirectories.has(`${ws.accountName}/${ws.shareName}/Users`)).toBe(false);
    expect(azure.flows.size).toBe(flowCount);
  });

  const createsIn = (from: number) => sent(from).filter((r) => r.method === "POST" && r.path.endsWith("/Flows"));

  it("CreateFlow is sent once: after a 500, 408, 429 or a reset once sent, the error says so, and the next up adopts the flow the service made", async () => {
    for (const failure of [500, 408, 429, "reset"] as const) {
      const workspaceName = `proj-lost-${failure}`;
      const ws = azure.addFlowWorkspace(workspaceName);
      azure.createFlowStatuses.push(failure);
      let from = azure.requests.length;
      await expect(driver.create(urn, inputs(workspaceName))).rejects.toThrow(/not sent again: the flow may have been created; the next `pulumi up` adopts it/);
      expect(createsIn(from)).toHaveLength(1);
      const made = [...azure.flows.values()].filter((f) => f.experimentId === ws.workspaceId);
      expect(made).toHaveLength(1);

      from = azure.requests.length;
      const adopted = await driver.create(urn, inputs(workspaceName));
      expect(createsIn(from)).toEqual([]);
      expect(adopted.id).toBe(made[0].flowId);
      expect(`${adopted.props.folder}/flow.dag.yaml`).toBe(made[0].flowDefinitionFilePath);
      expect(azure.flowFolder(workspaceName, String(adopted.props.folder))).toEqual(Object.fromEntries(files.map((f) => [f.path, text(f)])));
    }
  });

  it("CreateFlow refused at connect never reached the service: it is sent again, and one flow is made", async () => {
    const ws = azure.addFlowWorkspace("proj-refused");
    const lastUpload = files.at(-1)!.path;
    azure.refusal = { after: (r) => r.method === "PUT" && r.query.comp === "range" && decodeURIComponent(r.path).endsWith(`/${lastUpload}`), ms: 300 };
    const from = azure.requests.length;
    const { id } = await driver.create(urn, inputs("proj-refused"));
    expect(azure.refusal).toBeUndefined(); // the stand-in stopped listening right before CreateFlow
    expect(createsIn(from)).toHaveLength(1);
    expect([...azure.flows.values()].filter((f) => f.experimentId === ws.workspaceId).map((f) => f.flowId)).toEqual([id]);
  });

  it("adopts only a flow of the same name and type, with every one of the stack's tags, that is not archived", async () => {
    const ws = azure.addFlowWorkspace("proj-others");
    const leave = (flowId: string, extra: Record<string, unknown>) =>
      azure.flows.set(flowId, {
        flowId,
        flowName: "phi3-chat",
        flowType: "Chat",
        experimentId: ws.workspaceId,
        tags,
        isArchived: false,
        flowDefinitionFilePath: `Users/someone/promptflow/phi3-chat-01-01-2026-00-00-00/flow.dag.yaml`,
        ...extra,
      });
    leave("flow-of-prod", { tags: { ...tags, stack: "prod" } });
    leave("flow-archived", { isArchived: true });
    leave("flow-renamed", { flowName: "another-flow" });
    leave("flow-standard", { flowType: "Default" });
    const from = azure.requests.length;
    const { id } = await driver.create(urn, inputs("proj-others"));
    expect(createsIn(from)).toHaveLength(1);
    expect(id).toMatch(/^f10/);
  });

  it("a flow service that never answers fails the call once the configured time is up", async () => {
    const { id, props } = await created("proj-silent");
    // Two seconds: short for the test, long enough for the answered request before it on a busy machine.
    await driver.configure(stackConfig({ "phi3-foundry:azureRequestTimeoutSeconds": "2" }));
    try {
      azure.faults.push({ method: "GET", path: new RegExp(`/Flows/${id}$`), status: 0, hang: true });
      const bounded = { ...props, [PROVIDER_KEY]: `${code}\n// bounded` };
      await expect(driver.read(urn, id, bounded)).rejects.toThrow(new RegExp(`GET /flow/api/.*/Flows/${id}: no answer within 2 s; .*raise phi3-foundry:azureRequestTimeoutSeconds`));
    } finally {
      await driver.configure(stackConfig());
    }
  });
});

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

describe("tokens go only to the hosts Azure names for the cloud in use", () => {
  it("a workspace whose discoveryUrl points at another host: create, refresh, update and destroy refuse it, naming the host, and nothing reaches it", async () => {
    const foreign = await azure.foreignHost();
    const { id, props } = await created("proj-moved");
    azure.flowWorkspaces.get("proj-moved")!.discoveryUrl = `${foreign.url}/discovery`;
    // The stand-in plays a custom cloud from its metadata: its flow service is at its resource manager's host.
    const refused = new RegExp(`discoveryUrl ${escaped(foreign.url)}/discovery is at ${escaped(foreign.host)}, not ${escaped(azure.host)} .*nothing was sent to ${escaped(foreign.host)}`);
    await expect(driver.read(urn, id, props)).rejects.toThrow(refused);
    await expect(driver.update(urn, id, props, inputs("proj-moved", { flowName: "phi3-chat-v2" }))).rejects.toThrow(refused);
    await expect(driver.delete(urn, id, props)).rejects.toThrow(refused);

    azure.addFlowWorkspace("proj-foreign").discoveryUrl = `${foreign.url}/discovery`;
    const from = azure.requests.length;
    await expect(driver.create(urn, inputs("proj-foreign"))).rejects.toThrow(refused);
    // Refused before anything was uploaded or any key read.
    expect(lines(sent(from), {})).toEqual([`GET /subscriptions/${STAND_IN_SUBSCRIPTION}/resourceGroups/rg-phi3${ML}/workspaces/proj-foreign?api-version=${ML_API_VERSION}`]);
    expect(foreign.requests).toEqual([]);
    expect(azure.flows.get(id)?.flowName).toBe("phi3-chat");
  });

  it("a cloud metadata answer that puts the resource manager or the sign-in outside the metadata host is refused, naming the host; nothing reaches it", async () => {
    const foreign = await azure.foreignHost();
    azure.addFlowWorkspace("proj-metadata");
    const metadata = (over: Record<string, unknown>) => ({
      name: "AzureStandIn",
      resourceManager: `${azure.url}/`,
      authentication: { loginEndpoint: `${azure.url}/`, audiences: [`${azure.url}/`] },
      ...over,
    });
    azure.faults.push({ method: "GET", path: /^\/metadata\/endpoints$/, status: 200, body: metadata({ resourceManager: `${foreign.url}/` }) });
    await expect(driver.create(urn, inputs("proj-metadata"))).rejects.toThrow(`resourceManager ${foreign.url}/ is at ${foreign.host}, outside ${azure.host}`);
    azure.faults.push({
      method: "GET",
      path: /^\/metadata\/endpoints$/,
      status: 200,
      body: metadata({ authentication: { loginEndpoint: `${foreign.url}/`, audiences: [`${azure.url}/`] } }),
    });
    await expect(driver.create(urn, inputs("proj-metadata"))).rejects.toThrow(`authentication.loginEndpoint ${foreign.url}/ is at ${foreign.host}, outside ${azure.host}`);
    expect(foreign.requests).toEqual([]);
  });

  it("in Azure's clouds, the flow service is the Azure ML API host of the workspace's region", () => {
    const ws = (discoveryUrl: string, location = "eastus2") => ({ discoveryUrl, workspaceId: "w", location });
    expect(flowServiceOrigin(AZURE_CLOUDS.public, ws("https://eastus2.api.azureml.ms/discovery"), "p")).toBe("https://eastus2.api.azureml.ms");
    expect(flowServiceOrigin(AZURE_CLOUDS.usgovernment, ws("https://usgovvirginia.api.ml.azure.us/discovery", "usgovvirginia"), "p")).toBe("https://usgovvirginia.api.ml.azure.us");
    expect(flowServiceOrigin(AZURE_CLOUDS.china, ws("https://chinaeast2.api.ml.azure.cn/discovery", "chinaeast2"), "p")).toBe("https://chinaeast2.api.ml.azure.cn");
    for (const url of ["https://eastus2.api.azureml.ms.contoso.net/discovery", "http://eastus2.api.azureml.ms/discovery", "https://westus.api.azureml.ms/discovery", "https://eastus2.api.ml.azure.us/discovery", "not a url"]) {
      expect(() => flowServiceOrigin(AZURE_CLOUDS.public, ws(url), "p")).toThrow(/not eastus2\.api\.azureml\.ms \(the Azure ML API host of region eastus2 in cloud public\)/);
    }
    expect(() => flowServiceOrigin(AZURE_CLOUDS.public, ws("https://eastus2.api.azureml.ms.contoso.net/discovery"), "p")).toThrow(/is at eastus2\.api\.azureml\.ms\.contoso\.net,/);
  });

  it("a metadata answer may name hosts within the metadata host's parent domain and Azure's public clouds' hosts, nothing else", () => {
    expect(() => checkMetadataEndpoint("management.contoso.com", "resourceManager", "https://arm.contoso.com/")).not.toThrow();
    expect(() => checkMetadataEndpoint("management.contoso.com", "authentication.loginEndpoint", "https://login.microsoftonline.com/")).not.toThrow();
    expect(() => checkMetadataEndpoint("management.contoso.com", "resourceManager", "https://contoso.com.evil.net/")).toThrow(/resourceManager https:\/\/contoso\.com\.evil\.net\/ is at contoso\.com\.evil\.net, outside contoso\.com/);
    expect(() => checkMetadataEndpoint("management.contoso.com", "resourceManager", "http://arm.contoso.com/")).toThrow(/is at http:\/\/arm\.contoso\.com, outside contoso\.com/);
    expect(() => checkMetadataEndpoint("127.0.0.1:8443", "resourceManager", "https://127.0.0.1:9443/")).toThrow(/is at 127\.0\.0\.1:9443, outside 127\.0\.0\.1:8443/);
  });
});

describe("the flow route's pure parts", () => {
  it("addresses the share as <account>.file.<the cloud's storage suffix>, and path-style on an IP host as the Storage SDKs do", () => {
    expect(shareUrl({ accountName: "sthub", shareName: "code-391ff5ac", storageSuffix: "core.windows.net" })).toBe("https://sthub.file.core.windows.net/code-391ff5ac");
    expect(shareUrl({ accountName: "sthub", shareName: "code-1", storageSuffix: "core.chinacloudapi.cn" })).toBe("https://sthub.file.core.chinacloudapi.cn/code-1");
    expect(shareUrl({ accountName: "sthub", shareName: "code-1", storageSuffix: "127.0.0.1:10001" })).toBe("https://127.0.0.1:10001/sthub/code-1");
  });

  it("names the user's folder as pfazure: upn before @, else the object id, else unknown_user", () => {
    const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;
    expect(userAlias(jwt({ upn: "alice@contoso.com", oid: "o" }))).toBe("alice");
    expect(userAlias(jwt({ oid: "1234-sp" }))).toBe("1234-sp");
    expect(userAlias("opaque")).toBe("unknown_user");
  });

  it("names the folder with pfazure's timestamp and creates parents before children", () => {
    expect(folderTimestamp(new Date(Date.UTC(2026, 3, 7, 6, 4, 5)))).toBe("04-07-2026-06-04-05");
    expect(directoriesOf([{ path: "a/b/c.txt", content: "" }, { path: "a/d.txt", content: "" }, { path: "e.txt", content: "" }])).toEqual(["a", "a/b"]);
  });
});

describe("ChatFlow", () => {
  const project = {
    subscriptionId: "sub",
    resourceGroupName: "rg",
    projectName: "proj-phi",
    endpointConnection: { name: CONNECTION, created: pulumi.output(CONNECTION) },
  };
  const projectArgs = { project, directory: flowDir };

  it("uploads the files of flows/phi3-chat, hashed, as a chat flow that names only the project's connection", async () => {
    expect(flowConnections({ nodes: [{ inputs: { connection: "phi3-endpoint" } }] })).toEqual(["phi3-endpoint"]);
    const { resources } = await runProgram(() => new ChatFlow("chat-flow", { ...projectArgs, tags }));
    const flow = single(resources, "pulumi-nodejs:dynamic/phi3-foundry:PromptFlow");
    expect(flow.parent).toBe(single(resources, "phi3-foundry:integrate:ChatFlow").urn);
    expect(flow.inputs).toMatchObject({
      subscriptionId: "sub",
      resourceGroupName: "rg",
      workspaceName: "proj-phi",
      connectionName: CONNECTION,
      flowName: "phi3-chat",
      flowType: "chat",
      description,
      tags,
      sourceName: "phi3-chat",
    });
    // The folder's .amlignore leaves the tests out; it is uploaded itself, as pfazure uploads it.
    expect(input(flow, "files").map((f: FlowFile) => f.path)).toEqual([".amlignore", "flow.dag.yaml", "phi3_chat.py", "requirements.txt"]);
    expect(flow.inputs.contentHash).toBe(flowContentHash(files));
  });

  it("creates the flow only once the deployer's file data role exists", async () => {
    const { resources } = await runProgram(() => {
      const grant = new (class extends pulumi.CustomResource {})("azure-native:authorization:RoleAssignment", "deployer-file-data", {});
      return new ChatFlow("chat-flow", { ...projectArgs, project: { ...project, flowFileAccess: grant } });
    });
    const grant = single(resources, "azure-native:authorization:RoleAssignment");
    expect(single(resources, "pulumi-nodejs:dynamic/phi3-foundry:PromptFlow").dependsOn).toContain(grant.urn);
  });

  it("in a Foundry project, goes into it once its connection and the deployer's file data role exist", async () => {
    const { resources } = await runProgram(() => {
      const foundry = new Foundry("foundry", {
        workspace: { resourceGroupName: "rg-of-ml" },
        location: "eastus2",
        tenantId: "tenant-1",
        subscriptionId: "sub-1",
        namer: (kind) => pulumi.output(`${kind}-phi`),
        endpoint: { scoringUri: "https://ep.eastus2.inference.ml.azure.com/score", primaryKey: "endpoint-key" },
        deployer: { objectId: "0b1ec7a1-0000-4000-8000-00000000d3e1", principalType: "User" },
      });
      return new ChatFlow("chat-flow", { project: foundry, directory: flowDir });
    });
    const flow = single(resources, "pulumi-nodejs:dynamic/phi3-foundry:PromptFlow");
    const connection = resources.find((r) => r.name === "foundry-endpoint-connection")!;
    const fileAccess = resources.find((r) => r.name === "foundry-deployer-file-data")!;
    expect(flow.inputs).toMatchObject({ subscriptionId: "sub-1", resourceGroupName: "rg-of-ml", workspaceName: "project-phi", connectionName: CONNECTION });
    expect(flow.dependsOn).toEqual(expect.arrayContaining([connection.urn, fileAccess.urn]));
  });

  it("refuses a flow that names a connection the project does not have, before anything is created", () => {
    const other = { ...project, endpointConnection: { name: "other", created: pulumi.output("other") } };
    expect(() => new ChatFlow("chat-flow", { ...projectArgs, project: other })).toThrow(/flow\.dag\.yaml uses connection\(s\) phi3-endpoint; the project has only other/);
  });

  it("refuses a project without a Custom keys connection, before anything is created", () => {
    expect(() => new ChatFlow("chat-flow", { ...projectArgs, project: { ...project, endpointConnection: undefined } })).toThrow(
      /ChatFlow: project has no Custom keys connection \(Foundry was given no endpoint\)/,
    );
  });
});
