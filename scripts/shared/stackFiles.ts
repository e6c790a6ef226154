import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";

import { namespaceKeyProblem } from "../../domain/configNamespaces";
import { PROJECT_ROOT } from "../../domain/paths";
import { shortened } from "../../domain/shortened";
import { didYouMean } from "../../domain/similarNames";

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
  /** `runtime.options.typescript`: whether Pulumi registers its own TypeScript loader (ts-node) for the program. */
  readonly typescript: boolean;
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

/** Thrown for a config file, override or stack name that cannot be used, naming the file (and line) or key of each problem. */
export class SettingsError extends Error {
  constructor(
    readonly problems: readonly string[],
    /** The config as far as it could be read, so that the stack's own checks can add their problems. */
    readonly partial?: Readonly<Record<string, string>>,
    /** Keys (`namespace:key`) whose value is not of the type Pulumi.yaml declares, each with the index of its problem. */
    readonly typeErrors: Readonly<Record<string, number>> = {},
  ) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems in the stack's settings:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "SettingsError";
  }
}

/**
 * A YAML document, or a {@link SettingsError} naming the file and the line and column of js-yaml's error mark
 * (`Pulumi.dev.yaml:3:5: bad indentation of a mapping entry`).
 */
function loadYaml(file: string, root: string): unknown {
  const name = path.relative(root, file);
  try {
    return yaml.load(fs.readFileSync(file, "utf8"), { filename: name });
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      const where = err.mark ? `${name}:${err.mark.line + 1}:${err.mark.column + 1}` : name;
      throw new SettingsError([`${where}: ${err.reason}`]);
    }
    throw err;
  }
}

/** The 1-based line of each key directly under the stack file's top-level `config:`. */
function configKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let indent: number | undefined;
  let inConfig = false;
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (/^config\s*:/.test(line)) {
      inConfig = true;
      continue;
    }
    if (/^\S/.test(line)) inConfig = false;
    const entry = inConfig ? /^(\s+)(["']?)([^\s"'#][^"'#]*?)\2\s*:(\s|$)/.exec(line) : null;
    if (!entry) continue;
    indent ??= entry[1].length;
    if (entry[1].length === indent && !lines.has(entry[3])) lines.set(entry[3], index + 1);
  }
  return lines;
}

export function readProjectFile(root = PROJECT_ROOT): ProjectFile {
  const doc = loadYaml(path.join(root, "Pulumi.yaml"), root) as { name: string; main?: string; runtime?: { options?: { typescript?: boolean } }; config?: Record<string, unknown> };
  const keys: Record<string, DeclaredKey> = {};
  for (const [key, declaration] of Object.entries(doc.config ?? {})) {
    if (!key.includes(":") && declaration && typeof declaration === "object") keys[key] = declaration as DeclaredKey;
  }
  return { name: doc.name, main: doc.main, typescript: doc.runtime?.options?.typescript === true, keys };
}

/**
 * What Pulumi's Node.js language host adds to the program's environment from Pulumi.yaml's runtime options
 * (pulumi-language-nodejs, execNodejs: PULUMI_NODEJS_TYPESCRIPT=true only when `typescript` is true).
 */
export function languageHostEnvironment(project: ProjectFile = readProjectFile()): Record<string, string> {
  return project.typescript ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {};
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
 * Pulumi's rule for a stack name (pulumi/pulumi sdk/go/common/tokens/stack_name.go, `ParseStackName`): 1 to 100
 * characters, each an ASCII letter, a digit, '-', '_' or '.'. Pulumi also takes `org/name` and `org/project/name`
 * (www.pulumi.com/docs/iac/concepts/stacks); the stack file and the URNs use the name alone.
 */
const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const STACK_NAME_RULE =
  "a stack name may only contain ASCII letters, digits, hyphens, underscores or periods, 1 to 100 of them " +
  "(Pulumi's rule), optionally after org/ or org/<project>/";

/** The stack's own name from `stack` (`name`, `org/name` or `org/project/name`), or why it is not one. */
export function parseStackName(stack: string, project: string): { name: string } | { problem: string } {
  const refused = (why: string) => ({ problem: `--stack ${JSON.stringify(stack)}: ${why}` });
  const bad = stack.search(/[^A-Za-z0-9_.\-/]/);
  if (bad >= 0) return refused(`${STACK_NAME_RULE}; invalid character ${JSON.stringify(stack[bad])} at position ${bad}`);
  const parts = stack.split("/");
  if (parts.length > 3 || !parts.every((part) => STACK_NAME.test(part))) return refused(STACK_NAME_RULE);
  // Pulumi's rule lets `..` through as an org; here it can only be a path.
  const dots = parts.find((part) => /^\.+$/.test(part));
  if (dots !== undefined) return refused(`${JSON.stringify(dots)} is a folder, not a stack, org or project name: ${STACK_NAME_RULE}`);
  if (parts.length === 3 && parts[1] !== project) return refused(`the project of org/project/name must be this project, ${project}`);
  return { name: parts[parts.length - 1] };
}

/** The stacks this project has a stack file for. */
export function stackNames(root = PROJECT_ROOT): string[] {
  return fs
    .readdirSync(root)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((name): name is string => name !== undefined && STACK_NAME.test(name))
    .sort();
}

/**
 * Builds the config of `stack`: Pulumi.yaml defaults, then Pulumi.<stack>.yaml, then `overrides` (`KEY=VALUE`,
 * where a KEY without a namespace is a project key). Applies Pulumi's project-config rules with Pulumi's wording
 * (pulumi/pulumi sdk/go/common/workspace/config.go: a key without a default is required; values must fit the
 * declared type) and refuses unknown project keys, which Pulumi itself lets through, saying which key was meant. A
 * bad stack name, a missing or malformed stack file and every bad key are reported together.
 */
export function loadStackSettings(stack: string, overrides: readonly string[] = [], root = PROJECT_ROOT): StackSettings {
  const project = readProjectFile(root);
  const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const problems: string[] = [];
  const typeErrors: Record<string, number> = {};
  // Keys the stack would not read as meant, in the order set; `problem` is known at once outside the project's namespace.
  const unknown: { key: string; bare: string; where: string; problem?: string }[] = [];
  // Required keys, and the stack's own checks on what could be read, only count once the stack file was read.
  let stackFileRead = false;
  const parsed = parseStackName(stack, project.name);
  const name = "name" in parsed ? parsed.name : stack;

  const set = (rawKey: string, value: unknown, where: string) => {
    const key = qualify(rawKey);
    const bare = key.startsWith(`${project.name}:`) ? key.slice(project.name.length + 1) : undefined;
    if (bare !== undefined && !(bare in project.keys)) {
      unknown.push({ key, bare, where });
      return;
    }
    const elsewhere = bare === undefined ? namespaceKeyProblem(key, { name: project.name, keys: Object.keys(project.keys) }) : undefined;
    if (elsewhere !== undefined) {
      unknown.push({ key, bare: "", where, problem: elsewhere });
      return;
    }
    if (value && typeof value === "object" && "secure" in (value as object)) {
      config[key] = SECRET_PLACEHOLDER;
      secretKeys.push(key);
      return;
    }
    const text = asConfigString(value);
    if (bare !== undefined && !fitsType(project.keys[bare], text)) {
      typeErrors[key] = problems.length;
      problems.push(`${where}: Stack '${name}' with configuration key '${key}' must be of type '${project.keys[bare].type}'`);
    }
    config[key] = text;
  };

  for (const [key, declared] of Object.entries(project.keys)) {
    if (declared.default !== undefined && declared.default !== null) config[qualify(key)] = asConfigString(declared.default);
  }

  if ("problem" in parsed) {
    problems.push(parsed.problem);
  } else {
    const stackFile = path.join(root, `Pulumi.${name}.yaml`);
    if (!fs.existsSync(stackFile)) {
      const known = stackNames(root);
      problems.push(`no stack file Pulumi.${name}.yaml for stack '${name}'; ${didYouMean(name, known, "this project's stacks:")}`);
    } else {
      try {
        const doc = (loadYaml(stackFile, root) ?? {}) as { config?: unknown };
        const lines = configKeyLines(fs.readFileSync(stackFile, "utf8"));
        if (typeof doc !== "object" || Array.isArray(doc) || (doc.config !== undefined && (typeof doc.config !== "object" || Array.isArray(doc.config)))) {
          problems.push(`Pulumi.${name}.yaml: expected \`config:\` to be a mapping of keys to values`);
        } else {
          for (const [key, value] of Object.entries((doc.config ?? {}) as Record<string, unknown>)) {
            set(key, value, `Pulumi.${name}.yaml${lines.has(key) ? `:${lines.get(key)}` : ""}`);
          }
          stackFileRead = true;
        }
      } catch (err) {
        if (!(err instanceof SettingsError)) throw err;
        problems.push(...err.problems);
      }
    }
  }

  for (const override of overrides) {
    const eq = override.indexOf("=");
    if (eq <= 0) {
      problems.push(`--config ${shortened(override)}: expected KEY=VALUE`);
      continue;
    }
    set(override.slice(0, eq).trim(), override.slice(eq + 1), `--config ${shortened(override)}`);
  }

  // Keys are suggested from Pulumi.yaml and from every other namespace the stack sets: `location` finds
  // azure-native:location.
  const declared = Object.keys(project.keys);
  const candidates = [...declared, ...Object.keys(config).filter((key) => !key.startsWith(`${project.name}:`))];
  for (const { key, bare, where, problem } of unknown) {
    const advice = problem ?? didYouMean(bare, candidates, "Pulumi.yaml declares", { compareBy: (c) => c.slice(c.indexOf(":") + 1), all: declared });
    problems.push(`${where}: unknown key ${key}; ${advice}`);
  }

  const missing = Object.entries(project.keys)
    .filter(([key, declared]) => declared.default === undefined || declared.default === null ? config[qualify(key)] === undefined : false)
    .map(([key]) => qualify(key));
  if (stackFileRead && missing.length > 0) problems.push(`Stack '${name}' is missing configuration value${missing.length > 1 ? "s" : ""} ${listKeys(missing)}`);
  if (problems.length > 0) throw new SettingsError(problems, stackFileRead ? config : undefined, typeErrors);
  return { project: project.name, stack: name, config, secretKeys };
}
