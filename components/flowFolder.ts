import * as fs from "node:fs";
import * as path from "node:path";
import ignore from "ignore";
import type { FlowFile } from "./azure/providers/promptFlow";

/**
 * The ignore files pfazure honours, in order: `.amlignore` in the flow's folder, else its `.gitignore`, in gitignore
 * syntax (azure-ai-ml _utils/_asset_utils.py get_ignore_file: ".amlignore takes precedence over .gitignore", read by
 * promptflow-devkit's PromptflowIgnoreFile when it uploads a flow).
 */
export const IGNORE_FILES = [".amlignore", ".gitignore"];

/**
 * Names never uploaded, with or without an ignore file: PromptflowIgnoreFile.IGNORE_FILE (promptflow-devkit
 * _sdk/_utilities/general_utils.py), and `.promptflow`, where a local `pf flow test` keeps its logs: uploading them
 * would change the flow on every local run.
 */
export const IGNORED_NAMES = [".git", ".runs", "__pycache__", ".promptflow"];

/**
 * The most one file and the whole folder may hold. A flow's folder is code and prompts; its files travel in the flow
 * resource's inputs and stay in the stack's state, so a data set or a model left in it is refused, not uploaded.
 */
export const MAX_FLOW_FILE_BYTES = 1024 * 1024;
export const MAX_FLOW_BYTES = 4 * 1024 * 1024;

/** File names that hold secrets by convention, and what each is. Matched on the name alone, case-insensitively. */
const SECRET_NAMES: readonly { readonly pattern: RegExp; readonly what: string }[] = [
  { pattern: /^\.env(\.(?!example$|sample$|template$)[^/]+)?$/i, what: "an environment file" },
  { pattern: /\.(pem|key|pfx|p12)$/i, what: "a private key or certificate" },
  { pattern: /^id_(rsa|dsa|ecdsa|ed25519)$/i, what: "an SSH private key" },
  { pattern: /^(credentials(\.[^/]+)?|\.git-credentials|\.netrc|\.pypirc|\.npmrc)$/i, what: "a credentials file" },
];

/** What a secret-looking name is, or undefined. */
export function secretKind(fileName: string): string | undefined {
  return SECRET_NAMES.find((s) => s.pattern.test(fileName))?.what;
}

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/**
 * The flow's folder as it is uploaded, sorted by path: every file but the ignored ones. Refuses, naming each file and
 * how to leave it out, a file whose name says it holds a secret and a file or folder over the size caps.
 */
export function readFlowFiles(directory: string): FlowFile[] {
  const relative = path.relative(process.cwd(), directory);
  const label = relative && !relative.startsWith("..") ? relative : directory;
  const ignoreFile = IGNORE_FILES.find((name) => fs.existsSync(path.join(directory, name)));
  const rules = ignore().add(IGNORED_NAMES);
  if (ignoreFile) rules.add(fs.readFileSync(path.join(directory, ignoreFile), "utf8"));
  const excludeHow = `list it in ${path.join(label, ignoreFile ?? IGNORE_FILES[0])} to leave it out of the upload`;

  const found: { path: string; size: number }[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(directory, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!rules.ignores(`${child}/`)) walk(child);
      } else if (entry.isFile() && !rules.ignores(child)) {
        found.push({ path: child, size: fs.statSync(path.join(directory, child)).size });
      }
    }
  };
  walk("");
  found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const problems: string[] = [];
  for (const file of found) {
    const kind = secretKind(path.posix.basename(file.path));
    if (kind) problems.push(`${path.join(label, file.path)} looks like ${kind}: remove it, or ${excludeHow}`);
    else if (file.size > MAX_FLOW_FILE_BYTES) problems.push(`${path.join(label, file.path)} is ${mib(file.size)}, over the ${mib(MAX_FLOW_FILE_BYTES)} a flow file may hold: move it out, or ${excludeHow}`);
  }
  const total = found.reduce((sum, f) => sum + f.size, 0);
  if (total > MAX_FLOW_BYTES) {
    const largest = [...found].sort((a, b) => b.size - a.size).slice(0, 3).map((f) => `${f.path} (${mib(f.size)})`);
    problems.push(`${label} holds ${mib(total)} to upload, over the ${mib(MAX_FLOW_BYTES)} a flow may hold; the largest files: ${largest.join(", ")}. List what the flow does not need in ${path.join(label, ignoreFile ?? IGNORE_FILES[0])}`);
  }
  if (problems.length > 0) {
    throw new Error(`ChatFlow: the flow's files go to the project's file share, where everyone with access to the project can read them:\n  ${problems.join("\n  ")}`);
  }
  return found.map((file) => ({ path: file.path, content: fs.readFileSync(path.join(directory, file.path)).toString("base64") }));
}
