/** Bounds on the stack's own Azure calls: a stalled connection, an operation that never ends or a list that never ends fails `pulumi up` instead of hanging it. */
export interface AzureLimits {
  /** Milliseconds one HTTP request may take, answer included. */
  readonly requestTimeoutMs: number;
  /** Status reads of one long-running operation before giving up. */
  readonly maxPolls: number;
  /** Pages of one list (`nextLink` after `nextLink`) before giving up. */
  readonly maxPages: number;
}

/** The project config keys of the bounds (`phi3-foundry:<key>`). */
export const REQUEST_TIMEOUT_KEY = "azureRequestTimeoutSeconds";
export const MAX_POLLS_KEY = "azureMaxPolls";
export const MAX_PAGES_KEY = "azureMaxPages";

/**
 * Each bound's key, range and default (Pulumi.yaml declares the same defaults).
 */
export function azureLimitSettings(): ReadonlyArray<{ readonly key: string; readonly min: number; readonly max: number; readonly default: number }> {
  return [
    { key: REQUEST_TIMEOUT_KEY, min: 1, max: 3600, default: 120 },
    // 720 polls are an hour at ARM's usual 5 s between polls.
    { key: MAX_POLLS_KEY, min: 1, max: 100_000, default: 720 },
    { key: MAX_PAGES_KEY, min: 1, max: 100_000, default: 1000 },
  ];
}

/**
 * The bounds a stack's config sets, each its default when unset; `read` takes `namespace:key` (as the engine hands
 * config to a dynamic provider, or `pulumi.runtime.getConfig`). A bad value is an error naming the key.
 */
export function azureLimits(read: (key: string) => string | undefined): AzureLimits {
  const values = azureLimitSettings().map(({ key, min, max, default: fallback }) => {
    const value = read(`phi3-foundry:${key}`)?.trim();
    if (value === undefined || value === "") return fallback;
    const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(parsed >= min && parsed <= max)) throw new Error(`phi3-foundry:${key} is '${value}'; allowed: a whole number from ${min} to ${max}`);
    return parsed;
  });
  return { requestTimeoutMs: values[0] * 1000, maxPolls: values[1], maxPages: values[2] };
}
