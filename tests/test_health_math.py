"""Customer health a manager can check (issue 12): the README's worked example, renewal left out
for a customer without a won deal with a renewal date, each component's points and weight on the
card with how the score is computed, reasons as stored with the score and dated in the reader's
zone, "within a week" only when it is, and the "not at risk" answer on the card, in /crm risk and
holding back pings. Through the real Bolt app and the fake Slack, in zh-CN and en, on SQLite and
PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from store.crm_models import Deal
from store.db import transaction
from store.health import Facts, HealthWeights, recompute, score_of
from store.health_jobs import queue_pings
from store.models import Customer, HealthScore, NextAction, NpsResponse, Outbox, Ticket
from store.permissions import Viewer
from store.risk import not_at_risk
from tests.block_text import block_texts
from tests.conftest import REP, REP_EN

UTC = timezone.utc
DAY = timedelta(days=1)
# the last contact: 01:00 on 7 Dec in Shanghai, still 6 Dec in UTC and New York
LAST = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)
NOW = datetime(2027, 3, 17, 3, 0, tzinfo=UTC)  # 100 days and 10 hours later


# -- the README's worked example -------------------------------------------------------------------

README_FACTS = Facts(grade="A", last_contact_at=LAST, nps=(2, 10), open_tickets=2, breaches=0, recent_interactions=0,
                     prior_interactions=0, overdue_actions=4, oldest_overdue_at=NOW - 5 * DAY)


def test_the_readmes_worked_example_scores_15():
    health = score_of(README_FACTS, now=NOW, weights=HealthWeights())
    points = {c["name"]: (c["points"], c["weight"]) for c in health.components}
    # the README's table: recency 25, nps 20, tickets 15, rfm 15, interactions 10, actions 10, renewal 5
    assert points == {"recency": (0, 25), "nps": (0, 20), "tickets": (80, 15), "interactions": (0, 10), "actions": (0, 10),
                      "renewal": (None, 5), "rfm": (None, 15)}
    # (0*25 + 0*20 + 80*15 + 0*10 + 0*10) / (25 + 20 + 15 + 10 + 10) = 1200 / 80 = 15
    assert (health.score, health.band) == (15, "red")
    # a won deal with a renewal date gives renewal something to judge: 100 when it is further off than 60 days
    far = score_of(README_FACTS._replace(renews=True), now=NOW)
    assert (far.components[5]["points"], far.score) == (100, 20)  # (1200 + 5*100) / 85 = 20
    soon = score_of(README_FACTS._replace(renewal_on=NOW.date() + 30 * DAY), now=NOW)
    assert (soon.components[5]["points"], soon.score) == (50, 17)  # (1200 + 5*50) / 85 = 17.06


def _readme_customer(s, *, owner: str, deal_renewing: date | None = None) -> Customer:
    """The README's customer, from real rows: grade A, last contact LAST, NPS 10 then 2, two open tickets
    opened 100 days ago (outside the 90-day breach window), four overdue next actions, no interaction
    rows in four months, no deal unless `deal_renewing`."""
    made = NOW - 400 * DAY
    c = Customer(code="C202612001", name="远山<制造>", name_norm="远山<制造>", stage="mature", status="stable", grade="A",
                 owner_id=owner, created_by=owner, created_at=made, updated_at=made, last_interaction_at=LAST)
    s.add(c)
    s.flush()
    for score, at in ((10, NOW - 200 * DAY), (2, NOW - 20 * DAY)):
        s.add(NpsResponse(customer_id=c.id, score=score, source="slack", responded_at=at, created_at=at))
    for n in range(2):
        opened = NOW - 100 * DAY
        s.add(Ticket(code=f"T20261200{n}", customer_id=c.id, priority="P2", type="complaint", description="d", status="open",
                     created_by=owner, created_at=opened, updated_at=opened, first_response_at=opened + timedelta(minutes=5),
                     sla_business=True, response_minutes=120, resolution_minutes=1440))
    for n in range(4):
        s.add(NextAction(customer_id=c.id, title=f"跟进 {n}", due_at=NOW - (n + 1) * DAY, owner_id=owner, created_by=owner,
                         created_at=made, updated_at=made))
    if deal_renewing is not None:
        s.add(Deal(customer_id=c.id, title="年度合同", amount=1000, stage="won", owner_id=owner, created_by=owner,
                   stage_changed_at=made, signed_on=date(2026, 1, 5), renewal_on=deal_renewing, closed_at=made))
    s.flush()
    return c


def _reply(bolt, fake, words: str, user: str) -> dict:
    fake.reset()
    status, body, _ = bolt.command(words, user=user)
    assert (status, body) == (200, b"")
    return fake.wait_for("response_url:cmd")[0].params


def _scored_readme_customer(db, owner: str) -> None:
    with transaction(db) as s:
        c = _readme_customer(s, owner=owner)
        recompute(session=s, now=NOW)
    with transaction(db) as s:
        assert (s.get(Customer, c.id).health_score, s.get(Customer, c.id).health_band) == (15, "red")


def test_the_card_shows_each_components_points_weight_and_the_arithmetic_in_chinese(bolt, fake, db):
    _scored_readme_customer(db, REP)  # wang, Shanghai, zh-CN (users.info)
    bolt.now = NOW + 40 * DAY  # read weeks later: the reasons are still those of the day the score was computed
    texts = block_texts(_reply(bolt, fake, "show C202612001", REP)["blocks"])
    assert texts[1] == (
        "*健康分* 15 · 🔴 危险（2027年3月17日 评分）\n"
        "各项得分 × 权重：联系近况 0 分 × 25 · NPS 0 分 × 20 · 工单 80 分 × 15 · 互动频次 0 分 × 10 · 逾期待办 0 分 × 10\n"
        "主要扣分：已 100 天未联系（跟进周期 7 天，上次 2026年12月7日）；NPS 从 10 分降到 2 分；近 4 个月没有任何互动")
    assert texts[2] == ("ℹ️ 怎么算的：(0×25 + 0×20 + 80×15 + 0×10 + 0×10) ÷ 80 = 1200 ÷ 80 ≈ 15（加权平均，四舍五入）"
                        "；无可评、不计入：续约（没有带续约日期的赢单） · RFM（没有足够的成交数据计算 RFM），其余各项分摊其权重")


def test_the_card_shows_each_components_points_weight_and_the_arithmetic_in_english(bolt, fake, db):
    _scored_readme_customer(db, REP_EN)  # alice, New York, en-US (users.info)
    bolt.now = NOW + 40 * DAY
    texts = block_texts(_reply(bolt, fake, "show C202612001", REP_EN)["blocks"])
    assert texts[1] == (
        "*Health* 15 · 🔴 red (scored Mar 16, 2027)\n"
        "Points × weight: recency 0 × 25 · NPS 0 × 20 · tickets 80 × 15 · interactions 0 × 10 · overdue actions 0 × 10\n"
        "Pulled down by: no contact for 100 days (cadence 7 days, last on Dec 6, 2026); NPS fell from 10 to 2; "
        "no interactions in the last four months")
    assert texts[2] == ("ℹ️ How it is computed: (0×25 + 0×20 + 80×15 + 0×10 + 0×10) ÷ 80 = 1200 ÷ 80 ≈ 15 (weighted mean, "
                        "rounded half up); left out, nothing to judge: renewal (no won deal with a renewal date) · RFM (not "
                        "enough won deals for RFM); the others share its weight")


@pytest.mark.parametrize("user, line", [
    (REP, "🔴 危险 *远山&lt;制造&gt;*（C202612001） · 健康分 *15*（2027年3月17日 评分）· RFM —\n"
          "已 100 天未联系（跟进周期 7 天，上次 2026年12月7日）；NPS 从 10 分降到 2 分；近 4 个月没有任何互动"),
    (REP_EN, "🔴 red *远山&lt;制造&gt;* (C202612001) · health *15* (scored Mar 16, 2027) · RFM —\n"
             "no contact for 100 days (cadence 7 days, last on Dec 6, 2026); NPS fell from 10 to 2; "
             "no interactions in the last four months")], ids=["zh-CN", "en"])
def test_crm_risk_shows_the_reasons_stored_with_the_score_and_its_day_weeks_later(bolt, fake, db, user, line):
    """Read 40 days after the score was computed (and 140 after the last contact): the reasons are those
    of the scoring day beside it, not recomputed at today's clock beside the stored 15."""
    _scored_readme_customer(db, user)
    bolt.now = NOW + 40 * DAY
    assert block_texts(_reply(bolt, fake, "risk", user)["blocks"])[1] == line


def test_a_won_deal_with_a_renewal_date_counts_renewal_on_the_card(bolt, fake, db):
    with transaction(db) as s:
        _readme_customer(s, owner=REP, deal_renewing=date(2027, 12, 1))
        recompute(session=s, now=NOW)
    bolt.now = NOW
    texts = block_texts(_reply(bolt, fake, "show C202612001", REP)["blocks"])
    assert texts[1].splitlines()[:2] == [
        "*健康分* 20 · 🔴 危险（2027年3月17日 评分）",
        "各项得分 × 权重：联系近况 0 分 × 25 · NPS 0 分 × 20 · 工单 80 分 × 15 · 互动频次 0 分 × 10 · 逾期待办 0 分 × 10 · 续约 100 分 × 5"]
    assert texts[2].startswith("ℹ️ 怎么算的：(0×25 + 0×20 + 80×15 + 0×10 + 0×10 + 100×5) ÷ 85 = 1700 ÷ 85 ≈ 20（")


# -- pings: "within a week" only when it is ----------------------------------------------------------

def _stored(s, c: Customer, rows: list[tuple[datetime, int, str]], previous=(None, None)) -> None:
    """Stored scores of `c`, oldest first, as recompute writes them (after `previous`); the customer
    holds the last."""
    for at, score, band in rows:
        s.add(HealthScore(customer_id=c.id, computed_at=at, score=score, band=band, previous_score=previous[0],
                          previous_band=previous[1], components=[]))
        previous = (score, band)
    c.health_score, c.health_band, c.health_at = rows[-1][1], rows[-1][2], rows[-1][0]
    s.add(c)
    s.flush()


def _customer(s, code: str, owner: str) -> Customer:
    made = NOW - 400 * DAY
    c = Customer(code=code, name=f"客户{code}", name_norm=code, stage="mature", status="stable", grade="B", owner_id=owner,
                 created_by=owner, created_at=made, updated_at=made)
    s.add(c)
    s.flush()
    return c


def _pings(bolt, db, since: datetime, at: datetime) -> list[dict]:
    with transaction(db) as s:
        queue_pings(session=s, since=since, now=at, drop_points=15)
    bolt.now = at
    bolt.wake()
    return [c.params for c in bolt.fake.calls_to("chat.postMessage")]


def _score_lines(posts: list[dict]) -> list[str]:
    """The score line of every ping in these DMs (a DM may hold several)."""
    return [text.splitlines()[1] for p in posts for text in block_texts(p["blocks"])
            if text.startswith(("⚠️ *流失风险*", "⚠️ *Churn risk*"))]


def test_a_fall_from_a_score_older_than_a_week_says_since_when(bolt, fake, db):
    old, fresh = NOW - 97 * DAY, NOW - 3 * DAY
    with transaction(db) as s:
        _stored(s, _customer(s, "C1", REP), [(old, 97, "green"), (NOW, 20, "red")])          # held 97 for 97 days
        _stored(s, _customer(s, "C2", REP_EN), [(old, 97, "green"), (NOW, 20, "red")])
        _stored(s, _customer(s, "C3", REP), [(old, 90, "green"), (fresh, 80, "green"), (NOW, 62, "yellow")])
    posts = _pings(bolt, db, NOW, NOW + timedelta(hours=1))
    assert sorted(_score_lines(posts)) == sorted([
        "健康分 97 → *20*（🔴 危险），自 2026年12月10日 以来下降 77 分并转为红色",
        "Health 97 → *20* (🔴 red), −77 since Dec 9, 2026, turned red",
        "健康分 80 → *62*（🟡 关注），一周内下降 18 分"])


# -- "not at risk": on the card, in /crm risk, and no ping while it holds --------------------------

def test_not_at_risk_shows_on_the_card_and_in_crm_risk_and_holds_pings_back(bolt, fake, db):
    t0 = NOW - 10 * DAY  # 11:00 on 7 Mar in Shanghai, 22:00 on 6 Mar in New York
    with transaction(db) as s:
        ids = {}
        for code, owner in (("C9", REP), ("C10", REP_EN)):
            c = _customer(s, code, owner)
            _stored(s, c, [(t0, 45, "yellow")])
            not_at_risk(session=s, viewer=Viewer(id=owner), customer_id=c.id, reason="刚续签三年 <合同>", now=t0 + timedelta(hours=1))
            ids[code] = c.id
    bolt.now = NOW
    zh_line = f"✅ <@{REP}> 于 2027年3月7日 判断没有风险（当时 45 分，低于此分才会再提醒）：刚续签三年 &lt;合同&gt;"
    card = block_texts(_reply(bolt, fake, "show C9", REP)["blocks"])
    assert card[1].splitlines()[-1] == zh_line
    risk = block_texts(_reply(bolt, fake, "risk", REP)["blocks"])
    assert risk[1] == f"🟡 关注 *客户C9*（C9） · 健康分 *45*（2027年3月7日 评分）· RFM —\n_没有明显的扣分项。_\n{zh_line}"
    en_line = f"✅ <@{REP_EN}> said not at risk on Mar 6, 2027 (at 45; pinged again only below that): 刚续签三年 &lt;合同&gt;"
    risk = block_texts(_reply(bolt, fake, "risk", REP_EN)["blocks"])
    assert risk[1] == f"🟡 yellow *客户C10* (C10) · health *45* (scored Mar 6, 2027) · RFM —\n_Nothing stands out._\n{en_line}"
    assert block_texts(_reply(bolt, fake, "show C10", REP_EN)["blocks"])[1].splitlines()[-1] == en_line
    # up to 70, then down 20 within a week to 50: at or above the 45 it was answered at, so no ping
    with transaction(db) as s:
        _stored(s, s.get(Customer, ids["C9"]), [(NOW - 5 * DAY, 70, "green"), (NOW - 2 * DAY, 50, "yellow")], previous=(45, "yellow"))
    fake.reset()
    assert _pings(bolt, db, NOW - 2 * DAY, NOW - 2 * DAY + timedelta(minutes=5)) == []
    with transaction(db) as s:
        assert s.exec(select(Outbox).where(Outbox.kind == "churn_risk")).all() == []
    # below 45: the answer no longer holds back the ping, and the card and /crm risk stop showing it
    with transaction(db) as s:
        _stored(s, s.get(Customer, ids["C9"]), [(NOW - DAY, 44, "yellow")], previous=(50, "yellow"))
    posts = _pings(bolt, db, NOW - DAY, NOW)
    assert _score_lines(posts) == ["健康分 70 → *44*（🟡 关注），一周内下降 26 分"]
    card = block_texts(_reply(bolt, fake, "show C9", REP)["blocks"])
    assert "判断没有风险" not in "\n".join(card)


@pytest.mark.parametrize("owner, said", [(REP, "判断没有风险"), (REP_EN, "said not at risk")], ids=["zh-CN", "en"])
def test_an_answer_given_while_red_stops_holding_once_the_customer_turns_red_again(bolt, fake, db, owner, said):
    """Not at risk at a red 37; it recovers to a green 75, then turns red again at 38 (above 37): the turn
    to red pings again (README: "or the customer turns red again"), so the card and /crm risk no
    longer show the answer as holding."""
    t0 = NOW - 20 * DAY
    with transaction(db) as s:
        c = _customer(s, "C11", owner)
        _stored(s, c, [(t0, 37, "red")])
        not_at_risk(session=s, viewer=Viewer(id=owner), customer_id=c.id, reason="大客户季度付款周期", now=t0 + timedelta(hours=1))
        _stored(s, c, [(NOW - 10 * DAY, 38, "red")], previous=(37, "red"))  # still red, above 37: held back
    assert _pings(bolt, db, NOW - 10 * DAY, NOW - 10 * DAY + timedelta(minutes=5)) == []
    bolt.now = NOW - 10 * DAY + timedelta(hours=1)
    assert said in block_texts(_reply(bolt, fake, "show C11", owner)["blocks"])[1]
    with transaction(db) as s:
        _stored(s, s.get(Customer, c.id), [(NOW - 5 * DAY, 75, "green"), (NOW, 38, "red")], previous=(38, "red"))
    fake.reset()
    assert len(_score_lines(_pings(bolt, db, NOW, NOW + timedelta(minutes=5)))) == 1
    assert said not in block_texts(_reply(bolt, fake, "show C11", owner)["blocks"])[1]
    assert said not in "\n".join(block_texts(_reply(bolt, fake, "risk", owner)["blocks"]))
