import * as fs from "node:fs";
import * as path from "node:path";
import { checkJsonl, DataError, jsonlProblems, problemText, recordProblem, splitJsonl, validateChatFiles } from "../infra/chatData";
import { chatRecord, tempDir, writeJsonl } from "./support/chatRecords";

const turns = (...roles: string[]) => ({ messages: roles.map((role, i) => ({ role, content: `turn ${i}` })) });

describe("recordProblem", () => {
  it("accepts a chat record with user and assistant turns", () => {
    expect(recordProblem(chatRecord(1))).toBeUndefined();
    expect(recordProblem({ messages: [{ role: "system", content: "be brief" }, ...chatRecord(2).messages] })).toBeUndefined();
    expect(recordProblem(turns("user", "assistant", "user", "assistant"))).toBeUndefined();
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

  it.each([
    [["assistant", "user", "assistant"], 'messages[0].role is "assistant" where "user" belongs: after an optional system turn, user and assistant turns alternate, starting with user'],
    [["system", "assistant", "user"], 'messages[1].role is "assistant" where "user" belongs'],
    [["user", "user", "assistant"], 'messages[1].role is "user" where "assistant" belongs'],
    [["user", "assistant", "assistant"], 'messages[2].role is "assistant" where "user" belongs'],
    [["user", "system", "assistant"], "messages[1] is a system turn; only the first turn may be one"],
    [["system", "system", "user", "assistant"], "messages[1] is a system turn; only the first turn may be one"],
    [["user", "assistant", "user"], "messages[2] is a user turn with no answer; the last turn must be the assistant's"],
  ])("refuses the turn order %j", (roles, reason) => {
    expect(recordProblem(turns(...roles))).toMatch(new RegExp(`^${reason.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  });
});

describe("splitJsonl", () => {
  it("drops a leading byte order mark and the empty lines at the end, and reports those between records", () => {
    expect(splitJsonl("\ufeff{}\r\n\n{}\r\n\r\n \n\n")).toEqual({
      lines: [
        { line: 1, text: "{}" },
        { line: 3, text: "{}" },
      ],
      blankLines: [2],
      bom: true,
    });
    expect(splitJsonl("{}")).toEqual({ lines: [{ line: 1, text: "{}" }], blankLines: [], bom: false });
  });
});

describe("jsonlProblems", () => {
  it("names the line of each bad record", () => {
    const text = [JSON.stringify(chatRecord(0)), "{not json", "", JSON.stringify({ messages: [] })].join("\n") + "\n";
    expect(jsonlProblems("train.jsonl", text)).toEqual([
      { file: "train.jsonl", line: 2, reason: expect.stringMatching(/^not valid JSON \(.+\)$/) },
      { file: "train.jsonl", line: 3, reason: expect.stringMatching(/^empty line between records: JSON Lines has one record on every line/) },
      { file: "train.jsonl", line: 4, reason: "'messages' is empty" },
    ]);
  });

  it("accepts a byte order mark and empty lines at the end, as an editor shows the file", () => {
    const text = "\ufeff" + [chatRecord(0), chatRecord(1)].map((r) => JSON.stringify(r)).join("\r\n") + "\r\n\n\n   \n";
    expect(jsonlProblems("notepad.jsonl", text)).toEqual([]);
    expect(checkJsonl("notepad.jsonl", text)).toMatchObject({ bom: true, records: [{ line: 1 }, { line: 2 }] });
  });

  it("says what a byte order mark in the middle of a file probably means", () => {
    const text = [chatRecord(0), chatRecord(1)].map((r) => "\ufeff" + JSON.stringify(r)).join("\n");
    expect(jsonlProblems("joined.jsonl", text)).toEqual([{ file: "joined.jsonl", line: 2, reason: "not valid JSON: the line starts with a byte order mark (were two files joined?)" }]);
  });

  it("refuses an empty file, and lists at most the limit and how many more", () => {
    expect(jsonlProblems("x.jsonl", "")).toEqual([{ file: "x.jsonl", reason: "the file has no records" }]);
    expect(jsonlProblems("x.jsonl", "\n\n")).toEqual([{ file: "x.jsonl", reason: "the file has no records" }]);
    const capped = jsonlProblems("x.jsonl", "x\n".repeat(50), 5);
    expect(capped).toHaveLength(6);
    expect(capped[5]).toEqual({ file: "x.jsonl", reason: "and 45 more problems like these" });
  });
});

describe("problemText", () => {
  it("puts the setting first, then file and line (or row), then the reason", () => {
    expect(problemText({ file: "data/a.jsonl", line: 3, key: "trainDataPath", reason: "no user turn" })).toBe("trainDataPath: data/a.jsonl:3: no user turn");
    expect(problemText({ file: "rows.parquet", row: 0, reason: "no user turn" })).toBe("rows.parquet, row 0: no user turn");
    expect(problemText({ file: "data/a.jsonl", reason: "no such file" })).toBe("data/a.jsonl: no such file");
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

  it("throws one DataError listing the problems of every file: a missing file and a folder without a line, with advice", () => {
    const dir = tempDir();
    const good = writeJsonl(dir, 2, "good.jsonl");
    const bad = path.join(dir, "bad.jsonl");
    fs.writeFileSync(bad, JSON.stringify(chatRecord(0)) + "\n" + JSON.stringify({ messages: [{ role: "user", content: "q" }] }) + "\n");
    const missing = path.join(dir, "missing.jsonl");
    const folder = path.join(dir, "folder.jsonl");
    fs.mkdirSync(folder);
    let error: unknown;
    try {
      validateChatFiles([good, bad, missing, folder], (p) => path.basename(p));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DataError);
    const lines = (error as DataError).message.split("\n");
    expect(lines).toEqual([
      "invalid training data (3 problems):",
      "  - bad.jsonl:2: no assistant turn",
      "  - missing.jsonl: no such file (`npm run prepare-data` writes data/train_data.jsonl and data/test_data.jsonl)",
      "  - folder.jsonl: is a folder; name a .jsonl file",
    ]);
  });
});
