import * as fs from "node:fs";
import type { ColumnSource } from "hyparquet-writer";
import { seededRandom } from "../scripts/data/sources/datasetSlice";

/** One chat row in ultrachat_200k's shape. */
export interface ChatRow {
  readonly prompt: string;
  readonly prompt_id: string;
  readonly messages: { readonly content: string; readonly role: string }[];
}

/**
 * ultrachat_200k's schema as pyarrow writes it: two strings and `messages`, a list of {content, role} structs (three-level
 * list, nullable as `datasets` leaves it). Without it hyparquet-writer would store `messages` as a JSON string column.
 */
export const ULTRACHAT_SCHEMA = [
  { name: "root", num_children: 3 },
  { name: "prompt", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
  { name: "prompt_id", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
  { name: "messages", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { name: "element", repetition_type: "OPTIONAL", num_children: 2 },
  { name: "content", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
  { name: "role", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
] as const;

const WORDS = (
  "the a of to and in is it that for on with as was this be by are from at or an can which have more has not " +
  "model data training answer question explain example because however therefore python function value list " +
  "naïve café résumé 数据 模型 «quoted» \"double\" 'single' back\\slash tab\tnewline\n emoji🙂 ✓"
).split(" ");

/** `length` characters (about) of words, deterministic for `seed`. */
export function prose(seed: number, length: number): string {
  const next = seededRandom(seed);
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const word = WORDS[Math.floor(next() * WORDS.length)];
    parts.push(word);
    size += word.length + 1;
  }
  return parts.join(" ");
}

const LONG = { every: 7, turns: 14, chars: 900 };

/**
 * Row `i` of a generated chat split. Every `longEvery`-th row is a long conversation of `longTurns` turns of
 * `longChars` characters each; the others alternate between 2 and 8 turns of a few hundred characters.
 */
export function chatRow(i: number, long: { every: number; turns: number; chars: number } = LONG): ChatRow {
  const isLong = i % long.every === long.every - 1;
  const turns = isLong ? long.turns : 2 + 2 * (i % 4);
  const messages = Array.from({ length: turns }, (_, t) => ({
    content: `${t === 0 ? `question ${i}: ` : ""}${prose(i * 131 + t, isLong ? long.chars : 120 + ((i * 7 + t * 13) % 400))}`,
    role: t % 2 === 0 ? "user" : "assistant",
  }));
  return { prompt: messages[0].content, prompt_id: `id-${i}`, messages };
}

/**
 * Row `i` of a generated split sized like ultrachat_200k's train_sft (about 1.3 GB of JSON over its 207,865 rows, some
 * 6 KB a row): 2 to 12 turns of 300 to 1,100 characters.
 */
export function ultrachatSizedRow(i: number): ChatRow {
  const turns = 2 + 2 * (i % 6);
  const messages = Array.from({ length: turns }, (_, t) => ({
    content: `${t === 0 ? `question ${i}: ` : ""}${prose(i * 131 + t, 300 + ((i * 7 + t * 13) % 800))}`,
    role: t % 2 === 0 ? "user" : "assistant",
  }));
  return { prompt: messages[0].content, prompt_id: `id-${i}`, messages };
}

function columns(rows: readonly ChatRow[]): ColumnSource[] {
  return [
    { name: "prompt", data: rows.map((r) => r.prompt) },
    { name: "prompt_id", data: rows.map((r) => r.prompt_id) },
    { name: "messages", data: rows.map((r) => r.messages) },
  ];
}

/**
 * The rows as one Parquet file in memory, `rowGroupSize` rows a row group, its pages compressed with Snappy as the Hub's
 * Parquet export compresses them, or left uncompressed (hyparquet-writer's Snappy is most of the time a big file takes).
 */
export async function chatParquet(rows: readonly ChatRow[], rowGroupSize: number, codec: "SNAPPY" | "UNCOMPRESSED" = "SNAPPY"): Promise<Uint8Array> {
  const { parquetWriteBuffer } = await import("hyparquet-writer");
  return new Uint8Array(parquetWriteBuffer({ schema: [...ULTRACHAT_SCHEMA], columnData: columns(rows), rowGroupSize, codec }));
}

/**
 * Writes rows `first` to `first + count - 1` of the generated split to `file`, one row group at a time, so that a split
 * of any size is written with the memory of one row group.
 */
export async function writeChatParquet(file: string, first: number, count: number, rowGroupSize: number, row: (i: number) => ChatRow = chatRow): Promise<void> {
  // hyparquet-writer's Node entry point adds fileWriter; its declared types (read through "types") leave it out.
  const writer = (await import("hyparquet-writer")) as unknown as typeof import("hyparquet-writer") & { fileWriter(file: string): import("hyparquet-writer").Writer };
  fs.rmSync(file, { force: true });
  const parquet = new writer.ParquetWriter({ writer: writer.fileWriter(file), schema: [...ULTRACHAT_SCHEMA] });
  for (let start = first; start < first + count; start += rowGroupSize) {
    const rows = Array.from({ length: Math.min(rowGroupSize, first + count - start) }, (_, k) => row(start + k));
    await parquet.write({ columnData: columns(rows), rowGroupSize });
  }
  parquet.finish();
}
