/**
 * `npm run evaluate` in-process, against local stand-ins of the scoring API (tests/support/scoringStandIn.ts): the
 * records it cuts from a chat file, the requests that leave the process, results.json and the HTML report.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runEvaluate } from "../scripts/evaluate/index";
import { EVALUATE_HELP } from "../scripts/evaluate/command";
import { escapeHtml } from "../scripts/evaluate/report";
import { readEvalData, splitConversation } from "../scripts/evaluate/records";
import { chatRecord, tempDir } from "./support/chatRecords";
import { commandIo } from "./support/commandIo";
import { scoringStandIn } from "./support/scoringStandIn";

type StandIn = Awaited<ReturnType<typeof scoringStandIn>>;

/** Time that passes only when the code under test sleeps: retry waits cost nothing. */
const instantClock = { now: () => 0, sleep: async () => undefined };

function testIo(env: Record<string, string>, readOutputs?: () => Promise<string>) {
  return commandIo(env, { clock: instantClock, readOutputs });
}

function writeData(dir: string, records: object[]): string {
  const file = path.join(dir, "test_data.jsonl");
  fs.writeFileSync(file, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return file;
}

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"));

describe("records", () => {
  it("cut each conversation at its last assistant turn: the turns before are the prompt, that turn the reference", () => {
    const messages = [
      { role: "system" as const, content: "be brief" },
      { role: "user" as const, content: "q1" },
      { role: "assistant" as const, content: "a1" },
      { role: "user" as const, content: "q2" },
      { role: "assistant" as const, content: "a2" },
    ];
    expect(splitConversation(messages)).toEqual({ prompt: messages.slice(0, 4), reference: "a2" });
    expect(splitConversation([{ role: "user", content: "q" }])).toBeUndefined();
  });

  it("come from a file the stack's checks accept, with its SHA-256 and the first --limit conversations", () => {
    const dir = tempDir();
    const file = writeData(dir, [0, 1, 2].map(chatRecord));
    const data = readEvalData(file, 2);
    expect(data.total).toBe(3);
    expect(data.records).toEqual([
      { index: 0, line: 1, prompt: [{ role: "user", content: "question 0" }], reference: "answer 0" },
      { index: 1, line: 2, prompt: [{ role: "user", content: "question 1" }], reference: "answer 1" },
    ]);
    // sha256sum of the bytes written above, as `prepare-data`'s manifest records it.
    expect(data.sha256).toBe(require("node:crypto").createHash("sha256").update(fs.readFileSync(file)).digest("hex"));
    expect(data.manifest).toBeNull();
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify({ dataset: "HuggingFaceH4/ultrachat_200k", revision: "abc", files: { "test_data.jsonl": { records: 3, bytes: 1, sha256: "0".repeat(64) } } }));
    expect(readEvalData(file).manifest).toMatchObject({ dataset: "HuggingFaceH4/ultrachat_200k", revision: "abc", matches: false });
    fs.writeFileSync(path.join(dir, "bad.jsonl"), '{"messages": [{"role": "user", "content": "q"}]}\n');
    expect(() => readEvalData(path.join(dir, "bad.jsonl"))).toThrow(/bad\.jsonl:1: no assistant turn/);
  });
});

describe("npm run evaluate", () => {
  let fineTuned: StandIn | undefined;
  let baseline: StandIn | undefined;
  afterEach(async () => {
    await fineTuned?.close();
    await baseline?.close();
    fineTuned = baseline = undefined;
  });

  it("lists every option and the exit codes in --help", async () => {
    const { io, out } = testIo({});
    await expect(runEvaluate(["--help"], io)).resolves.toBe(0);
    for (const option of ["--data", "--limit", "--concurrency", "--out", "--baseline-url", "--baseline-key", "--stack", "--temperature", "--max-new-tokens", "--timeout", "--deadline", "--max-retry-after", "--attempts", "--retry-timeouts", "--help"]) {
      expect(out.text).toMatch(new RegExp(`^ +(-h, )?${option}\\b`, "m"));
    }
    expect(out.text).toMatch(/Exit codes: 0 done.*1 no request was answered.*2 a bad option.*130 ended with Ctrl-C/s);
    expect(out.text).toBe(EVALUATE_HELP);
  });

  it.each([
    [["--limit", "0"], /--limit "0": a whole number from 1 up/],
    [["--concurrency", "99"], /--concurrency "99": a whole number from 1 to 32/],
    [["--baseline-url", "https://b.example/score"], /a baseline needs both a URL and a key/],
    [["--bogus"], /Unknown option '--bogus'.*npm run evaluate -- --help/],
  ])("refuses %j with exit code 2 before sending anything", async (args, message) => {
    fineTuned = await scoringStandIn();
    const dir = tempDir();
    const { io, err } = testIo({ PHI3_ENDPOINT_URL: fineTuned.url, PHI3_ENDPOINT_KEY: "k" });
    await expect(runEvaluate(["--data", writeData(dir, [chatRecord(0)]), "--out", dir, ...args], io)).resolves.toBe(2);
    expect(err.text).toMatch(message);
    expect(fineTuned.requests).toHaveLength(0);
  });

  it("scores every answer and writes results.json and a report with SVG charts; a failed request is counted", async () => {
    // The stand-in echoes the last message: "echo: question i" against "answer i" shares only "i" (P 1/3, R 1/2, F 0.4).
    fineTuned = await scoringStandIn([{}, { status: 400 }, {}]);
    const dir = tempDir();
    const out = path.join(dir, "out");
    const { io, out: stdout, err } = testIo({ PHI3_ENDPOINT_URL: fineTuned.url, PHI3_ENDPOINT_KEY: "ft-key" });
    const code = await runEvaluate(["--data", writeData(dir, [0, 1, 2].map(chatRecord)), "--out", out, "--concurrency", "1"], io);
    expect(err.text).not.toMatch(/failed:/);
    expect(code).toBe(0);

    // What left the process: the chat contract's body, each prompt once, with the key.
    expect(fineTuned.requests.map((r) => r.body)).toEqual(
      [0, 1, 2].map((i) => ({ input_data: { input_string: [{ role: "user", content: `question ${i}` }], parameters: { temperature: 0.7, max_new_tokens: 128 } } })),
    );
    expect(fineTuned.requests.every((r) => r.headers.authorization === "Bearer ft-key")).toBe(true);

    const results = readJson(path.join(out, "results.json"));
    expect(results.endpoint).toEqual({ url: fineTuned.url, modelId: null });
    expect(JSON.stringify(results)).not.toContain("ft-key");
    expect(results.data).toMatchObject({ records: 3, evaluated: 3 });
    expect(results.data.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(results.records.map((r: any) => [r.fineTuned.answer, r.fineTuned.rougeL])).toEqual([
      ["echo: question 0", expect.closeTo(0.4, 10)],
      [null, 0],
      ["echo: question 2", expect.closeTo(0.4, 10)],
    ]);
    expect(results.records[1].fineTuned.error).toMatch(/^HTTP 400: scripted 400/);
    const summary = results.summary.fineTuned;
    expect(summary).toMatchObject({ records: 3, answered: 2, failed: 1, empty: 0 });
    expect(summary.failedOrEmptyShare).toBeCloseTo(1 / 3, 10);
    expect(summary.rougeL).toBeCloseTo(0.8 / 3, 10);
    // BLEU of ["echo : question 0", "", "echo : question 2"] (13a tokens) against ["answer 0", "answer 1", "answer 2"]:
    // of 8 unigrams "0" and "2" match, of 6 bigrams none; the failed answer counts as an empty one.
    expect(summary.bleu.counts).toEqual([2, 0, 0, 0]);
    expect(summary.bleu.totals).toEqual([8, 6, 4, 2]);
    expect(summary.latencyMs.method).toBe("nearest-rank");
    expect(summary.latencyMs.p50).toEqual(expect.any(Number));
    expect(summary.answerLength).toEqual({ meanCharacters: 16, meanWords: 3 });
    expect(results.summary.baseline).toBeUndefined();
    expect(results.trainingCurves).toBeNull();
    expect(Date.parse(results.createdAt)).not.toBeNaN();

    const html = fs.readFileSync(path.join(out, "report.html"), "utf8");
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain("ROUGE-L F1 per record");
    expect(html).not.toMatch(/<script|<link|@import|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)(?!127\.0\.0\.1)/);
    expect(stdout.text).toMatch(/ROUGE-L F1 \(mean\)\s+0\.2667/);
    expect(stdout.text).toMatch(/failed or empty\s+33\.3% \(1 failed, 0 empty\)/);
  });

  it("puts the same records to a baseline and says per record which answer is closer to the reference", async () => {
    fineTuned = await scoringStandIn([{ body: '{"output": "answer 0 indeed"}' }, { body: '{"output": "no idea"}' }]);
    baseline = await scoringStandIn([{ body: '{"output": "no idea"}' }, { body: '[{"0": "answer 1"}]' }]);
    const dir = tempDir();
    const { io, out } = testIo({ PHI3_ENDPOINT_URL: fineTuned.url, PHI3_ENDPOINT_KEY: "ft", PHI3_BASELINE_URL: baseline.url, PHI3_BASELINE_KEY: "base" });
    await expect(runEvaluate(["--data", writeData(dir, [0, 1].map(chatRecord)), "--out", dir, "--concurrency", "1"], io)).resolves.toBe(0);
    expect(baseline.requests.map((r) => [r.headers.authorization, r.body.input_data.input_string])).toEqual([
      ["Bearer base", [{ role: "user", content: "question 0" }]],
      ["Bearer base", [{ role: "user", content: "question 1" }]],
    ]);
    const results = readJson(path.join(dir, "results.json"));
    expect(results.baseline).toEqual({ url: baseline.url });
    expect(results.records.map((r: any) => [r.fineTuned.rougeL, r.baseline.rougeL, r.closer])).toEqual([
      [expect.closeTo(0.8, 10), 0, "fineTuned"],
      [0, 1, "baseline"],
    ]);
    expect(results.summary.closer).toEqual({ fineTuned: 1, baseline: 1, tie: 0 });
    expect(results.summary.baseline).toMatchObject({ records: 2, answered: 2, failed: 0 });
    // "no idea" and "answer 1" against "answer 0" and "answer 1": 2 unigrams and the bigram match.
    expect(results.summary.baseline.bleu.counts).toEqual([2, 1, 0, 0]);
    const html = fs.readFileSync(path.join(dir, "report.html"), "utf8");
    expect(html).toContain("<th>baseline</th>");
    expect(html).toMatch(/<rect [^>]*fill="#d4731c"><title>baseline/);
    expect(out.text).toMatch(/closer \(ROUGE-L\)\s+1 fine-tuned, 1 baseline, 0 tie/);
  });

  it("names the model from the stack's outputs, escapes the model's text in the report, and exits 1 when nothing answered", async () => {
    fineTuned = await scoringStandIn([{ body: '{"output": "<img src=x onerror=alert(1)>"}' }]);
    const dir = tempDir();
    const outputs = { scoringUri: fineTuned.url, endpointKey: "stack-key", modelId: "/subscriptions/s/models/phi3/versions/1" };
    const { io } = testIo({}, async () => JSON.stringify(outputs));
    await expect(runEvaluate(["--data", writeData(dir, [chatRecord(0)]), "--out", dir], io)).resolves.toBe(0);
    expect(fineTuned.requests[0].headers.authorization).toBe("Bearer stack-key");
    expect(readJson(path.join(dir, "results.json")).endpoint.modelId).toBe(outputs.modelId);
    const html = fs.readFileSync(path.join(dir, "report.html"), "utf8");
    expect(html).not.toContain("<img");
    expect(html).toContain(escapeHtml("<img src=x onerror=alert(1)>"));

    const failing = await scoringStandIn([{ status: 401 }, { status: 401 }]);
    try {
      const { io: io2, err } = testIo({ PHI3_ENDPOINT_URL: failing.url, PHI3_ENDPOINT_KEY: "wrong" });
      await expect(runEvaluate(["--data", writeData(dir, [0, 1].map(chatRecord)), "--out", dir], io2)).resolves.toBe(1);
      expect(err.text).toMatch(/answered none of the 2 requests; the first failure: 401 Unauthorized/);
      expect(readJson(path.join(dir, "results.json")).summary.fineTuned.failed).toBe(2);
    } finally {
      await failing.close();
    }
  });

  it("stops at Ctrl-C with exit code 130 and writes nothing", async () => {
    fineTuned = await scoringStandIn([{ hang: true }]);
    const dir = tempDir();
    const { io, interrupt, err } = testIo({ PHI3_ENDPOINT_URL: fineTuned.url, PHI3_ENDPOINT_KEY: "k" });
    const run = runEvaluate(["--data", writeData(dir, [chatRecord(0)]), "--out", dir], io);
    await fineTuned.received(1);
    interrupt();
    await expect(run).resolves.toBe(130);
    expect(err.text).toMatch(/evaluate cancelled/);
    expect(fs.existsSync(path.join(dir, "results.json"))).toBe(false);
  });
});
