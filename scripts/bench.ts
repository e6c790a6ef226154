/**
 * `npm run bench -- [--runs N] [--suite] [--install] [--out FILE]`: how long the commands people wait for take, as
 * medians of N runs, each beside the yardstick measured in the same run (the bare load of @pulumi/pulumi and the
 * azure-native modules the program uses), so that a slow or busy machine shows as a slow yardstick, not a slow plan.
 * Prints a table and writes JSON (bench/latest.json by default). Timings live here, never in tests.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { npmScriptCommand } from "./lib/npmScripts";
import { PROJECT_ROOT, loadStackSettings } from "./lib/stackFiles";

interface Measurement {
  readonly name: string;
  readonly command: string;
  readonly runs: number[];
  readonly medianMs: number;
  /** Median over the yardstick's median. */
  readonly vsYardstick?: number;
  readonly note?: string;
}

const AZURE_MODULES = [
  "authorization", "resources", "storage", "keyvault", "operationalinsights", "applicationinsights", "containerregistry",
  "managedidentity", "machinelearningservices", "cognitiveservices",
];

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs a command `runs` times; fails the benchmark if the command fails. */
function time(command: string, args: readonly string[], runs: number, cwd = PROJECT_ROOT): number[] {
  const durations: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    durations.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr.slice(-500)}`);
  }
  return durations;
}

interface Case {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * Runs the cases in turn, `runs` rounds, so that each case and the yardstick (the first case) meet the same load; a
 * case's ratio is its median over the yardstick's.
 */
function measureInterleaved(cases: readonly Case[], runs: number): Measurement[] {
  const durations = cases.map(() => [] as number[]);
  for (let round = 0; round < runs; round++) cases.forEach((c, i) => durations[i].push(...time(c.command, c.args, 1)));
  const yardstick = median(durations[0]);
  return cases.map((c, i) => {
    const medianMs = median(durations[i]);
    return {
      name: c.name,
      command: [c.command, ...c.args].join(" ").slice(0, 200),
      runs: durations[i].map(Math.round),
      medianMs: Math.round(medianMs),
      ...(i > 0 ? { vsYardstick: Number((medianMs / yardstick).toFixed(2)) } : {}),
    };
  });
}

/** `npm ci` of the project's lock file in a scratch folder: its time and the size of what it installs. */
function install(runs: number): Measurement {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "phi3-bench-install-"));
  try {
    for (const file of ["package.json", "package-lock.json"]) fs.copyFileSync(path.join(PROJECT_ROOT, file), path.join(scratch, file));
    const durations = time("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts"], runs, scratch);
    const du = spawnSync("du", ["-sm", path.join(scratch, "node_modules")], { encoding: "utf8" });
    return { name: "npm ci", command: "npm ci --ignore-scripts (scratch copy)", runs: durations.map(Math.round), medianMs: Math.round(median(durations)), note: `${du.stdout.split("\t")[0]} MB installed` };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "5" },
      suite: { type: "boolean", default: false },
      install: { type: "boolean", default: false },
      out: { type: "string", default: path.join(PROJECT_ROOT, "bench", "latest.json") },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      "usage: npm run bench -- [--runs 5] [--suite] [--install] [--out bench/latest.json]\n\n" +
        "Times the plan and the program's start-up beside the bare SDK load (medians of --runs runs); --suite adds\n" +
        "npm test, --install adds npm ci in a scratch folder. Prints a table and writes it as JSON to --out.\n",
    );
    return;
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${values.runs}: a whole number of at least 1`);
  const node = process.execPath;
  const loadSdk = `require("@pulumi/pulumi");${AZURE_MODULES.map((m) => `require("@pulumi/azure-native/${m}");`).join("")}`;
  const [planCommand, ...planArgs] = npmScriptCommand("plan");
  const config = JSON.stringify(loadStackSettings("dev", ["quotaCheck=false"]).config);
  const cases: Case[] = [
    { name: "bare SDK load (yardstick)", command: node, args: ["-e", loadSdk] },
    { name: "npm run plan -- --json", command: planCommand, args: [...planArgs, "--json"] },
    { name: "program start-up under Pulumi's loader (cmd/run, mock monitor)", command: node, args: [path.join(PROJECT_ROOT, "tests", "support", "pulumiLoaderRun.js"), config] },
  ];
  const rows = measureInterleaved(cases, runs);
  if (values.suite) {
    const suite = time("npm", ["test", "--silent"], Math.min(runs, 3));
    rows.push({ name: "npm test", command: "npm test --silent", runs: suite.map(Math.round), medianMs: Math.round(median(suite)), vsYardstick: Number((median(suite) / rows[0].medianMs).toFixed(2)) });
  }
  if (values.install) rows.push(install(Math.min(runs, 3)));

  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", memoryGB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))) };
  const report = { date: new Date().toISOString(), machine, runsEach: runs, results: rows };
  fs.mkdirSync(path.dirname(values.out), { recursive: true });
  fs.writeFileSync(values.out, JSON.stringify(report, null, 2) + "\n");

  const width = Math.max(...rows.map((r) => r.name.length));
  process.stdout.write(`${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGB} GB, Node ${machine.node}, load ${machine.loadAverage.join(" ")}\n`);
  process.stdout.write(`${"what".padEnd(width)}  median ms  vs yardstick  runs\n`);
  for (const r of rows) {
    process.stdout.write(`${r.name.padEnd(width)}  ${String(r.medianMs).padStart(9)}  ${(r.vsYardstick ? `${r.vsYardstick}x` : "").padStart(12)}  ${r.runs.join(", ")}${r.note ? `  (${r.note})` : ""}\n`);
  }
  process.stdout.write(`written to ${path.relative(PROJECT_ROOT, values.out)}\n`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
