"""Win-back as a rep lives it, through the real Bolt app and the fake Slack, in zh-CN and en: a mature
customer with a satisfaction check and a quarterly review open is churned as recoverable with a plan
(挽回中 / Winning back, its earlier actions cancelled saying why, the old reminder's Done button says
so too), then won back: the customer returns to the stage it left with a history line, and the next
tick scores its health again. Every instant is stated (BoltServer.now)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from handlers import ids
from handlers.blocks import fmt_datetime
from handlers.context import Profile
from handlers.delivery.jobs import tick
from store.crm_models import StageChange
from store.customers import create_customer
from store.db import transaction
from store.lifecycle import change_stage
from store.models import Customer, NextAction
from store.permissions import Viewer
from store.winback import PlanRequest, mark_churned
from tests.conftest import REP, REP_EN
from tests.flows import button
from tests.record_flows import SALES, chosen, click_card, day, submit, typed

UTC = timezone.utc
T0 = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, 20:00 the day before in New York: nobody's quiet hours

WORDS = {
    "zh-CN": dict(
        user=REP, tz="Asia/Shanghai", name="星河科技",
        churned="✅ 已将 {ref}标记为流失：价格，可以挽回。\n状态：流失期 · 挽回中\n挽回计划：负责人 <@{user}>，措施：价格调整，截止 {due}\n"
                "🗂️ 已取消之前阶段未完成的 3 项下一步行动（客户已流失）：交付后满意度回访、中价值客户维护、季度客户回顾",
        already="ℹ️ 这项行动已经是“已取消”状态：客户已流失。",
        closed="✅ {ref}的挽回计划已结束：*已挽回*。\n状态：成熟期 · 需关注\n客户已回到流失前的阶段，重新参与健康评分。",
        history=["• {back} · <@{user}>：流失期 · 已挽回 → 成熟期 · 需关注（挽回成功，回到流失前的阶段）",
                 "• {back} · <@{user}>：流失期 · 挽回中 → 流失期 · 已挽回（挽回计划结束）",
                 "• {churn} · <@{user}>：成熟期 · 稳定 → 流失期 · 挽回中（价格）"],
        health="*健康分* "),
    "en-US": dict(
        user=REP_EN, tz="America/New_York", name="Galaxy Tech",
        churned="✅ {ref} marked churned: Price, can be won back.\nNow: Churned · Winning back\n"
                "Win-back plan: owner <@{user}>, actions: Price offer, due {due}\n"
                "🗂️ Cancelled 3 open next actions of earlier stages (the customer churned): "
                "Satisfaction check after delivery, Medium-value touch, Quarterly customer review",
        already="ℹ️ This next action is already cancelled: the customer churned.",
        closed="✅ The win-back plan of {ref} is closed: *Won back*.\nNow: Mature · Needs attention\n"
               "The customer is back in the stage it left, and scored for health again.",
        history=["• {back} · <@{user}>: Churned · Won back → Mature · Needs attention (won back: returned to the stage it left)",
                 "• {back} · <@{user}>: Churned · Winning back → Churned · Won back (win-back plan closed)",
                 "• {churn} · <@{user}>: Mature · Stable → Churned · Winning back (Price)"],
        health="*Health* "),
}


def _mature_customer(db, name: str, owner: str) -> Customer:
    """Signed 20 days before T0, delivered 10 days before (a satisfaction check due 3 days before T0),
    mature 9 days before (a quarterly review due in three months)."""
    viewer = Viewer(id=owner)
    with transaction(db) as s:
        made = create_customer(session=s, name=name, owner_id=owner, created_by=owner, value_tier="medium", now=T0 - timedelta(days=21))
        for days, stage, status in ((20, "converted", "signed"), (10, "converted", "delivered"), (9, "mature", "stable")):
            change_stage(session=s, viewer=viewer, customer_id=made.id, stage=stage, status=status, now=T0 - timedelta(days=days))
        return made


def _health(db, customer_id: int) -> tuple[str, str, int | None]:
    with transaction(db) as s:
        row = s.get(Customer, customer_id)
        return row.stage, row.status, row.health_score


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_customer_being_won_back_then_won_back(bolt, fake, db, remember, locale):
    w = WORDS[locale]
    user, profile = w["user"], Profile(user_id=w["user"], tz=w["tz"], locale=locale)
    remember(user, w["tz"], locale)
    galaxy = _mature_customer(db, w["name"], user)
    ref = f"*{w['name']}*（{galaxy.code}）" if locale == "zh-CN" else f"*{w['name']}* ({galaxy.code})"

    # the satisfaction check falls due: its reminder reaches the owner
    check_due = T0 - timedelta(days=3)
    tick(client=bolt.client, db=db, defaults=bolt.defaults, now=check_due + timedelta(minutes=1))
    reminder = next(c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == user)

    # churned, recoverable, with a plan: in progress, and the earlier stages' actions cancelled, saying why
    fake.reset()
    bolt.now = T0
    bolt.command(f"churn {w['name']}", user=user)
    view = fake.wait_for("views.open")[0].response["view"]
    deadline_day = (T0 + timedelta(days=10)).astimezone(profile.zone).date()
    values = {ids.CHURN_REASON_BLOCK: {ids.CHURN_REASON: chosen("price", "radio_buttons")},
              ids.CHURN_RECOVERABLE_BLOCK: {ids.CHURN_RECOVERABLE: chosen(ids.CHURN_YES, "radio_buttons")},
              ids.CHURN_LESSONS_BLOCK: {ids.CHURN_LESSONS: typed(None)},
              ids.WINBACK_OWNER_BLOCK: {ids.WINBACK_OWNER: {"type": "users_select", "selected_user": user}},
              ids.WINBACK_ACTIONS_BLOCK: {ids.WINBACK_ACTIONS: {"type": "checkboxes", "selected_options": [
                  {"text": {"type": "plain_text", "text": "price"}, "value": "price"}]}},
              ids.WINBACK_DEADLINE_BLOCK: {ids.WINBACK_DEADLINE: day(deadline_day)},
              ids.WINBACK_NOTE_BLOCK: {ids.WINBACK_NOTE: typed(None)}}
    assert submit(bolt, user=user, view=view, values=values)[:2] == (200, b"")
    due = datetime.combine(deadline_day, datetime.min.time().replace(hour=9), tzinfo=profile.zone)
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == w["churned"].format(ref=ref, user=user, due=fmt_datetime(due, profile))
    assert _health(db, galaxy.id) == ("churned", "winning_back", 79)  # scored while it was mature (no renewal date: renewal left out)
    tick(client=bolt.client, db=db, defaults=bolt.defaults, now=T0 + timedelta(minutes=1))
    assert _health(db, galaxy.id) == ("churned", "winning_back", None)  # a churned customer is not scored
    with transaction(db) as s:
        assert s.exec(select(NextAction.origin, NextAction.status, NextAction.close_reason)
                      .where(NextAction.customer_id == galaxy.id).order_by(NextAction.id)).all() == [
            ("lifecycle:satisfaction_check", "cancelled", "churned"), ("lifecycle:quarterly_review", "cancelled", "churned"),
            ("care:touch", "cancelled", "churned"),  # the medium tier's fortnightly touch (store/tier_cadence.py), made by the tick
            ("lifecycle:win_back", "open", None)]
        assert "win_back_failed" not in {c.to_status for c in s.exec(select(StageChange).where(StageChange.customer_id == galaxy.id))}

    # the old reminder's Done says it was cancelled, and why
    check_id = next(a["value"] for b in reminder.params["blocks"] if b["type"] == "actions" for a in b["elements"]
                    if a["action_id"] == ids.DUE_DONE)
    bolt.interact(button(user=user, action_id=ids.DUE_DONE, value=check_id, channel=reminder.response["channel"],
                         ts=reminder.response["ts"], message=reminder.params))
    assert w["already"] in json.dumps(fake.wait_for("chat.update")[0].params["blocks"], ensure_ascii=False)

    # won back: back to mature, a history line, and scored for health again at the next tick
    fake.reset()
    back = T0 + timedelta(days=5)
    bolt.now = back
    bolt.command(f"winback {galaxy.code}", user=user)
    close = fake.wait_for("views.open")[0].response["view"]
    outcome = {ids.WINBACK_OUTCOME_BLOCK: {ids.WINBACK_OUTCOME: chosen("won_back", "radio_buttons")},
               ids.WINBACK_LESSONS_BLOCK: {ids.WINBACK_LESSONS: typed(None)}}
    assert submit(bolt, user=user, view=close, values=outcome)[:2] == (200, b"")
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == w["closed"].format(ref=ref)

    body = button(user=user, action_id=ids.CARD_HISTORY, value=str(galaxy.id), channel=SALES, ts="1700000000.000100")
    body["response_url"] = fake.response_url("card")
    bolt.interact(body)
    shown = json.dumps(fake.wait_for("response_url:card")[0].params["blocks"], ensure_ascii=False)
    for line in w["history"]:
        assert json.dumps(line.format(back=fmt_datetime(back, profile), churn=fmt_datetime(T0, profile), user=user),
                          ensure_ascii=False)[1:-1] in shown

    tick(client=bolt.client, db=db, defaults=bolt.defaults, now=back + timedelta(minutes=1))
    stage, status, score = _health(db, galaxy.id)
    assert (stage, status, score is not None) == ("mature", "needs_attention", True)
    fake.reset()
    bolt.command(f"show {galaxy.code}", user=user)
    card = fake.wait_for("response_url:cmd")[0].params["blocks"]
    assert any(b["type"] == "section" and b["text"]["text"].startswith(w["health"]) for b in card)


def test_one_cancelled_action_reads_in_the_singular_and_a_payments_in_its_readers_words():
    """The confirmation's line (handlers/forms.cancelled_line) with one cancelled action: an instalment's
    (kind and params, as the scheduler stores them)."""
    from handlers.context import Profile
    from handlers.forms import cancelled_line
    from store.models import NextAction

    action = NextAction(customer_id=1, title="回款：ERP 一期 第 1 期", kind="payment_due", owner_id=REP, created_by="crm", due_at=T0,
                        params={"deal": "ERP 一期", "seq": 1, "amount": "30000.00", "currency": "CNY"})
    said = [cancelled_line([action], Profile(user_id=REP, tz="Asia/Shanghai", locale=loc), reason="churned") for loc in ("zh-CN", "en-US")]
    assert said == ["🗂️ 已取消之前阶段未完成的 1 项下一步行动（客户已流失）：回款：ERP 一期 第 1 期 ¥30,000.00",
                    "🗂️ Cancelled 1 open next action of earlier stages (the customer churned): Payment due: ERP 一期, instalment 1, CN¥30,000.00"]


REFUSED = {
    "zh-CN": dict(
        won_back="“已挽回”是挽回计划的结果：用 `/crm winback {code}` 结束计划（客户随即回到流失前的阶段），或直接把客户移到它回到的阶段。",
        plan_open="挽回计划还没结束：用 `/crm winback {code}` 结束计划并选择结果，结果就是客户的状态。",
        by_hand=("流失期 已挽回", "流失期 挽回失败")),
    "en-US": dict(
        won_back="Won back is the outcome of a win-back plan: close the plan with `/crm winback {code}` (the customer then returns "
                 "to the stage it left), or move the customer to the stage it returns to.",
        plan_open="The win-back plan is still open: close it with `/crm winback {code}` and its outcome, which becomes the status.",
        by_hand=("churned won back", "churned win-back failed")),
}


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_plans_outcome_is_not_set_by_hand_with_crm_stage_or_the_stage_modal(bolt, fake, db, remember, locale):
    """A customer being won back, its plan open: `/crm stage … 流失期 已挽回` would leave it churned (not returned,
    not scored, the plan still open) and `… 挽回失败` would record a failure the plan never had: both are
    refused naming /crm winback, on the command and on the card's Change stage modal, and nothing is written."""
    w, r = WORDS[locale], REFUSED[locale]
    user = w["user"]
    remember(user, w["tz"], locale)
    galaxy = _mature_customer(db, w["name"], user)
    with transaction(db) as s:
        mark_churned(session=s, viewer=Viewer(id=user), customer_id=galaxy.id, reason="price", recoverable=True, lessons="", now=T0,
                     plan=PlanRequest(owner_id=user, actions=["price"], deadline=T0 + timedelta(days=10), note=""))
    bolt.now = T0 + timedelta(days=1)
    for words, expected in zip(r["by_hand"], (r["won_back"], r["plan_open"])):
        fake.reset()
        assert bolt.command(f"stage {galaxy.code} {words}", user=user)[:2] == (200, b"")
        assert fake.wait_for("response_url:cmd")[0].params["text"] == expected.format(code=galaxy.code)
    fake.reset()
    click_card(bolt, user=user, action_id=ids.CARD_STAGE, customer_id=galaxy.id)
    view = fake.wait_for("views.open")[0].response["view"]
    offered = {g["label"]["text"]: [o["value"] for o in g["options"]] for b in view["blocks"] if b.get("block_id") == ids.STAGE_STATUS_BLOCK
               for g in b["element"]["option_groups"]}
    assert offered[{"zh-CN": "流失期", "en-US": "Churned"}[locale]] == ["winning_back", "win_back_failed", "lost_for_good"]  # not won_back
    for status, expected in (("won_back", r["won_back"]), ("win_back_failed", r["plan_open"])):  # a forged won_back is still refused
        values = {ids.STAGE_STAGE_BLOCK: {ids.STAGE_STAGE: chosen("churned")}, ids.STAGE_STATUS_BLOCK: {ids.STAGE_STATUS: chosen(status)},
                  ids.STAGE_REASON_BLOCK: {ids.STAGE_REASON: typed(None)}}
        status_code, body, _ = submit(bolt, user=user, view=view, values=values)
        assert (status_code, json.loads(body)) == (200, {"response_action": "errors", "errors": {
            ids.STAGE_STATUS_BLOCK: expected.format(code=galaxy.code)}})
    with transaction(db) as s:
        assert (s.get(Customer, galaxy.id).stage, s.get(Customer, galaxy.id).status) == ("churned", "winning_back")
        assert [c.to_status for c in s.exec(select(StageChange).where(StageChange.customer_id == galaxy.id)
                                            .order_by(StageChange.at.desc(), StageChange.id.desc()))][0] == "winning_back"


@pytest.mark.parametrize("locale, closed", [
    ("zh-CN", "✅ *星河科技*（{code}）的挽回计划已结束：*已挽回*。\n状态：转化期 · 已交付\n客户已回到流失前的阶段，重新参与健康评分。"),
    ("en-US", "✅ The win-back plan of *Galaxy Tech* ({code}) is closed: *Won back*.\nNow: Converted · Delivered\n"
              "The customer is back in the stage it left, and scored for health again.")], ids=["zh-CN", "en-US"])
def test_a_customer_churned_from_converted_is_won_back_into_converted_with_the_status_it_had(bolt, fake, db, remember, locale, closed):
    w = WORDS[locale]
    user = w["user"]
    remember(user, w["tz"], locale)
    with transaction(db) as s:
        made = create_customer(session=s, name=w["name"], owner_id=user, created_by=user, now=T0 - timedelta(days=21))
        for days, status in ((20, "signed"), (10, "delivered")):
            change_stage(session=s, viewer=Viewer(id=user), customer_id=made.id, stage="converted", status=status,
                         now=T0 - timedelta(days=days))
        mark_churned(session=s, viewer=Viewer(id=user), customer_id=made.id, reason="service_quality", recoverable=True, lessons="", now=T0,
                     plan=PlanRequest(owner_id=user, actions=["service_upgrade"], deadline=T0 + timedelta(days=10), note=""))
        code = made.code
    tick(client=bolt.client, db=db, defaults=bolt.defaults, now=T0 + timedelta(minutes=1))
    assert _health(db, made.id) == ("churned", "winning_back", None)
    bolt.now = T0 + timedelta(days=5)
    bolt.command(f"winback {code}", user=user)
    close = fake.wait_for("views.open")[0].response["view"]
    outcome = {ids.WINBACK_OUTCOME_BLOCK: {ids.WINBACK_OUTCOME: chosen("won_back", "radio_buttons")},
               ids.WINBACK_LESSONS_BLOCK: {ids.WINBACK_LESSONS: typed(None)}}
    assert submit(bolt, user=user, view=close, values=outcome)[:2] == (200, b"")
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == closed.format(code=code)
    with transaction(db) as s:
        assert [(c.from_stage, c.from_status, c.to_stage, c.to_status, c.reason) for c in s.exec(
            select(StageChange).where(StageChange.customer_id == made.id).order_by(StageChange.at.desc(), StageChange.id.desc()))][:2] == [
            ("churned", "won_back", "converted", "delivered", "won_back"), ("churned", "winning_back", "churned", "won_back", "winback")]
    tick(client=bolt.client, db=db, defaults=bolt.defaults, now=bolt.now + timedelta(minutes=1))
    stage, status, score = _health(db, made.id)
    assert (stage, status, score is not None) == ("converted", "delivered", True)
