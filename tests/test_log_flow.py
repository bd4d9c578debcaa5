"""`/crm log` end to end: signed requests into the real Bolt app, the fake Slack recording replies."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import select

from handlers import ids
from handlers.context import Profile
from handlers.log.commands import earliest_day
from store.customers import create_customer
from store.types import utcnow
from store.db import transaction
from store.models import Customer, Interaction, NextAction
from tests.conftest import BOSS, REP, REP_EN
from tests.flows import block, log_state, suggestion, view_submission

SHANGHAI, NEW_YORK = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")


def _customer(db, name: str, owner: str = REP) -> Customer:
    with transaction(db) as s:
        return create_customer(session=s, name=name, owner_id=owner, created_by=owner, now=utcnow())


def _opened_view(fake) -> dict:
    return fake.wait_for("views.open")[0].params["view"]


def test_log_acks_and_opens_the_modal_before_any_other_slack_call(bolt, fake):
    assert fake.methods() == ["auth.test"]  # once, when the app was built
    fake.reset()
    status, body, _ = bolt.command("log", user=REP)
    assert status == 200 and body == b""
    view = _opened_view(fake)
    fake.wait_for("users.info")
    assert fake.methods()[0] == "views.open"
    assert view["callback_id"] == ids.LOG_VIEW
    assert view["title"]["text"] == "记录客户互动"
    owner = block(view, ids.LOG_OWNER_BLOCK)["element"]
    assert owner["initial_user"] == REP
    today = datetime.now(SHANGHAI).date()
    assert block(view, ids.LOG_DATE_BLOCK)["element"]["initial_date"] == today.isoformat()
    due = datetime.fromtimestamp(block(view, ids.LOG_DUE_BLOCK)["element"]["initial_date_time"], SHANGHAI)
    assert due == datetime.combine(today + timedelta(days=1), time(9), SHANGHAI)
    way_labels = [o["text"]["text"] for o in block(view, ids.LOG_WAY_BLOCK)["element"]["options"]]
    assert way_labels == ["拜访", "电话", "邮件", "会议", "线上会议", "其他"]


def test_an_english_user_first_seen_gets_the_modal_redrawn_in_english(bolt, fake):
    bolt.command("log", user=REP_EN)
    assert _opened_view(fake)["title"]["text"] == "记录客户互动"  # nothing known yet: the default locale
    updated = fake.wait_for("views.update")[0].params
    assert updated["view"]["title"]["text"] == "Log interaction"
    assert updated["view_id"] == fake.calls_to("views.open")[0].response["view"]["id"]
    due = datetime.fromtimestamp(block(updated["view"], ids.LOG_DUE_BLOCK)["element"]["initial_date_time"], NEW_YORK)
    assert (due.hour, due.minute) == (9, 0)
    fake.reset()
    bolt.command("log", user=REP_EN)  # known now: English straight away, nothing to redraw
    assert _opened_view(fake)["title"]["text"] == "Log interaction"
    assert fake.calls_to("views.update") == []


def test_free_text_prefills_customer_summary_action_and_due_in_chinese(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    galaxy = _customer(db, "星河科技")
    bolt.command("log 星河科技 拜访张总 下一步: 明天下午3点 发送报价", user=REP)
    view = _opened_view(fake)
    assert block(view, ids.LOG_CUSTOMER_BLOCK)["element"]["initial_option"]["value"] == f"c:{galaxy.id}"
    assert block(view, ids.LOG_SUMMARY_BLOCK)["element"]["initial_value"] == "拜访张总"
    assert block(view, ids.LOG_ACTION_BLOCK)["element"]["initial_value"] == "发送报价"
    assert block(view, ids.LOG_WAY_BLOCK)["element"]["initial_option"]["value"] == "visit"
    due = datetime.fromtimestamp(block(view, ids.LOG_DUE_BLOCK)["element"]["initial_date_time"], SHANGHAI)
    assert due == datetime.combine(datetime.now(SHANGHAI).date() + timedelta(days=1), time(15), SHANGHAI)


def test_free_text_prefills_in_english_in_the_users_zone(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    galaxy = _customer(db, "Galaxy Tech", owner=REP_EN)
    bolt.command("log Galaxy Tech demo done, next: friday 2pm send quote", user=REP_EN)
    view = _opened_view(fake)
    assert view["title"]["text"] == "Log interaction"
    assert block(view, ids.LOG_CUSTOMER_BLOCK)["element"]["initial_option"]["value"] == f"c:{galaxy.id}"
    assert block(view, ids.LOG_SUMMARY_BLOCK)["element"]["initial_value"] == "demo done"
    assert block(view, ids.LOG_ACTION_BLOCK)["element"]["initial_value"] == "send quote"
    assert block(view, ids.LOG_WAY_BLOCK)["element"]["initial_option"]["value"] == "meeting"
    today = datetime.now(NEW_YORK).date()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    due = datetime.fromtimestamp(block(view, ids.LOG_DUE_BLOCK)["element"]["initial_date_time"], NEW_YORK)
    assert due == datetime.combine(friday, time(14), NEW_YORK)


def test_unknown_customer_in_free_text_leaves_the_picker_empty(bolt, fake, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    bolt.command("log 不存在的公司 电话沟通", user=REP)
    view = _opened_view(fake)
    assert "initial_option" not in block(view, ids.LOG_CUSTOMER_BLOCK)["element"]
    assert block(view, ids.LOG_SUMMARY_BLOCK)["element"]["initial_value"] == "不存在的公司 电话沟通"
    assert block(view, ids.LOG_WAY_BLOCK)["element"]["initial_option"]["value"] == "phone"


def test_customer_type_ahead_finds_and_offers_a_new_one(bolt, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    galaxy = _customer(db, "星河科技")
    status, body, _ = bolt.interact(suggestion(user=REP, value="星河"))
    options = json.loads(body)["options"]
    assert status == 200
    assert options[0] == {"text": {"type": "plain_text", "text": f"星河科技 · {galaxy.code}", "emoji": True}, "value": f"c:{galaxy.id}"}
    assert options[-1]["value"] == "n:星河" and options[-1]["text"]["text"] == "➕ 新建客户：星河"
    _, body, _ = bolt.interact(suggestion(user=REP, value="星河科技"))
    assert [o["value"] for o in json.loads(body)["options"]] == [f"c:{galaxy.id}"]


def _submit(bolt, *, user=REP, **fields):
    # the submitter's own today (New York's for REP_EN): Shanghai's is a day later from 16:00 UTC, which the form refuses
    today = (bolt.now or datetime.now(timezone.utc)).astimezone(NEW_YORK if user == REP_EN else SHANGHAI).date()
    state = dict(customer="n:星河科技", day=today, summary="拜访张总，演示了新版本", action="发送报价",
                 due=datetime.now(timezone.utc) + timedelta(days=1), owner=user)
    state.update(fields)
    return bolt.interact(view_submission(user=user, callback_id=ids.LOG_VIEW, values=log_state(**state)))


def test_submit_saves_everything_and_confirms_in_the_reps_zone(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    due = datetime(2031, 3, 4, 7, 30, tzinfo=timezone.utc)  # 15:30 in Shanghai
    status, body, _ = _submit(bolt, due=due, participants="张总", feedback="价格偏高")
    assert (status, body) == (200, b"")
    with transaction(db) as s:
        customer = s.exec(select(Customer)).one()
        interaction = s.exec(select(Interaction)).one()
        action = s.exec(select(NextAction)).one()
    assert customer.name == "星河科技" and customer.owner_id == REP and customer.code.startswith("C")
    assert (interaction.summary, interaction.feedback, interaction.participants, interaction.way) == ("拜访张总，演示了新版本", "价格偏高", "张总", "visit")
    assert (action.title, action.due_at, action.owner_id, action.interaction_id) == ("发送报价", due, REP, interaction.id)
    sent = fake.wait_for("chat.postMessage")[0].params
    assert sent["channel"] == REP
    text = json.dumps(sent["blocks"], ensure_ascii=False)
    assert "星河科技" in text and "发送报价" in text and "2031年3月4日周二 15:30" in text and customer.code in text


def test_english_confirmation_uses_english_and_new_york_time(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    _submit(bolt, user=REP_EN, customer="n:Galaxy Tech", due=datetime(2031, 3, 4, 19, 0, tzinfo=timezone.utc))
    text = json.dumps(fake.wait_for("chat.postMessage")[0].params["blocks"], ensure_ascii=False)
    assert "Logged your interaction with *Galaxy Tech*" in text and "Tue, Mar 4, 2031, 2:00\u202fPM" in text


def test_invalid_fields_come_back_on_the_modal_and_nothing_is_saved(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    status, body, _ = _submit(bolt, summary="长" * 2001, due=datetime.now(timezone.utc) - timedelta(hours=1),
                              day=datetime.now(SHANGHAI).date() + timedelta(days=5))
    answer = json.loads(body)
    assert status == 200 and answer["response_action"] == "errors"
    assert answer["errors"] == {
        ids.LOG_SUMMARY_BLOCK: "最多 2000 个字，现在是 2001 个。",
        ids.LOG_DUE_BLOCK: "截止时间要在将来。",
        ids.LOG_DATE_BLOCK: "日期不能晚于今天。",
    }
    with transaction(db) as s:
        assert s.exec(select(Customer)).all() == [] and s.exec(select(NextAction)).all() == []
    assert fake.calls_to("chat.postMessage") == []


def test_english_errors_and_a_customer_that_vanished(bolt, remember):
    remember(REP_EN, "America/New_York", "en-US")
    _, body, _ = _submit(bolt, user=REP_EN, customer="c:424242", action="")
    assert json.loads(body)["errors"] == {ids.LOG_ACTION_BLOCK: "This is required."}
    _, body, _ = _submit(bolt, user=REP_EN, customer="c:424242")
    assert json.loads(body)["errors"] == {ids.LOG_CUSTOMER_BLOCK: "That customer no longer exists; search again."}


def test_markup_in_user_text_is_shown_not_obeyed(bolt, fake, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    _submit(bolt, customer="n:<!channel> *Acme*", action="ping <@U0BOSS0003> & co")
    sent = fake.wait_for("chat.postMessage")[0].params
    blob = json.dumps(sent["blocks"], ensure_ascii=False) + sent["text"]
    assert "<!channel>" not in blob and "&lt;!channel&gt;" in blob and "<@U0BOSS0003>" not in blob


def test_giving_the_action_to_someone_else_tells_them(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    _submit(bolt, owner=BOSS)
    posts = fake.wait_for("chat.postMessage", count=2)
    to_boss = next(c.params for c in posts if c.params["channel"] == BOSS)
    text = json.dumps(to_boss["blocks"], ensure_ascii=False)
    assert f"<@{REP}> 给你安排了一项下一步行动" in text and "发送报价" in text
    assert {e["action_id"] for e in to_boss["blocks"][-1]["elements"]} == {ids.DUE_DONE, ids.DUE_SNOOZE, ids.DUE_TOMORROW, ids.DUE_RESCHEDULE}


def test_when_slack_refuses_views_open_the_user_is_told(bolt, fake, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    fake.fail_next("views.open", error="expired_trigger_id")
    bolt.command("log", user=REP)
    reply = fake.wait_for("response_url:cmd")[0].params
    assert reply["response_type"] == "ephemeral" and "expired_trigger_id" in reply["text"] and "Slack" in reply["text"]


def test_help_and_unknown_subcommands(bolt, fake, remember):
    remember(REP_EN, "America/New_York", "en-US")
    bolt.command("frobnicate <!here>", user=REP_EN)
    reply = fake.wait_for("response_url:cmd")[0].params["text"]
    assert "I don't know the subcommand `frobnicate`" in reply and "/crm log" in reply and "<!here>" not in reply
    fake.reset()
    bolt.command("", user=REP)
    assert "可用的命令" in fake.wait_for("response_url:cmd")[0].params["text"]


def test_requests_with_a_bad_or_stale_signature_are_rejected(bolt, fake):
    from urllib.parse import urlencode

    from tests.bolt_server import payload, sign

    fields = payload("slash_command")
    fields.update(text="log", response_url=fake.response_url("cmd"))
    body = urlencode(fields).encode()
    assert bolt.post(body, sign(body, secret="wrong-secret"))[0] == 401
    stale = int(datetime.now(timezone.utc).timestamp()) - 600
    assert bolt.post(body, sign(body, timestamp=stale))[0] == 401
    assert bolt.post(body, {})[0] == 401
    assert bolt.post(body, sign(body))[0] == 200
    fake.wait_for("views.open")
    assert len(fake.calls_to("views.open")) == 1


def test_someone_elses_customer_is_not_offered_and_cannot_be_logged_on(bolt, fake, db, remember):
    from store.users import set_manager, set_role

    remember(REP_EN, "America/New_York", "en-US")
    theirs = _customer(db, "星河科技", owner=REP)
    _, body, _ = bolt.interact(suggestion(user=REP_EN, value="星河"))
    assert [o["value"] for o in json.loads(body)["options"]] == ["n:星河"]
    _, body, _ = _submit(bolt, user=REP_EN, customer=f"c:{theirs.id}")
    assert json.loads(body)["errors"] == {
        ids.LOG_CUSTOMER_BLOCK: f"That customer belongs to <@{REP}>; you cannot log on it. Ask the owner or their manager."}
    with transaction(db) as s:
        assert s.exec(select(Interaction)).all() == []
        set_manager(session=s, user_id=REP, manager_id=BOSS)  # BOSS manages REP: may log on REP's customers
        set_role(session=s, user_id=BOSS, role="manager")
    remember(BOSS, "Asia/Shanghai", "zh-CN")
    status, body, _ = _submit(bolt, user=BOSS, customer=f"c:{theirs.id}")
    assert (status, body) == (200, b"")
    with transaction(db) as s:
        assert [i.author_id for i in s.exec(select(Interaction))] == [BOSS]


def test_free_text_does_not_prefill_a_customer_the_rep_may_not_read(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    _customer(db, "Galaxy Tech", owner=REP)
    bolt.command("log Galaxy Tech demo done", user=REP_EN)
    assert "initial_option" not in block(_opened_view(fake), ids.LOG_CUSTOMER_BLOCK)["element"]


def test_a_date_more_than_a_year_back_is_refused_in_the_reps_language(bolt, fake, db, remember):
    """1970-01-01 or a wrong year was saved and counted in figures long closed; a year back, by the
    rep's own today, is the earliest (28 February for a 29th)."""
    remember(REP_EN, "America/New_York", "en-US")
    remember(REP, "Asia/Shanghai", "zh-CN")
    bolt.now = datetime(2026, 12, 7, 20, 0, tzinfo=NEW_YORK)  # 09:00 on 8 December in Shanghai
    due = datetime(2026, 12, 20, 14, 0, tzinfo=timezone.utc)
    for user, day, said in (
            (REP_EN, date(1970, 1, 1), "The date can be at most a year ago (Dec 7, 2025); a customer's older history comes in "
                                       "with the CSV import."),
            (REP_EN, date(2025, 12, 6), "The date can be at most a year ago (Dec 7, 2025); a customer's older history comes in "
                                        "with the CSV import."),
            (REP, date(2025, 12, 7), "日期最早只能是一年前（2025年12月8日）；更早的客户记录请用 CSV 导入。")):
        status, body, _ = _submit(bolt, user=user, customer="n:Galaxy Tech", day=day, due=due)
        assert (status, json.loads(body)) == (200, {"response_action": "errors", "errors": {ids.LOG_DATE_BLOCK: said}})
    with transaction(db) as s:
        assert s.exec(select(Interaction)).all() == [] and s.exec(select(Customer)).all() == []
    assert _submit(bolt, user=REP_EN, customer="n:Galaxy Tech", day=date(2025, 12, 7), due=due)[:2] == (200, b"")
    assert _submit(bolt, user=REP, day=date(2025, 12, 8), due=due)[:2] == (200, b"")
    assert earliest_day(datetime(2028, 2, 29, 12, tzinfo=timezone.utc), Profile(user_id=REP, tz="UTC", locale="en")) == date(2027, 2, 28)


def test_a_date_after_the_reps_own_today_is_refused_in_their_language(bolt, fake, db, remember):
    """'Today' is the author's: at 20:00 in New York (01:00 next day in UTC) tomorrow is refused,
    though it is today in UTC; in Shanghai at 07:30 (23:30 the day before in UTC) today is taken."""
    remember(REP_EN, "America/New_York", "en-US")
    remember(REP, "Asia/Shanghai", "zh-CN")
    bolt.now = datetime(2026, 12, 7, 20, 0, tzinfo=NEW_YORK)
    due = datetime(2026, 12, 9, 14, 0, tzinfo=timezone.utc)
    status, body, _ = _submit(bolt, user=REP_EN, customer="n:Galaxy Tech", day=date(2026, 12, 8), due=due)
    assert status == 200
    assert json.loads(body) == {"response_action": "errors", "errors": {ids.LOG_DATE_BLOCK: "The date cannot be later than today."}}
    with transaction(db) as s:
        assert s.exec(select(Interaction)).all() == [] and s.exec(select(Customer)).all() == []
    status, body, _ = _submit(bolt, user=REP_EN, customer="n:Galaxy Tech", day=date(2026, 12, 7), due=due)
    assert (status, body) == (200, b"")

    bolt.now = datetime(2026, 12, 8, 7, 30, tzinfo=SHANGHAI)
    status, body, _ = _submit(bolt, user=REP, day=date(2026, 12, 9), due=due)
    assert json.loads(body)["errors"] == {ids.LOG_DATE_BLOCK: "日期不能晚于今天。"}
    status, body, _ = _submit(bolt, user=REP, day=date(2026, 12, 8), due=due)
    assert (status, body) == (200, b"")
    with transaction(db) as s:
        days = sorted((i.occurred_on, i.logged_on) for i in s.exec(select(Interaction)))
    assert days == [(date(2026, 12, 7), date(2026, 12, 7)), (date(2026, 12, 8), date(2026, 12, 8))]
