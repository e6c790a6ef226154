import * as fs from "node:fs";
import * as path from "node:path";
import { capProblems, DataError, DataProblem, LISTED_PROBLEMS, ProblemList } from "./chatData";
import { ChatDataFile, CheckedFile, CheckedText, checkChatFile, LocatedRecord } from "./chatDataFile";

/**
 * Fewest records a training or validation file may hold, unless relaxed. OpenAI's and Azure OpenAI's fine-tuning refuse
 * a training file of fewer than 10 examples; a validation loss averaged over fewer is noise. The repository's sample
 * (40 training and 10 validation records) passes.
 */
export const DEFAULT_MIN_RECORDS_PER_FILE = 10;

/**
 * Characters per token for the length estimate: about 4 for English text, the usual rule of thumb for BPE tokenizers
 * such as Phi's. An estimate, not a count: code, numbers and other languages take more tokens per character.
 */
export const CHARS_PER_TOKEN = 4;

/** What a training set must satisfy beyond each record's format. */
export interface TrainingSetRules {
  readonly minRecordsPerFile: number;
  /** The setting that relaxes the minimum, named in the message: `minRecordsPerFile` or `--min-records`. */
  readonly minRecordsSetting: string;
  /** The base model's context window; without one (a model outside the catalogue) records are not measured. */
  readonly context?: { readonly model: string; readonly tokens: number };
}

/** The estimated tokens of a conversation of `characters` characters: over {@link CHARS_PER_TOKEN}, rounded up. */
export function estimatedTokens(characters: number): number {
  return Math.ceil(characters / CHARS_PER_TOKEN);
}

/** Why a conversation of `characters` characters (its turns' content) is too long for the model, or undefined. */
export function lengthProblem(characters: number, context: TrainingSetRules["context"]): string | undefined {
  if (!context) return undefined;
  const tokens = estimatedTokens(characters);
  if (tokens <= context.tokens) return undefined;
  return (
    `about ${tokens.toLocaleString("en-US")} tokens (${characters.toLocaleString("en-US")} characters at ~${CHARS_PER_TOKEN} a token), ` +
    `more than ${context.model}'s context window of ${context.tokens.toLocaleString("en-US")} tokens: it cannot be trained on whole`
  );
}

function where(file: string, record: LocatedRecord): string {
  return record.line !== undefined ? `${file}:${record.line}` : record.row !== undefined ? `${file}, row ${record.row}` : file;
}

function listed(numbers: readonly number[]): string {
  return numbers.slice(0, 10).join(", ") + (numbers.length > 10 ? `, ... (${numbers.length} in all)` : "");
}

/** One file's role in the set: its checked content and the setting that names it. */
export interface SetFile {
  readonly checked: CheckedText;
  readonly key?: string;
}

/** Problems that stop training, and warnings worth reading first. */
export interface SetFindings {
  readonly problems: DataProblem[];
  readonly warnings: string[];
}

/** The rules of one file on its own: enough records, none too long; repeated records are a warning. */
function fileFindings({ checked, key }: SetFile, rules: TrainingSetRules): SetFindings {
  const problems: DataProblem[] = [];
  const warnings: string[] = [];
  const { file, records } = checked;
  const hasRecordProblems = checked.problems.length > 0;
  if (!hasRecordProblems && records.length < rules.minRecordsPerFile) {
    problems.push({
      file,
      key,
      reason:
        `holds ${records.length} record${records.length === 1 ? "" : "s"}, fewer than ${rules.minRecordsPerFile} (${rules.minRecordsSetting}): ` +
        `too few to fine-tune on or to measure with; lower ${rules.minRecordsSetting} only for a trial run`,
    });
  }
  const tooLong = new ProblemList();
  for (const record of records) {
    const reason = lengthProblem(record.characters, rules.context);
    if (reason) tooLong.add({ file, line: record.line, row: record.row, key, reason });
  }
  problems.push(...tooLong.capped());

  const seen = new Set<string>();
  const repeats: LocatedRecord[] = [];
  for (const record of records) {
    if (seen.has(record.key)) repeats.push(record);
    else seen.add(record.key);
  }
  if (repeats.length > 0) {
    const at = repeats.map((r) => r.line ?? r.row ?? 0);
    warnings.push(
      `${key ? `${key}: ` : ""}${file}: ${repeats.length} record${repeats.length === 1 ? " repeats" : "s repeat"} an earlier one ` +
        `(${repeats[0].line !== undefined ? "lines" : "rows"} ${listed(at)}); a repeated example weighs more in training`,
    );
  }
  if (checked.bom) {
    warnings.push(
      `${key ? `${key}: ` : ""}${file} starts with a UTF-8 byte order mark: read without it here, but uploaded as it is, ` +
        "and some JSON Lines readers (pandas' read_json) refuse it; save the file as UTF-8 without BOM",
    );
  }
  return { problems, warnings };
}

/** A validation record that is also a training record makes the validation loss measure memory, not learning. */
function sharedFindings(train: SetFile, validation: SetFile): DataProblem[] {
  const inTraining = new Map<string, LocatedRecord>();
  for (const record of train.checked.records) if (!inTraining.has(record.key)) inTraining.set(record.key, record);
  const shared = new ProblemList();
  for (const record of validation.checked.records) {
    const twin = inTraining.get(record.key);
    if (!twin) continue;
    const reason = `the same conversation as ${where(train.checked.file, twin)}: a validation record must not be a training record`;
    shared.add({ file: validation.checked.file, line: record.line, row: record.row, key: validation.key, reason });
  }
  return shared.capped();
}

/**
 * Checks a training and a validation file as a training set: each record's format (already in `checked.problems`),
 * enough records in each, no record longer than the model's context window, none in both files; records repeated
 * within a file and a byte order mark are warnings. Pure, so the stack and `prepare-data` check the same way.
 */
export function checkTrainingSet(train: SetFile, validation: SetFile, rules: TrainingSetRules): SetFindings {
  const withKey = (file: SetFile) => file.checked.problems.map((p) => ({ ...p, key: p.key ?? file.key }));
  const ownTrain = fileFindings(train, rules);
  const ownValidation = fileFindings(validation, rules);
  return {
    problems: [
      ...capProblems(withKey(train), LISTED_PROBLEMS, train.checked.unlisted),
      ...ownTrain.problems,
      ...capProblems(withKey(validation), LISTED_PROBLEMS, validation.checked.unlisted),
      ...ownValidation.problems,
      ...sharedFindings(train, validation),
    ],
    warnings: [...ownTrain.warnings, ...ownValidation.warnings],
  };
}

/** Whether two paths name one file (through links too). */
function sameFile(a: string, b: string): boolean {
  const real = (file: string) => {
    try {
      return fs.realpathSync(file);
    } catch {
      return path.resolve(file);
    }
  };
  return real(a) === real(b);
}

/** A file of the set as the stack names it. */
export interface SetFileRef {
  readonly path: string;
  /** How messages name it, e.g. the path relative to the project. */
  readonly name: string;
  /** The setting that names it, e.g. `trainDataPath`. */
  readonly key?: string;
}

/** The validated files and what to warn about. */
export interface ValidatedSet {
  readonly train: ChatDataFile;
  readonly validation: ChatDataFile;
  readonly warnings: string[];
}

/** Reads and checks the training and validation files; throws one {@link DataError} with every problem of both. */
export function validateTrainingSet(train: SetFileRef, validation: SetFileRef, rules: TrainingSetRules): ValidatedSet {
  // One file named twice would otherwise be reported record by record as shared by both.
  if (sameFile(train.path, validation.path)) {
    throw new DataError([
      {
        file: validation.name,
        key: validation.key,
        reason:
          `is the same file as ${train.key ?? "the training file"} (${train.name}): validation needs records the model is not ` +
          "trained on; name a separate file (npm run prepare-data writes both)",
      },
    ]);
  }
  const check = (ref: SetFileRef): CheckedFile => checkChatFile(ref.path, ref.name, ref.key);
  const [trainFile, validationFile] = [check(train), check(validation)];
  const findings = checkTrainingSet({ checked: trainFile, key: train.key }, { checked: validationFile, key: validation.key }, rules);
  if (findings.problems.length > 0) throw new DataError(findings.problems);
  return { train: trainFile.dataFile, validation: validationFile.dataFile, warnings: findings.warnings };
}
