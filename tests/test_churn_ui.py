"""Churn and win-back in Slack, end to end: `/crm churn`, `/crm winback`, the card's buttons, the stage
modal and `/crm stage` sending a churn to the churn modal, and the retention plan of a churn-risk
ping, as signed requests into the real Bolt app; the fake Slack records what the bot sends and
the store's rows are read back."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlmodel import select

from handlers import ids
from handlers.blocks import fmt_date, fmt_datetime
from handlers.churn.plan import open_retention_plan
from handlers.context import Crm, Profile
from handlers.i18n import t
from store.customers import create_customer
from store.db import transaction
from store.errors import DomainError
from store.lifecycle import WIN_BACK, add_months, change_stage
from store.models import ChurnCase, Customer, NextAction, Outbox, RiskResponse, Role, WinbackPlan
from store.permissions import Viewer
from store.retention import start_retention
from store.types import utcnow
from store.users import set_manager, set_role
from store.winback import PlanRequest, mark_churned
from tests.bolt_server import payload
from tests.blockkit import check_view
from tests.conftest import BOSS, REP, REP_EN
from tests.flows import button
from tests.record_flows import SALES, blocks_of, chosen, click_card, day, input_block, options, submit, texts, typed

ZH_REP = Profile(user_id=REP, tz="Asia/Shanghai", locale="zh-CN")
EN_REP = Profile(user_id=REP_EN, tz="America/New_York", locale="en-US")
MATE = "U0MATE0004"  # a zh-CN rep, REP's teammate (same manager, BOSS)
PLAN_BLOCKS = [ids.WINBACK_OWNER_BLOCK, ids.WINBACK_ACTIONS_BLOCK, ids.WINBACK_DEADLINE_BLOCK, ids.WINBACK_NOTE_BLOCK]


def _customer(db, name: str, *, owner: str, value_tier: str | None = None, stage: str | None = "converted") -> Customer:
    with transaction(db) as s:
        made = create_customer(session=s, name=name, owner_id=owner, created_by=owner, value_tier=value_tier, now=utcnow())
        if stage:
            change_stage(session=s, viewer=Viewer(id=owner), customer_id=made.id, stage=stage, status="signed", now=utcnow())
        return made


def _team(db, remember) -> None:
    """BOSS manages REP, MATE and REP_EN."""
    for user in (REP, MATE, BOSS):
        remember(user, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    with transaction(db) as s:
        for user in (REP, MATE, REP_EN):
            set_manager(session=s, user_id=user, manager_id=BOSS)
        set_role(session=s, user_id=BOSS, role=Role.manager.value)


def _today(profile: Profile) -> date:
    return datetime.now(profile.zone).date()


def _latest(profile: Profile) -> str:
    """The last day a deadline may fall on, as the refusal writes it."""
    return fmt_date(add_months(datetime.now(timezone.utc), 1).astimezone(profile.zone).date(), profile)


def _nine(day_: date, profile: Profile) -> datetime:
    return datetime.combine(day_, time(9), tzinfo=profile.zone)


def _values(*, reason: str | None = None, recoverable: str | None = None, lessons: str | None = None, owner: str | None = None,
            actions: tuple[str, ...] = (), deadline: date | None = None, note: str | None = None) -> dict:
    boxes = [{"text": {"type": "plain_text", "text": a}, "value": a} for a in actions]
    return {ids.CHURN_REASON_BLOCK: {ids.CHURN_REASON: chosen(reason, "radio_buttons")},
            ids.CHURN_RECOVERABLE_BLOCK: {ids.CHURN_RECOVERABLE: chosen(recoverable, "radio_buttons")},
            ids.CHURN_LESSONS_BLOCK: {ids.CHURN_LESSONS: typed(lessons)},
            ids.WINBACK_OWNER_BLOCK: {ids.WINBACK_OWNER: {"type": "users_select", "selected_user": owner}},
            ids.WINBACK_ACTIONS_BLOCK: {ids.WINBACK_ACTIONS: {"type": "checkboxes", "selected_options": boxes}},
            ids.WINBACK_DEADLINE_BLOCK: {ids.WINBACK_DEADLINE: day(deadline)},
            ids.WINBACK_NOTE_BLOCK: {ids.WINBACK_NOTE: typed(note)}}


def _errors(bolt, *, user: str, view: dict, values: dict) -> dict:
    status, body, _ = submit(bolt, user=user, view=view, values=values)
    answer = json.loads(body)
    assert (status, answer["response_action"]) == (200, "errors")
    return answer["errors"]


def _pick_recoverable(bolt, *, user: str, view: dict, answer: str, values: dict):
    """The recoverable radio chosen in the open modal: Slack sends the view with what is typed so far."""
    body = payload("block_actions")
    body["user"]["id"] = user
    body.pop("message", None)
    body.pop("channel", None)
    body["container"] = {"type": "view", "view_id": view["id"]}
    body["view"] = {**view, "state": {"values": values}}
    body["actions"] = [{"type": "radio_buttons", "action_id": ids.CHURN_RECOVERABLE, "block_id": ids.CHURN_RECOVERABLE_BLOCK,
                        "selected_option": {"text": {"type": "plain_text", "text": answer}, "value": answer},
                        "action_ts": "1700000100.000200"}]
    return bolt.interact(body)


def _reply(fake, n: int = 1) -> str:
    return fake.wait_for("response_url:cmd", n)[n - 1].params["text"]


def _row(db, model, row_id):
    with transaction(db) as s:
        return s.get(model, row_id)


def _one(db, model, *where):
    with transaction(db) as s:
        return s.exec(select(model).where(*where)).one()


def _win_back(db, customer_id: int) -> NextAction:
    return _one(db, NextAction, NextAction.customer_id == customer_id, NextAction.origin == WIN_BACK)


# -- marking churned -------------------------------------------------------------------------------

def test_a_customer_lost_for_good_keeps_its_reason_and_lessons(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    galaxy = _customer(db, "星河科技", owner=REP)
    ref = f"*星河科技*（{galaxy.code}）"
    bolt.command("churn 星河科技", user=REP)
    view = fake.wait_for("views.open")[0].response["view"]
    assert (view["callback_id"], view["title"]["text"], view["submit"]["text"]) == (ids.CHURN_VIEW, "标记流失", "保存")
    assert json.loads(view["private_metadata"]) == {"customer": galaxy.id, "channel": SALES}
    assert texts(view) == [f"{ref}现在是 *转化期 · 已签约*"]
    assert blocks_of(view) == [ids.CHURN_REASON_BLOCK, ids.CHURN_RECOVERABLE_BLOCK, ids.CHURN_LESSONS_BLOCK]
    assert options(input_block(view, ids.CHURN_REASON_BLOCK)["element"]) == [
        ("service_quality", "服务质量"), ("product_competitiveness", "产品竞争力"), ("price", "价格"), ("relationship", "客户关系"),
        ("business_change", "客户业务变化"), ("other", "其他")]
    recoverable = input_block(view, ids.CHURN_RECOVERABLE_BLOCK)
    assert (recoverable["dispatch_action"], options(recoverable["element"])) == (True, [("yes", "可以挽回"), ("no", "不可挽回")])

    assert _errors(bolt, user=REP, view=view, values=_values(reason="business_change")) == {
        ids.CHURN_RECOVERABLE_BLOCK: "请选择能否挽回。"}
    assert _errors(bolt, user=REP, view=view, values=_values(recoverable="no", lessons="x" * 2001)) == {
        ids.CHURN_REASON_BLOCK: "请选择流失的主要原因。", ids.CHURN_LESSONS_BLOCK: "最多 2000 个字，现在是 2001 个。"}
    assert _row(db, Customer, galaxy.id).stage == "converted"
    values = _values(reason="business_change", recoverable="no", lessons="客户被收购，总部统一采购")
    assert submit(bolt, user=REP, view=view, values=values)[:2] == (200, b"")
    said = fake.wait_for("chat.postEphemeral")[0].params
    assert (said["channel"], said["user"], said["text"]) == (
        SALES, REP, f"✅ 已将 {ref}标记为流失：客户业务变化，不可挽回。\n状态：流失期 · 不可挽回")
    case = _one(db, ChurnCase, ChurnCase.customer_id == galaxy.id)
    assert (case.reason, case.recoverable, case.lessons, case.by) == ("business_change", False, "客户被收购，总部统一采购", REP)
    row = _row(db, Customer, galaxy.id)
    assert (row.stage, row.status, _win_back(db, galaxy.id).status) == ("churned", "lost_for_good", "cancelled")

    bolt.command("流失 星河科技", user=REP)
    assert _reply(fake) == "这个客户的流失已经记录过了；`/crm winback` 可以查看挽回计划。"
    bolt.command("挽回 星河科技", user=REP)
    assert _reply(fake, 2) == f"{ref}已标记为不可挽回（客户业务变化），没有挽回计划。"
    assert len(fake.calls_to("views.open")) == 1


def test_a_recoverable_high_value_customer_needs_a_plan_owned_by_the_managers_by_default(bolt, fake, db, remember):
    _team(db, remember)
    galaxy = _customer(db, "Galaxy Tech", owner=REP_EN, value_tier="high")
    ref = f"*Galaxy Tech* ({galaxy.code})"
    click_card(bolt, user=REP_EN, action_id=ids.CARD_CHURN, customer_id=galaxy.id)
    view = fake.wait_for("views.open")[0].response["view"]
    assert (view["title"]["text"], texts(view)) == ("Mark churned", [f"{ref} is now *Converted · Signed*"])

    typed_so_far = {ids.CHURN_REASON_BLOCK: {ids.CHURN_REASON: chosen("price", "radio_buttons")},
                    ids.CHURN_LESSONS_BLOCK: {ids.CHURN_LESSONS: typed("Lost on price to a rival")}}
    assert _pick_recoverable(bolt, user=REP_EN, view=view, answer="yes", values=typed_so_far)[:2] == (200, b"")
    view = fake.wait_for("views.update")[0].response["view"]
    assert blocks_of(view) == [ids.CHURN_REASON_BLOCK, ids.CHURN_RECOVERABLE_BLOCK, ids.CHURN_LESSONS_BLOCK, *PLAN_BLOCKS]
    assert texts(view)[1] == "*Win-back plan* (needed for a high-value customer)"
    assert input_block(view, ids.CHURN_REASON_BLOCK)["element"]["initial_option"]["value"] == "price"
    assert input_block(view, ids.CHURN_RECOVERABLE_BLOCK)["element"]["initial_option"]["value"] == "yes"
    assert input_block(view, ids.CHURN_LESSONS_BLOCK)["element"]["initial_value"] == "Lost on price to a rival"
    assert input_block(view, ids.WINBACK_OWNER_BLOCK)["element"]["initial_user"] == BOSS
    assert options(input_block(view, ids.WINBACK_ACTIONS_BLOCK)["element"]) == [
        ("price", "Price offer"), ("service_upgrade", "Service upgrade"), ("specific_fix", "Fix the specific problem")]
    assert input_block(view, ids.WINBACK_ACTIONS_BLOCK)["optional"] is False
    two_weeks = _today(EN_REP) + timedelta(days=14)
    assert input_block(view, ids.WINBACK_DEADLINE_BLOCK)["element"]["initial_date"] == two_weeks.isoformat()

    base = dict(reason="price", recoverable="yes", lessons="Lost on price to a rival", owner=BOSS)
    assert _errors(bolt, user=REP_EN, view=view, values=_values(**base, deadline=two_weeks)) == {
        ids.WINBACK_ACTIONS_BLOCK: "A recoverable high-value customer needs a win-back plan: pick its actions."}
    yesterday, too_late = _today(EN_REP) - timedelta(days=1), add_months(datetime.combine(_today(EN_REP), time()), 1).date() + timedelta(days=1)
    assert _errors(bolt, user=REP_EN, view=view, values=_values(**base, actions=("price",), deadline=yesterday)) == {
        ids.WINBACK_DEADLINE_BLOCK: "That deadline has passed: pick a later day."}
    assert _errors(bolt, user=REP_EN, view=view, values=_values(**base, actions=("price",), deadline=too_late)) == {
        ids.WINBACK_DEADLINE_BLOCK: f"The deadline is at most a month away ({_latest(EN_REP)})."}
    assert (_row(db, Customer, galaxy.id).stage, fake.calls_to("chat.postEphemeral")) == ("converted", [])

    values = _values(**base, actions=("specific_fix", "price"), deadline=two_weeks, note="Offer 10% off the renewal")
    assert submit(bolt, user=REP_EN, view=view, values=values)[:2] == (200, b"")
    deadline = _nine(two_weeks, EN_REP)
    plan = _one(db, WinbackPlan, WinbackPlan.customer_id == galaxy.id)
    assert (plan.owner_id, plan.actions, plan.deadline, plan.note, plan.outcome, plan.created_by) == (
        BOSS, ["price", "specific_fix"], deadline, "Offer 10% off the renewal", None, REP_EN)
    case = _row(db, ChurnCase, plan.churn_case_id)
    assert (case.reason, case.recoverable, case.lessons) == ("price", True, "Lost on price to a rival")
    action = _win_back(db, galaxy.id)
    assert (action.owner_id, action.due_at, action.status) == (BOSS, deadline, "open")
    said = fake.wait_for("chat.postEphemeral")[0].params
    assert said["text"] == (f"✅ {ref} marked churned: Price, can be won back.\nNow: Churned · Winning back\n"
                            f"Win-back plan: owner <@{BOSS}>, actions: Price offer, Fix the specific problem, "
                            f"due {fmt_datetime(deadline, EN_REP)}\nNote: Offer 10% off the renewal\n<@{BOSS}> has been told.")
    dm = next(c for c in fake.wait_for("chat.postMessage") if c.params["channel"] == BOSS).params
    assert dm["blocks"][0]["text"]["text"] == f"📌 <@{REP_EN}> 给你安排了一项下一步行动。"
    assert _one(db, Outbox, Outbox.kind == "action_assigned").recipient == BOSS

    # the card shows the case and the plan; its owner's manager (the plan's owner) may close it
    fake.reset()
    bolt.command("show Galaxy Tech", user=BOSS)
    card = fake.wait_for("response_url:cmd")[0].params["blocks"]
    churn = [b["text"]["text"] for b in card if b["type"] == "section" and b["text"]["text"].startswith("*流失记录*")]
    assert churn == [f"*流失记录*（{fmt_date(_today(ZH_REP), ZH_REP)}，<@{REP_EN}>）\n原因：价格 · 可以挽回\n"
                     f"经验教训：Lost on price to a rival\n*挽回计划*：负责人 <@{BOSS}> · 价格调整、解决具体问题 · "
                     f"截止 {fmt_datetime(deadline, ZH_REP)} · 进行中\n备注：Offer 10% off the renewal"]
    buttons = [(e["action_id"], e["text"]["text"]) for e in card[-1]["elements"]]
    assert buttons[-1] == (ids.CARD_WINBACK, "结束挽回计划") and ids.CARD_CHURN not in dict(buttons)
    click_card(bolt, user=BOSS, action_id=ids.CARD_WINBACK, customer_id=galaxy.id)
    close = fake.wait_for("views.open")[0].response["view"]
    assert (close["callback_id"], close["title"]["text"], blocks_of(close)) == (
        ids.WINBACK_CLOSE_VIEW, "结束挽回计划", [ids.WINBACK_OUTCOME_BLOCK, ids.WINBACK_LESSONS_BLOCK])
    assert options(input_block(close, ids.WINBACK_OUTCOME_BLOCK)["element"]) == [
        ("won_back", "已挽回"), ("win_back_failed", "挽回失败"), ("lost_for_good", "不可挽回")]
    outcome = {ids.WINBACK_OUTCOME_BLOCK: {ids.WINBACK_OUTCOME: chosen("win_back_failed", "radio_buttons")},
               ids.WINBACK_LESSONS_BLOCK: {ids.WINBACK_LESSONS: typed(None)}}
    assert submit(bolt, user=BOSS, view=close, values=outcome)[:2] == (200, b"")
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == (
        f"✅ *Galaxy Tech*（{galaxy.code}）的挽回计划已结束：*挽回失败*。\n状态：流失期 · 挽回失败")
    plan = _row(db, WinbackPlan, plan.id)
    assert (plan.outcome, plan.closed_by, _row(db, ChurnCase, case.id).lessons) == ("win_back_failed", BOSS, "Lost on price to a rival")
    assert _win_back(db, galaxy.id).status == "done"


def test_choosing_not_recoverable_again_takes_the_plan_away_and_keeps_the_lessons(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    galaxy = _customer(db, "星河科技", owner=REP)
    bolt.command("churn 星河科技", user=REP)
    view = fake.wait_for("views.open")[0].response["view"]
    lessons = {ids.CHURN_LESSONS_BLOCK: {ids.CHURN_LESSONS: typed("响应太慢")}}
    _pick_recoverable(bolt, user=REP, view=view, answer="yes", values=lessons)
    view = fake.wait_for("views.update")[0].response["view"]
    assert texts(view)[1] == "*挽回计划*（可选：选了挽回措施就会创建，也可以以后用 `/crm winback` 制定）"
    assert (input_block(view, ids.WINBACK_ACTIONS_BLOCK)["optional"], input_block(view, ids.WINBACK_OWNER_BLOCK)["element"]["initial_user"]) == (
        True, REP)
    _pick_recoverable(bolt, user=REP, view=view, answer="no", values={**lessons, ids.WINBACK_NOTE_BLOCK: {ids.WINBACK_NOTE: typed("x")}})
    view = fake.wait_for("views.update", 2)[1].response["view"]
    assert blocks_of(view) == [ids.CHURN_REASON_BLOCK, ids.CHURN_RECOVERABLE_BLOCK, ids.CHURN_LESSONS_BLOCK]
    assert input_block(view, ids.CHURN_LESSONS_BLOCK)["element"]["initial_value"] == "响应太慢"
    assert _row(db, Customer, galaxy.id).stage == "converted"


# -- a plan later, and its outcome ---------------------------------------------------------------------

def test_winback_makes_the_plan_later_then_closes_it_won_back(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    galaxy = _customer(db, "星河科技", owner=REP, value_tier="medium")
    ref = f"*星河科技*（{galaxy.code}）"
    bolt.command("churn 星河科技", user=REP)
    view = fake.wait_for("views.open")[0].response["view"]
    assert submit(bolt, user=REP, view=view, values=_values(reason="price", recoverable="yes", lessons="报价比竞品高 20%"))[:2] == (200, b"")
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == (
        f"✅ 已将 {ref}标记为流失：价格，可以挽回。\n状态：流失期 · 挽回中\n可用 `/crm winback {galaxy.code}` 制定挽回计划。")

    fake.reset()
    bolt.command(f"winback {galaxy.code}", user=REP)
    view = fake.wait_for("views.open")[0].response["view"]
    assert (view["callback_id"], view["title"]["text"], blocks_of(view)) == (ids.WINBACK_PLAN_VIEW, "挽回计划", PLAN_BLOCKS)
    assert texts(view) == [f"{ref}于 {fmt_date(_today(ZH_REP), ZH_REP)} 流失：价格"]
    assert input_block(view, ids.WINBACK_OWNER_BLOCK)["element"]["initial_user"] == REP  # no manager: the owner
    soon = _today(ZH_REP) + timedelta(days=10)
    too_late = add_months(datetime.combine(_today(ZH_REP), time()), 1).date() + timedelta(days=1)
    assert _errors(bolt, user=REP, view=view, values=_values(owner=REP, deadline=soon)) == {ids.WINBACK_ACTIONS_BLOCK: "请至少选择一项挽回措施。"}
    assert _errors(bolt, user=REP, view=view, values=_values(owner=REP, actions=("price",), deadline=_today(ZH_REP) - timedelta(days=1))) == {
        ids.WINBACK_DEADLINE_BLOCK: "这个截止时间已经过了，请选择以后的日期。"}
    assert _errors(bolt, user=REP, view=view, values=_values(owner=REP, actions=("price",), deadline=too_late)) == {
        ids.WINBACK_DEADLINE_BLOCK: f"截止日期最晚在一个月内（{_latest(ZH_REP)}）。"}
    assert _errors(bolt, user=REP, view=view, values=_values(owner=REP, actions=("price",))) == {ids.WINBACK_DEADLINE_BLOCK: "请选择截止日期。"}
    fake.add_user("U0BOTAPP01", real_name="Google Drive", is_bot=True)  # Slack's people menu lists bots too (handlers/picked.py)
    assert _errors(bolt, user=REP, view=view, values=_values(owner="U0BOTAPP01", actions=("price",), deadline=soon)) == {
        ids.WINBACK_OWNER_BLOCK: "<@U0BOTAPP01> 是机器人或应用，收不到提醒：请选一位同事。"}
    assert submit(bolt, user=REP, view=view, values=_values(owner=REP, actions=("service_upgrade",), deadline=soon))[:2] == (200, b"")
    deadline = _nine(soon, ZH_REP)
    plan_line = f"挽回计划：负责人 <@{REP}>，措施：服务升级，截止 {fmt_datetime(deadline, ZH_REP)}"
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == f"✅ 已为 {ref}制定挽回计划。\n{plan_line}"
    assert (_win_back(db, galaxy.id).owner_id, _win_back(db, galaxy.id).due_at, fake.calls_to("chat.postMessage")) == (REP, deadline, [])

    fake.reset()
    bolt.command("挽回 星河科技", user=REP)
    close = fake.wait_for("views.open")[0].response["view"]
    assert texts(close) == [f"{ref}于 {fmt_date(_today(ZH_REP), ZH_REP)} 流失：价格\n{plan_line}"]
    assert _errors(bolt, user=REP, view=close, values={}) == {ids.WINBACK_OUTCOME_BLOCK: "请选择挽回结果。"}
    outcome = {ids.WINBACK_OUTCOME_BLOCK: {ids.WINBACK_OUTCOME: chosen("won_back", "radio_buttons")},
               ids.WINBACK_LESSONS_BLOCK: {ids.WINBACK_LESSONS: typed("先解决打印机问题再谈价格")}}
    assert submit(bolt, user=REP, view=close, values=outcome)[:2] == (200, b"")
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == (
        f"✅ {ref}的挽回计划已结束：*已挽回*。\n状态：转化期 · 已签约\n客户已回到流失前的阶段，重新参与健康评分。")
    plan = _one(db, WinbackPlan, WinbackPlan.customer_id == galaxy.id)
    case = _row(db, ChurnCase, plan.churn_case_id)
    row = _row(db, Customer, galaxy.id)
    assert (plan.outcome, row.stage, row.status, case.lessons) == ("won_back", "converted", "signed", "报价比竞品高 20%\n先解决打印机问题再谈价格")
    assert _win_back(db, galaxy.id).status == "done"
    assert _errors(bolt, user=REP, view=close, values=outcome) == {ids.WINBACK_OUTCOME_BLOCK: "这个挽回计划已经结束了（已挽回）。"}

    bolt.command("winback 星河科技", user=REP)
    assert _reply(fake) == f"{ref}的挽回计划已于 {fmt_date(_today(ZH_REP), ZH_REP)} 结束：*已挽回*。\n{plan_line}"


# -- who may, and what is not there ----------------------------------------------------------------------

def test_unknown_customers_someone_elses_and_a_lead_are_refused_before_any_modal(bolt, fake, db, remember):
    _team(db, remember)
    galaxy = _customer(db, "星河科技", owner=REP)
    _customer(db, "新线索", owner=REP, stage=None)
    answers = [(REP, "churn 银河科技", "找不到客户“银河科技”：请写客户的全名或编号（如 C202611001）。"),
               (REP_EN, "churn Nobody", "There is no customer “Nobody”: write the customer's whole name or code (e.g. C202611001)."),
               (REP, "churn", "用法：`/crm churn 客户名称或编号`，例如 `/crm churn 星河科技`。"),
               (REP_EN, "winback", "Usage: `/crm winback customer name or code`, e.g. `/crm winback Galaxy Tech`."),
               (MATE, "churn 星河科技", f"只有负责人 <@{REP}>、其经理或管理员可以修改这个客户。"),
               (REP_EN, f"churn {galaxy.code}", f"Only the owner <@{REP}>, their manager or an admin can change this customer."),
               (REP, "churn 新线索", "不能从线索期直接转到流失期。线索期可以转到：培育期、转化期。"),
               (REP, "winback 星河科技", f"*星河科技*（{galaxy.code}）还没有流失记录：请先用 `/crm churn` 标记流失。")]
    for n, (user, words, text) in enumerate(answers, start=1):
        bolt.command(words, user=user)
        assert _reply(fake, n) == text
    click_card(bolt, user=MATE, action_id=ids.CARD_CHURN, customer_id=galaxy.id)
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == f"只有负责人 <@{REP}>、其经理或管理员可以修改这个客户。"
    assert fake.calls_to("views.open") == []

    # a teammate who may read the churned customer may not make its plan
    with transaction(db) as s:
        mark_churned(session=s, viewer=Viewer(id=REP), customer_id=galaxy.id, reason="other", recoverable=True, lessons="", now=utcnow())
    bolt.command("winback 星河科技", user=MATE)
    assert _reply(fake, len(answers) + 1) == f"只有负责人 <@{REP}>、其经理或管理员可以修改这个客户。"
    bolt.command("show 星河科技", user=MATE)
    card = fake.wait_for("response_url:cmd", len(answers) + 2)[-1].params["blocks"]
    assert [e["action_id"] for e in card[-1]["elements"]] == [ids.CARD_LOG, ids.CARD_HISTORY]


# -- the stage modal and /crm stage ----------------------------------------------------------------------

def test_the_stage_modal_and_crm_stage_send_a_churn_to_the_churn_modal(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    galaxy = _customer(db, "星河科技", owner=REP)
    click_card(bolt, user=REP, action_id=ids.CARD_STAGE, customer_id=galaxy.id)
    stage_view = fake.wait_for("views.open")[0].response["view"]
    values = {ids.STAGE_STAGE_BLOCK: {ids.STAGE_STAGE: chosen("churned")}, ids.STAGE_STATUS_BLOCK: {ids.STAGE_STATUS: chosen("lost_for_good")},
              ids.STAGE_REASON_BLOCK: {ids.STAGE_REASON: typed("价格太高")}}
    status, body, _ = submit(bolt, user=REP, view=stage_view, values=values)
    answer = json.loads(body)
    assert (status, answer["response_action"], answer["view"]["callback_id"]) == (200, "update", ids.CHURN_VIEW)
    assert check_view(answer["view"]) == []
    assert json.loads(answer["view"]["private_metadata"]) == {"customer": galaxy.id, "channel": SALES}
    assert input_block(answer["view"], ids.CHURN_LESSONS_BLOCK)["element"]["initial_value"] == "价格太高"
    assert _row(db, Customer, galaxy.id).stage == "converted"

    bolt.command("stage 星河科技 流失期 价格太高", user=REP)
    view = fake.wait_for("views.open", 2)[1].response["view"]
    assert (view["callback_id"], input_block(view, ids.CHURN_LESSONS_BLOCK)["element"]["initial_value"]) == (ids.CHURN_VIEW, "价格太高")
    assert (_row(db, Customer, galaxy.id).stage, fake.calls_to("response_url:cmd")) == ("converted", [])


# -- the retention plan of a churn-risk ping ---------------------------------------------------------------

def test_a_retention_plan_records_the_answer_and_gives_the_manager_an_action_per_measure(bolt, fake, db, remember):
    _team(db, remember)
    galaxy = _customer(db, "星河科技", owner=REP)
    with transaction(db) as s:
        s.get(Customer, galaxy.id).health_score = 42
    source = {"channel": "D0REP00001", "ts": "1700000000.000100", "outbox": 999999}
    crm = Crm(db=db, who=ZH_REP, defaults=bolt.defaults, wake=bolt.wake)
    open_retention_plan(client=bolt.client, trigger_id="trigger.retention", crm=crm, customer_id=galaxy.id, source=source)
    view = fake.wait_for("views.open")[0].response["view"]
    assert (view["callback_id"], view["title"]["text"], blocks_of(view)) == (ids.RETENTION_VIEW, "挽留计划", PLAN_BLOCKS)
    assert json.loads(view["private_metadata"]) == {"customer": galaxy.id, "source": source}
    assert texts(view) == [f"*星河科技*（{galaxy.code}）有流失风险（健康分 42）。制定挽留计划："]
    assert input_block(view, ids.WINBACK_OWNER_BLOCK)["element"]["initial_user"] == BOSS

    week = _today(ZH_REP) + timedelta(days=7)
    too_late = add_months(datetime.combine(_today(ZH_REP), time()), 1).date() + timedelta(days=1)
    plan = dict(owner=BOSS, actions=("service_upgrade", "price"), note="续约前先升级服务")
    assert _errors(bolt, user=REP, view=view, values=_values(**plan, deadline=too_late)) == {
        ids.WINBACK_DEADLINE_BLOCK: f"截止日期最晚在一个月内（{_latest(ZH_REP)}）。"}
    assert submit(bolt, user=REP, view=view, values=_values(**plan, deadline=week))[:2] == (200, b"")
    deadline = _nine(week, ZH_REP)
    answered = _one(db, RiskResponse, RiskResponse.customer_id == galaxy.id)
    assert (answered.kind, answered.by, answered.score, answered.reason) == ("winback", REP, 42, "续约前先升级服务")
    with transaction(db) as s:
        made = s.exec(select(NextAction).where(NextAction.customer_id == galaxy.id, NextAction.origin.like("retention:%"))
                      .order_by(NextAction.origin)).all()
    assert [(a.origin, a.kind, a.title, a.owner_id, a.due_at, a.created_by, a.status) for a in made] == [
        ("retention:price", "retention_price", "挽留客户：价格调整", BOSS, deadline, REP, "open"),
        ("retention:service_upgrade", "retention_service_upgrade", "挽留客户：服务升级", BOSS, deadline, REP, "open")]
    said = fake.wait_for("chat.postEphemeral")[0].params
    assert (said["channel"], said["text"]) == ("D0REP00001", (
        f"✅ 已为 *星河科技*（{galaxy.code}）制定挽留计划：负责人 <@{BOSS}>，措施：价格调整、服务升级，"
        f"截止 {fmt_datetime(deadline, ZH_REP)}。\n备注：续约前先升级服务\n已私信通知 <@{BOSS}>。"))
    dm = next(c for c in fake.wait_for("chat.postMessage") if c.params["channel"] == BOSS).params
    heads = [b["text"]["text"] for b in dm["blocks"] if b["type"] == "section" and b["text"]["text"].startswith("📌")]
    assert heads == [f"📌 <@{REP}> 给你安排了一项下一步行动。"] * 2


def test_a_customer_churned_before_without_a_reason_gets_one_and_help_lists_the_commands(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    galaxy = _customer(db, "Galaxy Tech", owner=REP_EN)
    with transaction(db) as s:  # as the stage modal did before churns had their own
        change_stage(session=s, viewer=Viewer(id=REP_EN), customer_id=galaxy.id, stage="churned", status="win_back_failed", now=utcnow())
    bolt.command("churn Galaxy Tech", user=REP_EN)
    view = fake.wait_for("views.open")[0].response["view"]
    assert texts(view) == [f"*Galaxy Tech* ({galaxy.code}) is now *Churned · Win-back failed*"]
    assert submit(bolt, user=REP_EN, view=view, values=_values(reason="service_quality", recoverable="no"))[:2] == (200, b"")
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == (
        f"✅ *Galaxy Tech* ({galaxy.code}) marked churned: Service quality, lost for good.\nNow: Churned · Lost for good")
    assert (_row(db, Customer, galaxy.id).status, _win_back(db, galaxy.id).status) == ("lost_for_good", "cancelled")

    bolt.command("help", user=REP_EN)
    text = _reply(fake)
    assert [t("en", key) in text for key in ("help_churn", "help_winback")] == [True, True]


def test_the_risk_pings_start_button_opens_the_retention_plan(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    galaxy = _customer(db, "Galaxy Tech", owner=REP_EN)
    bolt.interact(button(user=REP_EN, action_id=ids.RISK_WINBACK, value=f"{galaxy.id}:999999", channel="D0REPEN002",
                         ts="1700000000.000300"))
    view = fake.wait_for("views.open")[0].response["view"]
    assert (view["callback_id"], view["title"]["text"]) == (ids.RETENTION_VIEW, "Retention plan")
    assert json.loads(view["private_metadata"]) == {
        "customer": galaxy.id, "source": {"channel": "D0REPEN002", "ts": "1700000000.000300", "outbox": 999999}}
    assert texts(view) == [f"*Galaxy Tech* ({galaxy.code}) is at risk of churning (health score none yet). Plan how to keep it:"]
    assert input_block(view, ids.WINBACK_OWNER_BLOCK)["element"]["initial_user"] == REP_EN  # no manager: the owner


def test_a_second_retention_plan_takes_over_the_pending_actions_of_the_first(db):
    galaxy = _customer(db, "星河科技", owner=REP)
    now = datetime(2027, 1, 31, 8, 0, tzinfo=timezone.utc)

    def start(actions, deadline, owner=None):
        with transaction(db) as s:
            kept = start_retention(session=s, viewer=Viewer(id=REP), customer_id=galaxy.id, now=now,
                                   plan=PlanRequest(actions=actions, deadline=deadline, owner_id=owner))
            return [a.id for a in kept.actions]

    first = start(["price", "specific_fix"], now + timedelta(days=5))
    second = start(["price"], now + timedelta(days=9), owner=BOSS)
    assert second == first[:1]
    with transaction(db) as s:
        rows = s.exec(select(NextAction).where(NextAction.customer_id == galaxy.id, NextAction.origin.like("retention:%"))
                      .order_by(NextAction.id)).all()
        answers = s.exec(select(RiskResponse.by, RiskResponse.kind).where(RiskResponse.customer_id == galaxy.id)).all()
    assert [(a.origin, a.owner_id, a.due_at, a.status) for a in rows] == [
        ("retention:price", BOSS, now + timedelta(days=9), "open"),
        ("retention:specific_fix", REP, now + timedelta(days=5), "open")]
    assert answers == [(REP, "winback"), (REP, "winback")]
    with pytest.raises(DomainError) as refused:
        _start_as(db, galaxy.id, MATE, now)  # someone else answers no ping of this customer
    assert (refused.value.key, refused.value.params) == ("err_forbidden", {"owner": REP})


def _start_as(db, customer_id: int, user: str, now: datetime) -> None:
    with transaction(db) as s:
        start_retention(session=s, viewer=Viewer(id=user), customer_id=customer_id, now=now,
                        plan=PlanRequest(actions=["price"], deadline=now + timedelta(days=1)))


@pytest.mark.parametrize(("user", "locale", "words", "expected"), [
    (REP_EN, "en-US", "stage {code} churned", "A customer cannot move straight from Lead to Churned. From Lead: Nurturing, Converted."),
    (REP_EN, "en-US", "churn {code}", "A customer cannot move straight from Lead to Churned. From Lead: Nurturing, Converted."),
    (REP, "zh-CN", "churn {code}", "不能从线索期直接转到流失期。线索期可以转到：培育期、转化期。"),
])
def test_a_churn_refused_to_someone_the_bot_never_met_is_in_their_own_language(bolt, fake, db, user, locale, words, expected):
    """Slash commands carry no locale: a user the bot has not met yet is asked of Slack (users.info)
    before the first reply. The churn refusal answered in the team's default language instead."""
    fake.add_user(user, tz="America/New_York" if locale == "en-US" else "Asia/Shanghai", locale=locale, real_name="Alice")
    with transaction(db) as s:
        code = create_customer(session=s, name="Galaxy", owner_id=user, created_by=user, now=utcnow()).code
    assert bolt.command(words.format(code=code), user=user)[:2] == (200, b"")
    assert fake.wait_for("response_url:cmd")[0].params["text"] == expected
