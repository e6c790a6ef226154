import { createHash } from "node:crypto";

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

/** How many problems of one kind a file's listing shows before it says how many more there are. */
export const LISTED_PROBLEMS = 20;

/**
 * At most `limit` problems, and a last one that says how many more there were, so a wrong file does not flood the
 * terminal. `unlisted` counts problems found but not kept (a file is checked keeping only the first few).
 */
export function capProblems(problems: readonly DataProblem[], limit: number, unlisted = 0): DataProblem[] {
  if (problems.length + unlisted <= limit) return [...problems];
  const kept = problems.slice(0, limit);
  const rest = problems.length + unlisted - kept.length;
  return [...kept, { file: kept[limit - 1].file, key: kept[limit - 1].key, reason: `and ${rest} more problem${rest === 1 ? "" : "s"} like these` }];
}

/**
 * Problems as they are found, keeping the first `limit` and counting the rest: a file where every one of 200,000
 * records is wrong costs a count, not 200,000 messages.
 */
export class ProblemList {
  readonly listed: DataProblem[] = [];
  /** Problems found beyond the first `limit`. */
  unlisted = 0;

  constructor(readonly limit = LISTED_PROBLEMS) {}

  add(problem: DataProblem): void {
    if (this.listed.length < this.limit) this.listed.push(problem);
    else this.unlisted++;
  }

  /** The listed problems and, if there were more, a last one saying how many. */
  capped(): DataProblem[] {
    return capProblems(this.listed, this.limit, this.unlisted);
  }
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

/** What makes two records the same example: their turns, whatever else the records carry (ids, prompts). */
export function conversationKey(messages: readonly ChatMessage[]): string {
  return createHash("sha256")
    .update(JSON.stringify(messages.map((m) => [m.role, m.content])))
    .digest("hex");
}

/** The characters of a conversation's turns (UTF-16 code units, as JavaScript counts a string's length). */
export function conversationCharacters(messages: readonly ChatMessage[]): number {
  return messages.reduce((sum, m) => sum + m.content.length, 0);
}

/**
 * What the training-set rules need of a conversation, without its text: which example it is and how long it is.
 * A file of 200,000 conversations is checked keeping this of each, not the conversations.
 */
export interface ConversationSummary {
  /** {@link conversationKey}: the same for the same turns. */
  readonly key: string;
  /** {@link conversationCharacters}. */
  readonly characters: number;
}

/** The summary of a record that passed {@link recordProblem}. */
export function summaryOf(record: unknown): ConversationSummary {
  const messages = messagesOf(record);
  return { key: conversationKey(messages), characters: conversationCharacters(messages) };
}
