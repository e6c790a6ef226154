/**
 * `npm run chat -- [--message TEXT] [--temperature 0.7] [--max-new-tokens 128] [--stack NAME]`: talk to the
 * fine-tuned model. With --message it answers once; without, it keeps a conversation until /exit.
 */
import * as readline from "node:readline";
import { parseArgs } from "node:util";
import { findEndpoint } from "./lib/endpointTarget";
import { chat, ChatMessage, DEFAULT_PARAMETERS, GenerationParameters } from "./lib/scoringClient";

export function parameters(values: { temperature?: string; "max-new-tokens"?: string }): GenerationParameters {
  const temperature = Number(values.temperature ?? DEFAULT_PARAMETERS.temperature);
  const maxNewTokens = Number(values["max-new-tokens"] ?? DEFAULT_PARAMETERS.maxNewTokens);
  if (!(temperature >= 0 && temperature <= 2)) throw new Error(`--temperature ${values.temperature}: a number from 0 to 2`);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new Error(`--max-new-tokens ${values["max-new-tokens"]}: a whole number of at least 1`);
  return { temperature, maxNewTokens };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      message: { type: "string" },
      temperature: { type: "string" },
      "max-new-tokens": { type: "string" },
      stack: { type: "string" },
    },
    strict: true,
  });
  const generation = parameters(values);
  const target = await findEndpoint(process.env, undefined, values.stack);

  if (values.message !== undefined) {
    process.stdout.write(`${await chat(target, [{ role: "user", content: values.message }], generation)}\n`);
    return;
  }

  const history: ChatMessage[] = [];
  // Lines are read as a stream, so lines piped in ahead of the answers are kept, not dropped.
  const terminal = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: "you> " });
  process.stdout.write(`Chatting with ${target.url} (/reset starts over, /exit or Ctrl-D ends)\n`);
  terminal.prompt();
  for await (const raw of terminal) {
    const line = raw.trim();
    if (line === "/exit") break;
    if (line === "/reset") history.length = 0;
    else if (line) {
      history.push({ role: "user", content: line });
      try {
        const answer = await chat(target, history, generation);
        history.push({ role: "assistant", content: answer });
        process.stdout.write(`phi3> ${answer}\n`);
      } catch (err) {
        history.pop();
        process.stderr.write(`${(err as Error).message}\n`);
      }
    }
    terminal.prompt();
  }
  terminal.close();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`chat failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
