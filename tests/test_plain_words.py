"""One language per message (issue 16): a rule's next action is stored as a kind and read in the
reader's language, a typed title stays as typed; history and cards go through the vocabulary."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import text

from handlers.delivery.jobs import tick
from store.customers import create_lead
from store.db import transaction
from store.migrate import upgrade
from store.models import NextAction
from tests.block_text import block_texts
from tests.conftest import REP, REP_EN

AT = datetime(2031, 3, 3, 1, 0, tzinfo=timezone.utc)  # Monday 09:00 in Shanghai


def _lead(bolt, owner: str, name: str) -> NextAction:
    with transaction(bolt.db) as s:
        _, action = create_lead(session=s, name=name, owner_id=owner, created_by=owner, now=AT, calendar=bolt.defaults.calendar)
        return action


def _due_dm(bolt, fake, action: NextAction) -> dict:
    tick(client=bolt.client, db=bolt.db, defaults=bolt.defaults, now=action.due_at)
    return fake.wait_for("chat.postMessage")[0].params


def test_a_rules_action_reads_in_chinese_only_to_a_chinese_owner(bolt, fake, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    action = _lead(bolt, REP, "星河科技")
    assert (action.kind, action.title) == ("first_contact", "首次联系新线索")
    dm = _due_dm(bolt, fake, action)
    assert dm["text"] == "下一步行动到期：首次联系新线索（星河科技）"
    assert block_texts(dm["blocks"])[:2] == ["*⏰ 下一步行动到期*",
                                             "*首次联系新线索*\n*客户：* 星河科技（`C203103001`）\n*截止：* 2031年3月3日周一 18:00"]


def test_a_rules_action_reads_in_english_only_to_an_english_owner(bolt, fake, remember):
    remember(REP_EN, "America/New_York", "en-US")
    action = _lead(bolt, REP_EN, "Galaxy Tech")
    dm = _due_dm(bolt, fake, action)
    assert dm["text"] == "Next action due: First contact with the new lead (Galaxy Tech)"
    assert block_texts(dm["blocks"])[:2] == ["*⏰ Next action due*",
                                             "*First contact with the new lead*\n*Customer:* Galaxy Tech (`C203103001`)\n"
                                             "*Due:* Mon, Mar 3, 2031, 6:00\u202fPM"]  # made Sun 20:00 in New York: one working day of her hours


def test_a_typed_title_stays_as_typed_for_every_reader(bolt, fake, remember):
    remember(REP_EN, "America/New_York", "en-US")
    action = _lead(bolt, REP_EN, "Galaxy Tech")
    with transaction(bolt.db) as s:  # someone typed a title over a rule's action: it is no longer the rule's words
        row = s.get(NextAction, action.id)
        row.title, row.kind = "给张总打电话 <b>", None
    dm = _due_dm(bolt, fake, action)
    assert dm["text"] == "Next action due: 给张总打电话 &lt;b&gt; (Galaxy Tech)"


def test_the_migration_gives_old_two_language_titles_their_kind(empty_database):
    upgrade(empty_database.url, "0006")
    at = AT.replace(tzinfo=None) if empty_database.backend == "sqlite" else AT
    with empty_database.engine.begin() as conn:
        conn.execute(text("INSERT INTO customer (id, code, name, name_norm, company, industry, region, source, stage, status, owner_id,"
                          " created_by, created_at, updated_at, cultural_notes, contact_title) VALUES (1, 'C1', '星河', '星河', '', '', '',"
                          " '', 'lead', 'to_nurture', 'U1', 'U1', :at, :at, '', '')"), {"at": at})
        for i, title in enumerate(("首次联系新线索 / First contact with the new lead", "定期跟进 / Follow-up is due",
                                   "挽留客户：价格调整 / Keep the customer: price offer", "发送报价 / send quote"), start=1):
            conn.execute(text("INSERT INTO next_action (id, customer_id, title, due_at, owner_id, created_by, status, created_at,"
                              " updated_at) VALUES (:i, 1, :title, :at, 'U1', 'U1', 'open', :at, :at)"), {"i": i, "title": title, "at": at})
    upgrade(empty_database.url)
    with empty_database.engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, title FROM next_action ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("first_contact", "首次联系新线索"), ("cadence", "定期跟进"),
                                        ("retention_price", "挽留客户：价格调整"), (None, "发送报价 / send quote")]


# -- history and the card: every field and value through the vocabulary -----------------------------

def _history_world(db, owner: str, name: str) -> int:
    """A customer graded by hand then by BANT, moved with a reason, a deal, a contact and kinds of tags."""
    from datetime import timedelta

    from store.contacts import add_contact
    from store.customers import create_customer
    from store.deals import create_deal
    from store.grading import set_bant, set_grade
    from store.lifecycle import change_stage
    from store.permissions import Viewer
    from store.profile import write_tags

    me = Viewer(id=owner)
    with transaction(db) as s:
        c = create_customer(session=s, name=name, owner_id=owner, created_by=owner, now=AT)
        set_grade(session=s, viewer=me, customer_id=c.id, grade="B", now=AT + timedelta(minutes=1))
        set_bant(session=s, viewer=me, customer_id=c.id, budget="strong", authority="weak", need="strong", timeline=None,
                 now=AT + timedelta(minutes=2))
        change_stage(session=s, viewer=me, customer_id=c.id, stage="nurturing", reason="预算已确认 <ok>", now=AT + timedelta(minutes=3))
        create_deal(session=s, viewer=me, customer_id=c.id, title="MES 一期", amount="1200000", now=AT + timedelta(minutes=4))
        add_contact(session=s, viewer=me, customer_id=c.id, name="张伟", title="采购总监", role="decision_maker",
                    now=AT + timedelta(minutes=5))
        write_tags(s, c, [("free", "VIP"), ("behaviour", "常看报价")], by=owner, now=AT + timedelta(minutes=6))
        return c.id


def _click_history(bolt, fake, user: str, customer_id: int) -> tuple[list[str], list[str]]:
    import json
    import time

    from handlers import ids
    from tests.flows import button

    fake.reset()
    bolt.command("show C203103001", user=user)
    card = fake.wait_for("response_url:cmd")[0].params["blocks"]
    body = button(user=user, action_id=ids.CARD_HISTORY, value=str(customer_id), channel="C0SALES001", ts="1700000000.000100",
                  message={"blocks": card})
    body["container"]["is_ephemeral"] = True
    body["response_url"] = fake.response_url("card")
    body["trigger_id"] = f"trigger.{time.time_ns()}"
    assert bolt.interact(body)[:2] == (200, b"")
    history = fake.wait_for("response_url:card")[0].params["blocks"]
    assert "manual" not in json.dumps(history) and "decision_maker" not in json.dumps(history)
    return block_texts(card), block_texts(history)


def test_history_and_card_speak_chinese_with_no_code_left(bolt, fake, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    bolt.now = AT
    cid = _history_world(bolt.db, REP, "星河科技")
    card, history = _click_history(bolt, fake, REP, cid)
    assert card[0] == f"*星河科技*　`C203103001`\n*阶段：* 培育期 · 需跟进（自 2031年3月3日）　*等级：* B 类\n*负责人：* <@{REP}>　*客户成功：* —"
    assert card[5] == ("*最近变更*\n"
                       f"• 2031年3月3日周一 09:06 · <@{REP}> · 标签：— → VIP、常看报价（行为）\n"
                       f"• 2031年3月3日周一 09:05 · <@{REP}> · 创建：联系人 张伟 采购总监 决策人\n"
                       f"• 2031年3月3日周一 09:04 · <@{REP}> · 创建：商机 MES 一期 1200000.00 CNY 资格确认\n"
                       f"• 2031年3月3日周一 09:03 · <@{REP}> · 状态：待培育 → 需跟进（预算已确认 &lt;ok&gt;）\n"
                       f"• 2031年3月3日周一 09:03 · <@{REP}> · 阶段：线索期 → 培育期")
    assert history[2].split("\n")[6:] == [
        f"• 2031年3月3日周一 09:02 · <@{REP}> · 评级方式：手动评级 → 按 BANT 评级",
        f"• 2031年3月3日周一 09:02 · <@{REP}> · 需求：— → 充分",
        f"• 2031年3月3日周一 09:02 · <@{REP}> · 决策权：— → 部分",
        f"• 2031年3月3日周一 09:02 · <@{REP}> · 预算：— → 充分",
        f"• 2031年3月3日周一 09:01 · <@{REP}> · 评级方式：— → 手动评级",
        f"• 2031年3月3日周一 09:01 · <@{REP}> · 等级：— → B 类",
        f"• 2031年3月3日周一 09:00 · <@{REP}> · 创建：C203103001"]


def test_history_and_card_speak_english_with_no_code_left(bolt, fake, remember):
    remember(REP_EN, "America/New_York", "en-US")
    bolt.now = AT
    cid = _history_world(bolt.db, REP_EN, "Galaxy Tech")
    card, history = _click_history(bolt, fake, REP_EN, cid)
    assert card[0] == (f"*Galaxy Tech* · `C203103001`\n*Stage:* Nurturing · Needs follow-up (since Mar 2, 2031) · Grade B\n"
                       f"*Owner:* <@{REP_EN}> · *Customer success:* —")
    assert card[5] == ("*Latest changes*\n"
                       f"• Sun, Mar 2, 2031, 8:06\u202fPM · <@{REP_EN}> · Tags: — → VIP, 常看报价 (Behaviour)\n"
                       f"• Sun, Mar 2, 2031, 8:05\u202fPM · <@{REP_EN}> · created: contact 张伟 采购总监 Decision maker\n"
                       f"• Sun, Mar 2, 2031, 8:04\u202fPM · <@{REP_EN}> · created: deal MES 一期 1200000.00 CNY Qualification\n"
                       f"• Sun, Mar 2, 2031, 8:03\u202fPM · <@{REP_EN}> · status: To nurture → Needs follow-up (预算已确认 &lt;ok&gt;)\n"
                       f"• Sun, Mar 2, 2031, 8:03\u202fPM · <@{REP_EN}> · stage: Lead → Nurturing")
    assert history[2].split("\n")[6:] == [
        f"• Sun, Mar 2, 2031, 8:02\u202fPM · <@{REP_EN}> · grading: by hand → from BANT",
        f"• Sun, Mar 2, 2031, 8:02\u202fPM · <@{REP_EN}> · Need: — → Strong",
        f"• Sun, Mar 2, 2031, 8:02\u202fPM · <@{REP_EN}> · Authority: — → Partial",
        f"• Sun, Mar 2, 2031, 8:02\u202fPM · <@{REP_EN}> · Budget: — → Strong",
        f"• Sun, Mar 2, 2031, 8:01\u202fPM · <@{REP_EN}> · grading: — → by hand",
        f"• Sun, Mar 2, 2031, 8:01\u202fPM · <@{REP_EN}> · grade: — → Grade B",
        f"• Sun, Mar 2, 2031, 8:00\u202fPM · <@{REP_EN}> · created: C203103001"]


# -- refusals: in the asker's language from the first request, naming who may ----------------------

def _boss_customer(db) -> int:
    from store.customers import create_customer

    with transaction(db) as s:
        return create_customer(session=s, name="北辰集团", owner_id="U0BOSS0003", created_by="U0BOSS0003", now=AT).id


def _card_click(bolt, fake, *, user: str, customer_id: int, locale: str | None) -> dict:
    from handlers import ids
    from tests.flows import button

    body = button(user=user, action_id=ids.CARD_EDIT, value=str(customer_id), channel="C0SALES001", ts="1700000000.000100")
    body["container"]["is_ephemeral"] = True
    body["response_url"] = fake.response_url("card")
    if locale:
        body["user"]["locale"] = locale
    fake.reset()
    assert bolt.interact(body)[:2] == (200, b"")
    return fake.wait_for("response_url:card")[0].params


def test_a_first_time_english_user_is_refused_in_english_and_told_who_may(bolt, fake):
    """Never seen before, nothing cached: the locale Slack sends with the click is used (no users.info)."""
    cid = _boss_customer(bolt.db)
    said = _card_click(bolt, fake, user=REP_EN, customer_id=cid, locale="en-US")
    assert said["text"] == "Only the owner <@U0BOSS0003>, their manager or an admin can change this customer."
    assert fake.calls_to("users.info") == []


def test_a_chinese_user_is_told_who_may_change_the_customer(bolt, fake, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    cid = _boss_customer(bolt.db)
    said = _card_click(bolt, fake, user=REP, customer_id=cid, locale=None)
    assert said["text"] == "只有负责人 <@U0BOSS0003>、其经理或管理员可以修改这个客户。"


def test_a_first_time_user_without_a_locale_in_the_request_is_looked_up_before_the_reply(bolt, fake):
    """A click without a locale from an English user never seen: users.info, then English (the team default is zh-CN)."""
    cid = _boss_customer(bolt.db)
    said = _card_click(bolt, fake, user=REP_EN, customer_id=cid, locale=None)
    assert said["text"] == "Only the owner <@U0BOSS0003>, their manager or an admin can change this customer."
    assert len(fake.calls_to("users.info")) == 1


def test_a_first_slash_command_refusal_is_in_the_users_language(bolt, fake):
    """Slash commands carry no locale: the router looks the user up after the ack, before it answers."""
    fake.reset()
    bolt.command("admin team", user=REP_EN)
    assert fake.wait_for("response_url:cmd")[0].params["text"] == "Only admins can do that."
    fake.reset()
    bolt.command("admin team", user=REP_EN)  # cached now: no second lookup
    assert fake.wait_for("response_url:cmd")[0].params["text"] == "Only admins can do that."
    assert fake.calls_to("users.info") == []


# -- names, not IDs ------------------------------------------------------------------------------------

def _digest_header(bolt, fake, locale: str) -> str:
    """A weekly digest of BOSS's team, BOSS never seen by the bot before (no cached name)."""
    from zoneinfo import ZoneInfo

    from store.digests import subscribe

    with transaction(bolt.db) as s:
        subscribe(session=s, channel_id="C0SALES001", cadence="weekly", team_of="U0BOSS0003", at_time="09:00", tz="Asia/Shanghai",
                  locale=locale, by="U0BOSS0003", now=datetime(2026, 11, 20, tzinfo=timezone.utc))
    tick(client=bolt.client, db=bolt.db, defaults=bolt.defaults, now=datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    post = next(c.params for c in fake.wait_for("chat.postMessage") if c.params["channel"] == "C0SALES001")
    return block_texts(post["blocks"])[0]


def test_the_digest_header_names_the_manager_as_slack_does_in_chinese(bolt, fake):
    assert _digest_header(bolt, fake, "zh-CN") == "📊 赵总 团队周报 · 2026年第47周（11月16日至22日）"


def test_the_digest_header_names_the_manager_as_slack_does_in_english(bolt, fake):
    assert _digest_header(bolt, fake, "en") == "📊 赵总's team weekly digest · Week 47, 2026 (Nov 16\u2009–\u200922)"


def test_a_real_name_wins_over_the_handle_and_the_handle_is_the_last_resort():
    from handlers.context import person_name

    assert person_name({"name": "qianhao", "profile": {"display_name": "qianhao", "real_name": "钱浩"}}) == "钱浩"
    assert person_name({"name": "qianhao", "profile": {"display_name": "Qian H", "real_name": " "}}) == "Qian H"
    assert person_name({"name": "qianhao", "profile": {}}) == "qianhao"
