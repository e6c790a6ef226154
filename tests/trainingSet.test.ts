import * as fs from "node:fs";
import * as path from "node:path";
import { conversationCharacters, DataError } from "../domain/data/chatData";
import { MODEL_CATALOGUE } from "../domain/catalogue/models";
import { PROJECT_ROOT } from "../domain/paths";
import { CHARS_PER_TOKEN, DEFAULT_MIN_RECORDS_PER_FILE, estimatedTokens, TrainingSetRules, validateTrainingSet } from "../domain/data/trainingSet";
import { chatRecord, tempDir } from "./support/chatRecords";

const PHI3: TrainingSetRules = {
  minRecordsPerFile: DEFAULT_MIN_RECORDS_PER_FILE,
  minRecordsSetting: "minRecordsPerFile",
  context: { model: "Phi-3-mini-4k-instruct", tokens: 4096 },
};

/** A file of the numbered records `from` to `to - 1`, named `name` in `dir`. */
function records(dir: string, name: string, from: number, to: number, extra: unknown[] = []): string {
  const file = path.join(dir, name);
  const lines = [...Array.from({ length: to - from }, (_, i) => chatRecord(from + i)), ...extra].map((r) => JSON.stringify(r));
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

const ref = (file: string, key: string) => ({ path: file, name: path.basename(file), key });

/** The problems validateTrainingSet throws, one line each, or [] when it passes. */
function problems(train: string, validation: string, rules = PHI3): string[] {
  try {
    validateTrainingSet(ref(train, "trainDataPath"), ref(validation, "validationDataPath"), rules);
    return [];
  } catch (err) {
    if (!(err instanceof DataError)) throw err;
    return err.message.split("\n").slice(1).map((line) => line.replace(/^ {2}- /, ""));
  }
}

describe("the model catalogue's context windows", () => {
  it("give each catalogue model its model card's window", () => {
    expect(Object.fromEntries(MODEL_CATALOGUE.map((m) => [m.name, m.contextTokens]))).toEqual({ "Phi-3-mini-4k-instruct": 4096, "Phi-4": 16384 });
    for (const model of MODEL_CATALOGUE) expect(model.reference).toMatch(/context: the model card/);
  });
});

describe("validateTrainingSet", () => {
  it("passes the repository's data files under every catalogue model, without warnings", () => {
    const data = (name: string) => path.join(PROJECT_ROOT, "data", name);
    for (const model of MODEL_CATALOGUE) {
      const result = validateTrainingSet(ref(data("train_data.jsonl"), "trainDataPath"), ref(data("test_data.jsonl"), "validationDataPath"), {
        ...PHI3,
        context: { model: model.name, tokens: model.contextTokens },
      });
      expect([result.train.records, result.validation.records]).toEqual([40, 10]);
      expect(result.warnings).toEqual([]);
    }
  });

  it("says at once that one file named as both is one file, through a link too, instead of listing each record as shared", () => {
    const dir = tempDir();
    const train = records(dir, "train.jsonl", 0, 40);
    fs.symlinkSync(train, path.join(dir, "link.jsonl"));
    const expected = (name: string) => [
      `validationDataPath: ${name}: is the same file as trainDataPath (train.jsonl): validation needs records the model is not trained on; name a separate file (npm run prepare-data writes both)`,
    ];
    expect(problems(train, train)).toEqual(expected("train.jsonl"));
    expect(problems(train, path.join(dir, "link.jsonl"))).toEqual(expected("link.jsonl"));
  });

  it("wants at least 10 records in each file, unless relaxed", () => {
    const dir = tempDir();
    const [train, validation] = [records(dir, "train.jsonl", 0, 1), records(dir, "validation.jsonl", 100, 110)];
    expect(problems(train, validation)).toEqual([
      "trainDataPath: train.jsonl: holds 1 record, fewer than 10 (minRecordsPerFile): too few to fine-tune on or to measure with; lower minRecordsPerFile only for a trial run",
    ]);
    expect(problems(train, validation, { ...PHI3, minRecordsPerFile: 1 })).toEqual([]);
  });

  it("takes exactly the minimum and refuses one fewer, in either file", () => {
    const dir = tempDir();
    const [nine, ten] = [records(dir, "nine.jsonl", 0, 9), records(dir, "ten.jsonl", 100, 110)];
    const [twenty] = [records(dir, "twenty.jsonl", 200, 220)];
    expect(problems(twenty, ten)).toEqual([]);
    expect(problems(nine, ten)).toEqual([expect.stringMatching(/^trainDataPath: nine\.jsonl: holds 9 records, fewer than 10 \(minRecordsPerFile\)/)]);
    expect(problems(twenty, nine)).toEqual([expect.stringMatching(/^validationDataPath: nine\.jsonl: holds 9 records, fewer than 10 \(minRecordsPerFile\)/)]);
  });

  it("refuses a validation record that is also a training record, naming both lines, even under another id", () => {
    const dir = tempDir();
    const train = records(dir, "train.jsonl", 0, 20);
    const validation = records(dir, "validation.jsonl", 100, 110, [{ ...chatRecord(7), prompt_id: "renamed" }]);
    expect(problems(train, validation)).toEqual([
      "validationDataPath: validation.jsonl:11: the same conversation as train.jsonl:8: a validation record must not be a training record",
    ]);
  });

  it("refuses two files of the same records, listing the first 20 shared records and how many more", () => {
    const dir = tempDir();
    const train = records(dir, "train.jsonl", 0, 50);
    const copy = path.join(dir, "copy.jsonl");
    fs.copyFileSync(train, copy);
    const found = problems(train, copy);
    expect(found).toHaveLength(21);
    expect(found[0]).toBe("validationDataPath: copy.jsonl:1: the same conversation as train.jsonl:1: a validation record must not be a training record");
    expect(found[20]).toBe("validationDataPath: copy.jsonl: and 30 more problems like these");
  });

  it("warns of records repeated within a file, naming their lines, and passes", () => {
    const dir = tempDir();
    const train = records(dir, "train.jsonl", 0, 20, [chatRecord(3), chatRecord(3), chatRecord(4)]);
    const validation = records(dir, "validation.jsonl", 100, 110);
    const result = validateTrainingSet(ref(train, "trainDataPath"), ref(validation, "validationDataPath"), PHI3);
    expect(result.warnings).toEqual([
      "trainDataPath: train.jsonl: 3 records repeat an earlier one (lines 21, 22, 23); a repeated example weighs more in training",
    ]);
  });

  it("refuses a record longer than the base model's context window, estimated at ~4 characters a token", () => {
    const dir = tempDir();
    const huge = { messages: [{ role: "user", content: "q".repeat(400_000) }, { role: "assistant", content: "a" }] };
    const train = records(dir, "train.jsonl", 0, 20, [huge]);
    const validation = records(dir, "validation.jsonl", 100, 110);
    expect(problems(train, validation)).toEqual([
      "trainDataPath: train.jsonl:21: about 100,001 tokens (400,001 characters at ~4 a token), more than Phi-3-mini-4k-instruct's context window of 4,096 tokens: it cannot be trained on whole",
    ]);
    // A model outside the catalogue has no known window: nothing is measured.
    expect(problems(train, validation, { ...PHI3, context: undefined })).toEqual([]);
  });

  it("measures the window's edge: 4 characters a token, rounded up", () => {
    const message = (n: number) => [{ role: "user" as const, content: "x".repeat(n) }];
    expect(CHARS_PER_TOKEN).toBe(4);
    expect([estimatedTokens(conversationCharacters(message(16_384))), estimatedTokens(conversationCharacters(message(16_385)))]).toEqual([4096, 4097]);
    const dir = tempDir();
    const atEdge = { messages: [{ role: "user", content: "q".repeat(8192) }, { role: "assistant", content: "a".repeat(8192) }] };
    expect(problems(records(dir, "train.jsonl", 0, 20, [atEdge]), records(dir, "validation.jsonl", 100, 110))).toEqual([]);
  });

  it("warns of a byte order mark, which is uploaded as it is", () => {
    const dir = tempDir();
    const train = records(dir, "train.jsonl", 0, 20);
    fs.writeFileSync(train, "\ufeff" + fs.readFileSync(train, "utf8") + "\n\n");
    const result = validateTrainingSet(ref(train, "trainDataPath"), ref(records(dir, "validation.jsonl", 100, 110), "validationDataPath"), PHI3);
    expect(result.train.records).toBe(20);
    expect(result.warnings).toEqual([expect.stringMatching(/^trainDataPath: train\.jsonl starts with a UTF-8 byte order mark: .* save the file as UTF-8 without BOM$/)]);
  });

  it("names the setting of each file in every problem, a record's format and a missing file included", () => {
    const dir = tempDir();
    const train = records(dir, "train.jsonl", 0, 20, [{ messages: [{ role: "user", content: "q" }] }]);
    expect(problems(train, path.join(dir, "missing.jsonl"))).toEqual([
      "trainDataPath: train.jsonl:21: no assistant turn",
      "validationDataPath: missing.jsonl: no such file (`npm run prepare-data` writes data/train_data.jsonl and data/test_data.jsonl)",
    ]);
  });
});
