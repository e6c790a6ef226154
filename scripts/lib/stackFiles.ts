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

/** Thrown for a config file or override that cannot be used, naming the file or key of each problem. */
export class SettingsError extends Error {
  constructor(
    readonly problems: readonly string[],
    /** The config as far as it could be read, so that the stack's own checks can add their problems. */
    readonly partial?: Readonly<Record<string, string>>,
  ) {
    super(problems.join("\n"));
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

/** Whether a value fits the type Pulumi.yaml declares, as the CLI checks it before running the program. */
function fitsType(declared: DeclaredKey, value: string): boolean {
  return declared.type === "integer" ? /^-?\d+$/.test(value) : declared.type === "boolean" ? /^(true|false)$/.test(value) : true;
}

/** "'a', 'b' and 'c'", as Pulumi lists keys. */
function listKeys(keys: readonly string[]): string {
  const quoted = [...keys].sort().map((k) => `'${k}'`);
  return quoted.length <= 1 ? quoted.join("") : `${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}`;
}

/**
 * Builds the config of `stack`: Pulumi.yaml defaults, then Pulumi.<stack>.yaml, then `overrides` (`KEY=VALUE`,
 * where a KEY without a namespace is a project key). Applies Pulumi's project-config rules with Pulumi's wording
 * (pulumi/pulumi sdk/go/common/workspace/config.go: a key without a default is required; values must fit the
 * declared type) and refuses unknown project keys; every problem of a run is reported together.
 */
export function loadStackSettings(stack: string, overrides: readonly string[] = [], root = PROJECT_ROOT): StackSettings {
  const project = readProjectFile(root);
  const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const problems: string[] = [];

  const set = (rawKey: string, value: unknown, where: string) => {
    const key = qualify(rawKey);
    const bare = key.startsWith(`${project.name}:`) ? key.slice(project.name.length + 1) : undefined;
    if (bare !== undefined && !(bare in project.keys)) {
      problems.push(`${where}: unknown key ${key}; Pulumi.yaml declares ${Object.keys(project.keys).join(", ")}`);
      return;
    }
    if (value && typeof value === "object" && "secure" in (value as object)) {
      config[key] = SECRET_PLACEHOLDER;
      secretKeys.push(key);
      return;
    }
    const text = asConfigString(value);
    if (bare !== undefined && !fitsType(project.keys[bare], text)) {
      problems.push(`${where}: Stack '${stack}' with configuration key '${key}' must be of type '${project.keys[bare].type}'`);
    }
    config[key] = text;
  };

  for (const [key, declared] of Object.entries(project.keys)) {
    if (declared.default !== undefined && declared.default !== null) config[qualify(key)] = asConfigString(declared.default);
  }

  const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) throw new SettingsError([`no stack file ${path.relative(root, stackFile)} for stack '${stack}'`]);
  const stackDoc = (yaml.load(fs.readFileSync(stackFile, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  for (const [key, value] of Object.entries(stackDoc.config ?? {})) set(key, value, path.basename(stackFile));

  for (const override of overrides) {
    const eq = override.indexOf("=");
    if (eq <= 0) {
      problems.push(`--config ${override}: expected KEY=VALUE`);
      continue;
    }
    set(override.slice(0, eq).trim(), override.slice(eq + 1), `--config ${override}`);
  }
  const missing = Object.entries(project.keys)
    .filter(([key, declared]) => declared.default === undefined || declared.default === null ? config[qualify(key)] === undefined : false)
    .map(([key]) => qualify(key));
  if (missing.length > 0) problems.push(`Stack '${stack}' is missing configuration value${missing.length > 1 ? "s" : ""} ${listKeys(missing)}`);
  if (problems.length > 0) throw new SettingsError(problems, config);
  return { project: project.name, stack, config, secretKeys };
}
