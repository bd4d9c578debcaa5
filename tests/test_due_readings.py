"""Due-time fields show what they understood before saving, offer the other reading of words that
have two ("下周三" said on a Sunday, "next Wednesday" said on a Monday, "2/3" without a locale that
orders day and month), show both clocks for a zone named in the text ("9am PST"), and read
"15/2" style dates by the user's locale.  Through the Bolt app and the fake Slack, in zh-CN and en."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from handlers import ids
from handlers.delivery.jobs import tick
from store.customers import create_customer
from store.db import transaction
from store.interactions import log_interaction
from sqlmodel import select

from store.models import NextAction
from tests.bolt_server import payload
from tests.conftest import REP, REP_EN
from tests.flows import block, button, log_state, view_submission

SHANGHAI, NEW_YORK, LONDON = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York"), ZoneInfo("Europe/London")
SUNDAY = datetime(2026, 12, 6, 2, 0, tzinfo=timezone.utc)      # Sun 6 Dec 2026 10:00 in Shanghai
MONDAY_NY = datetime(2026, 12, 7, 14, 0, tzinfo=timezone.utc)  # Mon 7 Dec 2026 09:00 in New York
REP_GB = "U0REPGB003"


def _stamp(dt: datetime) -> int:
    return int(dt.timestamp())


def _open_reschedule(bolt, fake, db, *, owner: str, now: datetime) -> tuple[dict, dict, int]:
    """A due action in the owner's DM, its Reschedule… clicked: (the opened view as Slack holds
    it, its metadata, the action id)."""
    bolt.now = now
    with transaction(db) as s:
        action = log_interaction(session=s, author_id=owner, customer_id=None, new_customer_name="星河科技", way="phone",
                                 occurred_on=now.date(), summary="电话沟通需求", feedback="", participants="",
                                 action_title="发送报价", due_at=now + timedelta(minutes=5), action_owner_id=owner,
                                 now=now).action
    tick(client=bolt.client, db=bolt.db, defaults=bolt.defaults, now=action.due_at)
    sent = fake.wait_for("chat.postMessage")[0]
    bolt.interact(button(user=owner, action_id=ids.DUE_RESCHEDULE, value=str(action.id), channel=sent.response["channel"],
                         ts=sent.response["ts"], message=sent.params))
    opened = fake.wait_for("views.open")[0].response["view"]
    return opened, json.loads(opened["private_metadata"]), action.id


def _typed(text: str) -> dict:
    return {ids.RESCHEDULE_BLOCK: {ids.RESCHEDULE_WHEN: {"type": "plain_text_input", "value": text}}}


def _type(bolt, fake, *, user: str, view: dict, text: str, n: int) -> dict:
    """The user types `text` into the new-time field (Slack dispatches it): the modal as redrawn."""
    body = payload("block_actions")
    body["user"]["id"] = user
    body.pop("message", None)
    body.pop("channel", None)
    body["container"] = {"type": "view", "view_id": view["id"]}
    body["view"] = {**view, "state": {"values": _typed(text)}}
    body["actions"] = [{"type": "plain_text_input", "action_id": ids.RESCHEDULE_WHEN, "block_id": ids.RESCHEDULE_BLOCK,
                        "value": text, "action_ts": "1700000100.000200"}]
    bolt.interact(body)
    return fake.wait_for("views.update", count=n)[n - 1].params["view"]


def _context(view: dict, block_id: str) -> str:
    return block(view, block_id)["elements"][0]["text"]


def _pick_block(view: dict) -> dict | None:
    return next((b for b in view["blocks"] if str(b.get("block_id", "")).startswith(ids.RESCHEDULE_PICK_BLOCK + ".")), None)


def _submit(bolt, *, user: str, meta: dict, text: str, pick: tuple[str, int] | None = None):
    values = _typed(text)
    if pick is not None:
        block_id, stamp = pick
        values[block_id] = {ids.RESCHEDULE_PICK: {"type": "radio_buttons", "selected_option": {
            "text": {"type": "plain_text", "text": "x"}, "value": str(stamp)}}}
    _, body, _ = bolt.interact(view_submission(user=user, callback_id=ids.RESCHEDULE_VIEW, values=values, private_metadata=meta))
    return json.loads(body) if body else None


def _due(db, action_id: int) -> datetime:
    with transaction(db) as s:
        return s.get(NextAction, action_id).due_at


def test_reschedule_shows_what_xia_zhou_san_means_on_a_sunday_and_offers_the_other_wednesday(bolt, fake, db):
    view, meta, action_id = _open_reschedule(bolt, fake, db, owner=REP, now=SUNDAY)
    assert block(view, ids.RESCHEDULE_BLOCK)["dispatch_action"] is True
    before = _due(db, action_id)
    shown = _type(bolt, fake, user=REP, view=view, text="下周三", n=1)
    assert _context(shown, ids.RESCHEDULE_READ_BLOCK) == "= 2026年12月9日周三 09:00"
    nine, sixteen = datetime(2026, 12, 9, 9, tzinfo=SHANGHAI), datetime(2026, 12, 16, 9, tzinfo=SHANGHAI)
    pick = _pick_block(shown)
    assert pick["block_id"] == f"{ids.RESCHEDULE_PICK_BLOCK}.{_stamp(nine)}" and pick["label"]["text"] == "指的是哪一个？"
    assert [(o["text"]["text"], o["value"]) for o in pick["element"]["options"]] == [
        ("2026年12月9日周三 09:00", str(_stamp(nine))), ("2026年12月16日周三 09:00", str(_stamp(sixteen)))]
    assert pick["element"]["initial_option"]["value"] == str(_stamp(nine))

    # Saved without a choice for these words (typed fast, or a choice made for other words): both shown, nothing saved.
    for chosen in (None, (f"{ids.RESCHEDULE_PICK_BLOCK}.{_stamp(sixteen)}", _stamp(sixteen))):
        answer = _submit(bolt, user=REP, meta=meta, text="下周三", pick=chosen)
        assert answer["response_action"] == "update"
        again = _pick_block(answer["view"])
        assert again["label"]["text"] == "“下周三”有两种理解：选一个，再点保存。"
        assert block(answer["view"], ids.RESCHEDULE_BLOCK)["element"]["initial_value"] == "下周三"
        assert _context(answer["view"], ids.RESCHEDULE_READ_BLOCK) == "= 2026年12月9日周三 09:00"
        assert _due(db, action_id) == before
    assert _submit(bolt, user=REP, meta=meta, text="下周三", pick=(pick["block_id"], _stamp(sixteen))) is None
    assert _due(db, action_id) == sixteen
    update = fake.wait_for("chat.update")[0].params
    assert "已改期到 2026年12月16日周三 09:00" in json.dumps(update["blocks"], ensure_ascii=False)


def test_typing_in_a_reschedule_view_of_someone_elses_action_redraws_nothing(bolt, fake, db):
    view, meta, action_id = _open_reschedule(bolt, fake, db, owner=REP, now=SUNDAY)
    body = payload("block_actions")
    body["user"]["id"] = REP_EN
    body.pop("message", None)
    body.pop("channel", None)
    body["container"] = {"type": "view", "view_id": view["id"]}
    body["view"] = {**view, "state": {"values": _typed("下周三")}}
    body["actions"] = [{"type": "plain_text_input", "action_id": ids.RESCHEDULE_WHEN, "block_id": ids.RESCHEDULE_BLOCK,
                        "value": "下周三", "action_ts": "1700000100.000200"}]
    assert bolt.interact(body)[:2] == (200, b"")
    bolt.executor.shutdown(wait=True)
    assert fake.calls_to("views.update") == []


def test_reschedule_with_one_reading_saves_it_and_shows_both_clocks_for_a_named_zone(bolt, fake, db):
    view, meta, action_id = _open_reschedule(bolt, fake, db, owner=REP, now=SUNDAY)
    shown = _type(bolt, fake, user=REP, view=view, text="明天下午3点", n=1)
    assert _context(shown, ids.RESCHEDULE_READ_BLOCK) == "= 2026年12月7日周一 15:00" and _pick_block(shown) is None
    # Sun 10:00 in Shanghai is Sat 21:00 in New York: 下午3点 there is Sunday's, 04:00 Monday here.
    shown = _type(bolt, fake, user=REP, view=view, text="下午3点 纽约时间", n=2)
    assert _context(shown, ids.RESCHEDULE_READ_BLOCK) == "= 2026年12月7日周一 04:00（纽约时间 12月6日 15:00）"
    shown = _type(bolt, fake, user=REP, view=view, text="随便什么", n=3)
    assert not any(b.get("block_id") == ids.RESCHEDULE_READ_BLOCK for b in shown["blocks"])
    assert _submit(bolt, user=REP, meta=meta, text="下午3点 纽约时间") is None
    assert _due(db, action_id) == datetime(2026, 12, 6, 15, tzinfo=NEW_YORK)


def test_english_reschedule_next_wednesday_on_a_monday_and_9am_pst(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    view, meta, action_id = _open_reschedule(bolt, fake, db, owner=REP_EN, now=MONDAY_NY)
    shown = _type(bolt, fake, user=REP_EN, view=view, text="next Wednesday 3pm", n=1)
    assert _context(shown, ids.RESCHEDULE_READ_BLOCK) == "= Wed, Dec 16, 2026, 3:00\u202fPM"
    pick = _pick_block(shown)
    assert pick["label"]["text"] == "Which one do you mean?"
    assert [o["text"]["text"] for o in pick["element"]["options"]] == ["Wed, Dec 16, 2026, 3:00\u202fPM", "Wed, Dec 9, 2026, 3:00\u202fPM"]
    answer = _submit(bolt, user=REP_EN, meta=meta, text="next Wednesday 3pm")
    assert _pick_block(answer["view"])["label"]["text"] == "“next Wednesday 3pm” can mean two times: pick one, then Save."
    shown = _type(bolt, fake, user=REP_EN, view=view, text="9am PST", n=2)
    assert _context(shown, ids.RESCHEDULE_READ_BLOCK) == "= Mon, Dec 7, 2026, 12:00\u202fPM (9:00\u202fAM PST)"
    nine = datetime(2026, 12, 9, 15, tzinfo=NEW_YORK)
    assert _submit(bolt, user=REP_EN, meta=meta, text="next Wednesday 3pm", pick=(pick["block_id"], _stamp(nine))) is None
    assert _due(db, action_id) == nine
    assert "Rescheduled to Wed, Dec 9, 2026, 3:00\u202fPM" in json.dumps(fake.wait_for("chat.update")[0].params["blocks"], ensure_ascii=False)


def test_reschedule_reads_numeric_dates_by_the_users_locale(bolt, fake, db, remember):
    fake.add_user(REP_GB, tz="Europe/London", locale="en-GB", name="gb", real_name="Grace Brown")
    remember(REP_GB, "Europe/London", "en-GB")
    view, meta, action_id = _open_reschedule(bolt, fake, db, owner=REP_GB, now=MONDAY_NY)
    shown = _type(bolt, fake, user=REP_GB, view=view, text="3/2 10:00", n=1)
    assert _context(shown, ids.RESCHEDULE_READ_BLOCK) == "= Wed, 3 Feb 2027, 10:00" and _pick_block(shown) is None
    assert _submit(bolt, user=REP_GB, meta=meta, text="3/2 10:00") is None
    assert _due(db, action_id) == datetime(2027, 2, 3, 10, tzinfo=LONDON)


def test_reschedule_2_3_for_a_locale_that_does_not_order_day_and_month(bolt, fake, db, remember):
    fake.add_user(REP_GB, tz="Europe/London", locale="en", name="gb", real_name="Grace Brown")
    remember(REP_GB, "Europe/London", "en")
    view, meta, action_id = _open_reschedule(bolt, fake, db, owner=REP_GB, now=MONDAY_NY)
    shown = _type(bolt, fake, user=REP_GB, view=view, text="2/3", n=1)
    assert [o["text"]["text"] for o in _pick_block(shown)["element"]["options"]] == ["Wed, Feb 3, 2027, 9:00\u202fAM", "Tue, Mar 2, 2027, 9:00\u202fAM"]


# -- the /crm log modal: its due field prefilled from the words -----------------------------------

def _log_view(bolt, fake, *, user: str, text: str) -> dict:
    bolt.command(f"log {text}", user=user)
    return fake.wait_for("views.open")[0].response["view"]


def _due_shown(view: dict, zone) -> datetime:
    due = next(b for b in view["blocks"] if str(b.get("block_id", "")).startswith(ids.LOG_DUE_BLOCK)
               and b["type"] == "input")
    return datetime.fromtimestamp(due["element"]["initial_date_time"], zone)


def _click_other(bolt, fake, *, user: str, view: dict, n: int) -> dict:
    buttons = next(b for b in view["blocks"] if b["type"] == "actions" and b["block_id"].startswith(ids.LOG_DUE_READ_BLOCK))
    clicked = buttons["elements"][0]
    body = payload("block_actions")
    body["user"]["id"] = user
    body.pop("message", None)
    body.pop("channel", None)
    body["container"] = {"type": "view", "view_id": view["id"]}
    body["view"] = view
    body["actions"] = [{"type": "button", "action_id": clicked["action_id"], "block_id": buttons["block_id"],
                        "value": clicked["value"], "text": clicked["text"], "action_ts": "1700000100.000200"}]
    bolt.interact(body)
    return {**fake.wait_for("views.update", count=n)[n - 1].params["view"], "id": view["id"]}


def test_log_modal_shows_the_due_words_reading_and_swaps_to_the_other_one(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    bolt.now = SUNDAY
    with transaction(db) as s:
        customer = create_customer(session=s, name="星河科技", owner_id=REP, created_by=REP, now=SUNDAY)
    view = _log_view(bolt, fake, user=REP, text="星河科技 电话沟通需求 下一步：下周三 发报价")
    nine, sixteen = datetime(2026, 12, 9, 9, tzinfo=SHANGHAI), datetime(2026, 12, 16, 9, tzinfo=SHANGHAI)
    assert _due_shown(view, SHANGHAI) == nine
    assert _context(view, ids.LOG_DUE_READ_BLOCK) == "从你写的“下周三”读到： = 2026年12月9日周三 09:00\n也可能是 2026年12月16日周三 09:00"
    [use] = next(b for b in view["blocks"] if b["type"] == "actions")["elements"]
    assert (use["text"]["text"], use["value"]) == ("改用 2026年12月16日周三 09:00", str(_stamp(sixteen)))

    swapped = _click_other(bolt, fake, user=REP, view=view, n=1)
    due_block = f"{ids.LOG_DUE_BLOCK}.{_stamp(sixteen)}"
    assert block(swapped, due_block)["element"]["initial_date_time"] == _stamp(sixteen)
    assert _context(swapped, ids.LOG_DUE_READ_BLOCK) == "从你写的“下周三”读到： = 2026年12月16日周三 09:00\n也可能是 2026年12月9日周三 09:00"
    assert [b.get("block_id") for b in swapped["blocks"]].count(ids.LOG_OWNER_BLOCK) == 1
    assert block(swapped, ids.LOG_SUMMARY_BLOCK) == block(view, ids.LOG_SUMMARY_BLOCK)

    values = log_state(customer=f"{ids.CUSTOMER_EXISTING}{customer.id}", day=SUNDAY.date(), summary="电话沟通需求", action="发报价", due=sixteen, owner=REP)
    values[due_block] = values.pop(ids.LOG_DUE_BLOCK)
    _, body, _ = bolt.interact(view_submission(user=REP, callback_id=ids.LOG_VIEW, values=values,
                                               private_metadata=json.loads(swapped["private_metadata"])))
    assert body == b""
    with transaction(db) as s:
        assert [a.due_at for a in s.exec(select(NextAction))] == [sixteen]
    # An empty due field after the swap: the error sits on the field as it is now.
    values[due_block] = {ids.LOG_DUE: {"type": "datetimepicker", "selected_date_time": None}}
    _, body, _ = bolt.interact(view_submission(user=REP, callback_id=ids.LOG_VIEW, values=values, private_metadata={}))
    assert json.loads(body)["errors"] == {due_block: "这一项必填。"}


def test_log_modal_in_english_reads_the_locale_and_shows_both_clocks(bolt, fake, db, remember):
    fake.add_user(REP_GB, tz="Europe/London", locale="en-GB", name="gb", real_name="Grace Brown")
    remember(REP_GB, "Europe/London", "en-GB")
    bolt.now = MONDAY_NY
    with transaction(db) as s:
        create_customer(session=s, name="Acme", owner_id=REP_GB, created_by=REP_GB, now=MONDAY_NY)
    view = _log_view(bolt, fake, user=REP_GB, text="Acme call about renewal next: 3/2 send quote")
    assert _due_shown(view, LONDON) == datetime(2027, 2, 3, 9, tzinfo=LONDON)
    assert _context(view, ids.LOG_DUE_READ_BLOCK) == "From your words “3/2”: = Wed, 3 Feb 2027, 09:00"
    assert not any(b["type"] == "actions" for b in view["blocks"])
    fake.reset()
    view = _log_view(bolt, fake, user=REP_GB, text="Acme call about renewal next: send quote 4pm CET")
    assert _due_shown(view, LONDON) == datetime(2026, 12, 7, 15, tzinfo=LONDON)
    assert _context(view, ids.LOG_DUE_READ_BLOCK) == (
        "From your words “4pm CET”: = Mon, 7 Dec 2026, 15:00 (16:00 CET)")
    assert block(view, ids.LOG_ACTION_BLOCK)["element"]["initial_value"] == "send quote"


# -- the brief's three: 下周三 on a Sunday, 2/3 without a locale that orders it, 9am PST ------------

SUNDAY_NY = datetime(2026, 12, 6, 15, 0, tzinfo=timezone.utc)   # Sun 6 Dec 2026 10:00 in New York
FRIDAY_NY = datetime(2026, 12, 11, 13, 0, tzinfo=timezone.utc)  # Fri 11 Dec 2026 08:00 in New York


def _options(view: dict) -> list[str]:
    return [o["text"]["text"] for o in _pick_block(view)["element"]["options"]]


def test_english_reschedule_on_a_sunday_offers_both_wednesdays_and_saves_the_one_picked(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    view, meta, action_id = _open_reschedule(bolt, fake, db, owner=REP_EN, now=SUNDAY_NY)
    nine, sixteen = datetime(2026, 12, 9, 9, tzinfo=NEW_YORK), datetime(2026, 12, 16, 9, tzinfo=NEW_YORK)
    for n, words in enumerate(("下周三", "next Wednesday"), 1):
        shown = _type(bolt, fake, user=REP_EN, view=view, text=words, n=n)
        assert _context(shown, ids.RESCHEDULE_READ_BLOCK) == "= Wed, Dec 9, 2026, 9:00\u202fAM"
        assert _pick_block(shown)["label"]["text"] == "Which one do you mean?"
        assert _options(shown) == ["Wed, Dec 9, 2026, 9:00\u202fAM", "Wed, Dec 16, 2026, 9:00\u202fAM"]
    assert _submit(bolt, user=REP_EN, meta=meta, text="next Wednesday",
                   pick=(_pick_block(shown)["block_id"], _stamp(sixteen))) is None
    assert _due(db, action_id) == sixteen != nine
    assert "Rescheduled to Wed, Dec 16, 2026, 9:00\u202fAM" in json.dumps(fake.wait_for("chat.update")[0].params["blocks"], ensure_ascii=False)


def test_9am_pst_shows_the_readers_clock_and_pacific_time_in_both_languages(bolt, fake, db, remember):
    # Sunday 10:00 in Shanghai is Saturday 18:00 in Los Angeles: 9am PST is Sunday's, 01:00 Monday here.
    view, meta, action_id = _open_reschedule(bolt, fake, db, owner=REP, now=SUNDAY)
    shown = _type(bolt, fake, user=REP, view=view, text="下午3点 北京时间", n=1)
    assert _context(shown, ids.RESCHEDULE_READ_BLOCK) == "= 2026年12月6日周日 15:00"   # Beijing's clock is hers
    shown = _type(bolt, fake, user=REP, view=view, text="9am PST", n=2)
    assert _context(shown, ids.RESCHEDULE_READ_BLOCK) == "= 2026年12月7日周一 01:00（PST 12月6日 09:00）"
    assert _pick_block(shown) is None
    assert _submit(bolt, user=REP, meta=meta, text="9am PST") is None
    assert _due(db, action_id) == datetime(2026, 12, 6, 9, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert "已改期到 2026年12月7日周一 01:00" in json.dumps(fake.wait_for("chat.update")[0].params["blocks"], ensure_ascii=False)


def test_2_3_with_a_zone_offers_both_dates_each_with_both_clocks(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en")
    view, meta, action_id = _open_reschedule(bolt, fake, db, owner=REP_EN, now=SUNDAY_NY)
    shown = _type(bolt, fake, user=REP_EN, view=view, text="2/3 9am PST", n=1)
    assert _context(shown, ids.RESCHEDULE_READ_BLOCK) == "= Wed, Feb 3, 2027, 12:00\u202fPM (9:00\u202fAM PST)"
    assert _options(shown) == ["Wed, Feb 3, 2027, 12:00\u202fPM (9:00\u202fAM PST)", "Tue, Mar 2, 2027, 12:00\u202fPM (9:00\u202fAM PST)"]
    march = datetime(2027, 3, 2, 9, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert _submit(bolt, user=REP_EN, meta=meta, text="2/3 9am PST", pick=(_pick_block(shown)["block_id"], _stamp(march))) is None
    assert _due(db, action_id) == march


def test_a_weekday_naming_today_said_in_the_morning_offers_today(bolt, fake, db, remember):
    remember(REP_EN, "America/New_York", "en-US")
    view, meta, action_id = _open_reschedule(bolt, fake, db, owner=REP_EN, now=FRIDAY_NY)
    shown = _type(bolt, fake, user=REP_EN, view=view, text="friday 3pm", n=1)
    assert _context(shown, ids.RESCHEDULE_READ_BLOCK) == "= Fri, Dec 18, 2026, 3:00\u202fPM"
    assert _options(shown) == ["Fri, Dec 18, 2026, 3:00\u202fPM", "Fri, Dec 11, 2026, 3:00\u202fPM"]
    today = datetime(2026, 12, 11, 15, tzinfo=NEW_YORK)
    assert _submit(bolt, user=REP_EN, meta=meta, text="friday 3pm", pick=(_pick_block(shown)["block_id"], _stamp(today))) is None
    assert _due(db, action_id) == today


def test_log_modal_2_3_for_an_unordered_locale_swaps_to_the_second_of_march_and_saves_it(bolt, fake, db, remember):
    fake.add_user(REP_GB, tz="Europe/London", locale="en", name="gb", real_name="Grace Brown")
    remember(REP_GB, "Europe/London", "en")
    bolt.now = MONDAY_NY
    with transaction(db) as s:
        customer = create_customer(session=s, name="Acme", owner_id=REP_GB, created_by=REP_GB, now=MONDAY_NY)
    view = _log_view(bolt, fake, user=REP_GB, text="Acme call about renewal next: 2/3 send quote")
    feb, march = datetime(2027, 2, 3, 9, tzinfo=LONDON), datetime(2027, 3, 2, 9, tzinfo=LONDON)
    assert _due_shown(view, LONDON) == feb
    assert _context(view, ids.LOG_DUE_READ_BLOCK) == (
        "From your words “2/3”: = Wed, Feb 3, 2027, 9:00\u202fAM\nIt could also mean Tue, Mar 2, 2027, 9:00\u202fAM")
    [use] = next(b for b in view["blocks"] if b["type"] == "actions")["elements"]
    assert use["text"]["text"] == "Use Tue, Mar 2, 2027, 9:00\u202fAM"
    swapped = _click_other(bolt, fake, user=REP_GB, view=view, n=1)
    assert _due_shown(swapped, LONDON) == march
    values = log_state(customer=f"{ids.CUSTOMER_EXISTING}{customer.id}", day=MONDAY_NY.date(), summary="call about renewal",
                       action="send quote", due=march, owner=REP_GB)
    values[f"{ids.LOG_DUE_BLOCK}.{_stamp(march)}"] = values.pop(ids.LOG_DUE_BLOCK)
    _, body, _ = bolt.interact(view_submission(user=REP_GB, callback_id=ids.LOG_VIEW, values=values,
                                               private_metadata=json.loads(swapped["private_metadata"])))
    assert body == b""
    with transaction(db) as s:
        assert [a.due_at for a in s.exec(select(NextAction))] == [march]


def test_log_modal_in_chinese_offers_tonight_for_8_dian_and_shows_pacific_time(bolt, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    bolt.now = SUNDAY
    with transaction(db) as s:
        create_customer(session=s, name="星河科技", owner_id=REP, created_by=REP, now=SUNDAY)
    view = _log_view(bolt, fake, user=REP, text="星河科技 电话沟通需求 下一步：8点 发报价")
    assert _due_shown(view, SHANGHAI) == datetime(2026, 12, 7, 8, tzinfo=SHANGHAI)
    assert _context(view, ids.LOG_DUE_READ_BLOCK) == "从你写的“8点”读到： = 2026年12月7日周一 08:00\n也可能是 2026年12月6日周日 20:00"
    swapped = _click_other(bolt, fake, user=REP, view=view, n=1)
    assert _due_shown(swapped, SHANGHAI) == datetime(2026, 12, 6, 20, tzinfo=SHANGHAI)
    fake.reset()
    view = _log_view(bolt, fake, user=REP, text="星河科技 电话沟通需求 下一步：发报价 9am PST")
    assert _due_shown(view, SHANGHAI) == datetime(2026, 12, 7, 1, tzinfo=SHANGHAI)
    assert _context(view, ids.LOG_DUE_READ_BLOCK) == "从你写的“9am PST”读到： = 2026年12月7日周一 01:00（PST 12月6日 09:00）"
    assert block(view, ids.LOG_ACTION_BLOCK)["element"]["initial_value"] == "发报价"


def test_log_modal_says_when_the_next_step_words_gave_no_future_time_and_the_due_is_the_default(bolt, fake, db, remember):
    """A day that does not exist, a past time or no time at all after "下一步:" / "next:": the due
    field keeps its default (tomorrow 09:00), and a line under it says so, rather than leaving the
    rep to notice that "2月30日 发报价" falls due tomorrow. Words that read stay as before."""
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    bolt.now = SUNDAY
    with transaction(db) as s:
        create_customer(session=s, name="星河科技", owner_id=REP, created_by=REP, now=SUNDAY)
        create_customer(session=s, name="Galaxy Tech", owner_id=REP_EN, created_by=REP_EN, now=SUNDAY)
    cases = [
        (REP, SHANGHAI, "星河科技 拜访张总 下一步：2月30日 发报价", "2月30日 发报价",
         "没能从下一步的“2月30日 发报价”里读出将来的时间：下面的到期时间是默认的 2026年12月7日周一 09:00，保存前请确认。"),
        (REP, SHANGHAI, "星河科技 拜访张总 下一步: <!channel> *发报价*", "channel *发报价*",
         "没能从下一步的“channel *发报价*”里读出将来的时间：下面的到期时间是默认的 2026年12月7日周一 09:00，保存前请确认。"),
        (REP_EN, NEW_YORK, "Galaxy Tech demo done, next: yesterday 3pm call", "yesterday 3pm call",
         "No future time in your next-step words “yesterday 3pm call”: the due time below is the default, "
         "Sun, Dec 6, 2026, 9:00\u202fAM. Check it before saving."),
        (REP_EN, NEW_YORK, "Galaxy Tech demo done, next: 32/13/2026 call", "32/13/2026 call",
         "No future time in your next-step words “32/13/2026 call”: the due time below is the default, "
         "Sun, Dec 6, 2026, 9:00\u202fAM. Check it before saving."),
    ]
    for user, zone, text, action, said in cases:
        fake.reset()
        view = _log_view(bolt, fake, user=user, text=text)
        assert _due_shown(view, zone) == datetime(2026, 12, 7 if zone is SHANGHAI else 6, 9, tzinfo=zone)  # 21:00 Saturday in New York
        assert block(view, ids.LOG_ACTION_BLOCK)["element"]["initial_value"] == action
        assert _context(view, ids.LOG_DUE_READ_BLOCK) == said
        assert not any(b["type"] == "actions" for b in view["blocks"])
    fake.reset()
    view = _log_view(bolt, fake, user=REP, text="星河科技 电话沟通需求 下一步：下周三 发报价")  # read: no such line
    assert _context(view, ids.LOG_DUE_READ_BLOCK).startswith("从你写的“下周三”读到：")
    fake.reset()
    view = _log_view(bolt, fake, user=REP, text="星河科技 电话沟通需求")  # no next step written: nothing to say
    assert all(b.get("block_id") != ids.LOG_DUE_READ_BLOCK for b in view["blocks"])
