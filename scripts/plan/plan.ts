import type { FamilyQuotaCheck, QuotaSource } from "../../components/azure/quota";
import { parseStackConfig, StackConfig } from "../../infra/config";
import { loadStackConfig } from "../../infra/pulumiConfig";
import { rawConfigFrom } from "../../infra/configKeys";
import { outsideProject } from "../../domain/paths";
import { PriceBook, priceBook } from "../../domain/catalogue/prices";
import { deployStack, FLOW_DIRECTORY } from "../../infra/program";
import { MockRun, ProgramMessage, RecordedResource, runUnderMocks } from "./mockRuntime";
import { loadStackSettings } from "../shared/stackFiles";
import { loadSettingsReportingAll } from "../shared/stackSettings";
import { StandInQuotaSource } from "./standIns";
import { PlanCycles, planCycles } from "./cycle";

/** The offline plan as DESIGN.md's contract fixes it. */
export interface PlanDocument {
  readonly project: string;
  readonly stack: string;
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, unknown>;
}

export interface PlanOptions {
  /** Stack whose Pulumi.<stack>.yaml is read; "dev" by default. */
  readonly stack?: string;
  /** `KEY=VALUE` settings on top of the stack file. */
  readonly overrides?: readonly string[];
  /** Quota stand-in; generous limits by default. */
  readonly quota?: QuotaSource;
}

/** A plan with what a person needs to read it: the notes on what was stood in for Azure. */
export interface Plan {
  readonly document: PlanDocument;
  readonly notes: string[];
  /** What `pulumi up` would warn about. */
  readonly warnings: string[];
  /** The prices the cost estimate uses: domain/catalogue/retailPrices.json for the stack's region, gpuPricesPerHour on top. */
  readonly prices: PriceBook;
  /** How long one `up` to `destroy` cycle takes and costs, next to the default stack's. */
  readonly cycles?: PlanCycles;
}

/** Which model is fine-tuned, or served without fine-tuning: no resource's name says it. */
function modelNote(config: StackConfig): string {
  const { enabled, baseModel, registeredModelId } = config.fineTune;
  if (!enabled) return `No fine-tuning (fineTuneEnabled=false)${registeredModelId ? `; serving ${registeredModelId}` : ""}.`;
  const source = baseModel.source.kind === "huggingface" ? `Hugging Face ${baseModel.source.id}` : `registry ${baseModel.source.uri}`;
  return `Base model: ${baseModel.label}, from ${source} (baseModel), fine-tuned on ${config.training.vmSize}.`;
}

/** What `pulumi up` does about the chat flow, which no ARM resource shows. */
function chatFlowNote(resources: readonly RecordedResource[], config: StackConfig | undefined): string {
  const flow = resources.find((r) => r.type === "pulumi-nodejs:dynamic/phi3-foundry:PromptFlow");
  if (!flow) return "No chat flow: foundryEnabled=false.";
  const files = (flow.inputs.files as { path: string }[]).map((f) => f.path);
  const parked = config?.serving.enabled === false ? " Serving is parked: the flow stays, and answers that serving is parked and how to unpark it." : "";
  return (
    `Chat flow ${flow.inputs.flowName}: \`pulumi up\` uploads the ${files.length} files of ${FLOW_DIRECTORY} (${files.join(", ")}) to the ` +
    `project's file share (datastore workspaceworkingdirectory, Users/<you>/promptflow/${flow.inputs.sourceName}-<time>) and creates the ` +
    "flow with Prompt flow's flow service, as `pfazure flow create` does; changed files are rewritten in its folder, and " +
    "destroy archives it. Prompt flow retires on 2027-04-20; the endpoint, its connection and `npm run chat` do not depend on it." +
    parked
  );
}

/** Runs the real stack program under the mock runtime with the stack's config, and no cloud. */
export function buildPlan(options: PlanOptions = {}): Promise<Plan> {
  // Pulumi's runtime (config, mocks, the root stack) is one per process: plans asked for together run one at a time.
  const plan = planQueue.then(() => buildOnePlan(options));
  planQueue = plan.catch(() => undefined);
  return plan;
}

let planQueue: Promise<unknown> = Promise.resolve();

async function buildOnePlan(options: PlanOptions): Promise<Plan> {
  const settings = loadSettingsReportingAll(options.stack ?? "dev", options.overrides ?? []);
  const quota = options.quota ?? new StandInQuotaSource();
  const notes: string[] = [];
  const warnings: string[] = [];
  let quotaChecks: FamilyQuotaCheck[] | undefined;
  let config: StackConfig | undefined;

  const messages: ProgramMessage[] = [];
  const run: MockRun = await runUnderMocks(settings, async () => {
    config = loadStackConfig();
    const outputs = await deployStack(config, {
      stack: settings.stack,
      quotaSource: () => quota,
      onQuotaChecked: (checks) => (quotaChecks = checks),
      warn: (message) => warnings.push(message),
    });
    return { ...outputs };
  }, messages);
  warnings.push(...messages.filter((m) => m.severity === "warning").map((m) => m.text));

  if (config) notes.push(modelNote(config));
  if (quotaChecks === undefined) notes.push("Quota check skipped (quotaCheck=false).");
  for (const check of quotaChecks ?? []) {
    notes.push(
      `Quota ${check.family}: need ${check.needed} vCPUs, limit ${check.limit}, in use ${check.inUse} ` +
        `(from ${quota.description}; \`pulumi up\` reads the real numbers).`,
    );
  }
  const dataFiles = config?.fineTune.enabled
    ? { trainDataPath: config.fineTune.trainDataPath, validationDataPath: config.fineTune.validationDataPath, fineTuneConfigFile: config.fineTune.configFile?.path }
    : {};
  for (const [key, file] of Object.entries(dataFiles).filter((entry): entry is [string, string] => entry[1] !== undefined && outsideProject(entry[1]))) {
    notes.push(`${key} is ${file}, outside the project, as you set it: \`pulumi up\` uploads that file.`);
  }
  for (const message of messages.filter((m) => m.severity === "info")) notes.push(`\`pulumi up\` would say: ${message.text}`);
  notes.push(chatFlowNote(run.resources, config));
  notes.push(
    "Azure was not called: ids, principal ids and the random name suffix are deterministic stand-ins " +
      "(the real suffix is random and kept in state).",
  );
  const prices = priceBook(config?.location ?? "", config?.gpuPricesPerHour);
  const cycles = config && planCycles(settings.stack, config, trainRecords(run.resources), defaultStackConfig(), prices);
  return { document: { project: settings.project, stack: settings.stack, ...run }, notes, warnings, prices, cycles };
}

/** Records of the training file, as its data asset's tags give them; 0 without fine-tuning. */
function trainRecords(resources: readonly RecordedResource[]): number {
  const train = resources.find(
    (r) => r.type === "azure-native:machinelearningservices:DataVersion" && String((r.inputs.properties as any)?.description).startsWith("Training"),
  );
  return Number((train?.inputs.properties as any)?.tags?.records ?? 0);
}

/** The dev stack's settings, which are Pulumi.yaml's defaults and a region: what a new user's first real run uses. */
function defaultStackConfig(): StackConfig {
  return parseStackConfig(rawConfigFrom(loadStackSettings("dev", []).config));
}
