/**
 * Settings for a 3.8B-parameter MLflow model on one GPU: the probes give the container ten minutes to download and
 * load the model, and a request may take 90 s (as Azure's Phi-3 fine-tune notebook deploys it; 180 s is the maximum).
 */
export const DEPLOYMENT_SETTINGS = {
  requestSettings: { requestTimeout: "PT90S", maxConcurrentRequestsPerInstance: 1 },
  livenessProbe: { initialDelay: "PT600S", period: "PT10S", timeout: "PT2S", failureThreshold: 30, successThreshold: 1 },
  readinessProbe: { initialDelay: "PT600S", period: "PT10S", timeout: "PT2S", failureThreshold: 30, successThreshold: 1 },
} as const;
