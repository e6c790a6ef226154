import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";

import { PROJECT_ROOT } from "../../infra/paths";

export { PROJECT_ROOT };

/** Shown instead of any secret value, in config and in the plan. */
export const SECRET_PLACEHOLDER = "[secret]";

/** A config key as Pulumi.yaml declares it. */
export interface DeclaredKey {
  readonly type: "string" | "integer" | "boolean" | "array";
  readonly description?: string;
  readonly default?: unknown;
  readonly secret?: boolean;
}

export interface ProjectFile {
  readonly name: string;
  readonly main?: string;
  /** Project keys by their bare name. */
  readonly keys: Readonly<Record<string, DeclaredKey>>;
}

/** The config a Pulumi program of this project sees on one stack, as the CLI would hand it over. */
export interface StackSettings {
  readonly project: string;
  readonly stack: string;
  /** Every value as a string, keyed `namespace:key`. */
  readonly config: Record<string, string>;
  /** Keys whose value is secret (`secure:` in the stack file). */
  readonly secretKeys: string[];
}

/** Thrown for a config file or override that cannot be used, naming the file or key. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

export function readProjectFile(root = PROJECT_ROOT): ProjectFile {
  const file = path.join(root, "Pulumi.yaml");
  const doc = yaml.load(fs.readFileSync(file, "utf8")) as { name: string; main?: string; config?: Record<string, unknown> };
  const keys: Record<string, DeclaredKey> = {};
  for (const [key, declaration] of Object.entries(doc.config ?? {})) {
    if (!key.includes(":") && declaration && typeof declaration === "object") keys[key] = declaration as DeclaredKey;
  }
  return { name: doc.name, main: doc.main, keys };
}

/** Pulumi's string form of a config value. */
function asConfigString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Checks a value against the type Pulumi.yaml declares, as the CLI does before running the program. */
function checkType(key: string, declared: DeclaredKey, value: string, where: string): void {
  const ok =
    declared.type === "integer" ? /^-?\d+$/.test(value) : declared.type === "boolean" ? /^(true|false)$/.test(value) : true;
  if (!ok) throw new SettingsError(`${where}: ${key} = ${JSON.stringify(value)}: Pulumi.yaml declares it as ${declared.type}`);
}

/**
 * Builds the config of `stack`: Pulumi.yaml defaults, then Pulumi.<stack>.yaml, then `overrides` (`KEY=VALUE`,
 * where a KEY without a namespace is a project key). Unknown project keys and values of the wrong type are refused.
 */
export function loadStackSettings(stack: string, overrides: readonly string[] = [], root = PROJECT_ROOT): StackSettings {
  const project = readProjectFile(root);
  const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];

  const set = (rawKey: string, value: unknown, where: string) => {
    const key = qualify(rawKey);
    const bare = key.startsWith(`${project.name}:`) ? key.slice(project.name.length + 1) : undefined;
    if (bare !== undefined && !(bare in project.keys)) {
      throw new SettingsError(`${where}: unknown key ${key}; Pulumi.yaml declares ${Object.keys(project.keys).join(", ")}`);
    }
    if (value && typeof value === "object" && "secure" in (value as object)) {
      config[key] = SECRET_PLACEHOLDER;
      secretKeys.push(key);
      return;
    }
    const text = asConfigString(value);
    if (bare !== undefined) checkType(key, project.keys[bare], text, where);
    config[key] = text;
  };

  for (const [key, declared] of Object.entries(project.keys)) {
    if (declared.default !== undefined) config[qualify(key)] = asConfigString(declared.default);
  }

  const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) throw new SettingsError(`no stack file ${path.relative(root, stackFile)} for stack '${stack}'`);
  const stackDoc = (yaml.load(fs.readFileSync(stackFile, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  for (const [key, value] of Object.entries(stackDoc.config ?? {})) set(key, value, path.basename(stackFile));

  for (const override of overrides) {
    const eq = override.indexOf("=");
    if (eq <= 0) throw new SettingsError(`--config ${override}: expected KEY=VALUE`);
    set(override.slice(0, eq).trim(), override.slice(eq + 1), `--config ${override}`);
  }
  return { project: project.name, stack, config, secretKeys };
}
