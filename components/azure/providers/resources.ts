/**
 * Our four custom resources. Each is a {@link DynamicResource} whose provider is the module of the same name beside
 * this file, stored bundled in its `__provider` input. The provider modules load no Pulumi SDK: the engine's
 * dynamic-provider server has it loaded already, and tests drive them in-process without it.
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { DynamicResource, StoredProvider } from "./dynamicResource";
import type { EndpointTrafficArgs } from "./endpointTraffic";
import type { JobCompletionArgs } from "./jobCompletion";
import type { PipelineJobArgs } from "./pipelineJob";
import type { PromptFlowArgs } from "./promptFlow";

/** The source file of the provider module `name` (it exports the provider the resource stores). */
function providerFile(name: string): string {
  return path.join(__dirname, `${name}.ts`);
}

/** Where {@link PipelineJob} keeps its provider, which names `rerunKey` when a job ended without a model. */
export function jobProvider(rerunKey: string): StoredProvider {
  return { file: providerFile("pipelineJob"), exportName: "pipelineJobProvider", extras: { rerunKey } };
}

/**
 * An Azure ML job with a name of our choosing. azure-native's Job takes its name in an input called `id`, which
 * Pulumi's Node.js SDK never sends to a provider, so the job is submitted with a plain ARM request instead.
 */
export class PipelineJob extends DynamicResource {
  // `declare`: the base constructor sets these; a class field would reset them to undefined.
  declare public readonly jobName: pulumi.Output<string>;
  declare public readonly status: pulumi.Output<string>;
  declare public readonly studioUrl: pulumi.Output<string>;
  declare public readonly submitted: pulumi.Output<boolean>;

  constructor(name: string, args: PipelineJobArgs, opts?: pulumi.CustomResourceOptions) {
    const { rerunKey, ...inputs } = args;
    super(jobProvider(rerunKey), "PipelineJob", name, { ...inputs, status: undefined, studioUrl: undefined, submitted: undefined }, opts);
  }
}

/** Where {@link JobCompletion} keeps its provider, which names `rerunKey` when a job ends without a model. */
export function gateProvider(rerunKey: string): StoredProvider {
  return { file: providerFile("jobCompletion"), exportName: "jobCompletionProvider", extras: { rerunKey } };
}

/**
 * A gate between a job and what needs its output: created only once the job has completed. It does not wait during
 * preview (Pulumi does not create resources then), and fails with the job's status and studio URL when the job fails.
 */
export class JobCompletion extends DynamicResource {
  // `declare`: the base constructor sets these; a class field would reset them to undefined.
  declare public readonly jobName: pulumi.Output<string>;
  declare public readonly status: pulumi.Output<string>;
  declare public readonly studioUrl: pulumi.Output<string>;

  constructor(name: string, args: JobCompletionArgs, opts?: pulumi.CustomResourceOptions) {
    const { rerunKey, ...inputs } = args;
    super(gateProvider(rerunKey), "JobCompletion", name, { ...inputs, status: undefined, studioUrl: undefined }, opts);
  }
}

/** Where {@link EndpointTraffic} keeps its provider. */
export const TRAFFIC_PROVIDER: StoredProvider = { file: providerFile("endpointTraffic"), exportName: "endpointTrafficProvider" };

/** An online endpoint's live traffic, set once its deployments exist (see the provider above). */
export class EndpointTraffic extends DynamicResource {
  declare public readonly traffic: pulumi.Output<Record<string, number>>;

  constructor(name: string, args: EndpointTrafficArgs, opts?: pulumi.CustomResourceOptions) {
    super(TRAFFIC_PROVIDER, "EndpointTraffic", name, args, opts);
  }
}

/** Where {@link PromptFlow} keeps its provider. */
export const FLOW_PROVIDER: StoredProvider = { file: providerFile("promptFlow"), exportName: "promptFlowProvider" };

/** A Prompt flow in an Azure ML workspace or Foundry project (see the provider above). */
export class PromptFlow extends DynamicResource {
  declare public readonly flowId: pulumi.Output<string>;
  declare public readonly flowName: pulumi.Output<string>;
  declare public readonly flowResourceId: pulumi.Output<string>;
  declare public readonly portalUrl: pulumi.Output<string>;
  declare public readonly folder: pulumi.Output<string>;

  constructor(name: string, args: PromptFlowArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = { flowId: undefined, flowResourceId: undefined, portalUrl: undefined, folder: undefined };
    super(FLOW_PROVIDER, "PromptFlow", name, { ...args, ...outputs }, opts);
  }
}
