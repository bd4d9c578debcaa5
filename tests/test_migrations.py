"""Alembic revisions and the SQLModel tables describe the same schema, on both databases."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import store.models  # noqa: F401
from store.migrate import current_head, upgrade


def test_upgrade_to_head_matches_the_models(empty_database):
    upgrade(empty_database.url)
    with empty_database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    assert diff == []
    assert version == current_head()
    assert {"customer", "interaction", "next_action", "outbox", "slack_user"} <= set(inspect(empty_database.engine).get_table_names())


def test_upgrade_twice_is_harmless(empty_database):
    upgrade(empty_database.url)
    upgrade(empty_database.url)
    with empty_database.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar_one() == 1
