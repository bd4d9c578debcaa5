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


def test_a_database_from_the_foundation_revision_upgrades_without_loss(empty_database):
    """0001 with a customer, an interaction, a next action, an outbox row and a user -> head."""
    from datetime import datetime, timezone

    from sqlalchemy import text

    upgrade(empty_database.url, "0001")
    at = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)
    naive = at.replace(tzinfo=None) if empty_database.backend == "sqlite" else at
    with empty_database.engine.begin() as conn:
        conn.execute(text("INSERT INTO customer (id, code, name, name_norm, company, industry, region, source, stage, grade, owner_id,"
                          " created_by, created_at, updated_at) VALUES (1, 'C202611001', '星河科技', '星河科技', '星河', '制造', '上海',"
                          " 'referral', 'lead', 'A', 'U1', 'U1', :at, :at)"), {"at": naive})
        conn.execute(text("INSERT INTO interaction (id, customer_id, occurred_on, way, participants, summary, feedback, author_id,"
                          " created_at) VALUES (1, 1, '2026-11-02', 'visit', '张总', '拜访', '价格偏高', 'U1', :at)"), {"at": naive})
        conn.execute(text("INSERT INTO next_action (id, customer_id, interaction_id, title, due_at, owner_id, created_by, status,"
                          " announce_at, created_at, updated_at) VALUES (1, 1, 1, '发送报价', :at, 'U1', 'U1', 'open', :at, :at, :at)"),
                     {"at": naive})
        conn.execute(text("INSERT INTO slack_user (id, name, email, tz, locale) VALUES ('U1', 'wang', 'w@x.cn', 'Asia/Shanghai', 'zh-CN')"))
        conn.execute(text("INSERT INTO outbox (kind, subject, due_key, recipient, data, status, attempts, next_attempt_at, created_at)"
                          " VALUES ('action_due', 'next_action:1', 'k', 'U1', '{}', 'sent', 1, :at, :at)"), {"at": naive})
    upgrade(empty_database.url)
    with empty_database.engine.connect() as conn:
        customer = conn.execute(text("SELECT code, name, company, industry, region, source, stage, status, grade, owner_id,"
                                     " last_interaction_at FROM customer")).one()
        interaction = conn.execute(text("SELECT summary, feedback, participants FROM interaction")).one()
        action = conn.execute(text("SELECT title, status, owner_id FROM next_action")).one()
        user = conn.execute(text("SELECT name, tz, locale, role FROM slack_user")).one()
        sent = conn.execute(text("SELECT status FROM outbox")).scalar_one()
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert tuple(customer)[:10] == ("C202611001", "星河科技", "星河", "制造", "上海", "referral", "lead", "to_nurture", "A", "U1")
    assert customer[10] is not None  # backfilled from the interaction
    assert tuple(interaction) == ("拜访", "价格偏高", "张总")
    assert tuple(action) == ("发送报价", "open", "U1")
    assert tuple(user) == ("wang", "Asia/Shanghai", "zh-CN", "rep")
    assert (sent, version) == ("sent", current_head())
