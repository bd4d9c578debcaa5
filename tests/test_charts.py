"""The digest's charts: store.figures_trend on SQLite and PostgreSQL against hand-computed values
and against figures() for each week, and handlers.digests.charts' PNGs (size, Chinese without missing
glyphs, English labels when there is no CJK font).

Three local weeks in Asia/Shanghai (Monday 00:00 +08:00 is Sunday 16:00Z):
W1 = 2026-11-01T16Z .. 11-08T16Z, W2 = .. 11-15T16Z, W3 = .. 11-22T16Z (the week of Mon 16 Nov).
The team of M1 is A1 and A2; B1 reports to M2.
"""
from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

import io
import re
import warnings
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.image import imread
from matplotlib.text import Text

from handlers.digests import charts
from store.crm_models import Deal, StageChange
from store.db import transaction
from store.figures import Period, Scope, figures
from store.figures_trend import WeekPoint, trend_weeks, weekly_trend
from store.models import Customer, Interaction, NextAction, SlackUser

UTC = timezone.utc
SH = "Asia/Shanghai"
US = timedelta(microseconds=1)
W1S, W2S, W3S, END = (datetime(2026, 11, d, 16, tzinfo=UTC) for d in (1, 8, 15, 22))
NOW = datetime(2026, 11, 24, 4, tzinfo=UTC)  # Tuesday of the week after W3
A1, A2, B1, M1, M2 = "UA1", "UA2", "UB1", "UM1", "UM2"
REP, TEAM, ALL = Scope.rep(A1), Scope.team(M1), Scope.everyone()
PNG = b"\x89PNG\r\n\x1a\n"
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _customer(s, n: int, owner: str, created: datetime, stage: str, *moves: tuple[datetime, str, str]) -> None:
    s.add(Customer(id=n, code=f"C{n:06d}", name=f"客户{n}", name_norm=f"客户{n}", owner_id=owner, created_by=owner,
                   created_at=created, updated_at=created, stage=stage, status="to_nurture"))
    s.flush()
    for at, before, after in ((created, None, "lead"), *moves):
        s.add(StageChange(customer_id=n, at=at, by="x", from_stage=before, from_status=None if before is None else "s",
                          to_stage=after, to_status="s"))


def _data(db) -> None:
    with transaction(db) as s:
        for uid, manager in ((A1, M1), (A2, M1), (B1, M2), (M1, None), (M2, None)):
            s.add(SlackUser(id=uid, manager_id=manager, role="manager" if manager is None else "rep"))
        _customer(s, 1, A1, z(2026, 1, 1), "converted", (z(2026, 2, 1), "lead", "converted"))   # before W1
        _customer(s, 2, A1, W1S, "nurturing", (z(2026, 11, 17), "lead", "nurturing"))          # W1's first instant
        _customer(s, 3, A2, z(2026, 11, 9), "converted", (z(2026, 11, 18), "lead", "converted"))  # W2
        _customer(s, 4, B1, z(2026, 11, 16), "lead")                                           # W3
        _customer(s, 5, A1, z(2026, 11, 21), "lead")                                           # W3
        _customer(s, 6, A1, END, "lead")                                                       # after W3
        for author, at in ((A1, W1S), (A1, W2S - US), (A1, W2S), (A2, z(2026, 11, 10)), (M1, z(2026, 11, 11)),
                           (B1, z(2026, 11, 18)), (A1, z(2026, 11, 20)), (A1, END), (A1, W1S - US)):
            # happened on that instant's day in Shanghai (the authors' zone)
            s.add(Interaction(customer_id=1, occurred_on=at.astimezone(ZoneInfo(SH)).date(), way="visit", summary="s",
                              author_id=author, created_at=at))
        for owner, due, status, done in (
            (A1, z(2026, 11, 3), "done", z(2026, 11, 3)),          # done exactly at due: on time, W1
            (A1, z(2026, 11, 4), "done", z(2026, 11, 4, 0, 0, 1)),  # one second late
            (A1, z(2026, 11, 10), "done", z(2026, 11, 9)),          # early: on time, W2
            (A1, z(2026, 11, 11), "cancelled", None),
            (A1, z(2026, 11, 12), "open", None),
            (A2, z(2026, 11, 17), "done", z(2026, 11, 17)),         # W3
            (B1, z(2026, 11, 18), "done", z(2026, 11, 16)),         # W3
            (A1, END, "done", z(2026, 11, 20)),                     # due after W3
        ):
            s.add(NextAction(customer_id=1, title="t", due_at=due, owner_id=owner, created_by=owner, status=status,
                             done_at=done, created_at=z(2026, 11, 1), updated_at=z(2026, 11, 1)))
        for n, owner, stage, closed, currency in (
            (1, A1, "won", z(2026, 11, 5), "CNY"), (2, A1, "won", z(2026, 11, 6), "USD"),  # W1: one count across currencies
            (3, A1, "lost", z(2026, 11, 10), "CNY"), (4, A2, "won", z(2026, 11, 12), "CNY"),
            (5, B1, "won", z(2026, 11, 20), "CNY"), (6, A1, "negotiation", None, "CNY"), (7, A1, "won", END, "CNY"),
        ):
            s.add(Deal(id=n, customer_id=1, title=f"D{n}", amount=Decimal("100"), currency=currency, stage=stage,
                       owner_id=owner, created_by=owner, stage_changed_at=closed or z(2026, 11, 1), closed_at=closed,
                       created_at=z(2026, 10, 1), updated_at=z(2026, 10, 1)))


def _trend(db, scope: Scope, end=NOW) -> list[tuple[int, int, int, int]]:
    with transaction(db) as s:
        points = weekly_trend(session=s, scope=scope, weeks=3, end=end, tz=SH)
    assert [(p.week.start, p.week.end) for p in points] == [(W1S, W2S), (W2S, W3S), (W3S, END)]
    return [(p.interactions, p.done_on_time, p.new_leads, p.deals_won) for p in points]


# -- the weeks and the numbers ---------------------------------------------------------------------

def test_the_last_complete_weeks_before_an_instant_or_a_period():
    expected = [Period.week(date(2026, 11, d), SH) for d in (2, 9, 16)]
    assert trend_weeks(weeks=3, end=NOW, tz=SH) == expected
    assert trend_weeks(weeks=3, end=END, tz=SH) == expected          # Monday 00:00 local ends W3 exactly
    assert trend_weeks(weeks=2, end=END - US, tz=SH) == [Period.week(date(2026, 11, d), SH) for d in (2, 9)]
    assert trend_weeks(weeks=3, end=Period.week(date(2026, 11, 18), SH), tz=SH) == expected
    assert trend_weeks(weeks=1, end=Period.month(date(2026, 11, 5), SH), tz=SH) == [Period.week(date(2026, 11, 23), SH)]
    # New York: the week of the end of DST is 169 hours long, still one week
    ny = trend_weeks(weeks=2, end=datetime(2026, 11, 4, 12, tzinfo=UTC), tz="America/New_York")
    assert [(p.start, p.end) for p in ny] == [(z(2026, 10, 19, 4), z(2026, 10, 26, 4)), (z(2026, 10, 26, 4), z(2026, 11, 2, 5))]
    for bad in (0, 53):
        with pytest.raises(ValueError):
            trend_weeks(weeks=bad, end=NOW, tz=SH)


def test_weekly_numbers_per_scope(db):
    _data(db)
    # (interactions, done on time, new leads, deals won) for W1, W2, W3
    assert _trend(db, REP) == [(2, 1, 1, 2), (1, 1, 0, 0), (1, 0, 1, 0)]
    assert _trend(db, TEAM) == [(2, 1, 1, 2), (2, 1, 1, 1), (1, 1, 1, 0)]
    assert _trend(db, ALL) == [(2, 1, 1, 2), (3, 1, 1, 1), (2, 2, 2, 1)]
    assert _trend(db, ALL, end=Period.week(date(2026, 11, 18), SH)) == _trend(db, ALL)
    assert _trend(db, Scope.team("UNOBODY")) == [(0, 0, 0, 0)] * 3


def test_each_week_equals_figures_for_that_week(db):
    _data(db)
    for scope in (REP, TEAM, ALL):
        with transaction(db) as s:
            for point in weekly_trend(session=s, scope=scope, weeks=3, end=NOW, tz=SH):
                f = figures(session=s, period=point.week, scope=scope, now=NOW)
                won = sum(w.count for w in f.deals_won.value.values())
                assert (point.interactions, point.done_on_time, point.new_leads, point.deals_won) == (
                    f.interactions.value, f.actions.value.done_on_time, f.new_leads.value, won)


# -- the pictures ----------------------------------------------------------------------------------

def _week_figures(db):
    with transaction(db) as s:
        return figures(session=s, period=Period.week(date(2026, 11, 18), SH), scope=ALL, now=NOW)


def _points(db) -> list[WeekPoint]:
    with transaction(db) as s:
        return weekly_trend(session=s, scope=ALL, weeks=3, end=NOW, tz=SH)


def _texts(figure: Figure) -> list[str]:
    return [text.get_text() for text in figure.findobj(Text) if text.get_visible() and text.get_text()]


def _decoded_shape(data: bytes) -> tuple[int, ...]:
    assert data.startswith(PNG)
    return imread(io.BytesIO(data), format="png").shape


def test_pngs_are_800_by_450(db):
    _data(db)
    f, points = _week_figures(db), _points(db)
    for locale in ("zh-CN", "en"):
        assert _decoded_shape(charts.funnel_png(f, locale)) == (450, 800, 4)
        assert _decoded_shape(charts.trend_png(points, locale)) == (450, 800, 4)


def test_the_funnel_counts_and_rates(db):
    _data(db)
    f = _week_figures(db)
    # W3's leads: 2 and 3 (leads at its start), 4 and 5 (created in it); moved on: 2 -> nurturing, 3 -> converted;
    # nurturing: 2 (entered), none converted; of the leads converted: 3
    assert (f.lead_to_nurturing.value.numerator, f.lead_to_nurturing.value.denominator) == (2, 4)
    figure = charts.funnel_figure(f, "en", None)
    assert _texts(figure) == [
        "4 leads", "2 (50.0% of leads)", "1 (25.0% of leads)",
        "Lead → Nurturing: 50.0% (2/4)    Nurturing → Converted: 0.0% (0/1)\nLead → Converted: 25.0% (1/4)",
        "Lead", "Nurturing", "Converted", "Conversion funnel · Nov 16\u2009–\u200922"]


def _missing_glyphs(draw) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_chinese_charts_draw_every_glyph(db):
    font = charts.cjk_font()
    if font is None:
        pytest.skip("no font with CJK glyphs on this machine (apt-get install fonts-wqy-microhei or fonts-noto-cjk)")
    assert charts.has_cjk(font)
    _data(db)
    f, points = _week_figures(db), _points(db)
    # the check itself works: Chinese in matplotlib's default font is reported missing
    plain = Figure(figsize=(2, 1))
    plain.text(0.1, 0.5, "客户")
    assert _missing_glyphs(lambda: charts.png(plain))
    assert _missing_glyphs(lambda: charts.funnel_png(f, "zh-CN")) == []
    assert _missing_glyphs(lambda: charts.trend_png(points, "zh-CN")) == []
    assert _texts(charts.funnel_figure(f, "zh-CN", font)) == [
        "4 个线索", "2 个（占线索 50.0%）", "1 个（占线索 25.0%）",
        "线索期→培育期：50.0%（2/4）    培育期→转化期：0.0%（0/1）\n线索期→转化期：25.0%（1/4）",
        "线索期", "培育期", "转化期", "转化漏斗 · 11月16日至22日"]
    trend = charts.trend_figure(points, "zh-CN", font)
    assert [tick.get_text() for tick in trend.axes[0].get_xticklabels()] == ["11月2日", "11月9日", "11月16日"]
    assert [text.get_text() for text in trend.legends[0].get_texts()] == ["记录的互动", "按时完成的下一步", "新线索", "赢单"]


def test_without_a_cjk_font_chinese_charts_are_drawn_in_english(db):
    _data(db)
    f, points = _week_figures(db), _points(db)
    funnel, trend = charts.funnel_figure(f, "zh-CN", None), charts.trend_figure(points, "zh-CN", None)
    assert _texts(funnel) == _texts(charts.funnel_figure(f, "en", None))
    assert not [text for text in _texts(funnel) + _texts(trend) if CJK.search(text)]
    assert [tick.get_text() for tick in trend.axes[0].get_xticklabels()] == ["Nov 2", "Nov 9", "Nov 16"]
    assert [text.get_text() for text in trend.legends[0].get_texts()] == [
        "Interactions logged", "Next actions done on time", "New leads", "Deals won"]
    assert "Weekly trend (last 3 weeks)" in _texts(trend)
    # only the last week's values are written (W3: interactions 2, on time 2, new leads 2, deals won 1), lowest first
    values = [text.get_text() for text in trend.axes[0].texts]
    assert values == ["1", "2", "2", "2"]
    assert _missing_glyphs(lambda: charts.png(trend)) == []


def test_font_lookup_checks_the_glyphs():
    assert charts.find_cjk_font(("No Such Family",)) is None
    from matplotlib import font_manager
    dejavu = font_manager.findfont("DejaVu Sans")
    assert not charts.has_cjk(dejavu)
    assert not charts.has_cjk("/nonexistent/font.ttf")


# -- charts that read: end labels apart, equal series visible, empty stages drawn ------------------

def _week(n: int) -> Period:
    return Period.week(date(2026, 11, 2) + timedelta(weeks=n), SH)


def _series(*rows: tuple[int, int, int, int]) -> list[WeekPoint]:
    return [WeekPoint(_week(n), *row) for n, row in enumerate(rows)]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_trend_labels_only_each_series_last_point_and_no_two_labels_stack(locale):
    points = _series((5, 0, 2, 0), (7, 0, 1, 0), (9, 0, 0, 0))  # three series end at zero
    figure = charts.trend_figure(points, locale, charts.cjk_font())
    ax = figure.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    colours = {line.get_color(): name for name, line in lines.items()}
    labels = [(text.get_text(), text.xy, text.get_position(), colours[text.get_color()]) for text in ax.texts]
    assert len(labels) == 4  # one a series, not one a point
    assert all(xy[0] == 2 for _, xy, _, _ in labels)  # at the last week
    assert sorted((text, xy[1]) for text, xy, _, _ in labels) == [("0", 0), ("0", 0), ("0", 0), ("9", 9)]
    assert sorted(name for *_, name in labels) == sorted(lines)  # each series once, in its own colour
    low, high = ax.get_ylim()
    heights = sorted(position[1] for _, _, position, _ in labels)
    assert all(b - a >= charts.LABEL_GAP * (high - low) - 1e-9 for a, b in zip(heights, heights[1:]))  # none covers another
    assert low < 0 < heights[0] + 1e-9 and heights[-1] < high  # inside the axes; zero is above the axis line
    png = charts.png(figure)
    assert png.startswith(PNG)


def test_series_equal_to_another_show_inside_it():
    points = _series((3, 0, 1, 0), (4, 0, 0, 0))  # on time and deals won both zero throughout
    ax = charts.trend_figure(points, "en", None).axes[0]
    lines = ax.get_lines()
    assert [list(line.get_ydata()) for line in lines] == [[3, 4], [0, 0], [1, 0], [0, 0]]
    widths, sizes, order = ([line.get_linewidth() for line in lines], [line.get_markersize() for line in lines],
                            [line.get_zorder() for line in lines])
    # each later series narrower, smaller marked and above the one before: "Deals won" shows inside "Done on time"
    assert widths == sorted(widths, reverse=True) and len(set(widths)) == 4
    assert sizes == sorted(sizes, reverse=True) and order == sorted(order) and len(set(order)) == 4
    assert all(line.get_visible() and line.get_alpha() in (None, 1) for line in lines)
    assert ax.get_ylim()[0] < 0  # a zero line is not drawn on the axis


@pytest.mark.parametrize("counts, label", [((4, 2, 0), "4 leads"), ((1, 1, 0), "1 lead"), ((0, 0, 0), "0 leads")])
def test_the_funnel_draws_empty_stages(db, counts, label):
    from store.figures import Rate, Trend
    _data(db)
    f = _week_figures(db)
    leads, moved, won = counts
    f = dataclasses.replace(f, lead_to_nurturing=Trend(Rate(moved, leads), Rate(0, 0)),
                            lead_to_converted=Trend(Rate(won, leads), Rate(0, 0)))
    ax = charts.funnel_figure(f, "en", None).axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 3
    left, right = ax.get_xlim()
    for bar, n in zip(bars, counts):
        assert bar.get_visible() and bar.get_width() > 0 and left <= bar.get_x() and bar.get_x() + bar.get_width() <= right
        if n:
            assert bar.get_facecolor()[3] > 0 and bar.get_linestyle() == "solid"
        else:  # an outline, dashed, in the funnel's darkest colour
            assert bar.get_facecolor()[3] == 0 and bar.get_linestyle() in ("--", "dashed") and bar.get_linewidth() == 1.5
            assert to_hex(bar.get_edgecolor()) == charts.FUNNEL_COLORS[-1]
    assert [text for text in _texts(ax.figure) if "lead" in text][:1] == [label]  # CLDR plural rules
