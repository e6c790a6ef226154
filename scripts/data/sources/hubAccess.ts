/**
 * Where the Hugging Face Hub is and who we are to it, read from the environment as huggingface_hub reads it
 * (huggingface/huggingface_hub `src/huggingface_hub/constants.py` and `utils/_auth.py`):
 *
 * - `HF_ENDPOINT`: the Hub's address, without a trailing slash; https://huggingface.co when unset.
 * - the token: `HF_TOKEN`, else the legacy `HUGGING_FACE_HUB_TOKEN`, else the file `hf auth login` writes:
 *   `HF_TOKEN_PATH`, else `$HF_HOME/token`, where `HF_HOME` is `$XDG_CACHE_HOME/huggingface` or `~/.cache/huggingface`.
 *   A token is cleaned as huggingface_hub cleans it (line breaks removed, spaces trimmed); an empty one is none.
 *
 * The token goes only to the Hub's own origins (HF_ENDPOINT's, and the dataset viewer's for `--reader rows`), and only
 * over https: never to the storage a download is redirected to, and never in clear text across a network. Plain http is
 * accepted with a token only on this machine's loopback addresses (a local mirror, or the tests' stand-ins).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { remoteLine } from "../../shared/terminalText";

/** huggingface_hub's `_HF_DEFAULT_ENDPOINT`. */
export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";

export interface HubAccess {
  /** The Hub's base address, e.g. https://huggingface.co or a mirror. */
  readonly endpoint: string;
  readonly token?: string;
  /** Where the token came from, for messages: `HF_TOKEN`, `HUGGING_FACE_HUB_TOKEN` or the token file's path. */
  readonly tokenFrom?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** huggingface_hub's `_clean_token`. */
function cleanToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  return token.replace(/[\r\n]/g, "").trim() || undefined;
}

/** `~` and `$VAR`/`${VAR}` expanded, as os.path.expanduser and os.path.expandvars do (unknown variables left as they are). */
function expand(value: string, env: Env, home: string): string {
  const withHome = value === "~" || value.startsWith("~/") ? home + value.slice(1) : value;
  return withHome.replace(/\$(\w+)|\$\{(\w+)\}/g, (whole, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? whole);
}

/** The token file huggingface_hub reads: `HF_TOKEN_PATH`, else `$HF_HOME/token`. */
export function tokenPath(env: Env): string {
  const home = env.HOME || os.homedir();
  const hfHome = expand(env.HF_HOME ?? path.join(env.XDG_CACHE_HOME ?? path.join(home, ".cache"), "huggingface"), env, home);
  return expand(env.HF_TOKEN_PATH ?? path.join(hfHome, "token"), env, home);
}

/** 127.0.0.0/8, [::1] and localhost: addresses that never leave this machine. */
function loopback(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Whether a token may travel to `url` at all: over https, or over http to this machine's loopback. */
export function carriesToken(url: string): boolean {
  const parsed = new URL(url);
  return parsed.protocol === "https:" || (parsed.protocol === "http:" && loopback(parsed));
}

/**
 * Why `variable`=`url` cannot be sent the token of `access`, or undefined when it can (or there is no token): a token
 * goes in clear text over http, so only https (or this machine's loopback) is accepted with one.
 */
export function tokenTransportProblem(access: HubAccess, variable: string, url: string): string | undefined {
  if (!access.token || carriesToken(url)) return undefined;
  return (
    `${variable}=${JSON.stringify(url)}: the Hugging Face token (from ${access.tokenFrom}) is sent only over https, ` +
    `and this is plain http to another machine: use its https address, or run without the token`
  );
}

/**
 * The Hub's address and token from `env`. Throws when `HF_ENDPOINT` is not an http(s) address, when there is a token
 * and HF_ENDPOINT is plain http to another machine, or when the token file exists but cannot be read (a missing file
 * just means no token).
 */
export function hubAccessFrom(env: Env): HubAccess {
  const endpoint = (env.HF_ENDPOINT ?? DEFAULT_HF_ENDPOINT).replace(/\/+$/, "");
  if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
    throw new Error(`HF_ENDPOINT=${JSON.stringify(env.HF_ENDPOINT)}: an http or https address, such as ${DEFAULT_HF_ENDPOINT}`);
  }
  const access = tokenFrom(env, endpoint);
  const problem = tokenTransportProblem(access, "HF_ENDPOINT", endpoint);
  if (problem) throw new Error(problem);
  return access;
}

function tokenFrom(env: Env, endpoint: string): HubAccess {
  // `_clean_token(os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN"))`: a blank HF_TOKEN is no token.
  const fromEnv = cleanToken(env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN);
  if (fromEnv) return { endpoint, token: fromEnv, tokenFrom: env.HF_TOKEN ? "HF_TOKEN" : "HUGGING_FACE_HUB_TOKEN" };
  const file = tokenPath(env);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { endpoint };
    throw new Error(`the Hugging Face token file ${file} cannot be read (${code ?? (err as Error).message}); fix it, or set HF_TOKEN`);
  }
  const token = cleanToken(text);
  return token ? { endpoint, token, tokenFrom: file } : { endpoint };
}

/**
 * The Authorization header for `url`: only when there is a token, `url` is on the Hub's own origin (or one of `also`,
 * such as the dataset viewer's), and it goes over https (or to this machine's loopback).
 */
export function authHeaders(access: HubAccess, url: string, also: readonly string[] = []): Record<string, string> {
  const origin = new URL(url).origin;
  if (!access.token || ![access.endpoint, ...also].some((own) => new URL(own).origin === origin) || !carriesToken(url)) return {};
  return { authorization: `Bearer ${access.token}` };
}

/** A failed answer of the Hub, as much of it as a message needs. */
export interface HubAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/** What the Hub's own error headers say (huggingface_hub's `hf_raise_for_status` reads the same two). */
function errorHeaders(answer: HubAnswer): { code?: string; message?: string } {
  return { code: answer.headers.get("x-error-code") ?? undefined, message: answer.headers.get("x-error-message") ?? undefined };
}

/**
 * Why the Hub refused `dataset`, and what to do, or undefined when the status is not one of access (401, 403, 404).
 * As huggingface_hub reads them: `X-Error-Code: GatedRepo` is a gated dataset whose conditions the token's account has
 * not accepted; `RepoNotFound`, a 404, or a 401 without "Invalid credentials" is a dataset that does not exist or is
 * private (the Hub answers both alike, so as not to reveal private ones); "Invalid credentials in Authorization header"
 * is a token the Hub does not know.
 */
export function refusal(access: HubAccess, dataset: string, answer: HubAnswer, what = "dataset"): string | undefined {
  if (![401, 403, 404].includes(answer.status)) return undefined;
  const { code: rawCode, message: rawMessage } = errorHeaders(answer);
  // The Hub's own words, but a server's text all the same: on one line, without what a terminal would act on.
  const code = rawCode === undefined ? undefined : remoteLine(rawCode, 60);
  const message = rawMessage === undefined ? undefined : remoteLine(rawMessage, 200);
  const page = `${access.endpoint}/datasets/${dataset}`;
  const sent = access.token ? `the token from ${access.tokenFrom} was sent` : "no token was sent (HF_TOKEN is not set and there is no token file)";
  const status = `HTTP ${answer.status}${code ? ` ${code}` : ""}`;
  if (code === "GatedRepo" || (answer.status === 403 && code !== "RepoNotFound")) {
    return (
      `${dataset} is gated (${status}; ${sent}): open ${page}, accept its conditions with your account, ` +
      (access.token ? `and make sure the token (${access.tokenFrom}) belongs to that account and may read it` : "then set HF_TOKEN to a read token of that account (or run `hf auth login`)")
    );
  }
  if (answer.status === 401 && message === "Invalid credentials in Authorization header") {
    return `the Hub refused the token from ${access.tokenFrom} (${status}: invalid credentials): create a read token at ${DEFAULT_HF_ENDPOINT}/settings/tokens and set HF_TOKEN to it`;
  }
  if (code === "RevisionNotFound" || code === "EntryNotFound") {
    return `${dataset}: the Hub has no ${what} here (${status}${message ? `: ${message}` : ""})`;
  }
  return (
    `${dataset}: no such dataset on ${access.endpoint}, or it is private (${status}; ${sent}). ` +
    `Check --source against ${page}` +
    (access.token ? `; if it is private, the token's account needs access to it` : `; if it is private, set HF_TOKEN (or run \`hf auth login\`)`)
  );
}
