/**
 * The fine-tuning pipeline's finetune config: the JSON file a user gives as `fineTuneConfigFile`, checked for the shape
 * the component reads. Its reader is Azure/azureml-assets assets/training/finetune_acft_hf_nlp/src/model_selector/
 * finetune_config.py (FinetuneConfig._read_ft_config_json_file, get_finetune_config): a file whose `version` is the
 * string "2" contributes only `task_specific_config[<task_name>]`; any other version is read whole as a version-1
 * config; an empty result falls back to a legacy table keyed by model name or type, which has no phi3 entry.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { CHAT_COMPLETION_TASK } from "../catalogue/fineTuneSettings";
import { unreadableReason } from "./chatDataFile";

/** The `version` the stack accepts: the only one that selects a task's part of the file. */
export const FINETUNE_CONFIG_VERSION = "2";

/** A finetune config file and what identifies its content. */
export interface FinetuneConfigFile {
  /** Absolute path. */
  readonly path: string;
  /** SHA-256 of the bytes, hex. */
  readonly sha256: string;
}

/** The shape, for messages. */
export const FINETUNE_CONFIG_SHAPE = `{"version": "${FINETUNE_CONFIG_VERSION}", "task_specific_config": {"${CHAT_COMPLETION_TASK}": {...}}}`;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Why `text` is not a finetune config the chat-completion pipeline would use, or undefined when it is one. */
export function finetuneConfigProblem(text: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return `is not JSON (${(err as Error).message})`;
  }
  if (!isObject(json)) return "is JSON but not an object";
  if (json.version !== FINETUNE_CONFIG_VERSION) {
    return `has "version": ${JSON.stringify(json.version) ?? "(missing)"}; the component reads a task's settings only from "version": "${FINETUNE_CONFIG_VERSION}" (a string)`;
  }
  const task = isObject(json.task_specific_config) ? json.task_specific_config[CHAT_COMPLETION_TASK] : undefined;
  // An empty or missing task part leaves the component with nothing, and it falls back to its legacy table.
  if (!isObject(task) || Object.keys(task).length === 0) {
    return `has no settings in task_specific_config.${CHAT_COMPLETION_TASK}, the only part the ${CHAT_COMPLETION_TASK} pipeline reads`;
  }
  return undefined;
}

/** The file at `file` (absolute) with its hash, or why it is not a finetune config. */
export function readFinetuneConfig(file: string): FinetuneConfigFile | { readonly problem: string } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { problem: code === "ENOENT" ? `there is no file at ${file}` : code === "EISDIR" ? `${file} is a folder` : `${file} ${unreadableReason(err)}` };
  }
  const problem = finetuneConfigProblem(bytes.toString("utf8"));
  return problem ? { problem: `${file} ${problem}` } : { path: file, sha256: createHash("sha256").update(bytes).digest("hex") };
}
