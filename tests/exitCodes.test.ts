/**
 * One exit-code convention for every command (0 done, 1 failed, 2 bad command line or setting, 130 interrupted): each
 * `--help` states it, and each command's argument errors map to 2, checked in process on the commands' own parsers.
 * The process-level exits are in each command's own test file (plan, prepare-data, preflight, chat).
 */
import { parseStackConfig } from "../infra/config";
import { BENCH_USAGE, benchArgs } from "../scripts/bench";
import { CHAT_HELP } from "../scripts/chat/index";
import { EXIT, exitCodeFor, UsageError } from "../scripts/shared/exitCodes";
import { loadSettingsReportingAll } from "../scripts/shared/stackSettings";
import { parsePrepareDataArgs, PREPARE_DATA_USAGE } from "../scripts/data/prepareDataArgs";
import { PLAN_USAGE, planArgs } from "../scripts/plan/index";
import { PREFLIGHT_USAGE } from "../scripts/preflight";
import { PRICES_USAGE, pricesRequest } from "../scripts/prices";
import { SMOKE_HELP } from "../scripts/smoke";
import { devRaw } from "./support/stackConfig";

/** The error `run` throws. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  throw new Error("nothing thrown");
}

describe("exit codes", () => {
  it("are the same four in every command's --help", () => {
    const helps = { plan: PLAN_USAGE, preflight: PREFLIGHT_USAGE, "prepare-data": PREPARE_DATA_USAGE, chat: CHAT_HELP, smoke: SMOKE_HELP, prices: PRICES_USAGE, bench: BENCH_USAGE };
    for (const [command, help] of Object.entries(helps)) {
      expect([command, help]).toEqual([command, expect.stringMatching(new RegExp(`^usage: npm run ${command} -- `))]);
      expect([command, help]).toEqual([
        command,
        expect.stringMatching(/\nExit codes:\n {2}0 {4}done\n {2}1 {4}failed(: [^\n]+)?\n {2}2 {4}bad command line or setting, nothing done(: [^\n]+)?\n {2}130 {2}interrupted \(Ctrl-C\)\n$/),
      ]);
    }
    expect(EXIT).toEqual({ ok: 0, failed: 1, usage: 2, interrupted: 130 });
  });

  it.each<[string, () => unknown]>([
    ["plan --bogus", () => planArgs(["--bogus"])],
    ["plan --config namePrefix=AB (a stack setting)", () => parseStackConfig(devRaw({ namePrefix: "AB" }))],
    ["plan --config phi3-fondry:servingEnabled=false", () => loadSettingsReportingAll("dev", ["phi3-fondry:servingEnabled=false"])],
    ["plan --stack ../etc", () => loadSettingsReportingAll("../etc", [])],
    ["prepare-data --source ../../etc/passwd", () => parsePrepareDataArgs(["--source", "../../etc/passwd"], {})],
    ["prepare-data --split x --source f.parquet", () => parsePrepareDataArgs(["--split", "x", "--source", "f.parquet"], {})],
    ["prepare-data --source missing.jsonl", () => parsePrepareDataArgs(["--source", "missing.jsonl"], {})],
    ["prices --size nc6", () => pricesRequest(["--size", "nc6"], {})],
    ["prices --region eastus3", () => pricesRequest(["--region", "eastus3"], {})],
    ["prices --region 'East US'", () => pricesRequest(["--region", "East US"], {})],
    ["prices --base-url ftp://x", () => pricesRequest(["--base-url", "ftp://x"], {})],
    ["bench --runs 0", () => benchArgs(["--runs", "0"])],
    ["bench --write --out x.json", () => benchArgs(["--write", "--out", "x.json"])],
    ["bench --bogus", () => benchArgs(["--bogus"])],
  ])("%s: exit code 2", (_, run) => {
    expect(exitCodeFor(thrown(run))).toBe(2);
  });

  it("1 for anything that was tried and failed", () => {
    expect(exitCodeFor(new Error("HTTP 500"))).toBe(1);
    expect(exitCodeFor("a string")).toBe(1);
    expect(exitCodeFor(new UsageError("x"))).toBe(2);
  });

  it("names the problem of prepare-data's source before anything is read", () => {
    expect(() => parsePrepareDataArgs(["--source", "../../etc/passwd"], {})).toThrow(
      "--source ../../etc/passwd: expected a .jsonl or .parquet file or a Hugging Face dataset id (owner/name) (see --help)",
    );
    expect(() => parsePrepareDataArgs(["--split", "x", "--source", "f.parquet"], {})).toThrow("--split x: a local file has no splits");
  });

  it("prices checks the region and sizes before asking the API, and prices the stack's own sizes by default", () => {
    expect(() => pricesRequest(["--region", "eastus3"], {})).toThrow('--region "eastus3": not a region of the Azure public cloud; did you mean eastus, eastus2 or westus3?');
    expect(() => pricesRequest(["--size", "nc6"], {})).toThrow('--size "nc6": a GPU VM size the stack knows: Standard_NC24ads_A100_v4, ');
    expect(pricesRequest(["--region", "swedencentral", "--size", "standard_nc4as_t4_v3"], {})).toMatchObject({ region: "swedencentral", vmSizes: ["Standard_NC4as_T4_v3"] });
    expect(pricesRequest([], {})).toMatchObject({ region: "eastus2", vmSizes: ["Standard_NC24ads_A100_v4"] });
  });

  it("bench writes its figures only when asked", () => {
    expect(benchArgs([])).toMatchObject({ help: false, out: undefined, busy: false });
    expect(benchArgs(["--suite", "--busy"])).toMatchObject({ suite: true, busy: true });
    expect(benchArgs(["--write"])).toMatchObject({ out: expect.stringMatching(/bench\/latest\.json$/) });
    expect(benchArgs(["--out", "/tmp/b.json"])).toMatchObject({ out: "/tmp/b.json" });
    expect(BENCH_USAGE).toMatch(/--data /);
  });
});
