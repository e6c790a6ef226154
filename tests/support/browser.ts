/**
 * A real browser for tests of a page: Debian's `chromium` (CHROMIUM_PATH overrides /usr/bin/chromium), headless,
 * driven by puppeteer-core over a pipe (no DevTools port), with a fresh profile that is deleted on close. Every wait is
 * bounded; `close` ends the browser within a few seconds, killing it if it does not go, so Jest never has to.
 * `.ci/run` installs chromium with apt-get when it is missing; GitHub's ubuntu runners link /usr/bin/chromium to a
 * Chromium build (actions/runner-images, images/ubuntu/scripts/build/install-google-chrome.sh).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import puppeteer, { Browser, Page } from "puppeteer-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** How long any one step (a launch, a navigation, a wait for an element) may take. */
export const STEP_MS = 20_000;

/** As root, on a closed network: no sandbox (it needs a user namespace), no GPU, nothing that calls home. */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface TestBrowser {
  readonly browser: Browser;
  /** A new tab of the given size, whose waits end after STEP_MS. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /** Closes every tab and the browser, and deletes the profile. */
  close(): Promise<void>;
}

const within = <T>(ms: number, what: string, promise: Promise<T>): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

export async function launchBrowser(): Promise<TestBrowser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "phi3-chromium-"));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      userDataDir: profile,
      pipe: true,
      timeout: STEP_MS,
      protocolTimeout: STEP_MS,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (err) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  return {
    browser,
    async newPage(viewport = { width: 1000, height: 700 }) {
      const page = await browser.newPage();
      page.setDefaultTimeout(STEP_MS);
      page.setDefaultNavigationTimeout(STEP_MS);
      await page.setViewport({ ...viewport, deviceScaleFactor: 1 });
      return page;
    },
    async close() {
      const child = browser.process();
      try {
        await within(5000, "closing the browser", browser.close());
      } catch {
        if (child?.pid && child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once("exit", resolve));
          // puppeteer starts the browser as the leader of its own process group: end its helpers with it.
          try {
            process.kill(-child.pid, "SIGKILL");
          } catch {
            child.kill("SIGKILL");
          }
          await within(5000, "killing the browser", exited).catch(() => undefined);
        }
      }
      // A helper that outlives the browser may still hold the pipes; this end lets go, so the test worker can exit.
      for (const stream of child?.stdio ?? []) stream?.destroy();
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
