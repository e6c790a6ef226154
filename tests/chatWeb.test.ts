/// <reference lib="dom" />
/**
 * `npm run chat -- --web`: the page in Debian's chromium (tests/support/browser.ts) against the scoring stand-in, the
 * server's refusals over raw HTTP, and the command line as a process. UPDATE_SCREENSHOTS=1 rewrites
 * docs/images/chat-web.png from the two-column test.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import type { Page } from "puppeteer-core";
import { CHAT_HELP, runChat } from "../scripts/chat/index";
import { Io } from "../scripts/chat/cli";
import { MAX_BODY_BYTES, startWebChat, WebChat } from "../scripts/chat/web";
import { findBaseline } from "../scripts/chat/endpointTarget";
import { DEFAULT_PARAMETERS, ClientOptions } from "../scripts/chat/scoringClient";
import { PROJECT_ROOT } from "../scripts/shared/stackFiles";
import { launchBrowser, STEP_MS, TestBrowser } from "./support/browser";
import { spawnNpmScript } from "./support/npmScript";
import { scoringStandIn, ScoringStep } from "./support/scoringStandIn";

const KEY = "model-key-5f1c";
const BASELINE_KEY = "baseline-key-9e2d";
const FAST: ClientOptions = { timeoutMs: 2000, attempts: 2, baseDelayMs: 5, maxRetryAfterMs: 1000, deadlineMs: 10_000, resendAfterSend: false };

type StandIn = Awaited<ReturnType<typeof scoringStandIn>>;

/** Everything a test started, closed in afterEach whatever happened. */
const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

async function standIn(script: ScoringStep[] = []): Promise<StandIn> {
  const server = await scoringStandIn(script);
  open.push(server);
  return server;
}

async function serve(model: StandIn, baseline?: StandIn, client: ClientOptions = FAST): Promise<WebChat> {
  const web = await startWebChat({
    target: { url: model.url, key: KEY },
    baseline: baseline && { url: baseline.url, key: BASELINE_KEY },
    generation: DEFAULT_PARAMETERS,
    client,
    port: 0,
  });
  open.push(web);
  return web;
}

interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A request with exactly these headers (fetch would not let a test set Host). */
function raw(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: options.method ?? "GET", path: options.path, headers: options.headers, timeout: STEP_MS, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("timeout", () => req.destroy(new Error("no answer")));
    req.on("error", reject);
    req.end(options.body);
  });
}

const tokenPath = (web: WebChat) => new URL(web.url).pathname;
const own = (web: WebChat) => ({ host: `127.0.0.1:${web.port}`, origin: `http://127.0.0.1:${web.port}` });
const chatBody = JSON.stringify({ column: "model", messages: [{ role: "user", content: "hi" }] });

describe("the web chat's server", () => {
  it("serves the page with its security headers, and neither the page nor its files hold the key", async () => {
    const model = await standIn();
    const web = await serve(model);
    expect(web.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{43}\/$/);
    for (const file of ["", "page.js", "page.css", "icon.svg", "api/config"]) {
      const response = await raw(web.port, { path: `${tokenPath(web)}${file}`, headers: { host: own(web).host } });
      expect(response.status).toBe(200);
      expect(response.headers["content-security-policy"]).toBe(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; " +
          "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      );
      expect(response.headers["x-content-type-options"]).toBe("nosniff");
      expect(response.headers["referrer-policy"]).toBe("no-referrer");
      expect(response.headers["cache-control"]).toBe("no-store");
      expect(response.body).not.toContain(KEY);
    }
    const page = await raw(web.port, { path: tokenPath(web), headers: { host: own(web).host } });
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.body).toContain('<label for="message">Message</label>');
    expect(page.body).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>|\son\w+=/); // no inline script or handler
  });

  it("answers only to its own Host: a rebound or other name is refused before anything is sent", async () => {
    const model = await standIn();
    const web = await serve(model);
    for (const host of [`evil.example:${web.port}`, `localhost:${web.port}`, "127.0.0.1", `127.0.0.1:${web.port + 1}`]) {
      const page = await raw(web.port, { path: tokenPath(web), headers: { host } });
      expect([page.status, page.body]).toEqual([421, `Misdirected request: this server answers only at http://127.0.0.1:${web.port}, the address it printed\n`]);
      expect(page.headers["content-security-policy"]).toMatch(/^default-src 'self'/);
      const post = await raw(web.port, {
        method: "POST",
        path: `${tokenPath(web)}api/chat`,
        headers: { host, origin: `http://${host}`, "content-type": "application/json" },
        body: chatBody,
      });
      expect(post.status).toBe(421);
    }
    expect(model.requests).toHaveLength(0);
  });

  it("refuses a POST from another origin, or with none, and a request from another site", async () => {
    const model = await standIn();
    const web = await serve(model);
    const post = (headers: Record<string, string>) =>
      raw(web.port, { method: "POST", path: `${tokenPath(web)}api/chat`, headers: { host: own(web).host, "content-type": "application/json", ...headers }, body: chatBody });
    for (const origin of ["https://evil.example", "http://localhost:" + web.port, "null"]) {
      expect((await post({ origin })).status).toBe(403);
    }
    expect((await post({})).status).toBe(403);
    expect((await post({ origin: own(web).origin, "sec-fetch-site": "cross-site" })).status).toBe(403);
    const foreignGet = await raw(web.port, { path: `${tokenPath(web)}api/config`, headers: { host: own(web).host, origin: "https://evil.example" } });
    expect(foreignGet.status).toBe(403);
    expect(model.requests).toHaveLength(0);
    const mine = await post({ origin: own(web).origin, "sec-fetch-site": "same-origin" });
    expect([mine.status, mine.body]).toEqual([200, '{"answer":"echo: hi"}\n']);
    expect(model.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("masks the key when an endpoint's error quotes it", async () => {
    const model = await standIn([{ body: `upstream says: bad key ${KEY}` }]);
    const web = await serve(model);
    const response = await raw(web.port, { method: "POST", path: `${tokenPath(web)}api/chat`, headers: { ...own(web), "content-type": "application/json" }, body: chatBody });
    expect(response.body).toBe('{"error":"the endpoint\'s answer is not JSON: upstream says: bad key [key]","kind":"answer"}\n');
  });

  it("refuses a request without the token, or with another one", async () => {
    const model = await standIn();
    const web = await serve(model);
    const token = tokenPath(web).slice(1, -1);
    const other = token.replace(/^./, (c) => (c === "A" ? "B" : "A"));
    for (const p of ["/", "/page.js", "/api/chat", `/${other}/`, `/${token.slice(0, -1)}/`, `/x${token}/`, `/?${token}`]) {
      const response = await raw(web.port, { path: p, headers: { host: own(web).host } });
      expect([p, response.status, response.body]).toEqual([p, 403, "Forbidden: open the address that `npm run chat -- --web` printed\n"]);
    }
    const post = await raw(web.port, { method: "POST", path: "/api/chat", headers: { ...own(web), "content-type": "application/json" }, body: chatBody });
    expect(post.status).toBe(403);
    expect(model.requests).toHaveLength(0);
  });

  it("bounds what it reads: too large, not JSON, or not a conversation", async () => {
    const model = await standIn();
    const web = await serve(model);
    const post = (body: string, type = "application/json") =>
      raw(web.port, { method: "POST", path: `${tokenPath(web)}api/chat`, headers: { ...own(web), "content-type": type }, body });
    const huge = JSON.stringify({ column: "model", messages: [{ role: "user", content: "x".repeat(MAX_BODY_BYTES) }] });
    expect((await post(huge)).status).toBe(413);
    expect((await post(chatBody, "text/plain")).status).toBe(415);
    expect((await post("{")).status).toBe(400);
    expect((await post(JSON.stringify({ column: "baseline", messages: [{ role: "user", content: "hi" }] }))).body).toBe("column: one of model\n");
    expect((await post(JSON.stringify({ column: "model", messages: [{ role: "system", content: "x" }] }))).status).toBe(400);
    expect((await post(JSON.stringify({ column: "model", messages: [{ role: "assistant", content: "x" }] }))).status).toBe(400);
    expect(model.requests).toHaveLength(0);
  });
});

describe("the web chat in a browser", () => {
  let chromium: TestBrowser;
  beforeAll(async () => {
    chromium = await launchBrowser();
  }, 3 * STEP_MS);
  afterAll(() => chromium?.close(), 3 * STEP_MS);

  const MESSAGE = '::-p-aria([name="Message"][role="textbox"])';
  const SEND = '::-p-aria([name="Send"][role="button"])';
  const NEW_CHAT = '::-p-aria([name="New chat"][role="button"])';
  const conversation = (label = "Conversation with the fine-tuned model") => `[aria-live="polite"][aria-label="${label}"]`;

  /** The conversation's text as a person sees it, once it shows `expected` (or after STEP_MS). */
  async function conversationShows(page: Page, expected: string, label?: string): Promise<string> {
    const selector = conversation(label);
    await page
      .waitForFunction((s, e) => (document.querySelector(s) as HTMLElement | null)?.innerText.includes(e), { timeout: STEP_MS }, selector, expected)
      .catch(() => undefined);
    // innerText sets each paragraph apart with a blank line; a person reads the lines.
    return (await page.$eval(selector, (el) => (el as HTMLElement).innerText)).replace(/\n{2,}/g, "\n");
  }

  async function openPage(web: WebChat, viewport?: { width: number; height: number }): Promise<Page> {
    const page = await chromium.newPage(viewport);
    const problems: string[] = [];
    page.on("pageerror", (err) => problems.push(String(err)));
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    await page.goto(web.url, { waitUntil: "load" });
    await page.waitForSelector('.column h2');
    (page as Page & { problems?: string[] }).problems = problems;
    return page;
  }

  it("answers a message typed into Message and sent with Send; Enter sends, Shift+Enter breaks the line; New chat starts over", async () => {
    const model = await standIn();
    const web = await serve(model);
    const page = await openPage(web);
    try {
      await page.locator(MESSAGE).fill("Who founded Microsoft?");
      await page.locator(SEND).click();
      expect(await conversationShows(page, "echo: Who founded Microsoft?")).toBe(
        "You\nWho founded Microsoft?\nFine-tuned model\necho: Who founded Microsoft?",
      );
      expect(model.requests[0].body.input_data.input_string).toEqual([{ role: "user", content: "Who founded Microsoft?" }]);
      expect(model.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("message");
      await page.keyboard.press("Tab");
      expect(await page.evaluate(() => [document.activeElement?.textContent, getComputedStyle(document.activeElement!).outlineStyle])).toEqual(["Send", "solid"]);
      await page.keyboard.down("Shift");
      await page.keyboard.press("Tab");
      await page.keyboard.up("Shift");

      await page.keyboard.type("And then?");
      await page.keyboard.down("Shift");
      await page.keyboard.press("Enter");
      await page.keyboard.up("Shift");
      await page.keyboard.type("Go on.");
      await page.keyboard.press("Enter");
      await conversationShows(page, "echo: And then?\nGo on.");
      expect(model.requests[1].body.input_data.input_string).toEqual([
        { role: "user", content: "Who founded Microsoft?" },
        { role: "assistant", content: "echo: Who founded Microsoft?" },
        { role: "user", content: "And then?\nGo on." },
      ]);

      await page.locator(NEW_CHAT).click();
      expect(await page.$eval(conversation(), (el) => el.children.length)).toBe(0);
      expect(await page.$eval('[role="status"]', (el) => el.textContent)).toBe("Started a new chat.");
      await page.keyboard.type("Hello again");
      await page.keyboard.press("Enter");
      await conversationShows(page, "echo: Hello again");
      expect(model.requests[2].body.input_data.input_string).toEqual([{ role: "user", content: "Hello again" }]);
      expect(await page.content()).not.toContain(KEY);
      expect((page as Page & { problems?: string[] }).problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("New chat while an answer is awaited cancels that request at the endpoint", async () => {
    const model = await standIn([{ hang: true }]);
    // Far longer than the wait below: only New chat can end the request in time.
    const web = await serve(model, undefined, { ...FAST, timeoutMs: 120_000, deadlineMs: 120_000 });
    const page = await openPage(web);
    try {
      await page.locator(MESSAGE).fill("Tell me a long story");
      await page.keyboard.press("Enter");
      await model.received(1);
      await page.locator(NEW_CHAT).click();
      for (let i = 0; i < 100 && model.abandoned === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(model.abandoned).toBe(1);
      expect(await page.$eval(conversation(), (el) => el.children.length)).toBe(0);
    } finally {
      await page.close();
    }
  });

  it("shows a refusal or a timeout as a visible error that says what to do, and gives the message back", async () => {
    const model = await standIn([{ status: 401 }, { hang: true }]);
    const web = await serve(model, undefined, { ...FAST, timeoutMs: 300 });
    const page = await openPage(web);
    try {
      await page.locator(MESSAGE).fill("hi");
      await page.locator(SEND).click();
      const alert = await page.waitForSelector('[role="alert"]:not([hidden])', { visible: true });
      expect(await alert!.evaluate((el) => (el as HTMLElement).innerText)).toBe(
        "No answer. 401 Unauthorized: the endpoint refused the key. Check PHI3_ENDPOINT_KEY, or take the key from " +
          "`pulumi stack output endpointKey --show-secrets`.\n\nYour message was not added to this conversation and is back in the box: " +
          "send it again, or start a New chat. The terminal running npm run chat -- --web says more.",
      );
      expect(await page.$eval("#message", (el) => (el as HTMLTextAreaElement).value)).toBe("hi");
      expect(await page.$eval(conversation(), (el) => el.children.length)).toBe(0);

      await page.locator(SEND).click();
      await page.waitForFunction(() => document.querySelector('[role="alert"]')?.textContent?.includes("no answer within"), { timeout: STEP_MS });
      expect(await page.$eval('[role="alert"] .reason', (el) => el.textContent)).toBe(
        "no answer within 0.3 s; not sent again, as the model may still be answering it (--retry-timeouts sends it again, --timeout waits longer)",
      );
      expect(model.requests).toHaveLength(2);
    } finally {
      await page.close();
    }
  });

  it("says so when its own server has stopped", async () => {
    const model = await standIn();
    const web = await serve(model);
    const page = await openPage(web);
    try {
      await web.close();
      await page.locator(MESSAGE).fill("still there?");
      await page.keyboard.press("Enter");
      const alert = await page.waitForSelector('[role="alert"]:not([hidden]) .reason', { visible: true });
      expect(await alert!.evaluate((el) => el.textContent)).toBe(
        "The local chat server does not answer: is npm run chat -- --web still running? Start it again and open the address it prints.",
      );
      expect(await page.$eval("#message", (el) => (el as HTMLTextAreaElement).value)).toBe("still there?");
    } finally {
      await page.close();
    }
  });

  it("shows an answer holding markup as text, never as HTML", async () => {
    const answer = '<img src=x onerror="document.title=\'owned\'"><b>bold</b>\x1b[31m';
    const model = await standIn([{ body: JSON.stringify({ output: answer }) }]);
    const web = await serve(model);
    const page = await openPage(web);
    try {
      await page.locator(MESSAGE).fill("markup?");
      await page.locator(SEND).click();
      const text = await conversationShows(page, "<b>bold</b>");
      expect(text).toBe(`You\nmarkup?\nFine-tuned model\n<img src=x onerror="document.title='owned'"><b>bold</b>`);
      expect(await page.$$eval(`${conversation()} img, ${conversation()} b`, (els) => els.length)).toBe(0);
      expect(await page.title()).toBe("Chat with phi3");
    } finally {
      await page.close();
    }
  });

  it("with a baseline, answers the same message in two columns, each endpoint with its own key", async () => {
    const model = await standIn([
      { body: JSON.stringify({ output: "Microsoft was founded by Bill Gates and Paul Allen on April 4, 1975, in Albuquerque, New Mexico." }) },
    ]);
    const baseline = await standIn([{ body: JSON.stringify([{ "0": "Microsoft was founded in 1975." }]) }]);
    const web = await serve(model, baseline);
    const page = await openPage(web, { width: 1100, height: 560 });
    try {
      expect(await page.$$eval(".column h2", (els) => els.map((el) => (el as HTMLElement).innerText))).toEqual([
        `Fine-tuned model ${new URL(model.url).host}`,
        `Baseline ${new URL(baseline.url).host}`,
      ]);
      await page.locator(MESSAGE).fill("Who founded Microsoft?");
      await page.locator(SEND).click();
      expect(await conversationShows(page, "Albuquerque")).toContain("Bill Gates and Paul Allen");
      expect(await conversationShows(page, "in 1975.", "Conversation with the baseline")).toBe(
        "You\nWho founded Microsoft?\nBaseline\nMicrosoft was founded in 1975.",
      );
      expect(model.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
      expect(baseline.requests[0].headers.authorization).toBe(`Bearer ${BASELINE_KEY}`);
      expect(baseline.requests[0].body.input_data.input_string).toEqual([{ role: "user", content: "Who founded Microsoft?" }]);
      if (process.env.UPDATE_SCREENSHOTS === "1") {
        const file = path.join(PROJECT_ROOT, "docs/images/chat-web.png");
        fs.mkdirSync(path.dirname(file), { recursive: true });
        await page.screenshot({ path: file });
      }
    } finally {
      await page.close();
    }
  });
});

describe("npm run chat -- --web on the command line", () => {
  function quietIo(env: Record<string, string>): Io & { err: { text: string } } {
    const err = { text: "", write: (t: string) => (err.text += t) };
    return { stdin: process.stdin, stdout: { write: () => undefined }, stderr: err, env, err, onInterrupt: () => () => undefined };
  }

  it.each([
    [["--web", "--message", "hi"], "--web and --message: choose one"],
    [["--web", "--port", "70000"], '--port "70000": a whole number from 0 to 65535'],
    [["--port", "8080"], "--port goes with --web"],
    [["--web", "--baseline-url", "https://b.example/score"], "a baseline needs both a URL and a key"],
    [["--web", "--baseline-url", "b.example", "--baseline-key", "k"], `the baseline's URL: "b.example" is not a URL`],
  ])("%j is a usage error (exit 2)", async (args, message) => {
    const io = quietIo({ PHI3_ENDPOINT_URL: "https://e.example/score", PHI3_ENDPOINT_KEY: "k" });
    await expect(runChat(args, io)).resolves.toBe(2);
    expect(io.err.text).toContain(message);
  });

  it("takes the baseline from --baseline-url and --baseline-key, else PHI3_BASELINE_URL and PHI3_BASELINE_KEY", () => {
    const env = { PHI3_BASELINE_URL: "https://base.example/score", PHI3_BASELINE_KEY: "env-key" };
    expect(findBaseline({}, env)).toEqual({ url: "https://base.example/score", key: "env-key" });
    expect(findBaseline({ "baseline-url": "https://flag.example/score", "baseline-key": "flag-key" }, env)).toEqual({ url: "https://flag.example/score", key: "flag-key" });
    expect(findBaseline({}, {})).toBeUndefined();
    expect(() => findBaseline({}, { PHI3_BASELINE_KEY: "k" })).toThrow("a baseline needs both a URL and a key");
  });

  it("--help describes --web, --port and the baseline", () => {
    expect(CHAT_HELP).toContain("--web                      chat in a browser");
    expect(CHAT_HELP).toContain("--port N");
    expect(CHAT_HELP).toContain("--baseline-url URL");
  });

  it("prints the page's address, serves it, and stops on Ctrl-C with exit code 130", async () => {
    const model = await standIn();
    const child = spawnNpmScript("chat", ["--web", "--port", "0"], { ...process.env, PHI3_ENDPOINT_URL: model.url, PHI3_ENDPOINT_KEY: KEY });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no address within ${STEP_MS} ms: ${stdout} ${stderr}`)), STEP_MS);
        const check = () => {
          const found = /^Chat in your browser: (http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{43}\/)\n/.exec(stdout);
          if (found) {
            clearTimeout(timer);
            resolve(found[1]);
          }
        };
        child.stdout.on("data", check);
        exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`exited: ${stderr}`));
        });
      });
      const { port, pathname } = new URL(url);
      const page = await raw(Number(port), { path: pathname, headers: { host: `127.0.0.1:${port}` } });
      expect(page.status).toBe(200);
      expect(page.body).toContain("<title>Chat with phi3</title>");
      child.kill("SIGINT");
      expect(await exited).toBe(130);
      expect(stderr).toContain("Stopped the chat page.");
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    }
  });
});
