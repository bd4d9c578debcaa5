"""POST /webhooks/nps over real HTTP, served by the same WSGI front as Slack's requests."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from store.customers import create_customer
from store.types import utcnow
from store.db import transaction
from store.models import Customer, NextAction, NpsResponse, Outbox
from tests.bolt_server import BoltServer
from tests.conftest import REP

NPS_SECRET = "nps-shared-secret"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def server(db, fake):
    server = BoltServer(db=db, fake=fake, nps_secret=NPS_SECRET)
    yield server
    server.stop()


@pytest.fixture
def galaxy(db) -> Customer:
    with transaction(db) as s:
        return create_customer(session=s, name="星河科技", owner_id=REP, created_by=REP, now=utcnow())


def signed(body: bytes, *, secret: str = NPS_SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v1:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-CRM-Timestamp": ts, "X-CRM-Signature": f"v1={digest}"}


def post(url: str, body: bytes, headers: dict[str, str], method: str = "POST") -> tuple[int, dict | str]:
    request = urllib.request.Request(url, data=body if method == "POST" else None, method=method,
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as e:
        with e:
            status, raw = e.code, e.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode()


def send(server, payload: dict, **sign_kw) -> tuple[int, dict]:
    body = json.dumps(payload, ensure_ascii=False).encode()
    return post(server.nps_url, body, signed(body, **sign_kw))


def rows(db, model):
    with transaction(db) as s:
        return s.exec(select(model).order_by(model.id)).all()


def test_a_signed_low_score_is_recorded_and_the_owner_alerted_once(server, fake, db, galaxy, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    server.now = datetime(2026, 11, 20, 17, 30, tzinfo=SHANGHAI)  # half an hour after the customer answered
    stamp = int(server.now.timestamp())
    payload = {"customer": galaxy.code, "score": 6, "comment": "交付延期两次", "responded_at": "2026-11-20T16:00:00+08:00",
               "response_id": "sv-123"}
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = signed(body, timestamp=stamp)
    assert post(server.nps_url, body, headers) == (200, {"ok": True, "id": 1, "duplicate": False})
    dm = fake.wait_for("chat.postMessage")[0].params
    assert (dm["channel"], dm["text"]) == (REP, "NPS 低分：星河科技 打了 6 分")
    assert "> 交付延期两次" in [b["text"]["text"] for b in dm["blocks"] if b["type"] == "section"]
    [response] = rows(db, NpsResponse)
    assert (response.score, response.comment, response.source, response.external_id, response.recorded_by) == (
        6, "交付延期两次", "webhook", "sv-123", None)
    assert response.responded_at == datetime(2026, 11, 20, 16, 0, tzinfo=SHANGHAI)
    [loop] = rows(db, NextAction)
    # Friday 16:00 in Shanghai + 2 business days (09:00-18:00) = Tuesday 16:00
    assert (loop.owner_id, loop.due_at) == (REP, datetime(2026, 11, 24, 16, 0, tzinfo=SHANGHAI))

    # the same request replayed, and the same response_id signed anew: recorded once, alerted once
    assert post(server.nps_url, body, headers) == (200, {"ok": True, "id": 1, "duplicate": True})
    assert send(server, {**payload, "score": 2}, timestamp=stamp + 1) == (200, {"ok": True, "id": 1, "duplicate": True})
    assert (len(rows(db, NpsResponse)), len(rows(db, NextAction)), len(rows(db, Outbox))) == (1, 1, 1)
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_without_a_response_id_a_replay_is_recorded_once_and_a_new_signature_is_a_new_response(server, fake, db, galaxy):
    body = json.dumps({"customer": "星河科技", "score": 10}).encode()
    headers = signed(body)
    first = post(server.nps_url, body, headers)
    assert first == (200, {"ok": True, "id": 1, "duplicate": False})
    assert post(server.nps_url, body, headers) == (200, {"ok": True, "id": 1, "duplicate": True})
    # a second earlier than the first signature (not the clock's: it may have ticked since)
    status, answer = post(server.nps_url, body, signed(body, timestamp=int(headers["X-CRM-Timestamp"]) - 1))
    saved = rows(db, NpsResponse)
    assert (status, answer) == (200, {"ok": True, "id": saved[1].id, "duplicate": False})
    assert [(r.score, r.external_id[:4]) for r in saved] == [(10, "sig:"), (10, "sig:")]
    assert saved[0].external_id != saved[1].external_id
    assert rows(db, Outbox) == [] and fake.calls_to("chat.postMessage") == []


def test_missing_bad_and_stale_signatures_are_refused_and_change_nothing(server, fake, db, galaxy):
    body = json.dumps({"customer": galaxy.code, "score": 1, "response_id": "r"}).encode()
    now = int(time.time())
    assert post(server.nps_url, body, {}) == (401, {"ok": False, "error": "missing signature"})
    assert post(server.nps_url, body, {"X-CRM-Timestamp": str(now)}) == (401, {"ok": False, "error": "missing signature"})
    assert post(server.nps_url, body, signed(body, secret="wrong")) == (401, {"ok": False, "error": "bad signature"})
    tampered = body.replace(b'"score": 1', b'"score": 9')
    assert post(server.nps_url, tampered, signed(body)) == (401, {"ok": False, "error": "bad signature"})
    for stale in (now - 301, now + 301):
        assert post(server.nps_url, body, signed(body, timestamp=stale)) == (401, {"ok": False, "error": "stale or bad timestamp"})
    headers = signed(body)
    headers["X-CRM-Signature"] = headers["X-CRM-Signature"].replace("v1=", "v0=")
    assert post(server.nps_url, body, headers)[0] == 401
    assert (rows(db, NpsResponse), rows(db, Outbox)) == ([], [])
    assert fake.calls_to("chat.postMessage") == []
    # inside the window it is taken
    assert post(server.nps_url, body, signed(body, timestamp=now - 290))[0] == 200


@pytest.mark.parametrize("body, reason", [
    (b"{not json", "body is not JSON"),
    (b"\xff\xfe", "body is not JSON"),
    (b"[1, 2]", "body is not a JSON object"),
    (json.dumps({"score": 9}).encode(), "customer: a name or code is required"),
    (json.dumps({"customer": "星河科技", "score": 11}).encode(), "score: a whole number from 0 to 10 is required"),
    (json.dumps({"customer": "星河科技", "score": "9"}).encode(), "score: a whole number from 0 to 10 is required"),
    (json.dumps({"customer": "星河科技", "score": True}).encode(), "score: a whole number from 0 to 10 is required"),
    (json.dumps({"customer": "星河科技", "score": 9, "comment": 5}).encode(), "comment: must be a string"),
    (json.dumps({"customer": "星河科技", "score": 9, "responded_at": "yesterday"}).encode(), "responded_at: not an ISO 8601 time"),
    (json.dumps({"customer": "星河科技", "score": 9, "responded_at": "2026-11-20T16:00:00"}).encode(),
     "responded_at: needs an offset, e.g. +08:00 or Z"),
    (json.dumps({"customer": "星河科技", "score": 9, "response_id": "x" * 101}).encode(), "response_id: a string of 1 to 100 characters"),
    (json.dumps({"customer": "星河科技", "score": 9, "comment": "长" * 2001}).encode(), "comment: At most 2000 characters; this has 2001."),
    (json.dumps({"customer": "星河科技", "score": 9, "responded_at": "2099-01-01T00:00:00Z"}).encode(),
     "responded_at: The response time cannot be in the future."),
])
def test_bad_bodies_get_400_with_the_reason(server, db, galaxy, body, reason):
    assert post(server.nps_url, body, signed(body)) == (400, {"ok": False, "error": reason})
    assert rows(db, NpsResponse) == []


def test_unknown_customer_oversized_body_wrong_method_and_no_secret(server, db, fake, galaxy):
    assert send(server, {"customer": "不存在的公司", "score": 3}) == (422, {"ok": False, "error": "unknown customer: 不存在的公司"})
    big = json.dumps({"customer": galaxy.code, "score": 9, "comment": "x" * (64 * 1024)}).encode()
    assert post(server.nps_url, big, signed(big)) == (413, {"ok": False, "error": "body over 65536 bytes"})
    assert post(server.nps_url, b"", {}, method="GET") == (405, {"ok": False, "error": "POST only"})
    assert rows(db, NpsResponse) == []
    unconfigured = BoltServer(db=db, fake=fake)  # CRM_NPS_WEBHOOK_SECRET unset
    try:
        body = json.dumps({"customer": galaxy.code, "score": 9}).encode()
        assert post(unconfigured.nps_url, body, signed(body)) == (503, {"ok": False, "error": "CRM_NPS_WEBHOOK_SECRET is not set"})
    finally:
        unconfigured.stop()
    assert rows(db, NpsResponse) == []


def test_a_name_works_as_well_as_a_code_and_slack_refusing_leaves_the_alert_for_the_scheduler(server, fake, db, galaxy):
    fake.fail_next("chat.postMessage", status=503)
    assert send(server, {"customer": " 星河科技 ", "score": 0, "response_id": 7}) == (200, {"ok": True, "id": 1, "duplicate": False})
    [row] = rows(db, Outbox)
    assert (row.kind, row.status, row.attempts, row.recipient) == ("nps_low", "pending", 1, REP)
    assert rows(db, NpsResponse)[0].external_id == "7"
    assert rows(db, NpsResponse)[0].responded_at > datetime.now(timezone.utc) - timedelta(minutes=1)
