import * as http from "node:http";
import { AddressInfo } from "node:net";

export interface ScoringRequest {
  readonly body: any;
  readonly headers: http.IncomingHttpHeaders;
}

/**
 * A local stand-in of a managed online endpoint's scoring API on 127.0.0.1: answers `{"output": ...}` to each request,
 * after the scripted failures, and records what it received.
 */
export async function scoringStandIn(script: { status?: number; retryAfter?: string; delayMs?: number }[] = []) {
  const requests: ScoringRequest[] = [];
  const steps = [...script];
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      requests.push({ body: JSON.parse(raw || "null"), headers: req.headers });
      const step = steps.shift();
      const answer = () => {
        if (step?.status) {
          res.writeHead(step.status, step.retryAfter ? { "retry-after": step.retryAfter } : {}).end(`scripted ${step.status}`);
          return;
        }
        const last = requests.at(-1)!.body.input_data.input_string.at(-1);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ output: `echo: ${last.content}` }));
      };
      if (step?.delayMs) setTimeout(answer, step.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`;
  return {
    url,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
