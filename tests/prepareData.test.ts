import { ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { DataError } from "../domain/data/chatData";
import { trainTestSplit } from "../scripts/data/sources/datasetSlice";
import { RecordSource, SourceRecord } from "../scripts/data/sources/recordSource";
import { hubAccessFrom } from "../scripts/data/sources/hubAccess";
import { npmScriptCommand } from "../scripts/tooling/npmScripts";
import { prepareData, PrepareOptions, SettingError } from "../scripts/data/prepareData";
import { parsePrepareDataArgs, UsageError } from "../scripts/data/prepareDataArgs";
import { replaceFilesTogether } from "../scripts/data/replaceFiles";
import { PROJECT_ROOT } from "../scripts/shared/stackFiles";
import { chatParquet, chatRow } from "../testing/chatParquet";
import { chatRecord, idsOf, tempDir, writeJsonl } from "./support/chatRecords";
import { datasetStandIn } from "./support/datasetStandIn";
import { hubStandIn } from "../testing/hubStandIn";
import { runNpmScript, ScriptResult } from "./support/npmScript";

const sha256 = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex");

const FAST_RETRY = { attempts: 3, baseDelayMs: 5, timeoutMs: 2000 };

/** Runs `npm run prepare-data -- <args>` as a person would (no npm banner); `started` is handed the process. */
function cli(args: string[], env: Record<string, string> = {}, started?: (child: ChildProcess) => void): Promise<ScriptResult> {
  return runNpmScript("prepare-data", args, { ...process.env, ...env }, started);
}

/** Waits, 50 ms at a time and at most 10 s, until `ready` holds. */
async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ready(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!ready()) throw new Error("gave up waiting");
}

/** Every file in `dir` and its bytes. */
/** Each file of a folder by name, with its size and digest: equal snapshots are byte-identical folders. */
function snapshot(dir: string): Record<string, { bytes: number; sha256: string }> {
  return Object.fromEntries(
    fs.readdirSync(dir).map((name) => {
      const content = fs.readFileSync(path.join(dir, name));
      return [name, { bytes: content.length, sha256: createHash("sha256").update(content).digest("hex") }];
    }),
  );
}

/** Each file of a small folder by name, as text. */
function texts(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).map((name) => [name, fs.readFileSync(path.join(dir, name), "utf8")]));
}

/** A copy of the repository's data files in a temporary folder: what `--out` would overwrite. */
function goodDataFolder(): string {
  const dir = tempDir();
  for (const name of ["train_data.jsonl", "test_data.jsonl"]) fs.copyFileSync(path.join(PROJECT_ROOT, "data", name), path.join(dir, name));
  return dir;
}

/** A JSONL source of `n` numbered records with the given lines (1-based) replaced. */
function sourceWith(dir: string, n: number, replaced: Record<number, string>, name = "source.jsonl"): string {
  const lines = Array.from({ length: n }, (_, i) => replaced[i + 1] ?? JSON.stringify(chatRecord(i)));
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

const run = (options: Partial<PrepareOptions> & Pick<PrepareOptions, "source" | "out">) => prepareData({ split: undefined, percent: 100, seed: 1, ...options });

describe("npm run prepare-data over good data files", () => {
  it("with a bad source: exits 1 naming the source's lines, and leaves the files byte-identical with nothing beside them", async () => {
    const out = goodDataFolder();
    const before = snapshot(out);
    const source = sourceWith(tempDir(), 60, { 22: JSON.stringify({ messages: [{ role: "user", content: "only a question" }] }), 23: "{not json" });
    const result = await cli(["--source", source, "--percent", "100", "--out", out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${source}:22: no assistant turn`);
    expect(result.stderr).toMatch(new RegExp(`${source.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:23: not valid JSON \\(`));
    expect(result.stderr).not.toContain("train_data.jsonl:");
    expect(snapshot(out)).toEqual(before);
  });

  it("replaces both files and the manifest only when everything is valid", async () => {
    const out = goodDataFolder();
    const source = writeJsonl(tempDir(), 60);
    const result = await run({ source, out });
    expect([result.train.records, result.test.records]).toEqual([48, 12]);
    expect(idsOf(path.join(out, "test_data.jsonl"))).toHaveLength(12);
    expect(fs.readdirSync(out).sort()).toEqual(["manifest.json", "test_data.jsonl", "train_data.jsonl"]);
    const file = (name: string) => fs.readFileSync(path.join(out, name));
    expect(JSON.parse(file("manifest.json").toString())).toEqual({
      dataset: source,
      revision: null,
      subset: null,
      split: null,
      hub: null,
      sourceSha256: sha256(fs.readFileSync(source)),
      reader: "jsonl-file",
      percent: 100,
      seed: 1,
      sourceRows: 60,
      rows: 60,
      records: 60,
      leftOut: { tooLong: 0, repeated: 0 },
      baseModel: "Phi-3-mini-4k-instruct",
      files: {
        "train_data.jsonl": { records: 48, bytes: file("train_data.jsonl").length, sha256: sha256(file("train_data.jsonl")) },
        "test_data.jsonl": { records: 12, bytes: file("test_data.jsonl").length, sha256: sha256(file("test_data.jsonl")) },
      },
    });
    expect(result.train.sha256).toBe(sha256(file("train_data.jsonl")));
  });
});

describe("prepareData", () => {
  it("takes --percent 10 of 1000 records: 80 train and 20 test from the first 100, the same twice, another with another seed", async () => {
    const source = writeJsonl(tempDir(), 1000);
    const prepare = async (seed: number) => {
      const out = tempDir();
      await run({ source, percent: 10, seed, out });
      return { train: idsOf(path.join(out, "train_data.jsonl")), test: idsOf(path.join(out, "test_data.jsonl")), bytes: fs.readFileSync(path.join(out, "train_data.jsonl")) };
    };
    const first = await prepare(7);
    expect([first.train.length, first.test.length]).toEqual([80, 20]);
    expect(new Set([...first.train, ...first.test])).toEqual(new Set(Array.from({ length: 100 }, (_, i) => `id-${i}`)));
    expect(await prepare(7)).toEqual(first);
    expect((await prepare(8)).test).not.toEqual(first.test);
  });

  it("writes exactly the files the in-memory shuffle wrote: trainTestSplit of the records kept, in the source's order", async () => {
    const dir = tempDir();
    const again = JSON.stringify({ ...chatRecord(3), prompt_id: "copy" });
    const long = JSON.stringify({ messages: [{ role: "user", content: "q" }, { role: "assistant", content: "x".repeat(70_000) }] });
    const source = sourceWith(dir, 300, { 10: again, 11: long, 200: again });
    await run({ source, seed: 11, out: dir });
    const kept = fs.readFileSync(source, "utf8").split("\n").filter((line, i) => line && ![9, 10, 199].includes(i));
    const expected = trainTestSplit(kept, 11);
    expect(fs.readFileSync(path.join(dir, "train_data.jsonl"), "utf8")).toBe(expected.train.join("\n") + "\n");
    expect(fs.readFileSync(path.join(dir, "test_data.jsonl"), "utf8")).toBe(expected.test.join("\n") + "\n");
  });

  it("keeps each record's line exactly as in the source", async () => {
    const dir = tempDir();
    const source = writeJsonl(dir, 60);
    await run({ source, out: dir });
    const sourceLines = new Set(fs.readFileSync(source, "utf8").split("\n").filter(Boolean));
    for (const file of ["train_data.jsonl", "test_data.jsonl"]) {
      for (const line of fs.readFileSync(path.join(dir, file), "utf8").split("\n").filter(Boolean)) expect(sourceLines.has(line)).toBe(true);
    }
  });

  it("reads a source with a byte order mark and empty lines at the end, and writes neither", async () => {
    const dir = tempDir();
    const source = path.join(dir, "windows.jsonl");
    fs.writeFileSync(source, "\ufeff" + Array.from({ length: 50 }, (_, i) => JSON.stringify(chatRecord(i))).join("\r\n") + "\r\n\r\n\n  \n");
    const result = await run({ source, out: dir });
    expect(result.kept).toBe(50);
    const written = fs.readFileSync(path.join(dir, "train_data.jsonl"), "utf8") + fs.readFileSync(path.join(dir, "test_data.jsonl"), "utf8");
    expect(written).not.toMatch(/\ufeff|\r|\n\n/);
  });

  it("refuses an empty line between records, naming it", async () => {
    const dir = tempDir();
    const source = sourceWith(dir, 60, { 5: "" });
    await expect(run({ source, out: dir })).rejects.toThrow(/source\.jsonl:5: empty line between records/);
  });

  it("leaves out records repeated or too long for the model, saying which, so no record is in both files", async () => {
    const dir = tempDir();
    const long = { messages: [{ role: "user", content: "q" }, { role: "assistant", content: "x".repeat(400_000) }] };
    // Lines 3 and 4 repeat line 1's conversation (another id, the same turns); line 6 is 400,000 characters.
    const again = JSON.stringify({ ...chatRecord(0), prompt_id: "copy" });
    const source = sourceWith(dir, 60, { 3: again, 4: again, 6: JSON.stringify(long) });
    const lines: string[] = [];
    const result = await run({ source, out: dir, log: (l) => lines.push(l) });
    expect(result).toMatchObject({ taken: 60, kept: 57 });
    expect(lines).toContain("left out 1 record longer than Phi-3-mini-4k-instruct's context window (4096 tokens, estimated at ~4 characters a token): lines 6");
    expect(lines).toContain("left out 2 records repeating an earlier one: lines 3, 4");
    const ids = [...idsOf(path.join(dir, "train_data.jsonl")), ...idsOf(path.join(dir, "test_data.jsonl"))];
    expect(ids).not.toContain("copy");
    // Phi-4's window (16,384 tokens) holds a 60,000-character record that Phi-3-mini's does not.
    const medium = sourceWith(dir, 60, { 6: JSON.stringify({ messages: [{ role: "user", content: "q" }, { role: "assistant", content: "y".repeat(60_000) }] }) }, "medium.jsonl");
    expect((await run({ source: medium, out: dir, baseModel: "Phi-4" })).kept).toBe(60);
    expect((await run({ source: medium, out: dir })).kept).toBe(59);
  });

  it("names rows, counting from 0, for a source of rows (a Parquet file or a dataset)", async () => {
    const rows: SourceRecord[] = Array.from({ length: 60 }, (_, i) => ({ text: JSON.stringify(chatRecord(i)), row: i }));
    rows[4] = { text: JSON.stringify({ messages: [{ role: "robot", content: "x" }] }), row: 4 };
    const source: RecordSource = { description: "rows", name: "rows.parquet", take: async () => ({ total: 60, records: rows }) };
    await expect(run({ source, out: tempDir() })).rejects.toThrow('rows.parquet, row 4: messages[0].role is "robot"');
    rows[4] = { text: JSON.stringify(chatRecord(4)), row: 4 };
    expect((await run({ source, out: tempDir() })).manifest).toMatchObject({ dataset: "rows.parquet", reader: "other", revision: null });
  });

  it.each<[string, (dir: string) => Partial<PrepareOptions> & Pick<PrepareOptions, "source" | "out">, RegExp]>([
    ["a missing source", (dir) => ({ source: path.join(dir, "missing.jsonl"), out: dir }), /^--source .*missing\.jsonl: no such file$/],
    ["--out that is a file", (dir) => ({ source: writeJsonl(dir, 60), out: writeJsonl(dir, 1, "x.jsonl") }), /^--out .*x\.jsonl: is a file; --out names the folder/],
    ["--split with a local file", (dir) => ({ source: writeJsonl(dir, 60), split: "train_sft", out: dir }), /^--split train_sft: a local file has no splits/],
    ["--reader with a local file", (dir) => ({ source: writeJsonl(dir, 60), reader: "rows", out: dir }), /^--reader rows: a local file is read as it is/],
    [
      "1% of 50 rows",
      (dir) => ({ source: writeJsonl(dir, 50), percent: 1, out: dir }),
      /^1% of 50 rows is 0 records; a training and a validation file of at least 10 records each \(--min-records\) take 46: use --percent 91 or more \(--percent 100 takes all 50\)$/,
    ],
    ["too small a source", (dir) => ({ source: writeJsonl(dir, 20), out: dir }), /100% of 20 rows is 20 records; .* take 46: the source has only 20; use a bigger one, or lower --min-records/],
    ["a seed below 0", (dir) => ({ source: writeJsonl(dir, 60), seed: -1, out: dir }), /^--seed -1: a whole number of at least 0$/],
  ])("refuses %s, saying what to do, and writes nothing", async (_, options, message) => {
    const dir = tempDir();
    const chosen = options(dir);
    const before = snapshot(dir);
    await expect(run(chosen)).rejects.toThrow(message);
    expect(snapshot(dir)).toEqual(before);
  });

  it("lets --min-records relax the minimum for a trial run", async () => {
    const dir = tempDir();
    const result = await run({ source: writeJsonl(dir, 10), out: dir, minRecordsPerFile: 2 });
    expect([result.train.records, result.test.records]).toEqual([8, 2]);
  });

  it("reads a Hugging Face dataset through PHI3_DATASETS_SERVER, with progress", async () => {
    const server = await datasetStandIn(1000);
    try {
      const dir = tempDir();
      const parsed = parsePrepareDataArgs(["--reader", "rows", "--percent", "5", "--seed", "2", "--out", dir], { PHI3_DATASETS_SERVER: server.url });
      if (parsed.help) throw new Error("unexpected --help");
      const lines: string[] = [];
      const result = await prepareData({ ...parsed.options, retry: FAST_RETRY, log: (l) => lines.push(l) });
      expect(result).toMatchObject({ sourceRows: 1000, taken: 50 });
      expect(lines[0]).toBe("reading the first 5% of Hugging Face dataset HuggingFaceH4/ultrachat_200k (train_sft), through the dataset viewer's /rows API");
      expect(lines).toContain("  50/50 rows");
      expect(idsOf(path.join(dir, "train_data.jsonl"))).toHaveLength(40);
    } finally {
      await server.close();
    }
  });
});

describe("prepare-data's command line", () => {
  const parse = (...argv: string[]) => parsePrepareDataArgs(argv, {});

  it("has defaults a person can run, and --help", () => {
    expect(parse()).toMatchObject({
      help: false,
      options: {
        source: "HuggingFaceH4/ultrachat_200k",
        split: undefined,
        reader: undefined,
        hub: { endpoint: "https://huggingface.co" },
        percent: 1,
        seed: 42,
        out: "data",
        minRecordsPerFile: 10,
        baseModel: "Phi-3-mini-4k-instruct",
        deadlineSeconds: 600,
      },
    });
    expect(parsePrepareDataArgs(["--reader", "rows"], { HF_ENDPOINT: "http://127.0.0.1:9/", HF_TOKEN: "hf_x" })).toMatchObject({
      options: { reader: "rows", hub: { endpoint: "http://127.0.0.1:9", token: "hf_x", tokenFrom: "HF_TOKEN" } },
    });
    expect(parse("--help")).toEqual({ help: true });
    expect(parse("--percent", "0.5", "--request-timeout", "5", "--base-model", "phi-4")).toMatchObject({ options: { percent: 0.5, retry: { timeoutMs: 5000 }, baseModel: "Phi-4" } });
  });

  it.each([
    [["--percent", "abc"], '--percent "abc": a number above 0 and at most 100, such as 1 or 0.5 (see --help)'],
    [["--percent", "0"], '--percent "0": a number above 0 and at most 100'],
    [["--percent", "150"], '--percent "150": a number above 0 and at most 100'],
    [["--seed", "1.5"], '--seed "1.5": a whole number of at least 0'],
    [["--min-records", "0"], '--min-records "0": a whole number from 1 to 1000000'],
    [["--deadline", "soon"], '--deadline "soon": seconds, above 0 and at most 86400'],
    [["--base-model", "Phi-9"], '--base-model "Phi-9": one of Phi-3-mini-4k-instruct, Phi-4'],
    [["--out", ""], "--out is empty"],
    [["--reader", "api"], '--reader "api": one of parquet, rows'],
    [["--bogus"], "Unknown option '--bogus'"],
    [["data.jsonl"], "Unexpected argument 'data.jsonl'"],
  ])("refuses %j, naming the option", (argv, message) => {
    expect(() => parse(...argv)).toThrow(UsageError);
    expect(() => parse(...argv)).toThrow(message);
  });

  it("refuses to send the token in clear text to PHI3_DATASETS_SERVER, naming it", () => {
    const env = { PHI3_DATASETS_SERVER: "http://viewer.example", HF_TOKEN: "hf_x" };
    expect(() => parsePrepareDataArgs(["--reader", "rows"], env)).toThrow(UsageError);
    expect(() => parsePrepareDataArgs(["--reader", "rows"], env)).toThrow(
      /^PHI3_DATASETS_SERVER="http:\/\/viewer\.example": the Hugging Face token \(from HF_TOKEN\) is sent only over https, and this is plain http to another machine/,
    );
    expect(parsePrepareDataArgs([], env)).toMatchObject({ options: { reader: undefined } });
    expect(parsePrepareDataArgs(["--reader", "rows"], { PHI3_DATASETS_SERVER: "http://viewer.example" })).toMatchObject({ options: { reader: "rows" } });
  });

  it("takes --max-retry-after, the longest wait the Hub may ask for", () => {
    expect(parse()).toMatchObject({ options: { retry: { maxRetryAfterMs: 60_000 } } });
    expect(parse("--max-retry-after", "5")).toMatchObject({ options: { retry: { maxRetryAfterMs: 5000 } } });
    expect(() => parse("--max-retry-after=7200")).toThrow('--max-retry-after "7200": seconds, at least 0 and at most 3600');
  });

  it("refuses a PHI3_DATASETS_SERVER or an HF_ENDPOINT that is not an address", () => {
    expect(() => parsePrepareDataArgs([], { PHI3_DATASETS_SERVER: "not-a-url" })).toThrow(/^PHI3_DATASETS_SERVER="not-a-url": an http or https address/);
    expect(() => parsePrepareDataArgs([], { HF_ENDPOINT: "ftp://mirror" })).toThrow(UsageError);
  });
});

describe("prepare-data from the Hub's Parquet export (a local stand-in at HF_ENDPOINT)", () => {
  const SHA = "89abcdef0123456789abcdef0123456789abcdef";
  let server: Awaited<ReturnType<typeof hubStandIn>>;
  beforeAll(async () => {
    const rows = (first: number, count: number) => Array.from({ length: count }, (_, k) => chatRow(first + k));
    // The big split uncompressed, to be quick to make; the small ones in Snappy, as the export writes them.
    const files = [await chatParquet(rows(0, 2000), 50, "UNCOMPRESSED"), await chatParquet(rows(2000, 1000), 50, "UNCOMPRESSED")];
    // Bigger than the 512 KiB read for each footer, so that row groups are read on their own.
    const small = [await chatParquet(rows(0, 100), 50), await chatParquet(rows(100, 500), 50)];
    server = await hubStandIn([
      { id: "HuggingFaceH4/ultrachat_200k", sha: SHA, splits: [{ split: "train_sft", files }] },
      { id: "owner/broken", sha: SHA, splits: [{ split: "train_sft", files: small }] },
      { id: "owner/slow", sha: SHA, splits: [{ split: "train_sft", files }] },
      { id: "owner/busy", sha: SHA, splits: [{ split: "train_sft", files }] },
    ], {
      rules: [
        { match: /^\/api\/datasets\/owner\/busy\//, status: 429, headers: { "retry-after": "3600" } },
        { server: "storage", match: /^\/blobs\/owner\/broken\/.*0001\.parquet$/, status: 500, skip: 2 },
        // The first file's footer comes, its first row group never does.
        { server: "storage", match: /^\/blobs\/owner\/slow\/.*0000\.parquet$/, status: 0, hang: true, skip: 1 },
      ],
    });
  });
  afterAll(() => server.close());

  it("writes the first 2% split 80/20 by the seed, long conversations whole, and a manifest naming the export's commit", async () => {
    const out = goodDataFolder();
    const tokenFile = path.join(tempDir(), "token");
    fs.writeFileSync(tokenFile, "hf_from_file\n");
    const lines: string[] = [];
    const result = await prepareData({
      source: "HuggingFaceH4/ultrachat_200k",
      percent: 2,
      seed: 42,
      out,
      hub: hubAccessFrom({ HF_ENDPOINT: server.url, HF_TOKEN_PATH: tokenFile }),
      retry: FAST_RETRY,
      log: (l) => lines.push(l),
    });
    const texts = Array.from({ length: 60 }, (_, i) => JSON.stringify(chatRow(i)));
    const expected = trainTestSplit(texts, 42);
    const file = (name: string) => fs.readFileSync(path.join(out, name));
    expect(file("train_data.jsonl").toString()).toBe(expected.train.join("\n") + "\n");
    expect(file("test_data.jsonl").toString()).toBe(expected.test.join("\n") + "\n");
    expect(JSON.parse(file("manifest.json").toString())).toMatchObject({
      dataset: "HuggingFaceH4/ultrachat_200k",
      revision: SHA,
      subset: "default",
      split: "train_sft",
      hub: server.url,
      reader: "hub-parquet",
      parquetFiles: ["default/train_sft/0000.parquet", "default/train_sft/0001.parquet"],
      percent: 2,
      seed: 42,
      sourceRows: 3000,
      rows: 60,
      records: 60,
      files: { "train_data.jsonl": { records: 48, sha256: sha256(file("train_data.jsonl")) }, "test_data.jsonl": { records: 12, sha256: sha256(file("test_data.jsonl")) } },
    });
    expect(result).toMatchObject({ sourceRows: 3000, taken: 60, kept: 60 });
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}60\/60 rows, ([\d.]+) MB of \1 MB downloaded$/));
    expect(lines).toContain(`wrote ${path.join(out, "manifest.json")}: HuggingFaceH4/ultrachat_200k at ${SHA}, 60 rows, seed 42`);
    expect(server.requests.filter((r) => r.server === "hub").every((r) => r.authorization === "Bearer hf_from_file")).toBe(true);
  });

  it("as a person runs it: HF_ENDPOINT=... npm run prepare-data, with progress in rows and bytes on stderr", async () => {
    const out = tempDir();
    const result = await cli(["--percent", "2", "--seed", "7", "--out", out], { HF_ENDPOINT: server.url, HF_TOKEN: "hf_cli" });
    expect(result.stdout).toBe("");
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`asking 127.0.0.1:${new URL(server.url).port} (HF_ENDPOINT) with the token from HF_TOKEN`);
    expect(result.stderr).toMatch(/2 Parquet files at commit 89abcdef0123456789abcdef0123456789abcdef, 3000 rows; the first 60 are in 2 row groups: [\d.]+ MB more to download, [\d.]+ MB in all/);
    expect(result.stderr).toMatch(/ {2}60\/60 rows, ([\d.]+) MB of \1 MB downloaded/);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ revision: SHA, rows: 60, seed: 7, files: { "train_data.jsonl": { records: 48 }, "test_data.jsonl": { records: 12 } } });
    expect(server.requests.filter((r) => r.server === "hub").at(-1)!.authorization).toBe("Bearer hf_cli");
  });

  it("leaves the folder as it was when the download fails halfway, with nothing temporary behind", async () => {
    const out = goodDataFolder();
    const before = snapshot(out);
    // The second file's storage fails after its footer and its first row group: 150 of the 600 rows arrive.
    const attempt = prepareData({ source: "owner/broken", percent: 100, seed: 1, out, hub: { endpoint: server.url }, retry: FAST_RETRY });
    await expect(attempt).rejects.toThrow(/after 3 attempts \(last: HTTP 500 Internal Server Error\)\..* \(150 of 600 rows were read\)$/);
    expect(snapshot(out)).toEqual(before);
  });

  it("stopped by Ctrl-C mid-download, leaves --out as it was: the scratch folder with the records read so far is gone", async () => {
    const out = goodDataFolder();
    const before = snapshot(out);
    let child: ChildProcess | undefined;
    const running = cli(["--source", "owner/slow", "--percent", "100", "--out", out], { HF_ENDPOINT: server.url }, (c) => (child = c));
    await until(() => fs.readdirSync(out).some((name) => name.startsWith(".prepare-data-")) && server.requests.filter((r) => r.url.startsWith("/blobs/owner/slow/")).length === 3);
    child!.kill("SIGINT");
    const result = await running;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain("prepare-data stopped by SIGINT; the files in --out are as they were");
    expect(snapshot(out)).toEqual(before);
  });

  it("refuses an --out that cannot be created before anything is asked of the Hub", async () => {
    const file = path.join(tempDir(), "a-file");
    fs.writeFileSync(file, "");
    const before = server.requests.length;
    const attempt = prepareData({ source: "HuggingFaceH4/ultrachat_200k", percent: 1, seed: 1, out: path.join(file, "data"), hub: { endpoint: server.url }, retry: FAST_RETRY });
    await expect(attempt).rejects.toThrow(SettingError);
    await expect(attempt).rejects.toThrow(`--out ${path.join(file, "data")}: cannot be created (a part of the path is a file); nothing was downloaded, and the files there are as they were`);
    expect(server.requests.length).toBe(before);
  });

  // Node 20's mkdirSync({ recursive: true }) loops for ever on this path, deaf to Ctrl-C; where there is a /proc.
  (fs.existsSync("/proc/self") ? it : it.skip)("as a person runs it: --out /proc/nope exits 2 at once, asking nothing of the Hub", async () => {
    const before = server.requests.length;
    const result = await cli(["--out", "/proc/nope/data"], { HF_ENDPOINT: server.url });
    expect(result.stderr).toBe("prepare-data failed: --out /proc/nope/data: cannot be created (ENOENT); nothing was downloaded, and the files there are as they were\n");
    expect(result.code).toBe(2);
    expect(server.requests.length).toBe(before);
  });

  it("as a person runs it: a 429 asking for an hour exits 1 at once, saying so, after one request", async () => {
    const before = server.requests.length;
    const result = await cli(["--source", "owner/busy", "--out", tempDir()], { HF_ENDPOINT: server.url });
    expect(result.stderr).toMatch(/HTTP 429 Too Many Requests, and the server asks to wait 3600 s before trying again, more than the 60 s allowed \(--max-retry-after\)/);
    expect(result.code).toBe(1);
    expect(server.requests.length - before).toBe(1);
  });

  // Reads the processes' tree from /proc (Linux).
  (fs.existsSync("/proc/self/task") ? it : it.skip)("ends when npm, above the shell that runs it, is killed outright", async () => {
    const out = goodDataFolder();
    const before = snapshot(out);
    const command = npmScriptCommand("prepare-data").map((arg) => `'${arg}'`).join(" ");
    // A stand-in for npm: it runs the script as npm does, in `sh -c`, with npm's environment, and prints the shell's pid.
    const npm = spawn(
      process.execPath,
      ["-e", `const c = require("child_process").spawn("sh", ["-c", process.argv[1]], { stdio: "ignore" }); console.log(c.pid); setInterval(() => {}, 1000);`, `${command} --source owner/slow --percent 100 --out '${out}'`],
      { cwd: PROJECT_ROOT, env: { ...process.env, HF_ENDPOINT: server.url, npm_lifecycle_event: "prepare-data" }, stdio: ["ignore", "pipe", "inherit"] },
    );
    let node: number | undefined;
    try {
      const shell = Number(await new Promise<string>((resolve) => npm.stdout.once("data", (d: Buffer) => resolve(d.toString()))));
      const children = () => fs.readFileSync(`/proc/${shell}/task/${shell}/children`, "utf8").trim();
      await until(() => fs.existsSync(`/proc/${shell}`) && children() !== "" && fs.readdirSync(out).some((name) => name.startsWith(".prepare-data-")));
      node = Number(children());
      npm.kill("SIGKILL");
      await until(() => !fs.existsSync(`/proc/${node}`) || fs.readFileSync(`/proc/${node}/stat`, "utf8").includes(") Z "));
      expect(snapshot(out)).toEqual(before);
    } finally {
      npm.kill("SIGKILL");
      // Should the test fail, the script it started does not outlive it.
      if (node && fs.existsSync(`/proc/${node}`)) process.kill(node, "SIGKILL");
    }
  });

  it("removes the folders it made for --out when the download fails", async () => {
    const fresh = path.join(tempDir(), "new", "data");
    const attempt = prepareData({ source: "owner/missing", percent: 1, seed: 1, out: fresh, hub: { endpoint: server.url }, retry: FAST_RETRY });
    await expect(attempt).rejects.toThrow(/no such dataset/);
    expect(fs.existsSync(path.dirname(fresh))).toBe(false);
  });
});

describe("prepare-data on local Parquet files", () => {
  it("reads the leading rows with the Parquet reader, row group by row group", async () => {
    const dir = tempDir();
    const file = path.join(dir, "rows.parquet");
    fs.writeFileSync(file, await chatParquet(Array.from({ length: 500 }, (_, i) => chatRow(i)), 16));
    const result = await run({ source: file, percent: 10, seed: 5, out: dir });
    expect([result.train.records, result.test.records]).toEqual([40, 10]);
    const written = [...fs.readFileSync(path.join(dir, "train_data.jsonl"), "utf8").split("\n"), ...fs.readFileSync(path.join(dir, "test_data.jsonl"), "utf8").split("\n")];
    expect(written.filter(Boolean).sort()).toEqual(Array.from({ length: 50 }, (_, i) => JSON.stringify(chatRow(i))).sort());
    expect(result.manifest).toMatchObject({ reader: "parquet-file", sourceSha256: sha256(fs.readFileSync(file)), sourceRows: 500, rows: 50 });
  });

  it("names a corrupt file, and leaves the data files as they were", async () => {
    const out = goodDataFolder();
    const before = snapshot(out);
    const file = path.join(tempDir(), "broken.parquet");
    fs.writeFileSync(file, "PAR1 this is not a Parquet file");
    const result = await cli(["--source", file, "--out", out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`--source ${file}: not a Parquet file that can be read (`);
    expect(snapshot(out)).toEqual(before);
  });
});

describe("replaceFilesTogether", () => {
  it("puts the first file back when the second cannot be replaced, and leaves nothing temporary", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "a.jsonl"), "old a\n");
    fs.mkdirSync(path.join(dir, "b.jsonl")); // a folder where the second file goes: its rename fails
    const attempt = () =>
      replaceFilesTogether([
        { path: path.join(dir, "a.jsonl"), content: "new a\n" },
        { path: path.join(dir, "b.jsonl"), content: "new b\n" },
      ]);
    expect(attempt).toThrow();
    expect(fs.readFileSync(path.join(dir, "a.jsonl"), "utf8")).toBe("old a\n");
    expect(fs.readdirSync(dir).sort()).toEqual(["a.jsonl", "b.jsonl"]);
  });

  it("moves files already written into place with the others, and leaves a moved file's source to its writer when it fails", () => {
    const dir = tempDir();
    const written = path.join(dir, "work.jsonl");
    fs.writeFileSync(written, "big\n");
    replaceFilesTogether([
      { path: path.join(dir, "a.jsonl"), from: written },
      { path: path.join(dir, "b.json"), content: "{}\n" },
    ]);
    expect(texts(dir)).toEqual({ "a.jsonl": "big\n", "b.json": "{}\n" });
    fs.writeFileSync(written, "bigger\n");
    fs.mkdirSync(path.join(dir, "c.json")); // its rename fails
    expect(() => replaceFilesTogether([{ path: path.join(dir, "a.jsonl"), from: written }, { path: path.join(dir, "c.json"), content: "{}\n" }])).toThrow();
    expect(fs.readFileSync(path.join(dir, "a.jsonl"), "utf8")).toBe("big\n");
    expect(fs.readdirSync(dir).sort()).toEqual(["a.jsonl", "b.json", "c.json"]);
  });

  it("replaces every file, and creates the ones that did not exist", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "a.jsonl"), "old a\n");
    replaceFilesTogether([
      { path: path.join(dir, "a.jsonl"), content: "new a\n" },
      { path: path.join(dir, "b.jsonl"), content: "new b\n" },
    ]);
    expect(texts(dir)).toEqual({ "a.jsonl": "new a\n", "b.jsonl": "new b\n" });
  });
});

// The DataError class is what the stack and the plan catch.
it("reports bad records as a DataError", async () => {
  const dir = tempDir();
  await expect(run({ source: sourceWith(dir, 60, { 2: "[]" }), out: dir })).rejects.toThrow(DataError);
});
