"""Admin without SQL (issue 16): `/crm admin sla` shows and changes the SLA targets, kept in
admin_change, and new tickets follow them; signed requests into the real Bolt app."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlmodel import select

from store.db import transaction
from store.models import AdminChange, SlaPolicy
from store.users import set_role
from tests.conftest import REP_EN

ADMIN = "U0ADMIN004"
AT = datetime(2031, 3, 3, 1, 0, tzinfo=timezone.utc)  # Monday 09:00 in Shanghai, 20:00 Sunday in New York


def _admin(bolt, fake, words: str, user: str = ADMIN) -> str:
    fake.reset()
    bolt.command(words, user=user)
    return fake.wait_for("response_url:cmd")[0].params["text"]


def _setup(bolt, remember, locale: str, tz: str) -> None:
    remember(ADMIN, tz, locale)
    with transaction(bolt.db) as s:
        set_role(session=s, user_id=ADMIN, role="admin")
    bolt.now = AT


ZH_TARGETS = [
    "*SLA 目标*（新开的工单按此计时，已开的工单保持原目标）",
    "• P1：首次响应 2小时 · 解决 1天 · 按自然时间 · 用到 75% 时提醒 · 超时后 30分钟 无人处理再升级",
    "• P2：首次响应 2小时 · 解决 1天 · 按工作时间 · 用到 75% 时提醒 · 超时后 1小时 无人处理再升级",
    "• P3：首次响应 2小时 · 解决 1天 · 按工作时间 · 用到 75% 时提醒 · 超时后 2小时 无人处理再升级",
    "• P4：首次响应 2小时 · 解决 1天 · 按工作时间 · 用到 75% 时提醒 · 超时后 4小时 无人处理再升级",
    "修改：`/crm admin sla P1 response 1h resolution 8h calendar warn 75%`（也可写 business、escalate 30m）",
]


def test_sla_shows_the_readmes_default_targets_in_chinese(bolt, fake, remember):
    _setup(bolt, remember, "zh-CN", "Asia/Shanghai")
    assert _admin(bolt, fake, "admin sla").split("\n") == ZH_TARGETS


def test_sla_changes_a_priority_keeps_who_did_it_and_lists_it(bolt, fake, db, remember):
    _setup(bolt, remember, "zh-CN", "Asia/Shanghai")
    said = _admin(bolt, fake, "admin sla P2 response 1h resolution 8h calendar warn 80%").split("\n")
    assert said[0] == "✅ 已更新 P2 的 SLA 目标。"
    assert said[3] == "• P2：首次响应 1小时 · 解决 8小时 · 按自然时间 · 用到 80% 时提醒 · 超时后 1小时 无人处理再升级"
    assert said[7:] == [
        "*最近修改*",
        f"• 2031年3月3日周一 09:00 · <@{ADMIN}> · P2 提醒比例：75% → 80%",
        f"• 2031年3月3日周一 09:00 · <@{ADMIN}> · P2 计时方式：按工作时间 → 按自然时间",
        f"• 2031年3月3日周一 09:00 · <@{ADMIN}> · P2 解决：1天 → 8小时",
        f"• 2031年3月3日周一 09:00 · <@{ADMIN}> · P2 首次响应：2小时 → 1小时",
    ]
    with transaction(db) as s:
        row = s.get(SlaPolicy, "P2")
        log = [(c.by, c.setting, c.field, c.old, c.new) for c in s.exec(select(AdminChange).order_by(AdminChange.id))]
    assert (row.response_minutes, row.resolution_minutes, row.business, row.warn_pct) == (60, 480, False, 80)
    from store.tickets import create_ticket  # a ticket opened now follows the new targets

    with transaction(db) as s:
        ticket = create_ticket(session=s, created_by=ADMIN, customer_id=None, new_customer_name="星河科技", priority="P2",
                               ticket_type="complaint", description="打印机坏了", assignee_id=ADMIN, calendar=bolt.defaults.calendar,
                               now=AT)
        assert (ticket.response_minutes, ticket.resolution_minutes, ticket.sla_business) == (60, 480, False)
    assert log == [(ADMIN, "sla:P2", "response_minutes", "120", "60"), (ADMIN, "sla:P2", "resolution_minutes", "1440", "480"),
                   (ADMIN, "sla:P2", "business", "True", "False"), (ADMIN, "sla:P2", "warn_pct", "75", "80")]


def test_sla_in_english_and_every_bad_word_changes_nothing(bolt, fake, db, remember):
    _setup(bolt, remember, "en-US", "America/New_York")
    said = _admin(bolt, fake, "admin sla P1 escalate 1h30m business").split("\n")
    assert said[:3] == ["✅ P1's SLA targets are updated.", "*SLA targets* (tickets opened from now on; open tickets keep theirs)",
                        "• P1: response 2h · resolution 1d · business hours · warn at 75% · escalate again after 1h 30m"]
    assert said[-3:] == ["*Latest changes*", f"• Sun, Mar 2, 2031, 8:00\u202fPM · <@{ADMIN}> · P1 escalation: 30m → 1h 30m",
                         f"• Sun, Mar 2, 2031, 8:00\u202fPM · <@{ADMIN}> · P1 clock: calendar hours → business hours"]
    for words, answer in [
        ("admin sla P9 response 1h", "Start with the priority, P1-P4, e.g. `/crm admin sla P1 response 1h` (got “P9”)."),
        ("admin sla P1 respond 1h", "“respond” is not understood: use response, resolution or escalate with a duration, "
                                    "warn with a percentage, or calendar, business."),
        ("admin sla P1 response soon", "“soon” is not a duration: write 30m, 1h, 1h30m or 2d (at most 60 days)."),
        ("admin sla P1 response 99d", "“99d” is not a duration: write 30m, 1h, 1h30m or 2d (at most 60 days)."),
        ("admin sla P1 warn 150%", "The warning must be between 1% and 99% (got “150%”)."),
        ("admin sla P1 response 9h resolution 8h", "The resolution target cannot be shorter than the response target."),
        ("admin sla P1", "What should change for P1? e.g. `/crm admin sla P1 response 1h`."),
        ("admin sla P1 response <@U1> 🙂", "“<@U1>” is not a duration: write 30m, 1h, 1h30m or 2d (at most 60 days)."),
    ]:
        assert _admin(bolt, fake, words) == answer
    with transaction(db) as s:
        assert len(s.exec(select(AdminChange)).all()) == 2
        assert s.get(SlaPolicy, "P1").response_minutes == 120
    assert _admin(bolt, fake, "admin sla P1 response 1h", user=REP_EN) == "Only admins can do that."


# -- /crm admin failures ------------------------------------------------------------------------------

def _failed_action(db, owner: str, error: str) -> tuple[int, int, str]:
    """A next action of 星河科技 owned by `owner` whose due alert Slack refused for good: (action id, outbox id, code)."""
    from datetime import timedelta

    from store import outbox
    from store.alert_kinds import ACTION_DUE
    from store.customers import create_customer
    from store.interactions import log_interaction
    from store.models import Outbox

    with transaction(db) as s:
        c = create_customer(session=s, name="星河科技", owner_id=owner, created_by=owner, now=AT - timedelta(days=1))
        action = log_interaction(session=s, author_id=owner, customer_id=c.id, new_customer_name=None, way="phone",
                                 occurred_on=(AT - timedelta(days=2)).date(), summary="电话", feedback="", participants="",
                                 action_title="发送报价 <v2>", due_at=AT, action_owner_id=owner, now=AT - timedelta(days=1)).action
        outbox.enqueue(session=s, kind=ACTION_DUE, subject=f"next_action:{action.id}", due_key=AT.isoformat(), recipient=owner, now=AT)
        row = s.exec(select(Outbox)).one()
        row.status, row.attempts, row.last_error, row.next_attempt_at = "failed", 1, error, AT
        return action.id, row.id, c.code


def _failures(bolt, fake) -> dict:
    fake.reset()
    bolt.command("admin failures", user=ADMIN)
    return fake.wait_for("response_url:cmd")[0].params


def _click(bolt, fake, message: dict, outbox_id: int, *, resend: bool, pick: str = "", user: str = ADMIN) -> str:
    from handlers import ids
    from tests.bolt_server import payload

    block = f"admin_failure.{outbox_id}"
    body = payload("block_actions")
    body["user"]["id"] = user
    body["message"]["blocks"] = message["blocks"]
    body["response_url"] = fake.response_url("click")
    body["container"]["is_ephemeral"] = True
    if resend:
        body["actions"] = [{"type": "button", "action_id": ids.ADMIN_FAILURE_RESEND, "block_id": block, "value": str(outbox_id),
                            "action_ts": "1"}]
    else:
        body["actions"] = [{"type": "users_select", "action_id": ids.ADMIN_FAILURE_REASSIGN, "block_id": block, "selected_user": pick,
                            "action_ts": "1"}]
    fake.reset()
    assert bolt.interact(body)[:2] == (200, b"")
    return fake.wait_for("response_url:click")[0].params["text"]


def test_failures_name_the_customer_and_action_say_what_to_do_and_resend_works(bolt, fake, db, remember):
    from store.models import Outbox

    _setup(bolt, remember, "zh-CN", "Asia/Shanghai")
    remember(REP_EN, "America/New_York", "en-US")
    _, outbox_id, code = _failed_action(db, REP_EN, "channel_not_found")
    message = _failures(bolt, fake)
    assert [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"] == [
        "*最近 1 条发送失败、不再重试的提醒*",
        f"• 2031年3月3日周一 09:00 · 行动到期提醒 · *星河科技*（{code}），行动“发送报价 &lt;v2&gt;” → <@{REP_EN}>\n"
        f"Slack 回复 `channel_not_found`（尝试 1 次）。机器人无法发到那里：请 <@{REP_EN}> 打开与机器人的私信（或把机器人加进频道），然后点“重发”。"]
    actions = next(b for b in message["blocks"] if b["type"] == "actions")
    assert [(e["type"], (e.get("text") or e.get("placeholder"))["text"]) for e in actions["elements"]] == [
        ("button", "重发"), ("users_select", "转给…")]
    assert _click(bolt, fake, message, outbox_id, resend=True) == f"已重新排队，马上发给 <@{REP_EN}>。"
    dm = fake.wait_for("chat.postMessage")[0].params
    assert dm["channel"] == REP_EN and dm["text"].startswith("Next action due: 发送报价")
    with transaction(db) as s:
        assert s.get(Outbox, outbox_id).status in ("sending", "sent")  # posted; its row finishes on the listener's thread
    assert _click(bolt, fake, message, outbox_id, resend=True) == "这条提醒已经重发或处理过了。"


def test_failures_in_english_reassign_gives_the_action_to_someone_who_gets_it(bolt, fake, db, remember):
    from store.models import NextAction, Outbox

    _setup(bolt, remember, "en-US", "America/New_York")
    remember("U0BOSS0003", "Asia/Shanghai", "zh-CN")
    action_id, outbox_id, code = _failed_action(db, "U0GONE0009", "account_inactive")
    message = _failures(bolt, fake)
    assert message["blocks"][1]["text"]["text"] == (
        f"• Sun, Mar 2, 2031, 8:00\u202fPM · action due · *星河科技* ({code}), action “发送报价 &lt;v2&gt;” → <@U0GONE0009>\n"
        "Slack said `account_inactive` (1 attempt). <@U0GONE0009>'s account is deactivated or gone: reassign the action to someone else.")
    assert _click(bolt, fake, message, outbox_id, resend=False, pick="U0BOSS0003", user=REP_EN) == "Only admins can do that."
    assert _click(bolt, fake, message, outbox_id, resend=False, pick="U0BOSS0003") == (
        f"*星河科技* ({code}), action “发送报价 &lt;v2&gt;” now belongs to <@U0BOSS0003>; the alert goes to them now.")
    dm = fake.wait_for("chat.postMessage")[0].params
    assert dm["channel"] == "U0BOSS0003" and dm["text"].startswith("下一步行动到期：发送报价")
    with transaction(db) as s:
        assert (s.get(NextAction, action_id).owner_id, s.get(Outbox, outbox_id).recipient) == ("U0BOSS0003", "U0BOSS0003")


def test_no_failures_says_so(bolt, fake, remember):
    _setup(bolt, remember, "zh-CN", "Asia/Shanghai")
    assert _failures(bolt, fake)["text"] == "没有发送失败的提醒。"
