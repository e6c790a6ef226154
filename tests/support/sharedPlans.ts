import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildPlan, Plan } from "../../scripts/plan/plan";

/**
 * The variable naming the folder where one `npm test` keeps the plans its files share (PLANS_ENV of
 * tests/support/planFolderSetup.cjs, which makes it before the first file; removed after the last); unset when a test
 * file runs outside Jest's setup.
 */
const SHARED_PLANS_ENV = "PHI3_TEST_PLANS";

/** The settings a shared plan is made from: a stack file and overrides, with the stand-ins' generous quota. */
export interface SharedPlanOptions {
  readonly stack?: string;
  readonly overrides?: readonly string[];
}

const inThisFile = new Map<string, Promise<string>>();

/**
 * The plan of a stack and overrides, made once per run and read by every test file that asks for the same settings:
 * planning the whole stack takes about a second of CPU, and the dev stack alone was planned a dozen times a run. The
 * first file to ask plans and writes the plan as JSON; later files read it. Each caller gets its own copy, so no test
 * can change what another reads. Tests of planning itself (a second run, a short quota, a refused setting) call
 * buildPlan.
 */
export async function sharedPlan(options: SharedPlanOptions = {}): Promise<Plan> {
  const settings = { stack: options.stack ?? "dev", overrides: [...(options.overrides ?? [])] };
  const key = createHash("sha256").update(JSON.stringify(settings)).digest("hex").slice(0, 32);
  if (!inThisFile.has(key)) inThisFile.set(key, planText(key, settings));
  return JSON.parse(await inThisFile.get(key)!) as Plan;
}

async function planText(key: string, settings: Required<SharedPlanOptions>): Promise<string> {
  const folder = process.env[SHARED_PLANS_ENV];
  const file = folder ? path.join(folder, `${key}.json`) : undefined;
  if (file && fs.existsSync(file)) return fs.readFileSync(file, "utf8");
  const text = JSON.stringify(await buildPlan(settings));
  if (file) {
    // Written whole under another name, then renamed: a file asking at the same moment reads all of it or none.
    const partial = `${file}.${process.pid}`;
    fs.writeFileSync(partial, text);
    fs.renameSync(partial, file);
  }
  return text;
}
