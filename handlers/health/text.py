"""Customer health in words: a band, a segment, and the reasons a score is what it is
(store/health.py stores each reason as a code and its parameters; they are phrased here)."""
from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from handlers.blocks import clip, context as context_block, escape, fmt_date, mention, section
from handlers.context import Profile
from handlers.hooks import CardPart
from handlers.i18n import t
from store.health import history, reasons_of
from store.models import Customer, HealthScore, RiskResponse
from store.permissions import Viewer
from store.risk import standing_not_at_risk

TREND_POINTS = 5  # stored scores shown in a card's trend, oldest first


def band_text(locale: str, band: str | None) -> str:
    return t(locale, f"health_band_{band}") if band else "—"


def segment_text(locale: str, segment: str | None) -> str:
    return t(locale, f"rfm_segment_{segment}") if segment else "—"


def _day_of(value: str, profile: Profile) -> str:
    """A stored date ("2026-10-07", older rows) or instant (ISO 8601) as the reader's date."""
    try:
        if len(value) == 10:
            return fmt_date(date.fromisoformat(value), profile)
        return fmt_date(datetime.fromisoformat(value).astimezone(profile.zone).date(), profile)
    except (TypeError, ValueError):
        return value


def reason_text(locale: str, code: str, params: dict, *, profile: Profile | None = None) -> str:
    """One reason in words, with the numbers stored with the score (as of the day it was computed);
    with `profile`, the dates in the reader's zone and language."""
    p = dict(params)
    if profile is not None:
        for key in ("since", "on"):
            if isinstance(p.get(key), str):
                p[key] = _day_of(p[key], profile)
    if code == "rfm":
        p["segment"] = segment_text(locale, p.get("segment"))
    if isinstance(p.get("oldest_days"), int):
        p["oldest_days"] = t(locale, "health_n_days", count=p["oldest_days"])
    if "count" not in p and isinstance(p.get("days"), int):  # the texts whose one number is days: its plural form
        p["count"] = p["days"]
    return t(locale, f"health_reason_{code}", **p)


def reasons_text(locale: str, reasons: list[tuple[str, dict]], *, profile: Profile | None = None, sep: str | None = None) -> str:
    """The reasons store.health.reasons_of / AtRisk / HealthChange give, joined."""
    sep = sep if sep is not None else ("；" if locale.lower().startswith("zh") else "; ")
    return sep.join(reason_text(locale, code, params, profile=profile) for code, params in reasons)


def scored_on(at: datetime | None, profile: Profile) -> str:
    """The day a stored score was computed, in the reader's zone."""
    return fmt_date(at.astimezone(profile.zone).date(), profile) if at is not None else "—"


def components_line(components: list[dict], locale: str) -> str:
    """Each judged component's points and weight: 近况 0 分 × 25 · NPS 0 分 × 20 · …"""
    parts = [t(locale, "health_comp_points", name=t(locale, f"health_comp_{c['name']}"), points=c["points"], weight=c["weight"])
             for c in components if c.get("points") is not None and c.get("weight")]
    return t(locale, "health_card_parts", parts=t(locale, "health_comp_sep").join(parts)) if parts else ""


def arithmetic_text(components: list[dict], score: int, locale: str) -> str:
    """How the score is computed from its components: the weighted mean, and what was left out."""
    judged = [c for c in components if c.get("points") is not None and c.get("weight")]
    total = sum(c["weight"] for c in judged)
    weighted = sum(c["weight"] * c["points"] for c in judged)
    terms = " + ".join(f"{c['points']}×{c['weight']}" for c in judged)
    text = t(locale, "health_card_math", terms=terms or "0", total=total, weighted=weighted, score=score)
    out = [c for c in components if c.get("points") is None and c.get("weight")]
    if out:
        names = t(locale, "health_comp_sep").join(
            t(locale, "health_comp_left_out", name=t(locale, f"health_comp_{c['name']}"),
              why=reason_text(locale, c["code"], c.get("params", {}))) for c in out)
        text += t(locale, "health_card_left_out", names=names)
    return text


def not_at_risk_line(answer, profile: Profile) -> str | None:
    """✅ Not at risk, by whom and when, with the reason given (store.risk.standing_not_at_risk)."""
    if answer is None:
        return None
    return t(profile.locale, "health_not_at_risk", user=mention(answer.by), on=scored_on(answer.at, profile),
             reason=escape(clip(answer.reason, 300)), score=answer.score if answer.score is not None else "—")


def health_section(history: list[HealthScore], profile: Profile, *, now: datetime | None = None,
                   not_at_risk: str | None = None) -> list[dict]:
    """A customer card's health: the score, band and RFM cell of the latest stored row with the day it
    was computed, each component's points and weight, the trend of the last few stored scores (each
    from the day it changed), the three reasons that cost most as stored with the score, the "not at
    risk" answer when there is one; then a context block saying how the score is computed. No blocks
    for a customer without a score. `history` newest first (store.health.history)."""
    if not history:
        return []
    loc, latest = profile.locale, history[0]
    rfm = t(loc, "health_card_rfm", cell=latest.rfm_cell, segment=segment_text(loc, latest.segment)) if latest.rfm_cell else ""
    lines = [t(loc, "health_card_line", score=latest.score, band=band_text(loc, latest.band), rfm=rfm,
               on=scored_on(latest.computed_at, profile))]
    parts = components_line(latest.components, loc)
    if parts:
        lines.append(parts)
    if len(history) > 1:
        points = [t(loc, "health_card_point", score=h.score, on=fmt_date(h.computed_at.astimezone(profile.zone).date(), profile))
                  for h in reversed(history[:TREND_POINTS])]
        lines.append(t(loc, "health_card_trend", points=" → ".join(points)))
    reasons = reasons_of(latest.components)
    if reasons:
        lines.append(t(loc, "health_card_reasons", reasons=reasons_text(loc, reasons, profile=profile)))
    if not_at_risk:
        lines.append(not_at_risk)
    return [section("\n".join(lines)), context_block(arithmetic_text(latest.components, latest.score, loc))]


def _load(session: Session, customer: Customer, viewer: Viewer) -> tuple[list[HealthScore], RiskResponse | None]:
    """Stored scores, newest first (converted and mature customers have them), and the "not at
    risk" answer that still holds."""
    if customer.health_score is None:
        return [], None
    scores = history(session=session, customer_id=customer.id, limit=TREND_POINTS)
    held = standing_not_at_risk(session=session, customers=[(customer.id, customer.health_score)]).get(customer.id)
    return scores, held


def _card_blocks(loaded: tuple[list[HealthScore], RiskResponse | None], profile: Profile, now: datetime) -> list[dict]:
    scores, held = loaded
    return health_section(scores, profile, now=now, not_at_risk=not_at_risk_line(held, profile))


CARD_PART = CardPart(name="health", load=_load, blocks=_card_blocks, place="head")
