"""Tests of the flow's tool against a local stand-in of the endpoint's scoring API (standard library only)."""

import http.server
import json
import os
import sys
import threading
import types
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import phi3_chat  # noqa: E402


class StandIn(http.server.BaseHTTPRequestHandler):
    """Answers {"output": "echo: <last message>"}, or a scripted status; records each request."""

    requests = []
    status = 200
    as_string = False

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        StandIn.requests.append({"body": body, "headers": dict(self.headers)})
        if StandIn.status != 200:
            self.send_response(StandIn.status)
            self.end_headers()
            self.wfile.write(b"scripted failure")
            return
        answer = {"output": "echo: " + body["input_data"]["input_string"][-1]["content"]}
        payload = json.dumps(json.dumps(answer) if StandIn.as_string else answer).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


class CallPhi3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.HTTPServer(("127.0.0.1", 0), StandIn)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        url = "http://127.0.0.1:%d/score" % cls.server.server_address[1]
        cls.connection = types.SimpleNamespace(endpoint=url, key="test-key")

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        StandIn.requests = []
        StandIn.status = 200
        StandIn.as_string = False

    def test_sends_the_seed_body_and_bearer_key_and_returns_the_output(self):
        answer = phi3_chat.call_phi3("Who founded Microsoft?", [], self.connection)
        self.assertEqual(answer, "echo: Who founded Microsoft?")
        sent = StandIn.requests[0]
        self.assertEqual(
            sent["body"],
            {
                "input_data": {
                    "input_string": [{"role": "user", "content": "Who founded Microsoft?"}],
                    "parameters": {"temperature": 0.7, "max_new_tokens": 128},
                }
            },
        )
        self.assertEqual(sent["headers"]["Authorization"], "Bearer test-key")

    def test_sends_the_chat_history_as_earlier_messages(self):
        history = [
            {"inputs": {"question": "Hi"}, "outputs": {"answer": "Hello!"}},
            {"inputs": {"question": "Who are you?"}, "outputs": {"answer": "A fine-tuned Phi-3."}},
        ]
        phi3_chat.call_phi3("What can you do?", history, self.connection)
        self.assertEqual(
            StandIn.requests[0]["body"]["input_data"]["input_string"],
            [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello!"},
                {"role": "user", "content": "Who are you?"},
                {"role": "assistant", "content": "A fine-tuned Phi-3."},
                {"role": "user", "content": "What can you do?"},
            ],
        )

    def test_reads_an_output_encoded_as_a_json_string(self):
        StandIn.as_string = True
        self.assertEqual(phi3_chat.call_phi3("x", None, self.connection), "echo: x")

    def test_reports_the_status_of_a_failed_call(self):
        StandIn.status = 424
        with self.assertRaisesRegex(RuntimeError, "HTTP 424"):
            phi3_chat.call_phi3("x", [], self.connection)

    def test_reads_a_custom_connection_from_its_configs_and_secrets(self):
        connection = types.SimpleNamespace(configs={"endpoint": self.connection.endpoint}, secrets={"key": "secret-key"})
        phi3_chat.call_phi3("x", [], connection)
        self.assertEqual(StandIn.requests[0]["headers"]["Authorization"], "Bearer secret-key")

    def test_refuses_an_answer_without_output(self):
        with self.assertRaisesRegex(ValueError, "without an 'output' field"):
            phi3_chat.output_of({"result": "x"})


if __name__ == "__main__":
    unittest.main()
