/**
 * `npm run bench -- [--runs N] [--suite] [--busy] [--install] [--data] [--write | --out FILE]`: how long the commands people wait for take,
 * as medians of N runs, each beside the yardstick measured in the same run (the bare load of @pulumi/pulumi and the
 * azure-native modules the program uses), so that a slow or busy machine shows as a slow yardstick, not a slow plan.
 * `--data` adds `npm run prepare-data` at 1%, 10% and 100% of a generated 208,000-row split shaped like ultrachat_200k's,
 * read from a local stand-in of the Hub, with each run's peak memory. Prints a table; writes JSON only when asked
 * (`--write`: the committed bench/latest.json; `--out FILE`). Timings live here, never in tests.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ultrachatSizedRow, writeChatParquet } from "../testing/chatParquet";
import { hubStandIn } from "../testing/hubStandIn";
import { exitCodesHelp, runCommand, UsageError } from "./shared/exitCodes";
import { npmScriptCommand } from "./tooling/npmScripts";
import { PROJECT_ROOT, languageHostEnvironment, loadStackSettings } from "./shared/stackFiles";

interface Measurement {
  readonly name: string;
  readonly command: string;
  readonly runs: number[];
  readonly medianMs: number;
  /** Median over the yardstick's median. */
  readonly vsYardstick?: number;
  /** Highest peak resident set size of the runs, in MB. */
  readonly peakMemoryMB?: number;
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
function time(command: string, args: readonly string[], runs: number, cwd = PROJECT_ROOT, env: Record<string, string> = {}): number[] {
  const durations: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    durations.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr.slice(-500)}`);
  }
  return durations;
}

interface Case {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Added to the environment. */
  readonly env?: Record<string, string>;
}

/**
 * Runs the cases in turn, `runs` rounds, so that each case and the yardstick (the first case) meet the same load; a
 * case's ratio is its median over the yardstick's.
 */
function measureInterleaved(cases: readonly Case[], runs: number): Measurement[] {
  const durations = cases.map(() => [] as number[]);
  for (let round = 0; round < runs; round++) cases.forEach((c, i) => durations[i].push(...time(c.command, c.args, 1, PROJECT_ROOT, c.env)));
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
    // The lock file and every manifest it installs: the project's and its workspace's (the policy pack).
    for (const file of ["package.json", "package-lock.json", path.join("policy", "package.json")]) {
      fs.mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
      fs.copyFileSync(path.join(PROJECT_ROOT, file), path.join(scratch, file));
    }
    const durations = time("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts"], runs, scratch);
    const du = spawnSync("du", ["-sm", path.join(scratch, "node_modules")], { encoding: "utf8" });
    return { name: "npm ci", command: "npm ci --ignore-scripts (scratch copy)", runs: durations.map(Math.round), medianMs: Math.round(median(durations)), note: `${du.stdout.split("\t")[0]} MB installed` };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The generated split: rows, files (as the export shards a split of this size) and rows per row group. */
const DATA_ROWS = 208_000;
const DATA_FILES = 3;
const DATA_ROW_GROUP = 1_000;

/** Writes the generated split's Parquet files to `dir`; returns their paths and size. */
async function generateSplit(dir: string): Promise<{ files: string[]; bytes: number }> {
  const files: string[] = [];
  const per = Math.ceil(DATA_ROWS / DATA_FILES);
  for (let n = 0; n < DATA_FILES; n++) {
    const file = path.join(dir, `${String(n).padStart(4, "0")}.parquet`);
    await writeChatParquet(file, n * per, Math.min(per, DATA_ROWS - n * per), DATA_ROW_GROUP, ultrachatSizedRow);
    files.push(file);
  }
  return { files, bytes: files.reduce((sum, f) => sum + fs.statSync(f).size, 0) };
}

/** Runs a command to its end without blocking this process's event loop (which serves the stand-in); its time in ms. */
function timeAsync(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-2000)));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(Number(process.hrtime.bigint() - started) / 1e6);
      else reject(new Error(`${command} ${args.join(" ")} failed (${code}): ${stderr.slice(-500)}`));
    });
  });
}

/**
 * prepare-data at 1%, 10% and 100% of a generated 208,000-row split, served by the Hub stand-in on 127.0.0.1 and read
 * through HF_ENDPOINT as a person's run reads the Hub: each run's time (start-up included) and peak memory.
 */
async function dataCases(runs: number, yardstickMs: number): Promise<Measurement[]> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "phi3-bench-data-"));
  try {
    const started = process.hrtime.bigint();
    const split = await generateSplit(scratch);
    const generatedMs = Number(process.hrtime.bigint() - started) / 1e6;
    process.stderr.write(`generated ${DATA_ROWS} rows in ${DATA_FILES} Parquet files (${Math.round(split.bytes / 1e6)} MB) in ${Math.round(generatedMs / 1000)} s\n`);
    const sha = "0".repeat(40);
    const server = await hubStandIn([{ id: "HuggingFaceH4/ultrachat_200k", sha, splits: [{ split: "train_sft", files: split.files }] }]);
    try {
      const rows: Measurement[] = [];
      const [prepareDataCommand, ...prepareDataArgs] = npmScriptCommand("prepare-data");
      for (const percent of [1, 10, 100]) {
        const durations: number[] = [];
        let peak = 0;
        for (let i = 0; i < runs; i++) {
          const out = fs.mkdtempSync(path.join(scratch, "out-"));
          const peakFile = path.join(scratch, "peak");
          const args = ["--require", path.join(PROJECT_ROOT, "scripts", "tooling", "peakMemory.cjs"), ...prepareDataArgs, "--percent", String(percent), "--out", out, "--deadline", "3600"];
          durations.push(await timeAsync(prepareDataCommand, args, { ...process.env, HF_ENDPOINT: server.url, HF_TOKEN: "", PHI3_PEAK_MEMORY_FILE: peakFile }));
          peak = Math.max(peak, Number(fs.readFileSync(peakFile, "utf8")));
          fs.rmSync(out, { recursive: true, force: true });
        }
        const taken = Math.round((percent * DATA_ROWS) / 100);
        const medianMs = median(durations);
        rows.push({
          name: `npm run prepare-data -- --percent ${percent} (${taken} of ${DATA_ROWS} generated rows, local Hub stand-in)`,
          command: `HF_ENDPOINT=<stand-in> npm run prepare-data -- --percent ${percent}`,
          runs: durations.map(Math.round),
          medianMs: Math.round(medianMs),
          vsYardstick: Number((medianMs / yardstickMs).toFixed(2)),
          peakMemoryMB: Math.round(peak / 2 ** 20),
          note: `${((medianMs / taken) * 1000).toFixed(1)} ms per 1,000 rows, peak ${Math.round(peak / 2 ** 20)} MB`,
        });
      }
      return rows;
    } finally {
      await server.close();
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The committed figures, which the README quotes: written only with --write. */
const LATEST = path.join(PROJECT_ROOT, "bench", "latest.json");

export const BENCH_USAGE =
  "usage: npm run bench -- [--runs 5] [--suite] [--busy] [--install] [--data] [--write | --out FILE]\n\n" +
  "Times the plan and the program's start-up beside the bare SDK load (the yardstick), as medians of --runs runs\n" +
  "taken in turns, and prints a table.\n\n" +
  "  --runs N      runs of each case (default 5; 3 at most for --suite, --install and --data)\n" +
  "  --suite       adds npm test, each run beside a run of the yardstick\n" +
  "  --busy        keeps one core busy (a process that only spins) while measuring: the suite's speed target is\n" +
  "                stated for a machine with one core busy\n" +
  "  --install     adds npm ci of the lock file in a scratch folder\n" +
  "  --data        adds npm run prepare-data at 1%, 10% and 100% of a generated 208,000-row split, from a local\n" +
  "                stand-in of the Hub, with each run's peak memory\n" +
  "  --write       writes the figures as JSON to bench/latest.json, the committed ones the README quotes\n" +
  "  --out FILE    writes them to FILE instead\n" +
  "  -h, --help    this text\n\n" +
  exitCodesHelp({ failed: "a timed command failed" });

export interface BenchOptions {
  readonly runs: number;
  readonly suite: boolean;
  /** Measure with one core kept busy. */
  readonly busy: boolean;
  readonly install: boolean;
  readonly data: boolean;
  /** Where the JSON goes; undefined prints the table only. */
  readonly out?: string;
}

/** The bench's options from its command line, or `help`; throws a usage error naming what is wrong. */
export function benchArgs(argv: readonly string[]): { help: true } | ({ help: false } & BenchOptions) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      runs: { type: "string", default: "5" },
      suite: { type: "boolean", default: false },
      busy: { type: "boolean", default: false },
      install: { type: "boolean", default: false },
      data: { type: "boolean", default: false },
      write: { type: "boolean", default: false },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) return { help: true };
  const runs = /^\d+$/.test(values.runs) ? Number(values.runs) : NaN;
  if (!(runs >= 1)) throw new UsageError(`--runs ${JSON.stringify(values.runs)}: a whole number of at least 1`);
  if (values.write && values.out !== undefined) throw new UsageError("--write and --out both say where to write: give one");
  if (values.out?.trim() === "") throw new UsageError("--out is empty");
  const out = values.write ? LATEST : values.out;
  return { help: false, runs, suite: values.suite, busy: values.busy, install: values.install, data: values.data, out };
}

async function main(): Promise<void> {
  const values = benchArgs(process.argv.slice(2));
  if (values.help) {
    process.stdout.write(BENCH_USAGE);
    return;
  }
  const runs = values.runs;
  const node = process.execPath;
  const loadSdk = `require("@pulumi/pulumi");${AZURE_MODULES.map((m) => `require("@pulumi/azure-native/${m}");`).join("")}`;
  const [planCommand, ...planArgs] = npmScriptCommand("plan");
  const config = JSON.stringify(loadStackSettings("dev", ["quotaCheck=false"]).config);
  const cases: Case[] = [
    { name: "bare SDK load (yardstick)", command: node, args: ["-e", loadSdk] },
    { name: "npm run plan -- --json", command: planCommand, args: [...planArgs, "--json"] },
    // In the environment Pulumi's language host makes from Pulumi.yaml.
    { name: "program start-up under Pulumi's loader (cmd/run, mock monitor)", command: node, args: [path.join(PROJECT_ROOT, "tests", "support", "pulumiLoaderRun.js"), config], env: languageHostEnvironment() },
  ];
  const spinner = values.busy ? spawn(node, ["-e", "for (;;) {}"], { stdio: "ignore" }) : undefined;
  const stopSpinner = () => spinner?.kill("SIGKILL");
  process.once("exit", stopSpinner);
  const rows = measureInterleaved(cases, runs);
  try {
    if (values.suite) {
      // Its own yardstick, taken in turns with it: a run of the suite is minutes, in which the machine's load drifts.
      const [yardstick, suite] = measureInterleaved([cases[0], { name: "npm test", command: "npm", args: ["test", "--silent"] }], Math.min(runs, 3));
      rows.push({ ...suite, note: `beside a yardstick of ${yardstick.medianMs} ms` });
    }
    if (values.install) rows.push(install(Math.min(runs, 3)));
    if (values.data) rows.push(...(await dataCases(Math.min(runs, 3), rows[0].medianMs)));
  } finally {
    stopSpinner();
  }

  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", memoryGB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))) };
  const report = { date: new Date().toISOString(), machine, oneCoreBusy: values.busy, runsEach: runs, results: rows };

  const width = Math.max(...rows.map((r) => r.name.length));
  process.stdout.write(`${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGB} GB, Node ${machine.node}, load ${machine.loadAverage.join(" ")}${values.busy ? ", one core kept busy" : ""}\n`);
  process.stdout.write(`${"what".padEnd(width)}  median ms  vs yardstick  runs\n`);
  for (const r of rows) {
    process.stdout.write(`${r.name.padEnd(width)}  ${String(r.medianMs).padStart(9)}  ${(r.vsYardstick ? `${r.vsYardstick}x` : "").padStart(12)}  ${r.runs.join(", ")}${r.note ? `  (${r.note})` : ""}\n`);
  }
  if (values.out !== undefined) {
    fs.mkdirSync(path.dirname(values.out), { recursive: true });
    fs.writeFileSync(values.out, JSON.stringify(report, null, 2) + "\n");
    process.stdout.write(`written to ${path.relative(PROJECT_ROOT, values.out)}\n`);
  } else {
    process.stdout.write("not written: --write saves these figures to bench/latest.json, --out FILE elsewhere\n");
  }
}

if (require.main === module) runCommand("bench", main);
