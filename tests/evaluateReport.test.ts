/// <reference lib="dom" />
/**
 * The evaluation report as a person opens it: the HTML `npm run evaluate` writes, for the canary's validation records
 * with a baseline and loss curves, loaded from disk in Debian's chromium (tests/support/browser.ts) with the network cut
 * off. UPDATE_SCREENSHOTS=1 rewrites docs/images/evaluate-report.png from this test.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Outcome } from "../scripts/evaluate/answers";
import { readEvalData } from "../scripts/evaluate/records";
import { reportHtml } from "../scripts/evaluate/report";
import { buildResults } from "../scripts/evaluate/results";
import { scoreRecords } from "../scripts/evaluate/summary";
import { PROJECT_ROOT } from "../scripts/shared/stackFiles";
import { launchBrowser, TestBrowser } from "./support/browser";
import { tempDir } from "./support/chatRecords";

const data = readEvalData(path.join(PROJECT_ROOT, "data/canary/validation.jsonl"), Infinity, "data/canary/validation.jsonl");

/** Answers of made-up quality: the fine-tuned model keeps more of each reference than the baseline, which fails once. */
const words = (text: string) => text.split(/\s+/).filter(Boolean);
const fineTuned: Outcome[] = data.records.map((r, i) => {
  const w = words(r.reference);
  return { answer: `${w.slice(0, Math.ceil(w.length * (0.4 + 0.07 * i))).join(" ")} I hope this helps.`, latencyMs: 800 + 137 * i, attempts: 1 };
});
const baseline: Outcome[] = data.records.map((r, i) =>
  i === 3
    ? { error: "HTTP 503: scripted", attempts: 3 }
    : { answer: `Here is a general answer: ${words(r.reference).slice(-Math.ceil(words(r.reference).length / (2 + (i % 3)))).join(" ")}`, latencyMs: 1400 + 91 * i, attempts: 1 },
);
const loss = (start: number, from: number) => Array.from({ length: 10 }, (_, i) => ({ step: from + i * 10, value: Number((start / (1 + i * 0.3)).toFixed(4)) }));

const results = buildResults({
  createdAt: new Date("2026-12-02T12:00:00Z"),
  data,
  endpoint: { url: "https://ep-finetunephi-canary.eastus2.inference.ml.azure.com/score", modelId: "azureml:phi3-chat-finetuned:1" },
  baselineUrl: "https://ep-baseline.eastus2.inference.ml.azure.com/score",
  parameters: { temperature: 0.7, maxNewTokens: 128 },
  records: scoreRecords(data.records, fineTuned, baseline),
  trainingCurves: {
    jobName: "phi3-ft-0123456789abcdef",
    runId: "run-finetune",
    runName: "finetune",
    host: "eastus2.api.azureml.ms",
    curves: [
      { key: "loss", points: loss(1.9, 10) },
      { key: "eval_loss", points: loss(2.1, 10).filter((_, i) => i % 3 === 0) },
    ],
  },
});

describe("the evaluation report in a browser", () => {
  let browser: TestBrowser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  it("opens from disk with nothing fetched, and draws every chart with the records where the fine-tune did best and worst", async () => {
    const file = path.join(tempDir(), "report.html");
    fs.writeFileSync(file, reportHtml(results));
    const page = await browser.newPage({ width: 1100, height: 900 });
    try {
      const fetched: string[] = [];
      await page.setRequestInterception(true);
      page.on("request", (request) => {
        fetched.push(request.url());
        void (request.url() === `file://${file}` ? request.continue() : request.abort());
      });
      await page.goto(`file://${file}`, { waitUntil: "load" });
      expect(fetched).toEqual([`file://${file}`]);

      const headings = await page.$$eval("h2", (nodes) => nodes.map((n) => n.textContent));
      expect(headings).toEqual(["Summary", "Scores", "Latency", "Training", "Where the fine-tuned model did best", "Where it did worst"]);
      // Three charts (scores, latency, losses), each laid out at a size a person can read, each with marks drawn in it.
      const charts = await page.$$eval("svg", (svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          return { width: Math.round(box.width), height: Math.round(box.height), marks: svg.querySelectorAll("rect, path, polyline, line, circle").length };
        }),
      );
      expect(charts).toHaveLength(3);
      for (const chart of charts) {
        expect(chart.width).toBeGreaterThan(200);
        expect(chart.height).toBeGreaterThan(100);
        expect(chart.marks).toBeGreaterThan(3);
      }
      const text = await page.$eval("body", (body) => body.innerText);
      expect(text).toContain("fine-tuned");
      expect(text).toContain("baseline");
      expect(text).toContain("eval_loss");

      if (process.env.UPDATE_SCREENSHOTS === "1") {
        const image = path.join(PROJECT_ROOT, "docs/images/evaluate-report.png");
        fs.mkdirSync(path.dirname(image), { recursive: true });
        await page.screenshot({ path: image, fullPage: true });
      }
    } finally {
      await page.close();
    }
  });
});
