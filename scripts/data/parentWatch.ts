/**
 * Ends with the process that started it. `npm run` runs a script as `sh -c <script>`, and when npm is killed outright
 * (SIGKILL, a closed CI step) neither the shell nor node is told: node would go on downloading with nobody to read it.
 */
import * as fs from "node:fs";

/** The parent of `pid` as /proc tells it (Linux), or undefined where there is no /proc. */
export function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (name) state ppid ...": the name may hold spaces and parentheses, so read after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return Number.isSafeInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Calls `orphaned` once when this process's parent, or one of the `levels` - 1 processes above it, is gone (a process
 * whose parent dies is handed to init or a subreaper, so its parent changes). Checks every `everyMs` without keeping the
 * process alive; returns a function that stops watching. Above the parent it needs /proc: elsewhere only the parent is
 * watched.
 */
export function watchParents(orphaned: () => void, levels: number, everyMs = 1000): () => void {
  const chain = [process.ppid];
  for (let i = 1; i < levels; i++) {
    const above = parentOf(chain[i - 1]);
    if (above === undefined || above <= 1) break;
    chain.push(above);
  }
  const timer = setInterval(() => {
    const intact = process.ppid === chain[0] && chain.slice(1).every((pid, i) => parentOf(chain[i]) === pid);
    if (!intact) {
      clearInterval(timer);
      orphaned();
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
