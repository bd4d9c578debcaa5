"""Who takes a customer that converts without a customer-success owner (CRM_CS_OWNER, bot/settings.py):
one person for everyone (`U0CS001`), or one per manager's team with a default for the rest
(`U0MGR01:U0CS001,U0MGR02:U0CS002,*:U0CS009`). A customer's team is its owner's manager's (the
slack_user table, `/crm admin manager`); a manager's own customers count as their team's.
CsOwners itself is plain data (store/tuning.py), so the settings load without SQL."""
from __future__ import annotations

from sqlmodel import Session

from store.tuning import CsOwners
from store.users import manager_of


def cs_owner_for(owners: CsOwners, *, session: Session, owner_id: str) -> str | None:
    """The customer-success owner for a customer of `owner_id`."""
    teams = dict(owners.by_manager)
    if teams:
        if owner_id in teams:
            return teams[owner_id]
        manager = manager_of(session=session, user_id=owner_id)
        if manager in teams:
            return teams[manager]
    return owners.default


__all__ = ["CsOwners", "cs_owner_for"]
