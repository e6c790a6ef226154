import { createHash } from "node:crypto";
import * as fs from "node:fs";

/**
 * The chat-completion training format: one JSON object per line with a `messages` array of `{role, content}` turns,
 * as the azureml registry's chat_completion_pipeline and ultrachat_200k's `train_sft` split use it.
 */
export const CHAT_ROLES = ["system", "user", "assistant"] as const;

export type ChatRole = (typeof CHAT_ROLES)[number];

/** One turn of a conversation. */
export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string;
}

/**
 * One problem in data: the file (or dataset) and where in it: a line of a JSONL file (counting from 1) or a row of a
 * Parquet file or dataset (counting from 0, as `datasets` and pandas number rows); neither when it is the whole file.
 */
export interface DataProblem {
  readonly file: string;
  readonly line?: number;
  readonly row?: number;
  /** The setting that names the file, such as `trainDataPath`, when one does. */
  readonly key?: string;
  readonly reason: string;
}

/** A problem as one line: `key: file:line: reason`. */
export function problemText(problem: DataProblem): string {
  const where =
    problem.line !== undefined ? `${problem.file}:${problem.line}` : problem.row !== undefined ? `${problem.file}, row ${problem.row}` : problem.file;
  return `${problem.key ? `${problem.key}: ` : ""}${where}: ${problem.reason}`;
}

/** Data that cannot be trained on; the message lists where and why, one problem a line. */
export class DataError extends Error {
  constructor(readonly problems: readonly DataProblem[]) {
    super(
      `invalid training data (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${problemText(p)}`).join("\n"),
    );
    this.name = "DataError";
  }
}

/** At most `limit` problems, and a last one that says how many more there were, so a wrong file does not flood the terminal. */
export function capProblems(problems: readonly DataProblem[], limit: number): DataProblem[] {
  if (problems.length <= limit) return [...problems];
  const rest = problems.length - limit;
  const kept = problems.slice(0, limit);
  return [...kept, { file: kept[limit - 1].file, key: kept[limit - 1].key, reason: `and ${rest} more problem${rest === 1 ? "" : "s"} like these` }];
}

/**
 * Why the turns are out of order, or undefined: an optional system turn first, then user and assistant alternating,
 * starting with the user and ending with the assistant's answer (the turn the model learns to give).
 */
function turnOrderProblem(roles: readonly ChatRole[]): string | undefined {
  if (!roles.includes("user")) return "no user turn";
  if (!roles.includes("assistant")) return "no assistant turn";
  const start = roles[0] === "system" ? 1 : 0;
  for (let i = start; i < roles.length; i++) {
    const expected = (i - start) % 2 === 0 ? "user" : "assistant";
    if (roles[i] === expected) continue;
    if (roles[i] === "system") return `messages[${i}] is a system turn; only the first turn may be one`;
    return (
      `messages[${i}].role is "${roles[i]}" where "${expected}" belongs: after an optional system turn, ` +
      "user and assistant turns alternate, starting with user"
    );
  }
  if (roles.at(-1) !== "assistant") return `messages[${roles.length - 1}] is a user turn with no answer; the last turn must be the assistant's`;
  return undefined;
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
    if (!CHAT_ROLES.includes(role as ChatRole)) {
      return `messages[${i}].role is ${JSON.stringify(role)}; allowed: ${CHAT_ROLES.join(", ")}`;
    }
    if (typeof content !== "string" || content.trim() === "") return `messages[${i}].content must be a non-empty string`;
  }
  return turnOrderProblem(messages.map((m) => (m as ChatMessage).role));
}

/** The turns of a record that passed {@link recordProblem}. */
export function messagesOf(record: unknown): ChatMessage[] {
  return (record as { messages: ChatMessage[] }).messages;
}

/** One line of a JSONL file that holds text. */
export interface JsonlLine {
  /** Counting from 1. */
  readonly line: number;
  /** The line without its line break (`\n` or `\r\n`). */
  readonly text: string;
}

/** JSONL text cut into lines as a person reads it. */
export interface JsonlLines {
  /** Lines that hold something. */
  readonly lines: JsonlLine[];
  /** Empty lines between records. */
  readonly blankLines: number[];
  /** The text began with a UTF-8 byte order mark, which is not part of the first line. */
  readonly bom: boolean;
}

/**
 * Cuts JSONL text into lines. A leading UTF-8 byte order mark (what Notepad and PowerShell write) is dropped, and empty
 * lines at the end are ignored: both are invisible in an editor. An empty line between records is reported instead,
 * since it usually marks a record deleted by hand or two files pasted together, and JSON Lines readers differ on it
 * (JSON Lines allows one record on every line and nothing else).
 */
export function splitJsonl(text: string): JsonlLines {
  const bom = text.charCodeAt(0) === 0xfeff;
  const raw = (bom ? text.slice(1) : text).split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  let end = raw.length;
  while (end > 0 && raw[end - 1].trim() === "") end--;
  const lines: JsonlLine[] = [];
  const blankLines: number[] = [];
  for (let i = 0; i < end; i++) {
    if (raw[i].trim() === "") blankLines.push(i + 1);
    else lines.push({ line: i + 1, text: raw[i] });
  }
  return { lines, blankLines, bom };
}

/** An empty line between records; empty lines at the end are ignored. */
export const EMPTY_LINE_REASON = "empty line between records: JSON Lines has one record on every line (empty lines at the end are fine)";

/** Why a line is not JSON, in words a person can act on. */
function jsonProblem(text: string, error: unknown): string {
  if (text.charCodeAt(0) === 0xfeff) return "not valid JSON: the line starts with a byte order mark (were two files joined?)";
  return `not valid JSON (${error instanceof Error ? error.message : String(error)})`;
}

/** The parsed record of a JSONL line, or why it is not a chat example. */
export function parseRecordLine(text: string): { record: unknown; problem?: undefined } | { record?: undefined; problem: string } {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (err) {
    return { problem: jsonProblem(text, err) };
  }
  const problem = recordProblem(record);
  return problem ? { problem } : { record };
}

/** A record that is a chat example, and where it is. */
export interface LocatedRecord {
  readonly line?: number;
  readonly row?: number;
  readonly messages: ChatMessage[];
}

/** What reading one JSONL text found: the good records and the problems of the rest. */
export interface CheckedText {
  readonly file: string;
  readonly records: LocatedRecord[];
  readonly problems: DataProblem[];
  readonly bom: boolean;
}

/** Checks every line of JSONL `text` (named `file`) as a chat example. */
export function checkJsonl(file: string, text: string): CheckedText {
  const { lines, blankLines, bom } = splitJsonl(text);
  if (lines.length === 0) return { file, records: [], problems: [{ file, reason: "the file has no records" }], bom };
  const records: LocatedRecord[] = [];
  const problems: DataProblem[] = blankLines.map((line) => ({ file, line, reason: EMPTY_LINE_REASON }));
  for (const { line, text: lineText } of lines) {
    const parsed = parseRecordLine(lineText);
    if (parsed.problem !== undefined) problems.push({ file, line, reason: parsed.problem });
    else records.push({ line, messages: messagesOf(parsed.record) });
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { file, records, problems, bom };
}

/** Problems of JSONL `text` (named `file`); at most `limit` are listed, and how many more there are. */
export function jsonlProblems(file: string, text: string, limit = 20): DataProblem[] {
  return capProblems(checkJsonl(file, text).problems, limit);
}

/** A validated data file and what identifies its content. */
export interface ChatDataFile {
  readonly path: string;
  readonly records: number;
  /** SHA-256 of the bytes, hex. */
  readonly sha256: string;
}

/** A data file's bytes, or the problem of reading it, said for a person (no such file, a folder, no permission). */
export function readDataFile(path: string, file: string, key?: string): { bytes: Buffer } | { problem: DataProblem } {
  try {
    return { bytes: fs.readFileSync(path) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file (`npm run prepare-data` writes data/train_data.jsonl and data/test_data.jsonl)"
        : code === "EISDIR"
          ? "is a folder; name a .jsonl file"
          : code === "EACCES" || code === "EPERM"
            ? "cannot be read: permission denied"
            : `cannot be read (${code ?? (err as Error).message})`;
    return { problem: { file, key, reason } };
  }
}

/** A file read and checked, with what identifies its content. */
export interface CheckedFile extends CheckedText {
  readonly dataFile: ChatDataFile;
}

/** Reads and checks one data file; a file that cannot be read is one problem. */
export function checkChatFile(path: string, file: string, key?: string): CheckedFile {
  const read = readDataFile(path, file, key);
  if ("problem" in read) return { file, records: [], problems: [read.problem], bom: false, dataFile: { path, records: 0, sha256: "" } };
  const checked = checkJsonl(file, read.bytes.toString("utf8"));
  return {
    ...checked,
    problems: key ? checked.problems.map((p) => ({ ...p, key })) : checked.problems,
    dataFile: { path, records: checked.records.length, sha256: createHash("sha256").update(read.bytes).digest("hex") },
  };
}

/** Reads and validates data files record by record; throws one {@link DataError} with the problems of all of them. */
export function validateChatFiles(paths: readonly string[], displayName: (path: string) => string = (p) => p): ChatDataFile[] {
  const checked = paths.map((path) => checkChatFile(path, displayName(path)));
  const problems = checked.flatMap((c) => capProblems(c.problems, 20));
  if (problems.length > 0) throw new DataError(problems);
  return checked.map((c) => c.dataFile);
}
