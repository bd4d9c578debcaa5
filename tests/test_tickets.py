"""Tickets end to end: signed requests into the real Bolt app, the fake Slack recording what the
bot sends; the SLA alerts through the real tick; renderers and lists called directly with `now`."""
from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from handlers import ids
from bot.alerts import alert_kinds
from bot.hooks import features_hooks
from handlers.blocks import fmt_datetime
from handlers.context import Defaults, Profile
from handlers.i18n import t
from handlers.delivery.jobs import tick
from handlers.sla_words import fmt_span, list_blocks
from store import outbox
from store.customers import create_customer
from store.types import utcnow
from store.db import transaction
from store.models import Customer, Outbox, Ticket, TicketEvent
from store.sla import Calendar
from store.ticket_sla import sweep_sla
from store.tickets import act, create_ticket, open_tickets, set_card
from store.users import set_manager, set_quiet_hours, set_role
from tests.bolt_server import payload
from tests.conftest import BOSS, REP, REP_EN
from tests.flows import block, button, suggestion, view_submission

SH, NY, UTC = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York"), timezone.utc
CN = Calendar()
ZH_REP = Profile(user_id=REP, tz="Asia/Shanghai", locale="zh-CN")
EN_REP = Profile(user_id=REP_EN, tz="America/New_York", locale="en-US")
MON_0900 = datetime(2026, 11, 23, 9, 0, tzinfo=SH)
# /crm tickets reads the real clock: its tickets were opened a week that has passed, and are paused
# or answered, so what it shows does not depend on when the test runs.
PAST_MON = datetime(2026, 11, 16, 9, 0, tzinfo=SH)
SALES = "C0SALES001"
CARD_LINK = "https://test-team.slack.com/archives/C0SALES001/p1700000000000200"


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


# -- helpers ----------------------------------------------------------------------------------------

def _state(*, customer: str, priority: str | None = "P2", ticket_type: str | None = "complaint",
           description: str = "打印机无法启动", assignee: str | None = REP) -> dict:
    def select_(value):
        return {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value} if value else None}

    return {
        ids.TICKET_CUSTOMER_BLOCK: {ids.TICKET_CUSTOMER: {"type": "external_select", "selected_option": {
            "text": {"type": "plain_text", "text": customer}, "value": customer}}},
        ids.TICKET_PRIORITY_BLOCK: {ids.TICKET_PRIORITY: select_(priority)},
        ids.TICKET_TYPE_BLOCK: {ids.TICKET_TYPE: select_(ticket_type)},
        ids.TICKET_DESCRIPTION_BLOCK: {ids.TICKET_DESCRIPTION: {"type": "plain_text_input", "value": description}},
        ids.TICKET_ASSIGNEE_BLOCK: {ids.TICKET_ASSIGNEE: {"type": "users_select", "selected_user": assignee}},
    }


def _submit(bolt, *, user=REP, meta=None, **fields):
    fields.setdefault("customer", "n:星河科技")
    body = view_submission(user=user, callback_id=ids.TICKET_VIEW, values=_state(**fields),
                           private_metadata=meta if meta is not None else {"channel": SALES})
    return bolt.interact(body)


def _shortcut(*, text: str, user=REP, channel="C0SUPPORT1", ts="1700000000.000100", thread_ts=None) -> dict:
    body = payload("message_action")
    body["user"]["id"] = user
    body["channel"]["id"] = channel
    body["message"].update(text=text, ts=ts)
    if thread_ts:
        body["message"]["thread_ts"] = thread_ts
    return body


def _texts(blocks: list[dict], kind: str) -> list[str]:
    out = []
    for b in blocks:
        if b["type"] == kind == "section":
            out.append(b["text"]["text"])
        elif b["type"] == kind == "context":
            out.extend(e["text"] for e in b["elements"])
    return out


def _labels(blocks: list[dict]) -> list[str]:
    actions = [b for b in blocks if b["type"] == "actions"]
    return [e["text"]["text"] for e in actions[0]["elements"]] if actions else []


def _only_ticket(db) -> Ticket:
    with transaction(db) as s:
        return s.exec(select(Ticket)).one()


def _carded(db, timeout: float = 5.0) -> Ticket:
    """The ticket once its card's place is saved (after chat.postMessage has answered)."""
    deadline = time.monotonic() + timeout
    while True:
        with transaction(db) as s:
            ticket = s.exec(select(Ticket)).first()
        if ticket is not None and ticket.card_ts is not None:
            return ticket
        assert time.monotonic() < deadline, "the card's place was never saved"
        time.sleep(0.01)


def _events(db, ticket_id: int) -> list[TicketEvent]:
    with transaction(db) as s:
        return list(s.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)))


def _fmt(when: datetime, profile: Profile = ZH_REP) -> str:
    return fmt_datetime(when, profile)


def _code_now(n: int = 1) -> str:
    return f"T{datetime.now(UTC):%Y%m}{n:03d}"


# -- the modal --------------------------------------------------------------------------------------

def test_ticket_command_acks_and_opens_the_modal_before_any_other_slack_call(bolt, fake):
    fake.reset()
    status, body, _ = bolt.command("ticket", user=REP)
    assert (status, body) == (200, b"")
    view = fake.wait_for("views.open")[0].params["view"]
    fake.wait_for("users.info")
    assert fake.methods()[0] == "views.open"
    assert (view["callback_id"], view["title"]["text"], view["submit"]["text"]) == (ids.TICKET_VIEW, "新建工单", "创建")
    priority = block(view, ids.TICKET_PRIORITY_BLOCK)["element"]
    assert [o["text"]["text"] for o in priority["options"]] == ["P1 · 紧急（全天计时）", "P2 · 高", "P3 · 普通", "P4 · 低"]
    assert priority["initial_option"]["value"] == "P3"
    kinds = block(view, ids.TICKET_TYPE_BLOCK)["element"]["options"]
    assert [(o["value"], o["text"]["text"]) for o in kinds] == [
        ("enquiry", "咨询"), ("complaint", "投诉"), ("after_sales", "售后"), ("request", "需求"), ("other", "其他")]
    assert block(view, ids.TICKET_ASSIGNEE_BLOCK)["element"] == {"type": "users_select", "action_id": ids.TICKET_ASSIGNEE, "initial_user": REP}
    description = block(view, ids.TICKET_DESCRIPTION_BLOCK)["element"]
    assert (description["max_length"], description["multiline"], "initial_value" in description) == (3000, True, False)
    assert json.loads(view["private_metadata"]) == {"channel": "C0SALES001"}


def test_words_after_the_command_prefill_customer_and_description(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    with transaction(db) as s:
        galaxy = create_customer(session=s, name="星河科技", owner_id=REP, created_by=REP, now=utcnow())
    bolt.command("工单 星河科技 打印机无法启动 <@U0BOSS0003|zhao> 说 &lt;急&gt; &amp; 今天要", user=REP)
    view = fake.wait_for("views.open")[0].params["view"]
    assert block(view, ids.TICKET_CUSTOMER_BLOCK)["element"]["initial_option"]["value"] == f"c:{galaxy.id}"
    assert block(view, ids.TICKET_DESCRIPTION_BLOCK)["element"]["initial_value"] == "打印机无法启动 @zhao 说 <急> & 今天要"


@pytest.mark.parametrize("user, tz, locale, said", [
    (REP, "Asia/Shanghai", "zh-CN",
     "⚠️ 找不到客户“不认识的公司”。请在下面输入名称或编号搜索并选择；确实是新客户的话，输入名称后选“➕ 新建客户”。"),
    (REP_EN, "America/New_York", "en-US",
     "⚠️ No customer called “不认识的公司”. Search for it below by name or code and pick it; if it is a new customer, "
     "type its name there and pick “➕ New customer”.")])
def test_an_unknown_customer_is_said_to_be_unknown_and_offered_to_pick_or_create(bolt, fake, db, remember, user, tz, locale, said):
    """`/crm ticket <unknown customer> 打印机又坏了`: the name is not the problem; the modal says so
    above an empty picker, whose type-ahead offers the customers and "➕ New customer"."""
    remember(user, tz, locale)
    with transaction(db) as s:  # someone else's customer, not readable by a rep: as unknown as one that does not exist
        create_customer(session=s, name="别人的公司", owner_id="U0STRANGER", created_by="U0STRANGER", now=utcnow())
    bolt.command("ticket 不认识的公司 打印机又坏了 &lt;b&gt;&lt;急&gt;&lt;/b&gt;", user=user)
    view = fake.wait_for("views.open")[0].params["view"]
    assert view["blocks"][0] == {"type": "section", "text": {"type": "mrkdwn", "text": said}}
    assert "initial_option" not in block(view, ids.TICKET_CUSTOMER_BLOCK)["element"]
    assert block(view, ids.TICKET_DESCRIPTION_BLOCK)["element"]["initial_value"] == "打印机又坏了 <b><急></b>"
    fake.reset()
    bolt.command("ticket 别人的公司 打印机又坏了", user=user)
    view = fake.wait_for("views.open")[0].params["view"]
    assert "别人的公司" in view["blocks"][0]["text"]["text"] and "initial_option" not in block(view, ids.TICKET_CUSTOMER_BLOCK)["element"]
    # markup in the name is shown, not obeyed; a single word is a description, not a customer
    fake.reset()
    bolt.command("ticket <!channel>&lt;b&gt; 坏了", user=user)
    assert fake.wait_for("views.open")[0].params["view"]["blocks"][0]["text"]["text"].count("&lt;b&gt;") == 1
    fake.reset()
    bolt.command("ticket 打印机又坏了", user=user)
    view = fake.wait_for("views.open")[0].params["view"]
    assert (view["blocks"][0].get("block_id"), block(view, ids.TICKET_DESCRIPTION_BLOCK)["element"]["initial_value"]) == (
        ids.TICKET_CUSTOMER_BLOCK, "打印机又坏了")

    # the picker offers to create it; picked, the ticket is the new customer's
    body = suggestion(user=user, value="不认识的公司")
    body.update(action_id=ids.TICKET_CUSTOMER, block_id=ids.TICKET_CUSTOMER_BLOCK)
    offered = [o["value"] for o in json.loads(bolt.interact(body)[1])["options"]]
    assert offered == ["n:不认识的公司"]
    fake.reset()
    assert _submit(bolt, user=user, customer="n:不认识的公司", description="打印机又坏了")[:2] == (200, b"")
    ticket = _carded(db)
    with transaction(db) as s:
        assert (s.get(Customer, ticket.customer_id).name, ticket.description) == ("不认识的公司", "打印机又坏了")


def test_customer_type_ahead_answers_for_the_ticket_picker(bolt, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    with transaction(db) as s:
        galaxy = create_customer(session=s, name="星河科技", owner_id=REP, created_by=REP, now=utcnow())
    body = suggestion(user=REP, value="星河")
    body.update(action_id=ids.TICKET_CUSTOMER, block_id=ids.TICKET_CUSTOMER_BLOCK)
    status, answer, _ = bolt.interact(body)
    assert status == 200
    assert [(o["value"], o["text"]["text"]) for o in json.loads(answer)["options"]] == [
        (f"c:{galaxy.id}", f"星河科技 · {galaxy.code}"), ("n:星河", "➕ 新建客户：星河")]


# -- submitting and the card ------------------------------------------------------------------------

def test_submit_creates_the_ticket_and_posts_its_card_where_the_command_came_from(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    fake.reset()
    status, body, _ = _submit(bolt)
    assert (status, body) == (200, b"")
    ticket = _carded(db)
    assert fake.methods() == ["chat.postMessage", "chat.getPermalink"]
    with transaction(db) as s:
        customer = s.exec(select(Customer)).one()
    assert (ticket.code, ticket.priority, ticket.type, ticket.description, ticket.status) == (_code_now(), "P2", "complaint", "打印机无法启动", "new")
    assert (ticket.assignee_id, ticket.created_by, customer.name, ticket.customer_id) == (REP, REP, "星河科技", customer.id)
    assert (ticket.source_channel, ticket.source_ts) == (None, None)
    card = fake.calls_to("chat.postMessage")[0]
    assert (card.params["channel"], card.params.get("thread_ts")) == (SALES, None)
    assert (ticket.card_channel, ticket.card_ts) == (SALES, card.response["ts"])
    assert ticket.source_link == f"https://test-team.slack.com/archives/{SALES}/p{card.response['ts'].replace('.', '')}"
    blocks = card.params["blocks"]
    assert _texts(blocks, "section") == [
        f"*🎫 工单 {ticket.code} · P2 · 投诉*\n*客户：* 星河科技（`{customer.code}`）",
        "> 打印机无法启动",
        "*状态：* 新建　*负责人：* <@U0REP00001>",
    ]
    assert _texts(blocks, "context") == [
        f"⏱ 首次响应：{_fmt(ticket.response_due_at)} 到期，还剩 2小时（工作时间）\n"
        f"⏱ 解决：{_fmt(ticket.resolution_due_at)} 到期，还剩 24小时（工作时间）",
        f"<@U0REP00001> 创建于 {_fmt(ticket.created_at)}",
    ]
    assert _labels(blocks) == ["我来处理", "已首次回复", "等待客户", "已解决"]
    assert {e["value"] for e in blocks[-1]["elements"]} == {str(ticket.id)}
    assert card.params["text"] == f"工单 {ticket.code}（星河科技）：新建"


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found"])
def test_a_channel_the_bot_cannot_post_in_gets_the_card_in_the_assignees_dm(bolt, fake, db, remember, error):
    remember(REP, "Asia/Shanghai", "zh-CN")
    fake.fail_next("chat.postMessage", error=error)
    _submit(bolt, assignee=BOSS)
    posts = fake.wait_for("chat.postMessage", count=2)
    ticket = _carded(db)
    assert [(c.params["channel"], c.response.get("error")) for c in posts] == [(SALES, error), (BOSS, None)]
    assert (ticket.card_channel, ticket.card_ts, ticket.assignee_id) == ("D0BOSS0003", posts[1].response["ts"], BOSS)
    assert "*状态：* 新建　*负责人：* <@U0BOSS0003>" in _texts(posts[1].params["blocks"], "section")


def test_the_message_shortcut_prefills_the_text_and_links_back_in_a_thread(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    fake.reset()
    status, _, _ = bolt.interact(_shortcut(text="客户 <@U0BOSS0003|zhao> 说：发票 &lt;急&gt; &amp; 打印机坏了 <https://x.cn/a|工单>"))
    assert status == 200
    view = fake.wait_for("views.open")[0].params["view"]
    assert fake.methods() == ["views.open"]  # and no permalink yet
    assert block(view, ids.TICKET_DESCRIPTION_BLOCK)["element"]["initial_value"] == "客户 @zhao 说：发票 <急> & 打印机坏了 工单"
    meta = json.loads(view["private_metadata"])
    assert meta == {"channel": "C0SUPPORT1", "source_ts": "1700000000.000100", "thread_ts": "1700000000.000100"}
    fake.reset()
    _submit(bolt, meta=meta, description="客户说：发票 <急> & 打印机坏了")
    card = fake.wait_for("chat.postMessage")[0]
    ticket = _carded(db)
    assert fake.methods() == ["chat.getPermalink", "chat.postMessage"]
    asked = fake.calls_to("chat.getPermalink")[0].params
    assert (asked["channel"], asked["message_ts"]) == ("C0SUPPORT1", "1700000000.000100")
    assert (card.params["channel"], card.params["thread_ts"]) == ("C0SUPPORT1", "1700000000.000100")
    link = "https://test-team.slack.com/archives/C0SUPPORT1/p1700000000000100"
    assert (ticket.source_channel, ticket.source_ts, ticket.source_link) == ("C0SUPPORT1", "1700000000.000100", link)
    assert (ticket.card_channel, ticket.card_ts) == ("C0SUPPORT1", card.response["ts"])
    assert _texts(card.params["blocks"], "context")[1] == f"<@U0REP00001> 创建于 {_fmt(ticket.created_at)} · 来自<{link}|这条消息>"
    assert _texts(card.params["blocks"], "section")[1] == "> 客户说：发票 &lt;急&gt; &amp; 打印机坏了"


def test_a_shortcut_on_a_reply_threads_the_card_under_the_same_thread(bolt, fake, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    bolt.interact(_shortcut(text="在吗", ts="1700000005.000200", thread_ts="1700000001.000100"))
    meta = json.loads(fake.wait_for("views.open")[0].params["view"]["private_metadata"])
    assert meta == {"channel": "C0SUPPORT1", "source_ts": "1700000005.000200", "thread_ts": "1700000001.000100"}
    _submit(bolt, meta=meta)
    assert fake.wait_for("chat.postMessage")[0].params["thread_ts"] == "1700000001.000100"


def test_bad_input_stays_on_the_modal_in_the_users_language(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    _, body, _ = _submit(bolt, customer="c:424242")
    assert json.loads(body) == {"response_action": "errors", "errors": {ids.TICKET_CUSTOMER_BLOCK: "找不到这个客户，请重新搜索。"}}
    _, body, _ = _submit(bolt, description="长" * 3001)
    assert json.loads(body)["errors"] == {ids.TICKET_DESCRIPTION_BLOCK: "最多 3000 个字，现在是 3001 个。"}
    _, body, _ = _submit(bolt, user=REP_EN, description="x" * 3001, ticket_type=None, priority="P7")
    assert json.loads(body)["errors"] == {ids.TICKET_DESCRIPTION_BLOCK: "At most 3000 characters; this has 3001.",
                                          ids.TICKET_TYPE_BLOCK: "Pick a ticket type.",
                                          ids.TICKET_PRIORITY_BLOCK: "Pick a priority (P1-P4)."}
    with transaction(db) as s:
        assert (s.exec(select(Ticket)).all(), s.exec(select(Customer)).all()) == ([], [])
    assert fake.calls_to("chat.postMessage") == []


def test_emoji_and_markup_are_shown_not_obeyed(bolt, fake, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    _submit(bolt, customer="n:<!here> Acme", description="🔥 <!channel> 请 <@U0BOSS0003> 处理 & 回电")
    card = fake.wait_for("chat.postMessage")[0].params
    assert _texts(card["blocks"], "section")[1] == "> 🔥 &lt;!channel&gt; 请 &lt;@U0BOSS0003&gt; 处理 &amp; 回电"
    blob = json.dumps(card, ensure_ascii=False)
    assert ("<!channel>" in blob, "<!here>" in blob, "&lt;!here&gt; Acme" in blob) == (False, False, True)


# -- the buttons ------------------------------------------------------------------------------------

def _card_update(fake, n: int) -> dict:
    return fake.wait_for("chat.update", count=n)[n - 1].params


def _team(db) -> None:
    """REP and REP_EN report to BOSS, a manager: each may work on the others' customers' tickets."""
    with transaction(db) as s:
        for rep in (REP, REP_EN):
            set_manager(session=s, user_id=rep, manager_id=BOSS)
        set_role(session=s, user_id=BOSS, role="manager")


def test_every_button_records_its_time_and_redraws_the_card(bolt, fake, db, remember):
    _team(db)
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(BOSS, "Asia/Shanghai", "zh-CN")
    _submit(bolt, assignee=None)
    posted = fake.wait_for("chat.postMessage")[0].response
    ticket = _carded(db)
    where = dict(value=str(ticket.id), channel=posted["channel"], ts=posted["ts"])
    steps = [
        # Take it is gone once someone took it; Customer answered only while waiting; Close once solved
        (BOSS, ids.TICKET_TAKE, "take", "处理中", ["已首次回复", "等待客户", "已解决"]),
        (BOSS, ids.TICKET_REPLIED, "replied", "处理中", ["等待客户", "已解决"]),
        (BOSS, ids.TICKET_PENDING, "pending", "等待客户", ["客户已回复", "已解决"]),
        (BOSS, ids.TICKET_RESUME, "resume", "处理中", ["等待客户", "已解决"]),
        (BOSS, ids.TICKET_SOLVED, "solved", "已解决", ["关闭"]),
        (REP, ids.TICKET_CLOSE, "close", "已关闭", []),
    ]
    for n, (user, action_id, kind, status, labels) in enumerate(steps, start=1):
        before = datetime.now(UTC)
        bolt.interact(button(user=user, action_id=action_id, **where))
        update = _card_update(fake, n)
        event = _events(db, ticket.id)[-1]
        assert (event.kind, event.by, before <= event.at <= datetime.now(UTC)) == (kind, user, True)
        assert (update["channel"], update["ts"]) == (posted["channel"], posted["ts"])
        assert _texts(update["blocks"], "section")[2] == f"*状态：* {status}　*负责人：* <@U0BOSS0003>"
        assert _texts(update["blocks"], "context")[-1] == f"最近操作：<@{user}>“{t('zh-CN', f'ticket_btn_{kind}')}”，{_fmt(event.at)}"
        assert _labels(update["blocks"]) == labels
    saved = _only_ticket(db)
    at = {e.kind: e.at for e in _events(db, ticket.id)}
    assert (saved.taken_at, saved.first_response_at, saved.solved_at, saved.closed_at) == (at["take"], at["replied"], at["solved"], at["close"])
    assert (saved.status, saved.pending_since, saved.sla_next_at) == ("closed", None, None)
    assert [(e.from_status, e.to_status) for e in _events(db, ticket.id)] == [
        (None, "new"), ("new", "open"), ("open", "open"), ("open", "pending"), ("pending", "open"), ("open", "solved"), ("solved", "closed")]
    assert _texts(_card_update(fake, 6)["blocks"], "context")[0] == (
        f"✅ 首次响应：已达成（{_fmt(at['replied'])}）\n✅ 解决：已达成（{_fmt(at['solved'])}）")


def test_the_buttons_follow_the_status_in_english(bolt, fake, db, remember):
    """A new card: Take it, First reply sent, Waiting on customer, Solved (no Customer answered: nobody
    is waited on; no Close: nothing is solved). Taken: no Take it. Waiting: Customer answered."""
    _team(db)
    remember(REP_EN, "America/New_York", "en-US")
    _submit(bolt, user=REP_EN, assignee=None)
    posted = fake.wait_for("chat.postMessage")[0]
    ticket = _carded(db)
    assert _labels(posted.params["blocks"]) == ["Take it", "First reply sent", "Waiting on customer", "Solved"]
    where = dict(value=str(ticket.id), channel=posted.response["channel"], ts=posted.response["ts"])
    for n, (action_id, labels) in enumerate([
            (ids.TICKET_TAKE, ["First reply sent", "Waiting on customer", "Solved"]),
            (ids.TICKET_PENDING, ["First reply sent", "Customer answered", "Solved"]),
            (ids.TICKET_SOLVED, ["Close"])], start=1):
        bolt.interact(button(user=REP_EN, action_id=action_id, **where))
        assert _labels(_card_update(fake, n)["blocks"]) == labels


def test_the_card_is_drawn_in_the_clickers_language_and_zone(bolt, fake, db, remember):
    _team(db)
    remember(REP, "Asia/Shanghai", "zh-CN")
    _submit(bolt)
    posted = fake.wait_for("chat.postMessage")[0].response
    ticket = _carded(db)
    bolt.interact(button(user=REP_EN, action_id=ids.TICKET_SOLVED, value=str(ticket.id), channel=posted["channel"], ts=posted["ts"]))
    update = _card_update(fake, 1)
    solved = _only_ticket(db).solved_at
    assert _texts(update["blocks"], "section")[0].startswith(f"*🎫 Ticket {ticket.code} · P2 · Complaint*\n*Customer:* 星河科技")
    assert _texts(update["blocks"], "section")[2] == "*Status:* solved · *Assignee:* <@U0REP00001>"
    assert _texts(update["blocks"], "context")[0] == (f"✅ First response: met ({_fmt(solved, EN_REP)})\n"
                                                      f"✅ Resolution: met ({_fmt(solved, EN_REP)})")
    assert update["text"] == f"Ticket {ticket.code} (星河科技): solved"


def test_invalid_transitions_are_refused_with_a_clear_ephemeral(bolt, fake, db, remember):
    _team(db)
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    _submit(bolt)
    posted = fake.wait_for("chat.postMessage")[0].response
    ticket = _carded(db)
    where = dict(value=str(ticket.id), channel=posted["channel"], ts=posted["ts"])
    bolt.interact(button(user=REP, action_id=ids.TICKET_CLOSE, **where))
    refusal = fake.wait_for("chat.postEphemeral")[0].params
    assert (refusal["user"], refusal["channel"], refusal["text"]) == (REP, SALES, f"工单 {ticket.code} 现在是“新建”状态，不能“关闭”。")
    assert _labels(_card_update(fake, 1)["blocks"]) == ["我来处理", "已首次回复", "等待客户", "已解决"]  # redrawn as it is
    bolt.interact(button(user=REP_EN, action_id=ids.TICKET_RESUME, **where))
    assert fake.wait_for("chat.postEphemeral", count=2)[1].params["text"] == (
        f"Ticket {ticket.code} is new, so “Customer answered” does not apply now.")
    bolt.interact(button(user=REP, action_id=ids.TICKET_REPLIED, **where))
    _card_update(fake, 3)
    bolt.interact(button(user=REP, action_id=ids.TICKET_REPLIED, **where))
    assert fake.wait_for("chat.postEphemeral", count=3)[2].params["text"] == f"工单 {ticket.code} 的首次回复已经记录过了。"
    bolt.interact(button(user=REP, action_id=ids.TICKET_TAKE, value="424242", channel=SALES, ts="1.2"))
    assert fake.wait_for("chat.postEphemeral", count=4)[3].params["text"] == "这张工单已不存在。"
    _card_update(fake, 4)
    assert [e.kind for e in _events(db, ticket.id)] == ["created", "replied"]
    assert (_only_ticket(db).status, _only_ticket(db).closed_at) == ("open", None)


def test_take_it_clicked_by_two_people_at_once_gives_the_ticket_to_one_and_tells_the_other(bolt, fake, db, remember):
    """Both saw Take it on the new card and clicked within the same moment: one takes it, the other
    is told who has it (in their own language) and the card is redrawn without Take it; nobody's
    click reassigns it silently. A click on an old card after that is refused the same way."""
    _team(db)
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    _submit(bolt, assignee=None)
    posted = fake.wait_for("chat.postMessage")[0].response
    ticket = _carded(db)
    where = dict(value=str(ticket.id), channel=posted["channel"], ts=posted["ts"])
    together = threading.Barrier(2)

    def click(user: str) -> int:
        together.wait(timeout=10)
        return bolt.interact(button(user=user, action_id=ids.TICKET_TAKE, **where))[0]

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(click, [REP, REP_EN]))
    assert answers == [200, 200]
    [refusal] = [c.params for c in fake.wait_for("chat.postEphemeral")]
    taker = _only_ticket(db).assignee_id
    loser = {REP: REP_EN, REP_EN: REP}[taker]
    said = {REP: f"工单 {ticket.code} 已由 <@{taker}> 接手。", REP_EN: f"<@{taker}> already took ticket {ticket.code}."}[loser]
    assert (refusal["user"], refusal["text"]) == (loser, said)
    assert [(e.kind, e.by) for e in _events(db, ticket.id)] == [("created", REP), ("take", taker)]
    last = _card_update(fake, 2)  # both clicks redraw the card; neither shows Take it
    assert "我来处理" not in _labels(last["blocks"]) and "Take it" not in _labels(last["blocks"])
    # BOSS clicks Take it on a copy of the card drawn before: refused too, the ticket stays the taker's
    fake.reset()
    bolt.interact(button(user=BOSS, action_id=ids.TICKET_TAKE, **where))
    assert fake.wait_for("chat.postEphemeral")[0].params["text"] == f"工单 {ticket.code} 已由 <@{taker}> 接手。"
    assert (_only_ticket(db).assignee_id, len(_events(db, ticket.id))) == (taker, 2)


# -- the SLA alerts ---------------------------------------------------------------------------------

def _sla_ticket(db, *, assignee=REP, priority="P2") -> Ticket:
    with transaction(db) as s:
        ticket = create_ticket(session=s, created_by=assignee, customer_id=None, new_customer_name="星河科技", priority=priority,
                               ticket_type="complaint", description="打印机无法启动", assignee_id=assignee, calendar=CN, now=MON_0900)
        set_card(session=s, ticket_id=ticket.id, channel=SALES, ts="1700000000.000200", link=CARD_LINK)
        set_manager(session=s, user_id=assignee, manager_id=BOSS)
    return ticket


def _tick(bolt, now: datetime) -> dict:
    return tick(client=bolt.client, db=bolt.db, defaults=bolt.defaults, now=now).as_dict()


def test_warning_breach_and_escalation_reach_assignee_and_manager(bolt, fake, db):
    ticket = _sla_ticket(db)  # Monday 09:00 Shanghai, P2: first response due 11:00
    report = _tick(bolt, sh(2026, 11, 23, 10, 30))
    assert (report["sla_queued"], report["sent"]) == (1, 1)
    warn = fake.wait_for("chat.postMessage")[0].params
    head = f"⚠️ SLA 预警：工单 {ticket.code} 的首次响应将于 2026年11月23日周一 11:00 到期（还有 30分钟）"
    assert (warn["channel"], warn["text"]) == (REP, head)
    assert _texts(warn["blocks"], "section") == [
        f"*{head}*", "*客户：* 星河科技（`C202611001`）· P2 · 投诉\n*负责人：* <@U0REP00001>", "> 打印机无法启动"]
    assert _texts(warn["blocks"], "context") == [f"<{CARD_LINK}|打开工单卡片>"]
    report = _tick(bolt, sh(2026, 11, 23, 11, 1))
    assert (report["sla_queued"], report["sent"]) == (2, 2)
    breach = f"🔴 SLA 超时：工单 {ticket.code} 的首次响应已于 2026年11月23日周一 11:00 到期（已过 1分钟）"
    assert [(c.params["channel"], c.params["text"]) for c in fake.calls_to("chat.postMessage")[1:]] == [(REP, breach), (BOSS, breach)]
    report = _tick(bolt, sh(2026, 11, 23, 12, 0))
    assert (report["sla_queued"], report["sent"]) == (1, 1)
    escalation = fake.calls_to("chat.postMessage")[3].params
    assert (escalation["channel"], escalation["text"]) == (
        BOSS, f"🚨 SLA 升级：工单 {ticket.code} 的首次响应已于 2026年11月23日周一 11:00 超时，到现在 1小时 无人处理")
    assert _tick(bolt, sh(2026, 11, 23, 12, 30))["sla_queued"] == 0
    assert len(fake.calls_to("chat.postMessage")) == 4


def test_breaches_come_through_quiet_hours_and_a_stale_warning_is_dropped(bolt, fake, db):
    ticket = _sla_ticket(db, assignee=REP_EN)  # REP_EN is in New York: 10:30 Shanghai is 21:30 there
    with transaction(db) as s:
        set_quiet_hours(session=s, user_id=REP_EN, quiet_hours="21:00-08:00")
    report = _tick(bolt, sh(2026, 11, 23, 10, 30))
    assert (report["sla_queued"], report["sent"], report["deferred"]) == (1, 0, 1)
    report = _tick(bolt, sh(2026, 11, 23, 11, 1))
    assert (report["sla_queued"], report["sent"]) == (2, 2)
    to_rep = next(c.params for c in fake.calls_to("chat.postMessage") if c.params["channel"] == REP_EN)
    assert to_rep["text"] == f"🔴 SLA breached: First response on ticket {ticket.code} was due Sun, Nov 22, 2026, 10:00\u202fPM (1 min ago)"
    assert _texts(to_rep["blocks"], "context") == [f"<{CARD_LINK}|Open the ticket card>"]
    # 08:00 in New York: the deferred warning is past its due time; the escalation is due too.
    report = _tick(bolt, datetime(2026, 11, 23, 8, 0, tzinfo=NY))
    assert (report["skipped"], report["sla_queued"], report["sent"]) == (1, 1, 1)
    assert fake.calls_to("chat.postMessage")[-1].params["channel"] == BOSS


def _claimed(db, now: datetime) -> dict[tuple[str, int], Outbox]:
    """Claim what is due, as delivery would: (kind, ticket id) -> row (one recipient per kind here)."""
    with transaction(db) as s:
        rows = outbox.claim(session=s, now=now)
    return {(r.kind, int(r.subject.split(":")[1])): r for r in rows if r.recipient == (BOSS if r.kind == "sla_escalate" else REP)}


def _render(db, row: Outbox, now: datetime, profile: Profile = ZH_REP):
    """As delivery draws a claimed row: at the sweep's instant."""
    with transaction(db) as s:
        return alert_kinds()[row.kind].render(s, row, profile, now, Defaults(kinds=alert_kinds(), hooks=features_hooks(), tz="Asia/Shanghai", locale="zh-CN", calendar=CN))


def _do(db, ticket_id: int, action: str, at: datetime, user=REP) -> None:
    with transaction(db) as s:
        act(session=s, ticket_id=ticket_id, action=action, user_id=user, calendar=CN, now=at)


def test_alerts_that_no_longer_apply_render_nothing(db):
    moved, solved, replied, paused, acted = (_sla_ticket(db) for _ in range(5))
    sweep_sla(db=db, calendar=CN, now=sh(2026, 11, 23, 10, 30))
    warnings = _claimed(db, sh(2026, 11, 23, 10, 30))
    assert _render(db, warnings["sla_warn", moved.id], sh(2026, 11, 23, 10, 30)).text == (
        f"⚠️ SLA 预警：工单 {moved.code} 的首次响应将于 2026年11月23日周一 11:00 到期（还有 30分钟）")
    _do(db, moved.id, "pending", sh(2026, 11, 23, 10, 40))
    _do(db, moved.id, "resume", sh(2026, 11, 23, 10, 50))  # due 11:10 now
    assert _render(db, warnings["sla_warn", moved.id], sh(2026, 11, 23, 10, 30)) is None

    sweep_sla(db=db, calendar=CN, now=sh(2026, 11, 23, 12, 0))
    rows = _claimed(db, sh(2026, 11, 23, 12, 0))
    assert sorted(k for k in rows if k[0] != "sla_warn") == sorted(
        [("sla_breach", moved.id)] + [(kind, x.id) for x in (solved, replied, paused, acted) for kind in ("sla_breach", "sla_escalate")])
    assert _render(db, rows["sla_breach", solved.id], sh(2026, 11, 23, 12, 0)).text == (
        f"🔴 SLA 超时：工单 {solved.code} 的首次响应已于 2026年11月23日周一 11:00 到期（已过 1小时）")
    assert _render(db, rows["sla_warn", solved.id], sh(2026, 11, 23, 12, 0)) is None  # claimed again at 12:00: past due, the breach speaks
    _do(db, solved.id, "solved", sh(2026, 11, 23, 12, 5))
    _do(db, replied.id, "replied", sh(2026, 11, 23, 12, 5))
    _do(db, paused.id, "pending", sh(2026, 11, 23, 12, 5))
    _do(db, acted.id, "take", sh(2026, 11, 23, 12, 5))
    assert [_render(db, rows[kind, x.id], sh(2026, 11, 23, 12, 0)) for x in (solved, replied, paused) for kind in ("sla_breach", "sla_escalate")] == [None] * 6
    assert _render(db, rows["sla_escalate", acted.id], sh(2026, 11, 23, 12, 0)) is None  # somebody acted
    assert _render(db, rows["sla_breach", acted.id], sh(2026, 11, 23, 12, 0)).text.startswith(f"🔴 SLA 超时：工单 {acted.code}")  # still overdue


# -- /crm tickets -----------------------------------------------------------------------------------

def _listed(db, owner: str) -> tuple[Ticket, Ticket]:
    with transaction(db) as s:
        a = create_ticket(session=s, created_by=owner, customer_id=None, new_customer_name="甲公司", priority="P2", ticket_type="request",
                          description="a", assignee_id=owner, calendar=CN, now=PAST_MON)
        b = create_ticket(session=s, created_by=owner, customer_id=None, new_customer_name="Beta Ltd", priority="P1", ticket_type="request",
                          description="b", assignee_id=owner, calendar=CN, now=PAST_MON)
        done = create_ticket(session=s, created_by=owner, customer_id=None, new_customer_name="丙", priority="P1", ticket_type="request",
                             description="c", assignee_id=owner, calendar=CN, now=PAST_MON)
        create_ticket(session=s, created_by=BOSS, customer_id=None, new_customer_name="丁", priority="P1", ticket_type="request",
                      description="d", assignee_id=BOSS, calendar=CN, now=PAST_MON)
    _do(db, a.id, "pending", sh(2026, 11, 16, 9, 30))
    _do(db, b.id, "replied", sh(2026, 11, 16, 9, 10))
    _do(db, b.id, "pending", sh(2026, 11, 16, 9, 20))
    _do(db, done.id, "solved", sh(2026, 11, 16, 9, 20))
    return a, b


def test_my_tickets_in_chinese_with_time_left(bolt, fake, db):
    a, b = _listed(db, REP)
    bolt.now = sh(2026, 11, 16, 10, 0)  # the list is read that Monday morning
    bolt.command("tickets", user=REP)
    reply = fake.wait_for("response_url:cmd")[0].params
    assert (reply["response_type"], reply["text"]) == ("ephemeral", "你负责的未结工单：2 张")
    assert _texts(reply["blocks"], "section") == [
        "*你负责的未结工单：2 张*",
        f"*{b.code}* · P1 · Beta Ltd · 等待客户\n✅ 首次响应：已达成（2026年11月16日周一 09:10）\n⏸ 解决：已暂停（等待客户），还剩 23小时40分钟",
        f"*{a.code}* · P2 · 甲公司 · 等待客户\n⏸ 首次响应：已暂停（等待客户），还剩 1小时30分钟（工作时间）\n"
        "⏸ 解决：已暂停（等待客户），还剩 23小时30分钟（工作时间）",
    ]


def test_my_tickets_in_english_in_new_york_time(bolt, fake, db):
    a, b = _listed(db, REP_EN)
    bolt.now = sh(2026, 11, 16, 10, 0)  # the list is read that Monday morning
    bolt.command("我的工单", user=REP_EN)
    reply = fake.wait_for("response_url:cmd")[0].params
    assert _texts(reply["blocks"], "section") == [
        "*Your open tickets: 2*",
        f"*{b.code}* · P1 · Beta Ltd · waiting on the customer\n✅ First response: met (Sun, Nov 15, 2026, 8:10\u202fPM)\n"
        "⏸ Resolution: paused (waiting on the customer), 23 h 40 min left",
        f"*{a.code}* · P2 · 甲公司 · waiting on the customer\n⏸ First response: paused (waiting on the customer), 1 h 30 min of working time left\n"
        "⏸ Resolution: paused (waiting on the customer), 23 h 30 min of working time left",
    ]


def test_many_tickets_show_the_first_twenty_and_how_many_more(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    with transaction(db) as s:
        for i in range(23):
            create_ticket(session=s, created_by=REP, customer_id=None, new_customer_name=f"客户{i}", priority="P3", ticket_type="other",
                          description="长" * 3000, assignee_id=REP, calendar=CN, now=MON_0900 + timedelta(minutes=i))
    bolt.command("tickets", user=REP)
    blocks = fake.wait_for("response_url:cmd")[0].params["blocks"]
    assert (len(blocks), _texts(blocks, "section")[0], _texts(blocks, "context")) == (22, "*你负责的未结工单：23 张*", ["……还有 3 张未列出。"])
    assert _texts(blocks, "section")[1].startswith("*T202611001* · P3 · 客户0 · 新建\n")


def test_an_empty_list_says_so(bolt, fake, remember):
    remember(REP_EN, "America/New_York", "en-US")
    bolt.command("tickets", user=REP_EN)
    assert fake.wait_for("response_url:cmd")[0].params["text"] == "You have no open tickets."


def test_running_and_overdue_clocks_count_down_in_working_time(db):
    ticket = _sla_ticket(db)
    _do(db, ticket.id, "replied", sh(2026, 11, 23, 11, 20))
    with transaction(db) as s:
        items, total = open_tickets(session=s, assignee_id=REP, limit=20)
    _, at_ten = list_blocks(items, total, calendar=CN, now=sh(2026, 11, 23, 10, 0), profile=ZH_REP)
    _, friday = list_blocks(items, total, calendar=CN, now=sh(2026, 11, 27, 9, 30), profile=EN_REP)
    assert _texts(at_ten, "section")[1].split("\n")[1:] == [
        "⚠️ 首次响应：2026年11月23日周一 11:20 完成，超时 20分钟（工作时间）",
        "⏱ 解决：2026年11月25日周三 15:00 到期，还剩 23小时（工作时间）"]
    assert _texts(friday, "section")[1].split("\n")[1:] == [
        "⚠️ First response: done Sun, Nov 22, 2026, 10:20\u202fPM, late by 20 min of working time",
        "🔴 Resolution: 12 h 30 min overdue (business hours)"]


def test_spans_read_naturally():
    assert [fmt_span(m, "zh-CN") for m in (0, 45, 60, 61, 1440, 1500, 3000)] == [
        "0分钟", "45分钟", "1小时", "1小时1分钟", "1天", "1天1小时", "2天2小时"]
    assert [fmt_span(m, "en", days=False) for m in (-59, 1500)] == ["59 min", "25 h"]


# -- wiring -----------------------------------------------------------------------------------------

def test_tickets_are_wired_into_help_and_the_alert_kinds(bolt, fake, remember):
    assert {k: alert_kinds()[k].urgent for k in ("sla_breach", "sla_escalate")} == {"sla_breach": True, "sla_escalate": True}
    warn = alert_kinds()["sla_warn"].urgent  # urgent only on a clock counted around the clock (P1)
    assert [warn(Outbox(kind="sla_warn", subject="s", due_key="k", recipient=REP, data={"business": b})) for b in (False, True)] == [True, False]
    remember(REP_EN, "America/New_York", "en-US")
    bolt.command("help", user=REP_EN)
    help_text = fake.wait_for("response_url:cmd")[0].params["text"]
    assert (t("en", "help_ticket") in help_text, t("en", "help_tickets") in help_text) == (True, True)
