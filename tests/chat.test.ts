import { runChat } from "../scripts/chat/index";
import { closestCommand } from "../scripts/chat/session";
import { describeEvent, WaitIndicator } from "../scripts/chat/waiting";
import { findEndpoint } from "../scripts/chat/endpointTarget";
import { failedBeforeSend, fetchWithRetry, RetryEvent } from "../scripts/shared/retryingFetch";
import { ask, chat, ClientOptions, outputOf, ScoringError, scoringBody } from "../scripts/chat/scoringClient";
import { printable, stripControls } from "../scripts/shared/terminalText";
import { runSmoke } from "../scripts/smoke";
import { spawnNpmScript } from "./support/npmScript";
import { commandIo } from "./support/commandIo";
import { scoringStandIn } from "./support/scoringStandIn";
import responses from "./support/scoringResponses.json";

const FAST: ClientOptions = { timeoutMs: 2000, attempts: 3, baseDelayMs: 5, maxRetryAfterMs: 1000, deadlineMs: 10_000, resendAfterSend: false };
const hi = [{ role: "user" as const, content: "hi" }];

/** Time that passes only when the code under test sleeps or a test advances it: waits cost nothing, and are counted. */
function fakeClock() {
  let now = 0;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      slept.push(ms);
      now += ms;
    },
    advance: (ms: number) => (now += ms),
    slept,
  };
}

/** A process for runChat and runSmoke: captured stdout and stderr, piped stdin, Ctrl-C on demand. */
function testIo(env: Record<string, string>, options: { tty?: boolean; clock?: ReturnType<typeof fakeClock> } = {}) {
  return commandIo(env, options);
}

function run(script: "chat" | "smoke", args: string[], env: Record<string, string>) {
  const child = spawnNpmScript(script, args, { ...process.env, ...env });
  const result = { stdout: "", stderr: "" };
  child.stdout.on("data", (d) => (result.stdout += d));
  child.stderr.on("data", (d) => (result.stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, ...result })),
  );
  return { child, result, done };
}

async function withStandIn<T>(script: Parameters<typeof scoringStandIn>[0], body: (server: Awaited<ReturnType<typeof scoringStandIn>>) => Promise<T>, hooks?: Parameters<typeof scoringStandIn>[1]) {
  const server = await scoringStandIn(script, hooks);
  try {
    return await body(server);
  } finally {
    await server.close();
  }
}

describe("the scoring client", () => {
  it("sends the mission's body with the key as a bearer token and returns the output", () =>
    withStandIn([], async (server) => {
      const answer = await chat({ url: server.url, key: "k-123" }, [{ role: "user", content: "Who founded Microsoft?" }], undefined, FAST);
      expect(answer).toBe("echo: Who founded Microsoft?");
      expect(server.requests[0].body).toEqual({
        input_data: {
          input_string: [{ role: "user", content: "Who founded Microsoft?" }],
          parameters: { temperature: 0.7, max_new_tokens: 128 },
        },
      });
      expect(server.requests[0].headers.authorization).toBe("Bearer k-123");
      expect(server.requests[0].headers["content-type"]).toBe("application/json");
    }));

  it("retries 429 and 5xx, waiting what Retry-After asks, and says each wait", () => {
    const clock = fakeClock();
    const events: RetryEvent[] = [];
    return withStandIn([{ status: 503 }, { status: 429, retryAfter: "0.5" }], async (server) => {
      const options = { ...FAST, clock, onEvent: (e: RetryEvent) => events.push(e) };
      await expect(chat({ url: server.url, key: "k" }, hi, undefined, options)).resolves.toBe("echo: hi");
      expect(server.requests).toHaveLength(3);
      expect(clock.slept).toEqual([5, 500]);
      expect(events.map(describeEvent).filter(Boolean)).toEqual([
        "HTTP 503 Service Unavailable; trying again in 5 ms (attempt 2 of 3)",
        "HTTP 429 Too Many Requests; trying again in 500 ms, as the endpoint asks (attempt 3 of 3)",
      ]);
    });
  });

  it("does not obey a Retry-After longer than allowed: it says so at once and sends nothing more", () =>
    withStandIn([{ status: 429, retryAfter: "3600" }], async (server) => {
      const clock = fakeClock();
      const error = await chat({ url: server.url, key: "k" }, hi, undefined, { ...FAST, clock, maxRetryAfterMs: 30_000 }).catch((e) => e);
      expect(error.message).toMatch(/^429 Too Many Requests: .* The endpoint asks to wait 3600 s, more than the 30 s allowed \(--max-retry-after\)\.$/);
      expect(error.message.match(/try again later/g)).toHaveLength(1);
      expect(server.requests).toHaveLength(1);
      expect(clock.slept).toEqual([]);
    }));

  it.each([
    [401, /endpoint refused the key.*PHI3_ENDPOINT_KEY/],
    [404, /no endpoint or deployment answers.*servingEnabled/],
    [408, /request timeout.*--max-new-tokens/],
    [424, /model's container failed on this request \(scripted 424\).*Logs/],
  ])("turns %i into a message a person can act on, without retrying", (status, message) =>
    withStandIn([{ status }], async (server) => {
      const error = await chat({ url: server.url, key: "k" }, hi, undefined, FAST).catch((e) => e);
      expect(error).toBeInstanceOf(ScoringError);
      expect(error.message).toMatch(message);
      expect(server.requests).toHaveLength(1);
    }),
  );

  it("explains a 429 that outlasts the attempts", () =>
    withStandIn([{ status: 429 }, { status: 429 }], async (server) => {
      const error = await chat({ url: server.url, key: "k" }, hi, undefined, { ...FAST, attempts: 2, clock: fakeClock() }).catch((e) => e);
      expect(error.message).toMatch(/^gave up after 2 attempts: 429 Too Many Requests: the deployment is busy.*servingInstanceCount/);
    }));

  it("sends nothing to a URL that cannot work, and fails at once", () =>
    withStandIn([], async (server) => {
      const clock = fakeClock();
      const broken = server.url.replace("http://", "http//");
      const error = await chat({ url: broken, key: "k" }, hi, undefined, { ...FAST, clock }).catch((e) => e);
      expect(error.message).toBe(`"${broken}" is not a URL: nothing was sent`);
      const ftp = await chat({ url: "ftp://127.0.0.1/score", key: "k" }, hi, undefined, FAST).catch((e) => e);
      expect(ftp.message).toMatch(/is not an http or https URL: nothing was sent/);
      expect(server.requests).toHaveLength(0);
      expect(clock.slept).toEqual([]);
    }));

  it("gives up when the next wait would pass the deadline, and says so", () =>
    withStandIn([{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }], async (server) => {
      const clock = fakeClock();
      const options = { ...FAST, attempts: 4, baseDelayMs: 4000, deadlineMs: 10_000, clock };
      const error = await chat({ url: server.url, key: "k" }, hi, undefined, options).catch((e) => e);
      expect(error.message).toMatch(/^gave up after 2 attempts: the 10 s allowed in all are up \(--deadline\)\. Last: HTTP 503: scripted 503$/);
      expect(server.requests).toHaveLength(2);
      expect(clock.slept).toEqual([4000]);
    }));

  it("cuts a request that would outlast the deadline, and does not send it again", () =>
    withStandIn([{ hang: true }], async (server) => {
      const error = await chat({ url: server.url, key: "k" }, hi, undefined, { ...FAST, timeoutMs: 60_000, deadlineMs: 50 }).catch((e) => e);
      expect(error.message).toBe("gave up after 1 attempt: the 0.05 s allowed in all are up (--deadline). Last: no answer within 0.05 s");
      // "1 attempt" is the proof; on a busy machine the one request may not have reached the stand-in within 50 ms.
      expect(server.requests.length).toBeLessThanOrEqual(1);
    }));

  it("reports the latency of the answering request, without the waits before it", () => {
    const clock = fakeClock();
    // Each request takes 100 ms on the fake clock; the backoff between them takes 1000.
    return withStandIn(
      [{ status: 502 }],
      async (server) => {
        const answer = await ask({ url: server.url, key: "k" }, hi, undefined, { ...FAST, baseDelayMs: 1000, clock });
        expect(answer).toEqual({ text: "echo: hi", latencyMs: 100, attempts: 2, elapsedMs: 1200 });
      },
      { onRequest: () => clock.advance(100) },
    );
  });

  it("does not send a timed-out request again unless asked to", async () => {
    await withStandIn([{ hang: true }], async (server) => {
      const error = await chat({ url: server.url, key: "k" }, hi, undefined, { ...FAST, timeoutMs: 50 }).catch((e) => e);
      expect(error.message).toBe(
        "no answer within 0.05 s; not sent again, as the model may still be answering it (--retry-timeouts sends it again, --timeout waits longer)",
      );
      // A second request would have been answered ("echo: hi") instead of failing; on a busy machine the first may not
      // even have reached the stand-in within 50 ms.
      expect(server.requests.length).toBeLessThanOrEqual(1);
    });
    await withStandIn([{ hang: true }], async (server) => {
      // Long enough for the first request to arrive before it times out, so the second is the one answered.
      const answer = await chat({ url: server.url, key: "k" }, hi, undefined, { ...FAST, timeoutMs: 1000, resendAfterSend: true });
      expect(answer).toBe("echo: hi");
      expect(server.requests).toHaveLength(2);
    });
  });

  it("retries a refused connection, which never reached the model, and names it", async () => {
    const closed = await scoringStandIn();
    await closed.close(); // nothing listens on its port any more
    const clock = fakeClock();
    const error = await chat({ url: closed.url, key: "k" }, hi, undefined, { ...FAST, attempts: 2, clock }).catch((e) => e);
    expect(error.message).toBe(`gave up after 2 attempts: cannot reach ${closed.url} (ECONNREFUSED)`);
    expect(clock.slept).toEqual([5]);
    expect(describeEvent({ kind: "wait", attempt: 2, attempts: 4, delayMs: 2000, failure: "ECONNREFUSED", retryAfter: false })).toBe(
      "cannot reach the endpoint (ECONNREFUSED); trying again in 2 s (attempt 2 of 4)",
    );
  });

  it("counts a request as never sent when every address of the name refused it, or fetch refused the port", () => {
    // Node's net module, for a name with several addresses, fails with an AggregateError holding each attempt's error.
    const aggregate = (...codes: string[]) => ({ cause: Object.assign(new AggregateError(codes.map((code) => Object.assign(new Error(code), { code }))), { code: codes[0] }) });
    expect(failedBeforeSend(aggregate("ECONNREFUSED", "ECONNREFUSED"))).toBe(true);
    expect(failedBeforeSend(aggregate("ECONNREFUSED", "ECONNRESET"))).toBe(false);
    expect(failedBeforeSend({ cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }) })).toBe(true);
    expect(failedBeforeSend({ cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) })).toBe(false);
    expect(failedBeforeSend({ cause: new Error("bad port") })).toBe(true);
    expect(failedBeforeSend(new Error("no cause"))).toBe(false);
  });

  it("tries again, without the may-still-be-answering note, when fetch never opened a connection (a blocked port)", async () => {
    const clock = fakeClock();
    // Port 9 is on the fetch standard's list of bad ports: fetch refuses it before connecting.
    const error = await chat({ url: "http://127.0.0.1:9/score", key: "k" }, hi, undefined, { ...FAST, attempts: 2, clock }).catch((e) => e);
    expect(error.message).toMatch(/^gave up after 2 attempts: /);
    expect(error.message).not.toMatch(/not sent again/);
    expect(clock.slept).toEqual([5]);
  });

  it("cancels the request in flight when its signal aborts", () =>
    withStandIn([{ hang: true }], async (server) => {
      const controller = new AbortController();
      const pending = chat({ url: server.url, key: "k" }, hi, undefined, { ...FAST, signal: controller.signal }).catch((e) => e);
      await server.received(1);
      controller.abort();
      const error = await pending;
      expect(error).toMatchObject({ kind: "cancelled", message: "cancelled" });
      expect(server.requests).toHaveLength(1);
    }));

  it("says an answer that is not JSON is not JSON, quoting it", () =>
    withStandIn([{ body: "<html>\x1b[31m502</html>" }], async (server) => {
      const error = await chat({ url: server.url, key: "k" }, hi, undefined, FAST).catch((e) => e);
      expect(error.message).toBe("the endpoint's answer is not JSON: <html>\\u001b[31m502</html>");
    }));

  it("sends again after a timeout when the caller says that is safe (as the dataset download's GETs are)", () =>
    withStandIn([{ hang: true }], async (server) => {
      const result = await fetchWithRetry(server.url, { method: "POST", body: JSON.stringify(scoringBody(hi)) }, { attempts: 2, baseDelayMs: 1, timeoutMs: 1000, resendAfterSend: true });
      expect(result.response?.status).toBe(200);
      expect(result.attempts).toBe(2);
    }));
});

describe("the scoring contract's response shapes (tests/support/scoringResponses.json, shared with the flow's tool)", () => {
  it.each(responses.cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const { body, answer, error, quotes } = c as { body: string; answer?: string; error?: string; quotes?: string };
    if (answer !== undefined) {
      expect(outputOf(body)).toBe(answer);
    } else {
      expect(() => outputOf(body)).toThrow(error!);
      if (quotes) expect(() => outputOf(body)).toThrow(quotes);
    }
  });

  it.each(responses.statuses.map((c) => [c.name, c] as const))("failed: %s", (_, c) =>
    withStandIn([{ status: c.status, body: c.body }], async (server) => {
      const error = await chat({ url: server.url, key: "k" }, hi, undefined, FAST).catch((e) => e);
      expect(error).toBeInstanceOf(ScoringError);
      expect(error.status).toBe(c.status);
      expect(error.message).toContain(c.says);
      expect(error.message.startsWith("Serving is parked:")).toBe(c.parked);
      expect(server.requests).toHaveLength(1); // a 4xx is not sent again
    }),
  );

  it("says a parked endpoint's answer in the flow's words", () =>
    withStandIn([{ status: 404, body: "No valid deployments to route to." }], async (server) => {
      const error = await chat({ url: server.url, key: "k" }, hi, undefined, FAST).catch((e) => e);
      expect(error.message).toBe(
        "Serving is parked: the endpoint has no deployment to answer (404: No valid deployments to route to). " +
          "Unpark it with `pulumi config set servingEnabled true && pulumi up`, then ask again.",
      );
    }));

  it("builds the request body from the messages and parameters", () => {
    expect(outputOf({ output: "hi" })).toBe("hi");
    expect(scoringBody([{ role: "user", content: "x" }], { temperature: 0.2, maxNewTokens: 5 })).toEqual({
      input_data: { input_string: [{ role: "user", content: "x" }], parameters: { temperature: 0.2, max_new_tokens: 5 } },
    });
  });
});

describe("terminal text", () => {
  it.each([
    ["colours (CSI SGR)", "\x1b[1;31mred\x1b[0m", "red"],
    ["cursor moves and screen clears", "a\x1b[2J\x1b[Hb\x1b[10;5f", "ab"],
    ["a window title (OSC with BEL)", "\x1b]0;pwned\x07hi", "hi"],
    ["the clipboard (OSC 52 with ST)", "\x1b]52;c;ZXZpbA==\x1b\\ok", "ok"],
    ["a hyperlink keeps its text (OSC 8)", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"],
    ["8-bit CSI and OSC", "\x9b31mx\x9d0;t\x9cy", "xy"],
    ["device control strings", "\x1bPq#0;2;0;0;0\x1b\\z", "z"],
    ["a terminal reset (ESC c) and a charset switch", "\x1bca\x1b(Bb", "ab"],
    ["an unterminated title swallows the rest, as a terminal would", "ok\x1b]0;rest", "ok"],
    ["bells, backspaces, carriage returns and DEL", "a\x07b\x08c\rd\x7fe", "abcde"],
    ["a lone escape", "end\x1b", "end"],
  ])("strips %s", (_, raw, shown) => {
    expect(stripControls(raw)).toBe(shown);
  });

  it("keeps newlines, tabs and any text (CRLF becomes LF)", () => {
    expect(stripControls("line 1\r\n\tline 2 — é 中文 🙂\n")).toBe("line 1\n\tline 2 — é 中文 🙂\n");
  });

  it("quotes what arrived on one line, controls shown as escapes", () => {
    expect(printable("a\x1b[31m\nb\x9b")).toBe("a\\u001b[31m\\u000ab\\u009b");
  });
});

describe("findEndpoint", () => {
  it("prefers PHI3_ENDPOINT_URL and PHI3_ENDPOINT_KEY, else reads the stack's outputs", async () => {
    const never = jest.fn();
    await expect(findEndpoint({ PHI3_ENDPOINT_URL: "https://e/score", PHI3_ENDPOINT_KEY: "k" }, never)).resolves.toEqual({ url: "https://e/score", key: "k" });
    expect(never).not.toHaveBeenCalled();
    const outputs = jest.fn(async () => JSON.stringify({ scoringUri: "https://s/score", endpointKey: "secret", other: 1 }));
    await expect(findEndpoint({}, outputs, "dev")).resolves.toEqual({ url: "https://s/score", key: "secret" });
    expect(outputs).toHaveBeenCalledWith("dev");
  });

  it("explains a half-set environment, a URL that is not one, and a stack without serving outputs", async () => {
    await expect(findEndpoint({ PHI3_ENDPOINT_URL: "x" }, jest.fn())).rejects.toThrow(/set both/);
    await expect(findEndpoint({ PHI3_ENDPOINT_URL: "not-a-url", PHI3_ENDPOINT_KEY: "k" }, jest.fn())).rejects.toThrow(
      /^PHI3_ENDPOINT_URL: "not-a-url" is not a URL; set it to the endpoint's scoring URI, https:\/\/<endpoint>/,
    );
    await expect(findEndpoint({}, async () => "{}")).rejects.toThrow(/servingEnabled/);
    await expect(findEndpoint({}, async () => JSON.stringify({ scoringUri: "nope", endpointKey: "k" }))).rejects.toThrow(/scoringUri output: "nope" is not a URL/);
  });
});

describe("npm run chat (in-process, against a stand-in endpoint)", () => {
  it("documents its options, commands and exit codes with --help", async () => {
    for (const [command, runner] of [["chat", runChat], ["smoke", runSmoke]] as const) {
      const { io, out } = testIo({});
      await expect(runner(["--help"], io)).resolves.toBe(0);
      expect(out.text).toMatch(new RegExp(`^usage: npm run ${command} -- `));
      expect(out.text).toMatch(/--deadline SECONDS .*\(default \d+\)/);
      expect(out.text).toMatch(/--max-retry-after SECONDS .*\(default 30\)/);
      expect(out.text).toMatch(/--retry-timeouts/);
      expect(out.text).toMatch(/Exit codes:\n {2}0 {4}done\n {2}1 {4}failed: .*\n {2}2 {4}bad command line or setting, nothing done: .*\n {2}130 {2}interrupted \(Ctrl-C\)\n$/);
    }
    const { io, out } = testIo({});
    await runChat(["-h"], io);
    expect(out.text).toMatch(/\/help .*\n.*\/reset .*asks first.*\n.*\/exit .*\n/);
  });

  it.each([
    [["--bogus"], "chat: Unknown option '--bogus' (npm run chat -- --help lists the options)"],
    [["--timeout", "abc"], 'chat: --timeout "abc": a number of seconds above 0, e.g. --timeout 30'],
    [["--deadline", "0"], 'chat: --deadline "0": a number of seconds above 0, e.g. --deadline 30'],
    [["--attempts", "1.5"], 'chat: --attempts "1.5": a whole number of at least 1 (1: never retry)'],
    [["--temperature", "3"], "chat: --temperature 3: a number from 0 to 2"],
    [["--message", " "], "chat: --message is empty: say what to ask"],
  ])("refuses %j with exit code 2, sending nothing", async (args, message) => {
    const { io, err } = testIo({ PHI3_ENDPOINT_URL: "http://127.0.0.1:9/score", PHI3_ENDPOINT_KEY: "k" });
    await expect(runChat(args, io)).resolves.toBe(2);
    expect(err.text).toBe(`${message}\n`);
  });

  it("refuses PHI3_ENDPOINT_URL=not-a-url at once, with exit code 2", async () => {
    const { io, err } = testIo({ PHI3_ENDPOINT_URL: "not-a-url", PHI3_ENDPOINT_KEY: "k" });
    await expect(runChat(["--message", "hi"], io)).resolves.toBe(2);
    expect(err.text).toMatch(/^chat: PHI3_ENDPOINT_URL: "not-a-url" is not a URL/);
  });

  it("keeps the conversation; /help, /reset with confirmation, // and /exit are handled here, not sent", () =>
    withStandIn([], async (server) => {
      const { io, stdin, out, err } = testIo({ PHI3_ENDPOINT_URL: server.url, PHI3_ENDPOINT_KEY: "k" });
      stdin.end(["Hello", "And then?", "/help", "/exti", "/reset", "n", "/reset", "y", "//usr/bin?", "/exit", "never sent"].join("\n") + "\n");
      await expect(runChat([], io)).resolves.toBe(0);
      expect(out.text).toContain("phi3> echo: Hello");
      expect(out.text).toContain("phi3> echo: And then?");
      expect(out.text).toMatch(/\/reset +start a new conversation/);
      expect(err.text).toContain("Unknown command /exti; did you mean /exit? Nothing was sent.");
      expect(out.text).toContain("Forget the 2 exchanges so far? [y/N] Kept the conversation.");
      expect(out.text).toContain("Started over.");
      expect(server.requests.map((r) => r.body.input_data.input_string)).toEqual([
        [{ role: "user", content: "Hello" }],
        [
          { role: "user", content: "Hello" },
          { role: "assistant", content: "echo: Hello" },
          { role: "user", content: "And then?" },
        ],
        [{ role: "user", content: "/usr/bin?" }],
      ]);
    }));

  it("suggests the command a typo meant", () => {
    expect(closestCommand("/exti")).toBe("/exit");
    expect(closestCommand("/QUIT")).toBe("/quit");
    expect(closestCommand("/rest")).toBe("/reset");
    expect(closestCommand("/weather")).toBeUndefined();
  });

  it("shows answers without terminal control sequences", () =>
    withStandIn([{ body: JSON.stringify({ output: "\x1b]0;owned\x07\x1b[31mBill Gates\x1b[0m\x1b[2J" }) }], async (server) => {
      const { io, out } = testIo({ PHI3_ENDPOINT_URL: server.url, PHI3_ENDPOINT_KEY: "k" });
      await expect(runChat(["--message", "who?"], io)).resolves.toBe(0);
      expect(out.text).toBe("Bill Gates\n");
    }));

  it("Ctrl-C cancels the answer being waited for and keeps the chat; nothing of it stays in the history", () =>
    withStandIn([{ hang: true }], async (server) => {
      const { io, stdin, err, interrupt } = testIo({ PHI3_ENDPOINT_URL: server.url, PHI3_ENDPOINT_KEY: "k" });
      const exit = runChat([], io);
      stdin.write("hello\n");
      await server.received(1);
      interrupt();
      stdin.end("again\n/exit\n");
      await expect(exit).resolves.toBe(0);
      expect(err.text).toContain("Cancelled; nothing was added to the conversation.");
      expect(server.requests[1].body.input_data.input_string).toEqual([{ role: "user", content: "again" }]);
    }));

  it("a second Ctrl-C ends the chat with exit code 130", () =>
    withStandIn([{ hang: true }], async (server) => {
      const { io, stdin, interrupt } = testIo({ PHI3_ENDPOINT_URL: server.url, PHI3_ENDPOINT_KEY: "k" });
      const exit = runChat([], io);
      stdin.write("hello\n");
      await server.received(1);
      interrupt();
      interrupt();
      await expect(exit).resolves.toBe(130);
      expect(server.requests).toHaveLength(1);
    }));

  it("shows a waiting indicator on a terminal only, and says each retry everywhere", async () => {
    for (const tty of [true, false]) {
      await withStandIn([{ status: 503 }], async (server) => {
        const { io, out, err } = testIo({ PHI3_ENDPOINT_URL: server.url, PHI3_ENDPOINT_KEY: "k" }, { tty, clock: fakeClock() });
        await expect(runChat(["--message", "hi"], io)).resolves.toBe(0);
        expect(out.text).toBe("echo: hi\n");
        expect(err.text).toContain("HTTP 503 Service Unavailable; trying again in 1 s (attempt 2 of 4)\n");
        if (tty) expect(err.text).toMatch(/^\r[|/\\-] waiting for phi3 \(0 s\)\x1b\[K/);
        if (tty) expect(err.text.endsWith("\r\x1b[K")).toBe(true);
        else expect(err.text).not.toContain("waiting for phi3");
      });
    }
  });
});

describe("npm run smoke (in-process, against a stand-in endpoint)", () => {
  it("says where it asks and for how long, and reports the answering request's latency without the waits", () => {
    const clock = fakeClock();
    return withStandIn(
      [{ status: 503 }],
      async (server) => {
        const { io, out, err } = testIo({ PHI3_ENDPOINT_URL: server.url, PHI3_ENDPOINT_KEY: "k" }, { clock });
        await expect(runSmoke([], io)).resolves.toBe(0);
        expect(out.text).toBe("ok: 100 ms (attempt 2; 1.2 s in all with the waits)\nQ: Who founded Microsoft?\nA: echo: Who founded Microsoft?\n");
        expect(err.text).toMatch(new RegExp(`^asking ${server.url}: up to 120 s a request, 300 s in all\n`));
        expect(err.text).toContain("HTTP 503 Service Unavailable; trying again in 1 s (attempt 2 of 6)");
      },
      { onRequest: () => clock.advance(100) },
    );
  });

  it("fails with exit code 1 and the reason: a refused key, a timeout not resent, an answer that is not JSON", async () => {
    await withStandIn([{ status: 401 }], async (server) => {
      const { io, err } = testIo({ PHI3_ENDPOINT_URL: server.url, PHI3_ENDPOINT_KEY: "bad" });
      await expect(runSmoke([], io)).resolves.toBe(1);
      expect(err.text).toMatch(/smoke check failed: 401 Unauthorized/);
    });
    await withStandIn([{ hang: true }], async (server) => {
      const { io, err } = testIo({ PHI3_ENDPOINT_URL: server.url, PHI3_ENDPOINT_KEY: "k" });
      await expect(runSmoke(["--timeout", "0.05"], io)).resolves.toBe(1);
      expect(err.text).toMatch(/smoke check failed: no answer within 0.05 s; not sent again/);
      expect(server.requests).toHaveLength(1);
    });
    await withStandIn([{ body: "upstream connect error" }], async (server) => {
      const { io, err } = testIo({ PHI3_ENDPOINT_URL: server.url, PHI3_ENDPOINT_KEY: "k" });
      await expect(runSmoke([], io)).resolves.toBe(1);
      expect(err.text).toMatch(/smoke check failed: the endpoint's answer is not JSON: upstream connect error\n$/);
    });
  });

  it("Ctrl-C cancels the request with exit code 130", () =>
    withStandIn([{ hang: true }], async (server) => {
      const { io, err, interrupt } = testIo({ PHI3_ENDPOINT_URL: server.url, PHI3_ENDPOINT_KEY: "k" });
      const exit = runSmoke([], io);
      await server.received(1);
      interrupt();
      await expect(exit).resolves.toBe(130);
      expect(err.text).toMatch(/smoke check cancelled\n$/);
    }));

  it("off a terminal, keeps saying that it is still waiting", async () => {
    const lines: string[] = [];
    const written = new Promise<void>((resolve) => {
      const indicator: WaitIndicator = new WaitIndicator(
        {
          write: (t: string): void => {
            lines.push(t);
            indicator.stop();
            resolve();
          },
        },
        "heartbeat",
        { heartbeatMs: 5, now: () => 42_000 },
      );
      indicator.start("waiting for the model");
    });
    await written;
    expect(lines).toEqual(["still waiting for the model: 0 s so far\n"]);
  });

  it("off a terminal, says it is waiting to try again, not waiting for the model, between attempts", async () => {
    const lines: string[] = [];
    const written = new Promise<void>((resolve) => {
      const indicator: WaitIndicator = new WaitIndicator(
        {
          write: (t: string): void => {
            lines.push(t);
            if (t.startsWith("still")) {
              indicator.stop();
              resolve();
            }
          },
        },
        "heartbeat",
        { heartbeatMs: 5, now: () => 42_000 },
      );
      indicator.start("waiting for the model");
      indicator.event({ kind: "wait", attempt: 2, attempts: 4, delayMs: 2000, failure: "ECONNREFUSED", retryAfter: false });
    });
    await written;
    expect(lines).toEqual([
      "cannot reach the endpoint (ECONNREFUSED); trying again in 2 s (attempt 2 of 4)\n",
      "still waiting to try again (attempt 2 of 4); nothing sent meanwhile: 0 s so far\n",
    ]);
  });
});

describe("the commands as processes", () => {
  it("answers one --message with the stand-in's output", () =>
    withStandIn([], async (server) => {
      const env = { PHI3_ENDPOINT_URL: server.url, PHI3_ENDPOINT_KEY: "key-1" };
      const result = await run("chat", ["--message", "Who founded Microsoft?", "--temperature", "0.2", "--max-new-tokens", "64"], env).done;
      expect(result.stdout).toBe("echo: Who founded Microsoft?\n");
      expect(result.code).toBe(0);
      expect(server.requests[0].body.input_data.parameters).toEqual({ temperature: 0.2, max_new_tokens: 64 });
      expect(server.requests[0].headers.authorization).toBe("Bearer key-1");
    }));

  it("Ctrl-C (SIGINT) cancels the request in flight, and a second one ends the chat with 130", () =>
    withStandIn([{ hang: true }], async (server) => {
      const { child, result, done } = run("chat", [], { PHI3_ENDPOINT_URL: server.url, PHI3_ENDPOINT_KEY: "k" });
      child.stdin.write("hello\n");
      await server.received(1);
      child.kill("SIGINT");
      await new Promise<void>((resolve) => {
        const check = () => (result.stderr.includes("Cancelled") ? resolve() : child.stderr.once("data", check));
        check();
      });
      child.kill("SIGINT");
      const { code, stderr } = await done;
      expect(stderr).toContain("Cancelled; nothing was added to the conversation.");
      expect(code).toBe(130);
    }));
});
