"""`python -m bot tiers` and `python -m bot tags` as processes against a scratch database (SQLite file
or PostgreSQL schema): tiers recomputed, listed, set by hand and handed back; computed tags listed,
removed and restored; refusals with exit code 1, bad arguments with exit code 2. Tiers worked out by
hand with the README's shares (high 20 %, medium 50 % of each currency's customers, rounded up)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlmodel import select

from store.behaviour_tags import TagRules, recompute
from store.crm_models import AuditEntry
from store.customers import create_customer
from store.db import transaction
from store.deals import WonTerms, create_deal, move_deal
from store.models import Interaction
from store.permissions import Viewer
from tests.clock import process_at
from tests.conftest import REP
from tests.test_cli import run

NOW = "2026-12-10T10:00:00+08:00"
AT = datetime(2026, 12, 10, 2, 0, tzinfo=timezone.utc)
WON = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
STRANGER = "U0STRANGE9"


def _said(done) -> str:
    """The refusal: stderr's last line (the database's opening logs its migration check before it)."""
    return done.stderr.strip().splitlines()[-1]


def _won(s, customer_id: int, amount: str, currency: str = "CNY", at: datetime = WON) -> None:
    deal = create_deal(session=s, viewer=Viewer(id=REP), customer_id=customer_id, title="合同", amount=amount, currency=currency,
                       stage="negotiation", now=at)
    move_deal(session=s, viewer=Viewer(id=REP), deal_id=deal.id, stage="won", now=at,
              won=WonTerms(contract_no="HT", signed_on=at.date()))


def _prepare(database, tmp_path) -> tuple[dict[str, str], dict[str, str]]:
    """Four CNY customers won 50k/40k/30k/20k (ranks 1-4: ceil(4 x 20 %) = 1 high, ceil(4 x 70 %) = 3:
    two medium, one low), one USD customer alone in its currency (high), one that won 400 days ago (none)."""
    env = {"DATABASE_URL": database.url}
    migrated = run(["migrate"], env=env, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    codes = {}
    with transaction(database.factory) as s:
        for name, amount, currency, at in (("甲科技", "50000", "CNY", WON), ("乙科技", "40000", "CNY", WON),
                                           ("丙科技", "30000", "CNY", WON), ("丁科技", "20000", "CNY", WON),
                                           ("Galaxy Tech", "1000", "USD", WON), ("老客户", "999999", "CNY", AT - timedelta(days=400))):
            made = create_customer(session=s, name=name, owner_id=REP, created_by=REP, now=AT - timedelta(days=500))
            _won(s, made.id, amount, currency, at)
            codes[name] = made.code
    return env, codes


def test_tiers_recomputed_listed_set_by_hand_and_handed_back(empty_database, tmp_path):
    env, c = _prepare(empty_database, tmp_path)
    done = run(["tiers", "recompute", "--now", NOW], env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["已按年度赢单金额重新分层：5 个客户有变化",
                                        f"  {c['甲科技']} 甲科技：未分层 → 高价值", f"  {c['乙科技']} 乙科技：未分层 → 中价值",
                                        f"  {c['丙科技']} 丙科技：未分层 → 中价值", f"  {c['丁科技']} 丁科技：未分层 → 低价值",
                                        f"  {c['Galaxy Tech']} Galaxy Tech：未分层 → 高价值"]
    again = run(["tiers", "recompute", "--now", NOW, "--lang", "en"], env=env, cwd=tmp_path)
    assert again.stdout.splitlines() == ["Value tiers recomputed from the yearly won amount: 0 changed"]

    done = run(["tiers", "set", "丁科技", "high", "--by", REP, "--now", NOW], env=env, cwd=tmp_path)
    assert (done.returncode, done.stdout.strip()) == (0, f"{c['丁科技']} 丁科技 的价值分层：低价值 → 高价值（手动设置，每晚计算时保留）")
    with transaction(empty_database.factory) as s:
        entries = s.exec(select(AuditEntry).where(AuditEntry.field.in_(("value_tier", "value_tier_source")), AuditEntry.by == REP)).all()
        assert [(e.at.astimezone(timezone.utc), e.field, e.old, e.new) for e in entries] == [
            (AT, "value_tier", "low", "high"), (AT, "value_tier_source", "auto", "manual")]

    listed = run(["tiers", "list", "--now", NOW, "--lang", "en"], env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "High value (3)",
        f"  {c['甲科技']} 甲科技 · won in the last 365 days: CN¥50,000.00 · computed",
        f"  {c['丁科技']} 丁科技 · won in the last 365 days: CN¥20,000.00 · set by hand",
        f"  {c['Galaxy Tech']} Galaxy Tech · won in the last 365 days: $1,000.00 · computed",
        "Medium value (2)",
        f"  {c['乙科技']} 乙科技 · won in the last 365 days: CN¥40,000.00 · computed",
        f"  {c['丙科技']} 丙科技 · won in the last 365 days: CN¥30,000.00 · computed",
        "Low value (0)"]
    # the language and the instant given before the action, or with no action at all (the list)
    for words in (["tiers", "--lang", "en", "--now", NOW], ["tiers", "--lang", "en", "list", "--now", NOW]):
        same = run(words, env=env, cwd=tmp_path)
        assert (same.returncode, same.stdout) == (0, listed.stdout), same.stderr
    # a year later nothing is within 365 days: the amounts read "nothing", and the hand-set tier is kept
    later = run(["tiers", "list", "--now", "2027-12-10T10:00:00+08:00"], env=env, cwd=tmp_path)
    assert later.stdout.splitlines()[:3] == ["高价值（3 个）", f"  {c['甲科技']} 甲科技 · 近 365 天赢单 无 · 自动计算",
                                             f"  {c['丁科技']} 丁科技 · 近 365 天赢单 无 · 手动设置"]
    recomputed = run(["tiers", "recompute", "--now", "2027-12-10T10:00:00+08:00", "--lang", "en"], env=env, cwd=tmp_path)
    assert recomputed.stdout.splitlines()[0] == "Value tiers recomputed from the yearly won amount: 4 changed"  # 甲, 乙, 丙, Galaxy -> low

    auto = run(["tiers", "set", c["丁科技"], "auto", "--by", REP, "--now", NOW, "--lang", "en"], env=env, cwd=tmp_path)
    assert auto.stdout.strip() == (f"The value tier of {c['丁科技']} 丁科技 is computed again: from the next computation by the "
                                   "yearly won amount (now High value)")
    back = run(["tiers", "recompute", "--now", NOW], env=env, cwd=tmp_path)   # as of 10 Dec 2026 丁 ranks 4th again: low
    assert f"  {c['丁科技']} 丁科技：高价值 → 低价值" in back.stdout.splitlines()


def test_tier_shares_from_crm_value_tiers_and_the_clock_of_the_process(empty_database, tmp_path):
    env, c = _prepare(empty_database, tmp_path)
    # high 50 %: ceil(4 x 50 %) = 2 high; medium 0: the other two low
    done = run(["tiers", "recompute"], env={**env, "CRM_VALUE_TIERS": "high=50,medium=0", **process_at(AT)}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:3] == [f"  {c['甲科技']} 甲科技：未分层 → 高价值", f"  {c['乙科技']} 乙科技：未分层 → 高价值"]
    assert f"  {c['丙科技']} 丙科技：未分层 → 低价值" in done.stdout.splitlines()
    # `tiers` alone lists, as of the process's clock (Galaxy Tech is alone in USD: ceil(1 x 50 %) = 1, high)
    listed = run(["tiers"], env={**env, **process_at(AT)}, cwd=tmp_path)
    assert listed.stdout.splitlines() == [
        "高价值（3 个）", f"  {c['甲科技']} 甲科技 · 近 365 天赢单 ¥50,000.00 · 自动计算",
        f"  {c['乙科技']} 乙科技 · 近 365 天赢单 ¥40,000.00 · 自动计算", f"  {c['Galaxy Tech']} Galaxy Tech · 近 365 天赢单 US$1,000.00 · 自动计算",
        "中价值（0 个）", "低价值（2 个）", f"  {c['丙科技']} 丙科技 · 近 365 天赢单 ¥30,000.00 · 自动计算",
        f"  {c['丁科技']} 丁科技 · 近 365 天赢单 ¥20,000.00 · 自动计算"]


def test_tier_refusals_exit_1_and_bad_arguments_exit_2(empty_database, tmp_path):
    env, c = _prepare(empty_database, tmp_path)
    stranger = run(["tiers", "set", "甲科技", "low", "--by", STRANGER, "--now", NOW, "--lang", "en"], env=env, cwd=tmp_path)
    assert (stranger.returncode, stranger.stdout, _said(stranger)) == (
        1, "", f"tiers: Only the owner <@{REP}>, their manager or an admin can change this customer.")
    unknown = run(["tiers", "set", "无此科技", "low", "--by", REP, "--now", NOW], env=env, cwd=tmp_path)
    assert (unknown.returncode, _said(unknown)) == (1, "tiers: 找不到客户“无此科技”：请写客户的全名或编号（如 C202611001）。")
    with transaction(empty_database.factory) as s:
        assert s.exec(select(AuditEntry).where(AuditEntry.field == "value_tier")).all() == []
    for args, message in ((["tiers", "set", "甲科技", "platinum", "--by", REP], "tiers: set: 'platinum' is not high, medium, low or auto"),
                          (["tiers", "set", "甲科技", "low", "--by", "someone"], "tiers: --by: 'someone' is not a Slack user ID (e.g. U0123ABCD)"),
                          (["tiers", "list", "--lang", "fr"], "tiers: --lang: 'fr' is not zh-CN or en"),
                          (["tiers", "recompute", "--now", "tomorrow"], "--now: not an ISO 8601 time: 'tomorrow' (e.g. 2026-11-23T09:00:00+08:00)")):
        done = run(args, env=env, cwd=tmp_path)
        assert (done.returncode, done.stderr.strip()) == (2, message)


def _tagged(database) -> tuple[int, str]:
    """星河科技: 4 interactions within 30 days (frequent contact), the latest 3 unanswered (no reply)."""
    today = date(2026, 12, 10)
    with transaction(database.factory) as s:
        made = create_customer(session=s, name="星河科技", owner_id=REP, created_by=REP, now=AT - timedelta(days=100))
        for days, outcome in ((10, "replied"), (5, "no_answer"), (3, "no_reply"), (1, "no_answer")):
            s.add(Interaction(customer_id=made.id, occurred_on=today - timedelta(days=days), way="phone", summary="跟进",
                              author_id=REP, created_at=AT - timedelta(days=days), outcome=outcome))
        s.flush()
        recompute(session=s, now=AT, today=today, rules=TagRules())
        return made.id, made.code


def test_tags_listed_removed_and_restored(empty_database, tmp_path):
    env = {"DATABASE_URL": empty_database.url}
    assert run(["migrate"], env=env, cwd=tmp_path).returncode == 0
    cid, code = _tagged(empty_database)
    listed = run(["tags", "list", "星河科技"], env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [f"{code} 星河科技 的行为标签：",
                                          "  未响应近3次跟进（no_reply_3）：最近 3 次跟进都是“未接通”或“未回复”",
                                          "  高频互动（frequent_contact）：近 30 天互动不少于 4 次"]
    removed = run(["tags", "remove", code, "高频互动", "--by", REP, "--now", NOW], env=env, cwd=tmp_path)
    assert (removed.returncode, removed.stdout.strip()) == (0, f"已移除 {code} 星河科技 的行为标签“高频互动”，系统不会再自动加回")
    listed = run(["tags", "list", code, "--lang", "en"], env=env, cwd=tmp_path)
    assert listed.stdout.splitlines() == [f"Behaviour tags of {code} 星河科技:",
                                          "  no reply to the last 3 follow-ups (no_reply_3): the latest 3 follow-ups were all “no answer” or “no reply”",
                                          f"  removed: frequent contact (frequent_contact), by {REP} on Thu, Dec 10, 2026, 10:00\u202fAM"]
    again = run(["tags", "remove", code, "frequent contact", "--by", REP, "--now", NOW, "--lang", "en"], env=env, cwd=tmp_path)
    assert (again.returncode, _said(again)) == (1, "tags: This customer does not carry that behaviour tag now (it may have been removed already).")
    stranger = run(["tags", "restore", code, "frequent_contact", "--by", STRANGER, "--now", NOW], env=env, cwd=tmp_path)
    assert (stranger.returncode, _said(stranger)) == (1, f"tags: 只有负责人 <@{REP}>、其经理或管理员可以修改这个客户。")
    restored = run(["tags", "restore", code, "FREQUENT_CONTACT", "--by", REP, "--now", NOW, "--lang", "en"], env=env, cwd=tmp_path)
    assert (restored.returncode, restored.stdout.strip()) == (
        0, f"Restored the behaviour tag “frequent contact” on {code} 星河科技; the rules keep it current from now on")
    twice = run(["tags", "restore", code, "高频互动", "--by", REP, "--now", NOW], env=env, cwd=tmp_path)
    assert (twice.returncode, _said(twice)) == (1, "tags: 这个客户的这个行为标签没有被移除，无需恢复。")
    unknown = run(["tags", "remove", code, "VIP", "--by", REP, "--now", NOW, "--lang", "en"], env=env, cwd=tmp_path)
    assert (unknown.returncode, _said(unknown)) == (
        1, "tags: There is no behaviour tag “VIP”; give a code or a label: no_reply_3, online_meeting, long_cycle, frequent_contact.")
    nobody = run(["tags", "list", "无此科技", "--lang", "en"], env=env, cwd=tmp_path)
    assert (nobody.returncode, _said(nobody)) == (1, "tags: There is no customer “无此科技”: write the customer's whole name or code (e.g. C202611001).")
    with transaction(empty_database.factory) as s:
        entries = s.exec(select(AuditEntry).where(AuditEntry.customer_id == cid, AuditEntry.field == "behaviour_tag")
                         .order_by(AuditEntry.id)).all()
        assert [(e.by, e.old, e.new) for e in entries] == [(REP, "frequent_contact", None), (REP, None, "frequent_contact")]
    assert run(["tags", "list", code], env=env, cwd=tmp_path).stdout.splitlines()[2] == "  高频互动（frequent_contact）：近 30 天互动不少于 4 次"
    bad = run(["tags", "remove", code], env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "the following arguments are required: tag" in bad.stderr
