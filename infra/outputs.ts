import * as pulumi from "@pulumi/pulumi";

/** What the stack exports: for a person (`pulumi stack output`) and for the later stages and tools. */
export interface StackOutputs {
  /** Azure region of the stack. */
  readonly location: string;
  readonly subscriptionId: string;
  readonly resourceGroupName: pulumi.Output<string>;
  readonly workspaceName: pulumi.Output<string>;
  /** The workspace in Azure ML studio. */
  readonly studioUrl: pulumi.Output<string>;
  /** ARM id of the training identity. */
  readonly trainingIdentityId: pulumi.Output<string>;
  readonly trainingIdentityClientId: pulumi.Output<string>;
  readonly trainingIdentityPrincipalId: pulumi.Output<string>;
  readonly computeClusterName: pulumi.Output<string>;
  /** The model the stack serves: the fine-tuned model version's ARM id, or `registeredModelId` when fine-tuning is off. */
  readonly modelId: pulumi.Output<string>;
  readonly endpointName: pulumi.Output<string>;
  /** Where to POST chat requests. */
  readonly scoringUri: pulumi.Output<string>;
  /** The endpoint's primary key: a secret (`pulumi stack output endpointKey --show-secrets`). */
  readonly endpointKey: pulumi.Output<string>;
  /** The GPU deployment, while serving is not parked. */
  readonly deploymentName?: pulumi.Output<string>;
  /** Stage 3, when foundryEnabled: the hub, the project (and its portal page), the Custom keys connection. */
  readonly hubName?: pulumi.Output<string>;
  readonly projectName?: pulumi.Output<string>;
  readonly projectUrl?: pulumi.Output<string>;
  readonly connectionName?: pulumi.Output<string>;
  /** The chat flow in the project, when foundryEnabled and servingEnabled: its id, display name and studio page. */
  readonly flowId?: pulumi.Output<string>;
  readonly flowName?: pulumi.Output<string>;
  readonly flowPortalUrl?: pulumi.Output<string>;
  /** What the pull request preview workflow logs in with (ARM_CLIENT_ID, ARM_TENANT_ID), when ciGithubRepo is set. */
  readonly ciClientId?: pulumi.Output<string>;
  readonly ciTenantId?: pulumi.Output<string>;
  /** The monthly budget on the resource group and the deployment's idle alert rule, when budgetMonthlyUsd is set. */
  readonly budgetName?: pulumi.Output<string>;
  readonly idleAlertName?: pulumi.Output<string>;
  /** The fine-tuning job and its page in Azure ML studio, when fine-tuning is on. */
  readonly fineTuneJobName?: pulumi.Output<string>;
  readonly fineTuneJobStudioUrl?: pulumi.Output<string>;
}
