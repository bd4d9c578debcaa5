"""/healthz, /readyz and /metrics through the real WSGI front (the one `python -m bot` serves),
on SQLite and PostgreSQL; the scheduler's observations through run_tick; LOG_FORMAT=json."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from alembic.script import ScriptDirectory
from prometheus_client.parser import text_string_to_metric_families

from bot.health import TICK_STALE_AFTER, Readiness
from bot.metrics import Metrics
from bot.scheduler import TickWatch, run_tick
from store import outbox
from store.db import make_engine, transaction
from store.interactions import log_interaction
from store.migrate import MIGRATIONS, current_head, upgrade
from tests.bolt_server import BoltServer, payload, sign
from tests.conftest import REP, REP_EN
from tests.test_cli import run

AT = datetime(2030, 3, 4, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(text: str, name: str, **labels) -> float | None:
    return samples(text).get((name, tuple(sorted(labels.items()))))


@pytest.fixture
def migrated(empty_database):
    upgrade(empty_database.url)
    return empty_database


@pytest.fixture
def front(migrated, fake):
    clock = Clock()
    readiness = Readiness(engine=migrated.engine, clock=clock, slack_ok=True)
    metrics = Metrics(db=migrated.factory, clock=lambda: AT)
    server = BoltServer(db=migrated.factory, fake=fake, metrics=metrics, readiness=readiness)
    server.clock = clock
    yield server
    server.stop()


def readyz(front) -> tuple[int, dict]:
    status, body, content_type = front.get("/readyz")
    assert content_type == "application/json"
    return status, json.loads(body)


# -- health and readiness ---------------------------------------------------------------------

def test_healthz_answers_ok(front):
    assert front.get("/healthz")[:2] == (200, b"ok")


def test_readyz_names_each_check_and_is_ready_when_all_pass(front):
    status, body = readyz(front)
    assert status == 503 and body["checks"]["scheduler"] == {"ok": False, "error": "no tick has finished yet"}
    front.readiness.ticked()
    status, body = readyz(front)
    assert status == 200, body
    assert body["ready"] is True
    assert set(body["checks"]) == {"database", "migrations", "slack", "scheduler", "stopping"}
    assert body["checks"]["migrations"] == {"ok": True, "at": current_head(), "head": current_head()}
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_fails_when_the_scheduler_has_not_ticked_for_two_minutes(front):
    front.readiness.ticked()
    front.clock.now += TICK_STALE_AFTER + 1
    status, body = readyz(front)
    assert status == 503
    assert body["checks"]["scheduler"] == {"ok": False, "seconds_since_tick": TICK_STALE_AFTER + 1}
    assert body["checks"]["database"]["ok"] is True


def test_readyz_fails_while_stopping(front):
    front.readiness.ticked()
    front.readiness.stopping = True
    status, body = readyz(front)
    assert status == 503 and body["checks"]["stopping"] == {"ok": False}


def test_readyz_fails_when_the_database_is_behind_the_code(empty_database, fake):
    previous = ScriptDirectory(str(MIGRATIONS)).get_revision(current_head()).down_revision
    upgrade(empty_database.url, previous)
    readiness = Readiness(engine=empty_database.engine, slack_ok=True)
    readiness.ticked()
    server = BoltServer(db=empty_database.factory, fake=fake, readiness=readiness)
    try:
        status, body = readyz(server)
    finally:
        server.stop()
    assert status == 503
    assert body["checks"]["migrations"] == {"ok": False, "at": previous, "head": current_head()}


def test_readyz_fails_when_the_database_cannot_be_reached(tmp_path, db, fake):
    gone = make_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'crm.db'}")
    readiness = Readiness(engine=gone, slack_ok=True)
    readiness.ticked()
    server = BoltServer(db=db, fake=fake, readiness=readiness)
    try:
        status, body = readyz(server)
    finally:
        server.stop()
        gone.dispose()
    assert status == 503
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert body["checks"]["migrations"]["ok"] is False


# -- metrics ----------------------------------------------------------------------------------

def scrape(front) -> str:
    status, body, content_type = front.get("/metrics")
    assert status == 200 and content_type.startswith("text/plain; version=0.0.4")
    return body.decode()


def test_ack_latency_is_recorded_per_surface(front, fake):
    assert front.command("help", user=REP)[0] == 200
    fake.wait_for("response_url:cmd")
    assert front.interact(payload("block_suggestion"))[0] == 200
    home = payload("app_home_opened")
    home["event"]["user"] = REP_EN
    raw = json.dumps(home).encode()
    assert front.post(raw, {**sign(raw), "Content-Type": "application/json"})[0] == 200
    fake.wait_for("views.publish")
    text = scrape(front)
    for surface in ("command", "options", "event"):
        assert value(text, "crm_ack_seconds_count", surface=surface) == 1, surface
        assert 0 < value(text, "crm_ack_seconds_sum", surface=surface) < 3, surface
    assert value(text, "crm_ack_seconds_count", surface="view") is None  # nothing was submitted
    assert "# TYPE crm_ack_seconds histogram" in text


def test_slack_api_errors_are_counted_by_method_and_error(front, fake, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    fake.fail_next("views.open", error="expired_trigger_id")
    assert front.command("log", user=REP)[0] == 200
    fake.wait_for("views.open")
    fake.wait_for("response_url:cmd")  # the user is told (test_lifecycle_ui checks the words)
    text = scrape(front)
    assert value(text, "crm_slack_api_errors_total", method="views.open", error="expired_trigger_id") == 1


def test_outbox_backlog_is_read_from_the_database_at_scrape(front, migrated):
    with transaction(migrated.factory) as s:
        for n, due in enumerate((AT - timedelta(minutes=5), AT - timedelta(minutes=1), AT + timedelta(hours=1))):
            outbox.enqueue(session=s, kind="action_due", subject=f"next_action:{n}", due_key="k", recipient=REP, now=due)
        outbox.enqueue(session=s, kind="action_due", subject="next_action:9", due_key="k", recipient=REP, now=AT)
    with transaction(migrated.factory) as s:
        taken = outbox.claim(session=s, now=AT, limit=1)  # the oldest: now sending
    with transaction(migrated.factory) as s:
        outbox.mark_failed(session=s, outbox_id=taken[0].id, error="channel_not_found")
        outbox.claim(session=s, now=AT, limit=1)  # the next oldest (due a minute ago) is sending
    text = scrape(front)
    assert value(text, "crm_outbox_alerts", status="pending") == 2
    assert value(text, "crm_outbox_alerts", status="sending") == 1
    assert value(text, "crm_outbox_alerts", status="failed") == 1
    assert value(text, "crm_outbox_oldest_due_seconds") == 0  # the pending ones: due now and in an hour
    with transaction(migrated.factory) as s:
        outbox.enqueue(session=s, kind="action_due", subject="next_action:late", due_key="k", recipient=REP,
                       now=AT - timedelta(minutes=7))
    assert value(scrape(front), "crm_outbox_oldest_due_seconds") == 420


def test_each_metrics_instance_has_its_own_registry(db):
    one, two = Metrics(db=db), Metrics(db=db)
    one.job_seconds.labels("tick").observe(1.0)
    assert "crm_job_duration_seconds_count{job=\"tick\"} 1.0" in one.exposition().decode()
    assert "crm_job_duration_seconds_count{job=\"tick\"}" not in two.exposition().decode()


def test_a_tick_records_its_duration_readiness_and_each_alerts_delivery_latency(migrated, fake):
    """run_tick as the scheduler runs it: an action that fell due a minute ago is posted; the
    delivery latency is from its queueing to the post; the tick's duration; readiness sees it."""
    metrics = Metrics(db=migrated.factory)
    readiness = Readiness(engine=migrated.engine, slack_ok=True)
    server = BoltServer(db=migrated.factory, fake=fake, metrics=metrics, readiness=readiness)
    logged = datetime.now(timezone.utc) - timedelta(minutes=2)
    with transaction(migrated.factory) as s:
        log_interaction(session=s, author_id=REP, customer_id=None, new_customer_name="星河科技", way="visit",
                        occurred_on=logged.date(), summary="拜访", feedback="", participants="", action_title="发送报价",
                        due_at=logged + timedelta(minutes=1), action_owner_id=REP, now=logged)
    try:
        assert readyz(server)[0] == 503
        run_tick(client=metrics.metered(server.client), db=migrated.factory, defaults=server.defaults,
                 watch=TickWatch(metrics=metrics, on_tick=readiness.ticked))
        assert "发送报价" in fake.wait_for("chat.postMessage")[0].params["text"]
        text = scrape(server)
        assert readyz(server)[0] == 200
    finally:
        server.stop()
    assert value(text, "crm_job_duration_seconds_count", job="tick") == 1
    assert value(text, "crm_alert_delivery_seconds_count") == 1
    assert 0 <= value(text, "crm_alert_delivery_seconds_sum") < 60
    assert value(text, "crm_outbox_alerts", status="pending") == 0


# -- logs -------------------------------------------------------------------------------------

def test_log_format_json_writes_one_json_object_per_line(empty_database, tmp_path):
    # alembic's lines are debug-level since logs are quiet by default (README: Health, metrics, logs)
    done = run(["migrate"], env={"DATABASE_URL": empty_database.url, "LOG_FORMAT": "json", "LOG_LEVEL": "debug"}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert any(line["logger"].startswith("alembic") and line["level"] == "INFO" for line in lines)


def test_log_level_and_a_wrong_log_format(empty_database, tmp_path):
    quiet = run(["migrate"], env={"DATABASE_URL": empty_database.url, "LOG_LEVEL": "warning"}, cwd=tmp_path)
    assert quiet.returncode == 0 and " INFO " not in quiet.stderr
    wrong = run(["migrate"], env={"DATABASE_URL": empty_database.url, "LOG_FORMAT": "xml"}, cwd=tmp_path)
    assert wrong.returncode == 2 and "LOG_FORMAT must be text or json, not 'xml'" in wrong.stderr  # settings: exit 2
    assert "Traceback" not in wrong.stderr
