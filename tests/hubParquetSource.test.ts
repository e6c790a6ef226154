import { SourceRecord } from "../scripts/data/sources/recordSource";
import { DownloadPolicy } from "../scripts/data/sources/datasetDownload";
import { ByteProgress } from "../scripts/data/downloadProgress";
import { HubAccess } from "../scripts/data/sources/hubAccess";
import { HubParquetSource } from "../scripts/data/sources/hubParquetSource";
import type { RowGroup } from "hyparquet";
import { groupSpan, loadHyparquet, remoteBuffer, rowGroupProblem, rowJson } from "../scripts/data/sources/parquetRows";
import { chatParquet, chatRow } from "../testing/chatParquet";
import { hubStandIn, StandInRule } from "../testing/hubStandIn";

const FAST: DownloadPolicy = { attempts: 3, baseDelayMs: 5, timeoutMs: 5000, maxRetryAfterMs: 1000 };
const SHA = "0123456789abcdef0123456789abcdef01234567";
const DATASET = "HuggingFaceH4/ultrachat_200k";
/** Three files of the split, as the export shards it, of 10-row row groups; 1% of the 3,000 rows is 30: three groups. */
const SHARDS = [1200, 1200, 600];
const ROW_GROUP = 10;
const TOKEN = "hf_standin_token";

let files: Uint8Array[];
let server: Awaited<ReturnType<typeof hubStandIn>>;
const rules: StandInRule[] = [];

beforeAll(async () => {
  let first = 0;
  files = [];
  for (const count of SHARDS) {
    // Uncompressed, to be quick to make: prepareData.test.ts reads Snappy pages, as the export writes them.
    files.push(await chatParquet(Array.from({ length: count }, (_, k) => chatRow(first + k)), ROW_GROUP, "UNCOMPRESSED"));
    first += count;
  }
  server = await hubStandIn(
    [
      { id: DATASET, sha: SHA, splits: [{ split: "train_sft", files }] },
      { id: "owner/listed-out-of-order", sha: SHA, splits: [{ split: "train_sft", files }], listOrder: [2, 0, 1] },
      { id: "owner/partial", sha: SHA, splits: [{ split: "train", files, partial: true }] },
    ],
    { rules },
  );
});

afterAll(() => server.close());

beforeEach(() => {
  server.requests.length = 0;
  rules.length = 0;
});

const access = (token?: string): HubAccess => ({ endpoint: server.url, ...(token ? { token, tokenFrom: "HF_TOKEN" } : {}) });

async function take(dataset: string, percent: number, options: { token?: string; split?: string; log?: (line: string) => void; deadlineSeconds?: number } = {}) {
  const source = new HubParquetSource(dataset, options.split ?? "train_sft", { hub: access(options.token), retry: FAST, log: options.log, deadlineSeconds: options.deadlineSeconds });
  const slice = await source.take(percent);
  const records: SourceRecord[] = [];
  for await (const record of slice.records) records.push(record);
  return { ...slice, records };
}

/** The byte ranges of shard `n`'s row groups `groups`, as Range headers. */
async function groupRanges(n: number, groups: number[]): Promise<string[]> {
  const { parquetMetadata } = await loadHyparquet();
  const metadata = parquetMetadata(files[n].slice().buffer);
  return groups.map((g) => groupSpan(metadata.row_groups[g])).map(({ start, end }) => `bytes=${start}-${end - 1}`);
}

describe("the Hub's Parquet export (against a local stand-in of the Hub and its storage)", () => {
  it("reads the first 1% as the split's first rows, byte for byte, with range requests for only their row groups", async () => {
    const slice = await take(DATASET, 1, { token: TOKEN });

    expect(slice.total).toBe(3000);
    expect(slice.records.map((r) => r.row)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // The rows as the generator made them, JSON-encoded: long 14-turn conversations (rows 6, 13, 20, 27) included, whole.
    expect(slice.records.map((r) => r.text)).toEqual(Array.from({ length: 30 }, (_, i) => JSON.stringify(chatRow(i))));
    expect(JSON.parse(slice.records[27].text).messages).toHaveLength(14);
    // The same rows as hyparquet reads them from the whole first file, without any range request.
    const { parquetReadObjects } = await loadHyparquet();
    const whole = await parquetReadObjects({ file: files[0].slice().buffer, rowEnd: 30 });
    expect(slice.records.map((r) => r.text)).toEqual(whole.map((row) => JSON.stringify(row)));
    expect(slice.origin).toEqual({
      dataset: DATASET,
      config: "default",
      split: "train_sft",
      revision: SHA,
      reader: "hub-parquet",
      files: ["default/train_sft/0000.parquet", "default/train_sft/0001.parquet", "default/train_sft/0002.parquet"],
    });

    const hub = server.requests.filter((r) => r.server === "hub");
    expect(hub.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET /api/datasets/${DATASET}/revision/refs%2Fconvert%2Fparquet`,
      `GET /api/datasets/${DATASET}/parquet/default/train_sft`,
      ...[0, 1, 2].flatMap((n) => [
        `GET /api/datasets/${DATASET}/parquet/default/train_sft/${n}.parquet`,
        // Every file read at the export's commit, not at the branch, which may move meanwhile.
        `GET /datasets/${DATASET}/resolve/${SHA}/default/train_sft/000${n}.parquet`,
      ]),
      ...[0, 1, 2].map(() => `GET /datasets/${DATASET}/resolve/${SHA}/default/train_sft/0000.parquet`),
    ]);
    expect(hub.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    const storage = server.requests.filter((r) => r.server === "storage");
    // Each file's footer, then rows 0-29 of the first file: its row groups 0, 1 and 2 and nothing else.
    expect(storage.map((r) => r.range)).toEqual(["bytes=-524288", "bytes=-524288", "bytes=-524288", ...(await groupRanges(0, [0, 1, 2]))]);
    expect(storage.map((r) => r.url)).toEqual([0, 1, 2, 0, 0, 0].map((n) => `/blobs/${DATASET}/${SHA}/default/train_sft/000${n}.parquet`));
    // The token stays with the Hub: the storage it redirects to never sees it.
    expect(storage.every((r) => r.authorization === undefined)).toBe(true);
  });

  it("takes rows across files in the split's order, whatever order the listing gives them in", async () => {
    const slice = await take("owner/listed-out-of-order", 50);
    expect(slice.records.map((r) => JSON.parse(r.text).prompt_id)).toEqual(Array.from({ length: 1500 }, (_, i) => `id-${i}`));
    expect(slice.records[1200]).toEqual({ text: JSON.stringify(chatRow(1200)), row: 1200 });
    expect(server.requests.every((r) => r.authorization === undefined)).toBe(true);
    // Of the third file, only its footer.
    expect(server.requests.filter((r) => r.url.endsWith("0002.parquet") && r.server === "storage").map((r) => r.range)).toEqual(["bytes=-524288"]);
    expect(server.requests.filter((r) => r.url.endsWith("0001.parquet") && r.server === "storage")).toHaveLength(1 + 30);
  });

  it.each<{ what: string; dataset: string; split?: string; rule?: StandInRule; token?: string; message: RegExp }>([
    {
      what: "a dataset that does not exist",
      dataset: "owner/missing",
      message:
        /^owner\/missing: no such dataset on http:\/\/127\.0\.0\.1:\d+, or it is private \(HTTP 404 RepoNotFound; no token was sent .*\)\. Check --source against http:\/\/127\.0\.0\.1:\d+\/datasets\/owner\/missing; if it is private, set HF_TOKEN/,
    },
    {
      what: "a private one without a token (the Hub answers 401 so as not to tell)",
      dataset: DATASET,
      rule: { match: /\/revision\//, status: 401, headers: { "x-error-code": "RepoNotFound" } },
      message: /no such dataset on .*, or it is private \(HTTP 401 RepoNotFound; no token was sent/,
    },
    {
      what: "a gated one whose conditions the token's account has not accepted",
      dataset: DATASET,
      rule: { match: /\/revision\//, status: 403, headers: { "x-error-code": "GatedRepo", "x-error-message": "Access to dataset is restricted" } },
      token: TOKEN,
      message:
        /^HuggingFaceH4\/ultrachat_200k is gated \(HTTP 403 GatedRepo; the token from HF_TOKEN was sent\): open http:\/\/127\.0\.0\.1:\d+\/datasets\/HuggingFaceH4\/ultrachat_200k, accept its conditions/,
    },
    {
      what: "a token the Hub does not know",
      dataset: DATASET,
      rule: { match: /\/revision\//, status: 401, headers: { "x-error-message": "Invalid credentials in Authorization header" } },
      token: TOKEN,
      message: /^the Hub refused the token from HF_TOKEN \(HTTP 401: invalid credentials\): create a read token/,
    },
    {
      what: "a split the export does not have",
      dataset: DATASET,
      split: "train_gen",
      message: /^HuggingFaceH4\/ultrachat_200k: the Hub has no split train_gen \(subset default\) in its Parquet export here \(HTTP 404 EntryNotFound: no such split\)$/,
    },
  ])("refuses $what at once, saying which and what to do", async ({ dataset, split, rule, token, message }) => {
    if (rule) rules.push(rule);
    await expect(take(dataset, 1, { token, split })).rejects.toThrow(message);
    // Not retried: one request for the refused step (and the revision before it, for the split).
    expect(server.requests).toHaveLength(split ? 2 : 1);
    expect(server.requests.every((r) => r.authorization === (token ? `Bearer ${token}` : undefined))).toBe(true);
  });

  it("waits out 429s, as Retry-After asks within --max-retry-after, saying so, on the Hub and on its storage", async () => {
    rules.push(
      { match: /\/revision\//, status: 429, headers: { "retry-after": "0.01" }, times: 1 },
      { server: "storage", match: /0000\.parquet/, status: 429, headers: { "retry-after": "0.01" }, times: 2 },
    );
    const lines: string[] = [];
    const slice = await take(DATASET, 1, { log: (l) => lines.push(l) });
    expect(slice.records).toHaveLength(30);
    expect(lines).toContain("  revision: HTTP 429 Too Many Requests; retrying in 0 s (attempt 2 of 3)");
    expect(lines).toContain("  default/train_sft/0000.parquet: HTTP 429 Too Many Requests; retrying in 0 s (attempt 3 of 3)");
    expect(server.requests.filter((r) => r.server === "storage" && r.range === "bytes=-524288")).toHaveLength(5);
  });

  it("does not start a wait for a 429 that would end past the deadline", async () => {
    rules.push({ server: "storage", match: /0001\.parquet/, status: 429, headers: { "retry-after": "45" } });
    const source = new HubParquetSource(DATASET, "train_sft", { hub: access(), retry: { ...FAST, maxRetryAfterMs: 60_000 }, deadlineSeconds: 30 });
    await expect(source.take(1)).rejects.toThrow(/gave up: HTTP 429 Too Many Requests, and the next try, 45 s away, would come after the download's deadline of 30 s \(--deadline\)/);
    expect(server.requests.filter((r) => r.url.endsWith("0001.parquet") && r.server === "storage")).toHaveLength(1);
  });

  it("stops at once when the Hub asks to wait longer than --max-retry-after, saying how long and what to do", async () => {
    rules.push({ match: /\/revision\//, status: 429, headers: { "retry-after": "3600" } });
    const source = new HubParquetSource(DATASET, "train_sft", { hub: access(), retry: { attempts: 5, baseDelayMs: 500, timeoutMs: 30_000, maxRetryAfterMs: 60_000 } });
    await expect(source.take(1)).rejects.toThrow(
      /\/revision\/refs%2Fconvert%2Fparquet: HTTP 429 Too Many Requests, and the server asks to wait 3600 s before trying again, more than the 60 s allowed \(--max-retry-after\): try again later, or set HF_TOKEN: the Hub allows more requests with a token, or raise --max-retry-after\.$/,
    );
    expect(server.requests).toHaveLength(1);
    rules.push({ match: /\/revision\//, status: 429, headers: { "retry-after": "Wed, 21 Oct 2099 07:28:00 GMT" } });
    await expect(new HubParquetSource(DATASET, "train_sft", { hub: access(TOKEN), retry: FAST }).take(1)).rejects.toThrow(/more than the 1 s allowed \(--max-retry-after\): try again later, or raise/);
    expect(server.requests).toHaveLength(2);
  });

  it("says how many bytes have come from the first one, and counts to the real total", async () => {
    const lines: string[] = [];
    const counts: { read: number; expected: number }[] = [];
    const source = new HubParquetSource(DATASET, "train_sft", { hub: access(), retry: FAST, log: (l) => lines.push(l) });
    const slice = await source.take(1, (_done, _wanted, bytes) => counts.push(bytes!));
    for await (const _ of slice.records);
    // What is read, said before it is asked for; the first bytes told as they come, before any footer is whole.
    const footer = lines.indexOf("  file 1 of 3, default/train_sft/0000.parquet: reading its footer (its last 512 KiB), which says where its rows are");
    expect(footer).toBeGreaterThan(0);
    expect(lines[footer + 1]).toMatch(/^ {2}downloaded \d\.\d MB$/);
    // Every byte of the files that came, and none more: three footers and three row groups.
    const storage = server.requests.filter((r) => r.server === "storage");
    expect(storage).toHaveLength(6);
    expect(counts.at(-1)!.read).toBe(counts.at(-1)!.expected);
    const { parquetMetadata } = await loadHyparquet();
    const groups = parquetMetadata(files[0].slice().buffer).row_groups.slice(0, 3).map(groupSpan);
    const footers = files.reduce((sum, f) => sum + Math.min(f.byteLength, 524288), 0);
    expect(counts.at(-1)!.expected).toBe(footers + groups.reduce((sum, g) => sum + g.end - g.start, 0));
    expect(lines.filter((l) => / downloaded [\d.]+ MB of /.test(l)).at(-1)).toMatch(/^ {2}downloaded ([\d.]+) MB of \1 MB$/);
  });

  it("quotes what a server says on one line, without what a terminal would act on", async () => {
    // OSC 52 (write the clipboard), a right-to-left override, NEL and an 8-bit CSI that clears the screen.
    const body = "busy\x1b]52;c;ZXZpbA==\x07 \u202eexe.txt\u0085\x9b2J\nsee /status";
    rules.push({ match: /\/revision\//, status: 400, body, times: 1 });
    const message = await take(DATASET, 1).catch((err: Error) => err.message);
    expect(message).toMatch(/\/revision\/refs%2Fconvert%2Fparquet: HTTP 400 Bad Request: busy exe\.txt see \/status$/);
    // Header values reach Node as latin-1: C1 controls can come that way.
    rules.push({ match: /\/revision\//, status: 404, headers: { "x-error-code": "EntryNotFound", "x-error-message": "gone\x9b2J\x85 \x9d0;title\x9cnow" } });
    const refused = await take(DATASET, 1).catch((err: Error) => err.message);
    expect(refused).toMatch(/the Hub has no Parquet export \(refs\/convert\/parquet\) here \(HTTP 404 EntryNotFound: gone now\)$/);
    for (const text of [message, refused]) expect(text).not.toMatch(/[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
  });

  it("reads no more than 1 MiB of a JSON answer, and no row group bigger than 256 MiB", async () => {
    rules.push({ match: /\/parquet\/default\/train_sft$/, status: 200, body: JSON.stringify(Array.from({ length: 40_000 }, (_, n) => `${server.url}/api/x/${n}.parquet`)) });
    await expect(take(DATASET, 1)).rejects.toThrow(/\/parquet\/default\/train_sft: the answer is longer than the 1 MiB such an answer may take; not read further$/);

    const column = (offset: number, size: number) => ({ meta_data: { data_page_offset: BigInt(offset), total_compressed_size: BigInt(size) } });
    const group = (...columns: ReturnType<typeof column>[]) => ({ columns, num_rows: 10n, total_byte_size: 0n }) as unknown as RowGroup;
    expect(rowGroupProblem(group(column(4, 100), column(104, 50)), 1000)).toBeUndefined();
    expect(rowGroupProblem(group(column(4, 100), column(104, 300 * 2 ** 20)), 2 ** 40)).toBe("declares 300 MiB, more than the 256 MiB a row group may take");
    expect(rowGroupProblem(group(column(900, 200)), 1000)).toBe("declares bytes 900-1099, outside the file's 1000");

    // A read that big is not asked for, whatever asks for it (hyparquet reading a footer longer than 512 KiB, say).
    const file = await remoteBuffer(`${server.storageUrl}/blobs/${DATASET}/${SHA}/default/train_sft/0000.parquet`, { policy: FAST });
    await expect(file.slice(0, 300 * 2 ** 20)).rejects.toThrow(/a read of 300 MiB \(bytes 0-314572799\), more than the 256 MiB one read may take; not asked for$/);
    expect(server.requests.filter((r) => r.server === "storage").map((r) => r.range)).toEqual(["bytes=-524288"]);
  });

  it("does not take a refusal of the storage it is redirected to for one of the Hub's", async () => {
    rules.push({ server: "storage", match: /0002\.parquet/, status: 403, body: "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>" });
    await expect(take(DATASET, 1, { token: TOKEN })).rejects.toThrow(
      new RegExp(`^http://127\\.0\\.0\\.1:\\d+/datasets/${DATASET}/resolve/${SHA}/default/train_sft/0002\\.parquet: HTTP 403 Forbidden: <Error><Code>AccessDenied`),
    );
  });

  it("refuses an export cut at 5 GB, whose rows are not the whole split", async () => {
    await expect(take("owner/partial", 1, { split: "train" })).rejects.toThrow(
      /owner\/partial is only partly exported to Parquet \(default\/partial-train\/0000\.parquet\): its rows are not the whole split/,
    );
  });
});

describe("a storage that ignores Range", () => {
  it("is refused rather than downloaded whole", async () => {
    const plain = await hubStandIn([{ id: DATASET, sha: SHA, splits: [{ split: "train_sft", files }] }], { ignoreRange: true });
    try {
      const source = new HubParquetSource(DATASET, "train_sft", { hub: { endpoint: plain.url }, retry: FAST });
      await expect(source.take(1)).rejects.toThrow(/the server ignored the Range header \(bytes=-524288\) and sent HTTP 200; it cannot be read in parts/);
    } finally {
      await plain.close();
    }
  });
});

describe("a row as JSON", () => {
  it("writes Parquet's 64-bit integers, which hyparquet reads as BigInt, as numbers", () => {
    expect(rowJson({ id: 7n, turns: [{ n: 2n }], text: "x" })).toBe('{"id":7,"turns":[{"n":2}],"text":"x"}');
    expect(rowJson({ text: "é\n\"" })).toBe(JSON.stringify({ text: "é\n\"" }));
  });
});

describe("bytes told as they come", () => {
  it("says the first bytes at once, then at most every 2 s, and the last when the total is reached", () => {
    const lines: string[] = [];
    let now = 0;
    const progress = new ByteProgress((l) => lines.push(l), () => now);
    progress.add(100_000);
    now = 1000;
    progress.add(100_000);
    now = 2500;
    progress.add(300_000);
    progress.expect(1_000_000);
    now = 2600;
    progress.add(250_000);
    progress.add(250_000);
    progress.add(0);
    expect(lines).toEqual(["  downloaded 0.1 MB", "  downloaded 0.5 MB", "  downloaded 1.0 MB of 1.0 MB"]);
    expect(progress.bytes).toBe(1_000_000);
  });
});
