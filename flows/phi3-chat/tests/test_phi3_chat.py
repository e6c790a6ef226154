"""Tests of the flow's tool against a local stand-in of the endpoint's scoring API (standard library only)."""

import http.server
import json
import os
import sys
import threading
import types
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import phi3_chat  # noqa: E402

# The scoring contract's response shapes, shared with the TypeScript clients' tests (tests/chat.test.ts).
RESPONSES = os.path.join(HERE, "..", "..", "..", "tests", "support", "scoringResponses.json")


class StandIn(http.server.BaseHTTPRequestHandler):
    """Answers {"output": "echo: <last message>"} after the scripted steps; records each request.

    A step is a dict: {"status": 503, "retry_after": "5"} (with "body", that body instead of "scripted failure"),
    {"body": "raw text"} (a 200 with that body), {"status": 307, "location": "http://..."} (a redirect), or
    {"hang": True} (no answer until the test ends).
    """

    requests = []
    script = []
    release = threading.Event()

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        StandIn.requests.append({"body": body, "headers": dict(self.headers)})
        step = StandIn.script.pop(0) if StandIn.script else {}
        if step.get("hang"):
            StandIn.release.wait(10)
            return
        if "status" in step:
            self.send_response(step["status"])
            if "retry_after" in step:
                self.send_header("Retry-After", step["retry_after"])
            if "location" in step:
                self.send_header("Location", step["location"])
            self.end_headers()
            self.wfile.write(step.get("body", "scripted failure").encode("utf-8"))
            return
        if "body" in step:
            payload = step["body"].encode("utf-8")
        else:
            payload = json.dumps({"output": "echo: " + body["input_data"]["input_string"][-1]["content"]}).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


class Elsewhere(http.server.BaseHTTPRequestHandler):
    """Another origin: records every request, whatever its method, with its headers."""

    requests = []

    def _record(self):
        Elsewhere.requests.append({"method": self.command, "headers": dict(self.headers)})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"output": "from elsewhere"}')

    do_GET = do_POST = _record

    def log_message(self, *args):
        pass


class FakeClock:
    """Time that passes only when the tool sleeps: waits cost nothing, and are recorded."""

    def __init__(self):
        self.now = 0.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


class CallPhi3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
        cls.server.daemon_threads = True
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.url = "http://127.0.0.1:%d/score" % cls.server.server_address[1]
        cls.connection = types.SimpleNamespace(endpoint=cls.url, key="test-key")

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        StandIn.requests = []
        StandIn.script = []
        StandIn.release = threading.Event()
        self.fake = FakeClock()
        self._real = (phi3_chat._clock, phi3_chat._sleep)
        phi3_chat._clock, phi3_chat._sleep = self.fake.clock, self.fake.sleep

    def tearDown(self):
        StandIn.release.set()
        phi3_chat._clock, phi3_chat._sleep = self._real

    def call(self, **options):
        return phi3_chat.call_phi3("x", [], self.connection, **options)

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

    def test_reads_a_custom_connection_from_its_configs_and_secrets(self):
        connection = types.SimpleNamespace(configs={"endpoint": self.url}, secrets={"key": "secret-key"})
        phi3_chat.call_phi3("x", [], connection)
        self.assertEqual(StandIn.requests[0]["headers"]["Authorization"], "Bearer secret-key")

    def test_reads_every_response_shape_of_the_scoring_contract(self):
        with open(RESPONSES, encoding="utf-8") as file:
            cases = json.load(file)["cases"]
        self.assertGreater(len(cases), 10)
        for case in cases:
            with self.subTest(case["name"]):
                if "answer" in case:
                    self.assertEqual(phi3_chat.output_of(case["body"]), case["answer"])
                else:
                    with self.assertRaises(phi3_chat.Phi3EndpointError) as raised:
                        phi3_chat.output_of(case["body"])
                    self.assertIn(case["error"], str(raised.exception))
                    self.assertIn(case.get("quotes", ""), str(raised.exception))

    def test_recognises_every_failed_response_of_the_scoring_contract(self):
        with open(RESPONSES, encoding="utf-8") as file:
            statuses = json.load(file)["statuses"]
        self.assertTrue(any(case["parked"] for case in statuses))
        for case in statuses:
            with self.subTest(case["name"]):
                StandIn.requests = []
                StandIn.script = [{"status": case["status"], "body": case["body"]}]
                if case["parked"]:
                    # The flow stays while serving is parked: the chat gets an answer that says so, not a failed run.
                    answer = self.call()
                    self.assertIn("Serving is parked", answer)
                    self.assertIn(case["says"], answer)
                else:
                    with self.assertRaises(phi3_chat.Phi3EndpointError) as raised:
                        self.call()
                    self.assertIn(case["says"], str(raised.exception))
                    self.assertNotIn("parked:", str(raised.exception))
                self.assertEqual(len(StandIn.requests), 1)

    def test_answers_a_parked_endpoint_with_how_to_unpark(self):
        StandIn.script = [{"status": 404, "body": "No valid deployments to route to."}]
        self.assertEqual(
            phi3_chat.call_phi3("Who founded Microsoft?", [], self.connection),
            "Serving is parked: the endpoint has no deployment to answer (404: No valid deployments to route to). "
            "Unpark it with `pulumi config set servingEnabled true && pulumi up`, then ask again.",
        )

    def test_says_an_answer_that_is_not_json_is_not_json(self):
        # ESC, and the C1 controls NEL (0x85) and RI (0x8d), which a terminal acts on too.
        StandIn.script = [{"body": "<html>\x1b[31m502\x85\x8d</html>"}]
        with self.assertRaises(phi3_chat.Phi3EndpointError) as raised:
            self.call()
        self.assertEqual(str(raised.exception), "the endpoint's answer is not JSON: <html>\\u001b[31m502\\u0085\\u008d</html>")

    def test_explains_statuses_as_the_cli_does_without_retrying_a_4xx(self):
        for status, words in [
            (401, "refused the key. Check the key of the phi3-endpoint connection"),
            (404, "no endpoint or deployment answers at this URL"),
            (424, "the model's container failed on this request (scripted failure)"),
        ]:
            with self.subTest(status):
                StandIn.requests = []
                StandIn.script = [{"status": status}]
                with self.assertRaises(phi3_chat.Phi3EndpointError) as raised:
                    self.call()
                self.assertIn(words, str(raised.exception))
                self.assertEqual(raised.exception.status, status)
                self.assertEqual(len(StandIn.requests), 1)

    def test_retries_429_and_5xx_and_says_each_wait(self):
        StandIn.script = [{"status": 503}, {"status": 429, "retry_after": "0.5"}]
        with self.assertLogs("phi3_chat", "WARNING") as logs:
            self.assertEqual(self.call(), "echo: x")
        self.assertEqual(len(StandIn.requests), 3)
        self.assertEqual(self.fake.slept, [1.0, 0.5])
        self.assertEqual(
            [record.getMessage() for record in logs.records],
            [
                "HTTP 503 Service Unavailable; trying again in 1 s (attempt 2 of 4)",
                "HTTP 429 Too Many Requests; trying again in 0.5 s (attempt 3 of 4)",
            ],
        )

    def test_explains_a_429_that_outlasts_the_attempts(self):
        StandIn.script = [{"status": 429}] * 4
        with self.assertRaises(phi3_chat.Phi3EndpointError) as raised, self.assertLogs("phi3_chat", "WARNING"):
            self.call()
        self.assertRegex(str(raised.exception), r"^gave up after 4 attempts: 429 Too Many Requests: the deployment is busy")
        self.assertEqual(self.fake.slept, [1.0, 2.0, 4.0])

    def test_does_not_obey_a_retry_after_longer_than_allowed(self):
        StandIn.script = [{"status": 429, "retry_after": "3600"}]
        with self.assertRaises(phi3_chat.Phi3EndpointError) as raised:
            self.call()
        self.assertIn("The endpoint asks to wait 3600 s, more than the 30 s allowed (max_retry_after_seconds)", str(raised.exception))
        self.assertEqual(len(StandIn.requests), 1)
        self.assertEqual(self.fake.slept, [])

    def test_sends_nothing_to_a_url_that_cannot_work(self):
        for url in ["not-a-url", self.url.replace("http://", "http//"), "ftp://127.0.0.1/score"]:
            with self.subTest(url):
                connection = types.SimpleNamespace(endpoint=url, key="k")
                with self.assertRaises(phi3_chat.Phi3EndpointError) as raised:
                    phi3_chat.call_phi3("x", [], connection)
                self.assertIn("is not an http or https URL: nothing was sent", str(raised.exception))
        self.assertEqual(StandIn.requests, [])

    def test_gives_up_when_the_next_wait_would_pass_the_deadline(self):
        StandIn.script = [{"status": 503}] * 4
        with self.assertRaises(phi3_chat.Phi3EndpointError) as raised, self.assertLogs("phi3_chat", "WARNING"):
            self.call(deadline_seconds=2.5)
        self.assertEqual(
            str(raised.exception),
            "gave up after 2 attempts: the 2.5 s allowed in all are up (deadline_seconds). Last: HTTP 503: scripted failure",
        )
        self.assertEqual(len(StandIn.requests), 2)
        self.assertEqual(self.fake.slept, [1.0])

    def test_does_not_send_a_timed_out_request_again_unless_asked_to(self):
        StandIn.script = [{"hang": True}]
        with self.assertRaises(phi3_chat.Phi3EndpointError) as raised:
            self.call(timeout_seconds=0.05)
        self.assertEqual(
            str(raised.exception),
            "no answer within 0.05 s; not sent again, as the model may still be answering it "
            "(retry_timeouts sends it again, timeout_seconds waits longer)",
        )
        # A second request would have been answered ("echo: x"); on a busy machine the first may not even have been
        # read by the stand-in's thread yet.
        self.assertLessEqual(len(StandIn.requests), 1)

        StandIn.requests = []
        StandIn.script = [{"hang": True}]
        with self.assertLogs("phi3_chat", "WARNING"):
            # Long enough for the resent request's answer to arrive in time on a busy machine.
            self.assertEqual(self.call(timeout_seconds=1.0, retry_timeouts=True), "echo: x")
        self.assertEqual(len(StandIn.requests), 2)

    def test_never_follows_a_redirect_so_the_key_goes_nowhere_else(self):
        Elsewhere.requests = []
        elsewhere = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
        elsewhere.daemon_threads = True
        threading.Thread(target=elsewhere.serve_forever, daemon=True).start()
        other = "http://127.0.0.1:%d/steal" % elsewhere.server_address[1]
        try:
            # urllib follows 301-303 for a POST (as a GET, headers kept) and 307/308 for a GET; none of them here.
            for code, location, where in [
                (302, other, "another origin"),
                (307, other, "another origin"),
                (308, "/score-again", "the same origin"),
            ]:
                with self.subTest(code):
                    StandIn.requests = []
                    StandIn.script = [{"status": code, "location": location}]
                    with self.assertRaises(phi3_chat.Phi3EndpointError) as raised:
                        self.call()
                    target = other if location == other else self.url.replace("/score", location)
                    self.assertEqual(
                        str(raised.exception),
                        "the endpoint answered HTTP %d, a redirect to %s (%s); not followed, so that the key goes "
                        "nowhere but the endpoint. Set the endpoint of the phi3-endpoint connection to the scoring URI "
                        "itself (`pulumi stack output scoringUri`)." % (code, target, where),
                    )
                    self.assertEqual(raised.exception.status, code)
                    self.assertEqual(len(StandIn.requests), 1)
            self.assertEqual(Elsewhere.requests, [])
        finally:
            elsewhere.shutdown()
            elsewhere.server_close()

    def test_retries_a_refused_connection_which_never_reached_the_model(self):
        with socket_closed_url() as url:
            connection = types.SimpleNamespace(endpoint=url, key="k")
            with self.assertRaises(phi3_chat.Phi3EndpointError) as raised, self.assertLogs("phi3_chat", "WARNING"):
                phi3_chat.call_phi3("x", [], connection)
        self.assertRegex(str(raised.exception), r"^gave up after 4 attempts: cannot reach http://127\.0\.0\.1:\d+/score \(.*refused")
        self.assertEqual(self.fake.slept, [1.0, 2.0, 4.0])


class socket_closed_url:
    """A URL on 127.0.0.1 where nothing listens."""

    def __enter__(self):
        server = http.server.HTTPServer(("127.0.0.1", 0), StandIn)
        port = server.server_address[1]
        server.server_close()
        return "http://127.0.0.1:%d/score" % port

    def __exit__(self, *args):
        return False


if __name__ == "__main__":
    unittest.main()
