/**
 * What `npm run evaluate` asks and expects: each conversation of a chat-format JSONL file (domain/data/chatDataFile.ts) cut at its
 * last assistant turn, the turns before it being the prompt and that turn the reference answer.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ChatMessage, capProblems, DataError, LISTED_PROBLEMS, messagesOf } from "../../domain/data/chatData";
import { checkChatFile, parseRecordLine, splitJsonl } from "../../domain/data/chatDataFile";
import { DataManifest, MANIFEST_FILE } from "../data/dataManifest";

/** One conversation to put to the model. */
export interface EvalRecord {
  /** Counting from 0, in file order. */
  readonly index: number;
  /** The line of the JSONL file, counting from 1. */
  readonly line: number;
  readonly prompt: readonly ChatMessage[];
  readonly reference: string;
}

/** The prompt and the reference of one conversation; undefined when it has no assistant turn after a user turn. */
export function splitConversation(messages: readonly ChatMessage[]): { prompt: ChatMessage[]; reference: string } | undefined {
  const last = messages.map((m) => m.role).lastIndexOf("assistant");
  if (last < 1 || !messages.slice(0, last).some((m) => m.role === "user")) return undefined;
  return { prompt: messages.slice(0, last), reference: messages[last].content };
}

/** What the data manifest beside the file says of it, when there is one that names it. */
export interface ManifestMatch {
  readonly file: string;
  readonly dataset: string;
  readonly revision: string | null;
  /** The SHA-256 the manifest records for the file. */
  readonly sha256: string;
  /** Whether the file is still the one `prepare-data` wrote. */
  readonly matches: boolean;
}

/** The data a run evaluates on, and what identifies it. */
export interface EvalData {
  readonly path: string;
  /** SHA-256 of the file's bytes, hex. */
  readonly sha256: string;
  /** Conversations in the file. */
  readonly total: number;
  /** The ones evaluated: the first `limit`. */
  readonly records: EvalRecord[];
  readonly manifest: ManifestMatch | null;
}

function manifestFor(file: string, sha256: string): ManifestMatch | null {
  const manifestPath = path.join(path.dirname(file), MANIFEST_FILE);
  let manifest: DataManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as DataManifest;
  } catch {
    return null;
  }
  const entry = manifest.files?.[path.basename(file)];
  if (!entry?.sha256) return null;
  return { file: manifestPath, dataset: manifest.dataset, revision: manifest.revision, sha256: entry.sha256, matches: entry.sha256 === sha256 };
}

/**
 * Reads and checks a chat-format file as the stack does before it uploads one, and cuts its first `limit`
 * conversations into prompt and reference. A file the stack would refuse is a {@link DataError} listing where and why.
 */
export function readEvalData(file: string, limit = Infinity, display = file): EvalData {
  const checked = checkChatFile(file, display);
  const problems = capProblems(checked.problems, LISTED_PROBLEMS, checked.unlisted);
  if (problems.length > 0) throw new DataError(problems);
  const { lines } = splitJsonl(fs.readFileSync(file, "utf8"));
  const records: EvalRecord[] = [];
  for (const { line, text } of lines) {
    if (records.length >= limit) break;
    const { record } = parseRecordLine(text);
    const split = splitConversation(messagesOf(record));
    if (split) records.push({ index: records.length, line, ...split });
  }
  const { sha256 } = checked.dataFile;
  return { path: display, sha256, total: checked.records.length, records, manifest: manifestFor(file, sha256) };
}
