"""The figures of store.figures as rows a person reads: a label from the catalog, the period's and
the previous period's values, the unit, the target and whether it is missed. handlers/stats/cards.py
draws them as Block Kit lines, bot/cli/report.py writes them as CSV, so both say the same thing.

Also `parse_period_code` (2026-10, 2026-W44, 2026-11-03); a period's words (`period_label`) are
handlers/words.py's, shared with the digests.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from handlers.blocks import clip, escape
from handlers.i18n import t
from handlers.numbers import decimal, duration, money, percent, whole
from handlers.stats.period_codes import period_code
from store.errors import DomainError
from store.figures import Figures, Period, Rate, Targets, Trend

STAGES = ("lead", "nurturing", "converted", "mature", "churned")
NONE = "—"
UP, DOWN, SAME = "▲", "▼", "="
PERIOD_YEARS = range(1970, 3000)  # the years a period code may name


@dataclass(frozen=True)
class Row:
    """One figure. `kind`: count | pct | days | duration | amount | points. `lines` says where it is
    shown: "both", "csv" (details folded into another line's `detail` in Slack) or "slack"."""

    key: str
    section: str            # activity | funnel | deals | service
    label: str
    kind: str
    value: Any
    previous: Any
    unit: str = ""          # a currency code for amounts
    target: tuple[str, float] | None = None  # ("min" | "max", number)
    missed: bool = False
    detail: str = ""
    snapshot: bool = False  # a value as of now: no previous period
    lines: str = "both"


def _rate_row(key, section, loc, trend: Trend[Rate], target=None, missed=False) -> Row:
    v = trend.value
    detail = t(loc, "fig_detail", text=f"{v.numerator}/{v.denominator}") if v.denominator else ""
    return Row(key, section, t(loc, f"fig_{key}"), "pct", v.pct, trend.previous.pct, target=target, missed=missed, detail=detail)


def _target(op: str, number: float | None) -> tuple[str, float] | None:
    return None if number is None else (op, number)


def figure_rows(f: Figures, loc: str, targets: Targets | None = None) -> list[Row]:
    """Every figure, in the order a report shows them."""
    tg = targets or Targets(None, None, None, None, None, None, None)
    missed = set(f.misses)
    sep = t(loc, "fig_sep")
    ways = [(way, trend) for way, trend in f.interactions_by_way.items() if trend.value or trend.previous]
    by_way = sep.join(f"{t(loc, f'way_{way}')} {trend.value}" for way, trend in ways if trend.value)
    a, ap = f.actions.value, f.actions.previous
    rows = [
        Row("new_leads", "activity", t(loc, "fig_new_leads"), "count", f.new_leads.value, f.new_leads.previous),
        Row("interactions", "activity", t(loc, "fig_interactions"), "count", f.interactions.value, f.interactions.previous,
            detail=t(loc, "fig_detail", text=by_way) if by_way else ""),
        *(Row(f"interactions_{way}", "activity", t(loc, "fig_interactions_way", way=t(loc, f"way_{way}")), "count",
              trend.value, trend.previous, lines="csv") for way, trend in ways),
        _rate_row("logged_late", "activity", loc, f.logged_late, _target("max", tg.logged_late_max), "logged_late" in missed),
        Row("actions_due", "activity", t(loc, "fig_actions_due"), "count", a.due, ap.due,
            detail=t(loc, "fig_detail", text=t(loc, "fig_actions_detail", on_time=a.done_on_time, late=a.done_late,
                                               open=a.still_open)) if a.due else ""),
        Row("done_on_time", "activity", t(loc, "fig_done_on_time"), "count", a.done_on_time, ap.done_on_time, lines="csv"),
        Row("done_late", "activity", t(loc, "fig_done_late"), "count", a.done_late, ap.done_late, lines="csv"),
        Row("still_open", "activity", t(loc, "fig_still_open"), "count", a.still_open, ap.still_open, lines="csv"),
        _rate_row("completion_rate", "activity", loc, f.completion_rate, _target("min", tg.completion_min),
                  "completion_rate" in missed),
        Row("overdue_now", "activity", t(loc, "fig_overdue_now"), "count", f.overdue_now, None, snapshot=True),
        _rate_row("lead_to_nurturing", "funnel", loc, f.lead_to_nurturing),
        _rate_row("nurturing_to_converted", "funnel", loc, f.nurturing_to_converted),
        _rate_row("lead_to_converted", "funnel", loc, f.lead_to_converted),
        *(Row(f"days_in_{stage}", "funnel", t(loc, "fig_days_in_stage", stage=t(loc, f"vocab_stage_{stage}")), "days",
              f.days_in_stage[stage].value, f.days_in_stage[stage].previous) for stage in STAGES if stage in f.days_in_stage),
        Row("sales_cycle", "funnel", t(loc, "fig_sales_cycle"), "days", f.sales_cycle_days.value, f.sales_cycle_days.previous),
        *_won_rows(f, loc),
        _rate_row("repurchase_rate", "deals", loc, f.repurchase_rate),
        _rate_row("churn_rate", "deals", loc, f.churn_rate, _target("max", tg.churn_max), "churn_rate" in missed),
        _rate_row("high_value_churn_rate", "deals", loc, f.high_value_churn_rate, _target("max", tg.high_value_churn_max),
                  "high_value_churn_rate" in missed),
        _rate_row("retention_rate", "deals", loc, f.retention_rate),
        Row("nps", "service", t(loc, "fig_nps"), "points", f.nps.value.nps, f.nps.previous.nps, target=_target("min", tg.nps_min),
            missed="nps" in missed,
            detail=t(loc, "fig_detail", text=t(loc, "fig_nps_detail", count=f.nps.value.responses)) if f.nps.value.responses else ""),
        Row("nps_responses", "service", t(loc, "fig_nps_responses"), "count", f.nps.value.responses, f.nps.previous.responses,
            lines="csv"),
        _rate_row("sla_response", "service", loc, f.sla_response, _target("min", tg.sla_response_min), "sla_response" in missed),
        _rate_row("sla_resolution", "service", loc, f.sla_resolution, _target("min", tg.sla_resolution_min),
                  "sla_resolution" in missed),
        Row("median_first_response", "service", t(loc, "fig_median_first_response"), "duration", f.median_first_response.value,
            f.median_first_response.previous),
    ]
    return rows


def _won_rows(f: Figures, loc: str) -> list[Row]:
    """Slack: one line per currency (amount and count); CSV: a count row and an amount row per currency."""
    cur, prev = f.deals_won.value, f.deals_won.previous
    currencies = sorted(set(cur) | set(prev))
    if not currencies:
        return [Row("deals_won", "deals", t(loc, "fig_deals_won"), "count", 0, 0)]
    rows = []
    for c in currencies:
        now_won, before = cur.get(c), prev.get(c)
        rows.append(Row(f"deals_won_{c}", "deals", t(loc, "fig_deals_won_in", currency=c), "won", now_won, before, unit=c,
                        lines="slack"))
        rows.append(Row(f"deals_won_count_{c}", "deals", t(loc, "fig_deals_won_count", currency=c), "count",
                        now_won.count if now_won else 0, before.count if before else 0, lines="csv"))
        rows.append(Row(f"deals_won_amount_{c}", "deals", t(loc, "fig_deals_won_amount", currency=c), "amount",
                        now_won.amount if now_won else Decimal("0.00"), before.amount if before else Decimal("0.00"), unit=c,
                        lines="csv"))
    return rows


# -- values as text -------------------------------------------------------------------------------

def number(value: float) -> str:
    """90.0 -> 90, 7.5 -> 7.5 (targets)."""
    return f"{value:g}"


def fmt_days(days: float, loc: str) -> str:
    return t(loc, "fig_days", days=decimal(days, loc))


def fmt_duration(span: timedelta, loc: str) -> str:
    """2天3小时 / 1 hour 30 minutes / 45 minutes / 20 seconds (handlers/numbers.duration, Babel)."""
    return duration(span, loc)




def show(row: Row, value: Any, loc: str) -> str:
    """A value of the row as Slack shows it."""
    if value is None:
        return t(loc, "fig_won_none") if row.kind == "won" else NONE
    if row.kind == "count":
        return whole(value, loc)
    if row.kind == "pct":
        return percent(value, loc)
    if row.kind == "points":
        return decimal(value, loc)
    if row.kind == "days":
        return fmt_days(value, loc)
    if row.kind == "duration":
        return fmt_duration(value, loc)
    if row.kind == "won":
        return t(loc, "fig_won_value", amount=money(value.amount, row.unit, loc), count=value.count)
    return money(value, row.unit, loc)


def _comparable(row: Row, value: Any):
    if row.kind == "won":
        return (Decimal("0"), 0) if value is None else (value.amount, value.count)
    return value


def change(row: Row) -> str:
    """▲ / ▼ / = comparing what is shown (rounded values); nothing when either side is unknown."""
    cur, prev = _comparable(row, row.value), _comparable(row, row.previous)
    if cur is None or prev is None:
        return ""
    return UP if cur > prev else DOWN if cur < prev else SAME


def target_text(row: Row) -> str:
    """≥ 90% / ≤ 10% / ≥ 80."""
    op, value = row.target
    return f"{'≥' if op == 'min' else '≤'} {number(value)}{'%' if row.kind == 'pct' else ''}"


def worth_a_line(row: Row) -> bool:
    """A row with something to say: a value now or in the previous period (a snapshot always)."""
    return row.snapshot or row.value is not None or row.previous is not None


def line(row: Row, loc: str) -> str:
    """One figure as a Slack line: value, detail, previous value, change, and the target it misses.
    "—" stands only where it compares with something: no previous value, no "prev. —"."""
    miss = ""
    if row.missed:
        miss = t(loc, "fig_miss_target", target=target_text(row)) if row.target else t(loc, "fig_miss")
    if row.snapshot or (row.previous is None and row.kind != "won"):
        return t(loc, "fig_line_now", label=row.label, value=show(row, row.value, loc), detail=row.detail) + miss
    arrow = change(row)
    return t(loc, "fig_line", label=row.label, value=show(row, row.value, loc), detail=row.detail,
             previous=show(row, row.previous, loc), change=f" {arrow}" if arrow else "", miss=miss)


def movement(row: Row) -> float:
    """How far a figure moved from the previous period, comparable across kinds: percentage points
    as a fraction of 100 for rates, the change relative to the previous value (at least 1) for the
    rest; 0 when either side is unknown or it is a snapshot."""
    cur, prev = _comparable(row, row.value), _comparable(row, row.previous)
    if row.snapshot or cur is None or prev is None:
        return 0.0
    if row.kind == "won":
        cur, prev = cur[0], prev[0]
    if row.kind == "duration":
        cur, prev = cur.total_seconds(), prev.total_seconds()
    if row.kind == "pct":
        return abs(float(cur) - float(prev)) / 100
    return abs(float(cur) - float(prev)) / max(abs(float(prev)), 1.0)


def highlights(rows: list[Row], count: int = 3) -> list[Row]:
    """The figures a reader should see first: those that missed their target, then those that moved
    most (see `movement`), at most `count`, in that order."""
    shown = [r for r in rows if r.lines != "csv"]
    missed = [r for r in shown if r.missed]
    moved = sorted((r for r in shown if not r.missed and movement(r) > 0), key=movement, reverse=True)
    return (missed + moved)[:count]


# -- periods --------------------------------------------------------------------------------------

def parse_period_code(text: str, tz: str) -> Period | None:
    """2026-10 (a month), 2026-W44 (an ISO week), 2026-11-03 (a day) in the zone; None otherwise.
    A year outside PERIOD_YEARS is refused (the figures compare with earlier periods and a trend of
    several, which year 1 or 9999 has no room for)."""
    found = period_code(text)
    if found is not None and found[1].year not in PERIOD_YEARS:
        raise DomainError("stats_period_years", text=escape(clip(text, 40)), first=PERIOD_YEARS[0], last=PERIOD_YEARS[-1])
    return None if found is None else getattr(Period, found[0])(found[1], tz)
