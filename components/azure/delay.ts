import * as pulumi from "@pulumi/pulumi";
import { diffInputs, diffResult } from "./dynamicDiff";

export interface DelayInputs {
  readonly seconds: number;
  /** What the wait is for (e.g. role assignment ids): a change waits again. */
  readonly triggers: string[];
}

/** Waits `seconds` once when created, or again when its triggers change; never during preview. */
export const delayProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: DelayInputs) {
    await new Promise((resolve) => setTimeout(resolve, inputs.seconds * 1000));
    return { id: `delay-${inputs.seconds}s`, outs: inputs };
  },
  async diff(_id: string, olds: DelayInputs, news: DelayInputs) {
    return diffResult(diffInputs({ ...olds }, { ...news }), ["triggers"]);
  },
  async update(_id: string, _olds: DelayInputs, news: DelayInputs) {
    return { outs: news };
  },
};

export interface DelayArgs {
  /** How long to wait, in seconds. */
  readonly seconds: pulumi.Input<number>;
  /** Values whose change makes it wait again. */
  readonly triggers: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * An explicit, bounded wait in the dependency graph: Azure can take minutes to honour a new role assignment, so what
 * uses the roles waits for this, which waits for the assignments.
 */
export class Delay extends pulumi.dynamic.Resource {
  constructor(name: string, args: DelayArgs, opts?: pulumi.CustomResourceOptions) {
    super(delayProvider, name, args, opts, "phi3-foundry", "Delay");
  }
}
