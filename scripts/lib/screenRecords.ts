import { capProblems, DataError, DataProblem, messagesOf, parseRecordLine } from "../../infra/chatData";
import { conversationKey, lengthProblem, TrainingSetRules } from "../../infra/trainingSet";
import type { SourceRecord } from "./datasetSources";

/** The records of a source sorted out: those to keep, and those left out and why. */
export interface Screened {
  readonly kept: SourceRecord[];
  readonly tooLong: SourceRecord[];
  readonly repeated: SourceRecord[];
}

/**
 * Checks every record of the source, naming the source's own line or row; throws a {@link DataError} when any is not a
 * chat example. Records too long for the model and repeats of an earlier record are left out, not refused: a public
 * dataset cannot be fixed, and a repeat split into both files would leak validation into training.
 */
export function screen(name: string, records: readonly SourceRecord[], sliceProblems: readonly DataProblem[], rules: TrainingSetRules): Screened {
  const problems: DataProblem[] = [...sliceProblems];
  const screened: Screened = { kept: [], tooLong: [], repeated: [] };
  const seen = new Set<string>();
  for (const record of records) {
    const parsed = parseRecordLine(record.text);
    if (parsed.problem !== undefined) {
      problems.push({ file: name, line: record.line, row: record.row, reason: parsed.problem });
      continue;
    }
    const messages = messagesOf(parsed.record);
    const id = conversationKey(messages);
    if (lengthProblem(messages, rules.context)) screened.tooLong.push(record);
    else if (seen.has(id)) screened.repeated.push(record);
    else {
      seen.add(id);
      screened.kept.push(record);
    }
  }
  problems.sort((a, b) => (a.line ?? a.row ?? 0) - (b.line ?? b.row ?? 0));
  if (problems.length > 0) throw new DataError(capProblems(problems, 20));
  return screened;
}

/** "lines 5, 17, 90" or "rows 4, 16" of the first few records. */
export function locations(records: readonly SourceRecord[]): string {
  const numbers = records.slice(0, 10).map((r) => r.line ?? r.row);
  const more = records.length > 10 ? `, ... (${records.length} in all)` : "";
  return `${records[0].line !== undefined ? "lines" : "rows"} ${numbers.join(", ")}${more}`;
}
