"""Phone numbers and emails encrypted at rest, blind-index matching, masks, and who may see what."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from store.audit import history
from store.contacts import add_contact, change_contact, contact_history, contact_phone_email, contacts_of, contacts_with_phone
from store.customers import create_customer
from store.db import transaction
from store.errors import DomainError, FieldErrors
from store.models import Customer
from store.permissions import Viewer, can_edit, can_read, can_reassign, can_see_contact_details, viewer_for
from store.privacy import Cipher, mask_email, mask_phone
from store.profile import contact_details, customers_with_email, customers_with_phone, set_contact_details
from store.users import set_manager, set_role

UTC = timezone.utc
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
KEY = "k" * 16 + "0123456789abcdef0123"
CIPHER = Cipher(KEY)
PHONE, EMAIL = "+86 138-1234-5678", "Zhang.San@Example.com"


def test_cipher_round_trip_and_refusals():
    token = CIPHER.encrypt("13812345678")
    assert CIPHER.decrypt(token) == "13812345678"
    assert "13812345678" not in token and token != CIPHER.encrypt("13812345678")  # a fresh IV each time
    with pytest.raises(ValueError):
        Cipher(KEY.replace("k", "j")).decrypt(token)
    with pytest.raises(ValueError):
        Cipher("too short")
    assert len(Cipher.generate_key()) == 44


def test_blind_index_is_keyed_and_normalised():
    assert CIPHER.phone_index("+86 138-1234-5678") == CIPHER.phone_index("13812345678") == CIPHER.phone_index("008613812345678")
    assert CIPHER.phone_index("13812345679") != CIPHER.phone_index("13812345678")
    assert CIPHER.email_index(" ZHANG.san@example.COM ") == CIPHER.email_index("zhang.san@example.com")
    assert Cipher(KEY.replace("k", "j")).phone_index("13812345678") != CIPHER.phone_index("13812345678")
    assert CIPHER.blind_index("phone", "a@b.cn") != CIPHER.blind_index("email", "a@b.cn")
    assert len(CIPHER.phone_index("13812345678")) == 64


@pytest.mark.parametrize("phone, masked", [
    ("13812345678", "138****5678"), ("+86 138-1234-5678", "138****5678"), ("021-6234-5678", "021****5678"),
    ("+1 (212) 555-0100", "121****0100"), ("12345678", "123*5678"), ("12345", "***45"),
])
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("email, masked", [
    ("zhang.san@example.com", "z***@example.com"), ("a@b.cn", "a***@b.cn"), ("not an email", "***"),
])
def test_mask_email(email, masked):
    assert mask_email(email) == masked


def _create(s, **kw):
    fields = dict(name="星河科技", owner_id="U1", created_by="U1", now=NOW, cipher=CIPHER, phone=PHONE, email=EMAIL)
    fields.update(kw)
    return create_customer(session=s, **fields)


def test_stored_encrypted_and_found_without_decrypting(db):
    with transaction(db) as s:
        cid = _create(s).id
        _create(s, name="别家", phone="13900000000", email="li@example.com")
    with transaction(db) as s:
        raw = s.execute(text("SELECT phone_enc, phone_index, email_enc, email_index FROM customer WHERE id = :i"), {"i": cid}).one()
    for column in raw:
        assert "1234" not in column and "zhang" not in column.lower() and "example" not in column
    assert (CIPHER.decrypt(raw[0]), CIPHER.decrypt(raw[2])) == (PHONE, EMAIL)
    with transaction(db) as s:
        assert s.get(Customer, cid).updated_at == NOW
    assert raw[1] == CIPHER.phone_index("13812345678") and raw[3] == CIPHER.email_index("zhang.san@example.com")
    with transaction(db) as s:
        assert [c.id for c in customers_with_phone(session=s, cipher=CIPHER, phone="138 1234 5678")] == [cid]
        assert [c.id for c in customers_with_email(session=s, cipher=CIPHER, email="ZHANG.SAN@example.com")] == [cid]
        assert customers_with_phone(session=s, cipher=CIPHER, phone="13812345679") == []
        assert customers_with_phone(session=s, cipher=Cipher(KEY.replace("k", "j")), phone="13812345678") == []


def test_phone_and_email_are_validated_together(db):
    with pytest.raises(FieldErrors) as caught:
        with transaction(db) as s:
            _create(s, phone="138-abcd-5678", email="zhang@localhost")
    assert [(e.key, e.field) for e in caught.value.errors] == [("err_phone", "phone"), ("err_email", "email")]
    for phone in ("1234", "1" * 16, "++8613812345678", "(138)"):
        with pytest.raises(FieldErrors) as caught:
            with transaction(db) as s:
                _create(s, phone=phone)
        assert [e.key for e in caught.value.errors] == ["err_phone"], phone
    with transaction(db) as s:
        assert s.execute(text("SELECT count(*) FROM customer")).scalar_one() == 0


def test_changes_are_audited_masked(db):
    with transaction(db) as s:
        cid = _create(s).id
    with transaction(db) as s:
        set_contact_details(session=s, viewer=Viewer(id="U1"), customer_id=cid, cipher=CIPHER, now=NOW + timedelta(hours=1),
                            phone="13900001111", email="")
    with transaction(db) as s:
        entries = [(e.field, e.old, e.new) for e in history(session=s, customer_id=cid)][:2]
        raw = " ".join(str(v) for v in s.execute(text("SELECT old, new FROM audit_entry")).all())
    assert entries == [("email", "Z***@Example.com", None), ("phone", "138****5678", "139****1111")]
    assert "13900001111" not in raw and "12345678" not in raw


# -- who sees what ----------------------------------------------------------------------------------

def _team(db):
    """DIR manages MGR and MGR2; MGR manages REP_A and REP_B; MGR2 manages REP_X; ADMIN is admin."""
    with transaction(db) as s:
        for user, role in (("DIR", "manager"), ("MGR", "manager"), ("MGR2", "manager"), ("ADMIN", "admin")):
            set_role(session=s, user_id=user, role=role)
        for user, manager in (("MGR", "DIR"), ("MGR2", "DIR"), ("REP_A", "MGR"), ("REP_B", "MGR"), ("REP_X", "MGR2")):
            set_manager(session=s, user_id=user, manager_id=manager)
        ids = {owner: _create(s, name=f"客户 {owner}", owner_id=owner).id for owner in ("REP_A", "REP_B", "REP_X", "MGR", "MGR2")}
    return ids


# viewer, owner -> (read with own, team, all), edit, reassign to the viewer, contact details unmasked
MATRIX = {
    ("REP_A", "REP_A"): ((1, 1, 1), 1, 0, 1),
    ("REP_A", "REP_B"): ((0, 1, 1), 0, 0, 0),  # teammate
    ("REP_A", "MGR"): ((0, 1, 1), 0, 0, 0),    # the rep's own manager is on the team
    ("REP_A", "REP_X"): ((0, 0, 1), 0, 0, 0),
    ("MGR", "MGR"): ((1, 1, 1), 1, 1, 1),
    ("MGR", "REP_A"): ((1, 1, 1), 1, 1, 1),    # a report
    ("MGR", "MGR2"): ((0, 1, 1), 0, 0, 0),     # a fellow manager under DIR
    ("MGR", "REP_X"): ((0, 0, 1), 0, 0, 0),    # another manager's report
    ("ADMIN", "REP_A"): ((1, 1, 1), 1, 1, 1),
    ("ADMIN", "MGR2"): ((1, 1, 1), 1, 1, 1),
}


def test_permission_matrix(db):
    ids = _team(db)
    with transaction(db) as s:
        customers = {owner: s.get(Customer, cid) for owner, cid in ids.items()}
        for (viewer_id, owner), (reads, edit, reassign, details) in MATRIX.items():
            for visibility, expected in zip(("own", "team", "all"), reads):
                viewer = viewer_for(session=s, user_id=viewer_id, visibility=visibility)
                c = customers[owner]
                assert can_read(viewer, c) is bool(expected), (viewer_id, owner, visibility)
                assert can_edit(viewer, c) is bool(edit), (viewer_id, owner)
                assert can_reassign(viewer, c, viewer_id) is bool(reassign), (viewer_id, owner)
                assert can_see_contact_details(viewer, c) is bool(details), (viewer_id, owner)
        mgr = viewer_for(session=s, user_id="MGR")
        assert (mgr.role, mgr.reports, mgr.teammates) == ("manager", frozenset({"REP_A", "REP_B"}), frozenset({"MGR2", "DIR"}))
        assert can_reassign(mgr, customers["REP_A"], "REP_B") and not can_reassign(mgr, customers["REP_A"], "REP_X")
        # a customer-success owner reads the customer, and no more
        customers["REP_X"].cs_owner_id = "REP_A"
        cs = viewer_for(session=s, user_id="REP_A", visibility="own")
        assert (can_read(cs, customers["REP_X"]), can_edit(cs, customers["REP_X"]),
                can_see_contact_details(cs, customers["REP_X"])) == (True, False, False)
        assert viewer_for(session=s, user_id="REP_A", admins=frozenset({"REP_A"})).role == "admin"


def test_contact_details_unmasked_masked_or_refused(db):
    ids = _team(db)
    cid = ids["REP_A"]
    with transaction(db) as s:
        owner = contact_details(session=s, viewer=viewer_for(session=s, user_id="REP_A"), customer_id=cid, cipher=CIPHER)
        boss = contact_details(session=s, viewer=viewer_for(session=s, user_id="MGR"), customer_id=cid, cipher=CIPHER)
        mate = contact_details(session=s, viewer=viewer_for(session=s, user_id="REP_B", visibility="team"), customer_id=cid, cipher=CIPHER)
        assert (owner.phone, owner.email, owner.masked) == (PHONE, EMAIL, False)
        assert (boss.phone, boss.masked) == (PHONE, False)
        assert (mate.phone, mate.email, mate.masked) == ("138****5678", "Z***@Example.com", True)
        with pytest.raises(DomainError) as caught:
            contact_details(session=s, viewer=viewer_for(session=s, user_id="REP_B", visibility="own"), customer_id=cid, cipher=CIPHER)
        assert caught.value.key == "err_forbidden_read_own" and caught.value.params == {"owner": "REP_A"}
        with pytest.raises(DomainError) as caught:
            set_contact_details(session=s, viewer=viewer_for(session=s, user_id="REP_B", visibility="all"), customer_id=cid,
                                cipher=CIPHER, now=NOW, phone="13900000000")
        assert caught.value.key == "err_forbidden" and caught.value.params == {"owner": "REP_A"}


def test_contacts_roles_and_their_history(db):
    with transaction(db) as s:
        cid = _create(s, phone=None, email=None).id
    rep = Viewer(id="U1")
    with transaction(db) as s:
        buyer = add_contact(session=s, viewer=rep, customer_id=cid, name="李采购", title="采购经理", now=NOW,
                            phone="13700001234", email="li@example.com", cipher=CIPHER)
        boss = add_contact(session=s, viewer=rep, customer_id=cid, name="张总", title="总经理", role="decision_maker", now=NOW)
        add_contact(session=s, viewer=rep, customer_id=cid, name="王工", title="IT", role="influencer", now=NOW)
    promoted = NOW + timedelta(days=30)
    with transaction(db) as s:
        change_contact(session=s, viewer=rep, contact_id=buyer.id, title="采购总监", role="decision_maker",
                       reason="升职", now=promoted)
        change_contact(session=s, viewer=rep, contact_id=buyer.id, name="李四", now=promoted)  # no title or role change
    with transaction(db) as s:
        assert [(c.name, c.role) for c in contacts_of(session=s, customer_id=cid)] == [
            ("李四", "decision_maker"), ("张总", "decision_maker"), ("王工", "influencer")]
        assert [(h.from_title, h.to_title, h.from_role, h.to_role, h.reason, h.by, h.at)
                for h in contact_history(session=s, contact_id=buyer.id)] == [
            ("采购经理", "采购总监", "contact", "decision_maker", "升职", "U1", promoted)]
        assert contact_history(session=s, contact_id=boss.id) == []
        raw = s.execute(text("SELECT phone_enc, email_enc FROM contact WHERE id = :i"), {"i": buyer.id}).one()
        assert "1234" not in raw[0] and "example" not in raw[1] and CIPHER.decrypt(raw[0]) == "13700001234"
        assert [c.id for c in contacts_with_phone(session=s, cipher=CIPHER, phone="+86 137 0000 1234")] == [buyer.id]
        seen = contact_phone_email(session=s, viewer=Viewer(id="U2", visibility="all"), contact_id=buyer.id, cipher=CIPHER)
        assert (seen.phone, seen.email, seen.masked) == ("137****1234", "l***@example.com", True)
        entries = [(e.entity, e.field, e.old, e.new) for e in history(session=s, customer_id=cid)][:3]
    assert entries == [("contact", "name", "李采购", "李四"), ("contact", "role", "contact", "decision_maker"),
                       ("contact", "title", "采购经理", "采购总监")]
    with pytest.raises(FieldErrors) as caught:
        with transaction(db) as s:
            add_contact(session=s, viewer=rep, customer_id=cid, name="", role="boss", phone="abc", now=NOW, cipher=CIPHER)
    assert [(e.key, e.field) for e in caught.value.errors] == [("err_required", "name"), ("err_decision_role", "role"),
                                                               ("err_phone", "phone")]
