"""Natural-language due times, Chinese and English, for reminders and "next:" actions.

Public API
----------
``parse_when(text, *, now, tz, locale=None)``   the whole text is a time expression -> aware
                                   datetime in ``tz`` after ``now``, or None.
``extract_when(text, *, now, tz, locale=None)`` a time expression at the start (preferred) or end
                                   of the text -> (datetime or None, the remaining words).
``read_when(text, *, now, tz, locale=None)``   parse_when with what a form shows before saving:
                                   a ``When`` (the instant, the other readings of the same words,
                                   and the zone the text named), or None.
``extract_reading(text, *, now, tz, locale=None)`` extract_when with a ``When``.
``warm()``                         one dateparser call per language, so the first real call is fast.

``now`` is an aware datetime in any zone (a naive one is read as UTC); ``tz`` is an IANA zone name
(an unknown name means UTC).  Results are aware, with ``tzinfo=ZoneInfo(tz)``, at minute precision.
Nothing here raises for any ``str`` input; what cannot be read is None.

How it works: the everyday Chinese and English forms are read by a small grammar
(``[lead] date [sep] time [trail]`` or ``[lead] time [sep] date``), which turns them straight
into a datetime.  dateparser (always with explicit languages) is only the fallback for the
rarer forms, and only for text that carries a date/time signal, because it reads bare numbers
("5", "32", "at 5", "the 5th") as months or years.

Modules: ``scan`` finds the expression in a text (all of it, its start or its end); ``grammar``
reads whole expressions from the date rules in ``zh`` and ``en`` and the times of day in
``times``; ``zones`` reads a zone named in the text; ``festivals`` the public holidays (节后,
国庆后); ``fallback`` guards dateparser; ``common`` holds what they share.  ``show`` is the other
direction: it writes every date and time people read, by CLDR for the reader's locale.

Never a confidently wrong instant: a past result is refused (parse_when -> None; extract_when
leaves the words in the text), and dateparser's answer is only taken when it accounts for every
number, weekday, month, day word and part of day in the text (``fallback.accounts_for``).

Rules (those the brief left open are marked "chosen")
------------------------------------------------------
* A date without a time of day is 09:00 local.  A date with only a part of day uses that part's
  default (chosen): morning/早上/上午 09:00, noon/中午 12:00, afternoon/下午 14:00,
  evening/傍晚 18:00, night/晚上/今晚/tonight 20:00; 凌晨/半夜 alone is too vague -> None.
* A time of day without a date that is not after ``now`` (same minute counts as past) is tomorrow.
  An explicit date that is already past ("今天上午9点" at 15:00, "这周一" on a Tuesday,
  "yesterday") is refused: a due time is never in the past.
* A bare hour counts before a date with a part of day ("8 tonight", "9 tomorrow morning") or with
  one after it ("at 5 tomorrow afternoon", "3 in the am").  "half past 3", "quarter to 5" (= 5 read
  by the rules below, minus 15), "3ish", "3p", "eod" / "end of day" / "cob" = 17:00 (chosen;
  after 17:00 without a date it is refused rather than read as tomorrow's).
* "15 minutes from 1pm" is that time plus the span; "3 years from today" is date-level.
* Ordinals: "the 15th" is the next 15th (like 15号); "Tuesday the 19th" the next 19th that is a
  Tuesday this month or the two after, else None; "the second Monday of January", "last friday of
  the month", 十月第一个星期一, 下个月第二个周三 (a named month: its next one not past).
* "wednesday next week" = next Wednesday; "friday after next" = Friday of the week after next
  (chosen, so that "next friday" stays next week's); "this coming friday" = bare Friday.
* "in a couple of hours" = 2, "a few" = 3 (chosen); "in 2.5 hours".
* Numeric dates: "2/15" / "2-15" month/day; for day-first locales (en-GB, en-AU, fr, de ...)
  "15/2"; a first number over 12 can only be a day.
* 月中 = the 15th (this month's, or next month's once past); 年底 = 31 December; 年初 / 明年初 =
  1 January next year.  节后 / 节后第一天 / 国庆后 / 春节后 = the first working day after the next
  such holiday in the mainland calendar of the ``holidays`` package (its make-up working days
  count).  Cantonese: 听日, 后日, 听朝, 听晚, 今个礼拜三, 晏昼 / 下昼 (afternoon), 朝早, 两个钟后.
* A zone named right after a clock time ("9am PST", "4pm CET monday", "10:00 GMT+8",
  "下午3点 北京时间") or a Chinese zone name at the start ("北京时间明天10点"): the text is read on
  that zone's wall clock and the result converted to ``tz``.  Abbreviations mean the region's zone
  (PST in July is Pacific daylight time); CST and IST are ambiguous and not read.
* Clock hours with no am/pm and no part of day (chosen, a working-hours reading): 1-6 mean the
  afternoon (13:00-18:00), 7-12 are taken as written, 0 and 13-23 are 24-hour times, and a
  zero-padded hour ("03:30", "03点") is always a 24-hour time.  So "3点" / "明天3点" / "3:30" / "at 3"
  mean 15:00 / 15:30.  "凌晨3点", "早上3点", "3am" mean 03:00.
* Parts of day with an hour: 下午/傍晚/晚上 add 12 to 1-11; 中午1点 is 13:00; 晚上12点 and
  "midnight" are 00:00 at the end of that day (the next date); 晚上1-4点 are the small hours of the
  next date; 凌晨12点 / 0点 are 00:00 of the date itself.
* Weekdays: bare 周二 / 星期二 / 礼拜二 / Tuesday / "this Tuesday" / "coming Tuesday" = the next
  Tuesday strictly after today (7 days ahead when today is Tuesday) -- "this X" was chosen to be
  the same as bare X.  下周二 / "next Tuesday" = Tuesday of next calendar week (weeks start on
  Monday), 下下周二 the week after, 本周五 / 这周五 = Friday of this calendar week even if it is
  already past, 上周五 Friday of last week.  下周 / "next week" = Monday of next week.
* Relative: N天后 / N周后 / N个月后 / "in N days|weeks|months" / "N days from now|later" are
  date-level: that date at 09:00 unless a time follows ("三天后下午2点", "in 3 days at 2pm").
  Hours and minutes (两小时后, 半小时后, 一刻钟后, "in 2 hours", "in half an hour") are exact:
  ``now`` + the span in absolute time (so across a DST change the wall clock moves by more or
  less), truncated to the minute; a time of day after them makes the text unreadable.  半天后 is
  12 hours.  "in N months" keeps the day of month, clamped to the month's last day.
* Months: 下个月 / "next month" = the 1st of next month; 下个月5号 = the 5th of next month;
  月底 / "end of month" = the last day of this month, or of next month when today is that day;
  本月底 is always this month's last day; 下个月底 / "end of next month"; 12月底 / 12月初.
  A month-day without a year that is already past is next year's (or the next year in which it
  exists, e.g. 2月29日); N号 / N日 alone is the next such day of a month, this month included.
  An explicit year is kept as given.  "12/5" is month/day (December 5).
* Two readings (``When.others``; ``readings``): weeks counted from Sunday ("下周三" / "next
  Wednesday" said on a Sunday: the 3rd day or the 10th; "下周日"), "next Wednesday" said before
  this week's Wednesday (the coming one), "2/3" when the locale does not order day and month
  (no locale, "en", en-CA), a bare weekday naming today said before its time ("friday 3pm" on a
  Friday morning: next week's or today's), and a bare 7-11 o'clock already past this morning
  ("8点" at 10:00: tomorrow 08:00 or tonight 20:00; not "7:30", written with minutes).  The first
  reading is the rule above; forms show both.
* Nonexistent local times (spring-forward gap) move forward by the gap (02:30 -> 03:30 EDT);
  ambiguous ones (fall-back) take the first occurrence.
* Leading connectives (on / at / by / before / 在 / 于) and trailing 前 / 之前 / 以前 / 左右 /
  前后 ("周五前") are accepted and ignored.
* Longer than 200 characters -> None for parse_when.  extract_when looks at text of up to
  2000 characters and only at the first/last 80 characters for the expression.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo

from .common import make_ctx, norm
from .fallback import warm_dateparser
from .readings import variants
from .scan import Found, clean, extract, parse

__all__ = ["When", "parse_when", "read_when", "extract_when", "extract_reading", "warm"]

MAX_LEN = 200            # parse_when: longer text is not a time expression
MAX_EXTRACT_LEN = 2000   # extract_when: longer text is returned untouched


@dataclass(frozen=True)
class When:
    """A reading of a time expression: ``at`` (aware, in the user's zone), the ``others`` the same
    words can mean (later readings, never past, never ``at``), and the ``zone`` the text named with
    the user's words for it (``label``: "PST", "北京时间"), or None."""
    at: datetime
    others: tuple[datetime, ...] = ()
    zone: tzinfo | None = None
    label: str = ""

    @property
    def there(self) -> datetime | None:
        """The instant on the wall clock of the zone the text named."""
        return self.at.astimezone(self.zone) if self.zone is not None else None


def parse_when(text: str, *, now: datetime, tz: str, locale: str | None = None) -> datetime | None:
    """The whole of `text` is a time expression (Chinese or English) -> aware datetime in `tz` that
    is after `now`, or None.  `locale` ("en-GB") decides how "15/2" style dates read."""
    when = read_when(text, now=now, tz=tz, locale=locale, others=False)
    return when.at if when is not None else None


def read_when(text: str, *, now: datetime, tz: str, locale: str | None = None, others: bool = True) -> When | None:
    """parse_when, with the other readings of the same words and the zone the text named."""
    try:
        if not isinstance(text, str) or len(text) > MAX_LEN:
            return None
        ctx = make_ctx(now, tz, locale)
        first = _future(parse(text, ctx), ctx)
        if first is None:
            return None
        alts = [f.at for v in (variants(norm(text), ctx) if others else ())
                if (f := _future(parse(text, v), v)) is not None]
        return When(first.at, _distinct(first.at, alts), first.zone, first.label)
    except Exception:
        return None


def _distinct(at: datetime, alts: list[datetime]) -> tuple[datetime, ...]:
    out: list[datetime] = []
    for dt in alts:
        if dt != at and dt not in out:
            out.append(dt)
    return tuple(out)


def _future(found: Found | None, ctx) -> Found | None:
    """A due time is never in the past: "这周一" said on a Tuesday is refused, not yesterday."""
    return found if found is not None and found.at > ctx.now_utc else None


def extract_when(text: str, *, now: datetime, tz: str, locale: str | None = None) -> tuple[datetime | None, str]:
    """A time expression at the start (preferred, longest) or at the end of `text`, and the rest.

    ``"明天下午3点 发送报价"`` -> (tomorrow 15:00, "发送报价"); ``"send quote on friday"`` ->
    (Friday 09:00, "send quote"); ``"send quote"`` -> (None, "send quote").
    """
    when, rest = extract_reading(text, now=now, tz=tz, locale=locale, others=False)
    return (when.at if when is not None else None), rest


def extract_reading(text: str, *, now: datetime, tz: str, locale: str | None = None,
                    others: bool = True) -> tuple[When | None, str]:
    """extract_when with a ``When``: the other readings of the same words, the zone they named."""
    if not isinstance(text, str):
        return None, ""
    try:
        if len(text) > MAX_EXTRACT_LEN:
            return None, clean(text)
        ctx = make_ctx(now, tz, locale)
        found, rest = extract(text, ctx)
        if found is None:
            return None, rest
        if _future(found, ctx) is None:
            return None, clean(text)   # a past time: the words stay in the text, the form asks
        alts = []
        for v in (variants(norm(text), ctx) if others else ()):
            f, r = extract(text, v)
            if f is not None and r == rest and _future(f, v) is not None:
                alts.append(f.at)
        return When(found.at, _distinct(found.at, alts), found.zone, found.label), rest
    except Exception:
        try:
            return None, clean(text)
        except Exception:
            return None, ""


def warm() -> None:
    """Load dateparser and its English and Chinese data (the first call per language is slow),
    and the holiday calendar."""
    try:
        warm_dateparser()
        ctx = make_ctx(datetime.now(timezone.utc), "UTC")
        parse("明天下午3点", ctx)
        parse("节后", ctx)   # loads the holiday calendar
        extract("friday 2pm send quote", ctx)
    except Exception:
        pass
