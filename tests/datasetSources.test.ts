import * as fs from "node:fs";
import * as path from "node:path";
import { DownloadError, getJson } from "../scripts/data/sources/datasetDownload";
import { sourceFor } from "../scripts/data/sources/datasetSources";
import { HubRowsSource } from "../scripts/data/sources/hubRowsSource";
import { chatRecord, tempDir, writeJsonl } from "./support/chatRecords";
import { datasetStandIn } from "./support/datasetStandIn";

const FAST_RETRY = { attempts: 3, baseDelayMs: 5, timeoutMs: 2000 };

describe("the Hugging Face source (against a local stand-in of the dataset viewer)", () => {
  it("fetches only the pages the percentage needs, with progress, each row numbered as the dataset numbers it", async () => {
    const server = await datasetStandIn(25_000);
    try {
      const progress: number[] = [];
      const slice = await new HubRowsSource("HuggingFaceH4/ultrachat_200k", "train_sft", { serverUrl: server.url, retry: FAST_RETRY }).take(
        1,
        (done) => progress.push(done),
      );
      expect(slice.total).toBe(25_000);
      expect(slice.records).toHaveLength(250);
      expect(JSON.parse(slice.records[249].text).prompt_id).toBe("id-249");
      expect(slice.records[249].row).toBe(249);
      expect(server.requests.map((u) => [u.pathname, u.searchParams.get("offset"), u.searchParams.get("length")])).toEqual([
        ["/rows", "0", "100"],
        ["/rows", "100", "100"],
        ["/rows", "200", "50"],
      ]);
      expect(server.requests[0].searchParams.get("dataset")).toBe("HuggingFaceH4/ultrachat_200k");
      expect(server.requests[0].searchParams.get("split")).toBe("train_sft");
      expect(server.requests[0].searchParams.get("config")).toBe("default");
      expect(progress).toEqual([100, 200, 250]);
    } finally {
      await server.close();
    }
  });

  it("retries 5xx answers, saying so, and then succeeds", async () => {
    const server = await datasetStandIn(500, { failFirst: 2 });
    try {
      const lines: string[] = [];
      const slice = await new HubRowsSource("a/b", "train", { serverUrl: server.url, retry: FAST_RETRY, log: (l) => lines.push(l) }).take(2);
      expect(slice.records).toHaveLength(10);
      expect(server.requests).toHaveLength(3);
      expect(lines.filter((l) => /rows 0-99: HTTP 503 Service Unavailable; retrying in 0 s \(attempt [23] of 3\)/.test(l))).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it("gives up clearly when the server keeps failing, refuses, or is unreachable", async () => {
    const failing = await datasetStandIn(500, { failFirst: 99 });
    const missing = await datasetStandIn(500, { status: 404 });
    const source = (url: string) => new HubRowsSource("a/b", "train", { serverUrl: url, retry: FAST_RETRY });
    try {
      await expect(source(failing.url).take(1)).rejects.toThrow(/after 3 attempts \(last: HTTP 503/);
      await expect(source(missing.url).take(1)).rejects.toThrow(/HTTP 404/);
      expect(missing.requests).toHaveLength(1);
    } finally {
      await failing.close();
      await missing.close();
    }
    const closed = await datasetStandIn(0);
    await closed.close(); // nothing listens on its port any more
    await expect(source(closed.url).take(1)).rejects.toThrow(/ECONNREFUSED\)\. Offline\? Use --source/);
  });

  it("fetches a row the viewer truncated again on its own, and hands on only whole rows", async () => {
    const server = await datasetStandIn(500, { truncated: { rows: [3, 120] } });
    try {
      const slice = await new HubRowsSource("a/b", "train", { serverUrl: server.url, retry: FAST_RETRY }).take(40);
      expect(slice.records.map((r) => r.text)).toEqual(Array.from({ length: 200 }, (_, i) => JSON.stringify(chatRecord(i))));
      expect(server.requests.map((u) => [u.searchParams.get("offset"), u.searchParams.get("length")])).toEqual([
        ["0", "100"],
        ["3", "1"],
        ["100", "100"],
        ["120", "1"],
      ]);
    } finally {
      await server.close();
    }
  });

  it("stops, naming the row, when a row stays truncated even alone: a cut conversation is never handed on", async () => {
    const server = await datasetStandIn(500, { truncated: { rows: [120], evenAlone: true } });
    try {
      await expect(new HubRowsSource("a/b", "train", { serverUrl: server.url, retry: FAST_RETRY }).take(40)).rejects.toThrow(
        "a/b, row 120: the dataset viewer truncates its messages even when it is fetched alone, and a truncated conversation is never written; " +
          "read the split's Parquet files instead (--reader parquet, the default) or a local copy (--source FILE) (100 of 200 rows were fetched)",
      );
    } finally {
      await server.close();
    }
  });

  it("sends the Hub token as the viewer's docs do, and says what a refusal means", async () => {
    const server = await datasetStandIn(500, { status: 401 });
    try {
      const source = new HubRowsSource("a/b", "train", { serverUrl: server.url, retry: FAST_RETRY, hub: { endpoint: "https://huggingface.co", token: "hf_x", tokenFrom: "HF_TOKEN" } });
      await expect(source.take(1)).rejects.toThrow(/^a\/b: no such dataset on https:\/\/huggingface\.co, or it is private \(HTTP 401; the token from HF_TOKEN was sent\)/);
      expect(server.headers.map((h) => h.authorization)).toEqual(["Bearer hf_x"]);
    } finally {
      await server.close();
    }
  });

  it("refuses a partial export, whose row count is not the split's", async () => {
    const server = await datasetStandIn(500, { partial: true });
    try {
      await expect(new HubRowsSource("a/b", "train", { serverUrl: server.url, retry: FAST_RETRY }).take(1)).rejects.toThrow(DownloadError);
    } finally {
      await server.close();
    }
  });
});

describe("waiting for a server that does not answer", () => {
  it("bounds each request by its timeout and says each retry", async () => {
    const server = await datasetStandIn(500, { silent: true });
    try {
      const lines: string[] = [];
      const source = new HubRowsSource("a/b", "train", { serverUrl: server.url, retry: { attempts: 2, baseDelayMs: 5, timeoutMs: 100 }, log: (l) => lines.push(l) });
      await expect(source.take(1)).rejects.toThrow(/: no answer within 0\.1 s, 2 times\. Slow link\? Raise --request-timeout/);
      expect(server.requests).toHaveLength(2);
      expect(lines[0]).toMatch(/each request waits up to 0\.1 s \(--request-timeout\), all of them up to 600 s \(--deadline\)/);
      expect(lines).toContain("  rows 0-99: no answer within 0.1 s; retrying in 0 s (attempt 2 of 2)");
    } finally {
      await server.close();
    }
  });

  it("gives up at the overall deadline, naming the setting that moves it", async () => {
    const server = await datasetStandIn(500, { silent: true });
    try {
      const source = new HubRowsSource("a/b", "train", { serverUrl: server.url, retry: { attempts: 5, baseDelayMs: 5, timeoutMs: 20_000 }, deadlineSeconds: 0.2 });
      // The real figures: how long the request had waited, and what --request-timeout would have allowed it.
      // How long it waited depends on the machine's load; it cannot be less than the deadline it gave up at.
      const message = await source.take(1).then(() => "", (err: Error) => err.message);
      const found = /^gave up at the download's deadline of 0\.2 s \(--deadline\), while waiting (\d+(?:\.\d+)?) s for http:\/\/127\.0\.0\.1:\d+\/rows\?\S+ to answer \(--request-timeout allows 20 s\)\. Raise --deadline, or use --source/.exec(message);
      expect(found).not.toBeNull();
      expect(Number(found![1])).toBeGreaterThanOrEqual(0.2);
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it("does not start a wait that would end past the deadline", async () => {
    const server = await datasetStandIn(500, { status: 429, retryAfter: "45" });
    try {
      const source = new HubRowsSource("a/b", "train", { serverUrl: server.url, retry: { ...FAST_RETRY, maxRetryAfterMs: 60_000 }, deadlineSeconds: 30 });
      await expect(source.take(1)).rejects.toThrow(/gave up: HTTP 429 Too Many Requests, and the next try, 45 s away, would come after the download's deadline of 30 s \(--deadline\)/);
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it("gives advice that fits the cause once the attempts are spent", async () => {
    const limited = await datasetStandIn(0, { status: 429 });
    const failing = await datasetStandIn(0, { status: 502 });
    const silent = await datasetStandIn(0, { silent: true });
    const closed = await datasetStandIn(0);
    await closed.close();
    const policy = { attempts: 2, baseDelayMs: 1, timeoutMs: 100 };
    const get = (url: string, token?: string) => getJson(url, { policy, headers: token ? { authorization: `Bearer ${token}` } : {} });
    try {
      await expect(get(limited.url)).rejects.toThrow(/: still rate-limited after 2 attempts \(last: HTTP 429 Too Many Requests\)\. Try again later, or set HF_TOKEN: the Hub allows more requests with a token\.$/);
      await expect(get(limited.url, "hf_x")).rejects.toThrow(/: still rate-limited after 2 attempts \(last: HTTP 429 Too Many Requests\)\. Try again later\.$/);
      await expect(get(failing.url)).rejects.toThrow(/: the server still fails after 2 attempts \(last: HTTP 502 Bad Gateway\)\. Try again later\.$/);
      await expect(get(silent.url)).rejects.toThrow(/: no answer within 0\.1 s, 2 times\. Slow link\? Raise --request-timeout \(now 0\.1 s\), or use --source/);
      await expect(get(closed.url)).rejects.toThrow(/after 2 attempts \(last: ECONNREFUSED\)\. Offline\? Use --source/);
    } finally {
      await Promise.all([limited.close(), failing.close(), silent.close()]);
    }
  });

  it("stops at once when the server asks to wait longer than --max-retry-after, without waiting", async () => {
    const server = await datasetStandIn(500, { status: 429, retryAfter: "3600" });
    try {
      const source = new HubRowsSource("a/b", "train", { serverUrl: server.url, retry: { attempts: 5, baseDelayMs: 500, timeoutMs: 30_000, maxRetryAfterMs: 60_000 } });
      await expect(source.take(1)).rejects.toThrow(/HTTP 429 Too Many Requests, and the server asks to wait 3600 s before trying again, more than the 60 s allowed \(--max-retry-after\)/);
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it("fails at once on an address that cannot be fetched, and on an answer that is not JSON", async () => {
    const retries: string[] = [];
    await expect(getJson("http://127.0.0.1:99999/rows", { onRetry: (n) => retries.push(n) })).rejects.toThrow(/cannot be fetched \(/);
    expect(retries).toEqual([]);
    const server = await datasetStandIn(0, { status: 200 });
    try {
      await expect(getJson(server.url)).rejects.toThrow(/the answer is not JSON: no such dataset$/);
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});

/** Makes a folder and returns its path. */
function folder(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

describe("sourceFor", () => {
  it("picks the reader of a --source value: local files by extension, else a dataset id", () => {
    const dir = tempDir();
    const jsonl = writeJsonl(dir, 3);
    expect(sourceFor(jsonl, undefined).description).toBe(`local file ${jsonl}`);
    expect(sourceFor("HuggingFaceH4/ultrachat_200k", undefined).name).toBe("HuggingFaceH4/ultrachat_200k (train_sft)");
    expect(sourceFor("HuggingFaceH4/ultrachat_200k", "test_sft").name).toBe("HuggingFaceH4/ultrachat_200k (test_sft)");
  });

  it.each([
    ["a missing file", (dir: string) => [path.join(dir, "missing.jsonl"), undefined], /^--source .*missing\.jsonl: no such file$/],
    ["a folder", (dir: string) => [folder(path.join(dir, "d.parquet")), undefined], /d\.parquet: is a folder; name a \.jsonl or \.parquet file$/],
    ["--split with a local file", (dir: string) => [writeJsonl(dir, 3), "train_sft"], /^--split train_sft: a local file has no splits/],
    ["neither a file nor a dataset id", () => ["chats.csv", undefined], /^--source chats\.csv: expected a \.jsonl or \.parquet file or a Hugging Face dataset id/],
  ])("refuses %s, saying so", (_, args, message) => {
    const [source, split] = args(tempDir()) as [string, string | undefined];
    expect(() => sourceFor(source, split)).toThrow(message);
  });
});
