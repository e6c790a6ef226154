"""Prompt flow tool: sends the chat to the fine-tuned Phi-3 endpoint and returns the model's answer.

The endpoint URL and key come from the project's Custom keys connection (`connection.endpoint`, `connection.key`).
The request is the one the managed online deployment takes:
{"input_data": {"input_string": [{"role": ..., "content": ...}], "parameters": {...}}}
and the answer is the response's "output" field.
"""

import json
import urllib.error
import urllib.request

try:  # The Prompt flow runtime provides these; the tests run on the standard library alone.
    from promptflow.connections import CustomConnection
    from promptflow.core import tool
except ImportError:  # pragma: no cover - exercised only without promptflow installed
    CustomConnection = object

    def tool(func):
        return func


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


def output_of(payload):
    """The response's "output"; MLflow servers sometimes return that JSON encoded once more as a string."""
    if isinstance(payload, str):
        payload = json.loads(payload)
    if not isinstance(payload, dict) or not isinstance(payload.get("output"), str):
        raise ValueError("the endpoint answered without an 'output' field: %s" % json.dumps(payload)[:300])
    return payload["output"]


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
) -> str:
    body = json.dumps(request_body(build_messages(question, chat_history), temperature, max_new_tokens)).encode("utf-8")
    request = urllib.request.Request(
        _setting(connection, "endpoint", secret=False),
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + _setting(connection, "key", secret=True)},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return output_of(json.loads(response.read().decode("utf-8")))
    except urllib.error.HTTPError as error:
        detail = error.read().decode("utf-8", "replace")[:300]
        raise RuntimeError("the Phi-3 endpoint answered HTTP %d: %s" % (error.code, detail)) from error
