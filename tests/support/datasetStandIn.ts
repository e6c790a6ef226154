import * as http from "node:http";
import { AddressInfo } from "node:net";
import { chatRecord } from "./chatRecords";

/** How the stand-in misbehaves: fail the first requests, refuse, rate-limit, never answer, or claim a partial export. */
export interface StandInBehaviour {
  /** Answer this many requests with 503 first. */
  readonly failFirst?: number;
  /** Answer every request with this status. */
  readonly status?: number;
  /** Send this Retry-After with the status. */
  readonly retryAfter?: string;
  /** Accept each request and never answer it. */
  readonly silent?: boolean;
  readonly partial?: boolean;
  /** Rows whose `messages` arrive cut short and listed in `truncated_cells` in pages of more than one row (or always). */
  readonly truncated?: { readonly rows: readonly number[]; readonly evenAlone?: boolean };
}

/** Row `i` as the viewer would send it cut short: its last answer emptied of all but its first character. */
function cut(i: number) {
  const record = chatRecord(i);
  return { ...record, messages: record.messages.map((m, k) => (k === record.messages.length - 1 ? { ...m, content: m.content.slice(0, 1) } : m)) };
}

/** A local stand-in of the Hugging Face dataset viewer's /rows API over `total` numbered chat records, recording each request. */
export async function datasetStandIn(total: number, behaviour: StandInBehaviour = {}) {
  const requests: URL[] = [];
  const headers: http.IncomingHttpHeaders[] = [];
  let failures = behaviour.failFirst ?? 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push(url);
    headers.push(req.headers);
    if (behaviour.silent) return;
    if (behaviour.status) {
      res.writeHead(behaviour.status, behaviour.retryAfter ? { "retry-after": behaviour.retryAfter } : {}).end("no such dataset");
      return;
    }
    if (failures > 0) {
      failures--;
      res.writeHead(503).end("busy");
      return;
    }
    const offset = Number(url.searchParams.get("offset"));
    const length = Math.min(Number(url.searchParams.get("length")), 100);
    const rows = Array.from({ length: Math.max(0, Math.min(length, total - offset)) }, (_, i) => {
      const truncated = behaviour.truncated?.rows.includes(offset + i) && (length > 1 || behaviour.truncated.evenAlone);
      return { row_idx: offset + i, row: truncated ? cut(offset + i) : chatRecord(offset + i), truncated_cells: truncated ? ["messages"] : [] };
    });
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ features: [], rows, num_rows_total: total, num_rows_per_page: 100, partial: behaviour.partial ?? false }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url, requests, headers, close };
}
