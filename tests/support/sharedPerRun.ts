import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The variable naming the folder where one `npm test` keeps what its files share: Jest's global setup makes it before
 * the first file and removes it after the last; unset when a test file runs outside Jest's setup.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PLANS_ENV: SHARED_FOLDER_ENV } = require("./planFolderSetup.cjs") as { PLANS_ENV: string };

const inThisFile = new Map<string, Promise<string>>();

/**
 * The text `make` makes, made once per run under `name` and read by every test file that asks for the same name: the
 * first file to ask makes it and writes it to the run's folder; later files read it. Outside Jest's setup, once per file.
 */
export function sharedPerRun(name: string, make: () => Promise<string> | string): Promise<string> {
  if (!inThisFile.has(name)) inThisFile.set(name, readOrMake(name, make));
  return inThisFile.get(name)!;
}

async function readOrMake(name: string, make: () => Promise<string> | string): Promise<string> {
  const folder = process.env[SHARED_FOLDER_ENV];
  const file = folder ? path.join(folder, name) : undefined;
  if (file && fs.existsSync(file)) return fs.readFileSync(file, "utf8");
  const text = await make();
  if (file) {
    // Written whole under another name, then renamed: a file asking at the same moment reads all of it or none.
    const partial = `${file}.${process.pid}`;
    fs.writeFileSync(partial, text);
    fs.renameSync(partial, file);
  }
  return text;
}
