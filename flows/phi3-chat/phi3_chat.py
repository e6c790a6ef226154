"""Prompt flow tool: sends the chat to the fine-tuned Phi-3 endpoint and returns the model's answer.

The endpoint URL and key come from the project's Custom keys connection (`connection.endpoint`, `connection.key`).
The request is the one the managed online deployment takes:
{"input_data": {"input_string": [{"role": ..., "content": ...}], "parameters": {...}}}
and the answer is read from any shape of the scoring contract (shared/DESIGN.md): {"output": "..."}, or the MLflow
scoring script's records form [{"0": "..."}], either possibly JSON-encoded once more.

While serving is parked (servingEnabled=false) the endpoint has no deployment and answers 404 "No valid deployments to
route to"; the tool then answers that serving is parked and how to unpark it, rather than failing.

Waits are bounded as in `npm run chat`: 429, 5xx and connections that fail before the request is sent are tried again
(at most 4 attempts, a Retry-After of at most 30 s, 120 s in all); a URL that cannot work, another 4xx, and a request
that timed out after it was sent (the model may still be answering it) are not.

A redirect is never followed: urllib would send the key along to wherever it points, on another host too, and a
scoring URI does not redirect.
"""

import email.utils
import http.client
import json
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request

try:  # The Prompt flow runtime provides these; the tests run on the standard library alone.
    from promptflow.connections import CustomConnection
    from promptflow.core import tool
except ImportError:  # pragma: no cover - exercised only without promptflow installed
    CustomConnection = object

    def tool(func):
        return func


logger = logging.getLogger("phi3_chat")

ATTEMPTS = 4
BASE_DELAY_SECONDS = 1.0

# Time for the retries; the tests replace both so that waits take no time.
_clock = time.monotonic
_sleep = time.sleep


# What a managed online endpoint answers when no deployment takes its traffic, as a parked stack's endpoint has none:
# 404, "The endpoint doesn't have any valid deployment with positive weight" (Azure ML docs,
# how-to-troubleshoot-online-endpoints.md, HTTP status codes), with the message "No valid deployments to route to. Please
# check that the endpoint has at least one deployment with positive weight values or use a deployment specific header to
# route." (the same docs for batch endpoints, how-to-troubleshoot-batch-endpoints.md). Matched in any case, in any body.
NO_DEPLOYMENT_STATUS = 404
NO_DEPLOYMENT_WORDS = "no valid deployments to route to"
UNPARK_COMMAND = "pulumi config set servingEnabled true && pulumi up"
PARKED_MESSAGE = (
    "Serving is parked: the endpoint has no deployment to answer (404: No valid deployments to route to). "
    "Unpark it with `%s`, then ask again." % UNPARK_COMMAND
)


def is_no_deployment(status, body):
    """Whether a response says the endpoint has no deployment to route to (serving parked)."""
    return status == NO_DEPLOYMENT_STATUS and NO_DEPLOYMENT_WORDS in (body or "").lower()


class Phi3EndpointError(RuntimeError):
    """A failed call, with what a person can do about it."""

    def __init__(self, message, status=None, parked=False):
        super().__init__(message)
        self.status = status
        self.parked = parked


def build_messages(question, chat_history):
    """The earlier turns of the chat (Prompt flow's chat_history) as messages, then the new question."""
    messages = []
    for turn in chat_history or []:
        asked = (turn.get("inputs") or {}).get("question")
        answered = (turn.get("outputs") or {}).get("answer")
        if asked:
            messages.append({"role": "user", "content": asked})
        if answered:
            messages.append({"role": "assistant", "content": answered})
    messages.append({"role": "user", "content": question})
    return messages


def request_body(messages, temperature=0.7, max_new_tokens=128):
    return {
        "input_data": {
            "input_string": messages,
            "parameters": {"temperature": temperature, "max_new_tokens": max_new_tokens},
        }
    }


_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


def snippet(text):
    """The first bytes of what arrived, on one line, control characters shown as escapes."""
    shown = _CONTROLS.sub(lambda m: "\\u%04x" % ord(m.group()), text[:300])
    return shown + "..." if len(text) > 300 else shown


def _answer_in(value):
    """The single string inside {"output": "..."} or [{"<column>": "..."}], else None."""
    if isinstance(value, dict):
        output = value.get("output")
        return output if isinstance(output, str) else None
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict) and len(value[0]) == 1:
        (only,) = value[0].values()
        return only if isinstance(only, str) else None
    return None


def output_of(body):
    """The model's answer in a response body (its text, or the value already parsed); anything else is an error."""
    text = body if isinstance(body, str) else json.dumps(body)
    try:
        value = json.loads(body) if isinstance(body, str) else body
    except ValueError:
        raise Phi3EndpointError("the endpoint's answer is not JSON: " + snippet(text)) from None
    answer = _answer_in(value)
    if answer is None and isinstance(value, str):
        try:
            answer = _answer_in(json.loads(value))
        except ValueError:
            pass  # a JSON string that holds no JSON: the error below quotes it
    if answer is None:
        raise Phi3EndpointError(
            'the endpoint\'s answer is neither {"output": "..."} nor MLflow\'s records form [{"0": "..."}]: ' + snippet(text)
        )
    return answer


def explain_status(status, detail):
    """What a status means for someone chatting through the flow, as `npm run chat` says it."""
    if status == 401:
        return (
            "401 Unauthorized: the endpoint refused the key. Check the key of the phi3-endpoint connection "
            "(`pulumi up` sets it from `pulumi stack output endpointKey --show-secrets`)."
        )
    if status == 404:
        return (
            "404 Not Found: no endpoint or deployment answers at this URL. Check the endpoint of the phi3-endpoint "
            "connection, and that servingEnabled is true (a parked stack has no deployment)."
        )
    if status == 408:
        return (
            "408 Request Timeout: the model did not finish within the deployment's request timeout (90 s). "
            "Ask for fewer tokens (max_new_tokens)."
        )
    if status == 424:
        return (
            "424 Failed Dependency: the model's container failed on this request (%s). Read the deployment's logs "
            "in Azure ML studio (Endpoints > the endpoint > Logs)." % detail
        )
    if status == 429:
        return "429 Too Many Requests: the deployment is busy; try again later or add instances (servingInstanceCount)."
    return "HTTP %d: %s" % (status, detail)


def _url_problem(url):
    parsed = urllib.parse.urlparse(url or "")
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return "%s is not an http or https URL" % json.dumps(url)
    return None


def _retry_after_seconds(header, now=None):
    """Retry-After as seconds (whole or not) or an HTTP date; None when absent or unreadable."""
    if not header:
        return None
    try:
        seconds = float(header)
        return seconds if seconds > 0 else None
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(header).timestamp() - (now or time.time()))
    except (TypeError, ValueError):
        return None


def _origin(url):
    parsed = urllib.parse.urlsplit(url)
    return (parsed.scheme.lower(), (parsed.hostname or "").lower(), parsed.port)


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """Stops at a redirect instead of following it with the Authorization header (urllib keeps it on any host)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        target = urllib.parse.urljoin(req.full_url, newurl)
        fp.close()
        where = "another origin" if _origin(target) != _origin(req.full_url) else "the same origin"
        raise Phi3EndpointError(
            "the endpoint answered HTTP %d, a redirect to %s (%s); not followed, so that the key goes nowhere but the "
            "endpoint. Set the endpoint of the phi3-endpoint connection to the scoring URI itself "
            "(`pulumi stack output scoringUri`)." % (code, snippet(target), where),
            code,
        )


_opener = urllib.request.build_opener(_RefuseRedirects)

# An error page is quoted in 300 characters; more is never read.
_ERROR_BODY_BYTES = 64 * 1024


def _seconds(value):
    return "%g s" % round(value, 2)


def post_json(url, key, payload, timeout_seconds=120, deadline_seconds=120, max_retry_after_seconds=30, retry_timeouts=False):
    """POSTs the payload and returns the answer's text, retrying only what can succeed on retry (see the module)."""
    problem = _url_problem(url)
    if problem:
        raise Phi3EndpointError(problem + ": nothing was sent")
    data = json.dumps(payload).encode("utf-8")
    headers = {"Content-Type": "application/json", "Authorization": "Bearer " + key}
    started = _clock()
    deadline = started + deadline_seconds
    last = "no attempt"

    def out_of_time(attempts):
        return Phi3EndpointError(
            "gave up after %d attempt%s: the %s allowed in all are up (deadline_seconds). Last: %s"
            % (attempts, "" if attempts == 1 else "s", _seconds(deadline_seconds), last)
        )

    for attempt in range(1, ATTEMPTS + 1):
        timeout = min(timeout_seconds, deadline - _clock())
        if timeout <= 0:
            raise out_of_time(attempt - 1)
        request = urllib.request.Request(url, data=data, method="POST", headers=headers)
        try:
            with _opener.open(request, timeout=timeout) as response:
                return response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            text = error.read(_ERROR_BODY_BYTES).decode("utf-8", "replace")
            parked = is_no_deployment(error.code, text)
            last = PARKED_MESSAGE if parked else explain_status(error.code, snippet(text))
            if error.code != 429 and error.code < 500:
                raise Phi3EndpointError(last, error.code, parked=parked) from None
            failure = ("HTTP %d %s" % (error.code, error.reason or "")).strip()
            asked = _retry_after_seconds(error.headers.get("Retry-After"))
            if asked is not None and asked > max_retry_after_seconds:
                raise Phi3EndpointError(
                    "%s The endpoint asks to wait %s, more than the %s allowed (max_retry_after_seconds); try again later."
                    % (last if last.endswith(".") else last + ".", _seconds(asked), _seconds(max_retry_after_seconds)),
                    error.code,
                ) from None
            wait = asked if asked is not None else BASE_DELAY_SECONDS * 2 ** (attempt - 1)
        except urllib.error.URLError as error:
            # Raised while connecting or sending: the model has not received this request.
            if not isinstance(error.reason, OSError):
                raise Phi3EndpointError("cannot send to %s: %s" % (url, error.reason)) from None
            failure = last = "cannot reach %s (%s)" % (url, error.reason)
            wait = BASE_DELAY_SECONDS * 2 ** (attempt - 1)
        except (TimeoutError, ConnectionError, http.client.HTTPException) as error:
            # Raised after the request was sent: the model may be answering it still.
            if isinstance(error, TimeoutError):
                failure = last = "no answer within %s" % _seconds(timeout)
            else:
                failure = last = "the connection was lost after the request was sent (%s)" % (error or type(error).__name__)
            if timeout < timeout_seconds:
                raise out_of_time(attempt) from None
            if not retry_timeouts:
                raise Phi3EndpointError(
                    last + "; not sent again, as the model may still be answering it "
                    "(retry_timeouts sends it again, timeout_seconds waits longer)"
                ) from None
            wait = BASE_DELAY_SECONDS * 2 ** (attempt - 1)
        if attempt == ATTEMPTS:
            break
        if _clock() + wait >= deadline:
            raise out_of_time(attempt)
        logger.warning("%s; trying again in %s (attempt %d of %d)", failure, _seconds(wait), attempt + 1, ATTEMPTS)
        _sleep(wait)
    raise Phi3EndpointError("gave up after %d attempts: %s" % (ATTEMPTS, last))


def _setting(connection, name, secret):
    """A CustomConnection keeps metadata in `configs` and keys in `secrets`; plain objects (tests) have attributes."""
    store = getattr(connection, "secrets" if secret else "configs", None)
    if isinstance(store, dict) and name in store:
        return store[name]
    return getattr(connection, name)


@tool
def call_phi3(
    question: str,
    chat_history: list,
    connection: CustomConnection,
    temperature: float = 0.7,
    max_new_tokens: int = 128,
    timeout_seconds: float = 120,
    deadline_seconds: float = 120,
    max_retry_after_seconds: float = 30,
    retry_timeouts: bool = False,
) -> str:
    try:
        body = post_json(
            _setting(connection, "endpoint", secret=False),
            _setting(connection, "key", secret=True),
            request_body(build_messages(question, chat_history), temperature, max_new_tokens),
            timeout_seconds=timeout_seconds,
            deadline_seconds=deadline_seconds,
            max_retry_after_seconds=max_retry_after_seconds,
            retry_timeouts=retry_timeouts,
        )
    except Phi3EndpointError as error:
        if error.parked:
            # The flow outlives parking: the chat gets an answer that says so, not a failed run.
            return str(error)
        raise
    return output_of(body)
