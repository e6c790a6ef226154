/** What `npm run evaluate` leaves in --out: results.json and the report drawn from it. */
import * as fs from "node:fs";
import * as path from "node:path";
import { reportHtml } from "./report";
import type { EvaluationResults } from "./results";

export const RESULTS_FILE = "results.json";
export const REPORT_FILE = "report.html";

/** Writes results.json and report.html into `dir` (made if missing); returns their paths. */
export function writeOutputs(dir: string, results: EvaluationResults): { results: string; report: string } {
  fs.mkdirSync(dir, { recursive: true });
  const files = { results: path.join(dir, RESULTS_FILE), report: path.join(dir, REPORT_FILE) };
  fs.writeFileSync(files.results, JSON.stringify(results, null, 2) + "\n");
  fs.writeFileSync(files.report, reportHtml(results));
  return files;
}
