"""Text for the digest's charts (handlers/digests/charts.py): the funnel and the weekly trend. Stage names
come from the lifecycle vocabulary (vocab_stage_*); dates are CLDR's (handlers/dates/show.py)."""
from __future__ import annotations

from handlers.texts import EN, ZH, plural

TEXTS: dict[str, dict[str, str]] = {
    "chart_funnel_title": {ZH: "转化漏斗 · {span}", EN: "Conversion funnel · {span}"},
    "chart_funnel_leads": {ZH: "{count} 个线索", EN: plural(one="{count} lead", other="{count} leads")},
    "chart_funnel_share": {ZH: "{count} 个（占线索 {pct}）", EN: "{count} ({pct} of leads)"},
    "chart_funnel_step": {ZH: "{before}→{after}：{pct}（{n}/{d}）", EN: "{before} → {after}: {pct} ({n}/{d})"},
    "chart_trend_title": {ZH: "每周趋势（最近 {weeks} 周）", EN: "Weekly trend (last {weeks} weeks)"},
    "chart_trend_axis": {ZH: "周（周一日期）", EN: "Week starting Monday"},
    "chart_series_interactions": {ZH: "记录的互动", EN: "Interactions logged"},
    "chart_series_done_on_time": {ZH: "按时完成的下一步", EN: "Next actions done on time"},
    "chart_series_new_leads": {ZH: "新线索", EN: "New leads"},
    "chart_series_deals_won": {ZH: "赢单", EN: "Deals won"},
}
