"""Revision 0003 upgrades a database made by 0001/0002 without losing a row or a value."""
from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, inspect, select
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from store.customers import create_customer, find_customers
from store.db import make_engine, normalise_url, session_factory, transaction
from store.migrate import upgrade
from store.models import Contact, Customer, NextAction
from store.permissions import Viewer
from tests.conftest import PG_URL

UTC = timezone.utc
T0 = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)


def _rows(t0: datetime) -> dict[str, list[dict]]:
    customer = dict(company="", industry="", region="", source="", grade=None, owner_id="U1", created_by="U1")
    return {
        "slack_user": [dict(id="U1", name="wang", email="w@example.com", tz="Asia/Shanghai", locale="zh-CN", fetched_at=t0,
                            role="manager", manager_id=None, quiet_hours="22:00-07:30"),
                       dict(id="U2", name="li", email="", tz=None, locale=None, fetched_at=None, role="rep",
                            manager_id="U1", quiet_hours=None)],
        "code_counter": [dict(period="202611", value=2)],
        "customer": [
            dict(customer, id=1, code="C202611001", name="星河科技", name_norm="星河科技", stage="lead", created_at=t0,
                 updated_at=t0 + timedelta(hours=1), company="星河科技有限公司", industry="制造业", region="上海", source="referral", grade="B"),
            dict(customer, id=2, code="C202611002", name="Galaxy Tech", name_norm="galaxy tech", stage="nurturing",
                 created_at=t0 + timedelta(days=1), updated_at=t0 + timedelta(days=1), owner_id="U2"),
        ],
        "contact": [dict(id=1, customer_id=1, name="张总", title="总经理", created_at=t0)],
        "interaction": [
            dict(id=1, customer_id=1, occurred_on=date(2026, 11, 2), way="visit", participants="张总", summary="拜访",
                 feedback="满意", author_id="U1", created_at=t0 + timedelta(hours=2)),
            dict(id=2, customer_id=1, occurred_on=date(2026, 11, 5), way="phone", participants="", summary="回访",
                 feedback="", author_id="U1", created_at=t0 + timedelta(days=3)),
        ],
        "next_action": [dict(id=1, customer_id=1, interaction_id=2, title="发送报价", due_at=t0 + timedelta(days=4),
                             owner_id="U1", created_by="U1", status="open", announce_at=t0 + timedelta(days=4), done_at=None,
                             done_by=None, created_at=t0 + timedelta(days=3), updated_at=t0 + timedelta(days=3))],
        "outbox": [dict(id=1, kind="action_due", subject="action:1", due_key="k1", recipient="U1", data={"a": [1, "二"]},
                        status="sent", attempts=1, next_attempt_at=t0, lease_until=None, last_error=None, posting_at=None,
                        channel="D1", ts="1.2", sent_at=t0, created_at=t0)],
        "ticket": [dict(id=1, code="T202611001", customer_id=2, priority="P2", type="complaint", description="坏了",
                        status="open", assignee_id="U2", created_by="U1", created_at=t0, updated_at=t0, taken_at=t0,
                        first_response_at=None, pending_since=None, solved_at=None, closed_at=None, source_channel="C1",
                        source_ts="3.4", source_link=None, card_channel=None, card_ts=None, sla_business=True,
                        response_minutes=120, resolution_minutes=1440, warn_pct=75, escalate_after_minutes=60,
                        response_paused_minutes=0, resolution_paused_minutes=5, response_due_at=t0 + timedelta(hours=2),
                        resolution_due_at=None, sla_next_at=t0 + timedelta(hours=1, minutes=30))],
        "ticket_event": [dict(id=1, ticket_id=1, at=t0, by="U1", kind="created", from_status=None, to_status="new", detail="")],
        "nps_response": [dict(id=1, customer_id=1, score=9, comment="很好", source="slack", external_id=None,
                              responded_at=t0, recorded_by="U1", created_at=t0)],
    }


def _snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table 0002 made, its columns in 0002's order."""
    meta = MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for name, table in meta.tables.items():
            if name == "alembic_version":
                continue
            out[name] = [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
    return out


def _old_columns_now(engine, before: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    old = MetaData()
    old.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for name, rows in before.items():
            table = old.tables[name]
            width = len(rows[0]) if rows else 0
            columns = list(table.columns)[:width]
            out[name] = [tuple(r) for r in conn.execute(select(*columns).order_by(*table.primary_key.columns))]
    return out


def test_upgrade_from_0002_keeps_every_row_and_value(empty_database):
    database = empty_database
    upgrade(database.url, "0002")
    meta = MetaData()
    meta.reflect(database.engine)
    with database.engine.begin() as conn:
        for name, rows in _rows(T0).items():
            conn.execute(meta.tables[name].insert(), rows)
            if database.backend == "postgresql" and "id" in rows[0] and isinstance(rows[0]["id"], int):
                # rows written with their ids, as a restore would: move the sequence past them
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
    before = _snapshot(database.engine)
    assert {k: len(v) for k, v in before.items()} == {
        "slack_user": 2, "code_counter": 1, "customer": 2, "contact": 1, "interaction": 2, "next_action": 1,
        "outbox": 1, "ticket": 1, "ticket_event": 1, "nps_response": 1, "sla_policy": 4}

    upgrade(database.url)

    # new columns came after the old ones, so each old row is the prefix of its new row
    assert _old_columns_now(database.engine, before) == before
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []
    assert {"deal", "need", "stage_change", "contact_change", "audit_entry", "customer_tag"} <= set(inspect(database.engine).get_table_names())

    with transaction(database.factory) as s:
        star, galaxy = s.get(Customer, 1), s.get(Customer, 2)
        assert (star.stage, star.status, star.stage_changed_at, star.grade, star.source) == ("lead", "to_nurture", T0, "B", "referral")
        assert (star.first_contact_at, star.last_interaction_at) == (T0 + timedelta(hours=2), T0 + timedelta(days=3))
        assert star.search_norm == "星河科技 星河科技有限公司 c202611001 制造业"
        assert (star.contact_title, star.cultural_notes, star.phone_enc, star.cs_owner_id) == ("", "", None, None)
        assert (galaxy.stage, galaxy.status, galaxy.first_contact_at, galaxy.last_interaction_at) == ("nurturing", "needs_follow_up", None, None)
        assert galaxy.search_norm == "galaxy tech c202611002"
        assert s.get(Contact, 1).role == "contact" and s.get(NextAction, 1).origin is None
        assert [c.id for c in find_customers(session=s, words="制造业", viewer=Viewer(id="U1"), limit=5)] == [1]
        assert create_customer(session=s, name="新客户", owner_id="U1", created_by="U1", now=T0).code == "C202611003"


def _index_method(engine) -> str:
    with engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam WHERE c.oid = to_regclass('ix_customer_search_norm')"
        ).scalar_one()


def test_postgresql_gets_a_trigram_index_when_it_can(empty_database):
    upgrade(empty_database.url)
    indexes = {ix["name"]: ix for ix in inspect(empty_database.engine).get_indexes("customer")}
    assert indexes["ix_customer_search_norm"]["column_names"] == ["search_norm"]
    if empty_database.backend == "postgresql":
        with empty_database.engine.connect() as conn:
            available = conn.exec_driver_sql("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'").scalar_one()
        # the extension ships with PostgreSQL (contrib); where a server lacks it the next test's path is taken
        assert _index_method(empty_database.engine) == ("gin" if available else "btree")


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (TEST_DATABASE_URL): SQLite has no extensions")
def test_without_pg_trgm_the_migration_says_so_and_find_still_works(caplog):
    """A user that may not create extensions, in a database that has none: B-tree, and one clear warning."""
    name = f"crm_notrgm_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    engine = None
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')  # owned by the admin: the role may not CREATE EXTENSION
        server = make_url(normalise_url(PG_URL))
        owner = create_engine(server.set(database=name), isolation_level="AUTOCOMMIT")
        with owner.connect() as conn:
            conn.exec_driver_sql("DROP EXTENSION IF EXISTS pg_trgm")
            conn.exec_driver_sql(f'CREATE SCHEMA app AUTHORIZATION "{name}"')
        owner.dispose()
        url = server.set(username=name, database=name, query={"options": "-csearch_path=app"}).render_as_string(hide_password=False)
        with caplog.at_level(logging.WARNING, logger="crm.migrate"):
            upgrade(url)
        warnings = [r.getMessage() for r in caplog.records if r.name == "crm.migrate"]
        assert len(warnings) == 1 and "pg_trgm" in warnings[0] and "CREATE EXTENSION pg_trgm;" in warnings[0]
        engine = make_engine(url)
        assert _index_method(engine) == "btree"
        with transaction(session_factory(engine)) as s:
            create_customer(session=s, name="星河科技", owner_id="U1", created_by="U1", now=T0)
        with transaction(session_factory(engine)) as s:
            assert [c.name for c in find_customers(session=s, words="河科", viewer=Viewer(id="U1"), limit=5)] == ["星河科技"]
    finally:
        if engine is not None:
            engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')
        admin.dispose()
