"""The requests that used to end in a 500 or a half-handled error (issue 11, part 3), each through
the real Bolt app: a value a person typed out of range gets a sentence in their language, a
forged payload a 200 and a logged warning; nothing is written either way."""
from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from bot.webhooks import signature
from handlers.blocks import modal
from handlers import ids
from handlers.i18n import t
from handlers.payload import MalformedPayload, read_metadata
from tests.bolt_server import BoltServer
from tests.conftest import REP, REP_EN
from tests.flows import log_state, view_submission
from tests.payload_probe import ErrorLog, rows
from tests.record_flows import SALES, customer

NPS_SECRET = "nps-shared-secret"
HUGE = 999999999999999999999


def _both(remember) -> None:
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")


def _reply(bolt, fake, text: str, *, user: str) -> str:
    fake.reset()
    status, body, _ = bolt.command(text, user=user)
    assert (status, body) == (200, b"")
    return fake.wait_for("response_url:cmd")[0].params["text"]


# -- a person typed it: their language, nothing saved ---------------------------------------------

def _new_customer(bolt, *, user: str, revenue: str) -> tuple[int, dict]:
    values = {ids.CUST_NAME_BLOCK: {ids.CUST_NAME: {"type": "plain_text_input", "value": "星河科技"}},
              ids.CUST_REVENUE_BLOCK: {ids.CUST_REVENUE: {"type": "plain_text_input", "value": revenue}},
              ids.CUST_OWNER_BLOCK: {ids.CUST_OWNER: {"type": "users_select", "selected_user": user}}}
    body = view_submission(user=user, callback_id=ids.CUSTOMER_NEW_VIEW, values=values, private_metadata={"channel": SALES})
    status, answer, _ = bolt.interact(body)
    return status, json.loads(answer or b"{}")


@pytest.mark.parametrize("revenue", ["1e30", "1e309", "1E999999999"])
def test_a_revenue_too_large_for_decimal_is_refused_on_its_field(bolt, fake, db, remember, revenue):
    _both(remember)
    before = rows(db)
    with ErrorLog() as errors:
        zh = _new_customer(bolt, user=REP, revenue=revenue)
        en = _new_customer(bolt, user=REP_EN, revenue=revenue)
    assert zh == (200, {"response_action": "errors", "errors": {ids.CUST_REVENUE_BLOCK: "金额太大：最多 9999999999999999.99。"}})
    assert en == (200, {"response_action": "errors",
                        "errors": {ids.CUST_REVENUE_BLOCK: "That amount is too large: at most 9999999999999999.99."}})
    assert (errors.lines, rows(db)) == ([], before)


@pytest.mark.parametrize("period", ["9999-12-31", "0001-01-01", "9999-12", "9999-W52", "0001-01"])
def test_stats_for_a_year_out_of_range_says_which_years_are(bolt, fake, db, remember, period):
    _both(remember)
    with ErrorLog() as errors:
        zh = _reply(bolt, fake, f"stats {period}", user=REP)
        en = _reply(bolt, fake, f"stats {period}", user=REP_EN)
    assert zh == f"周期“{period.casefold()}”超出范围：年份须在 1970 到 2999 之间。\n" + t("zh-CN", "stats_usage")
    assert en == f"The period “{period.casefold()}” is out of range: the year must be between 1970 and 2999.\n" + t("en-US", "stats_usage")
    assert errors.lines == []


@pytest.mark.parametrize("score", ["⑤", "٣", "５", "²"])
def test_an_nps_score_in_other_digits_is_refused_in_the_users_language(bolt, fake, db, remember, score):
    _both(remember)
    galaxy = customer(db, "星河科技", owner=REP)
    galaxy_en = customer(db, "Galaxy Tech", owner=REP_EN)
    before = rows(db)
    with ErrorLog() as errors:
        zh = _reply(bolt, fake, f"nps {galaxy.code} {score}", user=REP)
        en = _reply(bolt, fake, f"nps {galaxy_en.code} {score} too slow", user=REP_EN)
    assert (zh, en) == ("评分要是 0 到 10 的整数。", "The score must be a whole number from 0 to 10.")
    assert (errors.lines, rows(db)) == ([], before)


# -- a forged payload: 200, a warning, nothing saved ----------------------------------------------

LOGGED = datetime(2026, 11, 21, 2, 0, tzinfo=timezone.utc)  # a Saturday morning in Shanghai


def _log_submission(customer_value: str, *, owner: str = REP, due: datetime | None = None, stamp: object = None) -> dict:
    values = log_state(customer=customer_value, day=date(2026, 11, 20), summary="电话沟通", action="发报价",
                       due=due or LOGGED + timedelta(days=3), owner=owner)
    if stamp is not None:
        values[ids.LOG_DUE_BLOCK][ids.LOG_DUE]["selected_date_time"] = stamp
    return view_submission(user=REP, callback_id=ids.LOG_VIEW, values=values, private_metadata={"channel": SALES})


def test_forged_log_submissions_close_quietly_with_a_warning_and_save_nothing(bolt, fake, db, remember, caplog):
    _both(remember)
    galaxy = customer(db, "星河科技", owner=REP)
    fair = f"{ids.CUSTOMER_EXISTING}{galaxy.id}"
    forged = {"owner 42": _log_submission(fair, owner="42"),
              "owner lower-case": _log_submission(fair, owner="u0rep00001"),
              "due 10^13": _log_submission(fair, stamp=10**13),
              "due -1": _log_submission(fair, stamp=-1),
              "due as text": _log_submission(fair, stamp="soon"),
              "customer past 64 bits": _log_submission(f"{ids.CUSTOMER_EXISTING}{HUGE}"),
              "customer ⑤": _log_submission(f"{ids.CUSTOMER_EXISTING}⑤")}
    no_state = _log_submission(fair)
    del no_state["view"]["state"]
    forged["no state"] = no_state
    before = rows(db)
    with ErrorLog() as errors, caplog.at_level(logging.WARNING, logger="crm"):
        answers = {name: bolt.interact(body)[:2] for name, body in forged.items()}
        bolt.executor.shutdown(wait=True)
    # a view with no input to put it on (these forged ones have no blocks): a plain 200; a real form
    # says nothing was saved on its first field (tests/test_metadata.py)
    assert answers == {name: (200, b"") for name in forged}
    assert (errors.lines, rows(db)) == ([], before)
    warned = [r.getMessage() for r in caplog.records if r.name == "crm" and r.levelno == logging.WARNING]
    assert len(warned) == len(forged) and all(w.startswith("malformed view_submission payload refused") for w in warned)
    assert fake.calls_to("chat.postMessage") == []


def test_the_same_log_submission_with_a_real_owner_is_saved(bolt, fake, db, remember):
    """The control for the test above: only the forged value made the difference."""
    _both(remember)
    bolt.now = LOGGED  # the day after the visit the form says happened (2026-11-20)
    galaxy = customer(db, "星河科技", owner=REP)
    before = rows(db)
    status, answer, _ = bolt.interact(_log_submission(f"{ids.CUSTOMER_EXISTING}{galaxy.id}"))
    assert (status, answer) == (200, b"")
    assert len(rows(db)["interaction"]) == len(before["interaction"]) + 1


def test_private_metadata_too_long_is_refused_when_built_and_broken_metadata_raises_when_read():
    with pytest.raises(ValueError, match="over 3000"):
        modal(callback_id=ids.STAGE_VIEW, title="t", blocks=[], metadata={"channel": "C" * 3000}, close="x")
    assert json.loads(modal(callback_id=ids.STAGE_VIEW, title="t", blocks=[], metadata={"customer": 1}, close="x")["private_metadata"]) == {"customer": 1}
    for broken in ("{not json", "[1]", '"x"', "[" * 5000 + "]" * 5000):
        with pytest.raises(MalformedPayload):
            read_metadata({"private_metadata": broken})
    with pytest.raises(MalformedPayload):
        read_metadata({"private_metadata": json.dumps({"customer": HUGE})}).id("customer")
    with pytest.raises(MalformedPayload):
        read_metadata({"private_metadata": json.dumps({"channel": 42})}).text("channel")


# -- the NPS webhook --------------------------------------------------------------------------------

@pytest.fixture
def nps_server(db, fake):
    server = BoltServer(db=db, fake=fake, nps_secret=NPS_SECRET)
    yield server
    server.stop()


def _webhook(server, body: bytes, **headers) -> tuple[int, dict]:
    ts = str(int(time.time()))
    request = urllib.request.Request(server.nps_url, data=body, method="POST", headers={
        "Content-Type": "application/json", "X-CRM-Timestamp": ts, "X-CRM-Signature": signature(NPS_SECRET, ts, body), **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        with e:
            return e.code, json.loads(e.read())


@pytest.mark.parametrize("body", [b"[" * 30000 + b"]" * 30000, b'{"customer": ' + b"[" * 30000 + b"]" * 30000 + b"}"])
def test_a_signed_webhook_of_deeply_nested_json_is_a_400(nps_server, db, body):
    customer(db, "星河科技", owner=REP)
    before = rows(db)
    with ErrorLog() as errors:
        assert _webhook(nps_server, body) == (400, {"ok": False, "error": "body is not JSON we accept: nested too deeply"})
    assert (errors.lines, rows(db)) == ([], before)


def test_a_webhook_timestamp_in_other_digits_is_a_401(nps_server, db):
    """'²'.isdigit() is true (and it survives HTTP's latin-1 headers), int('²') is not a number."""
    body = json.dumps({"customer": "星河科技", "score": 9}).encode()
    assert _webhook(nps_server, body, **{"X-CRM-Timestamp": "²"}) == (401, {"ok": False, "error": "stale or bad timestamp"})


def test_show_with_a_pasted_page_costs_a_bounded_number_of_lookups(bolt, fake, db, database, remember):
    """closest() used to try every prefix of the longest word: 3000 characters, 3000 queries."""
    _both(remember)
    customer(db, "星河科技", owner=REP)
    statements: list[str] = []
    record = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    event.listen(database.engine, "before_cursor_execute", record)
    try:
        for user, words in ((REP, "x" * 3000), (REP_EN, " ".join(["y" * 50] * 60))):
            reply = _reply(bolt, fake, f"show {words}", user=user)
            assert reply == t("zh-CN" if user == REP else "en-US", "cust_not_found", query=words[:99] + "…")
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    assert len(statements) < 2 * 130
