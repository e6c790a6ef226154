/**
 * The values a setting may take where only some are allowed, in one place: the stack's config validator
 * (infra/config.ts) refuses the others before anything is created, and the component that sends the value checks its
 * arguments against the same list.
 */

/**
 * `vmPriority` of an AmlCompute cluster (VmPriority in machineLearningServices.json): dedicated nodes, or low-priority
 * ones, cheaper but preemptible, billed against the region's separate low-priority vCPU quota.
 */
export const TRAINING_PRIORITIES = ["Dedicated", "LowPriority"] as const;
export type TrainingPriority = (typeof TRAINING_PRIORITIES)[number];

/** How far the training identity's rights reach: the tutorial's whole resource group, or the workspace and its two stores. */
export const TRAINING_IDENTITY_SCOPES = ["resourceGroup", "workspace"] as const;
export type TrainingIdentityScope = (typeof TRAINING_IDENTITY_SCOPES)[number];

/**
 * Idle windows the alarm can watch, in hours: the log search alert window sizes of an hour or more (PT1H to PT6H,
 * P1D, P2D: Azure Monitor docs resource-manager-alerts-log.md, windowSize's allowed values; a rule looks back at most
 * two days, alerts-create-log-alert-rule.md). The REST spec (2025-01-01-preview) types windowSize only as a duration.
 */
export const IDLE_ALERT_HOURS = [1, 2, 3, 4, 5, 6, 24, 48] as const;
export type IdleAlertHours = (typeof IDLE_ALERT_HOURS)[number];
/** The idle window when `idleAlertHours` is not set (Pulumi.yaml gives the same default). */
export const DEFAULT_IDLE_ALERT_HOURS: IdleAlertHours = 6;

/** One email address, as the config accepts it: something@domain.tld, no spaces, commas or semicolons. */
export const EMAIL = /^[^@\s,;]+@[^@\s,;]+\.[^@\s,;.]+$/;
