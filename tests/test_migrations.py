"""Alembic revisions and the SQLModel tables describe the same schema, on both databases."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import SQLModel

import store.models  # noqa: F401
from store.migrate import MIGRATIONS, current_head, database_revision, upgrade, upgrade_if_behind


def test_upgrade_to_head_matches_the_models(empty_database):
    upgrade(empty_database.url)
    with empty_database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    assert diff == []
    assert version == current_head()
    assert {"customer", "interaction", "next_action", "outbox", "slack_user"} <= set(inspect(empty_database.engine).get_table_names())


def test_the_head_read_from_the_revision_files_is_alembics_own():
    assert current_head() == ScriptDirectory(str(MIGRATIONS)).get_current_head()


def test_a_start_migrates_a_database_behind_and_reads_one_at_head_with_one_query(empty_database):
    """upgrade_if_behind (bot/database.open_database): Alembic for an empty database or one behind;
    the revision is read from alembic_version, as Alembic's MigrationContext reads it."""
    assert database_revision(empty_database.engine) is None
    previous = ScriptDirectory(str(MIGRATIONS)).get_revision(current_head()).down_revision
    upgrade(empty_database.url, previous)
    with empty_database.engine.connect() as conn:
        assert database_revision(empty_database.engine) == MigrationContext.configure(conn).get_current_revision() == previous
    upgrade_if_behind(empty_database.url, empty_database.engine)
    assert database_revision(empty_database.engine) == current_head()
    upgrade_if_behind(empty_database.url, empty_database.engine)
    with empty_database.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all() == [current_head()]


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


def test_0007_turns_a_failure_that_did_not_happen_into_winning_back(empty_database):
    """At 0006 a recoverable churned customer was "win_back_failed" while its plan was open. After
    0007: the open one is 挽回中 in its status, stage history and audit log; one whose plan failed,
    one won back and one lost for good keep what really happened."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import text

    upgrade(empty_database.url, "0006")
    at = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)

    def ts(moment):  # as the tables' UTCDateTime writes it
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if empty_database.backend == "sqlite" else moment

    churned, closed = ts(at), ts(at + timedelta(days=5))
    # customer: (id, status now, recoverable, plan outcome or None for an open plan, status the plan's close moved to)
    cases = [(1, "win_back_failed", True, None), (2, "win_back_failed", True, "win_back_failed"),
             (3, "won_back", True, "won_back"), (4, "lost_for_good", False, None)]
    with empty_database.engine.begin() as conn:
        for cid, status, recoverable, outcome in cases:
            entered = "win_back_failed" if recoverable else "lost_for_good"
            # the row as the 0006 schema has it (today's model has later columns)
            conn.execute(text("INSERT INTO customer (id, code, name, name_norm, company, industry, region, source, stage, status, owner_id,"
                              " created_by, created_at, updated_at, cultural_notes, contact_title) VALUES (:c, :code, :name, :name, '', '', '',"
                              " '', 'lead', 'to_nurture', 'U1', 'U1', :at, :at, '', '')"),
                         {"c": cid, "code": f"C20261000{cid}", "name": f"客户{cid}", "at": ts(at - timedelta(days=30))})
            conn.execute(text("UPDATE customer SET stage = 'churned', status = :status WHERE id = :id"), {"id": cid, "status": status})
            conn.execute(text("INSERT INTO stage_change (customer_id, at, by, from_stage, from_status, to_stage, to_status, reason)"
                              " VALUES (:c, :at, 'U1', 'mature', 'stable', 'churned', :to, 'price')"), {"c": cid, "at": churned, "to": entered})
            conn.execute(text("INSERT INTO audit_entry (at, by, entity, entity_id, customer_id, field, old, new)"
                              " VALUES (:at, 'U1', 'customer', :c, :c, 'status', 'stable', :to)"), {"c": cid, "at": churned, "to": entered})
            conn.execute(text("INSERT INTO churn_case (id, customer_id, at, by, reason, recoverable, lessons)"
                              " VALUES (:c, :c, :at, 'U1', 'price', :r, '')"), {"c": cid, "at": churned, "r": recoverable})
            if not recoverable:
                continue
            conn.execute(text("INSERT INTO winback_plan (churn_case_id, customer_id, owner_id, actions, note, deadline, created_at,"
                              " created_by, outcome, closed_at, closed_by) VALUES (:c, :c, 'U1', '[\"price\"]', '', :d, :at, 'U1', :o, :cl, :by)"),
                         {"c": cid, "at": churned, "d": ts(at + timedelta(days=20)), "o": outcome,
                          "cl": closed if outcome else None, "by": "U1" if outcome else None})
            if outcome:
                conn.execute(text("INSERT INTO stage_change (customer_id, at, by, from_stage, from_status, to_stage, to_status, reason)"
                                  " VALUES (:c, :at, 'U1', 'churned', 'win_back_failed', 'churned', :to, 'winback')"),
                             {"c": cid, "at": closed, "to": outcome})
                conn.execute(text("INSERT INTO audit_entry (at, by, entity, entity_id, customer_id, field, old, new)"
                                  " VALUES (:at, 'U1', 'customer', :c, :c, 'status', 'win_back_failed', :to)"),
                             {"c": cid, "at": closed, "to": outcome})
    upgrade(empty_database.url)
    with empty_database.engine.connect() as conn:
        statuses = conn.execute(text("SELECT id, status FROM customer ORDER BY id")).all()
        history = conn.execute(text("SELECT customer_id, from_status, to_status FROM stage_change"
                                    " WHERE to_stage = 'churned' ORDER BY customer_id, at")).all()
        audit = conn.execute(text("SELECT customer_id, old, new FROM audit_entry WHERE field = 'status' ORDER BY customer_id, at")).all()
        columns = {c["name"] for c in inspect(conn).get_columns("next_action")}
    assert statuses == [(1, "winning_back"), (2, "win_back_failed"), (3, "won_back"), (4, "lost_for_good")]
    assert history == [(1, "stable", "winning_back"),
                       (2, "stable", "win_back_failed"), (2, "win_back_failed", "win_back_failed"),
                       (3, "stable", "winning_back"), (3, "winning_back", "won_back"),
                       (4, "stable", "lost_for_good")]
    assert audit == [(1, "stable", "winning_back"),
                     (2, "stable", "win_back_failed"), (2, "win_back_failed", "win_back_failed"),
                     (3, "stable", "winning_back"), (3, "winning_back", "won_back"),
                     (4, "stable", "lost_for_good")]
    assert "close_reason" in columns


def test_0008_gives_the_money_actions_of_0007_their_params_and_one_language(empty_database):
    """0007_money wrote an instalment's and a renewal's action title in both languages. After 0008
    those that parse keep kind and params and a zh-CN title, and read in one language per reader
    (handlers/words.action_text); one cut short, and a typed title, stay as they were; a downgrade
    writes the two-language titles back."""
    from datetime import datetime, timezone

    from alembic import command
    from sqlalchemy import text

    from handlers.words import action_text
    from store.db import session_factory, transaction
    from store.migrate import alembic_config
    from sqlmodel import select

    from store.models import NextAction

    upgrade(empty_database.url, "0007_tags")
    at = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)
    at = at.strftime("%Y-%m-%d %H:%M:%S.%f") if empty_database.backend == "sqlite" else at
    payment = "回款：ERP 一期 第 2 期 1,234,567.89 USD / Payment due: ERP 一期, instalment 2, 1,234,567.89 USD"
    renewal = "续约提醒：年度 / 合同（2027-02-01 到期续约）/ Renewal: 年度 / 合同 renews 2027-02-01"
    cut = "回款：" + "长" * 200 + " 第 1 期 30,000.00 CNY / Payment due: " + "长" * 200  # cut at 500 characters when made
    rows = [(1, payment, "payment_due"), (2, renewal, "renewal"), (3, cut, "payment_due"), (4, "发送报价 / send the quote", None)]
    with empty_database.engine.begin() as conn:
        conn.execute(text("INSERT INTO customer (id, code, name, name_norm, company, industry, region, source, stage, status, owner_id,"
                          " created_by, created_at, updated_at, cultural_notes, contact_title) VALUES (1, 'C202612001', '星河科技',"
                          " '星河科技', '', '', '', '', 'converted', 'signed', 'U1', 'U1', :at, :at, '', '')"), {"at": at})
        for row_id, title, kind in rows:
            conn.execute(text("INSERT INTO next_action (id, customer_id, title, due_at, owner_id, created_by, status, created_at,"
                              " updated_at, origin, kind) VALUES (:id, 1, :title, :at, 'U1', 'crm', 'open', :at, :at, :origin, :kind)"),
                         {"id": row_id, "title": title, "at": at, "origin": f"x:{row_id}", "kind": kind})
    upgrade(empty_database.url)
    with transaction(session_factory(empty_database.engine)) as s:
        found = {a.id: (a.kind, a.params, a.title, action_text(a, "zh-CN"), action_text(a, "en-US"))
                 for a in s.exec(select(NextAction).order_by(NextAction.id))}
    assert found == {
        1: ("payment_due", {"deal": "ERP 一期", "seq": 2, "amount": "1234567.89", "currency": "USD"}, "回款：ERP 一期 第 2 期",
            "回款：ERP 一期 第 2 期 US$1,234,567.89", "Payment due: ERP 一期, instalment 2, $1,234,567.89"),
        2: ("renewal", {"deal": "年度 / 合同", "day": "2027-02-01"}, "续约提醒：年度 / 合同（2027-02-01 到期续约）",
            "续约提醒：年度 / 合同（2027年2月1日 到期续约）", "Renewal: 年度 / 合同 renews Feb 1, 2027"),
        3: ("payment_due", None, cut, cut, cut),
        4: (None, None, "发送报价 / send the quote", "发送报价 / send the quote", "发送报价 / send the quote")}
    command.downgrade(alembic_config(empty_database.url), "0007_tags")
    with empty_database.engine.connect() as conn:
        assert conn.execute(text("SELECT title FROM next_action ORDER BY id")).scalars().all() == [payment, renewal, cut,
                                                                                                   "发送报价 / send the quote"]


def test_0009_gives_an_imported_follow_up_its_kind_and_one_language(empty_database):
    """The CSV import titled a 下次跟进时间 without 备注 "跟进 / Follow up". After 0009 it has the kind
    follow_up and reads 跟进 or Follow up per reader; a typed title stays; a downgrade writes it back."""
    from datetime import datetime, timezone

    from alembic import command
    from sqlalchemy import text
    from sqlmodel import select

    from handlers.words import action_text
    from store.db import session_factory, transaction
    from store.migrate import alembic_config
    from store.models import NextAction

    upgrade(empty_database.url, "0008_moneywords")
    at = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)
    at = at.strftime("%Y-%m-%d %H:%M:%S.%f") if empty_database.backend == "sqlite" else at
    with empty_database.engine.begin() as conn:
        conn.execute(text("INSERT INTO customer (id, code, name, name_norm, company, industry, region, source, stage, status, owner_id,"
                          " created_by, created_at, updated_at, cultural_notes, contact_title) VALUES (1, 'C202612001', '星河科技',"
                          " '星河科技', '', '', '', '', 'lead', 'to_nurture', 'U1', 'U1', :at, :at, '', '')"), {"at": at})
        for row_id, title in ((1, "跟进 / Follow up"), (2, "跟进客户")):
            conn.execute(text("INSERT INTO next_action (id, customer_id, title, due_at, owner_id, created_by, status, created_at,"
                              " updated_at) VALUES (:id, 1, :title, :at, 'U1', 'U1', 'open', :at, :at)"), {"id": row_id, "title": title, "at": at})
    upgrade(empty_database.url)
    with transaction(session_factory(empty_database.engine)) as s:
        found = [(a.kind, a.title, action_text(a, "zh-CN"), action_text(a, "en-US")) for a in s.exec(select(NextAction).order_by(NextAction.id))]
    assert found == [("follow_up", "跟进", "跟进", "Follow up"), (None, "跟进客户", "跟进客户", "跟进客户")]
    command.downgrade(alembic_config(empty_database.url), "0008_moneywords")
    with empty_database.engine.connect() as conn:
        assert conn.execute(text("SELECT title, kind FROM next_action ORDER BY id")).all() == [("跟进 / Follow up", None), ("跟进客户", None)]
