"""Slack users as we know them: time zone and locale, cached from users.info."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from store.models import SlackUser


def get_user(*, session: Session, user_id: str) -> SlackUser | None:
    return session.get(SlackUser, user_id)


def save_user(*, session: Session, user_id: str, name: str, email: str, tz: str | None, locale: str | None, now: datetime) -> SlackUser:
    user = session.get(SlackUser, user_id) or SlackUser(id=user_id)
    user.name, user.email, user.tz, user.locale, user.fetched_at = name[:200], email[:320], tz, locale, now
    session.add(user)
    session.flush()
    return user
