import type { ChildProcess } from "node:child_process";

/**
 * Every child process a test file starts through the support helpers. A test that times out (a slow, busy machine)
 * leaves its child running, and Jest would force-exit the worker it holds open; after the file's tests, whatever is
 * still running is ended and waited for. This hook is declared on import, so it runs before the file's own afterAll:
 * a helper's own stop must accept a child already ended (DynamicProviderDriver.stop does).
 */
const running = new Set<ChildProcess>();

/** Ends `child` after the test file if it is still running then. */
export function endAfterTests<T extends ChildProcess>(child: T): T {
  if (child.exitCode === null && child.signalCode === null) {
    running.add(child);
    child.once("exit", () => running.delete(child));
  }
  return child;
}

afterAll(async () => {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
});
