/**
 * What leaves the machine when `pulumi up` uploads a flow's folder: the ignore file pfazure honours (.amlignore, else
 * .gitignore, in gitignore syntax: azure-ai-ml _asset_utils.get_ignore_file), no file named like a secret, and caps on
 * each file and on the whole folder. Real folders on disk, read as ChatFlow reads them.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readFlowFiles, secretKind } from "../components/flowFolder";

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "flow-folder-"));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A flow folder holding the given files (path -> text, or a size in bytes for a file of zeros). */
function folder(name: string, files: Record<string, string | number>): string {
  const dir = path.join(root, name);
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), typeof content === "number" ? Buffer.alloc(content) : content);
  }
  return dir;
}
const paths = (dir: string) => readFlowFiles(dir).map((f) => f.path);

describe("the flow folder's ignore file", () => {
  it("leaves out what .amlignore lists, folders and patterns, and what pfazure never uploads", () => {
    const dir = folder("aml", {
      ".amlignore": "# local only\ntests/\n*.log\n/notes.md\n!keep.log\n",
      "flow.dag.yaml": "nodes: []\n",
      "tool.py": "x = 1\n",
      "tests/test_tool.py": "",
      "debug.log": "",
      "keep.log": "",
      "notes.md": "",
      "docs/notes.md": "",
      "__pycache__/tool.cpython-311.pyc": "",
      ".promptflow/flow.log": "",
      ".runs/r1/output.jsonl": "",
    });
    expect(paths(dir)).toEqual([".amlignore", "docs/notes.md", "flow.dag.yaml", "keep.log", "tool.py"]);
    const file = readFlowFiles(dir).find((f) => f.path === "tool.py")!;
    expect(Buffer.from(file.content, "base64").toString()).toBe("x = 1\n");
  });

  it("reads .gitignore when there is no .amlignore, and only .amlignore when there are both", () => {
    expect(paths(folder("git", { ".gitignore": ".venv/\n", "flow.dag.yaml": "", ".venv/bin/python": "" }))).toEqual([".gitignore", "flow.dag.yaml"]);
    const both = folder("both", { ".amlignore": "a.txt\n", ".gitignore": "b.txt\n", "a.txt": "", "b.txt": "" });
    expect(paths(both)).toEqual([".amlignore", ".gitignore", "b.txt"]);
  });

  it("the shipped flow leaves out its tests and local environments", () => {
    const shipped = fs.readFileSync(path.join(__dirname, "..", "flows", "phi3-chat", ".amlignore"), "utf8").split("\n");
    expect(shipped).toEqual(expect.arrayContaining(["tests/", "__pycache__/", ".venv/", ".env"]));
  });
});

describe("files that look like secrets", () => {
  it.each([
    [".env", "an environment file"],
    [".env.local", "an environment file"],
    ["server.pem", "a private key or certificate"],
    ["tls.KEY", "a private key or certificate"],
    ["signing.pfx", "a private key or certificate"],
    ["id_rsa", "an SSH private key"],
    ["id_ed25519", "an SSH private key"],
    ["credentials", "a credentials file"],
    ["credentials.json", "a credentials file"],
    [".netrc", "a credentials file"],
  ])("%s is %s", (name, kind) => {
    expect(secretKind(name)).toBe(kind);
  });

  it.each([".env.example", "id_rsa.pub", "keys.py", "flow.dag.yaml", "monkey.txt"])("%s is not", (name) => {
    expect(secretKind(name)).toBeUndefined();
  });

  it("refuses the upload naming each file and how to leave it out", () => {
    const dir = folder("secrets", { "flow.dag.yaml": "", ".env": "KEY=1", "certs/client.pem": "-----BEGIN" });
    expect(() => readFlowFiles(dir)).toThrow(
      new RegExp(`secrets/\\.env looks like an environment file: remove it, or list it in .*secrets/\\.amlignore to leave it out of the upload\\n.*secrets/certs/client\\.pem looks like a private key or certificate`),
    );
  });

  it("uploads the folder once the ignore file leaves the secret out", () => {
    const dir = folder("secrets-ignored", { ".amlignore": ".env\n", "flow.dag.yaml": "", ".env": "KEY=1" });
    expect(paths(dir)).toEqual([".amlignore", "flow.dag.yaml"]);
  });
});

describe("size caps", () => {
  it("refuses a file over 1 MiB, naming it and its size", () => {
    const dir = folder("big-file", { "flow.dag.yaml": "", "model.bin": 1024 * 1024 + 1 });
    expect(() => readFlowFiles(dir)).toThrow(/big-file\/model\.bin is 1\.0 MiB, over the 1\.0 MiB a flow file may hold: move it out, or list it in .*big-file\/\.amlignore/);
    expect(paths(folder("at-cap", { "model.bin": 1024 * 1024 }))).toEqual(["model.bin"]);
  });

  it("refuses a folder over 4 MiB in all, naming the largest files", () => {
    const files = Object.fromEntries([0, 1, 2, 3, 4].map((i) => [`part${i}.bin`, 900 * 1024 + i]));
    expect(() => readFlowFiles(folder("big-folder", files))).toThrow(
      /big-folder holds 4\.4 MiB to upload, over the 4\.0 MiB a flow may hold; the largest files: part4\.bin \(0\.9 MiB\), part3\.bin \(0\.9 MiB\), part2\.bin \(0\.9 MiB\)/,
    );
  });
});
