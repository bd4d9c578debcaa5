"""handlers/numbers.py: Babel (CLDR) numbers, money and durations per reader locale. The texts
they appear in are checked through the Bolt app (test_deals_ui, test_figure_cards, test_digests,
test_customers_ui); these pin the pieces, including locales Slack may send that Babel does not know."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from handlers.numbers import cldr_locale, decimal, duration, money, percent, whole


@pytest.mark.parametrize("locale, cny, usd, jpy", [
    ("zh-CN", "¥100,000.00", "US$1,200.00", "JP¥1,500,000"),
    ("en", "CN¥100,000.00", "$1,200.00", "¥1,500,000"),
    ("en-US", "CN¥100,000.00", "$1,200.00", "¥1,500,000"),
    ("en-GB", "CN¥100,000.00", "US$1,200.00", "JP¥1,500,000"),
    ("de-DE", "100.000,00\u00a0CN¥", "1.200,00\u00a0$", "1.500.000\u00a0¥"),
])
def test_money_in_the_readers_locale(locale, cny, usd, jpy):
    assert [money(Decimal("100000"), "CNY", locale), money(Decimal("1200"), "USD", locale),
            money(Decimal("1500000"), "JPY", locale)] == [cny, usd, jpy]


def test_locales_babel_does_not_know_fall_back_to_the_texts_language():
    assert [str(cldr_locale(x)) for x in (None, "", "zh-CN", "zh-TW", "en-US", "xx-YY", "zh-??", "<b>", "en_US\n")] == [
        "en", "en", "zh_Hans_CN", "zh_Hant_TW", "en_US", "en", "zh_Hans_CN", "en", "en"]
    assert money(Decimal("1"), " usd ", "zh-CN") == "US$1.00" and money(Decimal("1"), "", "zh-CN") == "¥1.00"


def test_counts_decimals_and_percentages():
    assert [whole(1200, "zh-CN"), whole(1200, "en"), whole(1200, "de-DE")] == ["1,200", "1,200", "1.200"]
    assert [decimal(12.5, "en"), decimal(-100, "en"), decimal(12.25, "de-DE", 2)] == ["12.5", "-100.0", "12,25"]
    assert [percent(12.5, "zh-CN"), percent(0, "en"), percent(100, "en"), percent(12.5, "de-DE")] == [
        "12.5%", "0.0%", "100.0%", "12,5%"]


@pytest.mark.parametrize("span, zh, en", [
    (timedelta(days=2, hours=5, minutes=59), "2天5小时", "2 days 5 hours"),
    (timedelta(days=7), "7天", "7 days"),  # not "1 week", as format_timedelta would say
    (timedelta(days=400, hours=1), "400天1小时", "400 days 1 hour"),
    (timedelta(hours=1, minutes=30), "1小时30分钟", "1 hour 30 minutes"),
    (timedelta(minutes=1, seconds=59), "1分钟", "1 minute"),
    (timedelta(seconds=40), "40秒钟", "40 seconds"),
    (timedelta(0), "0秒钟", "0 seconds"),
    (timedelta(seconds=-5), "0秒钟", "0 seconds"),
])
def test_durations_in_whole_units_with_plural_forms(span, zh, en):
    assert (duration(span, "zh-CN"), duration(span, "en-US")) == (zh, en)
