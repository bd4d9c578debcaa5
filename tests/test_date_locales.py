"""Dates as each reader's Slack locale writes them (Babel, CLDR; handlers/showdates.py), through the
Bolt app: four people whose locale and zone the bot learns from users.info on the fake Slack (none is
stored beforehand) read the same customer card, their quiet hours and a digest schedule. en-US reads
US order and a 12-hour clock, en-GB British order, zh-CN Chinese, zh-TW traditional weekdays and
CLDR's 12-hour clock for Taiwan; nothing in the code names a locale."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from handlers import showdates as show
from store.customers import create_customer
from store.db import transaction
from store.deals import create_deal
from store.interactions import log_interaction
from store.permissions import Viewer
from store.users import set_role

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=SH)
DUE = datetime(2030, 1, 7, 7, 0, tzinfo=timezone.utc)   # a Monday: 15:00 in Shanghai and Taipei, 07:00 in London, 02:00 in New York
OWNER = "U0DATEOWN1"

READERS = {  # user -> (zone, Slack locale)
    "U0DATEUS01": ("America/New_York", "en-US"),
    "U0DATEGB01": ("Europe/London", "en-GB"),
    "U0DATECN01": ("Asia/Shanghai", "zh-CN"),
    "U0DATETW01": ("Asia/Taipei", "zh-TW"),
}

# what each reads on the card: the stage's "since" day, the open action's due time (in the reader's
# zone), the interaction's day, the deal's expected close
CARD = {
    "en-US": ["Lead · To nurture (since Nov 15, 2026)", "• 发送报价 · Mon, Jan 7, 2030, 2:00\u202fAM · <@U0DATEOWN1>",
              "• Nov 16, 2026 Visit: 拜访", "(expected Dec 31, 2026)"],
    "en-GB": ["Lead · To nurture (since 16 Nov 2026)", "• 发送报价 · Mon, 7 Jan 2030, 07:00 · <@U0DATEOWN1>",
              "• 16 Nov 2026 Visit: 拜访", "(expected 31 Dec 2026)"],
    "zh-CN": ["线索期 · 待培育（自 2026年11月16日）", "• 发送报价 · 2030年1月7日周一 15:00 · <@U0DATEOWN1>",
              "• 2026年11月16日 拜访：拜访", "（预计 2026年12月31日 成交）"],
    "zh-TW": ["线索期 · 待培育（自 2026年11月16日）", "• 发送报价 · 2030年1月7日週一 下午3:00 · <@U0DATEOWN1>",
              "• 2026年11月16日 拜访：拜访", "（预计 2026年12月31日 成交）"],
}


@pytest.fixture
def readers(fake, db):
    for user, (tz, locale) in READERS.items():
        fake.add_user(user, tz=tz, locale=locale, name=user.lower(), real_name=user)
    with transaction(db) as s:
        for user in READERS:
            set_role(session=s, user_id=user, role="admin")   # every one may read the card in full
    return READERS


def _customer(db) -> str:
    owner = Viewer(id=OWNER)
    with transaction(db) as s:
        c = create_customer(session=s, name="星河科技", owner_id=OWNER, created_by=OWNER, now=NOW)
        log_interaction(session=s, author_id=OWNER, customer_id=c.id, new_customer_name=None, way="visit",
                        occurred_on=date(2026, 11, 16), summary="拜访", feedback="", participants="",
                        action_title="发送报价", due_at=DUE, action_owner_id=OWNER, now=NOW)
        create_deal(session=s, viewer=owner, customer_id=c.id, title="MES", amount="1000", now=NOW,
                    expected_close_on=date(2026, 12, 31))
        return c.code


def _said(bolt, fake, words: str, user: str) -> dict:
    fake.reset()
    bolt.command(words, user=user)
    return fake.wait_for("response_url:cmd")[0].params


@pytest.mark.parametrize("user", list(READERS))
def test_a_card_writes_dates_as_the_readers_locale_does(bolt, fake, db, readers, user):
    code = _customer(db)
    text = "\n".join(b["text"]["text"] for b in _said(bolt, fake, f"show {code}", user)["blocks"] if b["type"] == "section")
    for expected in CARD[readers[user][1]]:
        assert expected in text, (expected, text)


@pytest.mark.parametrize("user, set_, now", [
    ("U0DATEUS01", "Done: non-urgent alerts wait out 10:00\u202fPM\u2009–\u20097:30\u202fAM (America/New_York).",
     "Your quiet hours: 10:00\u202fPM\u2009–\u20097:30\u202fAM (America/New_York)."),
    ("U0DATEGB01", "Done: non-urgent alerts wait out 22:00–07:30 (Europe/London).", "Your quiet hours: 22:00–07:30 (Europe/London)."),
    ("U0DATECN01", "好的，22:00–07:30（Asia/Shanghai）期间的非紧急提醒会等到结束后再发。", "你的免打扰时段：22:00–07:30（Asia/Shanghai）。"),
    ("U0DATETW01", "好的，晚上10:00\u2009–\u2009清晨7:30（Asia/Taipei）期间的非紧急提醒会等到结束后再发。", "你的免打扰时段：晚上10:00\u2009–\u2009清晨7:30（Asia/Taipei）。"),
])
def test_quiet_hours_read_on_the_readers_clock(bolt, fake, readers, user, set_, now):
    assert _said(bolt, fake, "quiet 22:00-07:30", user)["text"] == set_
    assert _said(bolt, fake, "quiet", user)["text"].startswith(now)


@pytest.mark.parametrize("locale, moment, day, clock", [
    ("en-US", "Mon, Nov 23, 2026, 3:00\u202fPM", "Nov 23, 2026", "9:00\u202fAM"),
    ("en-GB", "Mon, 23 Nov 2026, 15:00", "23 Nov 2026", "09:00"),
    ("zh-CN", "2026年11月23日周一 15:00", "2026年11月23日", "09:00"),
    ("zh-TW", "2026年11月23日週一 下午3:00", "2026年11月23日", "上午9:00"),
    ("de-DE", "Mo., 23. Nov. 2026, 15:00", "23. Nov. 2026", "09:00"),   # a locale with no texts: its dates are still its own
])
def test_the_pieces_per_locale(locale, moment, day, clock):
    when = datetime(2026, 11, 23, 7, 0, tzinfo=timezone.utc)
    assert (show.moment(when, locale, SH), show.day(when.date(), locale), show.clock(time(9), locale)) == (moment, day, clock)
    # the same instant in another zone is another text (the cache is keyed by the local time, not the instant)
    assert show.moment(when, locale, ZoneInfo("UTC")) != moment


def test_quarters_months_and_chart_days():
    first = date(2026, 10, 1)
    assert [show.quarter(first, x) for x in ("zh-CN", "zh-TW", "en-US")] == ["2026年第4季度", "2026年第4季", "Q4 2026"]
    assert [show.month(first, x) for x in ("zh-CN", "en-GB")] == ["2026年10月", "October 2026"]
    assert [show.month_day(first + timedelta(days=22), x) for x in ("zh-CN", "en-US", "en-GB")] == ["10月23日", "Oct 23", "23 Oct"]
    assert show.days(date(2026, 10, 26), date(2026, 11, 1), "en-GB", year=False) == "26 Oct\u2009–\u20091 Nov"
