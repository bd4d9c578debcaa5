"""POST /webhooks/nps: NPS responses from a survey tool, signed with a shared secret.

    X-CRM-Timestamp: <unix seconds>
    X-CRM-Signature: v1=<hex HMAC-SHA256(secret, "v1:" + timestamp + ":" + raw body)>
    {"customer": "C202611001" | "name", "score": 9, "comment": "...",
     "responded_at": "2026-11-20T16:00:00+08:00" (optional), "response_id": "abc" (optional)}

Answers: 200 {"ok": true, "id": ..., "duplicate": bool}; 400 bad JSON or fields; 401 missing, bad or
stale signature (more than 5 minutes off); 413 body over 64 KiB; 422 unknown customer; 503 no
secret configured. A response_id makes a resend a no-op; without one, the signed (timestamp, body)
is the key, so a replayed request is recorded once while a real second response (signed anew) is not lost.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime


from bot.trust import whole_number
from handlers.context import Defaults
from handlers.i18n import EN, t
from handlers.nps.commands import record_and_alert
from store.customers import find_exact
from store.db import SessionFactory, transaction
from store.errors import DomainError, FieldErrors
from store.nps import EXTERNAL_ID_MAX

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024
REPLAY_WINDOW = 5 * 60


class Refused(Exception):
    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "v1=" + hmac.new(secret.encode(), b"v1:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()


def _verify(secret: str, environ: dict, body: bytes, now: datetime) -> str:
    timestamp = environ.get("HTTP_X_CRM_TIMESTAMP", "").strip()
    given = environ.get("HTTP_X_CRM_SIGNATURE", "").strip()
    if not timestamp or not given:
        raise Refused("401 Unauthorized", "missing signature")
    seconds = whole_number(timestamp)  # plain ASCII digits: isdigit() also takes "²", which int() refuses
    if seconds is None or abs(now.timestamp() - seconds) > REPLAY_WINDOW:
        raise Refused("401 Unauthorized", "stale or bad timestamp")
    if not hmac.compare_digest(given.encode(), signature(secret, timestamp, body).encode()):
        raise Refused("401 Unauthorized", "bad signature")
    return timestamp


def _read_body(environ: dict) -> bytes:
    length = whole_number(environ.get("CONTENT_LENGTH"))
    if length is not None and length > MAX_BODY:
        raise Refused("413 Payload Too Large", f"body over {MAX_BODY} bytes")
    body = environ["wsgi.input"].read(MAX_BODY + 1 if length is None else length)
    if len(body) > MAX_BODY:
        raise Refused("413 Payload Too Large", f"body over {MAX_BODY} bytes")
    return body


def _fields(body: bytes) -> dict:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused("400 Bad Request", "body is not JSON") from None
    except RecursionError:
        raise Refused("400 Bad Request", "body is not JSON we accept: nested too deeply") from None
    if not isinstance(data, dict):
        raise Refused("400 Bad Request", "body is not a JSON object")
    customer, score, comment = data.get("customer"), data.get("score"), data.get("comment", "")
    if not isinstance(customer, str) or not customer.strip():
        raise Refused("400 Bad Request", "customer: a name or code is required")
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        raise Refused("400 Bad Request", "score: a whole number from 0 to 10 is required")
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        raise Refused("400 Bad Request", "comment: must be a string")
    responded_at = data.get("responded_at")
    if responded_at is not None:
        try:
            responded_at = datetime.fromisoformat(str(responded_at))
        except ValueError:
            raise Refused("400 Bad Request", "responded_at: not an ISO 8601 time") from None
        if responded_at.tzinfo is None:
            raise Refused("400 Bad Request", "responded_at: needs an offset, e.g. +08:00 or Z")
    response_id = data.get("response_id")
    if response_id is not None and (not isinstance(response_id, (str, int)) or isinstance(response_id, bool)
                                    or not 0 < len(str(response_id)) <= EXTERNAL_ID_MAX):
        raise Refused("400 Bad Request", f"response_id: a string of 1 to {EXTERNAL_ID_MAX} characters")
    return {"customer": customer, "score": score, "comment": comment, "responded_at": responded_at,
            "response_id": None if response_id is None else str(response_id)}


def make_nps_webhook(*, secret: str | None, db: SessionFactory, defaults: Defaults, wake: Callable[[], None],
                     clock: Callable[[], datetime] | None = None):
    """The WSGI app behind POST /webhooks/nps. `clock`: the app's (defaults.clock) unless given;
    `wake`: after an alert is queued, the scheduler's tick runs now (bot/scheduler.Waker)."""
    clock = clock or defaults.clock

    def answer(start_response, status: str, payload: dict) -> list[bytes]:
        body = json.dumps(payload, ensure_ascii=False).encode()
        start_response(status, [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]

    def handle(environ: dict, now: datetime) -> tuple[dict, bool]:
        if not secret:
            raise Refused("503 Service Unavailable", "CRM_NPS_WEBHOOK_SECRET is not set")
        if environ.get("REQUEST_METHOD") != "POST":
            raise Refused("405 Method Not Allowed", "POST only")
        body = _read_body(environ)
        timestamp = _verify(secret, environ, body, now)
        fields = _fields(body)
        external_id = fields["response_id"] or "sig:" + hashlib.sha256(timestamp.encode() + b":" + body).hexdigest()[:64]
        try:
            with transaction(db) as session:
                customer = find_exact(session=session, text=fields["customer"])
                if customer is None:
                    raise Refused("422 Unprocessable Entity", f"unknown customer: {fields['customer'][:100]}")
                recorded = record_and_alert(session=session, defaults=defaults, customer_id=customer.id, score=fields["score"],
                                            comment=fields["comment"], source="webhook", external_id=external_id,
                                            responded_at=fields["responded_at"] or now, recorded_by=None, now=now)
        except DomainError as e:
            problems = e.errors if isinstance(e, FieldErrors) else [e]
            raise Refused("400 Bad Request", "; ".join(f"{p.field or 'body'}: {t(EN, p.key, **p.params)}" for p in problems)) from None
        return {"ok": True, "id": recorded.response.id, "duplicate": not recorded.created}, recorded.action is not None

    def webhook(environ, start_response):
        now = clock()
        try:
            payload, alerted = handle(environ, now)
        except Refused as e:
            return answer(start_response, e.status, {"ok": False, "error": e.reason})
        if alerted:  # the response is saved; what Slack refuses now the scheduler retries
            wake()
        return answer(start_response, "200 OK", payload)

    return webhook
