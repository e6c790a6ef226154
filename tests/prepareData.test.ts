import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as path from "node:path";
import { DataError } from "../infra/chatData";
import { DownloadError, HubRowsSource } from "../scripts/lib/datasetSources";
import { prepareData } from "../scripts/lib/prepareData";
import { PROJECT_ROOT } from "../scripts/lib/stackFiles";
import { chatRecord, idsOf, tempDir, writeJsonl } from "./support/chatRecords";

const FAST_RETRY = { attempts: 3, baseDelayMs: 5, timeoutMs: 2000 };

/** Runs `npm run prepare-data -- <args>` as a person would (tsx, no npm banner). */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsx = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
  return new Promise((resolve) => {
    execFile(tsx, ["scripts/prepare-data.ts", ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("npm run prepare-data on a local JSONL file", () => {
  it("takes --percent 10 of 1000 records: 80 train and 20 test from the first 100, the same twice, another with another seed", async () => {
    const dir = tempDir();
    const source = writeJsonl(dir, 1000);
    const run = async (seed: string, out: string) => {
      const result = await cli(["--source", source, "--percent", "10", "--seed", seed, "--out", path.join(dir, out)]);
      expect(result.code).toBe(0);
      return { train: idsOf(path.join(dir, out, "train_data.jsonl")), test: idsOf(path.join(dir, out, "test_data.jsonl")) };
    };
    const first = await run("7", "a");
    expect([first.train.length, first.test.length]).toEqual([80, 20]);
    const firstHundred = new Set(Array.from({ length: 100 }, (_, i) => `id-${i}`));
    for (const id of [...first.train, ...first.test]) expect(firstHundred.has(id)).toBe(true);
    expect(new Set([...first.train, ...first.test]).size).toBe(100);

    const again = await run("7", "b");
    expect(fs.readFileSync(path.join(dir, "b", "train_data.jsonl"))).toEqual(fs.readFileSync(path.join(dir, "a", "train_data.jsonl")));
    expect(again).toEqual(first);
    const other = await run("8", "c");
    expect(other.test).not.toEqual(first.test);
  });

  it("keeps each record's line exactly as in the source", async () => {
    const dir = tempDir();
    const source = writeJsonl(dir, 10);
    await prepareData({ source, split: "train_sft", percent: 100, seed: 1, out: dir });
    const sourceLines = new Set(fs.readFileSync(source, "utf8").split("\n").filter(Boolean));
    for (const file of ["train_data.jsonl", "test_data.jsonl"]) {
      for (const line of fs.readFileSync(path.join(dir, file), "utf8").split("\n").filter(Boolean)) expect(sourceLines.has(line)).toBe(true);
    }
  });

  it("refuses a source with an invalid record, naming file and line", async () => {
    const dir = tempDir();
    const source = path.join(dir, "bad.jsonl");
    const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify(chatRecord(i)));
    lines[3] = JSON.stringify({ messages: [{ role: "user", content: "only a question" }] });
    fs.writeFileSync(source, lines.join("\n") + "\n");
    await expect(prepareData({ source, split: "s", percent: 100, seed: 3, out: dir })).rejects.toThrow(DataError);
    await expect(prepareData({ source, split: "s", percent: 100, seed: 3, out: dir })).rejects.toThrow(/_data\.jsonl:\d+: no assistant turn/);
  });

  it("refuses a percentage or seed out of range", async () => {
    const dir = tempDir();
    const source = writeJsonl(dir, 10);
    const result = await cli(["--source", source, "--percent", "0", "--out", dir]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--percent 0/);
    await expect(prepareData({ source, split: "s", percent: 50, seed: -1, out: dir })).rejects.toThrow(/--seed -1/);
  });
});

describe("npm run prepare-data on a local Parquet file", () => {
  it("reads the leading rows with the Parquet reader", async () => {
    const dir = tempDir();
    const file = path.join(dir, "rows.parquet");
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, [path.join(__dirname, "support", "writeParquet.mjs"), file, "200"], { cwd: PROJECT_ROOT }, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    const result = await cli(["--source", file, "--percent", "10", "--seed", "5", "--out", dir]);
    expect(result.stderr).toContain("16 records");
    expect(result.code).toBe(0);
    const ids = [...idsOf(path.join(dir, "train_data.jsonl")), ...idsOf(path.join(dir, "test_data.jsonl"))];
    expect(ids.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `id-${i}`).sort());
  });
});

/** A local stand-in of the dataset viewer's /rows API over `rows` records, recording each request. */
async function standIn(total: number, behaviour: { failFirst?: number; partial?: boolean; status?: number } = {}) {
  const requests: URL[] = [];
  let failures = behaviour.failFirst ?? 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push(url);
    if (behaviour.status) {
      res.writeHead(behaviour.status).end("no such dataset");
      return;
    }
    if (failures > 0) {
      failures--;
      res.writeHead(503).end("busy");
      return;
    }
    const offset = Number(url.searchParams.get("offset"));
    const length = Math.min(Number(url.searchParams.get("length")), 100);
    const rows = Array.from({ length: Math.max(0, Math.min(length, total - offset)) }, (_, i) => ({
      row_idx: offset + i,
      row: chatRecord(offset + i),
      truncated_cells: [],
    }));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ features: [], rows, num_rows_total: total, num_rows_per_page: 100, partial: behaviour.partial ?? false }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe("the Hugging Face source (against a local stand-in of the dataset viewer)", () => {
  it("fetches only the pages the percentage needs, with progress", async () => {
    const server = await standIn(25_000);
    try {
      const progress: number[] = [];
      const slice = await new HubRowsSource("HuggingFaceH4/ultrachat_200k", "train_sft", { serverUrl: server.url, retry: FAST_RETRY }).take(
        1,
        (done) => progress.push(done),
      );
      expect(slice.total).toBe(25_000);
      expect(slice.records).toHaveLength(250);
      expect(JSON.parse(slice.records[249]).prompt_id).toBe("id-249");
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

  it("retries 5xx answers and then succeeds", async () => {
    const server = await standIn(500, { failFirst: 2 });
    try {
      const dir = tempDir();
      const result = await prepareData({ source: "HuggingFaceH4/ultrachat_200k", split: "train_sft", percent: 2, seed: 1, out: dir, serverUrl: server.url, retry: FAST_RETRY });
      expect(result).toMatchObject({ sourceRows: 500, taken: 10 });
      expect(server.requests).toHaveLength(3);
    } finally {
      await server.close();
    }
  });

  it("gives up clearly when the server keeps failing, refuses, or is unreachable", async () => {
    const failing = await standIn(500, { failFirst: 99 });
    const missing = await standIn(500, { status: 404 });
    const source = (url: string) => new HubRowsSource("a/b", "train", { serverUrl: url, retry: FAST_RETRY });
    try {
      await expect(source(failing.url).take(1)).rejects.toThrow(/after 3 attempts \(last: HTTP 503/);
      await expect(source(missing.url).take(1)).rejects.toThrow(/HTTP 404/);
      expect(missing.requests).toHaveLength(1);
    } finally {
      await failing.close();
      await missing.close();
    }
    const closed = await standIn(0);
    await closed.close(); // nothing listens on its port any more
    await expect(source(closed.url).take(1)).rejects.toThrow(/ECONNREFUSED\)\. Offline\? Use --source/);
  });

  it("refuses a partial export, whose row count is not the split's", async () => {
    const server = await standIn(500, { partial: true });
    try {
      await expect(new HubRowsSource("a/b", "train", { serverUrl: server.url, retry: FAST_RETRY }).take(1)).rejects.toThrow(DownloadError);
    } finally {
      await server.close();
    }
  });

  it("is what the CLI uses by default, pointed at PHI3_DATASETS_SERVER", async () => {
    const server = await standIn(1000);
    try {
      const dir = tempDir();
      const result = await cli(["--percent", "5", "--seed", "2", "--out", dir], { PHI3_DATASETS_SERVER: server.url });
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/HuggingFaceH4\/ultrachat_200k \(train_sft\)/);
      expect(result.stderr).toMatch(/50\/50 rows/);
      expect(idsOf(path.join(dir, "train_data.jsonl"))).toHaveLength(40);
    } finally {
      await server.close();
    }
  });
});
