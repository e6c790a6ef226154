import { runChat } from "../scripts/chat/index";
import { DEFAULT_CONTEXT_TOKENS, fitToContext } from "../scripts/chat/context";
import type { ChatMessage } from "../scripts/chat/scoringClient";
import { ChatSession } from "../scripts/chat/session";
import { commandIo } from "./support/commandIo";
import { scoringStandIn } from "./support/scoringStandIn";

// Phi-3-mini-4k-instruct's context, from its model card ("Context length: 4K tokens", max_position_embeddings 4096),
// and the estimate of 4 characters a token the training-set check uses.
const PHI3_MINI_CONTEXT = 4096;
const budget = { contextTokens: 100, answerTokens: 20 }; // room for 80 tokens: 320 characters
const user = (content: string): ChatMessage => ({ role: "user", content });
const assistant = (content: string): ChatMessage => ({ role: "assistant", content });

describe("what of a conversation fits the model's context", () => {
  it("assumes Phi-3-mini-4k-instruct's context by default", () => {
    expect(DEFAULT_CONTEXT_TOKENS).toBe(PHI3_MINI_CONTEXT);
  });

  it("sends a newest message of exactly the room, and refuses one character more", () => {
    expect(fitToContext([user("x".repeat(320))], budget)).toEqual({ messages: [user("x".repeat(320))], droppedExchanges: 0 });
    expect(fitToContext([user("x".repeat(321))], budget)).toEqual({ tooLong: { tokens: 81, room: 80 } });
  });

  it("leaves out whole exchanges, oldest first, until the rest fits", () => {
    const history = [user("a".repeat(100)), assistant("b".repeat(100)), user("c".repeat(50)), assistant("d".repeat(50)), user("e".repeat(100))];
    // 400 characters: without the first exchange, 200.
    expect(fitToContext(history, budget)).toEqual({ messages: history.slice(2), droppedExchanges: 1 });
    expect(fitToContext(history.slice(2), budget)).toEqual({ messages: history.slice(2), droppedExchanges: 0 });
  });
});


describe("chat and the model's context", () => {
  it("does not send a paste three times the context, and keeps the conversation as it was", async () => {
    const sent: ChatMessage[][] = [];
    const { io, err } = commandIo({});
    const session = new ChatSession(async (messages) => (sent.push([...messages]), "ok"), io.stdout, io.stderr, { contextTokens: PHI3_MINI_CONTEXT, answerTokens: 128 });
    await session.handle("hello");
    await session.handle("x".repeat(50_000));
    expect(sent).toHaveLength(1);
    expect(session.history).toEqual([user("hello"), assistant("ok")]);
    expect(err.text).toContain("Not sent: this message is about 12,500 tokens, and the model's context leaves about 3,968 for it (4,096 tokens, less 128 for the answer)");
  });

  it("sends only the newest exchanges that fit, and says what it left out", async () => {
    const sent: ChatMessage[][] = [];
    const { io, err } = commandIo({});
    const session = new ChatSession(async (messages) => (sent.push([...messages]), "y".repeat(100)), io.stdout, io.stderr, budget);
    await session.handle("a".repeat(100));
    await session.handle("b".repeat(100));
    expect(sent[1].map((m) => m.content.length)).toEqual([100, 100, 100]);
    await session.handle("c".repeat(100));
    expect(sent[2].map((m) => m.content[0])).toEqual(["b", "y", "c"]);
    expect(err.text).toContain("Left out the oldest exchange: the conversation no longer fits the model's context (about 100 tokens)");
  });

  it("refuses --message longer than the context with exit code 2, sending nothing", async () => {
    const endpoint = await scoringStandIn();
    try {
      const { io, err } = commandIo({ PHI3_ENDPOINT_URL: endpoint.url, PHI3_ENDPOINT_KEY: "k" });
      await expect(runChat(["--message", "x".repeat(50_000)], io)).resolves.toBe(2);
      expect(err.text).toMatch(/--message: Not sent: this message is about 12,500 tokens/);
      await expect(runChat(["--context-tokens", "256", "--max-new-tokens", "256", "--message", "hi"], io)).resolves.toBe(2);
      expect(err.text).toMatch(/--max-new-tokens 256: must be less than the context's 256 tokens/);
      expect(endpoint.requests).toHaveLength(0);
    } finally {
      await endpoint.close();
    }
  });
});
