import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { DataError, problemText, recordProblem } from "../domain/data/chatData";
import { checkChatFile, checkJsonl, EMPTY_LINE_REASON, jsonlProblems, splitJsonl, validateChatFiles } from "../domain/data/chatDataFile";
import { checkTrainingSet } from "../domain/data/trainingSet";
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

describe("checkChatFile", () => {
  const chat = (user: string, assistant: string) => JSON.stringify({ messages: [{ role: "user", content: user }, { role: "assistant", content: assistant }] });

  /** A file with something of every kind the check tells apart, and characters of 2, 3 and 4 bytes in UTF-8. */
  function mixedFile(dir: string): string {
    const file = path.join(dir, "mixed.jsonl");
    const text = (s: string) => Buffer.from(s, "utf8");
    fs.writeFileSync(
      file,
      Buffer.concat([
        text("\ufeff" + chat("café?", "oui, un café") + "\r\n"),
        text(chat("€ 5 😀 or ¥?", "ça va ✓ 😀😀") + "\n"),
        text("\n   \r\n\ufeff\n"),
        text("not json\r\n"),
        text(JSON.stringify({ messages: [{ role: "user", content: "naïve?" }] }) + "\n"),
        text("\ufeff" + chat("joined", "files") + "\n"),
        // Not UTF-8: a lone continuation byte and a 3-byte character cut short, each decoded as U+FFFD.
        text('{"messages":[{"role":"user","content":"a'),
        Buffer.from([0x80, 0x62, 0xe2, 0x82]),
        text('"},{"role":"assistant","content":"ok"}]}\r\n'),
        text(chat("café?", "oui, un café") + "\n"),
        text(chat("a much longer question, about 日本語 and more", "a much longer answer than the others") + "\r\n"),
        text("\n \n\r\n"),
      ]),
    );
    return file;
  }

  it("finds in a file read in chunks what the whole text holds, whatever the chunk size: lines, problems, records and SHA-256", () => {
    const file = mixedFile(tempDir());
    const bytes = fs.readFileSync(file);
    // The whole-file path: one string of the bytes, cut into lines.
    const whole = checkJsonl("mixed.jsonl", bytes.toString("utf8"));
    expect(whole.bom).toBe(true);
    expect(whole.problems.map((p) => [p.line, p.reason])).toEqual([
      [3, EMPTY_LINE_REASON],
      [4, EMPTY_LINE_REASON],
      [5, EMPTY_LINE_REASON],
      [6, expect.stringMatching(/^not valid JSON \(.*"not json" is not valid JSON\)$/)],
      [7, "no assistant turn"],
      [8, "not valid JSON: the line starts with a byte order mark (were two files joined?)"],
    ]);
    expect(whole.records.map((r) => r.line)).toEqual([1, 2, 9, 10, 11]);
    // A 7-byte chunk cuts at least one multi-byte character in two.
    const width = (lead: number) => (lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2);
    const cut = [...bytes.entries()].filter(([i, b]) => b >= 0xc0 && Math.floor(i / 7) !== Math.floor((i + width(b) - 1) / 7));
    expect(cut.length).toBeGreaterThan(0);

    const expected = {
      ...whole,
      problems: whole.problems.map((p) => ({ ...p, key: "trainDataPath" })),
      dataFile: { path: file, records: 5, sha256: createHash("sha256").update(bytes).digest("hex") },
    };
    for (const chunkBytes of [1, 2, 3, 4, 5, 6, 7, 8, 13, 64, bytes.length, undefined]) {
      expect({ chunkBytes, checked: checkChatFile(file, "mixed.jsonl", "trainDataPath", { chunkBytes }) }).toEqual({ chunkBytes, checked: expected });
    }
    // And so the training-set rules find the same: the repeat (line 10 of line 1) and the record too long for a tiny window.
    const rules = { minRecordsPerFile: 1, minRecordsSetting: "minRecordsPerFile", context: { model: "tiny", tokens: 15 } };
    const streamed = checkChatFile(file, "mixed.jsonl", undefined, { chunkBytes: 7 });
    const findings = checkTrainingSet({ checked: streamed, key: "trainDataPath" }, { checked: streamed, key: "validationDataPath" }, rules);
    expect(findings).toEqual(checkTrainingSet({ checked: whole, key: "trainDataPath" }, { checked: whole, key: "validationDataPath" }, rules));
    expect(findings.problems.filter((p) => /^about/.test(p.reason)).map((p) => p.line)).toEqual([11, 11]);
    expect(findings.warnings[0]).toMatch(/mixed\.jsonl: 1 record repeats an earlier one \(lines 10\)/);
  });

  it("names the line of a bad record and of an empty line in a file of many chunks", () => {
    const dir = tempDir();
    const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify(chatRecord(i)));
    lines[99] = "";
    lines[149] = JSON.stringify({ messages: [{ role: "user", content: "q" }] });
    const file = path.join(dir, "big.jsonl");
    fs.writeFileSync(file, lines.join("\n") + "\n");
    expect(fs.statSync(file).size).toBeGreaterThan(20 * 1024);
    const checked = checkChatFile(file, "big.jsonl", undefined, { chunkBytes: 1024 });
    expect(checked.problems).toEqual([
      { file: "big.jsonl", line: 100, reason: EMPTY_LINE_REASON },
      { file: "big.jsonl", line: 150, reason: "no assistant turn" },
    ]);
    expect(checked.records).toHaveLength(298);
    expect(checked.records.slice(-1)).toEqual([{ line: 300, key: expect.stringMatching(/^[0-9a-f]{64}$/), characters: "question 299answer 299".length }]);
  });

  it("keeps the first 20 problems of a file and counts the rest, as the listing shows them", () => {
    const file = path.join(tempDir(), "wrong.jsonl");
    fs.writeFileSync(file, "x\n\n".repeat(25) + "x\n");
    const checked = checkChatFile(file, "wrong.jsonl", undefined, { chunkBytes: 16 });
    expect([checked.problems.length, checked.unlisted]).toEqual([20, 31]);
    expect(checked.problems.slice(0, 2).map((p) => p.line)).toEqual([1, 2]);
    expect(() => validateChatFiles([file], () => "wrong.jsonl")).toThrow(/\n {2}- wrong\.jsonl:20: empty line between records.*\n {2}- wrong\.jsonl: and 31 more problems like these$/);
  });

  it("refuses a line too long to read as one record, and goes on with the next lines", () => {
    const file = path.join(tempDir(), "long.jsonl");
    const long = chat("q".repeat(200), "a");
    fs.writeFileSync(file, `\ufeff${chat("q", "a")}\n${long}\n${chat("q2", "a2")}\n`);
    const checked = checkChatFile(file, "long.jsonl", undefined, { chunkBytes: 7, maxLineBytes: 100 });
    expect(checked.problems).toEqual([{ file: "long.jsonl", line: 2, reason: `a line of ${long.length} bytes, more than the 100 that can be read as one record` }]);
    expect(checked.records.map((r) => r.line)).toEqual([1, 3]);
    expect(checked.bom).toBe(true);
  });
});
