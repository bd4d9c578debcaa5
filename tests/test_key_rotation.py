"""Rotating the key of phones and emails: in-process on the store (SQLite and PostgreSQL) and
`python -m bot rotate-key` as a process (the SQLite default's key file, and CRM_ENCRYPTION_KEY).
Old key no longer reads anything, the new one reads everything and finds by blind index, the count
is printed, and a failure midway leaves every old ciphertext (and the key file) as it was."""
from __future__ import annotations

import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import select

from store.contacts import add_contact
from store.customers import create_customer
from store.db import transaction
from store.key_rotation import KeyRotationError, rotate_key
from store.migrate import upgrade
from store.models import Contact, Customer
from store.permissions import viewer_for
from store.privacy import Cipher, sealed
from store.profile import customers_with_phone
from tests.conftest import REP
from tests.test_cli import run

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)
OLD, NEW, STRANGER = "old-key-" + "o" * 30, "new-key-" + "n" * 30, "another-key-" + "x" * 30
PEOPLE = [("星河科技", "+86 138-1234-5678", "zhang.san@example.com"), ("云帆物流", "021-5555 0101", None),
          ("北辰软件", None, "li.si@example.com")]


def seed(factory, *, tampered: int | None = None) -> None:
    """Three customers with a phone or an email and one contact with both, under OLD; customer
    `tampered` gets a phone encrypted with another key, as a wrong or damaged token would be."""
    cipher = Cipher(OLD)
    with transaction(factory) as s:
        ids = [create_customer(session=s, name=name, owner_id=REP, created_by=REP, now=NOW, cipher=cipher, phone=phone,
                               email=email).id for name, phone, email in PEOPLE]
        add_contact(session=s, viewer=viewer_for(session=s, user_id=REP), customer_id=ids[0], name="张三", now=NOW, cipher=cipher,
                    phone="13900001111", email="zhang@example.com")
        if tampered is not None:
            s.execute(update(Customer).where(Customer.id == ids[tampered - 1])
                      .values(**sealed(Cipher(STRANGER), phone="13700000000", email=None)))


def tokens(factory) -> list[tuple]:
    with transaction(factory) as s:
        return [tuple(row) for model in (Customer, Contact) for row in s.exec(
            select(model.id, model.phone_enc, model.phone_index, model.email_enc, model.email_index).order_by(model.id))]


def readable(factory, key: str) -> list[str | None]:
    """Every stored phone and email read with `key` ("unreadable" where it cannot)."""
    cipher, out = Cipher(key), []
    for _, phone, _, email, _ in tokens(factory):
        for token in (phone, email):
            try:
                out.append(cipher.decrypt(token) if token else None)
            except ValueError:
                out.append("unreadable")
    return out


PLAIN = ["+86 138-1234-5678", "zhang.san@example.com", "021-5555 0101", None, None, "li.si@example.com",
         "13900001111", "zhang@example.com"]


def test_rotation_re_encrypts_every_phone_and_email(database):
    seed(database.factory)
    with transaction(database.factory) as s:
        stamps = s.exec(select(Customer.updated_at).order_by(Customer.id)).all()
        done = rotate_key(session=s, old=Cipher(OLD), new=Cipher(NEW))
    assert (done.customers, done.contacts, done.phones, done.emails) == (3, 1, 3, 3)
    assert readable(database.factory, NEW) == PLAIN
    assert readable(database.factory, OLD) == [None if p is None else "unreadable" for p in PLAIN]
    with transaction(database.factory) as s:
        assert [c.name for c in customers_with_phone(session=s, cipher=Cipher(NEW), phone="13812345678")] == ["星河科技"]
        assert customers_with_phone(session=s, cipher=Cipher(OLD), phone="13812345678") == []
        assert s.exec(select(Customer.updated_at).order_by(Customer.id)).all() == stamps  # a new key is not an edit


def test_a_failure_midway_leaves_the_old_ciphertexts(database):
    seed(database.factory, tampered=3)  # customers 1 and 2 are rewritten before 3 fails
    before = tokens(database.factory)
    with pytest.raises(KeyRotationError, match="customer 3: its phone cannot be read with the current key"):
        with transaction(database.factory) as s:
            rotate_key(session=s, old=Cipher(OLD), new=Cipher(NEW))
    assert tokens(database.factory) == before
    assert readable(database.factory, OLD)[:4] == PLAIN[:4]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _key_file(database, tmp_path) -> tuple[dict[str, str], Path | None]:
    """SQLite: the default key file beside the database; PostgreSQL: CRM_ENCRYPTION_KEY."""
    upgrade(database.url)
    if database.backend == "postgresql":
        return {"DATABASE_URL": database.url, "CRM_ENCRYPTION_KEY": OLD}, None
    key = Path(database.url.removeprefix("sqlite:///")).with_suffix(".key")
    key.write_text(OLD)
    key.chmod(0o600)
    return {"DATABASE_URL": database.url}, key


def test_rotate_key_as_a_process(empty_database, tmp_path):
    env, key = _key_file(empty_database, tmp_path)
    seed(empty_database.factory)
    done = run(["rotate-key"], env=env, cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Re-encrypted 3 phones and 3 emails (customers: 3, contacts: 1) with the new key."
    if key is None:  # CRM_ENCRYPTION_KEY: the fresh key is printed for the replicas' settings
        assert lines[1] == "Set CRM_ENCRYPTION_KEY to the new key on every replica before starting the bot again:"
        new_key = lines[2]
    else:  # the key file replaced, the old key kept beside it, both readable by their owner only
        [backup] = key.parent.glob("crm.key.before-*")
        assert lines[1:] == [f"The new key is in {key}; the old one is kept in {backup}: keep it with the database "
                             f"backups made before now."]
        new_key = key.read_text()
        assert backup.read_text() == OLD and _mode(key) == _mode(backup) == 0o600
        assert not key.with_name("crm.key.new").exists()
    assert new_key != OLD and len(new_key) >= 32
    assert readable(empty_database.factory, new_key) == PLAIN
    assert set(readable(empty_database.factory, OLD)) == {"unreadable", None}
    exported = run(["export", "--lang", "en"], env={**env, "CRM_ENCRYPTION_KEY": new_key} if key is None else env, cwd=tmp_path)
    assert exported.returncode == 0 and "13812345678" in exported.stdout.replace(" ", "").replace("-", ""), exported.stderr


def test_rotate_key_with_a_given_key_and_its_refusals(empty_database, tmp_path):
    env, key = _key_file(empty_database, tmp_path)
    seed(empty_database.factory, tampered=2)
    before = tokens(empty_database.factory)
    for args, code, sentence in (
        (["--new-key", "short"], 2, "rotate-key: --new-key: a key of at least 32 characters is needed, not one of 5; "
                                    "leave it out to have one made."),
        (["--new-key", OLD], 2, "rotate-key: --new-key is the key in use; give another, or leave it out to have one made."),
        (["--new-key", NEW], 1, "rotate-key: customer 2: its phone cannot be read with the current key (a wrong key, or "
                                "tampered); nothing was changed."),
    ):
        done = run(["rotate-key", *args], env=env, cwd=tmp_path)
        assert (done.returncode, done.stderr.splitlines()[-1:], done.stdout) == (code, [sentence], ""), args
        assert "Traceback" not in done.stderr
    assert tokens(empty_database.factory) == before
    if key is not None:  # the key file untouched, no new key or backup left behind
        assert key.read_text() == OLD and sorted(p.name for p in key.parent.glob("crm.key*")) == ["crm.key"]
    with transaction(empty_database.factory) as s:  # mend the damaged row: now it goes through with the given key
        s.execute(update(Customer).where(Customer.id == 2).values(**sealed(Cipher(OLD), phone="021-5555 0101", email=None)))
    done = run(["rotate-key", "--new-key", NEW], env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert NEW not in done.stdout  # given, so not printed
    assert readable(empty_database.factory, NEW) == PLAIN
    if key is not None:
        assert key.read_text() == NEW


def test_a_new_key_left_by_an_interrupted_rotation_is_not_overwritten(empty_database, tmp_path):
    if empty_database.backend == "postgresql":
        pytest.skip("the key file is the SQLite default's")
    env, key = _key_file(empty_database, tmp_path)
    seed(empty_database.factory)
    before = tokens(empty_database.factory)
    key.with_name("crm.key.new").write_text(NEW)
    done = run(["rotate-key"], env=env, cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == (
        "rotate-key: crm.key.new is left from an interrupted rotation: if the bot cannot read phones and emails with "
        "crm.key, the key is in crm.key.new, so move it to crm.key; otherwise delete crm.key.new; then run rotate-key again.")
    assert tokens(empty_database.factory) == before and key.read_text() == OLD and key.with_name("crm.key.new").read_text() == NEW


def test_the_key_files_are_never_offered_for_commit():
    import shutil
    import subprocess

    root = Path(__file__).resolve().parents[1]
    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("not a git checkout")
    names = ["crm.key", "data/crm.key", "crm.key.new", "crm.key.before-20261206T192600Z", "crm.key.before-20261206T192600Z-2"]
    done = subprocess.run(["git", "check-ignore", "--no-index", *names], cwd=root, capture_output=True, text=True)
    assert done.stdout.splitlines() == names
