"""Requests Slack did not sign: through the real WSGI front, a malformed, missing or wrong timestamp
or signature is a plain 401 and the bot sends nothing anywhere, least of all to the response_url
the request names; the error handler answers only verified requests, and only to Slack's hosts."""
from __future__ import annotations

import io
import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest

from bot.trust import slack_hosted
from tests.bolt_server import BoltServer, payload, sign


class Listener:
    """A local HTTP server standing in for an attacker's URL: it records every request it gets."""

    def __init__(self) -> None:
        self.hits: list[tuple[str, str, bytes]] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                hits.append(("POST", self.path, self.rfile.read(int(self.headers.get("Content-Length") or 0))))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_PUT = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/internal/admin?x=1"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def attacker():
    listener = Listener()
    yield listener
    listener.stop()


def _command_body(response_url: str, text: str = "help") -> bytes:
    fields = payload("slash_command")
    fields.update(text=text, response_url=response_url, trigger_id=f"trigger.{time.time_ns()}")
    return urlencode(fields).encode()


def _good_signature(body: bytes, *, timestamp: int) -> str:
    return sign(body, timestamp=timestamp)["X-Slack-Signature"]


def _probes(body: bytes) -> list[tuple[str, dict[str, str]]]:
    now = int(time.time())
    good = _good_signature(body, timestamp=now)
    return [
        ("non-numeric timestamp", {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}),
        ("empty timestamp", {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": good}),
        ("blank timestamp", {"X-Slack-Request-Timestamp": "   ", "X-Slack-Signature": good}),
        ("huge timestamp", {"X-Slack-Request-Timestamp": "9" * 5000, "X-Slack-Signature": "v0=00"}),
        ("huge signed timestamp", {"X-Slack-Request-Timestamp": str(10**20),
                                   "X-Slack-Signature": _good_signature(body, timestamp=10**20)}),
        ("negative timestamp", {"X-Slack-Request-Timestamp": "-1", "X-Slack-Signature": _good_signature(body, timestamp=-1)}),
        ("superscript digit", {"X-Slack-Request-Timestamp": "\u00b2", "X-Slack-Signature": "v0=00"}),
        ("underscored number", {"X-Slack-Request-Timestamp": f"{now // 1000}_{now % 1000:03d}", "X-Slack-Signature": good}),
        ("fraction", {"X-Slack-Request-Timestamp": f"{now}.0", "X-Slack-Signature": good}),
        ("no timestamp", {"X-Slack-Signature": good}),
        ("no signature", {"X-Slack-Request-Timestamp": str(now)}),
        ("no headers", {}),
        ("garbage signature", {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=00"}),
        ("signature without version", {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": good[3:]}),
        ("non-ASCII signature", {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=\u00e9" * 20}),
        ("oversized signature", {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": good + "0" * 10000}),
        ("another secret", {"X-Slack-Request-Timestamp": str(now),
                            "X-Slack-Signature": sign(body, secret="not-ours", timestamp=now)["X-Slack-Signature"]}),
        # well outside the 5 minutes, whatever the seconds a loaded machine takes to send them
        ("stale timestamp", sign(body, timestamp=now - 360)),
        ("future timestamp", sign(body, timestamp=now + 360)),
    ]


def test_unsigned_requests_are_401_and_nothing_is_sent_anywhere(db, fake, attacker):
    server = BoltServer(db=db, fake=fake)
    body = _command_body(attacker.url)
    try:
        answers = {name: server.post(body, headers)[:2] for name, headers in _probes(body)}
        # a body Bolt could not even parse, unsigned: refused before anything reads it
        answers["unparseable payload"] = server.post(b"payload=%7Bnot-json", {"X-Slack-Request-Timestamp": "abc"})[:2]
        answers["invalid UTF-8"] = server.post(b"payload=\xff\xfe", {"X-Slack-Signature": "v0=00"})[:2]
    finally:
        server.stop()  # drains every listener still running, so nothing can still be on its way
    assert {name: status for name, (status, _) in answers.items()} == {name: 401 for name in answers}
    assert all(b"Traceback" not in text for _, text in answers.values())
    assert attacker.hits == []
    assert fake.methods() == ["auth.test"]  # the start-up check, and nothing since


def test_the_same_command_signed_is_answered(bolt, fake):
    """The control for the probes above: with a good signature the request goes through."""
    status, _, _ = bolt.post(body := _command_body(fake.response_url("ok")), sign(body))
    assert status == 200
    assert "/crm log" in fake.wait_for("response_url:ok")[0].params["text"]


def test_the_error_handler_answers_only_on_slacks_hosts(empty_database, fake, attacker, caplog):
    """A verified request that fails (here: the database has no tables yet) gets the error sentence
    at a Slack response_url, and nothing at any other URL it names."""
    server = BoltServer(db=empty_database.factory, fake=fake)
    try:
        server.post(body := _command_body(fake.response_url("err")), sign(body))
        told = fake.wait_for("response_url:err")[0].params
        assert told["response_type"] == "ephemeral" and "出了点问题" in told["text"]
        server.post(body := _command_body(attacker.url), sign(body))
    finally:
        server.stop()
    assert "not telling the user: the response_url is not on Slack's hosts" in caplog.text  # it did fail, and held back
    assert attacker.hits == []
    assert [m for m in fake.methods() if m.startswith("response_url")] == ["response_url:err"]


@pytest.mark.parametrize(("url", "ok"), [
    ("https://hooks.slack.com/commands/T1/2/abc", True),
    ("https://hooks.slack-gov.com/commands/T1/2/abc", True),     # GovSlack, with SLACK_API_URL on slack-gov.com
    ("http://127.0.0.1:8123/response_url/x", True),              # the configured SLACK_API_URL's own host
    ("http://hooks.slack.com/commands/T1/2/abc", False),         # not https
    ("https://hooks.slack.com.evil.example/commands", False),
    ("https://evil.example/?https://hooks.slack.com/", False),
    ("https://user@hooks.slack.com:444/commands", False),
    ("http://127.0.0.1:8124/response_url/x", False),             # the right host on another port
    ("http://127.0.0.1:8123@evil.example/", False),
    ("file:///etc/passwd", False),
    ("", False),
    ("not a url", False),
])
def test_which_response_urls_count_as_slacks(url, ok):
    api = "https://slack-gov.com/api/" if "slack-gov" in url else "http://127.0.0.1:8123/api/"
    assert slack_hosted(url, api_url=api) is ok


def test_without_a_signing_secret_there_is_no_slack_route(bolt, fake, attacker):
    """Socket Mode with the NPS webhook on: the HTTP front serves no /slack/events at all."""
    from bot.web import make_wsgi

    wsgi = make_wsgi(bolt.app, signing_secret=None)
    body = _command_body(attacker.url)
    got = []
    answer = wsgi({"PATH_INFO": "/slack/events", "REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(len(body)),
                   "wsgi.input": io.BytesIO(body), **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in sign(body).items()}},
                  lambda status, headers: got.append(status))
    assert (got, b"".join(answer)) == (["404 Not Found"], b"not found")
    assert attacker.hits == [] and fake.methods() == ["auth.test"]


def test_bolt_reached_without_the_front_still_answers_no_unsigned_request(bolt, fake, attacker):
    """Bolt's own check raises on int('abc'); the error handler then answers 401 and posts nothing."""
    from slack_bolt.request import BoltRequest

    body = _command_body(attacker.url).decode()
    headers = {"x-slack-request-timestamp": "abc", "x-slack-signature": "v0=00"}
    response = bolt.app.dispatch(BoltRequest(body=body, headers=headers))
    assert response.status == 401
    assert attacker.hits == [] and fake.methods() == ["auth.test"]


NPS_SECRET = "nps-shared-secret"


@pytest.mark.parametrize(("timestamp", "signature"), [
    ("abc", "v1=00"), ("", "v1=00"), ("   ", "v1=00"), ("\u00b2", "v1=00"), ("\u00b9\u00b2\u00b3", "v1=00"),
    ("9" * 5000, "v1=00"),
    ("-1", "v1=00"), ("1_700_000_000", "v1=00"), (None, "v1=00"), ("NOW", None), ("NOW", "v1=\u00e9\u00e9"),
    ("NOW", "v1=" + "0" * 10000), ("NOW", ""),
])
def test_the_nps_webhook_answers_malformed_signature_headers_with_401(db, fake, timestamp, signature):
    server = BoltServer(db=db, fake=fake, nps_secret=NPS_SECRET)
    body = b'{"customer": "C1", "score": 9}'
    headers = {"X-CRM-Timestamp": str(int(time.time())) if timestamp == "NOW" else timestamp, "X-CRM-Signature": signature}
    request = urllib.request.Request(server.nps_url, data=body, method="POST",
                                     headers={k: v for k, v in headers.items() if v is not None})
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        with refused.value as answer:
            status, text = answer.code, json.loads(answer.read())
    finally:
        server.stop()
    assert status == 401 and text["ok"] is False
    assert text["error"] in ("missing signature", "stale or bad timestamp", "bad signature")
    assert fake.methods() == ["auth.test"]
