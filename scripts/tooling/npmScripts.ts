import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../shared/stackFiles";

/**
 * The command line `npm run <name>` runs, from package.json, as argv with Node as this process's Node: tests and the
 * benchmark run exactly what a person runs, minus npm's own banner.
 */
export function npmScriptCommand(name: string): [string, ...string[]] {
  const scripts = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  if (!scripts[name]) throw new Error(`package.json has no script ${name}`);
  const [command, ...args] = scripts[name].split(/\s+/);
  if (command === "node") return [process.execPath, ...args];
  return [path.join(PROJECT_ROOT, "node_modules", ".bin", command), ...args];
}
