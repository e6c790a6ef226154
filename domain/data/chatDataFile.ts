import { constants as bufferConstants } from "node:buffer";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { capProblems, ConversationSummary, DataError, DataProblem, LISTED_PROBLEMS, ProblemList, recordProblem, summaryOf } from "./chatData";

/**
 * Chat data as JSON Lines text and files: cut into lines, each line read as a record and checked
 * (./chatData.ts), files read in chunks of any size, and the training files checked together.
 */
/** One line of a JSONL file that holds text. */
export interface JsonlLine {
  /** Counting from 1. */
  readonly line: number;
  /** The line without its line break (`\n` or `\r\n`). */
  readonly text: string;
}

/** JSONL text cut into lines as a person reads it. */
export interface JsonlLines {
  /** Lines that hold something. */
  readonly lines: JsonlLine[];
  /** Empty lines between records. */
  readonly blankLines: number[];
  /** The text began with a UTF-8 byte order mark, which is not part of the first line. */
  readonly bom: boolean;
}

/**
 * Cuts JSONL text into lines. A leading UTF-8 byte order mark (what Notepad and PowerShell write) is dropped, and empty
 * lines at the end are ignored: both are invisible in an editor. An empty line between records is reported instead,
 * since it usually marks a record deleted by hand or two files pasted together, and JSON Lines readers differ on it
 * (JSON Lines allows one record on every line and nothing else).
 */
export function splitJsonl(text: string): JsonlLines {
  const bom = text.charCodeAt(0) === 0xfeff;
  const raw = (bom ? text.slice(1) : text).split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
  let end = raw.length;
  while (end > 0 && raw[end - 1].trim() === "") end--;
  const lines: JsonlLine[] = [];
  const blankLines: number[] = [];
  for (let i = 0; i < end; i++) {
    if (raw[i].trim() === "") blankLines.push(i + 1);
    else lines.push({ line: i + 1, text: raw[i] });
  }
  return { lines, blankLines, bom };
}

/** An empty line between records; empty lines at the end are ignored. */
export const EMPTY_LINE_REASON = "empty line between records: JSON Lines has one record on every line (empty lines at the end are fine)";

/** Why a line is not JSON, in words a person can act on. */
function jsonProblem(text: string, error: unknown): string {
  if (text.charCodeAt(0) === 0xfeff) return "not valid JSON: the line starts with a byte order mark (were two files joined?)";
  return `not valid JSON (${error instanceof Error ? error.message : String(error)})`;
}

/** The parsed record of a JSONL line, or why it is not a chat example. */
export function parseRecordLine(text: string): { record: unknown; problem?: undefined } | { record?: undefined; problem: string } {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (err) {
    return { problem: jsonProblem(text, err) };
  }
  const problem = recordProblem(record);
  return problem ? { problem } : { record };
}

/** A record that is a chat example, where it is, and what the training-set rules need of it. */
export interface LocatedRecord extends ConversationSummary {
  readonly line?: number;
  readonly row?: number;
}

/** What reading one JSONL text found: the good records and the problems of the rest. */
export interface CheckedText {
  readonly file: string;
  readonly records: LocatedRecord[];
  /** In line order; for a file, only the first {@link LISTED_PROBLEMS}. */
  readonly problems: DataProblem[];
  /** Problems found beyond those in `problems`. */
  readonly unlisted: number;
  readonly bom: boolean;
}

/**
 * Checks a file's lines as they come, in order, keeping of each record only its place and summary. Empty lines are
 * held back until a record follows them: only then are they between records.
 */
class LineChecker {
  readonly records: LocatedRecord[] = [];
  private readonly found: ProblemList;
  private lines = 0;
  /** Empty lines since the last line that held something: the first one's number and how many. */
  private blankFrom = 0;
  private blanks = 0;

  constructor(
    private readonly file: string,
    keep: number,
  ) {
    this.found = new ProblemList(keep);
  }

  blank(line: number): void {
    if (this.blanks === 0) this.blankFrom = line;
    this.blanks++;
  }

  /** A line that holds something: `text`, or `problem` when the line could not even be read. */
  line(line: number, text: string | { problem: string }): void {
    for (let i = 0; i < this.blanks; i++) this.found.add({ file: this.file, line: this.blankFrom + i, reason: EMPTY_LINE_REASON });
    this.blanks = 0;
    this.lines++;
    const parsed = typeof text === "string" ? parseRecordLine(text) : text;
    if (parsed.problem !== undefined) this.found.add({ file: this.file, line, reason: parsed.problem });
    else this.records.push({ line, ...summaryOf(parsed.record) });
  }

  /** What was found; empty lines not followed by a record are dropped, as empty lines at the end are. */
  result(bom: boolean): CheckedText {
    const { file, records } = this;
    if (this.lines === 0) return { file, records, problems: [{ file, reason: "the file has no records" }], unlisted: 0, bom };
    return { file, records, problems: this.found.listed, unlisted: this.found.unlisted, bom };
  }
}

/** Checks every line of JSONL `text` (named `file`) as a chat example; every problem is listed. */
export function checkJsonl(file: string, text: string): CheckedText {
  const { lines, blankLines, bom } = splitJsonl(text);
  const checker = new LineChecker(file, Infinity);
  let b = 0;
  for (const { line, text: lineText } of lines) {
    while (b < blankLines.length && blankLines[b] < line) checker.blank(blankLines[b++]);
    checker.line(line, lineText);
  }
  return checker.result(bom);
}

/** Problems of JSONL `text` (named `file`); at most `limit` are listed, and how many more there are. */
export function jsonlProblems(file: string, text: string, limit = LISTED_PROBLEMS): DataProblem[] {
  return capProblems(checkJsonl(file, text).problems, limit);
}

/** A validated data file and what identifies its content. */
export interface ChatDataFile {
  readonly path: string;
  readonly records: number;
  /** SHA-256 of the bytes, hex. */
  readonly sha256: string;
}

/** Why a data file cannot be read, said for a person (no such file, a folder, no permission). */
export function unreadableReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT"
    ? "no such file (`npm run prepare-data` writes data/train_data.jsonl and data/test_data.jsonl)"
    : code === "EISDIR"
      ? "is a folder; name a .jsonl file"
      : code === "EACCES" || code === "EPERM"
        ? "cannot be read: permission denied"
        : `cannot be read (${code ?? (err as Error).message})`;
}

/** A file read and checked, with what identifies its content. */
export interface CheckedFile extends CheckedText {
  readonly dataFile: ChatDataFile;
}

/** How a data file is read; the defaults suit any file, and tests make them small. */
export interface ReadOptions {
  /** Bytes read at a time: 8 MiB by default. */
  readonly chunkBytes?: number;
  /**
   * Longest line that is decoded and parsed, in bytes; a longer one is a problem of its own. By default Node's longest
   * string, so only a line that could not be read at all is refused (no chat record a model can take is that long).
   */
  readonly maxLineBytes?: number;
}

export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Reads and checks one data file; a file that cannot be read is one problem. The file is read in chunks, hashed as it
 * is read, and cut into lines at its newline bytes, and each line is decoded on its own (a newline byte is never part
 * of a multi-byte UTF-8 character, so a character split between two chunks is whole in its line). Memory is one chunk,
 * the longest line, and a summary of each record, whatever the file's size: a 1 GB training file is checked as a
 * 40-record one is. Findings are those of {@link checkJsonl} on the whole text, with only the first
 * {@link LISTED_PROBLEMS} problems kept.
 */
export function checkChatFile(path: string, file: string, key?: string, options: ReadOptions = {}): CheckedFile {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const maxLineBytes = options.maxLineBytes ?? bufferConstants.MAX_STRING_LENGTH;
  if (!(Number.isSafeInteger(chunkBytes) && chunkBytes >= 1)) throw new Error(`chunkBytes ${chunkBytes}: a whole number of at least 1`);
  const checker = new LineChecker(file, LISTED_PROBLEMS);
  const hash = createHash("sha256");
  /** The first bytes of the file, to tell a byte order mark. */
  let head = Buffer.alloc(0);
  let bom = false;
  /** The current line's bytes from earlier chunks (copied, as the chunk is read into again), and how many. */
  let pieces: Buffer[] = [];
  let lineBytes = 0;
  let lineNumber = 0;

  /** Keeps the bytes a chunk ends with, the start of a line; once the line is too long to be read, only counts them. */
  const take = (bytes: Buffer) => {
    if (bytes.length === 0) return;
    lineBytes += bytes.length;
    if (lineBytes <= maxLineBytes) pieces.push(Buffer.from(bytes));
    else pieces = [];
  };
  /** Ends the current line with `last`, its bytes up to the newline (or the end of the file). */
  const endLine = (last: Buffer) => {
    lineNumber++;
    let length = lineBytes + last.length;
    let bytes = length > maxLineBytes ? undefined : pieces.length === 0 ? last : Buffer.concat([...pieces, last], length);
    pieces = [];
    lineBytes = 0;
    if (lineNumber === 1 && head.equals(UTF8_BOM)) {
      bom = true;
      bytes = bytes?.subarray(UTF8_BOM.length);
      length -= UTF8_BOM.length;
    }
    if (bytes === undefined) {
      const reason = `a line of ${length.toLocaleString("en-US")} bytes, more than the ${maxLineBytes.toLocaleString("en-US")} that can be read as one record`;
      checker.line(lineNumber, { problem: reason });
      return;
    }
    const text = bytes.toString("utf8", 0, bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length);
    if (text.trim() === "") checker.blank(lineNumber);
    else checker.line(lineNumber, text);
  };

  const unreadable = (err: unknown): CheckedFile => ({
    file,
    records: [],
    problems: [{ file, key, reason: unreadableReason(err) }],
    unlisted: 0,
    bom: false,
    dataFile: { path, records: 0, sha256: "" },
  });
  let fd: number;
  try {
    fd = fs.openSync(path, "r");
  } catch (err) {
    return unreadable(err);
  }
  try {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      let read: number;
      try {
        read = fs.readSync(fd, chunk, 0, chunkBytes, null);
      } catch (err) {
        return unreadable(err);
      }
      if (read === 0) break;
      const bytes = chunk.subarray(0, read);
      hash.update(bytes);
      if (head.length < UTF8_BOM.length) head = Buffer.concat([head, bytes.subarray(0, UTF8_BOM.length - head.length)]);
      let start = 0;
      for (let end = bytes.indexOf(NEWLINE); end !== -1; end = bytes.indexOf(NEWLINE, start)) {
        endLine(bytes.subarray(start, end));
        start = end + 1;
      }
      take(bytes.subarray(start));
    }
  } finally {
    fs.closeSync(fd);
  }
  // What follows the last newline is a line too, as `split("\n")` makes it: an empty one after a final newline.
  endLine(Buffer.alloc(0));
  const checked = checker.result(bom);
  return {
    ...checked,
    problems: key ? checked.problems.map((p) => ({ ...p, key })) : checked.problems,
    dataFile: { path, records: checked.records.length, sha256: hash.digest("hex") },
  };
}

/** Reads and validates data files record by record; throws one {@link DataError} with the problems of all of them. */
export function validateChatFiles(paths: readonly string[], displayName: (path: string) => string = (p) => p): ChatDataFile[] {
  const checked = paths.map((path) => checkChatFile(path, displayName(path)));
  const problems = checked.flatMap((c) => capProblems(c.problems, LISTED_PROBLEMS, c.unlisted));
  if (problems.length > 0) throw new DataError(problems);
  return checked.map((c) => c.dataFile);
}
