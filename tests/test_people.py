"""/crm admin and /crm quiet through the Bolt app; escaped command text."""
from __future__ import annotations

from sqlalchemy import update

from handlers.blocks import mentioned_users, unescape
from store.db import transaction
from store.models import Outbox, SlackUser
from store import outbox
from store.types import utcnow
from store.users import set_role
from tests.conftest import BOSS, REP, REP_EN


def _reply(bolt, fake, text, user):
    fake.reset()
    bolt.command(text, user=user)
    return fake.wait_for("response_url:cmd")[0].params["text"]


def _admin(bolt):
    with transaction(bolt.db) as s:
        set_role(session=s, user_id=BOSS, role="admin")


def test_only_admins_may_use_admin(bolt, fake, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    assert _reply(bolt, fake, f"admin role <@{REP_EN}|alice> admin", REP) == "只有管理员可以这样做。"
    with transaction(bolt.db) as s:
        assert s.get(SlackUser, REP_EN) is None


def test_admin_sets_roles_and_managers(bolt, fake, remember):
    _admin(bolt)
    remember(BOSS, "Asia/Shanghai", "zh-CN")
    assert _reply(bolt, fake, f"admin manager <@{REP}|wang> <@{REP_EN}|alice>", BOSS) == f"<@{REP}> 的经理现在是 <@{REP_EN}>。"
    with transaction(bolt.db) as s:
        rep, manager = s.get(SlackUser, REP), s.get(SlackUser, REP_EN)
    assert (rep.manager_id, manager.role) == (REP_EN, "manager")
    assert _reply(bolt, fake, f"admin role <@{REP}|wang> boss", BOSS) == "没有“boss”这个角色：可选 rep、manager、admin。"
    assert _reply(bolt, fake, f"admin manager <@{REP}|wang> <@{REP}|wang>", BOSS) == "一个人不能做自己的经理。"
    team = _reply(bolt, fake, "admin team", BOSS)
    assert f"<@{REP}>：销售，经理 <@{REP_EN}>" in team and f"<@{BOSS}>：管理员" in team
    assert "/crm admin role" in _reply(bolt, fake, "admin", BOSS)
    # a bot or a deactivated account as a manager (or given a role): the team's escalations would go nowhere
    fake.add_user("U0BOTAPP01", real_name="Google Drive", is_bot=True)
    fake.add_user("U0LEFT0002", real_name="离职的同事", deleted=True)
    assert _reply(bolt, fake, f"admin manager <@{REP}|wang> <@U0BOTAPP01|drive>", BOSS) == "<@U0BOTAPP01> 是机器人或应用，收不到提醒：请选一位同事。"
    assert _reply(bolt, fake, "admin role <@U0LEFT0002|left> manager", BOSS) == (
        "<@U0LEFT0002> 不是这个工作区的在职成员（账号已停用或不存在）：请选一位同事。")
    with transaction(bolt.db) as s:
        assert s.get(SlackUser, REP).manager_id == REP_EN and s.get(SlackUser, "U0LEFT0002") is None


def test_admins_see_alerts_slack_refused_for_good(bolt, fake, remember):
    _admin(bolt)
    remember(BOSS, "Asia/Shanghai", "en-US")
    assert _reply(bolt, fake, "admin failures", BOSS) == "No alert has been refused by Slack."
    now = utcnow()
    with transaction(bolt.db) as s:
        outbox.enqueue(session=s, kind="action_due", subject="next_action:1", due_key="k", recipient=REP, now=now)
        outbox.enqueue(session=s, kind="digest", subject="digest:1", due_key="k", recipient="C0SALES001", now=now)
    with transaction(bolt.db) as s:
        for row, error in zip(outbox.claim(session=s, now=now), ("user_not_found", "channel_not_found")):
            outbox.mark_failed(session=s, outbox_id=row.id, error=error)
    with transaction(bolt.db) as s:  # the digest was tried three times before Slack's answer was final
        s.execute(update(Outbox).where(Outbox.kind == "digest").values(attempts=3))
    fake.reset()
    bolt.command("admin failures", user=BOSS)
    answer = fake.wait_for("response_url:cmd")[0].params
    lines = "\n".join(b["text"]["text"] for b in answer["blocks"] if b["type"] == "section").split("\n")
    assert answer["text"] == lines[0]
    assert lines[0] == "*The last 2 alerts Slack refused for good*"
    assert lines[1].endswith("· channel digest · channel <#C0SALES001> → <#C0SALES001>")  # a channel digest names the channel
    assert lines[2] == ("Slack said `channel_not_found` (3 attempts). The bot is not in that channel, or it is gone: "
                        "add the bot to <#C0SALES001> (or subscribe another channel), then Resend.")
    assert lines[3].endswith(f"· action due · (its record is gone) → <@{REP}>")
    assert lines[4] == f"Slack said `user_not_found` (1 attempt). <@{REP}>'s account is deactivated or gone: reassign the action to someone else."


def test_quiet_hours_are_set_shown_and_refused_when_malformed(bolt, fake, remember):
    remember(REP_EN, "America/New_York", "en-US")
    assert _reply(bolt, fake, "quiet", REP_EN) == ("Your quiet hours: off (America/New_York). "
                                                   "Urgent alerts (SLA breaches, escalations) still come through.")
    assert _reply(bolt, fake, "quiet 22:00-7:30", REP_EN) == "Done: non-urgent alerts wait out 10:00\u202fPM\u2009–\u20097:30\u202fAM (America/New_York)."
    with transaction(bolt.db) as s:
        assert s.get(SlackUser, REP_EN).quiet_hours == "22:00-07:30"
    assert _reply(bolt, fake, "quiet 25:00-07:00", REP_EN) == ("25:00 is not a time of day (hours 0–23, minutes 00–59). "
                                                                "Quiet hours look like 21:00-08:00, or off.")
    assert _reply(bolt, fake, "quiet 22:00-22:00", REP_EN) == ("Quiet hours from 22:00 to 22:00 would last no time at all: "
                                                                "give two different times, like 21:00-08:00, or off.")
    assert _reply(bolt, fake, "quiet tonight", REP_EN) == "Quiet hours look like 21:00-08:00, or off."
    remember(REP, "Asia/Shanghai", "zh-CN")
    assert _reply(bolt, fake, "quiet 21:00-7:60", REP) == "7:60 不是一天中的时刻（小时 0–23，分钟 00–59）。免打扰时段的格式是 21:00-08:00，或 off。"
    assert _reply(bolt, fake, "quiet 8:00-08:00", REP) == "从 08:00 到 08:00 的免打扰没有时长：请写两个不同的时刻，如 21:00-08:00，或 off。"
    assert _reply(bolt, fake, "quiet 晚上", REP) == "免打扰时段的格式是 21:00-08:00，或 off。"
    with transaction(bolt.db) as s:
        assert s.get(SlackUser, REP_EN).quiet_hours == "22:00-07:30" and (s.get(SlackUser, REP).quiet_hours or "") == ""
    assert _reply(bolt, fake, "quiet off", REP_EN) == "Quiet hours off: alerts arrive at any time."
    assert _reply(bolt, fake, "quiet default", REP_EN) == "Back to the default quiet hours, off."


def test_escaped_command_text():
    text = "<@U0REP00001|wang> 拜访 &lt;b&gt; &amp; <#C123|sales> <https://x.cn|报价单> <mailto:a@b.cn> <!here>"
    assert mentioned_users(text) == ["U0REP00001"]
    assert unescape(text) == "@wang 拜访 <b> & #sales 报价单 mailto:a@b.cn here"


def test_one_refused_alert_reads_in_the_singular_in_english_and_as_is_in_chinese(bolt, fake, remember):
    """CLDR plural rules through t(): English has one/other, Chinese one form."""
    _admin(bolt)
    now = utcnow()
    with transaction(bolt.db) as s:
        outbox.enqueue(session=s, kind="action_due", subject="next_action:1", due_key="k", recipient=REP, now=now)
    with transaction(bolt.db) as s:
        [row] = outbox.claim(session=s, now=now)
        outbox.mark_failed(session=s, outbox_id=row.id, error="user_not_found")
    remember(BOSS, "Asia/Shanghai", "en-US")
    assert _reply(bolt, fake, "admin failures", BOSS).splitlines()[0] == "*The last alert Slack refused for good*"
    remember(BOSS, "Asia/Shanghai", "zh-CN")
    assert _reply(bolt, fake, "admin failures", BOSS).splitlines()[0] == "*最近 1 条发送失败、不再重试的提醒*"
