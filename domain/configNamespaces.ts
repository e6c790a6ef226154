/**
 * Config keys outside the project's namespace: those of the providers the stack uses and Pulumi's own. Pulumi hands
 * every key of a stack file to the program and reads none back, so `phi3-fondry:servingEnabled: false` or
 * `azure-native:locaton: eastus` would be ignored without a word, and the stack deployed as if they were unset.
 */
import * as fs from "node:fs";
import { closestNames, didYouMean } from "./similarNames";

/**
 * The config keys of a provider SDK: the names its config module exports, one per key, read from that module's
 * declarations (`config/vars.d.ts`: `export declare const clientId: string | undefined;`). Loading the module would
 * load all of @pulumi/pulumi, a second of every command that only reads a stack file.
 */
function declaredConfigKeys(sdk: string): string[] {
  const declarations = fs.readFileSync(require.resolve(`${sdk}/config/vars.d.ts`), "utf8");
  return [...declarations.matchAll(/^export declare const (\w+):/gm)].map((m) => m[1]);
}

/**
 * The settings of each provider the stack uses, by namespace, as its SDK's config module declares them.
 * @pulumi/random and @pulumiverse/time ship no config module: their providers take no settings.
 */
export const PROVIDER_KEYS: Readonly<Record<string, readonly string[]>> = {
  "azure-native": declaredConfigKeys("@pulumi/azure-native"),
  azuread: declaredConfigKeys("@pulumi/azuread"),
  random: [],
  time: [],
};

/**
 * Pulumi's own keys (www.pulumi.com/docs/iac/concepts/config: `pulumi:tags`, `pulumi:disable-default-providers`;
 * .../resources/names: `pulumi:autonaming`; `pulumi new` writes `pulumi:template`). Pulumi may add others, so a
 * `pulumi:` key is refused only when it is a near miss of one of these.
 */
export const PULUMI_KEYS: readonly string[] = ["autonaming", "disable-default-providers", "tags", "template"];

/** `namespace:key` split at the first ':'. */
function split(key: string): { namespace: string; name: string } {
  const colon = key.indexOf(":");
  return { namespace: key.slice(0, colon), name: key.slice(colon + 1) };
}

/**
 * Why `key` (`namespace:key`, outside the project's namespace) will not be read as its author meant, or undefined when
 * it will be (or belongs to a namespace this stack does not know and nothing here resembles). Refused: a key of a
 * provider the stack uses that the provider does not have; a near miss of a Pulumi key; and any key whose namespace is
 * close to a known one but not it (`phi3-fondry:`, `PHI3-FOUNDRY:`, `azure:`), with the key meant.
 */
export function namespaceKeyProblem(key: string, project: { readonly name: string; readonly keys: readonly string[] }): string | undefined {
  const { namespace, name } = split(key);
  if (namespace === project.name) return undefined;
  const providerKeys = PROVIDER_KEYS[namespace];
  if (providerKeys !== undefined) {
    if (providerKeys.includes(name)) return undefined;
    if (providerKeys.length === 0) return `the ${namespace} provider takes no settings`;
    const advice = didYouMean(name, providerKeys.map((k) => `${namespace}:${k}`), "it has", { compareBy: (c) => split(c).name });
    return `the ${namespace} provider has no such setting; ${advice}`;
  }
  if (namespace === "pulumi") {
    if (PULUMI_KEYS.includes(name)) return undefined;
    const close = closestNames(name, PULUMI_KEYS);
    return close.length > 0 ? `not one of Pulumi's own settings; did you mean ${close.map((k) => `pulumi:${k}`).join(" or ")}?` : undefined;
  }

  const keysOf: Record<string, readonly string[]> = { ...PROVIDER_KEYS, pulumi: PULUMI_KEYS, [project.name]: project.keys };
  const namespaces = closestNames(namespace, Object.keys(keysOf));
  if (namespaces.length === 0) return undefined;
  const candidates = namespaces.flatMap((ns) => keysOf[ns].map((k) => `${ns}:${k}`));
  const keyMeant = closestNames(name, candidates, (c) => split(c).name);
  const meant = keyMeant.length > 0 ? keyMeant : namespaces.map((ns) => `${ns}:${name}`);
  const caseOnly = namespaces.some((ns) => ns.toLowerCase() === namespace.toLowerCase()) ? " (namespaces are case-sensitive)" : "";
  return `${namespace} is not a namespace this stack reads${caseOnly}; did you mean ${meant.join(" or ")}?`;
}
