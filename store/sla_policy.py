"""SLA targets as admins change them from Slack (`/crm admin sla`), each change in admin_change.

The words: `P1 response 1h resolution 8h calendar|business warn 75% escalate 30m`, any of them
after the priority, in any order; Chinese words too (`P1 响应 1小时 解决 8小时 自然时间 提醒 75%`).
A duration is whole days, hours and minutes (`1h30m`, `90m`, `2d`, `1小时30分钟`). New targets
apply to tickets opened from then on; open tickets keep the targets they were opened with.
"""
from __future__ import annotations

import re
from dataclasses import asdict, replace
from datetime import datetime

from sqlmodel import Session, select

from store.errors import DomainError
from store.models import AdminChange, SlaPolicy
from store.ticket_sla import PRIORITIES, Targets, targets_for
from store.db import get_for_update

MAX_MINUTES = 60 * 24 * 60  # 60 days: beyond that a target is a typo
_DURATION = re.compile(r"^(?:(\d{1,3})(?:d|天))?(?:(\d{1,4})(?:h|小时|時))?(?:(\d{1,5})(?:m|min|分钟|分))?$")
_PERCENT = re.compile(r"^(\d{1,3})%?$")
WORDS = {
    "response": "response_minutes", "响应": "response_minutes", "首次响应": "response_minutes",
    "resolution": "resolution_minutes", "解决": "resolution_minutes",
    "escalate": "escalate_after_minutes", "升级": "escalate_after_minutes",
    "warn": "warn_pct", "提醒": "warn_pct", "预警": "warn_pct",
}
CLOCK_WORDS = {"calendar": False, "自然时间": False, "business": True, "工作时间": True}
FIELDS = ("response_minutes", "resolution_minutes", "business", "warn_pct", "escalate_after_minutes")


def minutes_of(text: str) -> int | None:
    """`1h30m` -> 90; None when it is not a duration of at least a minute."""
    m = _DURATION.match(text.strip().lower())
    if not m or not any(m.groups()):
        return None
    days, hours, minutes = (int(g or 0) for g in m.groups())
    total = days * 1440 + hours * 60 + minutes
    return total or None


def parse_change(text: str) -> tuple[str, dict[str, object]]:
    """The priority and the fields the words change; DomainError (admin_sla_*) naming the word that is wrong."""
    words = text.split()
    if not words or words[0].upper() not in PRIORITIES:
        raise DomainError("admin_sla_priority", word=(words[0] if words else "")[:20])
    priority, changes, i = words[0].upper(), {}, 1
    while i < len(words):
        word = words[i].lower()
        if word in CLOCK_WORDS:
            changes["business"] = CLOCK_WORDS[word]
            i += 1
            continue
        field = WORDS.get(word)
        if field is None or i + 1 >= len(words):
            raise DomainError("admin_sla_word", word=words[i][:20])
        value = words[i + 1]
        if field == "warn_pct":
            m = _PERCENT.match(value)
            if not m or not 1 <= int(m.group(1)) <= 99:
                raise DomainError("admin_sla_percent", value=value[:20])
            changes[field] = int(m.group(1))
        else:
            minutes = minutes_of(value)
            if minutes is None or minutes > MAX_MINUTES:
                raise DomainError("admin_sla_duration", value=value[:20])
            changes[field] = minutes
        i += 2
    if not changes:
        raise DomainError("admin_sla_nothing", priority=priority)
    return priority, changes


def policies(*, session: Session) -> dict[str, Targets]:
    return {p: targets_for(session=session, priority=p) for p in PRIORITIES}


def set_targets(*, session: Session, by: str, priority: str, changes: dict[str, object], now: datetime) -> Targets:
    """Apply the changes (checked: a resolution no sooner than the response), each changed field
    recorded in admin_change; the targets as they are now."""
    before = targets_for(session=session, priority=priority)
    after = replace(before, **changes)
    if after.resolution_minutes < after.response_minutes:
        raise DomainError("admin_sla_order")
    row = get_for_update(session, SlaPolicy, priority) or SlaPolicy(priority=priority, **asdict(before))
    for field in FIELDS:
        old, new = getattr(before, field), getattr(after, field)
        if old != new:
            session.add(AdminChange(at=now, by=by, setting=f"sla:{priority}", field=field, old=str(old), new=str(new)))
            setattr(row, field, new)
    session.add(row)
    session.flush()
    return after


def recent_changes(*, session: Session, limit: int = 5) -> list[AdminChange]:
    stmt = select(AdminChange).where(AdminChange.setting.like("sla:%")).order_by(AdminChange.at.desc(), AdminChange.id.desc()).limit(limit)
    return list(session.exec(stmt))
