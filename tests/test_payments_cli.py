"""`python -m bot payments` as a process against a scratch database (SQLite file or PostgreSQL
schema): a schedule from 30/60/10, a partial payment, refusals with exit code 1, bad arguments
with exit code 2; amounts and dates worked out by hand."""
from __future__ import annotations

from datetime import date, datetime, timezone

from store.db import transaction
from store.deals import WonTerms, create_deal, move_deal
from store.customers import create_customer
from store.permissions import Viewer
from tests.conftest import REP
from tests.test_cli import run

NOW = "2026-12-03T10:00:00+08:00"
AT = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)


def _prepare(database, tmp_path) -> tuple[dict[str, str], int, str]:
    env = {"DATABASE_URL": database.url}
    migrated = run(["migrate"], env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    with transaction(database.factory) as s:
        galaxy = create_customer(session=s, name="星河科技", owner_id=REP, created_by=REP, now=AT)
        deal = create_deal(session=s, viewer=Viewer(id=REP), customer_id=galaxy.id, title="ERP 一期", amount="100000",
                           stage="negotiation", now=AT)
        move_deal(session=s, viewer=Viewer(id=REP), deal_id=deal.id, stage="won", now=AT,
                  won=WonTerms(contract_no="HT-1", signed_on=date(2026, 11, 20), payment_terms="30/60/10"))
        return env, deal.id, galaxy.code


def _said(done) -> str:
    """The refusal: stderr's last line (the database's opening logs its migration check before it)."""
    return done.stderr.strip().splitlines()[-1]


def test_schedule_receive_and_refuse_from_the_command_line(empty_database, tmp_path):
    env, deal_id, code = _prepare(empty_database, tmp_path)
    done = run(["payments", "schedule", "--deal", str(deal_id), "--terms", "30/60/10", "--first", "2026-12-01", "--by", REP,
                "--now", NOW], env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    first_id = int(lines[1].split()[0][1:])
    assert lines == [f"ERP 一期 · ¥100,000.00 · 星河科技 ({code})",
                     f"#{first_id}  第 1 期 · ¥30,000.00 · 2026年12月1日 到期 · 🔴 已逾期 2 天，已收 ¥0.00",
                     f"#{first_id + 1}  第 2 期 · ¥60,000.00 · 2026年12月31日 到期 · 已收 ¥0.00",
                     f"#{first_id + 2}  第 3 期 · ¥10,000.00 · 2027年1月30日 到期 · 已收 ¥0.00",
                     "已回款 ¥0.00 / ¥100,000.00（0/3 期收齐）"]
    a_day_late = run(["payments", "show", "--deal", str(deal_id), "--by", REP, "--now", "2026-12-02T10:00:00+08:00", "--lang", "en"],
                     env=env, cwd=tmp_path)
    assert a_day_late.stdout.splitlines()[:2] == [  # English writes yuan CN¥, and one day in the singular
        f"ERP 一期 · CN¥100,000.00 · 星河科技 ({code})", f"#{first_id}  Instalment 1 · CN¥30,000.00 · due Dec 1, 2026 · 🔴 1 day overdue, CN¥0.00 received"]

    done = run(["payments", "receive", "--instalment", str(first_id), "--amount", "12000.5", "--on", "2026-12-02", "--by", REP,
                "--now", NOW, "--lang", "en"], env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:2] == [f"#{first_id}  Instalment 1 · CN¥30,000.00 · due Dec 1, 2026 · 🔴 2 days overdue, CN¥12,000.50 received"]
    assert done.stdout.splitlines()[-1] == "Collected CN¥12,000.50 of CN¥100,000.00 (0/3 instalments paid)"

    refused = run(["payments", "receive", "--instalment", str(first_id), "--amount", "20000", "--on", "2026-12-02", "--by", REP,
                   "--now", NOW], env=env, cwd=tmp_path)
    assert (refused.returncode, refused.stdout, _said(refused)) == (
        1, "", "payments: 这一期只欠 ¥17,999.50，收款不能超过它。")
    again = run(["payments", "schedule", "--deal", str(deal_id), "--terms", "50/50", "--by", REP, "--now", NOW], env=env, cwd=tmp_path)
    assert (again.returncode, _said(again)) == (1, "payments: 这个回款计划已经有收款，不能再改。")
    stranger = run(["payments", "show", "--deal", str(deal_id), "--by", "U0STRANGE9", "--now", NOW, "--lang", "en"], env=env,
                   cwd=tmp_path)
    assert (stranger.returncode, _said(stranger)) == (
        1, f"payments: Only the owner <@{REP}>, their teammates, their manager or an admin can see this customer.")


def test_bad_payment_arguments_are_one_line_and_exit_code_2(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'crm.db'}"}
    for args, message in (
        (["payments", "receive", "--instalment", "1", "--amount", "1", "--on", "2026-13-01", "--by", REP],
         "payments: --on: '2026-13-01' is not a date YYYY-MM-DD"),
        (["payments", "show", "--deal", "1", "--by", "robert'); DROP TABLE deal;--"],
         "payments: --by: \"robert'); DROP TABLE deal;--\" is not a Slack user ID (e.g. U0123ABCD)"),
        (["payments", "show", "--deal", "1", "--by", REP, "--lang", "fr"], "payments: --lang: 'fr' is not zh-CN or en"),
    ):
        done = run(args, env=env, cwd=tmp_path)
        assert (done.returncode, done.stderr.strip()) == (2, message)
