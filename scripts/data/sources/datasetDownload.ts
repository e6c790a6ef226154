/**
 * GETs of the dataset download: each request bounded, retries said out loud, and the whole download bounded by a
 * deadline, so that a server that never answers is reported instead of waited for in silence.
 */
import { retryable, retryAfterMs } from "../../shared/retryingFetch";
import { remoteLine } from "../../shared/terminalText";

/** How hard to try one GET. */
export interface DownloadPolicy {
  readonly attempts: number;
  /** First backoff; doubles each attempt, unless the server says how long with Retry-After. */
  readonly baseDelayMs: number;
  /** Per request: no answer within this is a failed attempt. */
  readonly timeoutMs: number;
  /** Longest Retry-After obeyed; a server asking for longer ends the download at once (--max-retry-after). */
  readonly maxRetryAfterMs?: number;
}

/** Five tries, 30 s each: the dataset viewer answers a page in about a second, more when its cache is cold. */
export const DEFAULT_DOWNLOAD: DownloadPolicy = { attempts: 5, baseDelayMs: 500, timeoutMs: 30_000, maxRetryAfterMs: 60_000 };

/** Ten minutes for the whole download: 1% of ultrachat_200k takes 21 requests. */
export const DEFAULT_DEADLINE_SECONDS = 600;

/** The most of an error page read: it is quoted in 300 characters. */
export const ERROR_BODY_BYTES = 64 * 1024;

/** The most of a JSON answer read by default: the Hub's revision and listing answers are a few KiB. */
export const MAX_JSON_BYTES = 1 << 20;

/** When a download gives up, and the setting that moves it (named in the message). */
export class Deadline {
  private readonly startedAt = Date.now();
  private readonly endsAt: number;
  constructor(
    readonly seconds: number,
    readonly setting = "--deadline",
  ) {
    this.endsAt = this.startedAt + seconds * 1000;
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - Date.now());
  }
}

/** The dataset server cannot be reached, keeps failing, refuses, or takes too long. */
export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DownloadError";
  }
}

export interface GetOptions {
  readonly policy?: DownloadPolicy;
  readonly deadline?: Deadline;
  /** Told of each failed attempt that will be tried again, e.g. "HTTP 503 Service Unavailable; retrying in 1 s (attempt 2 of 5)". */
  readonly onRetry?: (note: string) => void;
  /** Told of the bytes of each piece of a body as it arrives, for progress. */
  readonly onBytes?: (bytes: number) => void;
}

const LOCAL_COPY = "or use --source <file.jsonl|file.parquet> to prepare data from a local copy.";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/** A failure of `fetch` worth another attempt: the network, not the request (an unparsable URL is not). */
function networkFailure(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown; message?: string } }).cause;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  // System errors (ECONNREFUSED, EAI_AGAIN, ...) and undici's socket errors; not Node's ERR_INVALID_URL and the like.
  if (code && ((/^E[A-Z_]+$/.test(code) && !code.startsWith("ERR_")) || code.startsWith("UND_ERR"))) return code;
  return undefined;
}

/** A failed attempt that is worth another, by cause: each cause has its own advice when the attempts run out. */
type Failure =
  | { readonly kind: "rate-limited" | "server"; readonly text: string }
  | { readonly kind: "unreachable"; readonly text: string }
  | { readonly kind: "timeout"; readonly text: string; readonly timeoutMs: number };

/** What to do when the attempts are spent, by what the last one met. */
function exhausted(url: string, attempts: number, last: Failure, tokenSent: boolean): DownloadError {
  switch (last.kind) {
    case "rate-limited":
      return new DownloadError(
        `cannot get ${url}: still rate-limited after ${attempts} attempts (last: ${last.text}). Try again later` +
          (tokenSent ? "." : ", or set HF_TOKEN: the Hub allows more requests with a token."),
      );
    case "server":
      return new DownloadError(`cannot get ${url}: the server still fails after ${attempts} attempts (last: ${last.text}). Try again later.`);
    case "timeout":
      return new DownloadError(
        `cannot get ${url}: ${last.text}, ${attempts} times. Slow link? Raise --request-timeout (now ${seconds(last.timeoutMs)}), ${LOCAL_COPY}`,
      );
    case "unreachable":
      return new DownloadError(`cannot get ${url} after ${attempts} attempts (last: ${last.text}). Offline? Use --source <file.jsonl|file.parquet> to prepare data from a local copy.`);
  }
}

function waitPastDeadlineError(deadline: Deadline, last: string, delayMs: number): DownloadError {
  return new DownloadError(
    `gave up: ${last}, and the next try, ${seconds(delayMs)} away, would come after the download's deadline of ` +
      `${deadline.seconds} s (${deadline.setting}). Raise ${deadline.setting}, ${LOCAL_COPY}`,
  );
}

/** A failed answer, as much of it as a message needs. */
export interface FailedAnswer {
  /** Where the answer came from, after any redirects. */
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  /** The first {@link ERROR_BODY_BYTES} of the body, as the server sent them (controls and all). */
  readonly body: string;
}

export interface RequestOptions extends GetOptions {
  /** Sent with every attempt (an Authorization header, a Range). */
  readonly headers?: Record<string, string>;
  /** The message for an answer not worth retrying (such as a 401 or 404), or undefined for the plain one. */
  readonly explain?: (answer: FailedAnswer) => string | undefined;
  /** "manual" takes a redirect as the answer instead of following it. */
  readonly redirect?: "follow" | "manual";
}

/** Reads a successful answer; `alive` is called with the bytes of each piece, so that a slow but moving download is not cut. */
type Reader<T> = (response: Response, alive: (bytes: number) => void) => Promise<T>;

/**
 * The body, up to `limit` bytes: `{ bytes, cut }`, where `cut` says that more was sent and not read. A Content-Length
 * above the limit is not read at all.
 */
async function readUpTo(response: Response, limit: number, alive: (bytes: number) => void): Promise<{ bytes: Uint8Array; cut: boolean }> {
  if (!response.body) return { bytes: new Uint8Array(0), cut: false };
  if (Number(response.headers.get("content-length")) > limit) {
    await response.body.cancel();
    return { bytes: new Uint8Array(0), cut: true };
  }
  const pieces: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    alive(value.byteLength);
    if (size + value.byteLength > limit) {
      pieces.push(value.subarray(0, limit - size));
      await reader.cancel();
      return { bytes: Buffer.concat(pieces), cut: true };
    }
    pieces.push(value);
    size += value.byteLength;
  }
  return { bytes: Buffer.concat(pieces), cut: false };
}

/**
 * GETs `url` and hands a successful answer to `read`. Retries network errors, timeouts, 429 and 5xx with exponential
 * backoff (or Retry-After), telling `onRetry` each time; ends at once when the server asks to wait longer than the
 * policy's maxRetryAfterMs, or when a wait would pass the deadline. A request times out when nothing arrives for the
 * policy's timeout. Fails at once on a URL that cannot be fetched, or another 4xx (explained by `explain` when it knows
 * the status). What the server says (status text, error pages) reaches a message only through {@link remoteLine}.
 */
async function request<T>(url: string, options: RequestOptions, read: Reader<T>): Promise<T> {
  const policy = options.policy ?? DEFAULT_DOWNLOAD;
  const { deadline } = options;
  const tokenSent = Object.keys(options.headers ?? {}).some((name) => name.toLowerCase() === "authorization");
  let last: Failure | undefined;
  const outOfTime = (what: string) =>
    new DownloadError(
      `gave up at the download's deadline of ${deadline!.seconds} s (${deadline!.setting}), ${what}` +
        `${last ? `; the attempt before failed with ${last.text}` : ""}. Raise ${deadline!.setting}, ${LOCAL_COPY}`,
    );
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (deadline && deadline.remainingMs() <= 0) throw outOfTime(`before attempt ${attempt} at ${url}`);
    let retryAfter: number | undefined;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let timedOut: { ms: number; byDeadline: boolean } | undefined;
    const sentAt = Date.now();
    let received = 0;
    const alive = (bytes: number) => {
      received += bytes;
      if (bytes > 0) options.onBytes?.(bytes);
      clearTimeout(timer);
      const remaining = deadline?.remainingMs() ?? Infinity;
      const ms = Math.min(policy.timeoutMs, remaining);
      timer = setTimeout(() => {
        timedOut = { ms, byDeadline: ms < policy.timeoutMs };
        controller.abort();
      }, ms);
    };
    alive(0);
    try {
      const response = await fetch(url, { headers: options.headers, redirect: options.redirect ?? "follow", signal: controller.signal });
      const redirected = options.redirect === "manual" && response.status >= 300 && response.status < 400;
      if (response.ok || redirected) return await read(response, alive);
      const { bytes, cut } = await readUpTo(response, ERROR_BODY_BYTES, alive);
      const body = Buffer.from(bytes).toString("utf8") + (cut ? "..." : "");
      const status = remoteLine(`HTTP ${response.status} ${response.statusText}`, 100);
      if (!retryable(response.status)) {
        throw new DownloadError(options.explain?.({ url: response.url || url, status: response.status, headers: response.headers, body }) ?? `${url}: ${status}: ${remoteLine(body)}`);
      }
      const asked = retryAfterMs(response.headers.get("retry-after"));
      if (asked !== undefined && asked > (policy.maxRetryAfterMs ?? Infinity)) {
        throw new DownloadError(
          `${url}: ${status}, and the server asks to wait ${seconds(asked)} before trying again, more than the ` +
            `${seconds(policy.maxRetryAfterMs!)} allowed (--max-retry-after): try again later` +
            (response.status === 429 && !tokenSent ? ", or set HF_TOKEN: the Hub allows more requests with a token" : "") +
            ", or raise --max-retry-after.",
        );
      }
      retryAfter = asked;
      last = { kind: response.status === 429 ? "rate-limited" : "server", text: status };
    } catch (err) {
      if (err instanceof DownloadError) throw err;
      if (timedOut) {
        const waited = seconds(Date.now() - sentAt);
        if (timedOut.byDeadline) {
          throw outOfTime(
            received > 0
              ? `while ${url} was still arriving (${received} bytes in ${waited})`
              : `while waiting ${waited} for ${url} to answer (--request-timeout allows ${seconds(policy.timeoutMs)})`,
          );
        }
        last = { kind: "timeout", text: `no answer within ${seconds(timedOut.ms)}`, timeoutMs: policy.timeoutMs };
      } else {
        const failure = networkFailure(err);
        if (!failure) throw new DownloadError(`${url}: cannot be fetched (${(err as Error).message})`);
        last = { kind: "unreachable", text: failure };
      }
    } finally {
      clearTimeout(timer);
    }
    if (attempt === policy.attempts) break;
    const delayMs = retryAfter ?? policy.baseDelayMs * 2 ** (attempt - 1);
    if (deadline && delayMs >= deadline.remainingMs()) throw waitPastDeadlineError(deadline, last.text, delayMs);
    options.onRetry?.(`${last.text}; retrying in ${seconds(delayMs)} (attempt ${attempt + 1} of ${policy.attempts})`);
    await sleep(delayMs);
  }
  throw exhausted(url, policy.attempts, last!, tokenSent);
}

/** Bytes for a person: "1 MiB", "64 KiB", "512 B". */
export function binaryBytes(bytes: number): string {
  if (bytes >= 1 << 20) return `${Number((bytes / (1 << 20)).toFixed(1))} MiB`;
  return bytes >= 1024 ? `${Number((bytes / 1024).toFixed(1))} KiB` : `${bytes} B`;
}

/**
 * GETs JSON (see {@link request} for retries and timeouts); an answer that is not JSON, or longer than `maxBytes`
 * ({@link MAX_JSON_BYTES} by default), fails at once.
 */
export async function getJson(url: string, options: RequestOptions & { maxBytes?: number } = {}): Promise<unknown> {
  const limit = options.maxBytes ?? MAX_JSON_BYTES;
  return request(url, { ...options, headers: { accept: "application/json", ...options.headers } }, async (response, alive) => {
    const { bytes, cut } = await readUpTo(response, limit, alive);
    if (cut) throw new DownloadError(`${url}: the answer is longer than the ${binaryBytes(limit)} such an answer may take; not read further`);
    const body = Buffer.from(bytes).toString("utf8");
    try {
      return JSON.parse(body);
    } catch {
      throw new DownloadError(`${url}: the answer is not JSON: ${remoteLine(body, 200)}`);
    }
  });
}

/** Where a redirect of `url` points, absolute (see {@link request}); an answer that is not a redirect fails. */
export async function getRedirect(url: string, options: RequestOptions = {}): Promise<string> {
  return request(url, { ...options, redirect: "manual" }, async (response) => {
    await response.body?.cancel();
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new DownloadError(`${url}: expected a redirect to the file, got HTTP ${response.status}${location ? "" : " without a Location"}`);
    }
    if (!URL.canParse(location, url)) throw new DownloadError(`${url}: redirects to ${remoteLine(location)}, which is not a URL`);
    return new URL(location, url).toString();
  });
}

/** Bytes `start` to `end` (exclusive) of a file, or its last `suffix` bytes. */
export type ByteRange = { readonly start: number; readonly end: number } | { readonly suffix: number };

/** Bytes read from a file, where they start in it, and how long the whole file is. */
export interface RangeRead {
  readonly bytes: Uint8Array;
  readonly start: number;
  readonly fileLength: number;
}

/** `bytes a-b/total` of a Content-Range header. */
function contentRange(header: string | null): { first: number; last: number; total: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header?.trim() ?? "");
  return match ? { first: Number(match[1]), last: Number(match[2]), total: Number(match[3]) } : undefined;
}

/** Reads a body of exactly `length` bytes, telling `alive` as bytes arrive. */
async function readExactly(url: string, response: Response, length: number, alive: (bytes: number) => void): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let at = 0;
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    alive(value.byteLength);
    if (at + value.byteLength > length) {
      await reader.cancel();
      throw new DownloadError(`${url}: the answer holds more than the ${length} bytes asked for`);
    }
    bytes.set(value, at);
    at += value.byteLength;
  }
  if (at !== length) throw new DownloadError(`${url}: the answer ended after ${at} of ${length} bytes`);
  return bytes;
}

/**
 * GETs a byte range of a file with an HTTP Range request (see {@link request} for retries and timeouts). The answer must
 * be the range asked for (206 with a matching Content-Range), or, for a suffix at least as long as the file, the whole
 * file; a server that ignores Range for anything bigger is refused rather than downloaded whole.
 */
export async function getRange(url: string, range: ByteRange, options: RequestOptions = {}): Promise<RangeRead> {
  const header = "suffix" in range ? `bytes=-${range.suffix}` : `bytes=${range.start}-${range.end - 1}`;
  return request(url, { ...options, headers: { ...options.headers, range: header } }, async (response, alive) => {
    if (response.status === 206) {
      const got = contentRange(response.headers.get("content-range"));
      const fits =
        got &&
        ("suffix" in range ? got.last === got.total - 1 && got.total - got.first <= range.suffix : got.first === range.start && got.last === range.end - 1);
      if (!got || !fits) {
        await response.body?.cancel();
        throw new DownloadError(`${url}: asked for ${header}, got Content-Range ${remoteLine(JSON.stringify(response.headers.get("content-range")), 100)}`);
      }
      return { bytes: await readExactly(url, response, got.last - got.first + 1, alive), start: got.first, fileLength: got.total };
    }
    const length = Number(response.headers.get("content-length"));
    const whole = Number.isSafeInteger(length) && ("suffix" in range ? length <= range.suffix : range.start === 0 && range.end === length);
    if (!whole) {
      await response.body?.cancel();
      throw new DownloadError(`${url}: the server ignored the Range header (${header}) and sent HTTP ${response.status}; it cannot be read in parts`);
    }
    return { bytes: await readExactly(url, response, length, alive), start: 0, fileLength: length };
  });
}
