import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * A file to write and what it should hold: `content`, or the file at `from`, already written in full (too big to hold
 * as a string), on the same file system as `path`, which is moved into place.
 */
export type FileContent = { readonly path: string; readonly content: string } | { readonly path: string; readonly from: string };

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
 * Writes all the files or none. Each is written in full to a temporary file beside its target (or was written already,
 * at `from`); only then are they renamed over the targets, and if one rename fails the targets already replaced get
 * their old content back. Nothing temporary of ours is left behind, whatever happens; a `from` file that was not moved
 * stays where it is, for its writer to remove.
 */
export function replaceFilesTogether(files: readonly FileContent[]): void {
  const staged: { target: string; temp: string; ours: boolean; old?: string }[] = [];
  try {
    for (const file of files) {
      if ("from" in file) {
        staged.push({ target: file.path, temp: file.from, ours: false });
        continue;
      }
      const temp = besides(file.path, "new");
      staged.push({ target: file.path, temp, ours: true });
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
      if (entry.ours) fs.rmSync(entry.temp, { force: true });
      if (entry.old) fs.rmSync(entry.old, { force: true });
    }
  }
}
