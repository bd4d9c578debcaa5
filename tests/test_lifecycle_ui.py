"""Stage and grade in Slack, end to end: `/crm stage` and the card's Stage and Grade buttons as
signed requests into the real Bolt app, the fake Slack recording what the bot sends, the store's
rows read back."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from handlers import ids
from handlers.blocks import fmt_datetime
from handlers.context import Profile
from store.db import transaction
from store.lifecycle import stage_history
from store.models import Customer, NextAction, Role
from store.users import set_manager, set_role
from tests.conftest import BOSS, REP, REP_EN
from tests.record_flows import SALES, blocks_of, chosen, click_card, customer, input_block, options, submit, texts, typed

ZH_REP = Profile(user_id=REP, tz="Asia/Shanghai", locale="zh-CN")
EN_REP = Profile(user_id=REP_EN, tz="America/New_York", locale="en-US")
MATE = "U0MATE0004"  # a zh-CN rep, REP's teammate (same manager, BOSS)


def _reply(fake) -> str:
    return fake.wait_for("response_url:cmd")[0].params["text"]


def _row(db, customer_id: int) -> Customer:
    with transaction(db) as s:
        return s.get(Customer, customer_id)


def _history(db, customer_id: int) -> list[tuple]:
    with transaction(db) as s:
        return [(h.by, h.from_stage, h.from_status, h.to_stage, h.to_status, h.reason)
                for h in stage_history(session=s, customer_id=customer_id)]


def _auto(db, customer_id: int) -> list[NextAction]:
    with transaction(db) as s:
        return list(s.exec(select(NextAction).where(NextAction.customer_id == customer_id, NextAction.origin.is_not(None))
                           .order_by(NextAction.id)))


def _team(db, remember) -> None:
    """BOSS manages REP and MATE; everyone known as zh-CN in Shanghai."""
    for user in (REP, MATE, BOSS):
        remember(user, "Asia/Shanghai", "zh-CN")
    with transaction(db) as s:
        set_manager(session=s, user_id=REP, manager_id=BOSS)
        set_manager(session=s, user_id=MATE, manager_id=BOSS)
        set_role(session=s, user_id=BOSS, role=Role.manager.value)


# -- /crm stage ------------------------------------------------------------------------------------

def test_stage_by_code_writes_history_and_names_the_research_action(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    bolt.now = datetime(2026, 12, 6, 17, 28, tzinfo=timezone.utc)  # Mon 7 Dec 01:28 in Shanghai, in quiet hours
    galaxy = customer(db, "星河科技", owner=REP, now=bolt.now - timedelta(days=3))
    bolt.command("stage 星河科技 nurturing 意向明确 客户确认预算", user=REP)
    reply = _reply(fake)
    assert _history(db, galaxy.id)[0] == (REP, "lead", "to_nurture", "nurturing", "clear_intent", "客户确认预算")
    [action] = _auto(db, galaxy.id)
    # two weeks later is Mon 21 Dec: at the start of the owner's working hours, not at 01:28
    assert (action.origin, action.owner_id, action.status, action.due_at) == (
        "lifecycle:needs_research", REP, "open", datetime(2026, 12, 21, 1, 0, tzinfo=timezone.utc))
    assert reply == (f"✅ *星河科技*（{galaxy.code}）：线索期 · 待培育 → 培育期 · 意向明确\n原因：客户确认预算\n"
                     f"⏰ 已自动创建下一步：*完成需求调研*，截止 2026年12月21日周一 09:00，负责人 <@{REP}>")
    assert (_row(db, galaxy.id).stage, _row(db, galaxy.id).status) == ("nurturing", "clear_intent")


def test_stage_by_chinese_label_delivered_asks_for_a_satisfaction_check_a_week_later(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    bolt.now = datetime(2026, 11, 19, 6, 28, tzinfo=timezone.utc)  # Thu 19 Nov 01:28 in New York
    galaxy = customer(db, "Galaxy Tech", owner=REP_EN, stage="converted", status="signed", now=bolt.now - timedelta(days=30))
    bolt.command("阶段 Galaxy Tech 转化期 已交付 went live on site", user=REP_EN)
    reply = _reply(fake)
    assert _history(db, galaxy.id)[0] == (REP_EN, "converted", "signed", "converted", "delivered", "went live on site")
    [action] = _auto(db, galaxy.id)
    # a week later is Thanksgiving in New York (a working day in Shanghai): Friday, 09:00 New York time
    assert (action.origin, action.due_at) == ("lifecycle:satisfaction_check", datetime(2026, 11, 27, 14, 0, tzinfo=timezone.utc))
    assert reply == (f"✅ *Galaxy Tech* ({galaxy.code}): Converted · Signed → Converted · Delivered\nWhy: went live on site\n"
                     f"⏰ Next action created: *Satisfaction check after delivery*, due Fri, Nov 27, 2026, 9:00\u202fAM, "
                     f"owner <@{REP_EN}>")


def test_an_illegal_move_or_a_status_of_another_stage_is_refused_and_changes_nothing(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    galaxy = customer(db, "星河科技", owner=REP)
    bolt.command("stage 星河科技 成熟期 稳定", user=REP)
    assert _reply(fake) == "不能从线索期直接转到成熟期。线索期可以转到：培育期、转化期。"
    fake.reset()
    bolt.command("stage 星河科技 nurturing signed", user=REP)
    assert _reply(fake) == "“已签约”不是培育期的状态。培育期的状态有：意向明确、需跟进、待放弃。"
    fake.reset()
    bolt.command("stage 星河科技 finished", user=REP)
    assert _reply(fake) == "没有“finished”这个阶段。可选：线索期、培育期、转化期、成熟期、流失期。"
    fake.reset()
    bolt.command("stage 银河科技 nurturing", user=REP)
    assert _reply(fake) == "找不到客户“银河科技”：请写客户的全名或编号（如 C202611001）。"
    fake.reset()
    mine = customer(db, "Galaxy Tech", owner=REP_EN)
    bolt.command(f"stage {mine.code} mature", user=REP_EN)
    assert _reply(fake) == "A customer cannot move straight from Lead to Mature. From Lead: Nurturing, Converted."
    assert _history(db, galaxy.id) == [(REP, None, None, "lead", "to_nurture", "created")]
    assert (_row(db, galaxy.id).stage, _auto(db, galaxy.id), _row(db, mine.id).stage) == ("lead", [], "lead")


@pytest.fixture(params=["own", "team"])
def team_bolt(request, db, fake, monkeypatch):
    """The app with the team's visibility set to own or team."""
    from tests import bolt_server

    real = bolt_server.defaults_of
    monkeypatch.setattr(bolt_server, "defaults_of", lambda settings, cipher=None: replace(real(settings, cipher), visibility=request.param))
    server = bolt_server.BoltServer(db=db, fake=fake)
    assert server.defaults.visibility == request.param
    yield server
    server.stop()


def test_a_rep_cannot_move_a_teammates_customer_and_their_manager_can(team_bolt, fake, db, remember):
    _team(db, remember)
    galaxy = customer(db, "星河科技", owner=REP)
    team_bolt.command("stage 星河科技 培育 需跟进", user=MATE)
    assert _reply(fake) == f"只有负责人 <@{REP}>、其经理或管理员可以修改这个客户。"
    assert (_row(db, galaxy.id).stage, len(_history(db, galaxy.id))) == ("lead", 1)
    fake.reset()
    team_bolt.command("stage 星河科技 培育期", user=BOSS)
    reply = _reply(fake)
    assert _history(db, galaxy.id)[0] == (BOSS, "lead", "to_nurture", "nurturing", "needs_follow_up", "")
    [action] = _auto(db, galaxy.id)
    assert action.owner_id == REP  # the owner's action, though the manager moved the customer
    assert reply == (f"✅ *星河科技*（{galaxy.code}）：线索期 · 待培育 → 培育期 · 需跟进\n"
                     f"⏰ 已自动创建下一步：*完成需求调研*，截止 {fmt_datetime(action.due_at, ZH_REP)}，负责人 <@{REP}>")


# -- the stage modal -------------------------------------------------------------------------------

def test_the_stage_button_opens_the_modal_and_its_answers_are_checked_together(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    galaxy = customer(db, "星河科技", owner=REP, stage="nurturing")
    fake.reset()
    assert click_card(bolt, user=REP, action_id=ids.CARD_STAGE, customer_id=galaxy.id)[:2] == (200, b"")
    view = fake.wait_for("views.open")[0].response["view"]
    assert fake.methods()[0] == "views.open"
    assert (view["callback_id"], view["title"]["text"], view["submit"]["text"]) == (ids.STAGE_VIEW, "变更阶段", "保存")
    assert json.loads(view["private_metadata"]) == {"customer": galaxy.id, "channel": SALES}
    assert texts(view) == [f"*星河科技*（{galaxy.code}）现在是 *培育期 · 需跟进*"]
    assert blocks_of(view) == [ids.STAGE_STAGE_BLOCK, ids.STAGE_STATUS_BLOCK, ids.STAGE_REASON_BLOCK]
    stage = input_block(view, ids.STAGE_STAGE_BLOCK)["element"]
    assert (options(stage), stage["initial_option"]["value"]) == (
        [("lead", "线索期"), ("nurturing", "培育期"), ("converted", "转化期"), ("churned", "流失期")], "nurturing")
    groups = input_block(view, ids.STAGE_STATUS_BLOCK)["element"]["option_groups"]
    assert [(g["label"]["text"], [v for v, _ in options(g)]) for g in groups] == [
        ("线索期", ["to_nurture", "low_intent", "high_intent"]), ("培育期", ["clear_intent", "needs_follow_up", "to_abandon"]),
        ("转化期", ["signed", "implementing", "delivered"]), ("流失期", ["winning_back", "win_back_failed", "lost_for_good"])]  # won_back: the plan's outcome only

    def values(stage: str, status: str | None, reason: str | None = None) -> dict:
        return {ids.STAGE_STAGE_BLOCK: {ids.STAGE_STAGE: chosen(stage)}, ids.STAGE_STATUS_BLOCK: {ids.STAGE_STATUS: chosen(status)},
                ids.STAGE_REASON_BLOCK: {ids.STAGE_REASON: typed(reason)}}

    status, body, _ = submit(bolt, user=REP, view=view, values=values("converted", "clear_intent"))
    assert (status, json.loads(body)) == (200, {"response_action": "errors", "errors": {
        ids.STAGE_STATUS_BLOCK: "“意向明确”不是转化期的状态。转化期的状态有：已签约、实施中、已交付。"}})
    status, body, _ = submit(bolt, user=REP, view=view, values=values("churned", None))
    # a churn always asks why: the stage modal turns into the churn modal (tests/test_churn_ui.py)
    assert (json.loads(body)["response_action"], json.loads(body)["view"]["callback_id"]) == ("update", ids.CHURN_VIEW)
    assert (_row(db, galaxy.id).stage, len(_history(db, galaxy.id))) == ("nurturing", 2)
    fake.reset()
    assert submit(bolt, user=REP, view=view, values=values("converted", "implementing", "合同已签"))[:2] == (200, b"")
    answer = fake.wait_for("chat.postEphemeral")[0].params
    assert _history(db, galaxy.id)[0] == (REP, "nurturing", "needs_follow_up", "converted", "implementing", "合同已签")
    assert (answer["channel"], answer["user"], answer["text"]) == (
        SALES, REP, f"✅ *星河科技*（{galaxy.code}）：培育期 · 需跟进 → 转化期 · 实施中\n原因：合同已签")
    assert [a.status for a in _auto(db, galaxy.id)] == ["cancelled"]  # the research left behind with nurturing


def test_the_stage_button_refuses_someone_who_may_not_edit_before_any_modal(bolt, fake, db, remember):
    _team(db, remember)
    galaxy = customer(db, "星河科技", owner=REP)
    fake.reset()
    click_card(bolt, user=MATE, action_id=ids.CARD_STAGE, customer_id=galaxy.id)
    refusal = fake.wait_for("chat.postEphemeral")[0].params
    assert (refusal["channel"], refusal["user"], refusal["text"]) == (SALES, MATE, f"只有负责人 <@{REP}>、其经理或管理员可以修改这个客户。")
    assert fake.calls_to("views.open") == []


def test_an_expired_trigger_is_told_where_the_button_was_clicked(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    galaxy = customer(db, "星河科技", owner=REP)
    fake.fail_next("views.open", error="expired_trigger_id")
    click_card(bolt, user=REP, action_id=ids.CARD_GRADE, customer_id=galaxy.id)
    told = fake.wait_for("chat.postEphemeral")[0].params
    assert (told["channel"], told["user"], told["text"]) == (SALES, REP, "Slack 暂时没有响应（expired_trigger_id），请稍后再试。")


# -- grades ----------------------------------------------------------------------------------------

def _grade_values(*, mode: str, grade: str | None = None, bant: tuple = (None, None, None, None)) -> dict:
    values = {ids.GRADE_MODE_BLOCK: {ids.GRADE_MODE: chosen(mode, "radio_buttons")}, ids.GRADE_GRADE_BLOCK: {ids.GRADE_GRADE: chosen(grade)}}
    for (block, action), level in zip(ids.GRADE_BANT.values(), bant):
        values[block] = {action: chosen(level)}
    return values


def test_grade_by_hand_then_by_bant(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    galaxy = customer(db, "Galaxy Tech", owner=REP_EN)
    click_card(bolt, user=REP_EN, action_id=ids.CARD_GRADE, customer_id=galaxy.id)
    view = fake.wait_for("views.open")[0].response["view"]
    assert (view["callback_id"], view["title"]["text"]) == (ids.GRADE_VIEW, "Grade")
    assert texts(view) == [f"*Galaxy Tech* ({galaxy.code}) has no grade yet."]
    mode = input_block(view, ids.GRADE_MODE_BLOCK)["element"]
    assert (options(mode), mode["initial_option"]["value"]) == (
        [(ids.GRADE_BY_HAND, "Pick the grade by hand"), (ids.GRADE_BY_BANT, "Apply the BANT grade")], ids.GRADE_BY_HAND)
    assert options(input_block(view, ids.GRADE_BANT["need"][0])["element"]) == [("strong", "Strong"), ("weak", "Partial"), ("none", "None")]

    status, body, _ = submit(bolt, user=REP_EN, view=view, values=_grade_values(mode=ids.GRADE_BY_HAND))
    assert json.loads(body) == {"response_action": "errors", "errors": {ids.GRADE_GRADE_BLOCK: "Pick a grade, or apply the BANT grade instead."}}
    assert submit(bolt, user=REP_EN, view=view, values=_grade_values(mode=ids.GRADE_BY_HAND, grade="B"))[:2] == (200, b"")
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == f"✅ *Galaxy Tech* ({galaxy.code}): ungraded → Grade B (set by hand)"
    row = _row(db, galaxy.id)
    assert (row.grade, row.grade_source, row.bant_budget) == ("B", "manual", None)

    fake.reset()
    bant = ("strong", "strong", "weak", None)
    assert submit(bolt, user=REP_EN, view=view, values=_grade_values(mode=ids.GRADE_BY_BANT, grade="A", bant=bant))[:2] == (200, b"")
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == (
        f"✅ *Galaxy Tech* ({galaxy.code}): Grade B → Grade B "
        "(from BANT: Budget Strong, Authority Strong, Need Partial, Timeline unknown)")
    fake.reset()
    assert submit(bolt, user=REP_EN, view=view, values=_grade_values(mode=ids.GRADE_BY_BANT, bant=("strong",) * 4))[:2] == (200, b"")
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == (
        f"✅ *Galaxy Tech* ({galaxy.code}): Grade B → Grade A "
        "(from BANT: Budget Strong, Authority Strong, Need Strong, Timeline Strong)")
    row = _row(db, galaxy.id)
    assert (row.grade, row.grade_source, row.bant_budget, row.bant_authority, row.bant_need, row.bant_timeline) == (
        "A", "bant", "strong", "strong", "strong", "strong")


def test_a_grade_by_hand_records_changed_bant_without_applying_it(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    galaxy = customer(db, "星河科技", owner=REP)
    click_card(bolt, user=REP, action_id=ids.CARD_GRADE, customer_id=galaxy.id)
    view = fake.wait_for("views.open")[0].response["view"]
    assert view["title"]["text"] == "客户分级"
    values = _grade_values(mode=ids.GRADE_BY_HAND, grade="C", bant=("strong", "strong", "strong", "strong"))
    assert submit(bolt, user=REP, view=view, values=values)[:2] == (200, b"")
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == f"✅ *星河科技*（{galaxy.code}）的等级：未分级 → C 类（手动设定）"
    row = _row(db, galaxy.id)
    assert (row.grade, row.grade_source, row.bant_budget, row.bant_timeline) == ("C", "manual", "strong", "strong")


def test_the_subcommands_are_in_the_help(bolt, fake, remember):
    from handlers.i18n import t

    remember(REP_EN, "America/New_York", "en-US")
    bolt.command("help", user=REP_EN)
    text = fake.wait_for("response_url:cmd")[0].params["text"]
    assert [t("en", key) in text for key in ("help_stage", "help_need", "help_deals")] == [True, True, True]
