"""Slack users as we know them: time zone and locale, cached from users.info."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from store.errors import DomainError
from store.models import Role, SlackUser


def not_a_person(user: dict) -> str | None:
    """Why a Slack user object (users.info, users.list) can own no work: "bot" (a bot or an app),
    "gone" (a deactivated account), or None. Nobody would read its reminders."""
    if user.get("is_bot"):
        return "bot"
    if user.get("deleted"):
        return "gone"
    return None


def get_user(*, session: Session, user_id: str) -> SlackUser | None:
    return session.get(SlackUser, user_id)


def save_user(*, session: Session, user_id: str, name: str, email: str, tz: str | None, locale: str | None, now: datetime) -> SlackUser:
    """What users.info said, as one upsert: two first requests of a new user at once (two listener
    threads, two replicas) both land, neither fails on the primary key."""
    values = dict(name=name[:200], email=email[:320], tz=tz, locale=locale, fetched_at=now)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(SlackUser).values(id=user_id, role="rep", **values)
    session.execute(statement.on_conflict_do_update(index_elements=[SlackUser.id], set_=values))
    return session.get(SlackUser, user_id, populate_existing=True)


def _user(session: Session, user_id: str) -> SlackUser:
    user = session.get(SlackUser, user_id)
    if user is None:
        user = SlackUser(id=user_id)
        session.add(user)
    return user


def role_of(*, session: Session, user_id: str, admins: frozenset[str] = frozenset()) -> str:
    """`admins` are the ids the settings make admins from the start (CRM_ADMINS)."""
    if user_id in admins:
        return Role.admin.value
    user = session.get(SlackUser, user_id)
    return user.role if user else Role.rep.value


def set_role(*, session: Session, user_id: str, role: str) -> SlackUser:
    if role not in {r.value for r in Role}:
        raise DomainError("err_role", role=role)
    user = _user(session, user_id)
    user.role = role
    session.flush()
    return user


def set_manager(*, session: Session, user_id: str, manager_id: str | None) -> SlackUser:
    if manager_id == user_id:
        raise DomainError("err_own_manager")
    user = _user(session, user_id)
    user.manager_id = manager_id
    session.flush()
    return user


def manager_of(*, session: Session, user_id: str) -> str | None:
    user = session.get(SlackUser, user_id)
    return user.manager_id if user else None


def admin_ids(*, session: Session, bootstrap: frozenset[str] = frozenset()) -> list[str]:
    stored = session.exec(select(SlackUser.id).where(SlackUser.role == Role.admin.value)).all()
    return sorted(set(stored) | set(bootstrap))


def set_quiet_hours(*, session: Session, user_id: str, quiet_hours: str | None) -> SlackUser:
    user = _user(session, user_id)
    user.quiet_hours = quiet_hours
    session.flush()
    return user


def all_user_ids(*, session: Session) -> list[str]:
    """Every user the bot knows, sorted."""
    return sorted(session.exec(select(SlackUser.id)).all())


def team_people(*, session: Session, limit: int = 100) -> list[SlackUser]:
    """Managers, admins and anyone with a manager: who `/crm admin team` lists."""
    return list(session.exec(select(SlackUser).where((SlackUser.role != Role.rep.value) | (SlackUser.manager_id.is_not(None)))
                             .order_by(SlackUser.role, SlackUser.id).limit(limit)))
