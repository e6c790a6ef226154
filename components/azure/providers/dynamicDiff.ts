import type * as pulumi from "@pulumi/pulumi";

/** The key under which Pulumi keeps a dynamic resource's provider code (see dynamicResource.ts). */
export const PROVIDER_CODE_KEY = "__provider";

/** How a dynamic resource's inputs changed. */
export interface InputDiff {
  /** Keys whose change is a change in Azure. */
  readonly changed: string[];
  /** Only the provider code differs: an update that stores the new code, never a replacement. */
  readonly codeOnly: boolean;
}

/** Compares old state and new inputs key by key, leaving out the provider code and what only Azure reports (`outputOnly`). */
export function diffInputs(state: object, inputs: object, outputOnly: readonly string[] = []): InputDiff {
  const olds = state as Record<string, unknown>;
  const news = inputs as Record<string, unknown>;
  const skip = new Set([PROVIDER_CODE_KEY, ...outputOnly]);
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)].filter((k) => !skip.has(k)));
  const changed = [...keys].filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k])).sort();
  return { changed, codeOnly: changed.length === 0 && olds[PROVIDER_CODE_KEY] !== news[PROVIDER_CODE_KEY] };
}

/** A DiffResult: replace when a key in `replaceOn` changed, update for any other change or for new provider code. */
export function diffResult(diff: InputDiff, replaceOn: readonly string[]): pulumi.dynamic.DiffResult {
  const replaces = diff.changed.filter((k) => replaceOn.includes(k));
  return { changes: diff.changed.length > 0 || diff.codeOnly, replaces, deleteBeforeReplace: false };
}
