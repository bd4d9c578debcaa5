"""Chinese: the date rules (明天, 下周二, 12月5日, 三天后 ...), the parts of day and the clock (3点半)."""
from __future__ import annotations

import re
from datetime import date, timedelta

from .common import (
    CN_NUM, CNT, NUM, DateRule, DateSpec, TimeSpec, add_months, alt, date_rule, days_ahead, first_not_past,
    last_day, month_end, month_first, month_last, next_day_of_month, next_month_day, number, relative,
    nth_weekday, safe_date, week_day, zero_padded,
)
from .festivals import FESTIVALS, after_holiday

DATE_RULES: list[DateRule] = []

PERIODS = {
    "凌晨": "early", "半夜": "early", "深夜": "night", "清晨": "morning", "早上": "morning",
    "早晨": "morning", "一早": "morning", "上午": "morning", "中午": "noon", "午后": "afternoon",
    "下午": "afternoon", "傍晚": "evening", "晚上": "night", "晚间": "night", "夜里": "night",
    "夜晚": "night", "夜间": "night",
    # Cantonese
    "朝早": "morning", "上昼": "morning", "晏昼": "afternoon", "下昼": "afternoon", "晚黑": "night",
    "夜晚黑": "night", "挨晚": "evening",
}

_DAYWORDS = {
    "今天": (0, None), "今日": (0, None), "今儿": (0, None),
    "明天": (1, None), "明日": (1, None), "明儿": (1, None),
    "后天": (2, None), "大后天": (3, None),
    "今晚": (0, "night"), "今夜": (0, "night"), "明晚": (1, "night"),
    "今早": (0, "morning"), "今晨": (0, "morning"), "明早": (1, "morning"), "明晨": (1, "morning"),
    # Cantonese
    "听日": (1, None), "后日": (2, None), "大后日": (3, None), "听朝": (1, "morning"), "听晚": (1, "night"),
    "今朝": (0, "morning"), "今晚黑": (0, "night"), "听晚黑": (1, "night"),
}
_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6,
            "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_WEEK_PREFIX = {"下下": "next2", "下": "next", "本": "this", "这": "this", "今": "this", "上": "last"}
_UNITS = {"天": "day", "日": "day", "小时": "hour", "钟头": "hour", "分钟": "minute", "分": "minute",
          "周": "week", "星期": "week", "礼拜": "week", "月": "month", "钟": "hour"}


@date_rule(DATE_RULES, alt(_DAYWORDS))
def _dayword(m, ctx):
    return days_ahead(ctx, *_DAYWORDS[m.group(0)])


@date_rule(DATE_RULES, r"(?:(下下|下|本|这|今|上)\s*个?\s*)?(?:周|星期|礼拜)\s*([一二三四五六日天七1-7])")
def _weekday(m, ctx):
    which = _WEEK_PREFIX[m.group(1)] if m.group(1) else None
    return DateSpec(day=week_day(ctx, _WEEKDAY[m.group(2)], which))


@date_rule(DATE_RULES, r"(下下|下)\s*个?\s*(?:周|星期|礼拜)")
def _next_week(m, ctx):
    return DateSpec(day=week_day(ctx, 0, _WEEK_PREFIX[m.group(1)]))  # its Monday


@date_rule(DATE_RULES, rf"(下下|下|本|这|今(?=\s*个))\s*个?\s*月\s*(?:({NUM})\s*[号日]|(底|末|尾|初))?")
def _month_word(m, ctx):
    k = {"下下": 2, "下": 1, "本": 0, "这": 0, "今": 0}[m.group(1)]
    if m.group(2):
        d = number(m.group(2))
        return DateSpec(day=safe_date(*add_months(ctx.today.year, ctx.today.month, k), d)) if d else None
    if m.group(3) in ("底", "末", "尾"):
        return DateSpec(day=month_last(ctx.today, k))
    if m.group(3) == "初" or k > 0:
        return DateSpec(day=month_first(ctx.today, k))
    return None  # 本月 / 这个月 alone is not a day


_NTH = {"一": 1, "1": 1, "二": 2, "2": 2, "三": 3, "3": 3, "四": 4, "4": 4, "五": 5, "5": 5, "最后一": -1}


@date_rule(DATE_RULES, rf"(?:({NUM})\s*月|(下下|下|本|这)\s*个?\s*月)\s*(?:的\s*)?(?:第\s*([一二三四五1-5])|(最后一))\s*个?\s*"
                       r"(?:周|星期|礼拜)\s*([一二三四五六日天七1-7])")
def _nth_weekday(m, ctx):
    n, wd = _NTH[m.group(3) or m.group(4)], _WEEKDAY[m.group(5)]
    if m.group(1):
        mo = number(m.group(1))
        if not mo or not 1 <= mo <= 12:
            return None
        years = (ctx.today.year, ctx.today.year + 1)
        return DateSpec(day=first_not_past(ctx.today, (nth_weekday(y, mo, wd, n) for y in years)))
    k = {"下下": 2, "下": 1, "本": 0, "这": 0}[m.group(2)]
    return DateSpec(day=nth_weekday(*add_months(ctx.today.year, ctx.today.month, k), wd, n))


@date_rule(DATE_RULES, r"(?:(下下|下|本|这)\s*个?\s*)?月中")
def _mid_month(m, ctx):
    if m.group(1):
        k = {"下下": 2, "下": 1, "本": 0, "这": 0}[m.group(1)]
        return DateSpec(day=safe_date(*add_months(ctx.today.year, ctx.today.month, k), 15))
    return DateSpec(day=next_day_of_month(ctx.today, 15))


@date_rule(DATE_RULES, r"(?:(今|明|本)\s*)?年\s*(?:年\s*)?(底|末|中|初|尾)")
def _year_part(m, ctx):
    y = ctx.today.year + (m.group(1) == "明")
    mo, d = {"底": (12, 31), "末": (12, 31), "尾": (12, 31), "中": (6, 30), "初": (1, 1)}[m.group(2)]
    if m.group(1) or m.group(2) == "初":
        return DateSpec(day=date(y, mo, d)) if m.group(1) or y > ctx.today.year else None
    return DateSpec(day=first_not_past(ctx.today, (date(y + k, mo, d) for k in (0, 1))))


@date_rule(DATE_RULES, rf"({alt(FESTIVALS)})\s*(?:之后|以后|后)\s*(?:的\s*)?(?:第\s*一\s*(?:天|个工作日)|上班第一天|第一个工作日|开工(?:第一天)?)?")
def _after_festival(m, ctx):
    return DateSpec(day=after_holiday(ctx.today, m.group(1)))


@date_rule(DATE_RULES, r"月[底末尾]")
def _month_end(m, ctx):
    return DateSpec(day=month_end(ctx.today))


@date_rule(DATE_RULES, rf"({NUM})\s*月\s*(底|末|初|中)")
def _month_n_end(m, ctx):
    mo = number(m.group(1))
    if not mo or not 1 <= mo <= 12:
        return None
    years = range(ctx.today.year, ctx.today.year + 2)
    days = (safe_date(y, mo, {"初": 1, "中": 15}.get(m.group(2)) or last_day(y, mo)) for y in years)
    return DateSpec(day=first_not_past(ctx.today, days))


@date_rule(DATE_RULES,
           rf"(?:([0-9]{{4}}|[零一二三四五六七八九]{{4}})\s*年\s*|(今年|明年)\s*)?({NUM})\s*月\s*({NUM})\s*[日号]?")
def _date(m, ctx):
    mo, d = number(m.group(3)), number(m.group(4))
    if mo is None or d is None:
        return None
    if m.group(1):
        y = number(m.group(1))
        return DateSpec(day=safe_date(y, mo, d)) if y else None
    if m.group(2):
        return DateSpec(day=safe_date(ctx.today.year + (m.group(2) == "明年"), mo, d))
    return DateSpec(day=next_month_day(ctx.today, mo, d))


@date_rule(DATE_RULES, rf"({NUM})\s*[号日]")
def _day_of_month(m, ctx):
    d = number(m.group(1))
    return DateSpec(day=next_day_of_month(ctx.today, d)) if d is not None else None


@date_rule(DATE_RULES, rf"({CNT}|半)\s*(个)?\s*(半)?\s*(天|日|小时|钟头|钟|分钟|分|周|星期|礼拜|月)\s*(?:之后|以后|后)")
def _relative(m, ctx):
    n = 0.5 if m.group(1) == "半" else number(m.group(1))
    if n is None or (m.group(1) == "半" and m.group(3)):
        return None
    if m.group(3):
        n += 0.5
    unit = _UNITS[m.group(4)]
    if m.group(4) in ("月", "钟") and not m.group(2):
        return None  # 3月后 is "after March", not "in 3 months"; 钟 is an hour only as 两个钟
    return relative(n, unit, ctx)


@date_rule(DATE_RULES, r"([一三]|[0-9])?\s*刻钟\s*(?:之后|以后|后)")
def _quarter_hours(m, ctx):
    n = number(m.group(1)) if m.group(1) else 1
    return DateSpec(delta=timedelta(minutes=15 * n)) if n else None


# --- the clock --------------------------------------------------------------------------------

_RX_CLOCK = re.compile(
    rf"({NUM})\s*[点时]\s*钟?(?:(半)|([一三])刻|(整)|([0-9]{{1,2}}|[{CN_NUM}]{{1,3}})\s*(分)?)?"
)


def clock(s: str, i: int, period: str | None, at: bool) -> tuple[int, TimeSpec] | None:
    """3点 / 3点钟 / 三点半 / 三点一刻 / 3点15分 / 03点 (a 24-hour time) at s[i] -> (end, reading)."""
    m = _RX_CLOCK.match(s, i)
    if not m:
        return None
    h = number(m.group(1))
    end = m.end()
    minute = 0
    if m.group(2):
        minute = 30
    elif m.group(3):
        minute = 15 * number(m.group(3))
    elif m.group(5):
        raw = m.group(5)
        if not raw.isascii() and len(raw) == 1 and not m.group(6):
            end = m.start(5)  # "3点一起" is 3点 + 一起, not 3:01
        else:
            minute = number(raw)
    if h is None or minute is None:
        return None
    return end, TimeSpec(kind="clock", period=period, h=h, m=minute, h24=zero_padded(m.group(1)))
