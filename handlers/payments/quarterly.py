"""The payments feature's section of the managers' quarterly review (handlers/digests/quarterly.py),
handed in by bot/hooks.py through Defaults.hooks.quarterly_sections: the quarter's receivables per currency,
due and collected on its local days and overdue as it stood at its end (store/receivables.py)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from handlers.blocks import lines_sections
from handlers.i18n import t
from handlers.numbers import money
from store.receivables import receivables_between


def receivables_blocks(*, session: Session, start: datetime, end: datetime, owner_ids: frozenset[str] | None, locale: str,
                       tz: str) -> list[dict]:
    """One line per currency; no blocks when nothing was due, collected or overdue."""
    zone = ZoneInfo(tz)
    found = receivables_between(session=session, first=start.astimezone(zone).date(), end=end.astimezone(zone).date(),
                                owner_ids=owner_ids)
    if not found:
        return []
    lines = [t(locale, "quarter_rcv_line", due=money(r.due.amount, currency, locale), due_count=r.due.count,
               collected=money(r.collected.amount, currency, locale), collected_count=r.collected.count,
               overdue=money(r.overdue.amount, currency, locale), overdue_count=r.overdue.count)
             for currency, r in found.items()]
    return lines_sections(t(locale, "quarter_rcv_head"), lines, loc=locale)
