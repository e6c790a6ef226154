import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A valid chat record numbered `i`, in ultrachat_200k's shape. */
export function chatRecord(i: number): { prompt: string; prompt_id: string; messages: { role: string; content: string }[] } {
  return {
    prompt: `question ${i}`,
    prompt_id: `id-${i}`,
    messages: [
      { role: "user", content: `question ${i}` },
      { role: "assistant", content: `answer ${i}` },
    ],
  };
}

/** A fresh temporary folder for one test. */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "phi3-test-"));
}

/** Writes `n` numbered records as JSONL and returns the file's path. */
export function writeJsonl(dir: string, n: number, name = "source.jsonl"): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, Array.from({ length: n }, (_, i) => JSON.stringify(chatRecord(i))).join("\n") + "\n");
  return file;
}

/** The prompt ids of a JSONL file, in order. */
export function idsOf(file: string): string[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line).prompt_id);
}
