import { ChildProcess, ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process";
import { npmScriptCommand } from "../../scripts/tooling/npmScripts";
import { PROJECT_ROOT } from "../../scripts/shared/stackFiles";
import { endAfterTests } from "./childProcesses";

export interface ScriptResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `npm run <name> -- <args>` in the project folder as a person would, minus npm's own banner; `started` is handed
 * the process (to signal it, for one).
 */
export function runNpmScript(
  name: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  started?: (child: ChildProcess) => void,
): Promise<ScriptResult> {
  const [command, ...scriptArgs] = npmScriptCommand(name);
  return new Promise((resolve) => {
    const child = endAfterTests(execFile(command, [...scriptArgs, ...args], { cwd: PROJECT_ROOT, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    }));
    started?.(child);
  });
}

/** Starts `npm run <name> -- <args>` as a child process, for tests that talk to it while it runs (stdin, signals). */
export function spawnNpmScript(name: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): ChildProcessWithoutNullStreams {
  const [command, ...scriptArgs] = npmScriptCommand(name);
  return endAfterTests(spawn(command, [...scriptArgs, ...args], { cwd: PROJECT_ROOT, env }));
}
