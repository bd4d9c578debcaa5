"""/crm stats through the real Bolt app (signed slash commands; the answer recorded at the fake
Slack's response_url): periods in both languages, whose figures each role gets, @rep allowed and
refused, bad input. The figures themselves are in test_figures.py and test_figure_cards.py."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from handlers.stats.commands import Request, parse_period, parse_request
from store.db import transaction
from store.errors import DomainError
from store.figures import Period
from store.models import Customer, Interaction, NextAction
from store.users import set_manager, set_role
from tests.block_text import block_texts
from tests.conftest import BOSS, REP, REP_EN

UTC = timezone.utc
ADMIN = "U0ADMIN004"
SH, NY = "Asia/Shanghai", "America/New_York"


def z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _october(db) -> None:
    """BOSS manages REP and REP_EN; ADMIN is an admin. REP logged a visit and a call in October
    (one visit in September), did one action on time and one late, and has a new lead; REP_EN
    emailed once and did one action on time. Nothing is open, nobody is graded or scored, so
    nothing depends on today's date."""
    with transaction(db) as s:
        set_role(session=s, user_id=BOSS, role="manager")
        set_role(session=s, user_id=ADMIN, role="admin")
        for rep in (REP, REP_EN):
            set_manager(session=s, user_id=rep, manager_id=BOSS)
        for n, name, owner, created, stage in ((1, "星河科技", REP, z(2026, 1, 1), "mature"),
                                               (2, "Galaxy Tech", REP_EN, z(2026, 1, 1), "mature"),
                                               (3, "新线索", REP, z(2026, 10, 5, 4), "lead")):
            s.add(Customer(id=n, code=f"C{n:06d}", name=name, name_norm=name, owner_id=owner, created_by=owner, created_at=created,
                           updated_at=created, stage=stage, status="stable"))
        s.flush()
        for author, cid, way, at in ((REP, 1, "visit", z(2026, 10, 10, 4)), (REP, 1, "phone", z(2026, 10, 20, 4)),
                                     (REP, 1, "visit", z(2026, 9, 10, 4)), (REP_EN, 2, "email", z(2026, 10, 15, 16))):
            s.add(Interaction(customer_id=cid, occurred_on=at.date(), way=way, summary="s", author_id=author, created_at=at))
        for owner, cid, due, done in ((REP, 1, z(2026, 10, 12, 2), z(2026, 10, 12, 1)), (REP, 1, z(2026, 10, 14, 2), z(2026, 10, 15, 2)),
                                      (REP_EN, 2, z(2026, 10, 16, 14), z(2026, 10, 16, 13))):
            s.add(NextAction(customer_id=cid, title="t", due_at=due, owner_id=owner, created_by=owner, status="done", done_at=done,
                             done_by=owner, created_at=z(2026, 9, 1)))


def _ask(bolt, fake, text: str, user: str) -> dict:
    fake.reset()
    status, body, _ = bolt.command(text, user=user)
    assert (status, body) == (200, b"")
    return fake.wait_for("response_url:cmd")[0].params


def _texts(reply: dict) -> list[str]:
    return block_texts(reply.get("blocks", []))


def _sec(texts: list[str], heading: str) -> list[str]:
    """The lines of the one section that starts with this heading."""
    [found] = [x for x in texts if x.startswith(heading)]
    return found.splitlines()


def test_a_rep_sees_their_own_month_in_chinese(bolt, fake, db):
    _october(db)
    reply = _ask(bolt, fake, "stats 2026-10", REP)
    assert reply["response_type"] == "ephemeral"
    texts = _texts(reply)
    assert texts[:2] == ["📊 王小明 · 2026年10月", "统计周期：2026年10月"]
    # first the missed target, then what moved most: 0 -> 2 actions due, 0 -> 1 new lead (1 -> 2 interactions ties, later)
    assert texts[2].splitlines() == [
        "*本期要点*",
        "• 跟进按时完成率：*50.0%*（1/2） ⚠️ 目标 ≥ 90%",
        "• 到期待办：*2*（按时完成 1 · 逾期完成 1 · 未完成 0）　上期 0 ▲",
        "• 新线索：*1*　上期 0 ▲",
    ]
    assert texts[3].splitlines() == [
        "*工作量与跟进*",
        "• 新线索：*1*　上期 0 ▲",
        "• 记录互动：*2*（电话 1 · 拜访 1）　上期 1 ▲",
        "• 超 24 小时补录：*0.0%*（0/2）　上期 0.0% =",
        "• 到期待办：*2*（按时完成 1 · 逾期完成 1 · 未完成 0）　上期 0 ▲",
        "• 跟进按时完成率：*50.0%*（1/2） ⚠️ 目标 ≥ 90%",
        "• 当前逾期待办：*0*",
    ]
    # only the funnel figures known in either month; no service section (no ticket, no score either month)
    assert texts[4].splitlines() == ["*转化漏斗*", "• 线索→培育转化率：*0.0%*（0/1）　上期 0.0% =",
                                     "• 线索→转化转化率：*0.0%*（0/1）　上期 0.0% ="]
    assert not any(x.startswith("*服务与满意度*") for x in texts) and "—" not in "\n".join(texts)
    assert texts[6] == "上期：2026年9月 · ⚠️ 未达标：跟进按时完成率"
    assert texts[7] == ("*各人明细*（记录互动 · 超 24 小时补录 · 当前逾期 · 按时完成/到期）\n"
                        "• <@U0REP00001>：记录互动 2 · 超 24 小时补录 0 · 当前逾期 0 · 按时完成 1/2（逾期完成 1）")
    assert texts[8:] == ["没有超出跟进周期未联系的客户，没有商机变动，没有 SLA 超时工单，没有贬损者，没有风险客户。"]
    assert reply["text"].startswith("📊 王小明 · 2026年10月\n新线索：1　上期 0 ▲\n")


def test_a_rep_in_new_york_gets_english_and_their_own_zone(bolt, fake, db):
    _october(db)
    reply = _ask(bolt, fake, "stats 2026-10", REP_EN)
    texts = _texts(reply)
    assert texts[:2] == ["📊 Alice Smith · October 2026", "Period: October 2026"]
    assert texts[2].splitlines() == ["*At a glance*", "• Interactions logged: *1* (Email 1) · prev. 0 ▲",
                                     "• Next actions due: *1* (on time 1 · late 0 · not done 0) · prev. 0 ▲"]
    assert texts[3].splitlines()[1:5] == [
        "• New leads: *0* · prev. 0 =",
        "• Interactions logged: *1* (Email 1) · prev. 0 ▲",
        "• Logged over 24 h late: *0.0%* (0/1)",
        "• Next actions due: *1* (on time 1 · late 0 · not done 0) · prev. 0 ▲",
    ]
    assert texts[6:] == ["*Per rep* (logged · over 24 h late · overdue now · done on time/due)\n"
                         "• <@U0REPEN002>: logged 1 · over 24 h late 0 · overdue now 0 · done on time 1/1 (late 0)",
                         "No customer beyond their cadence, no deal moved, no SLA breaches, no detractors, no customer at risk."]


def test_a_manager_gets_the_team_and_may_ask_for_one_of_them(bolt, fake, db):
    _october(db)
    texts = _texts(_ask(bolt, fake, "统计 2026-10", BOSS))
    assert texts[0] == "📊 赵总 的团队 · 2026年10月"
    assert _sec(texts, "*工作量与跟进*")[2] == "• 记录互动：*3*（邮件 1 · 电话 1 · 拜访 1）　上期 1 ▲"
    assert _sec(texts, "*各人明细*")[1:] == ["• <@U0REP00001>：记录互动 2 · 超 24 小时补录 0 · 当前逾期 0 · 按时完成 1/2（逾期完成 1）",
                                         "• <@U0REPEN002>：记录互动 1 · 超 24 小时补录 0 · 当前逾期 0 · 按时完成 1/1（逾期完成 0）"]
    # `all` is everyone for admins only: a manager still gets the team
    assert _texts(_ask(bolt, fake, "stats all 2026-10", BOSS))[0] == "📊 赵总 的团队 · 2026年10月"
    texts = _texts(_ask(bolt, fake, f"stats <@{REP_EN}|alice> 2026-10", BOSS))
    assert _sec(texts, "*工作量与跟进*")[2] == "• 记录互动：*1*（邮件 1）　上期 0 ▲"
    assert _sec(texts, "*各人明细*")[1:] == ["• <@U0REPEN002>：记录互动 1 · 超 24 小时补录 0 · 当前逾期 0 · 按时完成 1/1（逾期完成 0）"]


def test_an_admin_sees_everyone_and_anyone(bolt, fake, db):
    _october(db)
    texts = _texts(_ask(bolt, fake, "stats 2026-10", ADMIN))
    assert texts[0].startswith("📊 全员 · ") and _sec(texts, "*工作量与跟进*")[2].startswith("• 记录互动：*3*")
    texts = _texts(_ask(bolt, fake, f"stats 2026-10 <@{REP}|wang>", ADMIN))
    assert _sec(texts, "*工作量与跟进*")[2] == "• 记录互动：*2*（电话 1 · 拜访 1）　上期 1 ▲"


def test_someone_elses_figures_and_team_figures_are_refused_to_a_rep(bolt, fake, db):
    _october(db)
    reply = _ask(bolt, fake, f"stats <@{REP}|wang> 2026-10", REP_EN)
    assert reply["response_type"] == "ephemeral" and "blocks" not in reply
    assert reply["text"].splitlines()[0] == "You can't see <@U0REP00001>'s figures: only they, their manager and admins can."
    assert reply["text"].splitlines()[1].startswith("Usage: `/crm stats [period] [@rep|team|all]`")
    reply = _ask(bolt, fake, "stats team", REP)
    assert reply["text"].splitlines()[0] == "只有经理和管理员可以查看团队数据。用 `/crm stats` 查看你自己的数据。"
    # the rep themself may name themself
    assert _sec(_texts(_ask(bolt, fake, f"stats 2026-10 <@{REP}|wang>", REP)), "*工作量与跟进*")[2].startswith("• 记录互动：*2*")


def test_bad_input_is_answered_with_the_usage(bolt, fake, db):
    reply = _ask(bolt, fake, "stats 明年", REP)
    assert reply["text"].splitlines()[0] == "看不懂周期“明年”。"
    assert reply["text"].splitlines()[1].startswith("用法：`/crm stats [周期] [@同事|team|all]`")
    assert _ask(bolt, fake, "stats @nobody", REP)["text"].splitlines()[0] == "找不到用户“@nobody”：请用 @ 从列表中选择同事。"
    reply = _ask(bolt, fake, f"stats team <@{REP}|wang>", REP_EN)
    assert reply["text"].splitlines()[0] == "One scope at a time: yourself, one @rep, team or all."
    assert _ask(bolt, fake, "stats 2026-13", REP_EN)["text"].splitlines()[0] == "I don't know the period “2026-13”."


# -- the words (no Slack) ---------------------------------------------------------------------------

# Sunday 1 November 2026, 10:00 in Shanghai; still Saturday 31 October, 22:00, in New York
NOW = z(2026, 11, 1, 2)


@pytest.mark.parametrize("words, tz, expected", [
    ("", SH, Period.week(date(2026, 10, 26), SH)),
    ("today", SH, Period.day(date(2026, 11, 1), SH)),
    ("今天", NY, Period.day(date(2026, 10, 31), NY)),
    ("昨天", SH, Period.day(date(2026, 10, 31), SH)),
    ("Yesterday", NY, Period.day(date(2026, 10, 30), NY)),
    ("this  week", SH, Period.week(date(2026, 10, 26), SH)),
    ("本周", SH, Period.week(date(2026, 10, 26), SH)),
    ("last week", SH, Period.week(date(2026, 10, 19), SH)),
    ("上周", NY, Period.week(date(2026, 10, 19), NY)),
    ("month", SH, Period.month(date(2026, 11, 1), SH)),
    ("本月", NY, Period.month(date(2026, 10, 1), NY)),
    ("last month", SH, Period.month(date(2026, 10, 1), SH)),
    ("上月", NY, Period.month(date(2026, 9, 1), NY)),
    ("2026-10", SH, Period.month(date(2026, 10, 1), SH)),
    ("2026-w44", SH, Period.week(date(2026, 10, 26), SH)),
    ("2026-11-03", NY, Period.day(date(2026, 11, 3), NY)),
    ("next year", SH, None),
    ("明年", SH, None),
])
def test_period_words_in_both_languages(words, tz, expected):
    assert parse_period(words, now=NOW, tz=tz) == expected


def test_scope_words_and_mentions():
    week = Period.week(date(2026, 10, 26), SH)
    assert parse_request("", now=NOW, tz=SH) == Request(week, None, None)
    assert parse_request("上周 团队", now=NOW, tz=SH) == Request(Period.week(date(2026, 10, 19), SH), "team", None)
    assert parse_request("ALL last month", now=NOW, tz=SH) == Request(Period.month(date(2026, 10, 1), SH), "all", None)
    assert parse_request(f"<@{REP}|wang> this week", now=NOW, tz=SH) == Request(week, None, REP)
    assert parse_request(f"<@{REP}>", now=NOW, tz=SH) == Request(week, None, REP)
    for bad, key in (("@wang", "stats_unknown_user"), (f"<@{REP}> <@{BOSS}>", "stats_one_scope"), ("team all", "stats_one_scope"),
                     ("someday", "stats_bad_period")):
        with pytest.raises(DomainError) as e:
            parse_request(bad, now=NOW, tz=SH)
        assert e.value.key == key
