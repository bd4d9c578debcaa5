"""Customer health in words: a band, a segment, and the reasons a score is what it is
(store/health.py stores each reason as a code and its parameters; they are phrased here)."""
from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from handlers.blocks import fmt_date, section
from handlers.context import Profile
from handlers.hooks import CardPart
from handlers.i18n import t
from store.health import history, reasons_of
from store.models import Customer, HealthScore
from store.permissions import Viewer

TREND_POINTS = 5  # stored scores shown in a card's trend, oldest first


def band_text(locale: str, band: str | None) -> str:
    return t(locale, f"health_band_{band}") if band else "—"


def segment_text(locale: str, segment: str | None) -> str:
    return t(locale, f"rfm_segment_{segment}") if segment else "—"


def _days_since(on: str, today: date) -> int:
    return max(0, (today - date.fromisoformat(on)).days)


def reason_text(locale: str, code: str, params: dict, *, now: datetime | None = None) -> str:
    """One reason in words. With `now`, a count that grows with time is brought up to `now` from the
    date the row gave ("since", "oldest_on"), so an older row reads as of today."""
    p = dict(params)
    if now is not None:
        today = now.date()
        if code in ("recency_late", "recency_never") and "since" in p:
            p["days"] = _days_since(p["since"], today)
        if code == "actions_overdue" and "oldest_on" in p:
            p["oldest_days"] = _days_since(p["oldest_on"], today)
        if code == "renewal_soon" and "on" in p:
            p["days"] = max(0, (date.fromisoformat(p["on"]) - today).days)
    if code == "rfm":
        p["segment"] = segment_text(locale, p.get("segment"))
    return t(locale, f"health_reason_{code}", **p)


def reasons_text(locale: str, reasons: list[tuple[str, dict]], *, now: datetime | None = None, sep: str | None = None) -> str:
    """The reasons store.health.reasons_of / AtRisk / HealthChange give, joined."""
    sep = sep if sep is not None else ("；" if locale.lower().startswith("zh") else "; ")
    return sep.join(reason_text(locale, code, params, now=now) for code, params in reasons)


def health_section(history: list[HealthScore], profile: Profile, *, now: datetime) -> dict | None:
    """A customer card's health: the score, band and RFM cell of the latest stored row, the trend
    of the last few stored scores (each from the day it changed) and the three reasons that cost
    most; None for a customer without a score. `history` newest first (store.health.history)."""
    if not history:
        return None
    loc, latest = profile.locale, history[0]
    rfm = t(loc, "health_card_rfm", cell=latest.rfm_cell, segment=segment_text(loc, latest.segment)) if latest.rfm_cell else ""
    lines = [t(loc, "health_card_line", score=latest.score, band=band_text(loc, latest.band), rfm=rfm)]
    if len(history) > 1:
        points = [t(loc, "health_card_point", score=h.score, on=fmt_date(h.computed_at.astimezone(profile.zone).date(), profile))
                  for h in reversed(history[:TREND_POINTS])]
        lines.append(t(loc, "health_card_trend", points=" → ".join(points)))
    reasons = reasons_of(latest.components)
    if reasons:
        lines.append(t(loc, "health_card_reasons", reasons=reasons_text(loc, reasons, now=now)))
    return section("\n".join(lines))


def _history(session: Session, customer: Customer, viewer: Viewer) -> list[HealthScore]:
    """Stored scores, newest first: converted and mature customers have them."""
    return history(session=session, customer_id=customer.id, limit=TREND_POINTS) if customer.health_score is not None else []


def _health_blocks(scores: list[HealthScore], profile: Profile, now: datetime) -> list[dict]:
    block = health_section(scores, profile, now=now)
    return [] if block is None else [block]


CARD_PART = CardPart(name="health", load=_history, blocks=_health_blocks, place="head")
