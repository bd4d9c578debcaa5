"""Who may read, edit and reassign a customer, and see its phone numbers and emails unmasked.

Plain functions on plain data: a `Viewer` (built once per request by `viewer_for`) and the
customer's owner. The team setting (`visibility`: own | team | all) says what a rep or a
manager reads beyond what is theirs anyway.

| viewer  | customer owned by                     | read      | edit | reassign | contact details |
| ------- | ------------------------------------- | --------- | ---- | -------- | --------------- |
| admin   | anyone                                | yes       | yes  | yes      | yes             |
| rep     | the rep                               | yes       | yes  | no       | yes             |
| rep     | a teammate (same manager, or him/her) | team, all | no   | no       | no              |
| rep     | anyone else                           | all       | no   | no       | no              |
| manager | the manager                           | yes       | yes  | yes      | yes             |
| manager | a report (manager_id = the manager)   | yes       | yes  | yes      | yes             |
| manager | a teammate                            | team, all | no   | no       | no              |
| manager | anyone else                           | all       | no   | no       | no              |
| anyone  | a customer they are CS owner of       | yes       | -    | -        | -               |

A manager reassigns only to themselves or one of their reports; an admin to anyone.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, true
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from store.errors import DomainError
from store.models import Customer, Role, SlackUser
from store.users import role_of

VISIBILITIES = ("own", "team", "all")


@dataclass(frozen=True)
class Viewer:
    id: str
    role: str = Role.rep.value
    visibility: str = "team"
    reports: frozenset[str] = frozenset()    # users whose manager is this viewer
    teammates: frozenset[str] = frozenset()  # users sharing this viewer's manager, and that manager

    def __post_init__(self) -> None:
        if self.visibility not in VISIBILITIES:
            raise ValueError(f"visibility is one of {VISIBILITIES}, got {self.visibility!r}")
        if self.role not in {r.value for r in Role}:
            raise ValueError(f"unknown role {self.role!r}")


def viewer_for(*, session: Session, user_id: str, visibility: str = "team", admins: frozenset[str] = frozenset()) -> Viewer:
    """The viewer's role, reports and teammates from slack_user (indexed on manager_id)."""
    role = role_of(session=session, user_id=user_id, admins=admins)
    reports = frozenset(session.exec(select(SlackUser.id).where(SlackUser.manager_id == user_id)).all())
    me = session.get(SlackUser, user_id)
    teammates: frozenset[str] = frozenset()
    if me is not None and me.manager_id:
        peers = session.exec(select(SlackUser.id).where(SlackUser.manager_id == me.manager_id)).all()
        teammates = frozenset(peers) - {user_id} | {me.manager_id}
    return Viewer(id=user_id, role=role, visibility=visibility, reports=reports, teammates=teammates)


def relation(viewer: Viewer, owner_id: str) -> str:
    """"own" | "report" | "teammate" | "other": who owns the customer, seen from the viewer."""
    if owner_id == viewer.id:
        return "own"
    if viewer.role == Role.manager.value and owner_id in viewer.reports:
        return "report"
    if owner_id in viewer.teammates:
        return "teammate"
    return "other"


def _owner(customer: Customer) -> str:
    return customer.owner_id


def can_read(viewer: Viewer, customer: Customer) -> bool:
    if viewer.role == Role.admin.value or customer.cs_owner_id == viewer.id:
        return True
    rel = relation(viewer, _owner(customer))
    if rel in ("own", "report"):
        return True
    if rel == "teammate":
        return viewer.visibility in ("team", "all")
    return viewer.visibility == "all"


def can_edit(viewer: Viewer, customer: Customer) -> bool:
    return viewer.role == Role.admin.value or relation(viewer, _owner(customer)) in ("own", "report")


def can_reassign(viewer: Viewer, customer: Customer, new_owner_id: str | None = None) -> bool:
    """Admins move anything anywhere; a manager moves their own or their reports' customers to
    themselves or a report; a rep moves nothing."""
    if viewer.role == Role.admin.value:
        return True
    if viewer.role != Role.manager.value or relation(viewer, _owner(customer)) not in ("own", "report"):
        return False
    return new_owner_id is None or new_owner_id == viewer.id or new_owner_id in viewer.reports


def can_log(viewer: Viewer, customer: Customer) -> bool:
    """Who may log an interaction (and leave a next action) on a customer: whoever may edit it,
    and its customer-success owner."""
    return can_edit(viewer, customer) or customer.cs_owner_id == viewer.id


def can_see_contact_details(viewer: Viewer, customer: Customer) -> bool:
    """The owner, the owner's manager and admins see phone numbers and emails unmasked."""
    return viewer.role == Role.admin.value or relation(viewer, _owner(customer)) in ("own", "report")


def forbidden(viewer: Viewer, customer: Customer, *, action: str, field: str | None = None) -> DomainError:
    """The refusal that says who may: `action` is "read", "edit" or "reassign"; the owner is named
    (a mention), never the customer."""
    if action == "read":
        key = "err_forbidden_read_own" if viewer.visibility == "own" else "err_forbidden_read"
    else:
        key = "err_forbidden_reassign" if action == "reassign" else "err_forbidden"
    return DomainError(key, field=field, owner=_owner(customer))


def require(allowed: bool, *, viewer: Viewer, customer: Customer, action: str) -> None:
    if not allowed:
        raise forbidden(viewer, customer, action=action)


def readable(viewer: Viewer, *, union: bool = False):
    """A WHERE clause on Customer for what the viewer may read: true, or customers owned by the
    allowed owners or success-managed by the viewer. PostgreSQL combines that OR with the trigram
    index by itself; SQLite scans the table for it, so there (`union`) it is written as the ids of
    two index lookups."""
    if viewer.role == Role.admin.value or viewer.visibility == "all":
        return true()
    owners = {viewer.id}
    if viewer.role == Role.manager.value:
        owners |= viewer.reports
    if viewer.visibility == "team":
        owners |= viewer.teammates
    if not union:
        return or_(Customer.owner_id.in_(sorted(owners)), Customer.cs_owner_id == viewer.id)
    by_owner, by_cs = aliased(Customer), aliased(Customer)
    ids = select(by_owner.id).where(by_owner.owner_id.in_(sorted(owners))).union_all(
        select(by_cs.id).where(by_cs.cs_owner_id == viewer.id))
    return Customer.id.in_(ids)
