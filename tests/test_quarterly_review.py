"""The managers' quarterly review (handlers/digests/quarterly.py): subscribed like the other digests,
posted once on the 1st of the quarter at the subscription's time with the quarter just ended: churn
by reason, recoverable, recovery rate, lessons, NPS against the quarter before, and the sections
bot/hooks.py hands in (Defaults.hooks.quarterly_sections): value tier movements, receivables, NPS by value
tier; a team's and everyone's, zh-CN and en, on SQLite and PostgreSQL. Expectations computed by hand
in _quarter and _tiers_and_money."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import select

from handlers.delivery.jobs import tick
from store.customers import codes_of
from store.db import transaction
from store.crm_models import AuditEntry, Deal
from store.models import ChurnCase, Customer, NpsResponse, Outbox, WinbackPlan
from store.money_models import Instalment, Receipt
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


def _tiers_and_money(db, ids: dict[str, int]) -> None:
    """Tiers now (all set by hand, so the nightly pass keeps them): 星河科技 high, 远山建材 high, 云帆物流 medium,
    外部公司 medium, Harbor Foods none. The audit log's value_tier entries (Shanghai): 星河科技 medium -> high 10-10 (up);
    云帆物流 high -> low 11-01, low -> medium 12-01 (high -> medium: down); 远山建材 high -> low 10-05, low -> high 12-05 (no
    move); Harbor Foods none -> medium 10-03 (a first tier, no move), medium -> high 2027-01-01 00:05 (next quarter);
    外部公司 low -> medium 11-15 (up, another team). Team: 1 up, 1 down; everyone: 2 up, 1 down.

    NPS of Q4 by the tier each customer had when it answered (the answers in _quarter; tiers from the entries above):
    星河科技 10 on 10-02, before its change on 10-10: medium (high now); 云帆物流 9 on 11-02, after high -> low 11-01: low
    (medium now); 远山建材 8 on 12-02, after high -> low 10-05 and before low -> high 12-05: low (high now); Harbor Foods 3
    on 12-31 23:00, after none -> medium 10-03: medium (none now); 外部公司 0 on 11-05, before low -> medium 11-15: low.
    Team: medium 10, 3 = +0 (2: 1, 0, 1), low 9, 8 = +50 (2: 1, 1, 0); high and none have no answer (left out).
    Everyone: low adds 外部公司's 0: 9, 8, 0 = +0 (3: 1, 1, 1).

    Receivables (won deals, local days): 星河科技 (wang) CNY: 10,000 due 09-20 paid 10-08; 20,000 due 11-15, 5,000 received
    11-20, the rest on 2027-01-01 (so 15,000 was overdue at the quarter's end); 30,000 due 12-31 unpaid; 40,000 due
    2027-01-01. Harbor Foods (alice) USD: 1,200 due 10-01 paid that day. 外部公司 (another rep) CNY 5,000 due 10-20 unpaid.
    Team CNY: due 50,000 (2), collected 15,000 (2), overdue 45,000 (2); USD 1,200 (1), 1,200 (1), 0 (0).
    Everyone CNY: due 55,000 (3), collected 15,000 (2), overdue 50,000 (3); USD the same."""
    with transaction(db) as s:
        for name, tier in (("星河科技", "high"), ("远山建材", "high"), ("云帆物流", "medium"), ("外部公司", "medium"), ("Harbor Foods", None)):
            c = s.get(Customer, ids[name])
            c.value_tier, c.value_tier_source = tier, "manual"
            s.add(c)
        for name, old, new, when in (("星河科技", "medium", "high", datetime(2026, 10, 10, 3, 0, tzinfo=SH)),
                                     ("云帆物流", "high", "low", datetime(2026, 11, 1, 3, 0, tzinfo=SH)),
                                     ("云帆物流", "low", "medium", datetime(2026, 12, 1, 3, 0, tzinfo=SH)),
                                     ("远山建材", "high", "low", datetime(2026, 10, 5, 3, 0, tzinfo=SH)),
                                     ("远山建材", "low", "high", datetime(2026, 12, 5, 3, 0, tzinfo=SH)),
                                     ("Harbor Foods", None, "medium", datetime(2026, 10, 3, 3, 0, tzinfo=SH)),
                                     ("Harbor Foods", "medium", "high", datetime(2027, 1, 1, 0, 5, tzinfo=SH)),
                                     ("外部公司", "low", "medium", datetime(2026, 11, 15, 3, 0, tzinfo=SH))):
            s.add(AuditEntry(at=when, by="crm", entity="customer", entity_id=ids[name], customer_id=ids[name], field="value_tier",
                             old=old, new=new))
        signed = datetime(2025, 6, 1, tzinfo=UTC)
        for name, owner, currency, rows in (
                ("星河科技", REP, "CNY", ((10000, date(2026, 9, 20), ((10000, date(2026, 10, 8)),)),
                                          (20000, date(2026, 11, 15), ((5000, date(2026, 11, 20)), (15000, date(2027, 1, 1)))),
                                          (30000, date(2026, 12, 31), ()), (40000, date(2027, 1, 1), ()))),
                ("Harbor Foods", REP_EN, "USD", ((1200, date(2026, 10, 1), ((1200, date(2026, 10, 1)),)),)),
                ("外部公司", OTHER_REP, "CNY", ((5000, date(2026, 10, 20), ()),))):
            deal = Deal(customer_id=ids[name], title=f"{name} 合同", amount=Decimal(sum(r[0] for r in rows)), currency=currency,
                        stage="won", owner_id=owner, created_by=owner, stage_changed_at=signed, closed_at=signed)
            s.add(deal)
            s.flush()
            for seq, (amount, due, receipts) in enumerate(rows, 1):
                got = sum(r[0] for r in receipts)
                i = Instalment(deal_id=deal.id, customer_id=ids[name], seq=seq, amount=Decimal(amount), currency=currency, due_on=due,
                               received=Decimal(got), paid_on=receipts[-1][1] if receipts and got == amount else None,
                               created_by=owner, created_at=signed, updated_at=signed)
                s.add(i)
                s.flush()
                for paid, on in receipts:
                    s.add(Receipt(instalment_id=i.id, amount=Decimal(paid), received_on=on, by=owner, at=signed))


def _say(bolt, fake, text: str, user: str) -> str:
    n = len(fake.calls_to("response_url:cmd"))
    bolt.command(text, user=user)
    return fake.wait_for("response_url:cmd", count=n + 1)[n].params["text"]


def _posts(fake, channel: str) -> list[dict]:
    return [c.params for c in fake.calls_to("chat.postMessage") if c.params["channel"] == channel]


def test_the_quarterly_review_of_a_team_and_of_everyone(bolt, fake, db):
    _people(db)
    ids = _quarter(db)
    _tiers_and_money(db, ids)
    bolt.now = datetime(2026, 12, 20, 10, 0, tzinfo=SH)
    said = _say(bolt, fake, f"digest subscribe <#{SALES}|sales> 季度复盘", BOSS)
    assert said == (f"✅ <#{SALES}> 将收到<@{BOSS}> 团队的季度复盘，每季度首日（1、4、7、10月1日）09:00（Asia/Shanghai）发送。"
                    "下一次：2027年1月1日周五 09:00")
    said = _say(bolt, fake, f"digest subscribe <#{ALL}> quarterly all 09:00", ADMIN)
    assert said == (f"✅ <#{ALL}> will get the quarterly review for everyone, on the 1st of January, April, July and October "
                    "at 9:00\u202fAM (Asia/Shanghai). Next: Fri, Jan 1, 2027, 9:00\u202fAM")
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
        f"*📶 价值分层变动*（上升 1 个，下降 1 个）\n• ⬆️ 星河科技（{codes[ids['星河科技']]}）：中价值 → 高价值\n"
        f"• ⬇️ 云帆物流（{codes[ids['云帆物流']]}）：高价值 → 中价值",
        "*💰 本季度回款*（应收 · 回款 · 季末逾期）\n"
        "• 应收 ¥50,000.00（2 期）· 回款 ¥15,000.00（2 笔）· 季末逾期 ¥45,000.00（2 期）\n"
        "• 应收 US$1,200.00（1 期）· 回款 US$1,200.00（1 笔）· 季末逾期 US$0.00（0 期）",
        "*⭐ 各价值分层 NPS*\n• 中价值：+0（2 份：推荐 1、中立 0、贬损 1）\n• 低价值：+50（2 份：推荐 1、中立 1、贬损 0）",
    ]
    assert [b["text"]["text"] for b in everyone[0]["blocks"]] == [
        "*📋 Everyone's quarterly review · Q4 2026*",
        "*🔁 Churn and recovery*\nCustomers churned: 4 — Service quality 1, Price 3\nRecoverable among them: 2\n"
        "Recovery rate 50.0% (1 won back of 2 win-back plans closed in the quarter)",
        f"*What we learned*\n• 星河科技 ({codes[ids['星河科技']]}) · Price: 报价太高，竞品便宜 20%\n"
        f"• 远山建材 ({codes[ids['远山建材']]}) · Price: 交付 延期 &lt;b&gt;",
        "*⭐ NPS*\nThis quarter +0 (5 answers: promoters 2, passives 1, detractors 2); the quarter before +0",
        f"*📶 Value tier movements* (2 up, 1 down)\n• ⬆️ 星河科技 ({codes[ids['星河科技']]}): Medium value → High value\n"
        f"• ⬆️ 外部公司 ({codes[ids['外部公司']]}): Low value → Medium value\n"
        f"• ⬇️ 云帆物流 ({codes[ids['云帆物流']]}): High value → Medium value",
        "*💰 Receivables of the quarter* (due · collected · overdue at the quarter's end)\n"
        "• due CN¥55,000.00 (3) · collected CN¥15,000.00 (2) · overdue CN¥50,000.00 (3)\n"
        "• due $1,200.00 (1) · collected $1,200.00 (1) · overdue $0.00 (0)",
        "*⭐ NPS by value tier*\n• Medium value: +0 (2 answers: promoters 1, passives 0, detractors 1)\n"
        "• Low value: +0 (3 answers: promoters 1, passives 1, detractors 1)",
    ]


def test_the_sections_with_nothing_in_them_are_left_out(bolt, fake, db):
    """No tier changed and no money was due, received or overdue in the quarter: no tier movements, no
    receivables; the NPS by tier still shows the answers of customers without a tier. 星河科技 has no tier now, but
    its change low -> high on 1 January says it was low when it answered 10 on 10-02: team low 10 = +100 (1: 1, 0, 0),
    none 9, 8, 3 = +0 (3: 1, 1, 1); everyone's none adds 外部公司's 0: -25 (4: 1, 1, 2)."""
    _people(db)
    _quarter(db)
    with transaction(db) as s:   # outside the quarter: a tier change on 1 January, an instalment due then
        c = s.exec(select(Customer).where(Customer.name == "星河科技")).one()
        s.add(AuditEntry(at=datetime(2027, 1, 1, 0, 5, tzinfo=SH), by="crm", entity="customer", entity_id=c.id, customer_id=c.id,
                         field="value_tier", old="low", new="high"))
        at = datetime(2025, 6, 1, tzinfo=UTC)
        deal = Deal(customer_id=c.id, title="合同", amount=Decimal(100), stage="won", owner_id=REP, created_by=REP,
                    stage_changed_at=at, closed_at=at)
        s.add(deal)
        s.flush()
        s.add(Instalment(deal_id=deal.id, customer_id=c.id, seq=1, amount=Decimal(100), currency="CNY", due_on=date(2027, 1, 1),
                         created_by=REP, created_at=at, updated_at=at))
    bolt.now = datetime(2026, 12, 20, 10, 0, tzinfo=SH)
    _say(bolt, fake, f"digest subscribe <#{SALES}> quarterly 09:00", BOSS)
    _say(bolt, fake, f"digest subscribe <#{ALL}> quarterly all 09:00", ADMIN)
    fake.reset()
    tick(client=bolt.client, db=db, defaults=bolt.defaults, now=SEND)
    team, everyone = _posts(fake, SALES), _posts(fake, ALL)
    assert [b["text"]["text"].split("\n")[0] for b in team[0]["blocks"]] == [
        "*📋 赵总 团队季度复盘 · 2026年第4季度*", "*🔁 流失与挽回*", "*经验教训*", "*⭐ NPS*", "*⭐ 各价值分层 NPS*"]
    assert team[0]["blocks"][-1]["text"]["text"] == ("*⭐ 各价值分层 NPS*\n• 低价值：+100（1 份：推荐 1、中立 0、贬损 0）\n"
                                                     "• 未分层：+0（3 份：推荐 1、中立 1、贬损 1）")
    assert [b["text"]["text"].split("\n")[0] for b in everyone[0]["blocks"]] == [
        "*📋 Everyone's quarterly review · Q4 2026*", "*🔁 Churn and recovery*", "*What we learned*", "*⭐ NPS*", "*⭐ NPS by value tier*"]
    assert everyone[0]["blocks"][-1]["text"]["text"] == (
        "*⭐ NPS by value tier*\n• Low value: +100 (1 answer: promoters 1, passives 0, detractors 0)\n"
        "• No tier: -25 (4 answers: promoters 1, passives 1, detractors 2)")
