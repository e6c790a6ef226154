import { capProblems, DataError, DataProblem, LISTED_PROBLEMS, summaryOf } from "../../domain/data/chatData";
import { parseRecordLine } from "../../domain/data/chatDataFile";
import { lengthProblem, TrainingSetRules } from "../../domain/data/trainingSet";
import type { SourceRecord } from "./sources/recordSource";

/** Where a record is in its source: a line of a JSONL file or a row of a dataset. */
export interface Place {
  readonly line?: number;
  readonly row?: number;
}

/**
 * Checks the records of a source one at a time, naming the source's own line or row, and sorts them out: kept, or left
 * out as too long for the model or as a repeat of an earlier record. Records too long and repeats are left out, not
 * refused: a public dataset cannot be fixed, and a repeat split into both files would leak validation into training.
 * Only where records are is remembered, and a hash of each conversation: never the records themselves.
 */
export class Screener {
  readonly tooLong: Place[] = [];
  readonly repeated: Place[] = [];
  /** Records seen, and records kept. */
  taken = 0;
  kept = 0;
  private readonly problems: DataProblem[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly name: string,
    private readonly rules: TrainingSetRules,
  ) {}

  /** True when the record is to be kept. A record that is not a chat example is remembered as a problem, and not kept. */
  add(record: SourceRecord): boolean {
    this.taken++;
    const place = { line: record.line, row: record.row };
    const parsed = parseRecordLine(record.text);
    if (parsed.problem !== undefined) {
      this.problems.push({ file: this.name, ...place, reason: parsed.problem });
      return false;
    }
    const { key, characters } = summaryOf(parsed.record);
    if (lengthProblem(characters, this.rules.context)) this.tooLong.push(place);
    else if (this.seen.has(key)) this.repeated.push(place);
    else {
      this.seen.add(key);
      this.kept++;
      return true;
    }
    return false;
  }

  /** Throws a {@link DataError} naming the records that are not chat examples and `sliceProblems`, if there are any. */
  finish(sliceProblems: readonly DataProblem[]): void {
    const problems = [...sliceProblems, ...this.problems].sort((a, b) => (a.line ?? a.row ?? 0) - (b.line ?? b.row ?? 0));
    if (problems.length > 0) throw new DataError(capProblems(problems, LISTED_PROBLEMS));
  }
}

/** "lines 5, 17, 90" or "rows 4, 16" of the first few records. */
export function locations(places: readonly Place[]): string {
  const numbers = places.slice(0, 10).map((r) => r.line ?? r.row);
  const more = places.length > 10 ? `, ... (${places.length} in all)` : "";
  return `${places[0].line !== undefined ? "lines" : "rows"} ${numbers.join(", ")}${more}`;
}
