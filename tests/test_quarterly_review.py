"""The managers' quarterly review (handlers/digests/quarterly.py): subscribed like the other digests,
posted once on the 1st of the quarter at the subscription's time with the quarter just ended: churn
by reason, recoverable, recovery rate, lessons, NPS against the quarter before; a team's and
everyone's, zh-CN and en, on SQLite and PostgreSQL. Expectations computed by hand in _quarter."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import select

from handlers.delivery.jobs import tick
from store.customers import codes_of
from store.db import transaction
from store.models import ChurnCase, Customer, NpsResponse, Outbox, WinbackPlan
from store.users import save_user, set_manager, set_role
from tests.conftest import BOSS, REP, REP_EN

SH, UTC = ZoneInfo("Asia/Shanghai"), timezone.utc
ADMIN, OTHER_REP = "U0ADMIN004", "U0OTHER007"
SALES, ALL = "C0SALES001", "C0SALES002"
SEND = datetime(2027, 1, 1, 9, 0, tzinfo=SH)


def _people(db) -> None:
    with transaction(db) as s:
        for user, name, tz, locale in ((REP, "wang", "Asia/Shanghai", "zh-CN"), (REP_EN, "alice", "America/New_York", "en-US"),
                                       (BOSS, "zhao", "Asia/Shanghai", "zh-CN"), (ADMIN, "root", "Asia/Shanghai", "en-US")):
            save_user(session=s, user_id=user, name=name, email="", tz=tz, locale=locale, now=datetime(2026, 12, 1, tzinfo=UTC))
        set_role(session=s, user_id=BOSS, role="manager")
        set_role(session=s, user_id=ADMIN, role="admin")
        set_manager(session=s, user_id=REP, manager_id=BOSS)
        set_manager(session=s, user_id=REP_EN, manager_id=BOSS)


def _quarter(db) -> dict[str, int]:
    """Q4 2026 in Shanghai. zhao's team (wang, alice): churned 星河科技 (price, recoverable, 10-15), 云帆物流 (service,
    recoverable, 11-20), 远山建材 (price, not recoverable, 12-31 23:30); Harbor Foods churned 00:10 on 1 January (next
    quarter). Another team's 外部公司: price, not recoverable, 11-01. Plans closed in Q4: 星河科技 won back, 云帆物流 failed:
    50.0%. NPS in Q4 on the team's customers 10, 9, 8, 3 (+25), in Q3 10, 2 (+0); 外部公司 0 in Q4."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    ids = {}
    with transaction(db) as s:
        for name, owner in (("星河科技", REP), ("云帆物流", REP), ("远山建材", REP), ("Harbor Foods", REP_EN), ("外部公司", OTHER_REP)):
            c = Customer(code=f"C20260100{len(ids) + 1}", name=name, name_norm=name.casefold(), search_norm=name, stage="churned",
                         owner_id=owner, created_by=owner, created_at=at, updated_at=at)
            s.add(c)
            s.flush()
            ids[name] = c.id
        cases = {}
        for name, reason, recoverable, when, lessons in (
                ("星河科技", "price", True, datetime(2026, 10, 15, 10, 0, tzinfo=SH), "报价太高，竞品便宜 20%"),
                ("云帆物流", "service_quality", True, datetime(2026, 11, 20, 10, 0, tzinfo=SH), ""),
                ("远山建材", "price", False, datetime(2026, 12, 31, 23, 30, tzinfo=SH), "交付\n延期 <b>"),
                ("Harbor Foods", "price", True, datetime(2027, 1, 1, 0, 10, tzinfo=SH), "next quarter"),
                ("外部公司", "price", False, datetime(2026, 11, 1, 10, 0, tzinfo=SH), "")):
            case = ChurnCase(customer_id=ids[name], at=when, by=BOSS, reason=reason, recoverable=recoverable, lessons=lessons)
            s.add(case)
            s.flush()
            cases[name] = case.id
        for name, outcome, closed in (("星河科技", "won_back", datetime(2026, 12, 1, tzinfo=SH)),
                                      ("云帆物流", "win_back_failed", datetime(2026, 12, 10, tzinfo=SH))):
            s.add(WinbackPlan(churn_case_id=cases[name], customer_id=ids[name], owner_id=BOSS, deadline=closed, created_at=closed - timedelta(days=20),
                              created_by=BOSS, outcome=outcome, closed_at=closed, closed_by=BOSS))
        n = 0
        for name, score, when in (("星河科技", 10, datetime(2026, 10, 2, tzinfo=SH)), ("云帆物流", 9, datetime(2026, 11, 2, tzinfo=SH)),
                                  ("远山建材", 8, datetime(2026, 12, 2, tzinfo=SH)), ("Harbor Foods", 3, datetime(2026, 12, 31, 23, 0, tzinfo=SH)),
                                  ("星河科技", 10, datetime(2026, 7, 1, tzinfo=SH)), ("云帆物流", 2, datetime(2026, 9, 30, 23, 0, tzinfo=SH)),
                                  ("外部公司", 0, datetime(2026, 11, 5, tzinfo=SH))):
            n += 1
            s.add(NpsResponse(customer_id=ids[name], score=score, source="csv", external_id=f"q{n}", responded_at=when))
    return ids


def _say(bolt, fake, text: str, user: str) -> str:
    n = len(fake.calls_to("response_url:cmd"))
    bolt.command(text, user=user)
    return fake.wait_for("response_url:cmd", count=n + 1)[n].params["text"]


def _posts(fake, channel: str) -> list[dict]:
    return [c.params for c in fake.calls_to("chat.postMessage") if c.params["channel"] == channel]


def test_the_quarterly_review_of_a_team_and_of_everyone(bolt, fake, db):
    _people(db)
    ids = _quarter(db)
    bolt.now = datetime(2026, 12, 20, 10, 0, tzinfo=SH)
    said = _say(bolt, fake, f"digest subscribe <#{SALES}|sales> 季度复盘", BOSS)
    assert said == (f"✅ <#{SALES}> 将收到<@{BOSS}> 团队的季度复盘，每季度首日（1、4、7、10月1日）09:00（Asia/Shanghai）发送。"
                    "下一次：2027年1月1日 周五 09:00")
    said = _say(bolt, fake, f"digest subscribe <#{ALL}> quarterly all 09:00", ADMIN)
    assert said == (f"✅ <#{ALL}> will get the quarterly review for everyone, on the 1st of January, April, July and October "
                    "at 09:00 (Asia/Shanghai). Next: Fri 1 Jan 2027, 09:00")
    fake.reset()
    for at in (SEND - timedelta(minutes=1), SEND, SEND + timedelta(minutes=1)):
        tick(client=bolt.client, db=db, defaults=bolt.defaults, now=at)
    with transaction(db) as s:
        codes = codes_of(session=s, customer_ids=ids.values())
        assert s.exec(select(Outbox).where(Outbox.kind == "digest_chart")).all() == []     # a review has no charts
    team, everyone = _posts(fake, SALES), _posts(fake, ALL)
    assert len(team) == 1 and len(everyone) == 1 and fake.calls_to("files.getUploadURLExternal") == []
    assert team[0]["text"] == "📋 赵总 团队季度复盘 · 2026年第4季度"
    assert [b["text"]["text"] for b in team[0]["blocks"]] == [
        "*📋 赵总 团队季度复盘 · 2026年第4季度*",
        "*🔁 流失与挽回*\n流失客户 3 个：服务质量 1，价格 2\n其中可挽回 2 个\n挽回率 50.0%（本季度结束的挽回方案 2 个，成功挽回 1 个）",
        f"*经验教训*\n• 星河科技（{codes[ids['星河科技']]}）· 价格：报价太高，竞品便宜 20%\n"
        f"• 远山建材（{codes[ids['远山建材']]}）· 价格：交付 延期 &lt;b&gt;",
        "*⭐ NPS*\n本季度 +25（4 份：推荐 2、中立 1、贬损 1）；上季度 +0",
    ]
    assert [b["text"]["text"] for b in everyone[0]["blocks"]] == [
        "*📋 Everyone's quarterly review · Q4 2026*",
        "*🔁 Churn and recovery*\nCustomers churned: 4 — Service quality 1, Price 3\nRecoverable among them: 2\n"
        "Recovery rate 50.0% (1 won back of 2 win-back plans closed in the quarter)",
        f"*What we learned*\n• 星河科技 ({codes[ids['星河科技']]}) · Price: 报价太高，竞品便宜 20%\n"
        f"• 远山建材 ({codes[ids['远山建材']]}) · Price: 交付 延期 &lt;b&gt;",
        "*⭐ NPS*\nThis quarter +0 (5 answers: 2 promoters, 1 passives, 2 detractors); the quarter before +0",
    ]
