"""The digest's pictures (issue #5): the conversion funnel of a period and the weekly trend, as
small PNGs drawn with matplotlib's object-oriented API on the Agg canvas (no pyplot, no change to
rcParams; one chart at a time: this runs in scheduler and listener threads).

Chinese needs a font with CJK glyphs. `cjk_font()` looks once for one of CJK_FAMILIES among
matplotlib's fonts (adding files under FONT_DIRS that its font cache predates) and checks that the
file really has the glyphs. Without one, zh-CN charts are drawn with English labels, not boxes, and
one warning says how to install a font (`apt-get install fonts-noto-cjk` or `fonts-wqy-microhei`).
"""
from __future__ import annotations

import functools
import io
import logging
import os
import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font
from matplotlib.ticker import MaxNLocator

from handlers import showdates as show
from handlers.i18n import EN, ZH, lang, t
from handlers.numbers import percent
from store.figures import Figures, Period, Rate
from store.figures_trend import SERIES, WeekPoint

log = logging.getLogger(__name__)

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
                "Noto Sans CJK JP", "Microsoft YaHei", "PingFang SC", "SimHei")
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
PROBE = "客户"
WIDTH, HEIGHT, DPI = 800, 450, 100
LABELLED_WEEKS = 12  # more weeks: slanted week labels
EMPTY_STAGE = 0.06  # an empty funnel stage is an outline this wide (of the widest bar)
LABEL_GAP = 0.07    # the least distance between two end labels, as a share of the y axis
# the series drawn one inside the other: where two are equal (both 0, say) the later one shows within the earlier
SERIES_WIDTHS, SERIES_MARKERS = (4.5, 3.2, 2.0, 1.1), (10, 8, 6, 4)
FUNNEL_COLORS = ("#9ecae1", "#6baed6", "#3182bd")
SERIES_STYLE = {"interactions": ("#3182bd", "o"), "done_on_time": ("#31a354", "s"), "new_leads": ("#e6550d", "^"),
                "deals_won": ("#756bb1", "D")}


# -- the font --------------------------------------------------------------------------------------

def has_cjk(path: str) -> bool:
    """The font file has glyphs for PROBE (not merely a name that promises them)."""
    try:
        font = FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(ch)) != 0 for ch in PROBE)


def _add_unknown_fonts() -> None:
    """Font files under FONT_DIRS installed after matplotlib built its font cache."""
    known = {os.path.realpath(entry.fname) for entry in font_manager.fontManager.ttflist}
    dirs = [d for d in FONT_DIRS if os.path.isdir(d)]
    for path in font_manager.findSystemFonts(fontpaths=dirs) if dirs else ():
        if os.path.realpath(path) not in known:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError) as error:
                log.debug("cannot read font %s: %s", path, error)


def find_cjk_font(families: tuple[str, ...] = CJK_FAMILIES) -> str | None:
    """The file of the first family (in the given order) whose font has CJK glyphs, or None."""
    _add_unknown_fonts()
    files: dict[str, list[str]] = {}
    for entry in font_manager.fontManager.ttflist:
        files.setdefault(entry.name, []).append(entry.fname)
    for family in families:
        for path in files.get(family, ()):
            if has_cjk(path):
                return path
    return None


_FONT_LOCK = threading.Lock()
# Matplotlib does not promise thread safety, even for separate figures (its font caches are
# shared): one chart at a time per process; a chart takes a few hundred milliseconds.
_DRAW_LOCK = threading.Lock()


@functools.cache
def _cached_cjk_font() -> str | None:
    path = find_cjk_font()
    if path is None:
        log.warning("No font with Chinese glyphs (looked for %s): zh-CN charts are drawn with English labels. "
                    "Install one, e.g. `apt-get install fonts-noto-cjk` or `apt-get install fonts-wqy-microhei`.",
                    ", ".join(CJK_FAMILIES))
    else:
        log.info("charts use the CJK font %s", path)
    return path


def cjk_font() -> str | None:
    """The CJK font file, looked for once per process."""
    with _FONT_LOCK:
        return _cached_cjk_font()


# -- shared pieces ---------------------------------------------------------------------------------

def _text_locale(locale: str, font: str | None) -> str:
    """The reader's locale (its dates too: 11月23日, Nov 23, 23 Nov); Chinese only with a font that
    can draw it, English otherwise."""
    return locale if lang(locale) == EN or font is not None else EN


def _props(loc: str, font: str | None, size: float) -> FontProperties:
    if lang(loc) == ZH and font is not None:
        return FontProperties(fname=font, size=size)
    return FontProperties(size=size)


def _new_figure() -> Figure:
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _span(loc: str, period: Period) -> str:
    zone = ZoneInfo(period.tz or "UTC")
    first, last = period.start.astimezone(zone).date(), (period.end - timedelta(microseconds=1)).astimezone(zone).date()
    return show.days(first, last, loc, year=False)


def _pct(loc: str, rate: Rate) -> str:
    return "—" if rate.pct is None else percent(rate.pct, loc)


# -- the funnel ------------------------------------------------------------------------------------

def _step(loc: str, before: str, after: str, rate: Rate) -> str:
    return t(loc, "chart_funnel_step", before=t(loc, f"vocab_stage_{before}"), after=t(loc, f"vocab_stage_{after}"),
             pct=_pct(loc, rate), n=rate.numerator, d=rate.denominator)


def funnel_figure(figures: Figures, locale: str, font: str | None) -> Figure:
    """The period's leads (lead -> nurturing's denominator), those that moved on to nurturing or
    beyond (its numerator) and those converted (lead -> converted's numerator), centred bars
    narrowing down; the three step rates underneath."""
    loc = _text_locale(locale, font)
    to_nurturing, converted = figures.lead_to_nurturing.value, figures.lead_to_converted.value
    counts = [to_nurturing.denominator, to_nurturing.numerator, converted.numerator]
    labels = [t(loc, "chart_funnel_leads", count=counts[0]),
              t(loc, "chart_funnel_share", count=counts[1], pct=_pct(loc, to_nurturing)),
              t(loc, "chart_funnel_share", count=counts[2], pct=_pct(loc, converted))]
    figure = _new_figure()
    ax = figure.add_subplot()
    widest = max(max(counts), 1)
    rows = [2, 1, 0]
    # an empty stage is still drawn: a dashed outline of a narrow bar, not nothing
    widths = [n if n else EMPTY_STAGE * widest for n in counts]
    bars = ax.barh(rows, widths, left=[(widest - w) / 2 for w in widths], height=0.72, color=FUNNEL_COLORS,
                   edgecolor=FUNNEL_COLORS[-1], linewidth=0)
    for bar, n, color in zip(bars, counts, FUNNEL_COLORS):
        if not n:
            bar.set(facecolor="none", edgecolor=FUNNEL_COLORS[-1], linestyle="--", linewidth=1.5)
    for row, label in zip(rows, labels):
        # on a light box: a narrow bar's label runs past it, and must read on the bar and beside it alike
        ax.text(widest / 2, row, label, ha="center", va="center", fontproperties=_props(loc, font, 13),
                bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    ax.set_xlim(-0.02 * widest, 1.02 * widest)
    ax.set_yticks(rows, labels=[t(loc, f"vocab_stage_{s}") for s in ("lead", "nurturing", "converted")])
    for tick in ax.get_yticklabels():
        tick.set_fontproperties(_props(loc, font, 12))
    ax.set_xticks([])
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    steps = [_step(loc, "lead", "nurturing", to_nurturing),
             _step(loc, "nurturing", "converted", figures.nurturing_to_converted.value),
             _step(loc, "lead", "converted", converted)]
    ax.set_xlabel(f"{steps[0]}    {steps[1]}\n{steps[2]}", fontproperties=_props(loc, font, 10), linespacing=1.6)
    figure.suptitle(t(loc, "chart_funnel_title", span=_span(loc, figures.period)), fontproperties=_props(loc, font, 15))
    return figure


def funnel_png(figures: Figures, locale: str) -> bytes:
    font = cjk_font()
    with _DRAW_LOCK:
        return png(funnel_figure(figures, locale, font))


# -- the weekly trend ------------------------------------------------------------------------------

def _week_label(loc: str, week: Period) -> str:
    return show.month_day(week.start.astimezone(ZoneInfo(week.tz or "UTC")).date(), loc)


def trend_figure(trend: list[WeekPoint], locale: str, font: str | None) -> Figure:
    """One line per figure of store.figures_trend.SERIES over the weeks. Only the last point of each
    carries its value, to the right of it, the labels kept LABEL_GAP apart (four zeros do not stack).
    Each series is drawn narrower than the one before and above it, so one equal to another (at zero,
    say) shows inside it; the axis starts a little below zero, so a zero line is not the axis."""
    loc = _text_locale(locale, font)
    figure = _new_figure()
    ax = figure.add_subplot()
    x = list(range(len(trend)))
    series = {name: [getattr(point, name) for point in trend] for name in SERIES}
    highest = max([1, *(v for values in series.values() for v in values)])
    for n, (name, values) in enumerate(series.items()):
        color, marker = SERIES_STYLE[name]
        ax.plot(x, values, color=color, marker=marker, linewidth=SERIES_WIDTHS[n], markersize=SERIES_MARKERS[n],
                zorder=2 + n, label=t(loc, f"chart_series_{name}"))
    bottom, top = -0.05 * highest, highest * 1.15
    if trend:
        top = max(top, _end_labels(ax, x[-1], series, gap=LABEL_GAP * (top - bottom)) + LABEL_GAP * (top - bottom))
    ax.set_ylim(bottom, top)
    ax.set_xlim(-0.4, max(len(trend) - 1, 0) + 0.7)  # room for the end labels
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xticks(x, labels=[_week_label(loc, point.week) for point in trend])
    for tick in ax.get_xticklabels():
        tick.set_fontproperties(_props(loc, font, 10))
        tick.set_rotation(0 if len(trend) <= LABELLED_WEEKS else 45)
    ax.set_xlabel(t(loc, "chart_trend_axis"), fontproperties=_props(loc, font, 10))
    ax.grid(axis="y", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    figure.legend(loc="outside lower center", ncols=len(SERIES), prop=_props(loc, font, 10), frameon=False)
    figure.suptitle(t(loc, "chart_trend_title", weeks=len(trend)), fontproperties=_props(loc, font, 15))
    return figure


def _end_labels(ax, last_x: int, series: dict[str, list[int]], *, gap: float) -> float:
    """Each series' last value beside its last point, in its colour; labels closer than `gap` are
    pushed up (in the order of their values) so none covers another. The highest label's height."""
    placed = None
    for name, values in sorted(series.items(), key=lambda item: item[1][-1]):
        value = values[-1]
        y = value if placed is None else max(value, placed + gap)
        placed = y
        ax.annotate(str(value), (last_x, value), xytext=(last_x + 0.12, y), textcoords="data", ha="left", va="center",
                    fontsize=9, fontweight="bold", color=SERIES_STYLE[name][0])
    return placed


def trend_png(trend: list[WeekPoint], locale: str) -> bytes:
    font = cjk_font()
    with _DRAW_LOCK:
        return png(trend_figure(trend, locale, font))
