import * as http from "node:http";
import { AddressInfo } from "node:net";

export interface ScoringRequest {
  readonly body: any;
  readonly headers: http.IncomingHttpHeaders;
}

/** One scripted answer; a request past the script is answered `{"output": "echo: <last message>"}`. */
export interface ScoringStep {
  readonly status?: number;
  readonly retryAfter?: string;
  readonly delayMs?: number;
  /** Answer with exactly this body: 200, or `status` when given. */
  readonly body?: string;
  /** Never answer: the request stays open until the client gives up or the stand-in closes. */
  readonly hang?: boolean;
}

/**
 * A local stand-in of a managed online endpoint's scoring API on 127.0.0.1: answers `{"output": ...}` to each request,
 * after the scripted steps, and records what it received and which requests the client abandoned.
 */
export async function scoringStandIn(script: ScoringStep[] = [], hooks: { onRequest?: (index: number) => void } = {}) {
  const requests: ScoringRequest[] = [];
  const steps = [...script];
  const timers = new Set<NodeJS.Timeout>();
  const waiters: { count: number; resolve: () => void }[] = [];
  let abandoned = 0;
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => (raw += chunk));
    req.on("end", () => {
      requests.push({ body: JSON.parse(raw || "null"), headers: req.headers });
      hooks.onRequest?.(requests.length - 1);
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      res.on("close", () => {
        if (!res.writableFinished) abandoned++;
      });
      const step = steps.shift();
      if (step?.hang) return;
      const answer = () => {
        if (res.destroyed) return;
        if (step?.status) {
          res.writeHead(step.status, step.retryAfter ? { "retry-after": step.retryAfter } : {}).end(step.body ?? `scripted ${step.status}`);
          return;
        }
        if (step?.body !== undefined) {
          res.writeHead(200, { "content-type": "application/json" }).end(step.body);
          return;
        }
        const last = requests.at(-1)!.body.input_data.input_string.at(-1);
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ output: `echo: ${last.content}` }));
      };
      if (step?.delayMs) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, step.delayMs);
        timers.add(timer);
      } else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`;
  return {
    url,
    requests,
    /** Requests whose connection closed before they were answered. */
    get abandoned() {
      return abandoned;
    },
    /** Resolves once `count` requests have arrived. */
    received: (count: number) =>
      new Promise<void>((resolve) => (requests.length >= count ? resolve() : waiters.push({ count, resolve }))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
