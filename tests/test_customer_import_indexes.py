"""A large import into a smaller SQLite database builds the indexes it does not read through after
its rows (store/customer_writes.py's Writer.defer_indexes): the same rows as with them kept, every
index back as the migration made it, and a refused file leaves both the rows and the indexes as
they were. PostgreSQL keeps its indexes (dropping one would lock out the bot's readers)."""
from __future__ import annotations

from sqlalchemy import event, text

from store.customer_import import import_customers
from store.customer_rows import BATCH
from store.db import transaction
from tests.test_customer_import import CIPHER, NOW, users
from tests.test_customer_import_aside import imported, leads


def indexes(db) -> list[tuple]:
    """Every index of the database, as its catalog gives it."""
    with transaction(db) as s:
        if s.get_bind().dialect.name == "sqlite":
            return s.execute(text("SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name")).all()
        return s.execute(text("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                              "ORDER BY indexname")).all()


def statements(engine) -> list[str]:
    """The SQL the database is sent from now on (filled in as it runs)."""
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda conn, cursor, sql, *rest: sent.append(sql))
    return sent


def test_an_import_that_builds_its_indexes_afterwards_writes_the_same_rows_and_leaves_every_index(db):
    users(db)
    before = indexes(db)
    data = leads(2 * BATCH + 50)  # customers named again by later rows of other batches: matched through the kept indexes
    kept = imported(db, data, defer_from=10**9)
    deferred = imported(db, data, defer_from=0)
    assert deferred == kept
    assert kept[0].created > 2 * BATCH and kept[0].updated >= 1 and not kept[0].errors
    with transaction(db) as s:
        report = import_customers(session=s, data=data.encode(), cipher=CIPHER, tz="Asia/Shanghai", now=NOW, defer_from=0)
    assert report.created == kept[0].created
    assert indexes(db) == before
    with transaction(db) as s:
        assert s.execute(text("SELECT count(*) FROM customer WHERE search_norm LIKE '%客户7号%'")).scalar() >= 1
        if s.get_bind().dialect.name == "sqlite":
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_a_refused_file_leaves_the_rows_and_the_indexes_as_they_were(db):
    users(db)
    before = indexes(db)
    bad = leads(2 * BATCH) + ",最后一行,没有这个人,,,,,,,,,,\n"  # refused after two batches were written
    with transaction(db) as s:
        report = import_customers(session=s, data=bad.encode(), cipher=CIPHER, tz="Asia/Shanghai", now=NOW, defer_from=0)
    assert [e.key for e in report.errors] == ["imp_owner_unknown"]
    assert report.created == 0
    assert indexes(db) == before
    with transaction(db) as s:
        assert s.execute(text("SELECT count(*) FROM customer")).scalar() == 0


def test_indexes_are_dropped_only_on_sqlite_and_only_for_more_new_rows_than_the_database_holds(database, db):
    users(db)
    sent = statements(database.engine)
    with transaction(db) as s:
        import_customers(session=s, data=leads(60).encode(), cipher=CIPHER, tz="Asia/Shanghai", now=NOW, defer_from=0)
    dropped = {q.split()[-1].strip('"') for q in sent if q.startswith("DROP INDEX")}
    if database.engine.dialect.name == "sqlite":  # the search text, the sweeps' and the history's; not the lookups'
        assert {"ix_customer_search_norm", "ix_customer_owner_stage", "ix_next_action_status_due", "ix_audit_entry_customer_at",
                "ix_stage_change_customer_at"} <= dropped
        assert not dropped & {"ix_customer_name_norm", "ix_customer_phone_index", "ix_customer_email_index", "ix_contact_customer_id",
                              "ix_contact_phone_index", "ix_contact_email_index", "ix_next_action_customer_status"}
        assert [q for q in sent if q.startswith("CREATE INDEX")]
    else:
        assert dropped == set()
    sent.clear()
    with transaction(db) as s:  # 34 new rows into a database of 63 customers: each inserted into its indexes
        more = import_customers(session=s, data=leads(30).replace("号,", "号乙,").replace(",138", ",139").replace(",021-", ",022-")
                                .replace("@corp", "@two").encode(), cipher=CIPHER, tz="Asia/Shanghai", now=NOW, defer_from=0)
    assert more.created >= 20 and not more.errors
    assert [q for q in sent if "FROM customer WHERE" in q] and not [q for q in sent if q.startswith("DROP INDEX")]
