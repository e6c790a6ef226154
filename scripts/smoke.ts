/**
 * `npm run smoke -- [--message TEXT] [--stack NAME]`: after `pulumi up`, one chat request to the deployment; prints
 * the latency and the answer, and exits non-zero when the model does not answer.
 */
import { parseArgs } from "node:util";
import { findEndpoint } from "./lib/endpointTarget";
import { chat } from "./lib/scoringClient";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { message: { type: "string", default: "Who founded Microsoft?" }, stack: { type: "string" } },
    strict: true,
  });
  const target = await findEndpoint(process.env, undefined, values.stack);
  const started = performance.now();
  const answer = await chat(target, [{ role: "user", content: values.message }]);
  const ms = Math.round(performance.now() - started);
  if (!answer.trim()) throw new Error(`the model answered with nothing after ${ms} ms`);
  process.stdout.write(`ok: ${ms} ms\nQ: ${values.message}\nA: ${answer}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`smoke check failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
