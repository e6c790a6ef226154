/**
 * `npm run chat -- --web`: the conversation in a browser. A server on 127.0.0.1 serves one page (plain HTML, CSS and a
 * script from ./page) behind a random token in its path, and relays each conversation the page posts to the endpoint
 * with the same client as the terminal chat. The endpoint's key stays in this process: the page never sees it.
 *
 * Who may use it: only a page of this origin. Every request must name this server exactly in Host (a DNS-rebound name
 * does not), carry the token, and, when it sends an Origin (and every POST must), send this origin.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { ask, ChatMessage, ClientOptions, EndpointTarget, GenerationParameters, ScoringError } from "./scoringClient";
import { stripControls } from "../shared/terminalText";
import { describeEvent } from "./waiting";

/** The largest conversation the page may post: far above 200 turns of 128-token answers. */
export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_MESSAGES = 400;

/** Sent with every response, refusals included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // Only this origin's own files run; no inline script or style, no frames, no plugins, no <base> rewriting.
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  // The token is in every path: no cache, shared or private, keeps a page or an answer.
  "Cache-Control": "no-store",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

const PAGE_DIR = path.join(__dirname, "page");
const FILES: Readonly<Record<string, { file: string; type: string }>> = {
  "": { file: "index.html", type: "text/html; charset=utf-8" },
  "page.js": { file: "page.js", type: "text/javascript; charset=utf-8" },
  "page.css": { file: "page.css", type: "text/css; charset=utf-8" },
  // Named by the page, so that the browser does not ask for /favicon.ico, which has no token.
  "icon.svg": { file: "icon.svg", type: "image/svg+xml" },
};

/** One column of the page: the endpoint it asks. */
export type ColumnId = "model" | "baseline";

export interface WebChatOptions {
  /** The fine-tuned model's endpoint. */
  readonly target: EndpointTarget;
  /** A second endpoint that answers the same messages in a column beside the first. */
  readonly baseline?: EndpointTarget;
  readonly generation: GenerationParameters;
  /** Timeouts, retries and deadlines of each request, as in the terminal chat. */
  readonly client: ClientOptions;
  /** The port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** Where each retry and failure is said for the person who started the server. */
  readonly log?: (line: string) => void;
}

export interface WebChat {
  /** The page's address, token included. */
  readonly url: string;
  readonly port: number;
  /** Stops listening, cancels the answers being waited for and closes every connection. */
  close(): Promise<void>;
}

export async function startWebChat(options: WebChatOptions): Promise<WebChat> {
  const pages = Object.fromEntries(
    Object.entries(FILES).map(([name, { file, type }]) => [name, { body: fs.readFileSync(path.join(PAGE_DIR, file)), type }]),
  );
  const token = randomBytes(32).toString("base64url");
  const inFlight = new Set<AbortController>();
  const targets: Partial<Record<ColumnId, EndpointTarget>> = { model: options.target, baseline: options.baseline };
  const config = JSON.stringify({
    columns: (["model", "baseline"] as const)
      .filter((id) => targets[id])
      .map((id) => ({ id, title: id === "model" ? "Fine-tuned model" : "Baseline", endpoint: new URL(targets[id]!.url).host })),
  });
  let origin = "";

  const server = http.createServer((req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const refusal = refuse(req, origin, token);
    if (refusal) return plain(res, refusal.status, refusal.text);
    const pathname = (req.url ?? "").split("?")[0];
    if (pathname === `/${token}`) return res.writeHead(308, { Location: `/${token}/` }).end();
    const route = pathname.slice(token.length + 2);
    if (route === "api/chat") {
      if (req.method !== "POST") return plain(res, 405, "POST only", { Allow: "POST" });
      return relay(req, res, targets, options, inFlight);
    }
    if (route === "api/config" || pages[route]) {
      if (req.method !== "GET") return plain(res, 405, "GET only", { Allow: "GET" });
      if (route === "api/config") return res.writeHead(200, { "Content-Type": "application/json; charset=utf-8" }).end(config);
      return res.writeHead(200, { "Content-Type": pages[route].type }).end(pages[route].body);
    }
    plain(res, 404, "Not found");
  });
  // Bounds on a slow or idle client, whatever the endpoint's own limits.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/${token}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const controller of inFlight) controller.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Why a request may not be served, or undefined when it may. */
function refuse(req: http.IncomingMessage, origin: string, token: string): { status: number; text: string } | undefined {
  // A name that resolves to 127.0.0.1 (DNS rebinding) still arrives with its own name in Host.
  if (req.headers.host !== origin.slice("http://".length)) {
    return { status: 421, text: `Misdirected request: this server answers only at ${origin}, the address it printed` };
  }
  const from = req.headers.origin;
  if ((from !== undefined || req.method === "POST") && from !== origin) return { status: 403, text: "Forbidden: only this page may use this server" };
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") return { status: 403, text: "Forbidden: only this page may use this server" };
  const given = Buffer.from((req.url ?? "").split(/[/?]/)[1] ?? "");
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { status: 403, text: "Forbidden: open the address that `npm run chat -- --web` printed" };
  }
  return undefined;
}

function plain(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", ...headers }).end(`${text}\n`);
}

/** What the page posts: one column's conversation, ending with the person's new message. */
export function chatRequest(body: unknown, columns: readonly ColumnId[]): { column: ColumnId; messages: ChatMessage[] } | string {
  const { column, messages } = (body ?? {}) as { column?: unknown; messages?: unknown };
  if (typeof column !== "string" || !columns.includes(column as ColumnId)) return `column: one of ${columns.join(", ")}`;
  if (!Array.isArray(messages) || messages.length === 0 || messages.length > MAX_MESSAGES) return `messages: a list of 1 to ${MAX_MESSAGES} messages`;
  for (const m of messages) {
    if (!m || typeof m !== "object" || (m.role !== "user" && m.role !== "assistant") || typeof m.content !== "string") {
      return 'messages: each {"role": "user" or "assistant", "content": text}';
    }
  }
  if (messages.at(-1).role !== "user" || !messages.at(-1).content.trim()) return "messages: the last one is the person's message, not empty";
  return { column: column as ColumnId, messages: messages.map((m: ChatMessage) => ({ role: m.role, content: m.content })) };
}

/** Reads a JSON body of at most MAX_BODY_BYTES; undefined after answering the request itself. */
async function readJson(req: http.IncomingMessage, res: http.ServerResponse): Promise<{ value: unknown } | undefined> {
  if (!/^application\/json(;|$)/i.test(req.headers["content-type"] ?? "")) {
    plain(res, 415, "Content-Type: application/json only");
    return undefined;
  }
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) {
    plain(res, 413, `The conversation is over ${MAX_BODY_BYTES} bytes: start a new chat`, { Connection: "close" });
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      plain(res, 413, `The conversation is over ${MAX_BODY_BYTES} bytes: start a new chat`, { Connection: "close" });
      req.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  try {
    return { value: JSON.parse(Buffer.concat(chunks).toString("utf8")) };
  } catch {
    plain(res, 400, "The body is not JSON");
    return undefined;
  }
}

/** The key as it could appear in a message from the network, never shown. */
function redact(text: string, targets: Partial<Record<ColumnId, EndpointTarget>>): string {
  return Object.values(targets).reduce((t, target) => (target && target.key ? t.split(target.key).join("[key]") : t), text);
}

/**
 * Sends one column's conversation to its endpoint and streams back, one JSON object a line: `{"note": ...}` for each
 * retry, then `{"answer": ...}` or `{"error": ..., "kind": ...}`. A page that goes away cancels the request.
 */
async function relay(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  targets: Partial<Record<ColumnId, EndpointTarget>>,
  options: WebChatOptions,
  inFlight: Set<AbortController>,
): Promise<void> {
  const body = await readJson(req, res);
  if (!body) return;
  const parsed = chatRequest(body.value, (Object.keys(targets) as ColumnId[]).filter((id) => targets[id]));
  if (typeof parsed === "string") return plain(res, 400, parsed);
  const { column, messages } = parsed;

  const controller = new AbortController();
  inFlight.add(controller);
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  res.writeHead(200, { "Content-Type": "application/x-ndjson; charset=utf-8" });
  const line = (value: object) => res.write(`${JSON.stringify(value)}\n`);
  const say = (text: string) => options.log?.(`${options.baseline ? `${column}: ` : ""}${text}`);
  try {
    const answer = await ask(targets[column]!, messages, options.generation, {
      ...options.client,
      signal: controller.signal,
      onEvent: (event) => {
        const note = describeEvent(event);
        if (!note) return;
        say(note);
        line({ note: redact(note, targets) });
      },
    });
    line({ answer: stripControls(answer.text) });
  } catch (err) {
    if (controller.signal.aborted) return;
    const message = err instanceof Error ? err.message : String(err);
    say(message);
    line({ error: redact(stripControls(message), targets), kind: err instanceof ScoringError ? err.kind : "answer" });
  } finally {
    inFlight.delete(controller);
    res.end();
  }
}
