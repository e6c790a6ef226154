// Writes `n` numbered chat records to a Parquet file, `messages` as a list of {content, role} structs like
// ultrachat_200k's: `node writeParquet.mjs FILE N`. hyparquet-writer is an ES module, so tests run this as a process.
import { parquetWriteFile } from "hyparquet-writer";

const [file, count] = process.argv.slice(2);
const n = Number(count);
const ids = Array.from({ length: n }, (_, i) => `id-${i}`);
const messages = ids.map((_, i) => [
  { content: `question ${i}`, role: "user" },
  { content: `answer ${i}`, role: "assistant" },
]);
parquetWriteFile({
  filename: file,
  columnData: [
    { name: "prompt_id", data: ids, type: "STRING" },
    { name: "messages", data: messages }, // nested type detected from the data
  ],
});
