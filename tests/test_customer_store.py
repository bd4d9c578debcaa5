"""The customer record: profile fields, tags, owners, /crm find and /crm mine, the audit log."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlmodel import select

from store.audit import history
from store.customers import create_customer, customers_by_stage, find_customers, search_customers
from store.db import transaction
from store.errors import DomainError, FieldErrors
from store.interactions import log_interaction
from store.lifecycle import change_stage
from store.models import Customer, NextAction
from store.permissions import Viewer
from store.profile import reassign, set_tags, tag_list, update_customer
from store.vocab import catalog, codes, label

UTC = timezone.utc
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
REP = Viewer(id="U1")


def test_a_full_record(db):
    with transaction(db) as s:
        c = create_customer(session=s, name="星河科技", owner_id="U1", created_by="U2", now=NOW, company="星河科技有限公司",
                            contact_title="采购总监", industry="制造业", staff_count=350, annual_revenue="50000000.00",
                            region="华东 上海", cultural_notes="重视关系\n逢年过节问候", source="exhibition",
                            value_tier="high", need_type="service_oriented", cs_owner_id="U_CS",
                            tags={"free": ["VIP"], "need_stage": ["方案评估"], "behaviour": ["爱比价"], "personal": ["喜欢高尔夫"]})
        cid = c.id
    with transaction(db) as s:
        c = s.get(Customer, cid)
        assert (c.code, c.stage, c.status, c.stage_changed_at, c.owner_id, c.created_by, c.created_at, c.updated_at) == (
            "C202611001", "lead", "to_nurture", NOW, "U1", "U2", NOW, NOW)
        assert (c.company, c.contact_title, c.industry, c.staff_count, c.annual_revenue, c.region, c.cultural_notes) == (
            "星河科技有限公司", "采购总监", "制造业", 350, Decimal("50000000.00"), "华东 上海", "重视关系\n逢年过节问候")
        assert (c.source, c.value_tier, c.need_type, c.cs_owner_id, c.last_interaction_at) == (
            "exhibition", "high", "service_oriented", "U_CS", None)
        assert c.search_norm == "星河科技 星河科技有限公司 c202611001 制造业 vip 方案评估 爱比价 喜欢高尔夫"
        assert tag_list(session=s, customer_id=cid) == [("free", "VIP"), ("need_stage", "方案评估"), ("behaviour", "爱比价"),
                                                        ("personal", "喜欢高尔夫")]


def test_every_bad_field_is_named(db):
    with pytest.raises(FieldErrors) as caught:
        with transaction(db) as s:
            create_customer(session=s, name=" ", owner_id="U1", created_by="U1", now=NOW, source="trade_show",
                            value_tier="gold", need_type="cheap", staff_count=-1, annual_revenue=1.5, industry="x" * 101,
                            tags={"mood": ["happy"], "free": ["y" * 51]})
    assert [(e.key, e.field) for e in caught.value.errors] == [
        ("err_required", "customer"), ("err_source", "source"), ("err_value_tier", "value_tier"),
        ("err_need_type", "need_type"), ("err_number", "staff_count"), ("err_amount", "annual_revenue"),
        ("err_too_long", "industry"), ("err_tag_kind", "tags"), ("err_too_long", "tags")]
    with pytest.raises(TypeError):
        with transaction(db) as s:
            create_customer(session=s, name="x", owner_id="U1", created_by="U1", now=NOW, stage="mature")
    with transaction(db) as s:
        assert s.exec(select(Customer)).all() == []


def test_the_vocabularies_are_the_issues():
    assert codes("source") == ("exhibition", "website_form", "referral", "online_ads", "content", "phone_enquiry", "social", "other")
    assert codes("need_type") == ("price_sensitive", "service_oriented", "innovation_partner", "stable_maintenance")
    assert codes("value_tier") == ("high", "medium", "low")
    assert codes("decision_role") == ("contact", "decision_maker", "influencer")
    assert [label("need_status", c, "zh-CN") for c in codes("need_status")] == ["未跟进", "跟进中", "已解决", "已放弃"]
    assert catalog()["vocab_status_to_nurture"] == {"zh-CN": "待培育", "en": "To nurture"}
    assert label("stage", "lead", "en-US") == "Lead" and label("stage", "nope", "zh-CN") == "nope"


def test_profile_changes_are_audited_newest_first(db):
    with transaction(db) as s:
        cid = create_customer(session=s, name="星河科技", owner_id="U1", created_by="U1", now=NOW, industry="制造业").id
    t1, t2 = NOW + timedelta(hours=1), NOW + timedelta(hours=2)
    with transaction(db) as s:
        update_customer(session=s, viewer=REP, customer_id=cid, now=t1, industry="制造业", region="华南", staff_count=80)
    with transaction(db) as s:
        update_customer(session=s, viewer=REP, customer_id=cid, now=t2, name="星河集团", annual_revenue="1200000")
        set_tags(session=s, viewer=REP, customer_id=cid, tags={"free": ["重点", "重点 "]}, now=t2)
    with transaction(db) as s:
        entries = [(e.at, e.by, e.field, e.old, e.new) for e in history(session=s, customer_id=cid)]
        customer = s.get(Customer, cid)
    assert entries == [
        (t2, "U1", "tags", None, "free:重点"),
        (t2, "U1", "name", "星河科技", "星河集团"),
        (t2, "U1", "annual_revenue", None, "1200000.00"),
        (t1, "U1", "staff_count", None, "80"),
        (t1, "U1", "region", "", "华南"),
        (NOW, "U1", "created", None, "C202611001"),
    ]  # the unchanged industry left no entry
    assert (customer.name_norm, customer.search_norm, customer.updated_at) == ("星河集团", "星河集团 c202611001 制造业 重点", t2)
    with pytest.raises(DomainError) as caught:
        with transaction(db) as s:
            update_customer(session=s, viewer=Viewer(id="U2", visibility="all"), customer_id=cid, now=t2, region="x")
    assert caught.value.key == "err_forbidden"


def _seed(db):
    rows = [("星河科技", "U1", dict(industry="制造业")), ("北方科技集团", "U2", dict(company="北方集团")),
            ("Galaxy Tech", "U1", dict(industry="SaaS", tags={"behaviour": ["爱比价"]})),
            ("星河物流", "U3", dict(industry="物流")), ("100%_Fun", "U1", {}), ("O'Brien\\Ltd", "U2", {})]
    with transaction(db) as s:
        return {name: create_customer(session=s, name=name, owner_id=owner, created_by=owner, now=NOW, **kw).id
                for name, owner, kw in rows}


def _find(db, words, viewer):
    with transaction(db) as s:
        return [c.name for c in find_customers(session=s, words=words, viewer=viewer, limit=20)]


def test_find_matches_every_word_in_what_the_viewer_may_read(db):
    ids = _seed(db)
    admin = Viewer(id="A", role="admin", visibility="own")
    assert _find(db, "星河", admin) == ["星河科技", "星河物流"]  # both start with it, same length: by id
    assert _find(db, "科技", admin) == ["星河科技", "北方科技集团"]
    assert _find(db, "制造业", admin) == ["星河科技"]
    assert _find(db, "北方集团", admin) == ["北方科技集团"]               # company
    assert _find(db, "c202611003", admin) == ["Galaxy Tech"]          # code
    assert _find(db, "爱比价 galaxy", admin) == ["Galaxy Tech"]        # tag and name, both needed
    assert _find(db, "爱比价 星河", admin) == []
    assert _find(db, "100%_", admin) == ["100%_Fun"] and _find(db, "0%", admin) == ["100%_Fun"]
    assert _find(db, "_", admin) == ["100%_Fun"] and _find(db, "   ", admin) == []
    assert _find(db, "o'brien\\", admin) == ["O'Brien\\Ltd"] and _find(db, "'", admin) == ["O'Brien\\Ltd"]
    assert _find(db, "星河", Viewer(id="U1", visibility="own")) == ["星河科技"]
    assert _find(db, "星河", Viewer(id="U1", visibility="team", teammates=frozenset({"U3"}))) == ["星河科技", "星河物流"]
    assert _find(db, "科技", Viewer(id="U9", visibility="all")) == ["星河科技", "北方科技集团"]
    assert _find(db, "科技", Viewer(id="U9", visibility="own")) == []
    assert _find(db, "星河", Viewer(id="M", role="manager", visibility="own", reports=frozenset({"U3"}))) == ["星河物流"]
    with transaction(db) as s:
        s.get(Customer, ids["星河物流"]).cs_owner_id = "U9"
    assert _find(db, "星河", Viewer(id="U9", visibility="own")) == ["星河物流"]
    with transaction(db) as s:  # the type-ahead keeps working as before
        assert [c.name for c in search_customers(session=s, query="星河")] == ["星河科技", "星河物流"]


def test_mine_groups_by_stage(db):
    ids = _seed(db)
    with transaction(db) as s:
        extra = [create_customer(session=s, name=f"客户{i}", owner_id="U1", created_by="U1", now=NOW + timedelta(minutes=i)).id
                 for i in range(3)]
        change_stage(session=s, viewer=REP, customer_id=ids["Galaxy Tech"], stage="converted", now=NOW + timedelta(hours=1))
        change_stage(session=s, viewer=REP, customer_id=extra[0], stage="nurturing", now=NOW + timedelta(hours=2))
    with transaction(db) as s:
        groups = customers_by_stage(session=s, owner_id="U1", per_stage=2)
        assert [(g.stage, g.count, [c.name for c in g.customers]) for g in groups] == [
            ("lead", 4, ["客户2", "客户1"]), ("nurturing", 1, ["客户0"]), ("converted", 1, ["Galaxy Tech"])]
        assert customers_by_stage(session=s, owner_id="U_NOBODY") == []


def test_reassign_moves_the_customer_and_its_pending_actions(db):
    with transaction(db) as s:
        cid = create_customer(session=s, name="星河科技", owner_id="REP_A", created_by="REP_A", now=NOW).id
        for owner, status in (("REP_A", "open"), ("REP_A", "done"), ("U_OTHER", "open")):
            s.add(NextAction(customer_id=cid, title=f"{owner} {status}", due_at=NOW, owner_id=owner, created_by=owner,
                             status=status, created_at=NOW, updated_at=NOW))
    manager = Viewer(id="MGR", role="manager", reports=frozenset({"REP_A", "REP_B"}))
    for viewer, new_owner in ((Viewer(id="REP_A"), "REP_B"), (manager, "REP_X")):
        with pytest.raises(DomainError) as caught:
            with transaction(db) as s:
                reassign(session=s, viewer=viewer, customer_id=cid, new_owner_id=new_owner, now=NOW)
        assert caught.value.key == "err_forbidden_reassign" and caught.value.params == {"owner": "REP_A"}
    later = NOW + timedelta(hours=1)
    with transaction(db) as s:
        reassign(session=s, viewer=manager, customer_id=cid, new_owner_id="REP_B", now=later)
    with transaction(db) as s:
        assert s.get(Customer, cid).owner_id == "REP_B"
        assert sorted((a.title, a.owner_id) for a in s.exec(select(NextAction))) == [
            ("REP_A done", "REP_A"), ("REP_A open", "REP_B"), ("U_OTHER open", "U_OTHER")]
        entry = history(session=s, customer_id=cid)[0]
        assert (entry.at, entry.by, entry.field, entry.old, entry.new) == (later, "MGR", "owner_id", "REP_A", "REP_B")


def test_logging_keeps_first_and_last_interaction(db):
    def log(customer_id, at, occurred):
        with transaction(db) as s:
            return log_interaction(session=s, author_id="U1", customer_id=customer_id, new_customer_name="星河科技",
                                   way="visit", occurred_on=occurred, summary="拜访", feedback="", participants="",
                                   action_title="报价", due_at=at + timedelta(days=3), action_owner_id="U1", now=at).customer.id

    cid = log(None, NOW, date(2026, 11, 16))
    with transaction(db) as s:
        c = s.get(Customer, cid)
        assert (c.first_contact_at, c.last_interaction_at, c.updated_at) == (NOW, NOW, NOW)
    log(cid, NOW + timedelta(days=2), date(2026, 11, 10))  # a visit logged late counts when it was logged
    with transaction(db) as s:
        c = s.get(Customer, cid)
        assert (c.first_contact_at, c.last_interaction_at, c.updated_at) == (NOW, NOW + timedelta(days=2), NOW + timedelta(days=2))
        assert [(e.field, e.new) for e in history(session=s, customer_id=cid)] == [("created", "C202611001")]
