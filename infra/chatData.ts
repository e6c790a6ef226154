import { createHash } from "node:crypto";
import * as fs from "node:fs";

/**
 * The chat-completion training format: one JSON object per line with a `messages` array of `{role, content}` turns,
 * as the azureml registry's chat_completion_pipeline and ultrachat_200k's `train_sft` split use it.
 */
export const CHAT_ROLES = ["system", "user", "assistant"] as const;

/** One problem in a data file, at a line (1-based). */
export interface DataProblem {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

/** A data file that cannot be trained on; the message names file, line and reason of each problem found. */
export class DataError extends Error {
  constructor(readonly problems: readonly DataProblem[]) {
    super(
      `invalid training data (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p.file}:${p.line}: ${p.reason}`).join("\n"),
    );
    this.name = "DataError";
  }
}

/** Why one parsed record is not a chat example, or undefined when it is. */
export function recordProblem(record: unknown): string | undefined {
  if (!record || typeof record !== "object" || Array.isArray(record)) return "not a JSON object";
  const messages = (record as { messages?: unknown }).messages;
  if (!Array.isArray(messages)) return "no 'messages' array";
  if (messages.length === 0) return "'messages' is empty";
  for (const [i, message] of messages.entries()) {
    if (!message || typeof message !== "object") return `messages[${i}] is not an object`;
    const { role, content } = message as { role?: unknown; content?: unknown };
    if (!CHAT_ROLES.includes(role as (typeof CHAT_ROLES)[number])) {
      return `messages[${i}].role is ${JSON.stringify(role)}; allowed: ${CHAT_ROLES.join(", ")}`;
    }
    if (typeof content !== "string" || content.trim() === "") return `messages[${i}].content must be a non-empty string`;
  }
  const roles = new Set(messages.map((m) => (m as { role: string }).role));
  if (!roles.has("user")) return "no user turn";
  if (!roles.has("assistant")) return "no assistant turn";
  return undefined;
}

/** Problems of JSONL `text` (named `file`); at most `limit` are listed, so a wrong file does not flood the terminal. */
export function jsonlProblems(file: string, text: string, limit = 20): DataProblem[] {
  const problems: DataProblem[] = [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (lines.length === 0) return [{ file, line: 1, reason: "the file has no records" }];
  for (const [index, raw] of lines.entries()) {
    if (problems.length >= limit) break;
    let reason: string | undefined;
    try {
      reason = recordProblem(JSON.parse(raw));
    } catch {
      reason = raw.trim() === "" ? "empty line" : "not valid JSON";
    }
    if (reason) problems.push({ file, line: index + 1, reason });
  }
  return problems;
}

/** A validated data file and what identifies its content. */
export interface ChatDataFile {
  readonly path: string;
  readonly records: number;
  /** SHA-256 of the bytes, hex. */
  readonly sha256: string;
}

/** Reads and validates data files; throws one {@link DataError} with the problems of all of them. */
export function validateChatFiles(paths: readonly string[], displayName: (path: string) => string = (p) => p): ChatDataFile[] {
  const problems: DataProblem[] = [];
  const files: ChatDataFile[] = [];
  for (const path of paths) {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(path);
    } catch {
      problems.push({ file: displayName(path), line: 0, reason: "cannot read the file (run `npm run prepare-data`?)" });
      continue;
    }
    const text = bytes.toString("utf8");
    problems.push(...jsonlProblems(displayName(path), text));
    files.push({
      path,
      records: text.split("\n").filter((line) => line.trim() !== "").length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    });
  }
  if (problems.length > 0) throw new DataError(problems);
  return files;
}
