/**
 * What of a conversation fits the model's context: the chat endpoint takes the whole history with each message, and a
 * model cannot read past its context length (Phi-3-mini-4k-instruct: 4,096 tokens, less the answer's max_new_tokens).
 * Tokens are estimated from characters as the training-set check does (domain/data/trainingSet.ts CHARS_PER_TOKEN).
 */
import { DEFAULT_BASE_MODEL, MODEL_CATALOGUE } from "../../domain/catalogue/models";
import { CHARS_PER_TOKEN, estimatedTokens } from "../../domain/data/trainingSet";
import type { ChatMessage } from "./scoringClient";

/** The context length chat assumes without --context-tokens: the default base model's. */
export const DEFAULT_CONTEXT_TOKENS = MODEL_CATALOGUE.find((m) => m.name === DEFAULT_BASE_MODEL)!.contextTokens;

export interface ContextBudget {
  /** The model's context length in tokens. */
  readonly contextTokens: number;
  /** Tokens kept free for the answer (max_new_tokens). */
  readonly answerTokens: number;
}

/** What to send: the newest messages that fit, or why the newest message cannot be sent at all. */
export type Fitted =
  | { readonly messages: ChatMessage[]; readonly droppedExchanges: number }
  | { readonly tooLong: { readonly tokens: number; readonly room: number } };

const characters = (messages: readonly ChatMessage[]) => messages.reduce((n, m) => n + m.content.length, 0);

/**
 * The history to send, ending with the newest message: the oldest exchanges (a user message and its answer) are left
 * out until the rest fits in the context less the answer's room; a newest message that does not fit alone is refused.
 */
export function fitToContext(history: readonly ChatMessage[], budget: ContextBudget): Fitted {
  const roomTokens = budget.contextTokens - budget.answerTokens;
  const room = roomTokens * CHARS_PER_TOKEN;
  const newest = history[history.length - 1];
  if (!newest || newest.content.length > room) return { tooLong: { tokens: estimatedTokens(newest?.content.length ?? 0), room: roomTokens } };
  let start = 0;
  let dropped = 0;
  while (characters(history.slice(start)) > room) {
    // Leave out a whole exchange: the user's message and the answer that follows it.
    start += history[start + 1]?.role === "assistant" ? 2 : 1;
    dropped++;
  }
  return { messages: history.slice(start), droppedExchanges: dropped };
}

/** What chat says when the newest message alone does not fit. */
export function tooLongMessage(tooLong: { tokens: number; room: number }, budget: ContextBudget): string {
  return (
    `Not sent: this message is about ${tooLong.tokens.toLocaleString("en-US")} tokens, and the model's context leaves about ` +
    `${tooLong.room.toLocaleString("en-US")} for it (${budget.contextTokens.toLocaleString("en-US")} tokens, less ${budget.answerTokens} ` +
    "for the answer). Shorten it or send it in parts; --context-tokens sets a larger model's context."
  );
}

/** What chat says when it leaves out the oldest exchanges. */
export function droppedMessage(dropped: number, budget: ContextBudget): string {
  return (
    `Left out the ${dropped === 1 ? "oldest exchange" : `${dropped} oldest exchanges`}: the conversation no longer fits the ` +
    `model's context (about ${budget.contextTokens.toLocaleString("en-US")} tokens), so the model does not see ${dropped === 1 ? "it" : "them"}.`
  );
}
