import { failedBeforeSend, fetchWithRetry, RetriedResponse, RetryEvent, retryAfterMs, retryable, realClock } from "../scripts/shared/retryingFetch";
import { scoringStandIn, ScoringStep } from "./support/scoringStandIn";

// The retry policy of scripts/shared/retryingFetch.ts, which every client of ours (the scoring client, the dataset
// download, the retail prices) sends its requests through, against a local HTTP server on 127.0.0.1 that answers as
// scripted. Time is a fake clock: waits and request timeouts take no time and are counted.

/** Time that passes only when the code sleeps, a request times out or a test advances it. */
function fakeClock() {
  // Not zero: a monotonic clock's readings start anywhere, and only their differences mean anything.
  let now = 1_000_000;
  const slept: number[] = [];
  const timers: { ms: number; fire: () => void; stopped: boolean }[] = [];
  return {
    now: () => now,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      slept.push(ms);
      now += ms;
    },
    timer: (ms: number, fire: () => void) => {
      const timer = { ms, fire, stopped: false };
      timers.push(timer);
      return () => void (timer.stopped = true);
    },
    advance: (ms: number) => void (now += ms),
    /** The request in flight runs out of time: the clock moves to its end and its timer fires. */
    timeOut: () => {
      const timer = timers.at(-1)!;
      now += timer.ms;
      timer.fire();
    },
    slept,
    timers,
  };
}
type FakeClock = ReturnType<typeof fakeClock>;

type Server = Awaited<ReturnType<typeof scoringStandIn>>;
async function withServer<T>(script: ScoringStep[], body: (server: Server, clock: FakeClock) => Promise<T>, onRequest?: (index: number, clock: FakeClock) => void): Promise<T> {
  const clock = fakeClock();
  const server = await scoringStandIn(script, { onRequest: onRequest && ((index) => onRequest(index, clock)) });
  try {
    const result = await body(server, clock);
    // Every request's timer is stopped when its attempt ends.
    expect(clock.timers.filter((t) => !t.stopped)).toEqual([]);
    return result;
  } finally {
    await server.close();
  }
}

const POLICY = { attempts: 3, baseDelayMs: 100, timeoutMs: 5000 };
const GET: RequestInit = { method: "GET" };
const POST: RequestInit = { method: "POST", body: "{}" };
const OK: ScoringStep = { body: "ok" };
/** What a test compares: the result without the Response object, and the status it had. */
function seen(result: RetriedResponse) {
  const { response, ...rest } = result;
  return { ...rest, status: response?.status };
}

describe("which answers are tried again", () => {
  it.each([
    [429, "Too Many Requests"],
    [500, "Internal Server Error"],
    [502, "Bad Gateway"],
    [503, "Service Unavailable"],
    [504, "Gateway Timeout"],
  ])("%i: retried up to the attempt limit, and given up one past it", async (status, text) => {
    // Attempt limit 3: two failures, then the answer on the third and last attempt; backoff 100 ms, then 200.
    await withServer([{ status }, { status }, OK], async (server, clock) => {
      const result = await fetchWithRetry(server.url, GET, { ...POLICY, clock });
      expect(seen(result)).toEqual({ status: 200, body: "ok", failure: "HTTP 200 OK", exhausted: false, attempts: 3, latencyMs: 0, elapsedMs: 300 });
      expect(server.requests).toHaveLength(3);
      expect(clock.slept).toEqual([100, 200]);
    });
    // Three failures: the third is the last attempt; nothing more is sent and there is no wait after it.
    await withServer([{ status }, { status }, { status }, OK], async (server, clock) => {
      const result = await fetchWithRetry(server.url, GET, { ...POLICY, clock });
      expect(seen(result)).toEqual({ status, body: `scripted ${status}`, failure: `HTTP ${status} ${text}`, exhausted: true, attempts: 3, latencyMs: 0, elapsedMs: 300 });
      expect(server.requests).toHaveLength(3);
      expect(clock.slept).toEqual([100, 200]);
    });
    expect(retryable(status)).toBe(true);
  });

  it.each([
    [400, "Bad Request"],
    [401, "Unauthorized"],
    [404, "Not Found"],
    [408, "Request Timeout"],
    [499, "unknown"],
  ])("%i: answered once, not retried", (status, text) =>
    withServer([{ status }, OK], async (server, clock) => {
      const result = await fetchWithRetry(server.url, GET, { ...POLICY, clock });
      expect(seen(result)).toEqual({ status, body: `scripted ${status}`, failure: `HTTP ${status} ${text}`, exhausted: false, attempts: 1, latencyMs: 0, elapsedMs: 0 });
      expect(server.requests).toHaveLength(1);
      expect(clock.slept).toEqual([]);
      expect(retryable(status)).toBe(false);
    }),
  );

  it("backs off from baseDelayMs, doubling each attempt, and says each attempt and wait as it starts", () =>
    withServer([{ status: 503 }, { status: 500 }, { status: 429 }, { status: 502 }], async (server, clock) => {
      const events: RetryEvent[] = [];
      const result = await fetchWithRetry(server.url, GET, { ...POLICY, attempts: 4, clock, onEvent: (e) => events.push(e) });
      expect(result).toMatchObject({ failure: "HTTP 502 Bad Gateway", exhausted: true, attempts: 4, elapsedMs: 700 });
      expect(clock.slept).toEqual([100, 200, 400]);
      expect(events).toEqual([
        { kind: "attempt", attempt: 1, attempts: 4, timeoutMs: 5000 },
        { kind: "wait", attempt: 2, attempts: 4, delayMs: 100, failure: "HTTP 503 Service Unavailable", retryAfter: false },
        { kind: "attempt", attempt: 2, attempts: 4, timeoutMs: 5000 },
        { kind: "wait", attempt: 3, attempts: 4, delayMs: 200, failure: "HTTP 500 Internal Server Error", retryAfter: false },
        { kind: "attempt", attempt: 3, attempts: 4, timeoutMs: 5000 },
        { kind: "wait", attempt: 4, attempts: 4, delayMs: 400, failure: "HTTP 429 Too Many Requests", retryAfter: false },
        { kind: "attempt", attempt: 4, attempts: 4, timeoutMs: 5000 },
      ]);
    }));

  it("times the answering request alone, and the whole from the first attempt", () =>
    withServer(
      [{ status: 503 }, OK],
      async (server, clock) => {
        const result = await fetchWithRetry(server.url, GET, { ...POLICY, clock });
        // 40 ms a request, 100 ms of backoff: 40 + 100 + 40.
        expect(result).toMatchObject({ attempts: 2, latencyMs: 40, elapsedMs: 180 });
      },
      (_, clock) => clock.advance(40),
    ));
});

describe("Retry-After", () => {
  it.each([
    ["2", 2000],
    ["0.5", 500],
    // An HTTP date in the past: try again at once.
    ["Thu, 01 Jan 1970 00:00:00 GMT", 0],
  ])("%j is waited as asked (%i ms) instead of the backoff", (header, ms) =>
    withServer([{ status: 429, retryAfter: header }, OK], async (server, clock) => {
      const events: RetryEvent[] = [];
      const result = await fetchWithRetry(server.url, GET, { ...POLICY, clock, onEvent: (e) => events.push(e) });
      expect(result).toMatchObject({ attempts: 2, exhausted: false });
      expect(clock.slept).toEqual([ms]);
      expect(events[1]).toEqual({ kind: "wait", attempt: 2, attempts: 3, delayMs: ms, failure: "HTTP 429 Too Many Requests", retryAfter: true });
    }),
  );

  it.each(["0", "-5", "soon"])("%j is not a wait: the backoff applies", (header) =>
    withServer([{ status: 503, retryAfter: header }, OK], async (server, clock) => {
      const events: RetryEvent[] = [];
      await fetchWithRetry(server.url, GET, { ...POLICY, clock, onEvent: (e) => events.push(e) });
      expect(clock.slept).toEqual([100]);
      expect(events[1]).toMatchObject({ delayMs: 100, retryAfter: false });
    }),
  );

  it("is obeyed up to maxRetryAfterMs exactly", () =>
    withServer([{ status: 429, retryAfter: "2" }, OK], async (server, clock) => {
      const result = await fetchWithRetry(server.url, GET, { ...POLICY, maxRetryAfterMs: 2000, clock });
      expect(result).toMatchObject({ attempts: 2, exhausted: false });
      expect(result.stop).toBeUndefined();
      expect(clock.slept).toEqual([2000]);
    }));

  it("ends the retries at once when it asks for more than maxRetryAfterMs, saying both", () =>
    withServer([{ status: 503, retryAfter: "1.234" }, OK], async (server, clock) => {
      const result = await fetchWithRetry(server.url, GET, { ...POLICY, maxRetryAfterMs: 1233, clock });
      expect(seen(result)).toEqual({
        status: 503,
        body: "scripted 503",
        failure: "HTTP 503 Service Unavailable",
        exhausted: true,
        attempts: 1,
        latencyMs: 0,
        elapsedMs: 0,
        stop: {
          kind: "retry-after",
          askedMs: 1234,
          limitMs: 1233,
          // Below 1 s two decimals, from 1 s one: 1.234 s shows as 1.2 s.
          message: "the server asks to wait 1.2 s before trying again, more than the 1.2 s allowed",
        },
      });
      expect(server.requests).toHaveLength(1);
      expect(clock.slept).toEqual([]);
    }));

  it("has no limit unless one is set", () =>
    withServer([{ status: 429, retryAfter: "3600" }, OK], async (server, clock) => {
      await fetchWithRetry(server.url, GET, { ...POLICY, clock });
      expect(clock.slept).toEqual([3_600_000]);
    }));

  it("reads seconds, whole or not, and HTTP dates against the given time", () => {
    const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs("0.25", now)).toBe(250);
    expect(retryAfterMs("Wed, 21 Oct 2015 07:28:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Wed, 21 Oct 2015 07:27:00 GMT", now)).toBe(0);
    for (const unreadable of [null, "", "   ", "0", "-1", "Infinity", "later"]) expect(retryAfterMs(unreadable, now)).toBeUndefined();
  });
});

describe("a deadline over all attempts and waits", () => {
  it("shortens a request's timeout to the time left", () =>
    withServer([{ status: 503 }, OK], async (server, clock) => {
      const events: RetryEvent[] = [];
      await fetchWithRetry(server.url, GET, { ...POLICY, deadlineMs: 3000, clock, onEvent: (e) => events.push(e) });
      // 3000 ms at the first attempt; 3000 - 100 of backoff at the second.
      expect(events.filter((e) => e.kind === "attempt").map((e) => e.kind === "attempt" && e.timeoutMs)).toEqual([3000, 2900]);
      expect(clock.timers.map((t) => t.ms)).toEqual([3000, 2900]);
    }));

  it("starts no wait that would reach it", () =>
    // Backoff 100 then 200 against 300 ms in all: the second wait would end exactly at the deadline.
    withServer([{ status: 503 }, { status: 503 }, OK], async (server, clock) => {
      const result = await fetchWithRetry(server.url, GET, { ...POLICY, deadlineMs: 300, clock });
      expect(seen(result)).toEqual({
        status: 503,
        body: "scripted 503",
        failure: "HTTP 503 Service Unavailable",
        exhausted: true,
        attempts: 2,
        latencyMs: 0,
        elapsedMs: 100,
        stop: { kind: "deadline", deadlineMs: 300, message: "the 0.3 s allowed in all are up" },
      });
      expect(clock.slept).toEqual([100]);
      expect(server.requests).toHaveLength(2);
    }));

  it("waits when the wait ends before it", () =>
    withServer([{ status: 503 }, { status: 503 }, OK], async (server, clock) => {
      const result = await fetchWithRetry(server.url, GET, { ...POLICY, deadlineMs: 301, clock });
      expect(result).toMatchObject({ attempts: 3, exhausted: false });
      expect(clock.slept).toEqual([100, 200]);
    }));

  it("sends nothing when there is no time at all", () =>
    withServer([OK], async (server, clock) => {
      const result = await fetchWithRetry(server.url, GET, { ...POLICY, deadlineMs: 0, clock });
      expect(result).toEqual({
        body: "",
        failure: "no attempt",
        exhausted: true,
        attempts: 0,
        elapsedMs: 0,
        stop: { kind: "deadline", deadlineMs: 0, message: "the 0 s allowed in all are up" },
      });
      expect(server.requests).toHaveLength(0);
    }));

  it("cuts a request it cuts short, and sends it no more, even a GET", () =>
    withServer(
      [{ hang: true }, OK],
      async (server, clock) => {
        const result = await fetchWithRetry(server.url, GET, { ...POLICY, deadlineMs: 1234, clock });
        expect(result).toEqual({
          body: "",
          failure: "no answer within 1.2 s",
          exhausted: true,
          attempts: 1,
          elapsedMs: 1234,
          stop: { kind: "deadline", deadlineMs: 1234, message: "the 1.2 s allowed in all are up" },
        });
        expect(server.requests).toHaveLength(1);
      },
      (index, clock) => index === 0 && clock.timeOut(),
    ));

  it("cuts a POST short the same way: the deadline, not the rule against resending, ends it", () =>
    withServer(
      [{ hang: true }, OK],
      async (server, clock) => {
        const result = await fetchWithRetry(server.url, POST, { ...POLICY, deadlineMs: 1234, clock });
        expect(result).toMatchObject({ failure: "no answer within 1.2 s", exhausted: true, attempts: 1, stop: { kind: "deadline" } });
      },
      (index, clock) => index === 0 && clock.timeOut(),
    ));

  it("is not what ended a request that ran out its own timeout with the same time left", () =>
    withServer(
      [{ hang: true }, OK],
      async (server, clock) => {
        const result = await fetchWithRetry(server.url, POST, { ...POLICY, deadlineMs: 5000, clock });
        expect(result.stop).toEqual({ kind: "not-resent", message: "not sent again: the server may already be acting on it" });
        expect(result).toMatchObject({ failure: "no answer within 5 s", exhausted: false, attempts: 1 });
      },
      (index, clock) => index === 0 && clock.timeOut(),
    ));
});

describe("a request that got no answer", () => {
  const timeOutFirst = (index: number, clock: FakeClock) => index === 0 && clock.timeOut();

  it.each([
    ["GET", GET],
    ["HEAD", { method: "HEAD" }],
    ["get (any case)", { method: "get" }],
    ["no method (GET)", {}],
    ["POST when the caller says resending is safe", { ...POST, resend: true }],
  ])("%s: sent again after a timeout", (_, init) =>
    withServer(
      [{ hang: true }, OK],
      async (server, clock) => {
        const { resend, ...request } = init as RequestInit & { resend?: boolean };
        const result = await fetchWithRetry(server.url, request, { ...POLICY, clock, ...(resend ? { resendAfterSend: true } : {}) });
        expect(result).toMatchObject({ exhausted: false, attempts: 2, elapsedMs: 5100 });
        expect(result.response?.status).toBe(200);
        expect(server.requests).toHaveLength(2);
        expect(clock.slept).toEqual([100]);
      },
      timeOutFirst,
    ),
  );

  it.each([
    ["POST", POST, undefined],
    ["GET when the caller says resending is not safe", GET, false],
  ])("%s: not sent again after a timeout", (_, init, resendAfterSend) =>
    withServer(
      [{ hang: true }, OK],
      async (server, clock) => {
        const result = await fetchWithRetry(server.url, init, { ...POLICY, timeoutMs: 50, clock, ...(resendAfterSend === undefined ? {} : { resendAfterSend }) });
        expect(result).toEqual({
          body: "",
          failure: "no answer within 0.05 s",
          exhausted: false,
          attempts: 1,
          elapsedMs: 50,
          stop: { kind: "not-resent", message: "not sent again: the server may already be acting on it" },
        });
        expect(server.requests).toHaveLength(1);
      },
      timeOutFirst,
    ),
  );

  it("gives up after the attempts when every request times out", () =>
    withServer(
      [{ hang: true }, { hang: true }, OK],
      async (server, clock) => {
        const result = await fetchWithRetry(server.url, GET, { ...POLICY, attempts: 2, timeoutMs: 1234, clock });
        expect(result).toEqual({ body: "", failure: "no answer within 1.2 s", exhausted: true, attempts: 2, elapsedMs: 2568 });
      },
      (_, clock) => clock.timeOut(),
    ));

  it("retries a POST whose connection was refused: it never reached the server", async () => {
    const closed = await scoringStandIn();
    await closed.close(); // nothing listens on its port any more
    const clock = fakeClock();
    const events: RetryEvent[] = [];
    const result = await fetchWithRetry(closed.url, POST, { ...POLICY, clock, onEvent: (e) => events.push(e) });
    expect(result).toEqual({ body: "", failure: "ECONNREFUSED", exhausted: true, attempts: 3, elapsedMs: 300 });
    expect(clock.slept).toEqual([100, 200]);
    expect(events.filter((e) => e.kind === "wait")).toEqual([
      { kind: "wait", attempt: 2, attempts: 3, delayMs: 100, failure: "ECONNREFUSED", retryAfter: false },
      { kind: "wait", attempt: 3, attempts: 3, delayMs: 200, failure: "ECONNREFUSED", retryAfter: false },
    ]);
    // https is sent as well: refused the same way.
    const secure = await fetchWithRetry(closed.url.replace("http:", "https:"), POST, { ...POLICY, attempts: 1, clock });
    expect(secure).toMatchObject({ failure: "ECONNREFUSED", attempts: 1 });
  });

  it("retries a POST to a port fetch refuses (no connection is opened), naming the cause", async () => {
    const clock = fakeClock();
    // Port 9 is on the fetch standard's list of bad ports.
    const result = await fetchWithRetry("http://127.0.0.1:9/score", POST, { ...POLICY, attempts: 2, clock });
    expect(result).toEqual({ body: "", failure: "bad port", exhausted: true, attempts: 2, elapsedMs: 100 });
  });

  it("names a failure without a cause by its message", async () => {
    const clock = fakeClock();
    const result = await fetchWithRetry("http://127.0.0.1:9/score", { headers: { "x-bad": "a\nb" } }, { ...POLICY, attempts: 2, clock });
    expect(result).toMatchObject({ exhausted: true, attempts: 2 });
    expect(result.failure).toMatch(/^Headers\.append: ".*" is an invalid header value\.$/s);
  });

  it("does not send a POST again when the connection dropped after it was sent", () =>
    withServer([{ hang: true }, OK], async (server, clock) => {
      const pending = fetchWithRetry(server.url, POST, { ...POLICY, clock });
      await server.received(1);
      await server.close(); // the stand-in drops the open connection
      const result = await pending;
      expect(result).toMatchObject({ body: "", exhausted: false, attempts: 1, stop: { kind: "not-resent" } });
      expect(result.failure).not.toMatch(/no answer within/);
    }));

  it("counts a request as never sent only when every cause failed before sending", () => {
    const cause = (code?: string, message = "connect failed") => ({ cause: Object.assign(new Error(message), code === undefined ? {} : { code }) });
    for (const code of ["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EADDRNOTAVAIL", "UND_ERR_CONNECT_TIMEOUT"]) {
      expect(failedBeforeSend(cause(code))).toBe(true);
    }
    for (const code of ["ECONNRESET", "UND_ERR_SOCKET", "EPIPE", undefined]) expect(failedBeforeSend(cause(code))).toBe(false);
    expect(failedBeforeSend(cause(undefined, "bad port"))).toBe(true);
    expect(failedBeforeSend(new Error("no cause"))).toBe(false);
    expect(failedBeforeSend(undefined)).toBe(false);
    // Node's AggregateError for a name with several addresses: each attempt's error.
    const aggregate = (...codes: (string | undefined)[]) => ({
      cause: Object.assign(new AggregateError(codes.map((code) => Object.assign(new Error(String(code)), code === undefined ? {} : { code }))), { code: "ECONNREFUSED" }),
    });
    expect(failedBeforeSend(aggregate("ECONNREFUSED", "ENETUNREACH"))).toBe(true);
    expect(failedBeforeSend(aggregate("ECONNREFUSED", "ECONNRESET"))).toBe(false);
    expect(failedBeforeSend(aggregate("ECONNREFUSED", undefined))).toBe(false);
    // No attempts listed: the cause's own code decides.
    expect(failedBeforeSend(aggregate())).toBe(true);
    expect(failedBeforeSend({ cause: Object.assign(new AggregateError([]), { code: "ECONNRESET" }) })).toBe(false);
    expect(failedBeforeSend({ cause: { errors: [null] } })).toBe(false);
  });
});

describe("what is never sent, and cancelling", () => {
  it.each([
    ["not a url", '"not a url" is not a URL'],
    ["ftp://127.0.0.1/prices", '"ftp://127.0.0.1/prices" is not an http or https URL'],
  ])("%j: nothing is sent", async (url, message) => {
    const clock = fakeClock();
    const result = await fetchWithRetry(url, GET, { ...POLICY, clock });
    expect(result).toEqual({ body: "", failure: message, exhausted: false, attempts: 0, stop: { kind: "invalid-url", message } });
    expect(clock.timers).toEqual([]);
  });

  it("sends nothing when cancelled before the first attempt", () =>
    withServer([OK], async (server, clock) => {
      const controller = new AbortController();
      controller.abort();
      const result = await fetchWithRetry(server.url, GET, { ...POLICY, clock, signal: controller.signal });
      expect(result).toEqual({ body: "", failure: "cancelled", exhausted: false, attempts: 0, elapsedMs: 0, stop: { kind: "cancelled", message: "cancelled" } });
      expect(server.requests).toHaveLength(0);
    }));

  it("cancels the request in flight, and sends no other", () => {
    const controller = new AbortController();
    return withServer(
      [{ hang: true }, OK],
      async (server, clock) => {
        const result = await fetchWithRetry(server.url, GET, { ...POLICY, clock, signal: controller.signal });
        expect(result).toEqual({ body: "", failure: "cancelled", exhausted: false, attempts: 1, elapsedMs: 0, stop: { kind: "cancelled", message: "cancelled" } });
        expect(server.requests).toHaveLength(1);
      },
      () => controller.abort(),
    );
  });

  it("cancels a POST in flight: cancelled, not a request left unanswered", () => {
    const controller = new AbortController();
    return withServer(
      [{ hang: true }, OK],
      async (server, clock) => {
        const result = await fetchWithRetry(server.url, POST, { ...POLICY, clock, signal: controller.signal });
        expect(result).toMatchObject({ failure: "cancelled", exhausted: false, attempts: 1, stop: { kind: "cancelled", message: "cancelled" } });
      },
      () => controller.abort(),
    );
  });

  it("cancels a wait, keeping the last answer, and starts no other attempt", () =>
    withServer([{ status: 503 }, OK], async (server, clock) => {
      const controller = new AbortController();
      const events: RetryEvent["kind"][] = [];
      const onEvent = (e: RetryEvent) => (events.push(e.kind), e.kind === "wait" && controller.abort());
      const result = await fetchWithRetry(server.url, GET, { ...POLICY, clock, signal: controller.signal, onEvent });
      expect(seen(result)).toEqual({
        status: 503,
        body: "scripted 503",
        failure: "cancelled",
        exhausted: false,
        attempts: 1,
        latencyMs: 0,
        elapsedMs: 0,
        stop: { kind: "cancelled", message: "cancelled" },
      });
      expect(server.requests).toHaveLength(1);
      expect(clock.slept).toEqual([]);
      expect(events).toEqual(["attempt", "wait"]);
      expect(clock.timers).toHaveLength(1);
    }));

  it("leaves the caller's signal as it found it", () =>
    withServer([OK], async (server, clock) => {
      const { signal, listeners } = watchedSignal();
      await fetchWithRetry(server.url, GET, { ...POLICY, clock, signal });
      expect(listeners).toEqual(["+abort", "-abort"]);
    }));
});

/** A signal that records the listeners added to it and removed from it: a long chat session keeps one signal. */
function watchedSignal() {
  const signal = new AbortController().signal;
  const listeners: string[] = [];
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, ...rest: [any, any]) => (listeners.push(`+${type}`), add(type, ...rest))) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, ...rest: [any, any]) => (listeners.push(`-${type}`), remove(type, ...rest))) as typeof signal.removeEventListener;
  return { signal, listeners };
}

describe("the real clock", () => {
  it("takes its listener off the signal when a sleep ends", async () => {
    const { signal, listeners } = watchedSignal();
    await realClock.sleep(0, signal);
    expect(listeners).toEqual(["+abort", "-abort"]);
  });

  it("sleeps until aborted, and not at all once aborted", async () => {
    const controller = new AbortController();
    const sleeping = realClock.sleep(60_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(sleeping).rejects.toThrow("stop");
    await expect(realClock.sleep(60_000, controller.signal)).rejects.toThrow("stop");
    await expect(realClock.sleep(0)).resolves.toBeUndefined();
    const fired: string[] = [];
    const stop = realClock.timer!(0, () => fired.push("stopped"));
    stop();
    realClock.timer!(0, () => fired.push("now"));
    await realClock.sleep(1);
    expect(fired).toEqual(["now"]);
    expect(typeof realClock.now()).toBe("number");
  });
});

