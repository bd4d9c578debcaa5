"""`python -m bot ...` as a process: migrate, jobs --once (twice: one DM), and a clear message
when tokens are missing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlmodel import select

from store.db import transaction
from store.interactions import log_interaction
from store.models import NextAction
from tests.conftest import REP

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], *, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CRM_"))}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "bot", *args], env={**clean, **env}, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_missing_tokens_name_what_is_missing_and_how_to_get_it(tmp_path):
    done = run([], env={}, cwd=tmp_path)
    assert done.returncode == 2
    assert "Missing: SLACK_BOT_TOKEN, SLACK_APP_TOKEN (Socket Mode, as manifest.yml sets up) or SLACK_SIGNING_SECRET" in done.stderr
    assert "Create the Slack app from manifest.yml" in done.stderr and "Traceback" not in done.stderr
    done = run([], env={"SLACK_BOT_TOKEN": "xoxb-1"}, cwd=tmp_path)
    assert "Missing: SLACK_APP_TOKEN" in done.stderr and "SLACK_BOT_TOKEN," not in done.stderr
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-1\nSLACK_APP_TOKEN=xapp-1\n")
    done = run(["jobs"], env={}, cwd=tmp_path)
    assert "only --once" in done.stderr


def test_migrate_then_jobs_once_twice_sends_one_dm(empty_database, fake, tmp_path):
    # 2 January 2030 is January's first working day: the monthly summary DM is tests/test_reviews.py's
    env = {"DATABASE_URL": empty_database.url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": fake.url, "CRM_MONTHLY_SUMMARY": "off"}
    migrated = run(["migrate"], env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert "database at revision" in migrated.stdout
    due = datetime(2030, 1, 2, 1, 0, tzinfo=timezone.utc)
    with transaction(empty_database.factory) as s:
        log_interaction(session=s, author_id=REP, customer_id=None, new_customer_name="星河科技", way="visit",
                        occurred_on=date(2029, 12, 31), summary="拜访", feedback="", participants="",
                        action_title="发送报价", due_at=due, action_owner_id=REP, now=due - timedelta(days=2))
    early = run(["jobs", "--once", "--now", "2030-01-02T08:59:00+08:00"], env=env, cwd=tmp_path)
    assert json.loads(early.stdout.strip().splitlines()[-1])["queued"] == 0, early.stderr
    reports = [json.loads(run(["jobs", "--once", "--now", "2030-01-02T09:00:00+08:00"], env=env, cwd=tmp_path).stdout.splitlines()[-1])
               for _ in range(2)]
    assert reports[0]["queued"] == 1 and reports[0]["sent"] == 1
    assert reports[1]["queued"] == 0 and reports[1]["sent"] == 0
    dms = fake.calls_to("chat.postMessage")
    assert len(dms) == 1 and dms[0].params["channel"] == REP
    with transaction(empty_database.factory) as s:
        assert s.exec(select(NextAction)).one().announce_at is None


def test_unreachable_or_refusing_slack_is_one_clear_sentence(fake, tmp_path):
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    done = run([], env={**env, "SLACK_API_URL": "http://127.0.0.1:9/api/"}, cwd=tmp_path)
    assert done.returncode == 1 and "Could not reach Slack at http://127.0.0.1:9/api/" in done.stderr
    assert "Traceback" not in done.stderr
    fake.fail_next("auth.test", error="invalid_auth")
    done = run([], env={**env, "SLACK_API_URL": fake.url}, cwd=tmp_path)
    assert "Slack refused SLACK_BOT_TOKEN" in done.stderr and "invalid_auth" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_bad_now_is_refused_clearly(tmp_path):
    done = run(["jobs", "--once", "--now", "next tuesday"], env={"SLACK_BOT_TOKEN": "xoxb-1"}, cwd=tmp_path)
    assert done.returncode != 0 and "not an ISO 8601 time" in done.stderr and "Traceback" not in done.stderr


def test_limits_and_cadence_come_from_settings():
    from datetime import timedelta

    import pytest

    from bot.mini_languages import cadence_of, limits_of
    from store.grading import Cadence
    from store.lifecycle import TimeLimits

    assert limits_of("") == TimeLimits()
    assert limits_of("first_contact=2, signing=10, review=6") == TimeLimits(
        first_contact_working_days=2, signing=timedelta(days=10), review_months=6)
    assert cadence_of("A=3,C=0") == Cadence(A=timedelta(days=3), C=None)
    for bad in ("signing=0", "signing=soon", "deadline=3"):
        with pytest.raises(ValueError, match="CRM_TIME_LIMITS"):
            limits_of(bad)
    with pytest.raises(ValueError, match="CRM_CADENCE_DAYS"):
        cadence_of("D=3")


def test_a_setting_the_bot_cannot_use_is_one_clear_sentence(tmp_path):
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    done = run([], env={**env, "CRM_BUSINESS_HOURS": "9-18"}, cwd=tmp_path)
    assert done.returncode == 2 and "Settings: CRM_BUSINESS_HOURS" in done.stderr and "Traceback" not in done.stderr
    done = run(["jobs", "--once"], env={**env, "CRM_VISIBILITY": "everyone"}, cwd=tmp_path)
    assert "Settings: CRM_VISIBILITY must be own, team or all, not 'everyone'" in done.stderr and "Traceback" not in done.stderr


def test_targets_health_weights_and_risk_drop_come_from_settings(tmp_path):
    import pytest

    from bot.app import defaults_of
    from bot.mini_languages import health_of, targets_of
    from bot.settings import Settings
    from store.figures import Targets
    from store.health import HealthWeights

    assert targets_of("") == Targets()
    assert targets_of("churn=12.5, nps=none, sla_response=95") == Targets(churn_max=12.5, nps_min=None, sla_response_min=95)
    assert Targets().logged_late_max == 10  # the README's default
    assert targets_of("logged_late=0") == Targets(logged_late_max=0)
    assert targets_of("logged_late=none") == Targets(logged_late_max=None)
    assert health_of("recency=30, rfm=0, green_min=75") == HealthWeights(recency=30, rfm=0, green_min=75)
    for bad in ("churn=lots", "margin=5", "nps=150", "logged_late=🙂", "logged_late=nan", "logged_late=1e9"):
        with pytest.raises(ValueError, match="CRM_TARGETS"):
            targets_of(bad)
    for bad in ("recency=-1", "loyalty=5", "yellow_min=80"):
        with pytest.raises(ValueError, match="CRM_HEALTH_WEIGHTS"):
            health_of(bad)
    d = defaults_of(Settings(_env_file=None, crm_targets="churn=8", crm_health_weights="nps=25", crm_risk_drop_points=20))
    assert (d.targets.churn_max, d.targets.nps_min, d.health.nps, d.risk_drop) == (8.0, 80, 25, 20)
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    done = run(["jobs", "--once"], env={**env, "CRM_RISK_DROP_POINTS": "0"}, cwd=tmp_path)
    assert "Settings: CRM_RISK_DROP_POINTS must be between 1 and 100, not 0" in done.stderr and "Traceback" not in done.stderr
