"""A fake Slack Web API server for tests.

Real HTTP on 127.0.0.1 (random free port), served by ``ThreadingHTTPServer`` in a
daemon thread.  Point a real ``slack_sdk.WebClient`` at it::

    with FakeSlack() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.url)
        client.chat_postMessage(channel="C1", text="hi")
        assert fake.calls_to("chat.postMessage")[0].params["text"] == "hi"
        assert fake.violations == []

Every request is recorded as a :class:`Call`.  Every message / view payload is
checked against Block Kit limits (:func:`check_blocks`, :func:`check_view`, in
tests/blockkit.py); a problem is appended to ``fake.violations`` and the request is
answered with ``ok: false`` so the bot under test sees the same failure Slack would
give it.  The methods themselves live in tests/fake_slack_methods.py; this module
holds the server: recording, scripted failures and the HTTP plumbing.
"""

from __future__ import annotations

import json
import sys
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP as _HTTP_POLICY
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlparse

from tests.blockkit import LIMITS, check_blocks, check_view
from tests.fake_slack_methods import SlackMethods

__all__ = ["FakeSlack", "Call", "check_blocks", "check_view", "LIMITS"]

_JSON_PARAMS = ("blocks", "view", "attachments", "files", "metadata")
_DEFAULT_USER_TZ = "Asia/Shanghai"
_ROUTES = (("/api/", "api"), ("/upload/", "upload"), ("/response_url/", "response_url"))
_CLIENT_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


@dataclass
class Call:
    method: str  # "chat.postMessage", "upload:F0000000001", "response_url:cmd", ...
    params: dict  # decoded request arguments (JSON strings for blocks/view/... decoded)
    headers: dict  # request headers, names lower-cased
    at: float  # time.monotonic() when the request arrived
    status: int | None = None  # HTTP status the fake answered with (None while in flight)
    response: Any = None  # decoded body the fake answered with (dict for API methods)
    answered: threading.Event = field(default_factory=threading.Event)  # set once the answer is written


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    error: str | None
    delay: float
    remaining: int
    hold: threading.Event | None = None


class FakeSlack(SlackMethods):
    """Fake Slack Web API.  See module docstring."""

    TEAM_ID = "T000TEST"
    TEAM_NAME = "Test Team"
    BOT_USER_ID = "UBOT"
    BOT_ID = "BBOT"
    APP_ID = "A000TEST"

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.users: dict[str, dict] = {}
        self.uploads: dict[str, bytes] = {}  # file_id -> uploaded bytes
        self.canvases: dict[str, dict] = {}  # canvas_id -> title, markdown, access (canvases.create / canvases.access.set)
        self.views: dict[str, dict] = {}  # view_id -> last view object returned
        self.history: dict[str, list[dict]] = {}  # channel id -> messages posted there, oldest first
        self.channels: dict[str, dict] = {}  # channel id -> {private, member, archived, name} (add_channel)
        self._lock = threading.RLock()
        self._failures: dict[str, deque[_Failure]] = {}
        self._pending_files: dict[str, dict] = {}
        self._external_ids: dict[str, str] = {}  # external_id -> view_id
        self._seq = 0
        self._ts_seq = 0
        # Slack's chat.postMessage limit, when set: about one message per `post_interval` seconds
        # per channel; a post sooner gets 429 with Retry-After (benchmarks turn it on).
        self.post_interval: float | None = None
        self._last_post: dict[str, float] = {}
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port: int = 0
        self.url: str = ""

    # ---- lifecycle --------------------------------------------------------------

    def start(self) -> "FakeSlack":
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self.port = server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/api/"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeSlack", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # wakes handlers sleeping on a scripted delay
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> "FakeSlack":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ---- test-facing helpers ----------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def methods(self) -> list[str]:
        """Methods of all recorded calls, in order."""
        with self._lock:
            return [c.method for c in self.calls]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {count} call(s) to {method!r}; "
                    f"got {len(found)}. Methods seen, in order: {self.methods()}"
                )
            time.sleep(0.01)

    def add_user(
        self,
        user_id: str,
        *,
        tz: str = _DEFAULT_USER_TZ,
        locale: str = "zh-CN",
        name: str = "",
        real_name: str = "",
        email: str = "",
        display_name: str | None = None,
        deleted: bool = False,
        is_bot: bool = False,
    ) -> None:
        """A workspace member users.info, users.list and users.lookupByEmail answer for; its
        display name is `name` unless given."""
        with self._lock:
            self.users[user_id] = {
                "id": user_id,
                "tz": tz,
                "locale": locale,
                "name": name or user_id.lower(),
                "real_name": real_name or name or user_id,
                "email": email,
                "display_name": (name or user_id.lower()) if display_name is None else display_name,
                "deleted": deleted,
                "is_bot": is_bot,
            }

    def add_channel(self, channel_id: str, *, name: str = "", private: bool = False, member: bool = True,
                    archived: bool = False) -> None:
        """A channel conversations.info/join know about. Without one, any channel is public with the bot in it.
        A bot outside a channel gets not_in_channel from chat.postMessage and cannot see a private one."""
        with self._lock:
            self.channels[channel_id] = {"name": name or channel_id.lower(), "private": private, "member": member,
                                         "archived": archived}

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        times: int = 1,
        retry_after: int | None = None,
        error: str | None = None,
        delay: float = 0.0,
        hold: threading.Event | None = None,
    ) -> None:
        """Scripts the next `times` calls to `method` (FIFO with earlier scripts); ``"upload:*"``
        stands for the file upload URL whatever the file id.

        * ``retry_after`` given -> HTTP 429 with ``Retry-After: <retry_after>``.
        * ``error`` given -> HTTP 200 ``{"ok": false, "error": error}``.
        * otherwise HTTP ``status`` with ``{"ok": false, "error": ...}``; ``status=200``
          (with no error) means "answer normally", useful with ``delay`` for a slow reply.
        * ``delay`` seconds are slept before answering (interrupted by ``stop()``).
        * ``hold``: the answer waits until the test sets this event (or ``stop()``), so a test
          decides when a slow Slack answers instead of racing a timer; ``Call.answered`` tells
          when the answer has been written.
        """
        if retry_after is not None:
            status = 429
        with self._lock:
            self._failures.setdefault(method, deque()).append(
                _Failure(status=status, retry_after=retry_after, error=error, delay=delay, remaining=times, hold=hold)
            )

    def response_url(self, name: str = "cmd") -> str:
        if not self.port:
            raise RuntimeError("FakeSlack.start() must be called before response_url()")
        return f"http://127.0.0.1:{self.port}/response_url/{quote(name, safe='')}"

    def reset(self) -> None:
        """Clears calls, violations and scripted failures (keeps users, views, id counters)."""
        with self._lock:
            self.calls.clear()
            self.violations.clear()
            self._failures.clear()

    # ---- internals --------------------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def _violate(self, method: str, problems: list[str]) -> None:
        if problems:
            with self._lock:
                self.violations.extend(f"{method}: {p}" for p in problems)

    def _take_failure(self, method: str) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(method)
            if not queue:
                return None
            failure = queue[0]
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.popleft()
            return failure


# --------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeSlack

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], _CLIENT_GONE):
            return  # the client gave up (e.g. its timeout fired during a scripted delay)
        super().handle_error(request, client_address)


def _route(path: str) -> tuple[str, str] | None:
    """(kind, recorded method name) for a request path, or None if the fake does not serve it."""
    for prefix, kind in _ROUTES:
        if path.startswith(prefix) and len(path) > len(prefix):
            rest = path[len(prefix):]
            return kind, rest if kind == "api" else f"{kind}:{unquote(rest)}"
    return None


def _decode_json_params(params: dict, problems: list[str]) -> None:
    """Arguments such as blocks and view arrive as JSON strings in form-encoded requests."""
    for key in _JSON_PARAMS:
        value = params.get(key)
        if isinstance(value, str):
            try:
                params[key] = json.loads(value) if value.strip() else None
            except json.JSONDecodeError as exc:
                problems.append(f"{key}: not valid JSON ({exc})")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    # ---- request decoding ----------------------------------------------------------

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _decode_params(self, query: str, body: bytes) -> tuple[dict, list[str]]:
        params: dict[str, Any] = self._form(query) if query else {}
        problems: list[str] = []
        if body:
            self._decode_body(body, params, problems)
        _decode_json_params(params, problems)
        return params, problems

    def _decode_body(self, body: bytes, params: dict, problems: list[str]) -> None:
        content_type = (self.headers.get("Content-Type") or "").lower()
        if "application/json" in content_type or (not content_type and body[:1] == b"{"):
            self._decode_json_body(body, params, problems)
        elif "multipart/form-data" in content_type:
            params.update(self._multipart(body))
        else:
            params.update(self._form(body.decode("utf-8", errors="replace")))

    @staticmethod
    def _form(encoded: str) -> dict[str, Any]:
        pairs = parse_qs(encoded, keep_blank_values=True)
        return {key: values[0] if len(values) == 1 else values for key, values in pairs.items()}

    @staticmethod
    def _decode_json_body(body: bytes, params: dict, problems: list[str]) -> None:
        try:
            decoded = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(f"request body is not valid JSON: {exc}")
            decoded = {}
        if isinstance(decoded, dict):
            params.update(decoded)
        else:
            problems.append("JSON request body must be an object")

    def _multipart(self, body: bytes) -> dict[str, Any]:
        """Form fields as text, file parts as bytes."""
        header = b"Content-Type: " + self.headers.get("Content-Type", "").encode("latin-1") + b"\r\n\r\n"
        message = BytesParser(policy=_HTTP_POLICY).parsebytes(header + body)
        params: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                params[name] = payload
            else:
                params[name] = payload.decode("utf-8", errors="replace")
        return params

    def _token(self, params: dict) -> str | None:
        auth = self.headers.get("Authorization") or ""
        if auth.lower().startswith("bearer ") and auth[7:].strip():
            return auth[7:].strip()
        if auth.lower().startswith("basic ") and auth[6:].strip():
            return auth
        token = params.get("token")
        return token if isinstance(token, str) and token else None

    # ---- response writing ----------------------------------------------------------

    def _send(self, status: int, body: Any, extra_headers: dict[str, str] | None = None) -> None:
        if isinstance(body, (dict, list)):
            raw = json.dumps(body).encode("utf-8")
            content_type = "application/json; charset=utf-8"
        else:
            raw = str(body).encode("utf-8")
            content_type = "text/plain; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        for key, value in (extra_headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(raw)
        self.wfile.flush()

    def _reply(self, call: Call, status: int, answer: Any, extra_headers: dict[str, str] | None = None) -> None:
        call.status, call.response = status, answer
        try:
            self._send(status, answer, extra_headers)
        finally:
            call.answered.set()

    # ---- main ------------------------------------------------------------------------

    def _handle(self) -> None:
        fake = self.server.fake
        arrived = time.monotonic()
        parsed = urlparse(self.path)
        body = self._read_body()
        route = _route(parsed.path)
        if route is None:
            self._send(404, {"ok": False, "error": "unknown_path", "path": parsed.path})
            return
        kind, method = route
        if kind == "upload":
            params: dict[str, Any] = {"file_id": method[len("upload:"):], "length": len(body)}
            problems: list[str] = []
        else:
            params, problems = self._decode_params(parsed.query, body)

        call = Call(method=method, params=params, headers={k.lower(): v for k, v in self.headers.items()}, at=arrived)
        fake._record(call)
        if self._scripted_failure(fake, call):
            return
        if method == "chat.postMessage" and self._over_rate(fake, call):
            return
        try:
            status, answer = self._answer(fake, kind, call, body, problems)
        except Exception as exc:  # a bug in the fake must not look like a Slack answer
            fake._violate(method, [f"INTERNAL fake_slack error: {exc!r}"])
            status, answer = 500, {"ok": False, "error": "fake_internal_error", "detail": repr(exc)}
        self._reply(call, status, answer)

    def _scripted_failure(self, fake: FakeSlack, call: Call) -> bool:
        """Plays a failure scripted with fail_next(); True if the request has been dealt with."""
        failure = fake._take_failure(call.method)
        if failure is None and call.method.startswith("upload:"):
            failure = fake._take_failure("upload:*")  # any file upload, whatever its file id
        if failure is None:
            return False
        if failure.delay > 0 and fake._stopping.wait(failure.delay):
            self.close_connection = True
            return True  # server stopping: drop the request
        if failure.hold is not None and not self._held(fake, failure.hold):
            self.close_connection = True
            return True  # server stopping: drop the request
        if failure.error is not None:
            self._reply(call, 200, {"ok": False, "error": failure.error})
            return True
        if failure.status == 200:
            return False  # only a delay: answer normally
        if failure.status == 429:
            error = "ratelimited"
        else:
            error = "internal_error" if failure.status >= 500 else f"http_{failure.status}"
        extra = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
        self._reply(call, failure.status, {"ok": False, "error": error}, extra)
        return True

    def _over_rate(self, fake: FakeSlack, call: Call) -> bool:
        """429 for a post within `post_interval` of the last accepted one to that channel."""
        if not fake.post_interval:
            return False
        channel, now = str(call.params.get("channel", "")), time.monotonic()
        with fake._lock:
            wait = fake._last_post.get(channel, float("-inf")) + fake.post_interval - now
            if wait <= 0:
                fake._last_post[channel] = now
                return False
        self._reply(call, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(max(1, math.ceil(wait)))})
        return True

    @staticmethod
    def _held(fake: FakeSlack, hold: threading.Event) -> bool:
        """Waits for the test to release a held answer; False when the server stops first."""
        while not hold.wait(0.05):
            if fake._stopping.is_set():
                return False
        return True

    def _answer(self, fake: FakeSlack, kind: str, call: Call, body: bytes, problems: list[str]) -> tuple[int, Any]:
        method, params = call.method, call.params
        if kind == "upload":
            return fake._upload(params["file_id"], body)
        if kind == "response_url":
            if problems:
                fake._violate(method, problems)
                return 400, "invalid_payload"
            return fake._response_url(method[len("response_url:"):], params)
        if self._token(params) is None:
            return 200, {"ok": False, "error": "not_authed"}
        if problems:
            fake._violate(method, problems)
            return 200, {"ok": False, "error": "invalid_arguments", "errors": problems}
        return 200, fake._api(method, params)
