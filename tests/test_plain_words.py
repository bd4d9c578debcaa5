"""One language per message (issue 16): a rule's next action is stored as a kind and read in the
reader's language, a typed title stays as typed; history and cards go through the vocabulary."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import text

from handlers.delivery.jobs import tick
from store.customers import create_lead
from store.db import transaction
from store.migrate import upgrade
from store.models import NextAction
from tests.block_text import block_texts
from tests.conftest import REP, REP_EN

AT = datetime(2031, 3, 3, 1, 0, tzinfo=timezone.utc)  # Monday 09:00 in Shanghai


def _lead(bolt, owner: str, name: str) -> NextAction:
    with transaction(bolt.db) as s:
        _, action = create_lead(session=s, name=name, owner_id=owner, created_by=owner, now=AT, calendar=bolt.defaults.calendar)
        return action


def _due_dm(bolt, fake, action: NextAction) -> dict:
    tick(client=bolt.client, db=bolt.db, defaults=bolt.defaults, now=action.due_at)
    return fake.wait_for("chat.postMessage")[0].params


def test_a_rules_action_reads_in_chinese_only_to_a_chinese_owner(bolt, fake, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    action = _lead(bolt, REP, "星河科技")
    assert (action.kind, action.title) == ("first_contact", "首次联系新线索")
    dm = _due_dm(bolt, fake, action)
    assert dm["text"] == "下一步行动到期：首次联系新线索（星河科技）"
    assert block_texts(dm["blocks"])[:2] == ["*⏰ 下一步行动到期*",
                                             "*首次联系新线索*\n*客户：* 星河科技（`C203103001`）\n*截止：* 2031年3月3日 周一 18:00"]


def test_a_rules_action_reads_in_english_only_to_an_english_owner(bolt, fake, remember):
    remember(REP_EN, "America/New_York", "en-US")
    action = _lead(bolt, REP_EN, "Galaxy Tech")
    dm = _due_dm(bolt, fake, action)
    assert dm["text"] == "Next action due: First contact with the new lead (Galaxy Tech)"
    assert block_texts(dm["blocks"])[:2] == ["*⏰ Next action due*",
                                             "*First contact with the new lead*\n*Customer:* Galaxy Tech (`C203103001`)\n"
                                             "*Due:* Mon 3 Mar 2031, 05:00"]


def test_a_typed_title_stays_as_typed_for_every_reader(bolt, fake, remember):
    remember(REP_EN, "America/New_York", "en-US")
    action = _lead(bolt, REP_EN, "Galaxy Tech")
    with transaction(bolt.db) as s:  # someone typed a title over a rule's action: it is no longer the rule's words
        row = s.get(NextAction, action.id)
        row.title, row.kind = "给张总打电话 <b>", None
    dm = _due_dm(bolt, fake, action)
    assert dm["text"] == "Next action due: 给张总打电话 &lt;b&gt; (Galaxy Tech)"


def test_the_migration_gives_old_two_language_titles_their_kind(empty_database):
    upgrade(empty_database.url, "0006")
    at = AT.replace(tzinfo=None) if empty_database.backend == "sqlite" else AT
    with empty_database.engine.begin() as conn:
        conn.execute(text("INSERT INTO customer (id, code, name, name_norm, company, industry, region, source, stage, status, owner_id,"
                          " created_by, created_at, updated_at, cultural_notes, contact_title) VALUES (1, 'C1', '星河', '星河', '', '', '',"
                          " '', 'lead', 'to_nurture', 'U1', 'U1', :at, :at, '', '')"), {"at": at})
        for i, title in enumerate(("首次联系新线索 / First contact with the new lead", "定期跟进 / Follow-up is due",
                                   "挽留客户：价格调整 / Keep the customer: price offer", "发送报价 / send quote"), start=1):
            conn.execute(text("INSERT INTO next_action (id, customer_id, title, due_at, owner_id, created_by, status, created_at,"
                              " updated_at) VALUES (:i, 1, :title, :at, 'U1', 'U1', 'open', :at, :at)"), {"i": i, "title": title, "at": at})
    upgrade(empty_database.url)
    with empty_database.engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, title FROM next_action ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("first_contact", "首次联系新线索"), ("cadence", "定期跟进"),
                                        ("retention_price", "挽留客户：价格调整"), (None, "发送报价 / send quote")]
