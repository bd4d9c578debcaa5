"""Revision 0007_figures: interaction.logged_on, the day each interaction was logged in its author's
zone, filled in for the interactions already there; authors whose zone was never known stay NULL
(counted as logged on time). SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, MetaData, Numeric, select

from store.db import transaction
from store.figures import Period, Scope, figures
from store.migrate import upgrade

UTC = timezone.utc
LOGGED = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)  # 01:00 on 7 Dec in Shanghai, 12:00 on 6 Dec in New York


def _filled(table, **given) -> dict:
    """A row of `table` with every NOT NULL column lacking a default filled in (plainly)."""
    row = dict(given)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None or column.primary_key:
            continue
        kind = column.type
        row[column.name] = (LOGGED if isinstance(kind, DateTime) else date(2026, 12, 1) if isinstance(kind, Date)
                            else False if isinstance(kind, Boolean) else 0 if isinstance(kind, (Integer, Numeric))
                            else [] if isinstance(kind, JSON) else "")
    return row


def test_upgrade_fills_logged_on_in_each_authors_zone(empty_database):
    database = empty_database
    upgrade(database.url, "0006")
    meta = MetaData()
    meta.reflect(database.engine)
    users, customers, interactions = (meta.tables[n] for n in ("slack_user", "customer", "interaction"))
    with database.engine.begin() as conn:
        for uid, tz in (("U1", "Asia/Shanghai"), ("U2", "America/New_York"), ("U3", None), ("U4", "Mars/Base")):
            conn.execute(users.insert(), [_filled(users, id=uid, tz=tz, role="rep")])
        conn.execute(customers.insert(), [_filled(customers, id=1, code="C1", name="星河科技", name_norm="星河科技", owner_id="U1",
                                                  created_by="U1", stage="mature", status="stable")])
        conn.execute(interactions.insert(), [
            _filled(interactions, id=n, customer_id=1, occurred_on=date(2026, 12, 5), way="visit", summary="拜访", author_id=author,
                    created_at=LOGGED)
            for n, author in enumerate(("U1", "U2", "U3", "U4", "U9"), start=1)])
    upgrade(database.url)
    meta = MetaData()
    meta.reflect(database.engine)
    with database.engine.connect() as conn:
        got = dict(conn.execute(select(meta.tables["interaction"].c.author_id, meta.tables["interaction"].c.logged_on)).all())
    assert got == {"U1": date(2026, 12, 7), "U2": date(2026, 12, 6), "U3": None, "U4": None, "U9": None}
    # a Saturday visit logged early on Monday in Shanghai is late; the same logged on Sunday in New York is not
    with transaction(database.factory) as s:
        f = figures(session=s, period=Period.week(date(2026, 12, 5), "Asia/Shanghai"), scope=Scope.everyone(),
                    now=datetime(2026, 12, 8, tzinfo=UTC))
    assert (f.interactions.value, f.logged_late.value.numerator, f.logged_late.value.denominator) == (5, 1, 5)
