"""Who takes a customer that converts without a customer-success owner (CRM_CS_OWNER, bot/settings.py):
one person for everyone (`U0CS001`), or one per manager's team with a default for the rest
(`U0MGR01:U0CS001,U0MGR02:U0CS002,*:U0CS009`). A customer's team is its owner's manager's (the
slack_user table, `/crm admin manager`); a manager's own customers count as their team's."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from store.users import manager_of


@dataclass(frozen=True)
class CsOwners:
    default: str | None = None                         # everyone's, or the rest's ("*")
    by_manager: tuple[tuple[str, str], ...] = ()       # (manager, customer-success owner), as configured

    def for_owner(self, session: Session, owner_id: str) -> str | None:
        """The customer-success owner for a customer of `owner_id`."""
        teams = dict(self.by_manager)
        if teams:
            if owner_id in teams:
                return teams[owner_id]
            manager = manager_of(session=session, user_id=owner_id)
            if manager in teams:
                return teams[manager]
        return self.default


__all__ = ["CsOwners"]
