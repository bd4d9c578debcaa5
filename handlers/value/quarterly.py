"""The value feature's sections of the managers' quarterly review (handlers/digests/quarterly.py):
bot/hooks.py hands them in through Defaults.hooks.quarterly_sections, so the digest never imports this
feature. Each is (session=, start=, end=, owner_ids=, locale=, tz=) -> blocks; no blocks when there
is nothing to show (the digests leave out an empty section)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from handlers.blocks import clip, escape, lines_sections, section, vocab
from handlers.i18n import t
from store.nps import nps_by_tier
from store.value_tiers import tier_movements

SHOWN = 10  # customers listed under the tier movements


def tier_movement_blocks(*, session: Session, start: datetime, end: datetime, owner_ids: frozenset[str] | None, locale: str,
                         tz: str) -> list[dict]:
    """How many moved up and down between high, medium and low in the quarter, and the first who did."""
    found = tier_movements(session=session, start=start, end=end, owner_ids=owner_ids, limit=SHOWN)
    if not found.up and not found.down:
        return []
    lines = [t(locale, f"quarter_tier_{'up' if _rank(m.new) > _rank(m.old) else 'down'}", customer=escape(clip(m.name, 60)),
               code=m.code, old=vocab(locale, "value_tier", m.old), new=vocab(locale, "value_tier", m.new)) for m in found.shown]
    return lines_sections(t(locale, "quarter_tiers_head", up=found.up, down=found.down), lines, loc=locale,
                          total=found.up + found.down)


def _rank(tier: str) -> int:
    return {"high": 3, "medium": 2}.get(tier, 1)


def _nps(value: float | None) -> str:
    return "—" if value is None else f"{value:+.0f}"


def nps_by_tier_blocks(*, session: Session, start: datetime, end: datetime, owner_ids: frozenset[str] | None, locale: str,
                       tz: str) -> list[dict]:
    """NPS of the quarter per value tier the customers had when they answered (high, medium, low, then
    without a tier), with the counts."""
    found = nps_by_tier(session=session, start=start, end=end, owner_ids=owner_ids)
    if not found:
        return []
    lines = [t(locale, "quarter_nps_tier", tier=vocab(locale, "value_tier", tier) if tier else t(locale, "aov_tier_none"),
               nps=_nps(s.nps), count=s.responses, promoters=s.promoters, passives=s.passives, detractors=s.detractors)
             for tier, s in found.items()]
    return [section("\n".join([t(locale, "quarter_nps_tier_head"), *lines]))]
