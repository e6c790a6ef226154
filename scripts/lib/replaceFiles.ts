import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** A file to write and what it should hold. */
export interface FileContent {
  readonly path: string;
  readonly content: string;
}

/** A hidden name beside `target`, in the same folder so that a rename is atomic. */
function besides(target: string, purpose: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${purpose}-${process.pid}-${randomBytes(4).toString("hex")}`);
}

/** A link to (or else a copy of) the file at `target` as it is now, or undefined when there is no file there. */
function keepOld(target: string): string | undefined {
  if (!fs.statSync(target, { throwIfNoEntry: false })?.isFile()) return undefined;
  const kept = besides(target, "old");
  try {
    fs.linkSync(target, kept);
  } catch {
    fs.copyFileSync(target, kept);
  }
  return kept;
}

/**
 * Writes all the files or none. Each is written in full to a temporary file beside its target; only then are they
 * renamed over the targets, and if one rename fails the targets already replaced get their old content back. Nothing
 * temporary is left behind, whatever happens.
 */
export function replaceFilesTogether(files: readonly FileContent[]): void {
  const staged: { target: string; temp: string; old?: string }[] = [];
  try {
    for (const file of files) {
      const temp = besides(file.path, "new");
      staged.push({ target: file.path, temp });
      fs.writeFileSync(temp, file.content, { flag: "wx" });
    }
    for (const entry of staged) entry.old = keepOld(entry.target);
    const replaced: typeof staged = [];
    try {
      for (const entry of staged) {
        fs.renameSync(entry.temp, entry.target);
        replaced.push(entry);
      }
    } catch (err) {
      for (const entry of replaced.reverse()) {
        if (entry.old) fs.renameSync(entry.old, entry.target);
        else fs.rmSync(entry.target, { force: true });
      }
      throw err;
    }
  } finally {
    for (const entry of staged) {
      fs.rmSync(entry.temp, { force: true });
      if (entry.old) fs.rmSync(entry.old, { force: true });
    }
  }
}
