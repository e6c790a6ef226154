import * as fs from "node:fs";
import * as path from "node:path";
import { DataError, jsonlProblems, recordProblem, validateChatFiles } from "../infra/chatData";
import { chatRecord, tempDir, writeJsonl } from "./support/chatRecords";

describe("recordProblem", () => {
  it("accepts a chat record with user and assistant turns", () => {
    expect(recordProblem(chatRecord(1))).toBeUndefined();
    expect(recordProblem({ messages: [{ role: "system", content: "be brief" }, ...chatRecord(2).messages] })).toBeUndefined();
  });

  it.each([
    [[], "not a JSON object"],
    [{ prompt: "x" }, "no 'messages' array"],
    [{ messages: [] }, "'messages' is empty"],
    [{ messages: ["hi"] }, "messages[0] is not an object"],
    [{ messages: [{ role: "bot", content: "hi" }] }, 'messages[0].role is "bot"; allowed: system, user, assistant'],
    [{ messages: [{ role: "user", content: " " }, { role: "assistant", content: "a" }] }, "messages[0].content must be a non-empty string"],
    [{ messages: [{ role: "user", content: 3 }] }, "messages[0].content must be a non-empty string"],
    [{ messages: [{ role: "assistant", content: "a" }] }, "no user turn"],
    [{ messages: [{ role: "user", content: "q" }] }, "no assistant turn"],
  ])("refuses %j: %s", (record, reason) => {
    expect(recordProblem(record)).toBe(reason);
  });
});

describe("jsonlProblems", () => {
  it("names the line of each bad record", () => {
    const text = [JSON.stringify(chatRecord(0)), "{not json", "", JSON.stringify({ messages: [] })].join("\n") + "\n";
    expect(jsonlProblems("train.jsonl", text)).toEqual([
      { file: "train.jsonl", line: 2, reason: "not valid JSON" },
      { file: "train.jsonl", line: 3, reason: "empty line" },
      { file: "train.jsonl", line: 4, reason: "'messages' is empty" },
    ]);
  });

  it("refuses an empty file and stops listing after the limit", () => {
    expect(jsonlProblems("x.jsonl", "")).toEqual([{ file: "x.jsonl", line: 1, reason: "the file has no records" }]);
    expect(jsonlProblems("x.jsonl", "x\n".repeat(50), 5)).toHaveLength(5);
  });
});

describe("validateChatFiles", () => {
  it("counts records and hashes the content", () => {
    const dir = tempDir();
    const [a, b] = [writeJsonl(dir, 3, "a.jsonl"), writeJsonl(dir, 3, "b.jsonl")];
    const [fa, fb] = validateChatFiles([a, b]);
    expect(fa.records).toBe(3);
    expect(fa.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fb.sha256).toBe(fa.sha256);
    fs.appendFileSync(b, JSON.stringify(chatRecord(9)) + "\n");
    expect(validateChatFiles([b])[0].sha256).not.toBe(fa.sha256);
  });

  it("throws one DataError listing the problems of every file", () => {
    const dir = tempDir();
    const good = writeJsonl(dir, 2, "good.jsonl");
    const bad = path.join(dir, "bad.jsonl");
    fs.writeFileSync(bad, JSON.stringify(chatRecord(0)) + "\n" + JSON.stringify({ messages: [{ role: "user", content: "q" }] }) + "\n");
    const missing = path.join(dir, "missing.jsonl");
    let error: unknown;
    try {
      validateChatFiles([good, bad, missing], (p) => path.basename(p));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toContain("bad.jsonl:2: no assistant turn");
    expect((error as DataError).message).toContain("missing.jsonl:0: cannot read the file");
  });
});
